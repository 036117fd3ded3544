"""Namespaces where Pod Security admission, the only pod policy, enforces nothing.

A namespace is judged by the level Pod Security admission enforces there
(``kubeward.resolve.pod_security``): its ``enforce`` label, else the cluster default of the
``PodSecurityConfiguration`` (``privileged`` when there is none). Namespaces the configuration
exempts, and namespaces labelled ``enforce=privileged`` explicitly (a visible, deliberate choice),
are not findings: the rule is about namespaces nobody decided for.

The rule applies only where Pod Security is the only pod policy: a validating admission webhook
whose rules cover pod creation in that namespace (Kyverno, Gatekeeper, Kubewarden, ...) may enforce
equivalent rules kubeward cannot see, so such namespaces are ``not_applicable``. Webhook
configurations are needed only for namespaces where Pod Security enforces nothing: without them
those are ``not_assessable``. Namespaces must be among the inputs.
"""

from collections.abc import Iterator

from kubeward.checks.common import apiservers, cluster_resource, missing_parts, object_resource
from kubeward.checks.context import RuleContext
from kubeward.checks.registry import rule
from kubeward.checks.rule import Objective, Severity
from kubeward.findings import Evidence, Result
from kubeward.inventory.objects import Namespace, Webhook, WebhookConfiguration
from kubeward.rbac.selectors import InvalidSelector, matches, validate
from kubeward.resolve.admission import AdmissionChain
from kubeward.resolve.pod_security import ENFORCE_LABEL, PodSecurityDefaults, effective_enforce, pod_security_defaults

_POD_GROUPS = frozenset({"", "*"})
_POD_RESOURCES = frozenset({"pods", "*", "*/*"})
_POD_OPERATIONS = frozenset({"CREATE", "*"})


@rule(
    id="KW-ADM-009",
    title="Namespace has no Pod Security enforce label or default, and no other pod policy",
    objective=Objective.ADMISSION_CONTROL,
    severity=Severity.MEDIUM,
    seed_step="Enforce Pod Security Standards in every namespace",
    rationale=(
        "Pod Security admission enforces only what a namespace's pod-security.kubernetes.io/enforce label (or "
        "the cluster default of its PodSecurityConfiguration) asks for; the built-in default is privileged, "
        "i.e. nothing. In such a namespace anyone who can create pods or workloads can run privileged "
        "containers with host namespaces and host paths, which is root on the node. Namespaces the "
        "configuration exempts, namespaces explicitly labelled enforce=privileged (a visible, deliberate choice, "
        "as system namespaces running CNI or kube-proxy need), and namespaces whose pods a validating webhook (a "
        "policy engine) also reviews are not reported. A label that is not a level fails closed (restricted), as "
        "the plugin does."
    ),
    remediation=(
        "Label the namespace, e.g. kubectl label namespace NAME pod-security.kubernetes.io/enforce=baseline "
        "(restricted where workloads allow), or set defaults.enforce in the PodSecurityConfiguration of "
        "--admission-control-config-file and list system namespaces that need privileged pods under "
        "exemptions.namespaces."
    ),
    references=("https://kubernetes.io/docs/concepts/security/pod-security-admission/",),
    provider_managed=(
        "EKS, GKE and AKS run Pod Security admission with the built-in defaults (enforce privileged) and no "
        "admission configuration of yours, so namespace labels are how you enforce a level there."
    ),
)
def namespace_pod_security(ctx: RuleContext) -> Iterator[Result]:
    """Each namespace's effective enforce level; webhooks matter only where that level is privileged."""
    missing = missing_parts(ctx, "namespaces")
    if missing is not None:
        yield missing
        return
    defaults = _cluster_defaults(ctx)
    if isinstance(defaults, Result):
        yield defaults
        return
    webhooks_missing = missing_parts(ctx, "webhookconfigurations")
    webhooks = [(config, hook) for config in ctx.inventory.webhook_configurations for hook in _pod_validators(config)]
    for namespace in sorted(ctx.inventory.namespaces, key=lambda n: n.metadata.name):
        yield _verdict(ctx, namespace, defaults, webhooks, webhooks_missing)


def _verdict(
    ctx: RuleContext,
    namespace: Namespace,
    defaults: PodSecurityDefaults,
    webhooks: list[tuple[WebhookConfiguration, Webhook]],
    webhooks_missing: Result | None,
) -> Result:
    resource = object_resource(namespace)
    name = namespace.metadata.name
    labels = namespace.metadata.labels
    if name in defaults.exempt_namespaces:
        return ctx.passed(resource, "exempted from Pod Security by the PodSecurityConfiguration", defaults.evidence)
    level, why = effective_enforce(labels, defaults)
    if ENFORCE_LABEL in labels:
        evidence = Evidence(
            setting=f"Namespace label {ENFORCE_LABEL}",
            value=labels[ENFORCE_LABEL],
            source="api-object",
            detail=why,
            provenance=namespace.origin(),
        )
    elif not defaults.known:
        return ctx.not_assessable(
            resource, f"no {ENFORCE_LABEL} label, and the cluster default is unknown: {defaults.why}", defaults.evidence
        )
    else:
        evidence = Evidence(
            setting=defaults.evidence.setting or f"Namespace label {ENFORCE_LABEL}",
            value=level,
            source=defaults.evidence.source or "default",
            detail=f"{why} ({defaults.why})",
            provenance=defaults.evidence.provenance,
        )
    if level != "privileged":
        return ctx.passed(resource, f"Pod Security enforces {level}: {why}", evidence)
    if ENFORCE_LABEL in labels:
        return ctx.passed(
            resource, f"explicitly labelled privileged: a deliberate choice, like an exemption ({why})", evidence
        )
    if webhooks_missing is not None:
        return ctx.not_assessable(
            resource,
            f"Pod Security enforces nothing here ({why}), and whether a policy webhook reviews its pods is unknown: "
            f"{webhooks_missing.message}",
            evidence,
        )
    reviewer = next((f"{c.metadata.name}/{h.name}" for c, h in webhooks if _selects(h, labels)), None)
    if reviewer is not None:
        return ctx.not_applicable(
            resource,
            f"Pod Security enforces nothing here ({why}), but the validating webhook {reviewer} reviews its pods "
            "(a pod policy kubeward cannot see)",
            evidence,
        )
    return ctx.fail(resource, f"Pod Security enforces nothing in namespace {name}: {why}", evidence)


def _cluster_defaults(ctx: RuleContext) -> PodSecurityDefaults | Result:
    """The weakest defaults over all kube-apiservers, or one verdict when PodSecurity does not run.

    Without kube-apiserver configuration: on a managed platform the built-in defaults apply (the
    provider gives you no admission configuration); elsewhere they are unknown.
    """
    found: list[PodSecurityDefaults] = []
    for api in apiservers(ctx):
        if isinstance(api, Result):
            if api.status == "not_applicable":  # provider-managed: built-in defaults, PodSecurity on
                return PodSecurityDefaults(
                    why=f"{ctx.analysis.platform.label} runs Pod Security with built-in defaults"
                )
            return PodSecurityDefaults(known=False, why=f"kube-apiserver configuration unknown ({api.message})")
        state = AdmissionChain(api).state("PodSecurity")
        if not state.on:
            return ctx.not_applicable(
                cluster_resource(ctx),
                f"PodSecurity admission does not run on {api.resource.name}, so labels have no effect "
                f"(KW-ADM-005 reports it): {state.why}",
                state.evidence,
            )
        found.append(pod_security_defaults(api, ctx.inventory))
    unknown = next((d for d in found if not d.known), None)
    if unknown is not None:
        return unknown
    weakest = next((d for d in found if d.enforce == "privileged"), found[0])
    exempt = frozenset().union(*(d.exempt_namespaces for d in found))
    return PodSecurityDefaults(
        enforce=weakest.enforce, exempt_namespaces=exempt, why=weakest.why, evidence=weakest.evidence
    )


def _pod_validators(config: WebhookConfiguration) -> list[Webhook]:
    """Validating webhooks whose rules cover pod creation (a policy engine's pod review)."""
    if config.kind != "ValidatingWebhookConfiguration":
        return []
    return [
        hook
        for hook in config.webhooks
        if any(
            set(r.apiGroups) & _POD_GROUPS and set(r.resources) & _POD_RESOURCES and set(r.operations) & _POD_OPERATIONS
            for r in hook.rules
        )
    ]


def _selects(hook: Webhook, labels: dict[str, str]) -> bool:
    """Whether the webhook's namespaceSelector selects a namespace with ``labels`` (none = all)."""
    if hook.namespaceSelector is None:
        return True
    try:
        validate(hook.namespaceSelector)
    except InvalidSelector:
        return False
    return matches(hook.namespaceSelector, labels)
