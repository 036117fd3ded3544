"""Helpers shared by tests and benchmarks: start the fixture API server and write kubeconfigs for it.

Every test that talks to the fixture server needs the same three things (a CA, a server with a
serving certificate, a kubeconfig pointing at it with some identity); keeping them here keeps the
tests about behaviour rather than set-up.
"""

from __future__ import annotations

import base64
import contextlib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from kubeward.testing.fixture_apiserver import FixtureApiServer, FixtureCluster, UserInfo
from kubeward.testing.pki import KeyPair, TestCA

ADMIN_TOKEN = "admin-token-0123456789"  # noqa: S105 - a test credential for the fixture server
ADMIN = UserInfo("kubernetes-admin", ("kubeadm:cluster-admins", "system:masters", "system:authenticated"))


def b64(data: bytes) -> str:
    """Base64 text as kubeconfig ``*-data`` fields hold it."""
    return base64.b64encode(data).decode()


def kubeconfig_document(
    server: str,
    *,
    ca_pem: bytes | None = None,
    user: Mapping[str, Any] | None = None,
    context: str = "fixture",
    cluster_name: str = "fixture-cluster",
    user_name: str = "fixture-user",
    namespace: str | None = None,
    cluster_extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """A one-context kubeconfig as a dict."""
    cluster: dict[str, Any] = {"server": server}
    if ca_pem is not None:
        cluster["certificate-authority-data"] = b64(ca_pem)
    cluster.update(cluster_extra or {})
    ctx: dict[str, Any] = {"cluster": cluster_name, "user": user_name}
    if namespace:
        ctx["namespace"] = namespace
    return {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": cluster_name, "cluster": cluster}],
        "users": [{"name": user_name, "user": dict(user or {})}],
        "contexts": [{"name": context, "context": ctx}],
        "current-context": context,
    }


def write_yaml(path: Path, document: Mapping[str, Any]) -> Path:
    """Write a kubeconfig (0600, as kubectl does)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600)
    path.write_text(yaml.safe_dump(dict(document), sort_keys=False))
    return path


@dataclass
class FixtureEnvironment:
    """A running fixture server, its CA, and helpers to point clients at it."""

    ca: TestCA
    server: FixtureApiServer
    workdir: Path
    serving: KeyPair = field(repr=False)

    @property
    def url(self) -> str:
        """The server URL."""
        return self.server.url

    def client_cert(self, user: str, groups: tuple[str, ...] = ()) -> KeyPair:
        """A client certificate the server accepts (CN=user, O=groups)."""
        return self.ca.issue_client(user, groups)

    def kubeconfig(
        self,
        name: str = "kubeconfig",
        *,
        token: str | None = ADMIN_TOKEN,
        user: Mapping[str, Any] | None = None,
        namespace: str | None = None,
        cluster_extra: Mapping[str, Any] | None = None,
    ) -> Path:
        """Write a kubeconfig for this server: a bearer token by default, or the given ``user`` entry."""
        entry = dict(user) if user is not None else ({"token": token} if token else {})
        document = kubeconfig_document(
            self.url, ca_pem=self.ca.cert_pem, user=entry, namespace=namespace, cluster_extra=cluster_extra
        )
        return write_yaml(self.workdir / name, document)


@contextlib.contextmanager
def fixture_environment(
    data: str | Path | FixtureCluster,
    workdir: Path,
    *,
    tokens: Mapping[str, UserInfo] | None = None,
    permissions: Mapping[str, Iterable[tuple[str, str]]] | None = None,
    server_hosts: tuple[str, ...] = ("127.0.0.1", "localhost"),
    **server_options: Any,
) -> Iterator[FixtureEnvironment]:
    """Start a fixture server over ``data`` with a fresh CA; ``ADMIN_TOKEN`` maps to a cluster admin."""
    ca = TestCA()
    serving = ca.issue_server(*server_hosts)
    all_tokens = {ADMIN_TOKEN: ADMIN, **(tokens or {})}
    server = FixtureApiServer(
        data,
        cert_pem=serving.cert_pem,
        key_pem=serving.key_pem,
        client_ca_pem=ca.cert_pem,
        tokens=all_tokens,
        permissions=permissions,
        **server_options,
    )
    with server:
        yield FixtureEnvironment(ca=ca, server=server, workdir=workdir, serving=serving)
