"""Service-account tokens in workloads, judged with the RBAC engine (seed step 3).

For each workload (top-level controller template or bare pod, as ``workload_tokens.pod_specs``
yields them): its service account, whether a token is mounted (pod setting over SA setting,
``workload_tokens.token_mounted``), and what that account can do:

- KW-CRED-002: a token is mounted, but the account holds nothing beyond what every authenticated
  identity holds — the token only adds attack surface. Workloads on ``default`` are KW-CRED-001's.
- KW-CRED-003: the mounted token belongs to a powerful account (admin power, a path to it, or risky
  permissions), so whoever compromises one container has that power.
- KW-CRED-004: legacy ``kubernetes.io/service-account-token`` Secrets: tokens that never expire,
  readable by anyone who can read Secrets in the namespace.
"""

from collections.abc import Iterator

from kubeward.checks.common import cluster_resource, missing_parts, object_resource
from kubeward.checks.context import RuleContext
from kubeward.checks.rbac_common import rbac_missing
from kubeward.checks.registry import rule
from kubeward.checks.rule import Objective, PlanStep, Severity
from kubeward.checks.workload_tokens import pod_specs, token_mounted
from kubeward.findings import Evidence, Result
from kubeward.inventory.objects import KubeObject, PodSpec
from kubeward.rbac.analyzer import SA_NAME_ANNOTATION
from kubeward.rbac.subjects import SubjectRef


def _mounted(ctx: RuleContext) -> Iterator[tuple[KubeObject, PodSpec, SubjectRef, str] | Result]:
    """Workloads with a token mounted: (owner, spec, account, what decided), or a not_assessable verdict."""
    inventory = ctx.inventory
    if not inventory.coverage("pods").ok and not inventory.coverage("workloads").ok:
        missing = missing_parts(ctx, "pods", "workloads")
        if missing is not None:
            yield missing
            return
    accounts = ctx.analysis.rbac.accounts
    for owner, spec in pod_specs(inventory.pods, inventory.workloads):
        name = spec.service_account
        mounted, decided_by = token_mounted(spec, accounts.get((owner.namespace, name)))
        if mounted:
            yield owner, spec, SubjectRef("ServiceAccount", name, owner.namespace), decided_by


def _evidence(owner: KubeObject, ref: SubjectRef, decided_by: str, detail: str) -> Evidence:
    return Evidence(
        setting=f"{owner.kind} service account token",
        value=f"{ref.namespace}/{ref.name}",
        source="derived",
        detail=f"token mounted ({decided_by}); {detail}",
        provenance=owner.origin(),
    )


@rule(
    id="KW-CRED-002",
    title="Workload mounts a service-account token it has no use for",
    objective=Objective.CREDENTIAL_HYGIENE,
    severity=Severity.LOW,
    cis=("5.1.6",),
    seed_step="Minimize workload access: do not mount tokens that are not needed",
    plan_step=PlanStep.TOKEN_MOUNTING,
    rationale=(
        "The workload's service account holds no permission beyond what every authenticated identity has, so "
        "the token gives the workload nothing — but it gives anyone who compromises the container an identity to "
        "probe the API server with, and one that gains whatever is later granted to the account."
    ),
    remediation="Set automountServiceAccountToken: false on the pod template (or on the ServiceAccount).",
)
def unused_tokens(ctx: RuleContext) -> Iterator[Result]:
    """Mounted tokens of non-default accounts that hold nothing of their own."""
    available, missing = rbac_missing(ctx)
    if not available:
        assert missing is not None
        yield missing
        return
    rbac = ctx.analysis.rbac
    for item in _mounted(ctx):
        if isinstance(item, Result):
            yield item
            continue
        owner, _, ref, decided_by = item
        if ref.name == "default":
            continue
        if rbac.needs_token(ref):
            yield ctx.passed(
                object_resource(owner),
                f"token of {ref.text()} mounted; the account holds permissions of its own",
                _evidence(owner, ref, decided_by, "the account holds permissions of its own"),
            )
            continue
        detail = "the account holds nothing beyond what every authenticated identity holds"
        if missing is not None:
            yield ctx.not_assessable(object_resource(owner), f"{detail}, as far as collected: {missing.message}")
            continue
        yield ctx.fail(
            object_resource(owner),
            f"mounts the token of {ref.text()}, which holds nothing beyond what every authenticated identity holds",
            _evidence(owner, ref, decided_by, detail),
        )


@rule(
    id="KW-CRED-003",
    title="Workload mounts the token of a powerful service account",
    objective=Objective.CREDENTIAL_HYGIENE,
    severity=Severity.HIGH,
    seed_step="Minimize workload access",
    plan_step=PlanStep.TOKEN_MOUNTING,
    rationale=(
        "Whoever runs code in the container (a vulnerable dependency, anyone allowed to exec) holds the token: a "
        "service account that is a cluster admin, can reach admin power, or can read Secrets, create pods, exec "
        "or impersonate hands that power to them."
    ),
    remediation=(
        "Split the account: give the workload a service account with only what it calls, run the powerful "
        "automation out of the cluster or in a dedicated namespace nobody else can deploy or exec into."
    ),
)
def powerful_tokens(ctx: RuleContext) -> Iterator[Result]:
    """Mounted tokens whose accounts are admins, can escalate, or hold risky permissions."""
    available, missing = rbac_missing(ctx)
    if not available:
        assert missing is not None
        yield missing
        return
    rbac = ctx.analysis.rbac
    found = False
    for item in _mounted(ctx):
        if isinstance(item, Result):
            yield item
            continue
        owner, _, ref, decided_by = item
        power = rbac.power(ref)
        if not power:
            continue
        found = True
        yield ctx.fail(
            object_resource(owner),
            f"mounts the token of {ref.text()}, which {power}",
            _evidence(owner, ref, decided_by, f"the account {power}"),
        )
    if not found:
        yield missing or ctx.passed(cluster_resource(ctx), "no workload mounts the token of a powerful service account")


@rule(
    id="KW-CRED-004",
    title="Legacy service-account token Secret",
    objective=Objective.CREDENTIAL_HYGIENE,
    severity=Severity.MEDIUM,
    cis=("5.1.6",),
    seed_step="Minimize workload access",
    plan_step=PlanStep.TOKEN_MOUNTING,
    rationale=(
        "A kubernetes.io/service-account-token Secret holds a token that never expires and is not bound to a "
        "pod; anyone who can read Secrets in the namespace (or list them cluster-wide) becomes the account. "
        "Projected tokens (TokenRequest) expire and are bound to their pod."
    ),
    remediation=(
        "Delete the Secret and use projected tokens, or 'kubectl create token' for clients outside the cluster."
    ),
    references=("https://kubernetes.io/docs/concepts/security/service-accounts/",),
)
def legacy_token_secrets(ctx: RuleContext) -> Iterator[Result]:
    """Every Secret of type kubernetes.io/service-account-token (never its data)."""
    inventory = ctx.inventory
    if not inventory.coverage("secrets").ok:
        missing = missing_parts(ctx, "secrets")
        assert missing is not None
        yield missing
        return
    rbac = ctx.analysis.rbac if ctx.analysis.rbac.available else None
    found = False
    for secret in inventory.secrets:
        if not secret.is_service_account_token:
            continue
        found = True
        account = secret.metadata.annotations.get(SA_NAME_ANNOTATION, "")
        ref = SubjectRef("ServiceAccount", account, secret.namespace)
        power = rbac.power(ref) if rbac is not None and account else ""
        owner = f"ServiceAccount {secret.namespace}/{account}" if account else "an unnamed service account"
        yield ctx.fail(
            object_resource(secret),
            f"long-lived token of {owner}" + (f", which {power}" if power else ""),
            Evidence(
                setting="Secret type",
                value=secret.type,
                source="api-object",
                detail=f"{SA_NAME_ANNOTATION}: {account or '(missing)'}",
                provenance=secret.origin(),
            ),
        )
    if not found:
        yield ctx.passed(cluster_resource(ctx), "no legacy service-account token Secret")
