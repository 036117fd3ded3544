"""RBAC binding rules of the seed set: cluster-admin sprawl and bindings to anonymous users.

The full RBAC engine (exact matching, aggregation, who-can, escalation paths) builds on the same
Inventory; these two rules read bindings directly because their question is about the binding.
"""

from collections.abc import Iterator

from kubeward.checks.common import cluster_resource, missing_parts, object_resource
from kubeward.checks.context import RuleContext
from kubeward.checks.registry import rule
from kubeward.checks.rule import Objective, PlanStep, Severity
from kubeward.findings import Evidence, Result
from kubeward.inventory.objects import ClusterRoleBinding, RoleBinding, Subject

SYSTEM_PREFIX = "system:"
ANONYMOUS_SUBJECTS = frozenset({"system:anonymous", "system:unauthenticated"})
# Bindings of anonymous subjects that Kubernetes and kubeadm create themselves: the bootstrap
# policy's system:public-info-viewer (health and version endpoints) and kubeadm's read access to the
# kube-public/cluster-info ConfigMap used for node discovery. Expected, so never findings.
DEFAULT_ANONYMOUS_BINDINGS = frozenset(
    {
        ("ClusterRoleBinding", "", "system:public-info-viewer"),
        ("RoleBinding", "kube-public", "kubeadm:bootstrap-signer-clusterinfo"),
    }
)


def _subject_text(subject: Subject) -> str:
    if subject.kind == "ServiceAccount":
        return f"ServiceAccount {subject.namespace or '?'}/{subject.name}"
    return f"{subject.kind} {subject.name}"


# Bindings of cluster-admin that installers create for their own admin credential: kubeadm (1.29+)
# binds the group its admin.conf certificate carries. Reported apart, like the bootstrap defaults;
# the credential itself is reviewed by the kubeconfig checks.
INSTALLER_ADMIN_BINDINGS = frozenset({"kubeadm:cluster-admins"})


def _is_system(subject: Subject) -> bool:
    return subject.name.startswith(SYSTEM_PREFIX) or (
        subject.kind == "ServiceAccount" and subject.namespace == "kube-system"
    )


@rule(
    id="KW-RBAC-001",
    title="cluster-admin is bound to a non-system subject",
    objective=Objective.AUTHORIZATION,
    severity=Severity.HIGH,
    cis=("5.1.1",),
    seed_step="Reduce broad human access: replace cluster-admin bindings with scoped roles",
    plan_step=PlanStep.ADMIN_SPRAWL,
    rationale=(
        "cluster-admin is every verb on every resource and non-resource URL. Each subject bound to it "
        "through a ClusterRoleBinding is a full cluster compromise if its credential leaks; bound by "
        "a RoleBinding it is full control of that namespace, Secrets and RBAC included."
    ),
    remediation=(
        "Replace the binding with admin/edit/view or a purpose-built role, scoped to namespaces with "
        "RoleBindings; keep one documented break-glass identity."
    ),
)
def cluster_admin_bindings(ctx: RuleContext) -> Iterator[Result]:
    """Every binding of cluster-admin to a subject outside ``system:``."""
    bindings, missing = _bindings(ctx)
    if bindings is None:
        assert missing is not None
        yield missing
        return
    found = False
    for binding in bindings:
        if binding.roleRef.kind != "ClusterRole" or binding.roleRef.name != "cluster-admin":
            continue
        if isinstance(binding, ClusterRoleBinding) and binding.name in INSTALLER_ADMIN_BINDINGS:
            continue
        users = [s for s in binding.subjects if not _is_system(s)]
        if not users:
            continue
        found = True
        scope = "cluster-wide" if isinstance(binding, ClusterRoleBinding) else f"in namespace {binding.namespace}"
        names = ", ".join(_subject_text(s) for s in users)
        yield ctx.fail(
            object_resource(binding),
            f"cluster-admin {scope} for {names}",
            Evidence(
                setting=f"{binding.kind} roleRef",
                value="ClusterRole/cluster-admin",
                source="api-object",
                detail=f"subjects: {names}",
                provenance=binding.origin(),
            ),
        )
    if not found:
        yield missing or ctx.passed(cluster_resource(ctx), "cluster-admin is bound only to system subjects")


@rule(
    id="KW-RBAC-002",
    title="RBAC grants permissions to anonymous or unauthenticated users",
    objective=Objective.AUTHORIZATION,
    severity=Severity.CRITICAL,
    plan_step=PlanStep.EXPOSURE,
    rationale=(
        "A binding to system:anonymous or system:unauthenticated grants its role to anyone who can "
        "reach the API server without credentials (when anonymous authentication is on, the default). "
        "Kubernetes' own system:public-info-viewer binding (health and version endpoints) is expected "
        "and reported apart."
    ),
    remediation="Delete the binding, or bind the role to authenticated groups instead.",
)
def anonymous_bindings(ctx: RuleContext) -> Iterator[Result]:
    """Bindings whose subjects include the anonymous user or the unauthenticated group."""
    bindings, missing = _bindings(ctx)
    if bindings is None:
        assert missing is not None
        yield missing
        return
    found = False
    for binding in bindings:
        anonymous = [s for s in binding.subjects if s.name in ANONYMOUS_SUBJECTS and s.kind in ("User", "Group")]
        if not anonymous:
            continue
        if (binding.kind, binding.namespace, binding.name) in DEFAULT_ANONYMOUS_BINDINGS:
            continue
        found = True
        yield ctx.fail(
            object_resource(binding),
            f"{binding.roleRef.kind} {binding.roleRef.name} is granted to "
            + ", ".join(_subject_text(s) for s in anonymous),
            Evidence(
                setting=f"{binding.kind} subjects",
                value=", ".join(_subject_text(s) for s in anonymous),
                source="api-object",
                detail=f"roleRef: {binding.roleRef.kind}/{binding.roleRef.name}",
                provenance=binding.origin(),
            ),
        )
    if not found:
        yield missing or ctx.passed(
            cluster_resource(ctx), "no binding grants anything to anonymous users beyond the defaults"
        )


def _bindings(ctx: RuleContext) -> tuple[list[ClusterRoleBinding | RoleBinding] | None, Result | None]:
    """The bindings that were collected, and a not_assessable verdict naming any kind that was not.

    Failures found in the collected kind are still reported; only "no finding" turns into
    not_assessable when a kind is missing, since the missing kind could hold one.
    """
    inventory = ctx.inventory
    missing = missing_parts(ctx, "clusterrolebindings", "rolebindings")
    bindings: list[ClusterRoleBinding | RoleBinding] = []
    if inventory.coverage("clusterrolebindings").ok:
        bindings.extend(inventory.cluster_role_bindings)
    if inventory.coverage("rolebindings").ok:
        bindings.extend(inventory.role_bindings)
    if not inventory.coverage("clusterrolebindings").ok and not inventory.coverage("rolebindings").ok:
        return None, missing
    return bindings, missing
