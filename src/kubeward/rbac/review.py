"""The access review: the seed's questions answered in one report section (issue 4 item 5).

- Which roles are namespace-scoped (a Role, or a ClusterRole only ever bound by RoleBindings) and
  which are used cluster-wide.
- Which subjects can read Secrets; which automation identities (service accounts) can create or
  update workloads; who can exec or attach into pods — from effective permissions, wildcards and
  aggregated roles included.
- Who can elevate themselves: every subject with a path to cluster-admin-equivalent power.
- cluster-admin sprawl: how many non-system subjects hold admin power, and which admin identities are
  shared (groups, service accounts whose tokens run in pods or sit in legacy Secrets).

Built-in subjects stay in every list, marked, so a reader sees them apart instead of not at all.
"""

from collections import Counter, defaultdict

from kubeward.rbac.analyzer import RbacAnalysis
from kubeward.rbac.builtin import is_builtin_role
from kubeward.rbac.capabilities import WILDCARD, AtomGrant, atom_key
from kubeward.rbac.describe import role_text, rule_text, scope_summary
from kubeward.rbac.escalation import POD_CREATE, SECRET_READ, EscalationPath
from kubeward.rbac.subjects import SubjectRef
from kubeward.report.model import (
    AccessReview,
    AdminSprawl,
    ReviewEntry,
    ReviewGrant,
    ReviewHop,
    ReviewPath,
    ReviewRole,
    ReviewSubject,
    SharedAdmin,
)

WORKLOAD_WRITES = (*POD_CREATE, atom_key("update", "pods"), atom_key("patch", "pods"))
EXEC_ATOMS = (atom_key("create", "pods", subresource="exec"), atom_key("create", "pods", subresource="attach"))


def review_grant(grant: AtomGrant) -> ReviewGrant:
    """An AtomGrant as the report shows it."""
    binding = grant.binding
    return ReviewGrant(
        binding=f"{binding.kind} {binding.name if binding.cluster else binding.namespace + '/' + binding.name}",
        role=role_text(binding),
        rule=rule_text(grant),
        scope="cluster-wide" if not grant.scope else f"namespace {grant.scope}",
        provenance=binding.obj.origin(),
    )


def _subject(ref: SubjectRef, builtin: bool) -> ReviewSubject:
    return ReviewSubject(kind=ref.kind, name=ref.name, namespace=ref.namespace, builtin=builtin)


def _entries(rbac: RbacAnalysis, atoms: tuple[str, ...], kinds: tuple[str, ...] = ()) -> tuple[ReviewEntry, ...]:
    entries: list[ReviewEntry] = []
    for ref in sorted(rbac.holdings.subjects(), key=SubjectRef.sort_key):
        if kinds and ref.kind not in kinds:
            continue
        grants = list(rbac.holdings.grants(ref, atoms))
        if not grants:
            continue
        builtin = all(g.builtin for g in grants)
        entries.append(
            ReviewEntry(
                subject=_subject(ref, builtin),
                permissions=(scope_summary(grants),),
                grants=tuple(dict.fromkeys(review_grant(g) for g in grants)),
            )
        )
    return tuple(entries)


def _roles(rbac: RbacAnalysis) -> tuple[ReviewRole, ...]:
    policy = rbac.policy
    cluster_bound: Counter[int] = Counter()
    namespace_bound: dict[int, set[str]] = defaultdict(set)
    counts: Counter[int] = Counter()
    for binding in policy.bindings:
        role = binding.role
        if role is None:
            continue
        counts[id(role)] += 1
        if binding.cluster:
            cluster_bound[id(role)] += 1
        else:
            namespace_bound[id(role)].add(binding.namespace)
    roles: list[ReviewRole] = []
    for entry in [*policy.cluster_roles.values(), *policy.roles.values()]:
        key = id(entry)
        if entry.kind == "Role":
            scope = "namespace"
        elif cluster_bound[key]:
            scope = "cluster"
        elif namespace_bound.get(key):
            scope = "namespace"
        else:
            scope = "unbound"
        roles.append(
            ReviewRole(
                kind=entry.kind,
                name=entry.name,
                namespace=entry.namespace,
                scope=scope,  # type: ignore[arg-type]
                bindings=counts[key],
                namespaces=tuple(sorted(namespace_bound.get(key, ()))) if entry.kind == "ClusterRole" else (),
                builtin=is_builtin_role(entry),
            )
        )
    roles.sort(key=lambda r: (r.builtin, r.kind, r.namespace, r.name))
    return tuple(roles)


def review_path(path: EscalationPath) -> ReviewPath:
    """An escalation path as the report shows it."""
    return ReviewPath(
        subject=_subject(path.subject, path.builtin or all(g.builtin for g in path.hops[0].grants)),
        steps=path.length,
        hops=tuple(
            ReviewHop(
                source=hop.source,
                target=hop.target,
                action=hop.action,
                grants=tuple(dict.fromkeys(review_grant(g) for g in hop.grants)),
            )
            for hop in path.hops
        ),
    )


def _elevation(rbac: RbacAnalysis) -> tuple[ReviewPath, ...]:
    paths = []
    for ref in sorted(rbac.holdings.subjects(), key=SubjectRef.sort_key):
        path = rbac.escalation_path(ref)
        if path is not None:
            paths.append(review_path(path))
    paths.sort(key=lambda p: (p.subject.builtin, p.steps))
    return tuple(paths)


def _cluster_admin(rbac: RbacAnalysis) -> AdminSprawl:
    holders: list[ReviewEntry] = []
    shared: list[SharedAdmin] = []
    builtin = 0
    facts = rbac.workload_facts
    token_owners = {(ns, account) for ns, pairs in facts.token_secrets.items() for _, account in pairs}
    for ref in sorted(rbac.holdings.subjects(), key=SubjectRef.sort_key):
        grants = [g for g in rbac.holdings.grants(ref, (WILDCARD,)) if not g.scope]
        if not grants:
            continue
        user_made = [g for g in grants if not g.builtin]
        if not user_made:
            builtin += 1
            continue
        holders.append(
            ReviewEntry(
                subject=_subject(ref, False),
                permissions=("* on * in every API group, cluster-wide",),
                grants=tuple(dict.fromkeys(review_grant(g) for g in user_made)),
            )
        )
        reason = _shared_reason(rbac, ref, token_owners)
        if reason:
            shared.append(SharedAdmin(subject=_subject(ref, False), reason=reason))
    return AdminSprawl(non_system=len(holders), holders=tuple(holders), shared=tuple(shared), builtin=builtin)


def _shared_reason(rbac: RbacAnalysis, ref: SubjectRef, token_owners: set[tuple[str, str]]) -> str:
    if ref.kind == "Group":
        return "a group: every member holds the power, and membership is outside RBAC"
    if ref.kind != "ServiceAccount":
        return ""
    reasons = []
    pods = sorted(set(rbac.workload_facts.pod_accounts.get(ref.namespace, ())))
    if ref.name in pods:
        reasons.append("its token is mounted into running workloads")
    if (ref.namespace, ref.name) in token_owners:
        reasons.append("a legacy token Secret holds a non-expiring copy of its credential")
    return "; ".join(reasons)


def build_access_review(rbac: RbacAnalysis) -> AccessReview:
    """Answer the access questions for one Inventory."""
    missing = tuple(f"{rec.part}: {rec.reason or rec.status}" for rec in rbac.policy.missing_parts)
    return AccessReview(
        complete=not missing,
        missing=missing,
        roles=_roles(rbac),
        secret_readers=_entries(rbac, SECRET_READ),
        workload_writers=_entries(rbac, WORKLOAD_WRITES, kinds=("ServiceAccount",)),
        exec_into_pods=_entries(rbac, EXEC_ATOMS),
        elevation=_elevation(rbac),
        cluster_admin=_cluster_admin(rbac),
        dangling_bindings=tuple(
            f"{b.key()} → {b.role_text()}: {b.error}" for b in rbac.policy.unresolved() if b.missing != "not_collected"
        ),
        notes=tuple(rbac.policy.issues),
    )
