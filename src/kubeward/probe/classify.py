"""Verdicts: what one answer means for one endpoint.

The distinction peers get wrong (kube-hunter #548) is the heart of it: a 403 to an anonymous
request is *not* access. It says anonymous authentication is on — the request reached authorization
as system:anonymous — and that authorization refused it. Only a 2xx with the data the endpoint
serves is anonymous access.
"""

from kubeward.inventory.probes import EndpointProbe, ProbeSeverity, Verdict
from kubeward.probe.catalog import Endpoint
from kubeward.probe.wire import Answer

_CERT_REQUIRED = ("CERTIFICATE_REQUIRED", "certificate required", "HANDSHAKE_FAILURE", "handshake failure")


def classify(url: str, endpoint: Endpoint, answer: Answer) -> EndpointProbe:
    """The verdict, its meaning and severity for ``answer``."""
    verdict, meaning, severity = _judge(endpoint, answer)
    return EndpointProbe(
        url=url,
        component=endpoint.component,
        verdict=verdict,
        meaning=meaning,
        severity=severity,
        status=answer.status,
        error=answer.error,
        elapsed_ms=answer.elapsed_ms,
        tls=answer.tls,
    )


def _judge(endpoint: Endpoint, answer: Answer) -> tuple[Verdict, str, ProbeSeverity]:
    component = endpoint.component
    if answer.status is None:
        if answer.refused:
            return "closed", "connection refused: nothing listens on this port", "none"
        if component == "etcd" and any(mark in answer.tls_error for mark in _CERT_REQUIRED):
            return "authn-required", "etcd requires a TLS client certificate", "none"
        return "error", answer.error or "no answer", "none"
    status = answer.status
    if status == 401:
        return "authn-required", _authn_required(component), "none"
    if status == 403:
        return (
            "anonymous-forbidden",
            _forbidden(endpoint),
            endpoint.forbidden_severity if not endpoint.public else "low",
        )
    if 200 <= status < 300:
        if endpoint.public:
            return "public-by-design", endpoint.allowed, "info"
        if endpoint.marker and not any(mark in answer.body for mark in endpoint.marker):
            return "closed", f"HTTP {status}, but the body is not what this {component} endpoint serves", "none"
        return "anonymous-allowed", endpoint.allowed, endpoint.severity
    if status == 404:
        return "closed", "HTTP 404: the server does not serve this path", "none"
    return "error", f"unexpected HTTP {status}", "none"


def _authn_required(component: str) -> str:
    if component == "kubelet":
        return "anonymous authentication is off on the kubelet (good)"
    if component == "apiserver":
        return "authentication required: anonymous requests are rejected (good)"
    return "authentication required"


def _forbidden(endpoint: Endpoint) -> str:
    if endpoint.component == "kubelet":
        return (
            "anonymous authentication is ON; Webhook authorization refused system:anonymous (not access, "
            "but every authorization mistake is one step from it)"
        )
    if endpoint.public:
        return "anonymous authentication is on, but this public endpoint is refused (public-info-viewer unbound)"
    return "anonymous authentication is ON; RBAC refused this request (system:anonymous reached authorization)"
