"""kube-apiserver network exposure as configured: profiling endpoints, the address it listens on and
the legacy insecure port.

These rules read configuration only. Whether the endpoint is reachable from a given network is
decided by firewalls and security groups, which a network probe checks; the verdicts here say what
the API server offers to whoever can reach it.

Defaults follow ``kubeward.resolve.apiserver.DEFAULTS``: ``--bind-address`` 0.0.0.0
(``staging/src/k8s.io/apiserver/pkg/server/options/serving.go``), ``--profiling`` true, and the
insecure port 8080 on 127.0.0.1 until 1.19, 0 (the only accepted value) in 1.20-1.23, removed in 1.24.
"""

import ipaddress
from collections.abc import Iterator

from kubeward.checks.common import apiservers
from kubeward.checks.context import RuleContext
from kubeward.checks.registry import rule
from kubeward.checks.rule import SELF_MANAGED_PLATFORMS, Objective, PlanStep, Severity
from kubeward.findings import Result
from kubeward.resolve.apiserver import EffectiveApiServer

_PROVIDER_FLAGS = (
    "EKS, GKE and AKS run kube-apiserver and choose its listening address and debug endpoints; what "
    "stays yours is who can reach the endpoint (public access CIDRs, authorized networks, private "
    "clusters), checked by the managed-endpoint rules"
)


@rule(
    id="KW-NET-001",
    title="API server exposes profiling endpoints",
    objective=Objective.NETWORK_EXPOSURE,
    severity=Severity.LOW,
    cis=("1.2.15",),
    applies_to=SELF_MANAGED_PLATFORMS,
    rationale=(
        "--profiling (default true) serves /debug/pprof, which reveals internals and can be used "
        "to load the API server; it is rarely needed in production."
    ),
    remediation="Set --profiling=false on kube-apiserver.",
    provider_managed=_PROVIDER_FLAGS,
)
def profiling(ctx: RuleContext) -> Iterator[Result]:
    """Profiling should be off."""
    for api in apiservers(ctx):
        if isinstance(api, Result):
            yield api
            continue
        setting = api.flag("profiling")
        if setting.value is False:
            yield ctx.passed(api.resource, "profiling disabled", setting.evidence())
        else:
            yield ctx.fail(api.resource, "profiling endpoints are served (/debug/pprof)", setting.evidence())


@rule(
    id="KW-NET-002",
    title="API server listens on every network interface",
    objective=Objective.NETWORK_EXPOSURE,
    severity=Severity.INFO,
    applies_to=SELF_MANAGED_PLATFORMS,
    rationale=(
        "--bind-address defaults to 0.0.0.0, so the secure port is served on every interface of the "
        "control-plane host, including a public one on a multi-homed machine. Listening on the "
        "private interface the nodes use is defence in depth; the control that matters is which "
        "networks can reach the port (firewall, security groups, load balancer), which a network "
        "probe checks. Hence severity info: this is how most clusters run, and it is a finding only "
        "where the host has interfaces the API should not be served on."
    ),
    remediation=(
        "Set --bind-address to the control-plane node's private address (the --advertise-address) "
        "and restrict access to port 6443 to the networks that need it."
    ),
    provider_managed=_PROVIDER_FLAGS,
)
def bind_address(ctx: RuleContext) -> Iterator[Result]:
    """A specific address passes; the unspecified address (0.0.0.0 or ::) is reported at info."""
    for api in apiservers(ctx):
        if isinstance(api, Result):
            yield api
            continue
        setting = api.flag("bind-address")
        port = _secure_port(api)
        address = _address(setting.value)
        if address is None:
            yield ctx.fail(
                api.resource,
                f"--bind-address={setting.value!r} is not an IP address; kube-apiserver will not start",
                setting.evidence(),
            )
        elif address.is_unspecified:
            yield ctx.fail(
                api.resource,
                f"serves port {port} on every interface ({setting.value}); only firewalls limit who reaches it",
                setting.evidence(),
            )
        elif address.is_loopback:
            yield ctx.passed(api.resource, f"serves port {port} on loopback only ({setting.value})", setting.evidence())
        else:
            yield ctx.passed(api.resource, f"serves port {port} on {setting.value} only", setting.evidence())


@rule(
    id="KW-NET-003",
    title="API server serves the unauthenticated insecure port",
    objective=Objective.NETWORK_EXPOSURE,
    severity=Severity.CRITICAL,
    applies_to=SELF_MANAGED_PLATFORMS,
    plan_step=PlanStep.EXPOSURE,
    rationale=(
        "The legacy insecure port serves plain HTTP with no authentication and no authorization: every "
        "request is cluster-admin. Until 1.19 it defaulted to 8080 on --insecure-bind-address "
        "127.0.0.1, so anything on the control-plane host (a hostNetwork pod included) could use it, "
        "and a non-loopback bind address opened it to the network. 1.20 made 0 the default and the "
        "only accepted value; 1.24 removed the flag."
    ),
    remediation=(
        "Set --insecure-port=0 (before 1.24), or remove --insecure-port and --insecure-bind-address "
        "(1.24 and later do not accept them), and upgrade a control plane older than 1.20."
    ),
    provider_managed=_PROVIDER_FLAGS,
)
def insecure_port(ctx: RuleContext) -> Iterator[Result]:
    """The insecure port must be off: absent in 1.24+, 0 otherwise."""
    for api in apiservers(ctx):
        if isinstance(api, Result):
            yield api
            continue
        setting = api.flag("insecure-port")
        minor = api.effective_minor
        if setting.value is None:
            yield ctx.passed(
                api.resource,
                f"no insecure port: kube-apiserver 1.{minor} has no --insecure-port{_assumed(api)}",
                setting.evidence(),
            )
        elif setting.value == 0:
            yield ctx.passed(api.resource, "insecure port disabled (0)", setting.evidence())
        elif not isinstance(setting.value, int):
            yield ctx.fail(
                api.resource,
                f"--insecure-port={setting.value!r} is not a port number; kube-apiserver will not start",
                setting.evidence(),
            )
        elif minor >= 20:
            refused = "does not accept the flag" if minor >= 24 else "accepts only 0"
            yield ctx.fail(
                api.resource,
                f"--insecure-port={setting.value}: kube-apiserver 1.{minor} {refused} and will not start; remove it",
                setting.evidence(),
            )
        else:
            bind = api.flag("insecure-bind-address")
            host = _address(bind.value)
            where = (
                f"on loopback ({bind.value}): any process on the host"
                if host is not None and host.is_loopback
                else f"on {bind.value}: anyone who reaches that address"
            )
            yield ctx.fail(
                api.resource,
                f"insecure port {setting.value} serves HTTP without authentication or authorization {where} "
                "gets cluster-admin",
                setting.evidence(),
            )


def _address(value: object) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The IP address in a flag value, or None when it is not one."""
    try:
        return ipaddress.ip_address(str(value).strip().strip("[]"))
    except ValueError:
        return None


def _secure_port(api: EffectiveApiServer) -> object:
    return api.flag("secure-port").value


def _assumed(api: EffectiveApiServer) -> str:
    return "" if api.version_known else f" (version unknown; 1.{api.effective_minor} assumed)"
