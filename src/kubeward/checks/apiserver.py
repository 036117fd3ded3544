"""kube-apiserver configuration rules (the seed set; the full catalog builds on these helpers).

Each verdict names the flag, its effective value and what decided it (flag, installer default or
the kube-apiserver default), because most wrong verdicts in peer tools come from defaults read
wrongly: an absent ``--anonymous-auth`` means *enabled*.
"""

from collections.abc import Iterator

from kubeward.checks.common import apiservers
from kubeward.checks.context import RuleContext
from kubeward.checks.registry import rule
from kubeward.checks.rule import SELF_MANAGED_PLATFORMS, Objective, PlanStep, Severity
from kubeward.findings import Evidence, Result
from kubeward.resolve.apiserver import EffectiveApiServer

HEALTH_PATHS = frozenset({"/healthz", "/livez", "/readyz"})


@rule(
    id="KW-AUTHN-001",
    title="API server accepts anonymous requests",
    objective=Objective.AUTHENTICATION,
    severity=Severity.MEDIUM,
    cis=("1.2.1",),
    seed_step="Disable anonymous authentication on the API server",
    applies_to=SELF_MANAGED_PLATFORMS,
    plan_step=PlanStep.EXPOSURE,
    rationale=(
        "With anonymous authentication on, every request without credentials is served as "
        "system:anonymous in group system:unauthenticated, and whatever RBAC grants those names is "
        "open to anyone who can reach the endpoint. --anonymous-auth defaults to true, so an absent "
        "flag means enabled. From Kubernetes 1.34 a structured AuthenticationConfiguration can keep "
        "anonymous access but limit it to /healthz, /livez and /readyz, which is the recommended "
        "form when load balancers need unauthenticated health checks."
    ),
    remediation=(
        "Set --anonymous-auth=false on kube-apiserver, or (1.34+) use --authentication-config with "
        "an anonymous block whose conditions list only /healthz, /livez and /readyz."
    ),
    references=("https://kubernetes.io/docs/reference/access-authn-authz/authentication/#anonymous-requests",),
)
def anonymous_auth(ctx: RuleContext) -> Iterator[Result]:
    """Anonymous auth from the flag, or from the structured authentication configuration."""
    for api in apiservers(ctx):
        if isinstance(api, Result):
            yield api
            continue
        structured = _structured_anonymous(ctx, api)
        if structured is not None:
            yield structured
            continue
        setting = api.flag("anonymous-auth")
        if setting.value is True:
            yield ctx.fail(api.resource, "anonymous requests are accepted as system:anonymous", setting.evidence())
        elif setting.value is False:
            yield ctx.passed(api.resource, "anonymous requests are rejected with 401", setting.evidence())
        else:
            yield ctx.fail(
                api.resource,
                f"--anonymous-auth has an invalid value {setting.value!r}; kube-apiserver will not start",
                setting.evidence(),
            )


def _structured_anonymous(ctx: RuleContext, api: EffectiveApiServer) -> Result | None:
    """Verdict from ``--authentication-config`` when it configures anonymous access, else None."""
    if not api.is_set("authentication-config"):
        return None
    config = api.flag("authentication-config")
    doc = ctx.inventory.config_doc_at(api.instance.node, api.host_path(str(config.value)))
    if doc is None:
        return ctx.not_assessable(
            api.resource,
            f"anonymous access is configured in --authentication-config={config.value}, which is not among the inputs",
            config.evidence(),
        )
    present, anonymous = doc.field("anonymous")
    if not present or not isinstance(anonymous, dict):
        return None  # no anonymous block: --anonymous-auth (default true) decides
    enabled = anonymous.get("enabled")
    evidence = Evidence(
        setting="kube-apiserver AuthenticationConfiguration anonymous",
        value=anonymous,
        source="config-file",
        provenance=doc.provenance_of("anonymous"),
    )
    if enabled is not True:
        return ctx.passed(api.resource, "the authentication configuration disables anonymous access", evidence)
    conditions = anonymous.get("conditions") or []
    paths = {c.get("path") for c in conditions if isinstance(c, dict)}
    if conditions and paths <= HEALTH_PATHS:
        return ctx.passed(
            api.resource,
            f"anonymous access is limited to {', '.join(sorted(p for p in paths if p))}",
            evidence,
        )
    if not conditions:
        return ctx.fail(api.resource, "anonymous access is enabled for every path", evidence)
    extra = sorted(str(p) for p in paths - HEALTH_PATHS)
    return ctx.fail(api.resource, f"anonymous access is allowed beyond health endpoints: {', '.join(extra)}", evidence)


@rule(
    id="KW-AUTHZ-001",
    title="API server authorizes every request (AlwaysAllow)",
    objective=Objective.AUTHORIZATION,
    severity=Severity.CRITICAL,
    cis=("1.2.6",),
    seed_step="Use Node and RBAC authorization",
    applies_to=SELF_MANAGED_PLATFORMS,
    plan_step=PlanStep.EXPOSURE,
    rationale=(
        "AlwaysAllow lets every authenticated request (and, with anonymous auth, every request) do "
        "anything, whatever RBAC says. It is also the kube-apiserver default when neither "
        "--authorization-mode nor --authorization-config is given."
    ),
    remediation="Set --authorization-mode=Node,RBAC (or an --authorization-config without AlwaysAllow).",
)
def always_allow(ctx: RuleContext) -> Iterator[Result]:
    """AlwaysAllow anywhere in the authorizer chain allows everything that reaches it."""
    for api in apiservers(ctx):
        if isinstance(api, Result):
            yield api
            continue
        if api.is_set("authorization-config"):
            yield ctx.not_assessable(
                api.resource,
                "authorizers are configured by --authorization-config; its file is read by the full catalog",
                api.flag("authorization-config").evidence(),
            )
            continue
        setting = api.flag("authorization-mode")
        modes = setting.value if isinstance(setting.value, list) else []
        if "AlwaysAllow" in modes:
            yield ctx.fail(
                api.resource, f"authorization mode {','.join(modes)} includes AlwaysAllow", setting.evidence()
            )
        else:
            yield ctx.passed(api.resource, f"authorization mode {','.join(modes)}", setting.evidence())


@rule(
    id="KW-AUTHZ-002",
    title="API server does not use RBAC authorization",
    objective=Objective.AUTHORIZATION,
    severity=Severity.HIGH,
    cis=("1.2.8",),
    applies_to=SELF_MANAGED_PLATFORMS,
    rationale=(
        "Without the RBAC authorizer, Roles and bindings have no effect; access is decided by "
        "whatever other authorizers are configured."
    ),
    remediation="Include RBAC in --authorization-mode, e.g. --authorization-mode=Node,RBAC.",
)
def rbac_enabled(ctx: RuleContext) -> Iterator[Result]:
    """RBAC must be one of the authorization modes."""
    for api in apiservers(ctx):
        if isinstance(api, Result):
            yield api
            continue
        if api.is_set("authorization-config"):
            yield ctx.not_assessable(
                api.resource,
                "authorizers are configured by --authorization-config; its file is read by the full catalog",
                api.flag("authorization-config").evidence(),
            )
            continue
        setting = api.flag("authorization-mode")
        modes = setting.value if isinstance(setting.value, list) else []
        if "RBAC" in modes:
            yield ctx.passed(api.resource, "RBAC authorizer enabled", setting.evidence())
        else:
            yield ctx.fail(
                api.resource,
                f"authorization mode {','.join(modes) or '(none)'} lacks RBAC",
                setting.evidence(),
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
    id="KW-AUDIT-001",
    title="API server has no audit policy, so nothing is audited",
    objective=Objective.AUDITABILITY,
    severity=Severity.HIGH,
    cis=("3.2.1",),
    seed_step="Enable audit logging",
    applies_to=SELF_MANAGED_PLATFORMS,
    rationale=(
        "kube-apiserver records audit events only when --audit-policy-file is set, whatever backend "
        "is configured; without it there is no record of who read Secrets, changed RBAC or exec'd "
        "into pods."
    ),
    remediation=(
        "Set --audit-policy-file to a policy (kubeward harden audit-policy writes one) and "
        "--audit-log-path or --audit-webhook-config-file, and mount both into the static pod."
    ),
)
def audit_policy(ctx: RuleContext) -> Iterator[Result]:
    """Audit needs a policy file."""
    for api in apiservers(ctx):
        if isinstance(api, Result):
            yield api
            continue
        setting = api.flag("audit-policy-file")
        if setting.value:
            yield ctx.passed(api.resource, f"audit policy {setting.value}", setting.evidence())
        else:
            yield ctx.fail(api.resource, "no --audit-policy-file: no request is audited", setting.evidence())


@rule(
    id="KW-AUDIT-002",
    title="API server has no audit backend",
    objective=Objective.AUDITABILITY,
    severity=Severity.HIGH,
    cis=("1.2.16",),
    applies_to=SELF_MANAGED_PLATFORMS,
    rationale=(
        "Audit events need somewhere to go: --audit-log-path (a file, or '-' for stdout) or "
        "--audit-webhook-config-file. With a policy but no backend, events are produced and dropped."
    ),
    remediation="Set --audit-log-path=/var/log/kubernetes/audit/audit.log (or a webhook backend) and mount it.",
)
def audit_backend(ctx: RuleContext) -> Iterator[Result]:
    """A log or webhook backend must be set."""
    for api in apiservers(ctx):
        if isinstance(api, Result):
            yield api
            continue
        log = api.flag("audit-log-path")
        webhook = api.flag("audit-webhook-config-file")
        if log.value:
            yield ctx.passed(api.resource, f"audit log backend {log.value}", log.evidence())
        elif webhook.value:
            yield ctx.passed(api.resource, "audit webhook backend configured", webhook.evidence())
        else:
            yield ctx.fail(
                api.resource,
                "neither --audit-log-path nor --audit-webhook-config-file is set",
                log.evidence(),
            )


@rule(
    id="KW-ADM-001",
    title="NodeRestriction admission plugin is not enabled",
    objective=Objective.ADMISSION_CONTROL,
    severity=Severity.MEDIUM,
    cis=("1.2.14",),
    applies_to=SELF_MANAGED_PLATFORMS,
    rationale=(
        "NodeRestriction limits each kubelet to its own Node and the pods bound to it; without it a "
        "compromised node can label other nodes and modify pods elsewhere. It is not in the "
        "default-on plugin set (kubeadm adds it explicitly)."
    ),
    remediation="Add NodeRestriction to --enable-admission-plugins (with --authorization-mode including Node).",
)
def node_restriction(ctx: RuleContext) -> Iterator[Result]:
    """NodeRestriction must be explicitly enabled and not disabled."""
    for api in apiservers(ctx):
        if isinstance(api, Result):
            yield api
            continue
        enabled = api.flag("enable-admission-plugins")
        disabled = api.flag("disable-admission-plugins")
        on = isinstance(enabled.value, list) and "NodeRestriction" in enabled.value
        off = isinstance(disabled.value, list) and "NodeRestriction" in disabled.value
        if on and not off:
            yield ctx.passed(api.resource, "NodeRestriction enabled", enabled.evidence())
        elif off:
            yield ctx.fail(api.resource, "NodeRestriction is disabled explicitly", disabled.evidence())
        else:
            yield ctx.fail(api.resource, "NodeRestriction is not in --enable-admission-plugins", enabled.evidence())


@rule(
    id="KW-APF-001",
    title="API Priority and Fairness is disabled",
    objective=Objective.API_AVAILABILITY,
    severity=Severity.MEDIUM,
    applies_to=SELF_MANAGED_PLATFORMS,
    rationale=(
        "With --enable-priority-and-fairness=false the API server falls back to the two global "
        "in-flight limits, and one noisy client (a controller in a loop, a CI job listing everything) "
        "can starve every other user, including the system components."
    ),
    remediation="Remove --enable-priority-and-fairness=false (the default is true).",
)
def priority_and_fairness(ctx: RuleContext) -> Iterator[Result]:
    """APF should stay on."""
    for api in apiservers(ctx):
        if isinstance(api, Result):
            yield api
            continue
        setting = api.flag("enable-priority-and-fairness")
        if setting.value is False:
            yield ctx.fail(api.resource, "API Priority and Fairness is turned off", setting.evidence())
        else:
            yield ctx.passed(api.resource, "API Priority and Fairness is on", setting.evidence())
