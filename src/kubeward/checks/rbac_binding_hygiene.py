"""Binding-level RBAC rules: bindings naming system:masters or every identity, and bindings whose
role does not exist.

These are questions about a binding rather than about a permission, so they are reported on the
binding object; Kubernetes' own default bindings are recognised (``kubeward.rbac.builtin``) and
never reported.
"""

from collections.abc import Iterator

from kubeward.checks.common import cluster_resource, object_resource
from kubeward.checks.context import RuleContext
from kubeward.checks.rbac_common import rbac_missing
from kubeward.checks.registry import rule
from kubeward.checks.rule import Objective, PlanStep, Severity
from kubeward.findings import Evidence, Result
from kubeward.rbac.builtin import is_builtin_grant
from kubeward.rbac.identity import ALL_SERVICE_ACCOUNTS, AUTHENTICATED, MASTERS
from kubeward.rbac.policy import BindingEntry


def _subject_bindings(ctx: RuleContext, groups: frozenset[str]) -> Iterator[tuple[BindingEntry, list[str]]]:
    for binding in ctx.analysis.rbac.policy.bindings:
        named = [
            s.name
            for s in binding.subjects
            if s.kind == "Group" and s.name in groups and not is_builtin_grant(binding, s)
        ]
        if named:
            yield binding, named


def _group_binding_check(ctx: RuleContext, groups: frozenset[str], what: str) -> Iterator[Result]:
    available, missing = rbac_missing(ctx)
    if not available:
        assert missing is not None
        yield missing
        return
    found = False
    for binding, named in _subject_bindings(ctx, groups):
        found = True
        scope = "cluster-wide" if binding.cluster else f"in namespace {binding.namespace}"
        yield ctx.fail(
            object_resource(binding.obj),
            f"{binding.role_text()} is granted {scope} to Group {', '.join(named)}",
            Evidence(
                setting=f"{binding.kind} subjects",
                value=named,
                source="api-object",
                detail=f"roleRef: {binding.role_text()}",
                provenance=binding.obj.origin(),
            ),
        )
    if not found:
        yield missing or ctx.passed(cluster_resource(ctx), f"no user-made binding names {what}")


@rule(
    id="KW-RBAC-004",
    title="A binding names the system:masters group",
    cis=("5.1.7",),
    objective=Objective.AUTHORIZATION,
    severity=Severity.HIGH,
    plan_step=PlanStep.ADMIN_SPRAWL,
    rationale=(
        "Members of system:masters bypass RBAC and its escalation checks entirely; membership comes from client "
        "certificates (O=system:masters) and cannot be revoked by deleting bindings. A binding that names the "
        "group beyond Kubernetes' own cluster-admin binding shows that credentials carrying it are expected, and "
        "hides who really holds power (the access review lists every path into the group)."
    ),
    remediation=(
        "Remove the binding; issue admin credentials for a named group bound to cluster-admin (kubeadm's "
        "kubeadm:cluster-admins), so access can be revoked."
    ),
    references=("rbac.md §1.3", "https://kubernetes.io/docs/concepts/security/rbac-good-practices/"),
)
def masters_bindings(ctx: RuleContext) -> Iterator[Result]:
    """User-made bindings whose subjects include Group system:masters."""
    yield from _group_binding_check(ctx, frozenset({MASTERS}), MASTERS)


@rule(
    id="KW-RBAC-018",
    title="A role is granted to every authenticated identity or every service account",
    objective=Objective.AUTHORIZATION,
    severity=Severity.HIGH,
    plan_step=PlanStep.ADMIN_SPRAWL,
    seed_step="Lock down RBAC",
    rationale=(
        "system:authenticated holds every user and every service-account token of the cluster (and, on managed "
        "platforms, possibly any account of the provider); system:serviceaccounts holds every workload. A role "
        "bound to either is granted to all of them, so one compromised pod has it. Kubernetes' own discovery "
        "bindings are expected and not reported."
    ),
    remediation="Bind the role to the specific users, groups or service accounts that need it.",
    references=("rbac.md §5",),
)
def broad_group_bindings(ctx: RuleContext) -> Iterator[Result]:
    """User-made bindings to system:authenticated or system:serviceaccounts."""
    yield from _group_binding_check(
        ctx, frozenset({AUTHENTICATED, ALL_SERVICE_ACCOUNTS}), f"{AUTHENTICATED} or {ALL_SERVICE_ACCOUNTS}"
    )


@rule(
    id="KW-RBAC-019",
    title="A binding references a role that does not exist",
    objective=Objective.AUTHORIZATION,
    severity=Severity.LOW,
    plan_step=PlanStep.ADMIN_SPRAWL,
    rationale=(
        "A binding to a missing role grants nothing today, but whoever later creates a role of that name decides "
        "what its subjects can do; it usually outlives a removed application and hides in reviews."
    ),
    remediation="Delete the binding, or restore the role it was meant to reference.",
    references=("rbac.md §1.3",),
)
def dangling_bindings(ctx: RuleContext) -> Iterator[Result]:
    """Bindings whose roleRef does not resolve (roles not collected make the verdict not_assessable)."""
    available, missing = rbac_missing(ctx)
    if not available:
        assert missing is not None
        yield missing
        return
    found = False
    for binding in ctx.analysis.rbac.policy.unresolved():
        if binding.missing == "not_collected":
            continue
        found = True
        yield ctx.fail(
            object_resource(binding.obj),
            f"{binding.kind} {binding.name} references {binding.role_text()}: {binding.error}",
            Evidence(
                setting=f"{binding.kind} roleRef",
                value=binding.role_text(),
                source="api-object",
                detail=binding.error,
                provenance=binding.obj.origin(),
            ),
        )
    if not found:
        yield missing or ctx.passed(cluster_resource(ctx), "every binding references an existing role")
