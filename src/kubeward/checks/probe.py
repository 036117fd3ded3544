"""Probe-backed rules: what the endpoints answered to unauthenticated requests (``scan --probe``),
and where those answers contradict the configuration.

A probe verdict holds from the vantage point it was made from, so every result names it. When no
probe ran, these rules give no result: probing is opt-in (it sends network traffic), which is
different from an input that could not be read.

Correlation (KW-PROBE-008) compares the answers with the resolved configuration: the kube-apiserver
``--anonymous-auth`` flag and each kubelet's ``authentication.anonymous.enabled``,
``authorization.mode`` and ``readOnlyPort``. A contradiction means the configuration kubeward read
is not what serves the endpoint (a stale file, a drop-in, a proxy in front, another process), so
one of the two verdicts is wrong and a human must look.
"""

from collections.abc import Callable, Iterator

from kubeward.checks.context import RuleContext
from kubeward.checks.registry import rule
from kubeward.checks.rule import Objective, Severity
from kubeward.findings import Evidence, Resource, Result
from kubeward.inventory.probes import EndpointProbe, ProbeRun, Verdict
from kubeward.inventory.provenance import Provenance

_SEED_ENDPOINT = "Protect the API endpoint with network controls"


def endpoint_resource(probe: EndpointProbe) -> Resource:
    """A probed endpoint as a report resource."""
    return Resource(kind="Endpoint", name=probe.url, provenance=Provenance(kind="probe", source=probe.url))


def _evidence(run: ProbeRun, probe: EndpointProbe) -> Evidence:
    answer = probe.status if probe.status is not None else probe.error
    return Evidence(
        setting=f"GET {probe.url} without credentials",
        value=answer,
        source="probe",
        detail=f"verdict {probe.verdict}: {probe.meaning}; from {run.vantage.host}",
        provenance=Provenance(kind="probe", source=probe.url),
    )


def _probes(ctx: RuleContext) -> Iterator[tuple[ProbeRun, EndpointProbe]]:
    for run in ctx.inventory.probes:
        for probe in run.endpoints:
            yield run, probe


def _judge(
    ctx: RuleContext, select: Callable[[EndpointProbe], bool], bad: tuple[Verdict, ...], public_ok: bool = True
) -> Iterator[Result]:
    """Fail the selected endpoints whose verdict is in ``bad``; pass the ones that refused or are public."""
    for run, probe in _probes(ctx):
        if not select(probe):
            continue
        resource = endpoint_resource(probe)
        evidence = _evidence(run, probe)
        if probe.verdict in bad:
            yield ctx.fail(resource, f"{probe.meaning} (HTTP {probe.status}, from {run.vantage.host})", evidence)
        elif probe.verdict == "authn-required" or (public_ok and probe.verdict == "public-by-design"):
            yield ctx.passed(resource, probe.meaning, evidence)
        elif probe.verdict == "closed":
            yield ctx.passed(resource, f"closed from {run.vantage.host}: {probe.meaning}", evidence)
        elif probe.verdict == "error":
            yield ctx.not_assessable(
                resource, f"no verdict from {run.vantage.host}: {probe.error or probe.meaning}", evidence
            )


@rule(
    id="KW-PROBE-001",
    title="API server serves data to anonymous requests",
    objective=Objective.NETWORK_EXPOSURE,
    severity=Severity.CRITICAL,
    seed_step=_SEED_ENDPOINT,
    rationale=(
        "An unauthenticated GET of /api/v1/namespaces (or discovery) that returns data means anonymous "
        "authentication is on and RBAC grants system:anonymous or system:unauthenticated more than "
        "the public-info endpoints: anyone who can reach the endpoint reads the cluster."
    ),
    remediation=(
        "Remove the bindings that grant system:anonymous / system:unauthenticated resource access "
        "(kubeward rbac who-can ... shows them), turn anonymous authentication off or restrict it to "
        "health paths, and restrict network access to the endpoint."
    ),
)
def apiserver_anonymous_access(ctx: RuleContext) -> Iterator[Result]:
    """API server endpoints answering 2xx with data to anonymous requests (public ones excepted)."""
    yield from _judge(ctx, lambda p: p.component == "apiserver", ("anonymous-allowed",))


@rule(
    id="KW-PROBE-002",
    title="API server accepts anonymous requests (authorization refuses them)",
    objective=Objective.AUTHENTICATION,
    severity=Severity.MEDIUM,
    seed_step=_SEED_ENDPOINT,
    rationale=(
        "A 403 to an anonymous request is not access, but it proves anonymous authentication is on: "
        "the request reached authorization as system:anonymous. One permissive binding turns it into "
        "access. (A 401 is the answer of an API server with anonymous authentication off.)"
    ),
    remediation=(
        "Set --anonymous-auth=false, or (1.32+) an AuthenticationConfiguration anonymous block limited "
        "to /healthz, /livez and /readyz."
    ),
)
def apiserver_anonymous_on(ctx: RuleContext) -> Iterator[Result]:
    """API server endpoints answering 403 to anonymous requests."""
    yield from _judge(ctx, lambda p: p.component == "apiserver", ("anonymous-forbidden",))


@rule(
    id="KW-PROBE-003",
    title="Kubelet API answers anonymous requests",
    objective=Objective.KUBELET,
    severity=Severity.CRITICAL,
    seed_step="Disable kubelet anonymous authentication",
    rationale=(
        "A 200 from the kubelet's port 10250 (/pods, /runningpods/, /configz, /metrics) to a request "
        "without credentials means anonymous authentication on and authorization AlwaysAllow: "
        "whoever reaches the node can list pods and exec into containers."
    ),
    remediation=(
        "Set authentication.anonymous.enabled: false and authorization.mode: Webhook in the kubelet "
        "config file; firewall port 10250 to the control plane."
    ),
)
def kubelet_open(ctx: RuleContext) -> Iterator[Result]:
    """Kubelet 10250 answering 2xx to anonymous requests."""
    yield from _judge(ctx, lambda p: p.component == "kubelet", ("anonymous-allowed",))


@rule(
    id="KW-PROBE-004",
    title="Kubelet accepts anonymous requests (Webhook authorization refuses them)",
    objective=Objective.KUBELET,
    severity=Severity.MEDIUM,
    seed_step="Disable kubelet anonymous authentication",
    rationale=(
        "A 403 from port 10250 means anonymous authentication is on and Webhook authorization refused "
        "system:anonymous. It is not access (kube-hunter reports it as such), but a single binding "
        "granting nodes/proxy to system:anonymous or system:unauthenticated would open the node."
    ),
    remediation="Set authentication.anonymous.enabled: false in the kubelet config file.",
)
def kubelet_anonymous_on(ctx: RuleContext) -> Iterator[Result]:
    """Kubelet 10250 answering 403 to anonymous requests."""
    yield from _judge(ctx, lambda p: p.component == "kubelet", ("anonymous-forbidden",))


@rule(
    id="KW-PROBE-005",
    title="Kubelet read-only port answers",
    objective=Objective.KUBELET,
    severity=Severity.HIGH,
    seed_step="Disable the kubelet read-only port",
    rationale=(
        "Port 10255 serves pod specs (environment variables included) and metrics over plain HTTP "
        "with no authentication at all; it answering from this vantage point is an exposure."
    ),
    remediation="Set readOnlyPort: 0 in the kubelet config file (or --read-only-port=0).",
)
def read_only_port(ctx: RuleContext) -> Iterator[Result]:
    """Port 10255 answering with data."""
    yield from _judge(ctx, lambda p: p.component == "kubelet-readonly", ("anonymous-allowed",))


@rule(
    id="KW-PROBE-006",
    title="etcd answers without a client certificate",
    objective=Objective.NETWORK_EXPOSURE,
    severity=Severity.CRITICAL,
    rationale=(
        "etcd holds every object of the cluster, Secrets included. Answering over plain HTTP, or over "
        "TLS without requiring a client certificate, means whoever reaches port 2379 reads and writes "
        "the cluster state, bypassing the API server entirely."
    ),
    remediation=(
        "Run etcd with --client-cert-auth=true, --trusted-ca-file and https:// client URLs, and "
        "firewall 2379/2380 to the control-plane nodes."
    ),
    cis=("2.1", "2.2"),
)
def etcd_open(ctx: RuleContext) -> Iterator[Result]:
    """Etcd /version answering without a client certificate."""
    yield from _judge(ctx, lambda p: p.component == "etcd", ("anonymous-allowed",))


@rule(
    id="KW-PROBE-007",
    title="Legacy insecure API port answers",
    objective=Objective.NETWORK_EXPOSURE,
    severity=Severity.CRITICAL,
    rationale=(
        "The insecure port (8080, removed in 1.24) skips authentication and authorization: every "
        "request is cluster-admin. Answering from this vantage point means anyone here is admin."
    ),
    remediation="Upgrade, or set --insecure-port=0 (1.20-1.23) and never expose the port.",
)
def insecure_port(ctx: RuleContext) -> Iterator[Result]:
    """Port 8080 answering Kubernetes API discovery."""
    yield from _judge(ctx, lambda p: p.component == "insecure-port", ("anonymous-allowed",))


@rule(
    id="KW-PROBE-009",
    title="Endpoint accepts TLS 1.0 or 1.1",
    objective=Objective.NETWORK_EXPOSURE,
    severity=Severity.MEDIUM,
    rationale=(
        "TLS 1.0 and 1.1 are deprecated (RFC 8996); an endpoint that still negotiates them allows "
        "downgrade to weak ciphers."
    ),
    remediation="Set --tls-min-version=VersionTLS12 (API server, kubelet tlsMinVersion, etcd --tls-min-version).",
)
def old_tls(ctx: RuleContext) -> Iterator[Result]:
    """TLS facts: a handshake pinned to TLS 1.0/1.1 succeeded."""
    for run in ctx.inventory.probes:
        for facts in run.tls:
            if facts.error:
                continue
            resource = Resource(
                kind="Endpoint", name=facts.endpoint, provenance=Provenance(kind="probe", source=facts.endpoint)
            )
            evidence = Evidence(setting="TLS versions accepted", value=list(facts.accepted), source="probe")
            old = [v for v in facts.accepted if v in ("TLSv1.0", "TLSv1.1")]
            if old:
                yield ctx.fail(resource, f"accepts {', '.join(old)}", evidence)
            elif {"TLSv1.0", "TLSv1.1"} <= set(facts.untested):
                yield ctx.not_assessable(
                    resource, "this machine's OpenSSL cannot offer TLS 1.0/1.1, so they were not tested", evidence
                )
            else:
                yield ctx.passed(resource, f"accepts {', '.join(facts.accepted) or 'no tested version'}", evidence)


@rule(
    id="KW-PROBE-010",
    title="Endpoint serves an expired certificate",
    objective=Objective.NETWORK_EXPOSURE,
    severity=Severity.MEDIUM,
    rationale=(
        "An expired serving certificate means clients either fail or were configured to skip "
        "verification (insecure-skip-tls-verify), which removes protection against interception."
    ),
    remediation="Renew the serving certificate (kubeadm certs renew, kubelet serverTLSBootstrap) and monitor expiry.",
)
def expired_certificate(ctx: RuleContext) -> Iterator[Result]:
    """TLS facts: notAfter in the past."""
    for run in ctx.inventory.probes:
        for facts in run.tls:
            if facts.error or not facts.not_after:
                continue
            resource = Resource(
                kind="Endpoint", name=facts.endpoint, provenance=Provenance(kind="probe", source=facts.endpoint)
            )
            evidence = Evidence(
                setting="certificate notAfter", value=facts.not_after, source="probe", detail=facts.subject
            )
            if facts.expired:
                yield ctx.fail(resource, f"certificate {facts.subject} expired on {facts.not_after}", evidence)
            else:
                yield ctx.passed(resource, f"certificate {facts.subject} valid until {facts.not_after}", evidence)
