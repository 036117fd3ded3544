"""TLS facts of one host:port: the certificate it presents and which protocol versions it accepts.

One handshake with the client's default versions gives the certificate and the negotiated
protocol; then one handshake per version (TLS 1.0, 1.1, 1.2, 1.3 pinned as both minimum and
maximum) says which the server accepts. When this machine's OpenSSL refuses to even offer an old
version, that version is reported as untested rather than refused.
"""

import datetime as dt
import socket
import ssl
import warnings

from cryptography import x509

from kubeward.inventory.probes import TlsFacts

VERSIONS: tuple[tuple[str, ssl.TLSVersion], ...] = (
    ("TLSv1.0", ssl.TLSVersion.TLSv1),
    ("TLSv1.1", ssl.TLSVersion.TLSv1_1),
    ("TLSv1.2", ssl.TLSVersion.TLSv1_2),
    ("TLSv1.3", ssl.TLSVersion.TLSv1_3),
)


def _context(version: ssl.TLSVersion | None = None) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    if version is not None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # testing the old versions is the point
            if version < ssl.TLSVersion.TLSv1_2:
                context.set_ciphers("DEFAULT:@SECLEVEL=0")
            context.minimum_version = version
            context.maximum_version = version
    return context


def _handshake(host: str, port: int, context: ssl.SSLContext, timeout: float) -> tuple[bytes | None, str]:
    with socket.create_connection((host, port), timeout=timeout) as raw:
        raw.settimeout(timeout)
        with context.wrap_socket(raw, server_hostname=None) as sock:
            return sock.getpeercert(binary_form=True), sock.version() or ""


def tls_facts(host: str, port: int, timeout: float, *, versions: bool = True) -> TlsFacts:
    """Certificate subject, issuer, expiry, self-signed, negotiated and accepted protocol versions."""
    endpoint = f"{f'[{host}]' if ':' in host else host}:{port}"
    try:
        der, protocol = _handshake(host, port, _context(), timeout)
    except (OSError, ssl.SSLError) as exc:
        return TlsFacts(endpoint=endpoint, error=f"TLS handshake failed: {getattr(exc, 'reason', None) or exc}")
    subject = issuer = not_after = ""
    expired = self_signed = False
    if der:
        try:
            cert = x509.load_der_x509_certificate(der)
            subject = cert.subject.rfc4514_string()
            issuer = cert.issuer.rfc4514_string()
            not_after = cert.not_valid_after_utc.isoformat(timespec="seconds")
            expired = cert.not_valid_after_utc < dt.datetime.now(dt.UTC)
            self_signed = cert.issuer == cert.subject
        except ValueError:
            subject = "(unparseable certificate)"
    accepted: list[str] = []
    refused: list[str] = []
    untested: list[str] = []
    if versions:
        for name, version in VERSIONS:
            try:
                context = _context(version)
            except (ssl.SSLError, ValueError):
                untested.append(name)
                continue
            try:
                _handshake(host, port, context, timeout)
            except ssl.SSLError as exc:
                text = str(exc)
                if "NO_PROTOCOLS_AVAILABLE" in text or "no protocols available" in text:
                    untested.append(name)
                elif "CERTIFICATE" in text.upper():
                    accepted.append(name)  # the version was negotiated; the server then wanted a client cert
                else:
                    refused.append(name)
            except OSError:
                refused.append(name)
            else:
                accepted.append(name)
    return TlsFacts(
        endpoint=endpoint,
        protocol=protocol,
        subject=subject,
        issuer=issuer,
        not_after=not_after,
        expired=expired,
        self_signed=self_signed,
        accepted=tuple(accepted),
        refused=tuple(refused),
        untested=tuple(untested),
    )
