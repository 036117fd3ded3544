"""Evaluating the risky-permission catalog (rbac.md §5) on every subject's own grants.

A risk is a set of atoms (any of them triggers it), optionally with further atom sets that must all
be held too (CSR approval needs the approval subresource and the signer). Grants are a subject's own
— the bindings that name it — so a permission given to a group is reported once, on the group, not
on each of its members; the escalation graph is where inherited permissions combine.

Each grant is reported under exactly one rule: a grant that comes from a full ``*``/``*``/``*`` rule
belongs to the wildcard risk, not to every specific risk it implies. Grants from built-in bindings
(and excluded subjects) are kept apart: they never make a finding, the access review lists them.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from kubeward.rbac.capabilities import RBAC_GROUP, WILDCARD, AtomGrant, Holdings, atom_key
from kubeward.rbac.escalation import (
    BIND,
    CSR_APPROVAL,
    ESCALATE_CR,
    ESCALATE_R,
    IMPERSONATE_GROUPS,
    IMPERSONATE_SA,
    IMPERSONATE_USERS,
    NODE_PROXY,
    POD_CREATE,
    SECRET_READ,
    SIGNER_APPROVE,
    TOKEN_CREATE,
)
from kubeward.rbac.subjects import SubjectRef

Severity = Literal["critical", "high", "medium", "low", "info"]
SEVERITY_RANK: dict[str, int] = {"critical": 4, "high": 3, "medium": 2, "low": 1, "info": 0}


@dataclass(frozen=True)
class RiskDefinition:
    """Which atoms make a risk, how bad it is, and how to describe it (``tag`` for compact listings)."""

    rule_id: str
    tag: str
    label: str
    severity: Severity
    atoms: tuple[str, ...]
    also_needs: tuple[tuple[str, ...], ...] = ()
    unrestricted_only: bool = False  # grants limited to resourceNames do not count


@dataclass(frozen=True)
class RiskHit:
    """One subject holding one risk: its user-made grants and its built-in ones."""

    subject: SubjectRef
    grants: tuple[AtomGrant, ...]
    builtin_grants: tuple[AtomGrant, ...]

    @property
    def user_made(self) -> bool:
        """True when at least one grant is user-made (so the risk is a finding)."""
        return bool(self.grants)


def _counts(definition: RiskDefinition, grant: AtomGrant, cluster_admin: bool) -> bool:
    if definition.unrestricted_only and grant.names is not None:
        return False
    if grant.atom == WILDCARD:
        if cluster_admin:
            return True
        # The wildcard risk leaves cluster-admin itself to the cluster-admin binding rule (KW-RBAC-001).
        role = grant.binding.role
        return role is None or role.kind != "ClusterRole" or role.name != "cluster-admin"
    return not grant.wildcard


def evaluate(
    definition: RiskDefinition,
    holdings: Holdings,
    subjects: Iterable[SubjectRef],
    *,
    cluster_admin: bool = False,
) -> list[RiskHit]:
    """Every subject (of ``subjects``) that holds the risk through its own bindings.

    ``cluster_admin=True`` counts bindings of the cluster-admin role as wildcard grants too (for
    listings; the rules leave them to KW-RBAC-001).
    """
    hits: list[RiskHit] = []
    for ref in subjects:
        grants = [g for g in holdings.grants(ref, definition.atoms) if _counts(definition, g, cluster_admin)]
        if not grants:
            continue
        for needed in definition.also_needs:
            extra = [g for g in holdings.grants(ref, needed) if _counts(definition, g, cluster_admin)]
            if not extra:
                break
            grants.extend(extra)
        else:
            user = tuple(g for g in grants if not g.builtin)
            builtin = tuple(g for g in grants if g.builtin)
            hits.append(RiskHit(ref, user, builtin))
    return hits


_WRITE = ("create", "update", "patch")
AUTHENTICATION_GROUP = "authentication.k8s.io"
SubjectRisks = dict[SubjectRef, list[tuple["RiskDefinition", "RiskHit"]]]

# The catalog (rbac.md §5); the rules in ``kubeward.checks.rbac_risks`` add titles and rationale.
CATALOG: tuple[RiskDefinition, ...] = (
    RiskDefinition("KW-RBAC-003", "wildcard", "use * verbs on * resources in every API group", "critical", (WILDCARD,)),
    RiskDefinition("KW-RBAC-005", "escalate", "escalate (Cluster)Roles", "critical", (ESCALATE_CR, ESCALATE_R)),
    RiskDefinition("KW-RBAC-006", "bind", "bind (Cluster)Roles they do not hold", "critical", BIND),
    RiskDefinition(
        "KW-RBAC-007",
        "impersonate",
        "impersonate users, groups, service accounts or UIDs",
        "critical",
        (
            IMPERSONATE_USERS,
            IMPERSONATE_GROUPS,
            IMPERSONATE_SA,
            atom_key("impersonate", "uids", "authentication.k8s.io"),
        ),
    ),
    RiskDefinition("KW-RBAC-008", "token-create", "create service-account tokens", "high", (TOKEN_CREATE,)),
    RiskDefinition("KW-RBAC-009", "secrets-read", "read Secrets", "high", SECRET_READ, unrestricted_only=True),
    RiskDefinition(
        "KW-RBAC-010",
        "secrets-write",
        "create or modify Secrets",
        "high",
        tuple(atom_key(verb, "secrets") for verb in _WRITE),
        unrestricted_only=True,
    ),
    RiskDefinition(
        "KW-RBAC-011",
        "workloads-write",
        "create pods or write pod controllers",
        "high",
        # Named grants count: update/patch of one Deployment still rewrites its pod template (any
        # service account of the namespace, any image); create never has a name to restrict it.
        (*POD_CREATE, atom_key("update", "pods"), atom_key("patch", "pods")),
    ),
    RiskDefinition(
        "KW-RBAC-012",
        "exec",
        "exec, attach or port-forward into pods",
        "high",
        tuple(atom_key("create", "pods", subresource=sub) for sub in ("exec", "attach", "portforward")),
    ),
    RiskDefinition(
        "KW-RBAC-013",
        "ephemeral-containers",
        "add ephemeral containers to pods",
        "high",
        (
            atom_key("update", "pods", subresource="ephemeralcontainers"),
            atom_key("patch", "pods", subresource="ephemeralcontainers"),
        ),
    ),
    RiskDefinition("KW-RBAC-014", "nodes-proxy", "reach the kubelet API through nodes/proxy", "critical", NODE_PROXY),
    RiskDefinition(
        "KW-RBAC-015",
        "csr-approve",
        "approve certificate signing requests",
        "critical",
        (CSR_APPROVAL,),
        also_needs=((SIGNER_APPROVE,),),
    ),
    RiskDefinition(
        "KW-RBAC-016",
        "webhooks-write",
        "write admission webhook configurations",
        "critical",
        tuple(
            atom_key(verb, resource, "admissionregistration.k8s.io")
            for verb in _WRITE
            for resource in ("mutatingwebhookconfigurations", "validatingwebhookconfigurations")
        ),
    ),
    RiskDefinition(
        "KW-RBAC-017",
        "clusterroles-write",
        "write ClusterRoles (including aggregate-to-admin/edit/view labels)",
        "high",
        tuple(atom_key(verb, "clusterroles", RBAC_GROUP) for verb in _WRITE),
    ),
)
CATALOG_BY_ID = {definition.rule_id: definition for definition in CATALOG}


def evaluate_all(holdings: Holdings, subjects: Iterable[SubjectRef]) -> SubjectRisks:
    """Every risk of the catalog held by each subject (cluster-admin bindings counted as wildcards)."""
    refs = list(subjects)
    found: SubjectRisks = {}
    for definition in CATALOG:
        for hit in evaluate(definition, holdings, refs, cluster_admin=True):
            found.setdefault(hit.subject, []).append((definition, hit))
    return found
