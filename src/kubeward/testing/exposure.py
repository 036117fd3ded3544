"""Real HTTP(S) servers on loopback that answer like exposed (or locked-down) cluster endpoints.

Each ``Behaviour`` emulates one configuration: an API server with anonymous authentication off,
on but forbidden by RBAC, or on and allowed; a kubelet with each authentication/authorization
setting; the read-only port; etcd with and without client-certificate authentication; the legacy
insecure port; and a server that accepts connections and never answers (to prove timeouts).
Certificates come from the caller's CA (``kubeward.testing.pki.TestCA``), so TLS is real.
"""

from __future__ import annotations

import json
import socket
import ssl
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from kubeward.testing.pki import KeyPair

PUBLIC_PATHS = frozenset(
    {"/version", "/healthz", "/livez", "/readyz", "/.well-known/openid-configuration", "/openid/v1/jwks"}
)

BODIES: dict[str, bytes] = {
    "/api/v1/namespaces": json.dumps({"kind": "NamespaceList", "apiVersion": "v1", "items": []}).encode(),
    "/api": json.dumps({"kind": "APIVersions", "versions": ["v1"]}).encode(),
    "/version": json.dumps({"major": "1", "minor": "30", "gitVersion": "v1.30.4"}).encode(),
    "/healthz": b"ok",
    "/livez": b"ok",
    "/readyz": b"ok",
    "/.well-known/openid-configuration": json.dumps({"issuer": "https://kubernetes.default.svc"}).encode(),
    "/openid/v1/jwks": json.dumps({"keys": []}).encode(),
    "/pods": json.dumps({"kind": "PodList", "apiVersion": "v1", "items": []}).encode(),
    "/runningpods/": json.dumps({"kind": "PodList", "apiVersion": "v1", "items": []}).encode(),
    "/configz": json.dumps({"kubeletconfig": {"readOnlyPort": 10255}}).encode(),
    "/metrics": b"# HELP up 1\n# TYPE up gauge\nup 1\n",
}
ETCD_VERSION = json.dumps({"etcdserver": "3.5.15", "etcdcluster": "3.5.0"}).encode()

Responder = Callable[[str], tuple[int, bytes]]


def _status(code: int) -> tuple[int, bytes]:
    reason = {401: "Unauthorized", 403: "Forbidden", 404: "Not Found"}.get(code, "")
    body = {"kind": "Status", "apiVersion": "v1", "status": "Failure", "reason": reason, "code": code}
    return code, json.dumps(body).encode()


def apiserver(anonymous: str) -> Responder:
    """``anonymous``: ``off`` (401 everywhere), ``forbidden`` (public paths 200, the rest 403),
    ``allowed`` (200 everywhere, RBAC grants system:anonymous).
    """

    def respond(path: str) -> tuple[int, bytes]:
        if anonymous == "off":
            return _status(401)
        if path in PUBLIC_PATHS or anonymous == "allowed":
            return (200, BODIES[path]) if path in BODIES else _status(404)
        return _status(403)

    return respond


def kubelet(anonymous: bool, authorization: str) -> Responder:
    """A kubelet's 10250: anonymous off → 401; on + Webhook → 403; on + AlwaysAllow → 200."""

    def respond(path: str) -> tuple[int, bytes]:
        if not anonymous:
            return 401, b"Unauthorized"
        if authorization == "Webhook":
            return 403, b"Forbidden (user=system:anonymous, verb=get, resource=nodes, subresource=proxy)"
        return (200, BODIES[path]) if path in BODIES else (404, b"404 page not found")

    return respond


def always(status: int, body: bytes = b"") -> Responder:
    """Every path answers ``status``."""
    return lambda _path: (status, body)


def etcd() -> Responder:
    """The /version of etcd."""
    return lambda path: (200, ETCD_VERSION) if path == "/version" else (404, b"404 page not found")


def read_only_port() -> Responder:
    """The kubelet read-only port: everything, no authentication."""
    return lambda path: (200, BODIES[path]) if path in BODIES else (404, b"404 page not found")


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        self.server.requests.append((self.command, self.path))
        status, body = self.server.responder(self.path)
        self.send_response(status)
        self.send_header("Content-Type", "application/json" if body.startswith(b"{") else "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)

    def _refuse(self) -> None:
        self.server.requests.append((self.command, self.path))
        self.send_response(405)
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_POST = do_PUT = do_PATCH = do_DELETE = _refuse

    def log_message(self, format: str, *args: object) -> None:
        return


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128

    def __init__(self, responder: Responder, context: ssl.SSLContext | None) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.responder = responder
        self.requests: list[tuple[str, str]] = []
        if context is not None:
            self.socket = context.wrap_socket(self.socket, server_side=True, do_handshake_on_connect=False)

    def finish_request(self, request: socket.socket, client_address: object) -> None:  # type: ignore[override]
        if isinstance(request, ssl.SSLSocket):
            request.settimeout(5)
            try:
                request.do_handshake()
            except (ssl.SSLError, OSError):
                return
        super().finish_request(request, client_address)

    def handle_error(self, request: object, client_address: object) -> None:
        return


def server_context(pair: KeyPair, *, client_ca: bytes | None = None) -> ssl.SSLContext:
    """A TLS server context for ``pair``; with ``client_ca`` it requires a client certificate."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    with tempfile.TemporaryDirectory() as tmp:
        cert, key = pair.write(Path(tmp), "server")
        context.load_cert_chain(cert, key)
        if client_ca is not None:
            ca = Path(tmp) / "ca.crt"
            ca.write_bytes(client_ca)
            context.load_verify_locations(ca)
            context.verify_mode = ssl.CERT_REQUIRED
    return context


@dataclass
class Running:
    """A started server: its port, the requests it saw, and how to stop it."""

    port: int
    requests: list[tuple[str, str]]
    stop: Callable[[], None]


def serve(responder: Responder, context: ssl.SSLContext | None = None) -> Running:
    """Start a server on 127.0.0.1 (an ephemeral port) in a daemon thread."""
    server = _Server(responder, context)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()

    def stop() -> None:
        server.shutdown()
        server.server_close()

    return Running(port=server.server_address[1], requests=server.requests, stop=stop)


def serve_hanging() -> Running:
    """A listener that accepts connections and never answers (nor completes a TLS handshake)."""
    listener = socket.create_server(("127.0.0.1", 0))
    held: list[socket.socket] = []
    stopped = threading.Event()

    def accept() -> None:
        listener.settimeout(0.1)
        while not stopped.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            held.append(conn)

    threading.Thread(target=accept, daemon=True).start()

    def stop() -> None:
        stopped.set()
        for conn in held:
            conn.close()
        listener.close()

    return Running(port=listener.getsockname()[1], requests=[], stop=stop)


def closed_port() -> int:
    """A loopback port with nothing listening (bound, then released)."""
    with socket.create_server(("127.0.0.1", 0)) as sock:
        return int(sock.getsockname()[1])
