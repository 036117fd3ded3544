"""Risky RBAC permissions (rbac.md §5), one rule each, evaluated on the effective-permission engine.

Each rule reports every subject (User, Group or ServiceAccount, as bindings name it) whose own
bindings grant the permission, with the binding → role → rule chains as evidence. Matching is the
API server's (aggregated roles computed, ``*/subresource``, resourceNames, RoleBinding scoping), so a
``*`` in a non-core API group never counts as Secret access and ``pods`` never as ``pods/exec``.
A permission that comes only from Kubernetes' own default bindings is not a finding; the access
review lists it apart.
"""

from collections.abc import Callable, Iterator
from typing import Any

from kubeward.checks.common import cluster_resource
from kubeward.checks.context import RuleContext
from kubeward.checks.rbac_common import grants_evidence, rbac_missing, subject_resource
from kubeward.checks.registry import rule
from kubeward.checks.rule import Objective, PlanStep, Severity
from kubeward.findings import Result
from kubeward.rbac.describe import scope_summary
from kubeward.rbac.risks import CATALOG_BY_ID, RiskDefinition, evaluate

# CIS Kubernetes Benchmark (v1.8 and later) section 5.1 "RBAC and Service Accounts" control ids.
_SEE_ALSO = "rbac.md §5 (unified catalog of risky permissions)"


def _risk_check(definition: RiskDefinition) -> Callable[[RuleContext], Iterator[Result]]:
    def check(ctx: RuleContext) -> Iterator[Result]:
        available, missing = rbac_missing(ctx)
        if not available:
            assert missing is not None
            yield missing
            return
        rbac = ctx.analysis.rbac
        hits = evaluate(definition, rbac.holdings, rbac.holdings.subjects())
        found = False
        for hit in sorted(hits, key=lambda h: h.subject.sort_key()):
            if not hit.user_made:
                continue
            found = True
            yield ctx.fail(
                subject_resource(ctx, hit.subject, hit.grants),
                f"{hit.subject.text()} can {scope_summary(hit.grants)}",
                grants_evidence(hit.grants),
            )
        if not found:
            builtin = sum(1 for hit in hits if not hit.user_made)
            note = f" ({builtin} built-in subject(s) can; see the access review)" if builtin else ""
            yield missing or ctx.passed(cluster_resource(ctx), f"no user-made subject can {definition.label}{note}")

    check.__name__ = definition.rule_id.lower().replace("-", "_")
    check.__doc__ = f"Subjects whose own bindings let them {definition.label}."
    return check


def _register(definition: RiskDefinition, **meta: Any) -> None:
    rule(
        id=definition.rule_id,
        objective=Objective.AUTHORIZATION,
        severity=Severity(definition.severity),
        plan_step=PlanStep.ADMIN_SPRAWL,
        **meta,
    )(_risk_check(definition))


_register(
    CATALOG_BY_ID["KW-RBAC-003"],
    cis=("5.1.3",),
    title="Subject holds a wildcard rule (* verbs on * resources in * API groups)",
    seed_step="Lock down RBAC: no wildcard roles outside break-glass",
    rationale=(
        "A rule with * verbs, * resources and * API groups is full control: through a ClusterRoleBinding it is "
        "cluster-admin under another name (root on every node where workloads can run); through a RoleBinding it "
        "is full control of the namespace, Secrets and RBAC included. Bindings of cluster-admin itself are "
        "reported by KW-RBAC-001."
    ),
    remediation="Replace the wildcard role with a role listing the verbs, resources and API groups actually used.",
    references=(_SEE_ALSO,),
)

_register(
    CATALOG_BY_ID["KW-RBAC-005"],
    cis=("5.1.8",),
    title="Subject can escalate roles (escalate verb on roles/clusterroles)",
    rationale=(
        "The escalate verb skips the API server's escalation check on Role and ClusterRole writes, so the subject "
        "can write any permission into a role it is bound to and hold it (rbac.md §1.6)."
    ),
    remediation="Remove escalate from the role; only the clusterrole-aggregation controller needs it.",
    references=(_SEE_ALSO, "https://kubernetes.io/docs/concepts/security/rbac-good-practices/"),
)

_register(
    CATALOG_BY_ID["KW-RBAC-006"],
    cis=("5.1.8",),
    title="Subject can bind roles it does not hold (bind verb on roles/clusterroles)",
    rationale=(
        "The bind verb skips the check that a binding's creator already holds the role's permissions: with "
        "create on (cluster)rolebindings the subject can bind cluster-admin (or any named role) to itself."
    ),
    remediation="Remove bind, or restrict it with resourceNames to the few roles the subject must hand out.",
    references=(_SEE_ALSO,),
)

_register(
    CATALOG_BY_ID["KW-RBAC-007"],
    cis=("5.1.8",),
    title="Subject can impersonate other identities",
    rationale=(
        "Impersonation makes the API server act as another user, group or service account — system:masters "
        "included — so the subject holds the union of everything it may impersonate. The default edit and admin "
        "roles include impersonate on serviceaccounts, i.e. every service account of the namespace."
    ),
    remediation="Remove impersonate, or restrict it with resourceNames to specific, unprivileged identities.",
    references=(_SEE_ALSO,),
)

_register(
    CATALOG_BY_ID["KW-RBAC-008"],
    cis=("5.1.13",),
    title="Subject can mint service-account tokens (create serviceaccounts/token)",
    seed_step="Minimize workload access",
    rationale=(
        "create on serviceaccounts/token issues a token for any service account in scope, so the subject holds "
        "every permission of those service accounts."
    ),
    remediation="Remove the permission, or restrict it with resourceNames to the service accounts needed.",
    references=(_SEE_ALSO,),
)

_register(
    CATALOG_BY_ID["KW-RBAC-009"],
    cis=("5.1.2",),
    title="Subject can read Secrets (get/list/watch secrets)",
    seed_step="Lock down RBAC: who can read Secrets",
    rationale=(
        "Secrets hold credentials, legacy service-account tokens among them; list and watch return every Secret "
        "with its data. Reading Secrets in a namespace is close to holding every identity whose token is stored "
        "there. Grants limited to named Secrets are not reported."
    ),
    remediation="Grant get on named Secrets (resourceNames) instead, or mount the Secret into the workload.",
    references=(_SEE_ALSO,),
)

_register(
    CATALOG_BY_ID["KW-RBAC-010"],
    title="Subject can create or modify Secrets",
    rationale=(
        "Creating a Secret of type kubernetes.io/service-account-token for a service account makes the token "
        "controller fill in a long-lived token for it; modifying Secrets tampers with credentials workloads use."
    ),
    remediation="Restrict Secret writes to the controllers that manage them, and to named Secrets.",
    references=(_SEE_ALSO,),
)

_register(
    CATALOG_BY_ID["KW-RBAC-011"],
    cis=("5.1.4",),
    title="Subject can create pods or write workloads",
    seed_step="Minimize workload access: which automation identities can create or update workloads",
    rationale=(
        "A pod may run as any service account of its namespace and mount host paths or run privileged (within "
        "what Pod Security admission allows), so creating pods, or writing the pod template of a Deployment, "
        "DaemonSet, StatefulSet, ReplicaSet, Job, CronJob or ReplicationController, reaches every service account "
        "of the namespace. Updating a running pod can change its image."
    ),
    remediation=(
        "Keep workload writes to the deployment pipeline's identity, enforce Pod Security (restricted), and keep "
        "powerful service accounts out of namespaces others can deploy to."
    ),
    references=(_SEE_ALSO,),
)

_register(
    CATALOG_BY_ID["KW-RBAC-012"],
    title="Subject can exec, attach or port-forward into pods",
    seed_step="Reduce broad human access: who can exec into pods",
    rationale=(
        "exec and attach run code in (or read the terminal of) running containers, which may hold powerful "
        "service-account tokens and Secrets; port-forward reaches ports that are not exposed."
    ),
    remediation="Grant exec for debugging through a time-bound role, in the namespaces needed only.",
    references=(_SEE_ALSO,),
)

_register(
    CATALOG_BY_ID["KW-RBAC-013"],
    title="Subject can add ephemeral containers to running pods",
    rationale=(
        "An ephemeral container joins a running pod with its service-account token and volumes, and may be "
        "privileged where Pod Security allows it."
    ),
    remediation="Limit pods/ephemeralcontainers to a debugging role granted on demand.",
    references=(_SEE_ALSO,),
)

_register(
    CATALOG_BY_ID["KW-RBAC-014"],
    cis=("5.1.10",),
    title="Subject can use the kubelet API through nodes/proxy",
    rationale=(
        "nodes/proxy reaches the kubelet API of every node: commands in any pod on it, all its service-account "
        "tokens included. The kubelet maps GET to get and POST to create, and exec over a WebSocket is a GET, so "
        "get alone is enough."
    ),
    remediation="Grant nodes/metrics or nodes/stats for monitoring instead of nodes/proxy.",
    references=(_SEE_ALSO, "k8s:pkg/kubelet/server/auth.go@04791b49"),
)

_register(
    CATALOG_BY_ID["KW-RBAC-015"],
    cis=("5.1.11",),
    title="Subject can approve certificate signing requests",
    rationale=(
        "Approving CSRs (update on certificatesigningrequests/approval plus approve on the signer) lets the "
        "subject issue client certificates, e.g. for kubernetes.io/kube-apiserver-client with O=system:masters."
    ),
    remediation="Leave CSR approval to the controller-manager and node bootstrap approvers.",
    references=(_SEE_ALSO, "k8s:plugin/pkg/admission/certificates/util.go@11004393"),
)

_register(
    CATALOG_BY_ID["KW-RBAC-016"],
    cis=("5.1.12",),
    title="Subject can write admission webhook configurations",
    rationale=(
        "A mutating webhook sees and rewrites every object it selects — pod specs and Secrets included — and a "
        "validating webhook sees them; removing one disables a policy engine."
    ),
    remediation="Restrict webhook configuration writes to the operators that own them, by resourceNames.",
    references=(_SEE_ALSO,),
)

_register(
    CATALOG_BY_ID["KW-RBAC-017"],
    title="Subject can write ClusterRoles (aggregation-label injection)",
    rationale=(
        "A ClusterRole labelled rbac.authorization.k8s.io/aggregate-to-admin, -edit or -view is folded into "
        "admin, edit or view, so whoever writes ClusterRoles changes what every holder of those roles can do, "
        "in every namespace they are bound in (rbac.md §1.4)."
    ),
    remediation="Manage ClusterRoles from version control with a dedicated identity; nobody else writes them.",
    references=(_SEE_ALSO,),
)
