"""One unauthenticated GET over a raw socket, bounded by a deadline at every step.

The standard library is enough and keeps the probe honest: no credentials, no redirects followed,
no proxy from the environment, server certificates not verified (the probe asks "does this port
answer anonymous requests", and TLS facts are reported separately). The body is read up to a small
cap: the verdict needs to know that data came back, not the data.
"""

import http.client
import socket
import ssl
import time
from dataclasses import dataclass

MAX_BODY = 64 * 1024
USER_AGENT = "kubeward-probe (unauthenticated, read-only)"


@dataclass(frozen=True)
class Answer:
    """What came back: an HTTP status and a body prefix, or why nothing did."""

    status: int | None = None
    body: bytes = b""
    error: str = ""
    refused: bool = False
    tls: bool = False
    tls_error: str = ""
    plain_http_on_tls_port: bool = False
    source_address: str = ""
    elapsed_ms: int = 0


def unverified_context() -> ssl.SSLContext:
    """A client context that completes a handshake with any server certificate and sends none."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


_CONTEXT = unverified_context()
# For etcd: with TLS 1.2 a server that requires a client certificate refuses in the handshake itself,
# while with TLS 1.3 the refusal arrives after it (and races with our request), so it is ambiguous.
_TLS12_CONTEXT = unverified_context()
_TLS12_CONTEXT.maximum_version = ssl.TLSVersion.TLSv1_2


def _is_ip(host: str) -> bool:
    try:
        socket.inet_pton(socket.AF_INET6 if ":" in host else socket.AF_INET, host)
    except OSError:
        return False
    return True


def get(host: str, port: int, path: str, *, tls: bool, timeout: float, tls12: bool = False) -> Answer:
    """GET ``path`` without credentials; every socket operation is bounded by what is left of ``timeout``."""
    started = time.monotonic()
    deadline = started + timeout

    def left() -> float:
        return max(0.001, deadline - time.monotonic())

    def elapsed() -> int:
        return int((time.monotonic() - started) * 1000)

    try:
        raw = socket.create_connection((host, port), timeout=left())
    except ConnectionRefusedError:
        return Answer(error="connection refused", refused=True, elapsed_ms=elapsed())
    except TimeoutError:
        return Answer(error=f"connect timed out after {timeout:g}s", elapsed_ms=elapsed())
    except OSError as exc:
        return Answer(error=f"unreachable: {exc.strerror or exc}", elapsed_ms=elapsed())
    source = raw.getsockname()[0]
    sock: socket.socket = raw
    try:
        if tls:
            try:
                raw.settimeout(left())
                context = _TLS12_CONTEXT if tls12 else _CONTEXT
                sock = context.wrap_socket(raw, server_hostname=None if _is_ip(host) else host)
            except ssl.SSLError as exc:
                wrong = "WRONG_VERSION_NUMBER" in str(exc) or "record layer failure" in str(exc)
                return Answer(
                    error=f"TLS handshake failed: {exc.reason or exc}",
                    tls_error=str(exc.reason or exc),
                    plain_http_on_tls_port=wrong,
                    source_address=source,
                    elapsed_ms=elapsed(),
                )
        request = (
            f"GET {path} HTTP/1.1\r\nHost: {host if ':' not in host else f'[{host}]'}:{port}\r\n"
            f"User-Agent: {USER_AGENT}\r\nAccept: application/json, */*\r\nConnection: close\r\n\r\n"
        )
        sock.settimeout(left())
        sock.sendall(request.encode("ascii"))
        response = http.client.HTTPResponse(sock, method="GET")
        sock.settimeout(left())
        response.begin()
        body = b""
        while len(body) < MAX_BODY:
            sock.settimeout(left())
            chunk = response.read(min(8192, MAX_BODY - len(body)))
            if not chunk:
                break
            body += chunk
        return Answer(status=response.status, body=body, tls=tls, source_address=source, elapsed_ms=elapsed())
    except ssl.SSLError as exc:
        return Answer(
            error=f"TLS error: {exc.reason or exc}",
            tls_error=str(exc.reason or exc),
            tls=tls,
            source_address=source,
            elapsed_ms=elapsed(),
        )
    except TimeoutError:
        return Answer(error=f"no answer within {timeout:g}s", tls=tls, source_address=source, elapsed_ms=elapsed())
    except (OSError, http.client.HTTPException) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else type(exc).__name__
        return Answer(error=f"connection failed: {reason}", tls=tls, source_address=source, elapsed_ms=elapsed())
    finally:
        sock.close()
