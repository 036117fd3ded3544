"""Service-account token mounting (seed set): workloads that run as the ``default`` account with a
token mounted. The full treatment (tokens mounted but unused, powerful accounts in pods, legacy
token Secrets) builds on the RBAC engine.

Whether a token is mounted follows the API server's ServiceAccount admission: the pod's
``automountServiceAccountToken`` if set, else the ServiceAccount's, else true.
"""

from collections.abc import Iterator, Sequence

from kubeward.checks.common import controlling_workload, missing_parts, object_resource
from kubeward.checks.context import RuleContext
from kubeward.checks.registry import rule
from kubeward.checks.rule import Objective, PlanStep, Severity
from kubeward.findings import Evidence, Result
from kubeward.inventory.objects import KubeObject, Pod, PodSpec, ServiceAccount, Workload


def token_mounted(spec: PodSpec, account: ServiceAccount | None) -> tuple[bool, str]:
    """Whether a pod with ``spec`` gets a token, and which setting decided it."""
    if spec.automountServiceAccountToken is not None:
        return spec.automountServiceAccountToken, "pod spec.automountServiceAccountToken"
    if account is not None and account.automountServiceAccountToken is not None:
        return account.automountServiceAccountToken, "ServiceAccount automountServiceAccountToken"
    return True, "default (neither the pod nor the ServiceAccount disables it)"


@rule(
    id="KW-CRED-001",
    title="Workload runs as the default service account with a token mounted",
    objective=Objective.CREDENTIAL_HYGIENE,
    severity=Severity.LOW,
    cis=("5.1.5", "5.1.6"),
    seed_step="Minimize workload access: do not mount tokens that are not needed",
    plan_step=PlanStep.TOKEN_MOUNTING,
    rationale=(
        "Every namespace's default ServiceAccount is shared by all pods that name no other account, "
        "so any permission granted to it is granted to all of them, and a mounted token lets anyone "
        "who compromises one container call the API server with it."
    ),
    remediation=(
        "Give the workload its own ServiceAccount, or set automountServiceAccountToken: false on the "
        "pod template (or on the default ServiceAccount) when it does not call the API."
    ),
)
def default_service_account(ctx: RuleContext) -> Iterator[Result]:
    """Top-level controllers (by their pod template) and bare pods on ``default`` with a token."""
    inventory = ctx.inventory
    if not inventory.coverage("pods").ok and not inventory.coverage("workloads").ok:
        missing = missing_parts(ctx, "pods", "workloads")
        if missing is not None:
            yield missing
            return
    accounts = {(sa.namespace, sa.name): sa for sa in inventory.service_accounts}
    for subject, spec in pod_specs(inventory.pods, inventory.workloads):
        if spec.service_account != "default":
            continue
        account = accounts.get((subject.namespace, "default"))
        mounted, decided_by = token_mounted(spec, account)
        evidence = Evidence(
            setting=f"{subject.kind} automountServiceAccountToken",
            value=mounted,
            source="api-object",
            detail=f"service account {subject.namespace}/default; token mounting decided by {decided_by}",
            provenance=subject.origin(),
        )
        if mounted:
            yield ctx.fail(
                object_resource(subject),
                f"runs as {subject.namespace}/default with its token mounted",
                evidence,
            )
        else:
            yield ctx.passed(object_resource(subject), "default service account, but no token is mounted", evidence)


def pod_specs(pods: Sequence[Pod], workloads: Sequence[Workload]) -> Iterator[tuple[KubeObject, PodSpec]]:
    """The pod specs that run or will run: each top-level controller's template (a Deployment, not
    its ReplicaSets) and each pod no known controller owns. Mirror pods are skipped: static pods
    cannot use service accounts.
    """
    by_uid = {w.metadata.uid: w for w in workloads if w.metadata.uid}
    for workload in workloads:
        if controlling_workload(workload, by_uid) is not None:
            continue
        template = workload.pod_template
        if template is not None:
            yield workload, template.spec
    for pod in pods:
        if pod.is_mirror or controlling_workload(pod, by_uid) is not None:
            continue
        yield pod, pod.spec
