"""Escalation paths: subjects that are not cluster admins but can become one, hop by hop.

Built on the escalation graph (``kubeward.rbac.escalation``): for every subject that does not hold
cluster-admin-equivalent power, the shortest path that starts with one of its own grants, each hop
with the grants that make it possible. Paths whose first step is a built-in grant (the
controller-manager minting tokens, the aggregation controller's escalate) are listed in the access
review, not reported.
"""

from collections.abc import Iterator

from kubeward.checks.common import cluster_resource
from kubeward.checks.context import RuleContext
from kubeward.checks.rbac_common import rbac_missing, subject_resource
from kubeward.checks.registry import rule
from kubeward.checks.rule import Objective, PlanStep, Severity
from kubeward.findings import Evidence, Result
from kubeward.rbac.describe import chain_text
from kubeward.rbac.escalation import EscalationPath


def path_text(path: EscalationPath) -> str:
    """``A -[action]-> B -[action]-> cluster-admin-equivalent power``."""
    parts = [path.hops[0].source]
    for hop in path.hops:
        parts.append(f"-[{hop.action}]-> {hop.target}")
    return " ".join(parts)


def hops_detail(path: EscalationPath) -> str:
    """Each hop with its grants: ``1. A -> B: action (binding → role → rule; ...)``."""
    lines = []
    for number, hop in enumerate(path.hops, 1):
        grants = "; ".join(dict.fromkeys(chain_text(g) for g in hop.grants))
        lines.append(f"{number}. {hop.source} -> {hop.target}: {hop.action}" + (f" ({grants})" if grants else ""))
    return " ".join(lines)


@rule(
    id="KW-RBAC-020",
    title="Subject can escalate to cluster-admin-equivalent power",
    objective=Objective.AUTHORIZATION,
    severity=Severity.CRITICAL,
    plan_step=PlanStep.ADMIN_SPRAWL,
    seed_step="Lock down RBAC: who can elevate themselves",
    rationale=(
        "RBAC permissions chain: creating pods in a namespace yields its service accounts, reading Secrets yields "
        "legacy tokens, exec and nodes/proxy yield the tokens of running pods, impersonate/bind/escalate/token "
        "requests and CSR approval yield other identities outright. A subject with such a chain ending at an "
        "identity that holds * on * is a cluster admin in waiting, however narrow its own roles look."
    ),
    remediation=(
        "Break the chain at its cheapest hop: usually move the powerful service account out of the namespace "
        "others can deploy or exec into, delete legacy token Secrets, or drop the permission of the first hop."
    ),
    references=("rbac.md §1.6, §5",),
)
def escalation_paths(ctx: RuleContext) -> Iterator[Result]:
    """Every non-admin subject with a path to admin power that starts with a user-made grant."""
    available, missing = rbac_missing(ctx)
    if not available:
        assert missing is not None
        yield missing
        return
    rbac = ctx.analysis.rbac
    found = False
    for ref in sorted(rbac.holdings.subjects(), key=lambda r: r.sort_key()):
        path = rbac.escalation_path(ref)
        if path is None or all(g.builtin for g in path.hops[0].grants):
            continue
        found = True
        first = [g for g in path.hops[0].grants if not g.builtin]
        steps = "step" if path.length == 1 else "steps"
        yield ctx.fail(
            subject_resource(ctx, ref, first),
            f"{ref.text()} reaches cluster-admin-equivalent power in {path.length} {steps}: {path_text(path)}",
            Evidence(
                setting="escalation path",
                value=path.length,
                source="derived",
                detail=hops_detail(path),
                provenance=first[0].binding.obj.origin() if first else None,
            ),
        )
    if not found:
        yield missing or ctx.passed(
            cluster_resource(ctx), "no user-made grant gives a non-admin subject a path to cluster-admin power"
        )
