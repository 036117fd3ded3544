"""From ``TARGET`` arguments to the list of requests to make.

- ``host`` (name or address): every default port — API server 6443, kubelet 10250, read-only
  10255, etcd 2379, insecure 8080 — with each port's catalog.
- ``host:port``: that port, with the catalog of the component the port suggests (API server for
  ports kubeward does not know, e.g. 443).
- ``https://host[:port]`` / ``http://...`` without a path: the same, with the scheme given.
- a URL with a path: that one endpoint.
"""

from dataclasses import dataclass
from urllib.parse import urlsplit

from kubeward.probe.catalog import (
    BY_COMPONENT,
    DEFAULT_PORTS,
    PORT_COMPONENT,
    Endpoint,
    Scheme,
    component_for_path,
    endpoint_for,
)


class TargetError(ValueError):
    """A target that cannot be probed (no host, bad port, unsupported scheme)."""


@dataclass(frozen=True)
class Request:
    """One GET to make."""

    scheme: Scheme
    host: str
    port: int
    endpoint: Endpoint

    @property
    def url(self) -> str:
        """The URL as reported (``auto`` is reported as https, switched to http if that answered)."""
        return f"{'http' if self.scheme == 'http' else 'https'}://{_host(self.host)}:{self.port}{self.endpoint.path}"


def _host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def _scheme_for(port: int) -> Scheme:
    for known in DEFAULT_PORTS:
        if known.port == port:
            return known.scheme
    return "https"


def expand(target: str) -> list[Request]:
    """The requests one TARGET stands for."""
    text = target.strip()
    if not text:
        raise TargetError("empty target")
    has_scheme = "://" in text
    parts = urlsplit(text if has_scheme else f"//{text}")
    scheme = parts.scheme.lower() if has_scheme else ""
    if has_scheme and scheme not in ("http", "https"):
        raise TargetError(f"{target}: only http:// and https:// URLs can be probed")
    host = parts.hostname
    if not host:
        raise TargetError(f"{target}: no host")
    try:
        port = parts.port
    except ValueError as exc:
        raise TargetError(f"{target}: {exc}") from exc
    path = parts.path
    if parts.query:
        path = f"{path}?{parts.query}"
    if port is None and not has_scheme:
        return [Request(p.scheme, host, p.port, endpoint) for p in DEFAULT_PORTS for endpoint in p.endpoints]
    if port is None:
        port = 443 if scheme == "https" else 80
    chosen: Scheme = scheme or _scheme_for(port)
    component = PORT_COMPONENT.get(port, "apiserver")
    if path not in ("", "/"):
        if port not in PORT_COMPONENT:
            component = component_for_path(path, chosen)
        return [Request(chosen, host, port, endpoint_for(component, path))]
    return [Request(chosen, host, port, endpoint) for endpoint in BY_COMPONENT[component]]
