from collections.abc import Callable, Iterator

import pytest
import trustme

from kubeward.testing import exposure
from kubeward.testing.pki import KeyPair


@pytest.fixture(scope="session")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture(scope="session")
def server_pair(ca: trustme.CA) -> KeyPair:
    cert = ca.issue_cert("127.0.0.1", "localhost")
    return KeyPair(cert_pem=cert.cert_chain_pems[0].bytes(), key_pem=cert.private_key_pem.bytes())


@pytest.fixture
def start(server_pair: KeyPair) -> Iterator[Callable[..., exposure.Running]]:
    """start(responder, tls=True, client_ca=None) -> a running loopback server, stopped after the test."""
    running: list[exposure.Running] = []

    def _start(responder: exposure.Responder, tls: bool = True, client_ca: bytes | None = None) -> exposure.Running:
        context = exposure.server_context(server_pair, client_ca=client_ca) if tls else None
        server = exposure.serve(responder, context)
        running.append(server)
        return server

    yield _start
    for server in running:
        server.stop()
