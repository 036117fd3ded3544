"""KW-PROBE-008: a live answer that contradicts the configuration kubeward resolved.

Expected answers to an unauthenticated GET, from the configuration:

- kube-apiserver ``--anonymous-auth=false``: 401 everywhere (even ``/healthz``); ``true``: anything
  but 401 (403, or 200 on the public-info paths). With ``--authentication-config`` the anonymous
  block can be limited to some paths, so the API server is not correlated.
- kubelet: anonymous off → 401; anonymous on with Webhook → 403; anonymous on with AlwaysAllow → 200.
- kubelet ``readOnlyPort: 0`` → port 10255 does not answer. (A configured port that does not answer
  is not a contradiction: a firewall may close it, which is the point of network controls.)

Probes are matched to components by address: the scanned server URL or ``--advertise-address`` for
the API server (or the only API server of the inputs), and Node ``InternalIP``/``Hostname``
addresses for kubelets. One verdict per probed host:port.
"""

from collections import defaultdict
from collections.abc import Iterator
from urllib.parse import urlsplit

from kubeward.checks.context import RuleContext
from kubeward.checks.probe import endpoint_resource
from kubeward.checks.registry import rule
from kubeward.checks.rule import Objective, Severity
from kubeward.findings import Evidence, Result
from kubeward.inventory.probes import EndpointProbe, ProbeRun, Verdict
from kubeward.resolve.apiserver import EffectiveApiServer
from kubeward.resolve.kubelet import EffectiveKubelet

_ANSWERED: frozenset[Verdict] = frozenset(
    {"authn-required", "anonymous-forbidden", "anonymous-allowed", "public-by-design"}
)


def _host_port(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.hostname or "", f"{parts.hostname}:{parts.port}"


def _apiserver_for(ctx: RuleContext, host: str) -> EffectiveApiServer | None:
    """The API server with this advertise address, else the only one of the inputs (``scan --probe``
    probes the scanned cluster's server), else None (several, none matching: not correlated).
    """
    apis = ctx.analysis.apiservers
    for api in apis:
        if api.flag("advertise-address").value == host:
            return api
    return apis[0] if len(apis) == 1 else None


def _kubelet_for(ctx: RuleContext, host: str) -> EffectiveKubelet | None:
    names = {
        node.metadata.name for node in ctx.inventory.nodes if any(a.address == host for a in node.status.addresses)
    }
    names.add(host)
    for kubelet in ctx.analysis.kubelets:
        if kubelet.instance.node in names:
            return kubelet
    return None


def _expected_apiserver(api: EffectiveApiServer) -> tuple[str, str] | None:
    """(expectation, setting description), or None when the configuration does not decide it."""
    if api.is_set("authentication-config"):
        return None
    setting = api.flag("anonymous-auth")
    if not setting.known or not isinstance(setting.value, bool):
        return None
    return ("anonymous" if setting.value else "401"), f"kube-apiserver --anonymous-auth={str(setting.value).lower()}"


def _expected_kubelet(kubelet: EffectiveKubelet) -> tuple[Verdict, str] | None:
    anonymous = kubelet.setting("authentication.anonymous.enabled")
    mode = kubelet.setting("authorization.mode")
    if not anonymous.known or not mode.known:
        return None
    described = f"kubelet authentication.anonymous.enabled={anonymous.value}, authorization.mode={mode.value}"
    if anonymous.value is False:
        return "authn-required", described
    if mode.value == "Webhook":
        return "anonymous-forbidden", described
    return "anonymous-allowed", described


@rule(
    id="KW-PROBE-008",
    title="Live endpoint contradicts the configuration",
    objective=Objective.NETWORK_EXPOSURE,
    severity=Severity.HIGH,
    seed_step="Protect the API endpoint with network controls",
    rationale=(
        "When the configuration says anonymous authentication is off but the endpoint accepts an "
        "anonymous request (or the other way round), the configuration that was reviewed is not what "
        "serves the port: a stale manifest, a drop-in or flag that overrides it, a proxy in front, or "
        "another process. Every configuration verdict about that component is then in doubt."
    ),
    remediation=(
        "Find what actually serves the port (ps, /proc/<pid>/cmdline, /configz, the load balancer) "
        "and re-scan with that configuration; fix whichever of the two is wrong."
    ),
)
def contradictions(ctx: RuleContext) -> Iterator[Result]:
    """One verdict per probed host:port whose component's configuration is known."""
    groups: dict[tuple[str, str], list[tuple[ProbeRun, EndpointProbe]]] = defaultdict(list)
    for run in ctx.inventory.probes:
        for probe in run.endpoints:
            if probe.verdict in _ANSWERED and probe.component in ("apiserver", "kubelet", "kubelet-readonly"):
                groups[(probe.component, _host_port(probe.url)[1])].append((run, probe))
    for (component, _), probes in sorted(groups.items()):
        host = _host_port(probes[0][1].url)[0]
        if component == "apiserver":
            yield from _apiserver(ctx, host, probes)
        elif component == "kubelet":
            yield from _kubelet(ctx, host, probes)
        else:
            yield from _read_only(ctx, host, probes)


def _verdict(
    ctx: RuleContext, probes: list[tuple[ProbeRun, EndpointProbe]], wrong: list[EndpointProbe], said: str, expected: str
) -> Result:
    run, first = probes[0]
    resource = endpoint_resource(wrong[0] if wrong else first)
    evidence = Evidence(setting=said, value=[f"{p.url} {p.status}" for _, p in probes][:8], source="probe")
    if wrong:
        shown = ", ".join(f"{p.url.rsplit('/', 1)[-1] or '/'}: HTTP {p.status} ({p.verdict})" for p in wrong[:4])
        return ctx.fail(
            resource,
            f"configuration says {said} ({expected}), but from {run.vantage.host} the endpoint answered {shown}",
            evidence,
        )
    return ctx.passed(resource, f"answers agree with {said}", evidence)


def _apiserver(ctx: RuleContext, host: str, probes: list[tuple[ProbeRun, EndpointProbe]]) -> Iterator[Result]:
    api = _apiserver_for(ctx, host)
    expected = _expected_apiserver(api) if api is not None else None
    if expected is None:
        return
    want, said = expected
    if want == "401":
        wrong = [p for _, p in probes if p.verdict != "authn-required"]
        yield _verdict(ctx, probes, wrong, said, "anonymous requests get 401")
    else:
        wrong = [p for _, p in probes if p.verdict == "authn-required"]
        yield _verdict(ctx, probes, wrong, said, "anonymous requests reach authorization")


def _kubelet(ctx: RuleContext, host: str, probes: list[tuple[ProbeRun, EndpointProbe]]) -> Iterator[Result]:
    kubelet = _kubelet_for(ctx, host)
    expected = _expected_kubelet(kubelet) if kubelet is not None else None
    if expected is None:
        return
    want, said = expected
    wrong = [p for _, p in probes if p.verdict != want]
    yield _verdict(ctx, probes, wrong, said, f"expected {want}")


def _read_only(ctx: RuleContext, host: str, probes: list[tuple[ProbeRun, EndpointProbe]]) -> Iterator[Result]:
    kubelet = _kubelet_for(ctx, host)
    if kubelet is None:
        return
    setting = kubelet.setting("readOnlyPort")
    if not setting.known:
        return
    said = f"kubelet readOnlyPort={setting.value}"
    wrong = [p for _, p in probes if p.verdict == "anonymous-allowed"] if setting.value == 0 else []
    yield _verdict(ctx, probes, wrong, said, "the port is closed")
