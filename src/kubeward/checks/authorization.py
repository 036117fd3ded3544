"""kube-apiserver authorization rules: the authorizer chain from ``--authorization-mode`` or from a
structured ``--authorization-config`` file (``resolve/authorization.py`` holds the facts).

Every rule here judges the same chain, so the flag and the file forms give the same verdicts; when
the file is not among the inputs the chain is unknown and the verdict is ``not_assessable``.
"""

from collections.abc import Iterator

from kubeward.checks.common import apiservers
from kubeward.checks.context import RuleContext
from kubeward.checks.registry import rule
from kubeward.checks.rule import SELF_MANAGED_PLATFORMS, Objective, PlanStep, Severity
from kubeward.findings import Evidence, Result
from kubeward.resolve.apiserver import EffectiveApiServer
from kubeward.resolve.authorization import AuthorizerChain, authorizer_chain

MANAGED_AUTHORIZERS = (
    "EKS, GKE and AKS run kube-apiserver with Node and RBAC authorization (plus their own webhook: "
    "EKS access entries, GKE IAM, AKS Entra ID/Azure RBAC) and never AlwaysAllow; you cannot change "
    "the chain. What stays yours is what RBAC and the provider's IAM grant."
)


def _chains(ctx: RuleContext) -> Iterator[tuple[EffectiveApiServer, AuthorizerChain] | Result]:
    """Each API server's known authorizer chain, or the verdict saying why there is none."""
    for api in apiservers(ctx):
        if isinstance(api, Result):
            yield api
            continue
        chain = authorizer_chain(ctx.inventory, api)
        if not chain.known:
            yield ctx.not_assessable(api.resource, f"the authorizer chain is unknown: {chain.reason}", chain.evidence)
            continue
        yield api, chain


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
        "--authorization-mode nor --authorization-config is given. Authorizers are asked in order and "
        "the first allow or deny wins, so AlwaysAllow anywhere in the chain allows everything the "
        "authorizers before it did not deny (RBAC and Node never deny, they only have no opinion)."
    ),
    remediation="Set --authorization-mode=Node,RBAC (or an --authorization-config without AlwaysAllow).",
    references=("https://kubernetes.io/docs/reference/access-authn-authz/authorization/",),
    provider_managed=MANAGED_AUTHORIZERS,
)
def always_allow(ctx: RuleContext) -> Iterator[Result]:
    """AlwaysAllow anywhere in the authorizer chain allows everything that reaches it."""
    for item in _chains(ctx):
        if isinstance(item, Result):
            yield item
            continue
        api, chain = item
        if "AlwaysAllow" in chain.types:
            yield ctx.fail(api.resource, f"authorizer chain {chain.describe()} includes AlwaysAllow", chain.evidence)
        else:
            yield ctx.passed(api.resource, f"authorizer chain {chain.describe()}", chain.evidence)


@rule(
    id="KW-AUTHZ-002",
    title="API server does not use RBAC authorization",
    objective=Objective.AUTHORIZATION,
    severity=Severity.HIGH,
    cis=("1.2.8",),
    applies_to=SELF_MANAGED_PLATFORMS,
    rationale=(
        "Without the RBAC authorizer, Roles and bindings have no effect; access is decided by "
        "whatever other authorizers are configured (a webhook, the static ABAC file, or AlwaysAllow)."
    ),
    remediation=(
        "Include RBAC in --authorization-mode, e.g. --authorization-mode=Node,RBAC, or add "
        "`- type: RBAC` to the authorizers of the --authorization-config file."
    ),
    references=("https://kubernetes.io/docs/reference/access-authn-authz/rbac/",),
    provider_managed=MANAGED_AUTHORIZERS,
)
def rbac_enabled(ctx: RuleContext) -> Iterator[Result]:
    """RBAC must be one of the authorizers."""
    for item in _chains(ctx):
        if isinstance(item, Result):
            yield item
            continue
        api, chain = item
        if "RBAC" in chain.types:
            yield ctx.passed(api.resource, f"RBAC authorizer enabled ({chain.describe()})", chain.evidence)
        else:
            yield ctx.fail(api.resource, f"authorizer chain {chain.describe()} lacks RBAC", chain.evidence)


@rule(
    id="KW-AUTHZ-003",
    title="API server does not use the Node authorizer",
    objective=Objective.AUTHORIZATION,
    severity=Severity.MEDIUM,
    cis=("1.2.7",),
    applies_to=SELF_MANAGED_PLATFORMS,
    rationale=(
        "The Node authorizer lets each kubelet (system:node:<name> in system:nodes) read only the "
        "Secrets, ConfigMaps and volumes of pods bound to its own node; NodeRestriction admission "
        "relies on it. Without it kubelets need an RBAC grant such as binding system:nodes to the "
        "system:node role, which lets every node read every Secret in the cluster, so one "
        "compromised node exposes all of them."
    ),
    remediation=(
        "Put Node first in the chain: --authorization-mode=Node,RBAC, or `- type: Node` before RBAC "
        "in the --authorization-config file; remove any binding of system:nodes to system:node."
    ),
    references=("https://kubernetes.io/docs/reference/access-authn-authz/node/",),
    provider_managed=MANAGED_AUTHORIZERS,
)
def node_authorizer(ctx: RuleContext) -> Iterator[Result]:
    """Node must be one of the authorizers."""
    for item in _chains(ctx):
        if isinstance(item, Result):
            yield item
            continue
        api, chain = item
        if "Node" in chain.types:
            yield ctx.passed(api.resource, f"Node authorizer enabled ({chain.describe()})", chain.evidence)
        else:
            yield ctx.fail(api.resource, f"authorizer chain {chain.describe()} lacks Node", chain.evidence)


@rule(
    id="KW-AUTHZ-004",
    title="API server authorization configuration is rejected at start-up",
    objective=Objective.AUTHORIZATION,
    severity=Severity.MEDIUM,
    applies_to=SELF_MANAGED_PLATFORMS,
    rationale=(
        "kube-apiserver exits when --authorization-config is combined with --authorization-mode or "
        "the --authorization-webhook-* flags, when the file lists no authorizer, or when the "
        "StructuredAuthorizationConfiguration gate is off (alpha in 1.29, on from 1.30, GA in 1.32). "
        "A control-plane node restarted with such a manifest loses its API server; what keeps "
        "running is the previous configuration, which is then not what the files say."
    ),
    remediation=(
        "Use one form: either --authorization-mode (and --authorization-webhook-* flags) or "
        "--authorization-config with the whole chain in the file, on a version that supports it."
    ),
    references=(
        "https://kubernetes.io/docs/reference/access-authn-authz/authorization/"
        "#using-configuration-file-for-authorization",
    ),
    provider_managed=MANAGED_AUTHORIZERS,
)
def authorization_config_valid(ctx: RuleContext) -> Iterator[Result]:
    """Only structured configurations can conflict; the flag form always passes."""
    for api in apiservers(ctx):
        if isinstance(api, Result):
            yield api
            continue
        chain = authorizer_chain(ctx.inventory, api)
        if chain.problems:
            yield ctx.fail(api.resource, "; ".join(chain.problems), chain.evidence)
        elif not chain.known:
            yield ctx.not_assessable(api.resource, f"cannot check the file: {chain.reason}", chain.evidence)
        elif chain.structured:
            yield ctx.passed(api.resource, f"--authorization-config accepted ({chain.describe()})", chain.evidence)
        else:
            yield ctx.passed(api.resource, "authorization comes from --authorization-mode alone", chain.evidence)


@rule(
    id="KW-AUTHZ-005",
    title="Webhook authorizer is skipped when it fails (failurePolicy NoOpinion)",
    objective=Objective.AUTHORIZATION,
    severity=Severity.LOW,
    applies_to=SELF_MANAGED_PLATFORMS,
    rationale=(
        "With failurePolicy NoOpinion an unreachable, slow or erroring webhook authorizer is skipped "
        "and the next authorizer decides. That is harmless for a webhook that only grants access "
        "(RBAC still decides), but a webhook placed before RBAC to deny (protect CRDs, block a "
        "privileged role outside working hours) is bypassed whenever it is down. Deny fails closed; "
        "give it matchConditions that leave out control-plane identities so an outage of the "
        "webhook cannot lock out the cluster itself."
    ),
    remediation=(
        "For deny-style webhooks set webhook.failurePolicy: Deny and matchConditions that exclude "
        "system:masters, system:nodes and kube-system service accounts; keep NoOpinion only for "
        "webhooks that grant."
    ),
    references=(
        "https://kubernetes.io/docs/reference/access-authn-authz/authorization/"
        "#using-configuration-file-for-authorization",
    ),
    provider_managed=MANAGED_AUTHORIZERS,
)
def webhook_failure_policy(ctx: RuleContext) -> Iterator[Result]:
    """One verdict per Webhook authorizer of a structured configuration."""
    for item in _chains(ctx):
        if isinstance(item, Result):
            yield item
            continue
        api, chain = item
        webhooks = [a for a in chain.authorizers if a.type == "Webhook"]
        if not chain.structured or not webhooks:
            yield ctx.passed(api.resource, f"no structured Webhook authorizer ({chain.describe()})", chain.evidence)
            continue
        prov = chain.evidence.provenance
        for webhook in webhooks:
            label = webhook.name or webhook.pointer
            evidence = Evidence(
                setting=f"kube-apiserver AuthorizationConfiguration {webhook.pointer}.webhook.failurePolicy",
                value=webhook.failure_policy or None,
                source="config-file",
                detail=f"webhook {label!r}, {webhook.match_conditions} matchConditions",
                provenance=prov,
            )
            if webhook.failure_policy == "Deny":
                scope = "" if webhook.match_conditions else " (no matchConditions: an outage denies every request)"
                yield ctx.passed(api.resource, f"webhook authorizer {label!r} fails closed{scope}", evidence)
            else:
                yield ctx.fail(
                    api.resource,
                    f"webhook authorizer {label!r} is skipped when it fails (failurePolicy "
                    f"{webhook.failure_policy or '(unset)'}); a deny it enforces disappears during an outage",
                    evidence,
                )
