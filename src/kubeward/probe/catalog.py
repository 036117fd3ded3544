"""The endpoints probed, and what each HTTP answer means for each of them.

The seed's verdict table, per endpoint: 401 is right, 403 means anonymous authentication is on,
2xx with data is anonymous access. Exceptions are the endpoints Kubernetes serves anonymously on
purpose: ``/version``, ``/healthz``, ``/livez``, ``/readyz`` (ClusterRole system:public-info-viewer,
bound to system:unauthenticated by default) and the service-account issuer discovery documents
(system:service-account-issuer-discovery, which clusters bind to system:unauthenticated so
external OIDC consumers can fetch the keys).

A 2xx is only counted as access when the body looks like the Kubernetes answer (``marker``): an
unrelated web server on port 8080 answering 200 is not a Kubernetes insecure port.
"""

from dataclasses import dataclass

from kubeward.inventory.probes import Component, ProbeSeverity

Scheme = str  # "https", "http", or "auto" (TLS first, plain HTTP when the port does not speak TLS)


@dataclass(frozen=True)
class Endpoint:
    """One path of one component."""

    component: Component
    path: str
    public: bool = False
    allowed: str = ""  # meaning of an anonymous 2xx
    severity: ProbeSeverity = "critical"  # severity of an anonymous 2xx on a non-public endpoint
    forbidden_severity: ProbeSeverity = "medium"
    marker: tuple[bytes, ...] = ()


@dataclass(frozen=True)
class Port:
    """A default port of a host and the endpoints probed on it."""

    port: int
    scheme: Scheme
    component: Component
    endpoints: tuple[Endpoint, ...]


_PUBLIC_INFO = "served anonymously by design (system:public-info-viewer)"
_ISSUER = "service-account issuer discovery, public by design when system:service-account-issuer-discovery is bound"

APISERVER = (
    Endpoint(
        "apiserver",
        "/api/v1/namespaces",
        allowed="anonymous requests can list namespaces: RBAC grants resources to system:anonymous",
        marker=(b'"NamespaceList"', b'"items"'),
    ),
    Endpoint(
        "apiserver",
        "/api",
        allowed="API discovery is readable anonymously (system:discovery bound to system:unauthenticated)",
        severity="medium",
        marker=(b'"APIVersions"', b'"versions"'),
    ),
    Endpoint("apiserver", "/version", public=True, allowed=_PUBLIC_INFO),
    Endpoint("apiserver", "/healthz", public=True, allowed=_PUBLIC_INFO),
    Endpoint("apiserver", "/livez", public=True, allowed=_PUBLIC_INFO),
    Endpoint("apiserver", "/readyz", public=True, allowed=_PUBLIC_INFO),
    Endpoint("apiserver", "/.well-known/openid-configuration", public=True, allowed=_ISSUER),
    Endpoint("apiserver", "/openid/v1/jwks", public=True, allowed=_ISSUER),
)

_KUBELET_OPEN = "anonymous authentication is on and authorization is AlwaysAllow: the kubelet API is open"
KUBELET = (
    Endpoint("kubelet", "/pods", allowed=_KUBELET_OPEN, marker=(b'"PodList"', b'"items"')),
    Endpoint("kubelet", "/runningpods/", allowed=_KUBELET_OPEN, marker=(b'"PodList"', b'"items"')),
    Endpoint("kubelet", "/configz", allowed=_KUBELET_OPEN, marker=(b'"kubeletconfig"',)),
    Endpoint("kubelet", "/metrics", allowed=_KUBELET_OPEN, marker=(b"# HELP", b"# TYPE")),
)

_READONLY = "the kubelet read-only port serves pod specs (with their environment) without any authentication"
KUBELET_READONLY = (
    Endpoint("kubelet-readonly", "/pods", allowed=_READONLY, severity="high", marker=(b'"PodList"', b'"items"')),
    Endpoint("kubelet-readonly", "/metrics", allowed=_READONLY, severity="high", marker=(b"# HELP", b"# TYPE")),
)

ETCD = (
    Endpoint(
        "etcd",
        "/version",
        allowed="etcd answers without a client certificate: the whole cluster state is readable and writable",
        marker=(b"etcdserver",),
    ),
)

INSECURE = (
    Endpoint(
        "insecure-port",
        "/api",
        allowed="the legacy insecure port answers: every request is cluster-admin, without authentication",
        marker=(b'"APIVersions"', b'"versions"'),
    ),
)

DEFAULT_PORTS: tuple[Port, ...] = (
    Port(6443, "https", "apiserver", APISERVER),
    Port(10250, "https", "kubelet", KUBELET),
    Port(10255, "http", "kubelet-readonly", KUBELET_READONLY),
    Port(2379, "auto", "etcd", ETCD),
    Port(8080, "http", "insecure-port", INSECURE),
)

BY_COMPONENT: dict[Component, tuple[Endpoint, ...]] = {
    "apiserver": APISERVER,
    "kubelet": KUBELET,
    "kubelet-readonly": KUBELET_READONLY,
    "etcd": ETCD,
    "insecure-port": INSECURE,
}

# A URL without a path probes the catalog of the component its port suggests (API server otherwise).
PORT_COMPONENT: dict[int, Component] = {
    10250: "kubelet",
    10255: "kubelet-readonly",
    2379: "etcd",
    8080: "insecure-port",
}


def component_for_path(path: str, scheme: str) -> Component:
    """The component a path belongs to when the port does not say (kubelet paths, else API server)."""
    if any(e.path == path for e in KUBELET) and path != "/metrics":
        return "kubelet-readonly" if scheme == "http" else "kubelet"
    return "apiserver"


def endpoint_for(component: Component, path: str) -> Endpoint:
    """The catalog entry for ``path`` of ``component``, or a generic non-public one."""
    for endpoint in BY_COMPONENT[component]:
        if endpoint.path == path:
            return endpoint
    return Endpoint(component, path, allowed="the endpoint answers anonymous requests", severity="high")
