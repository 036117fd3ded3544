"""The forensic questions, each defined once over the normalized event: ``kubeward audit rules`` lists them,
``kubeward audit hunt`` answers them, and the live sink will evaluate the same predicates.

Semantics follow the apiserver (kubernetes v1.35): ``pkg/endpoints/filters/authn_audit.go`` (a failed
authentication is logged once, at ``ResponseStarted``, with ``user: {}`` and code 401),
``pkg/endpoints/filters/authorization.go`` (``authorization.k8s.io/decision: forbid`` on 403s),
``pkg/endpoints/request/requestinfo.go`` (verbs; exec/attach/portforward arrive as ``create`` or, over
websockets, ``get``). A predicate looks at one stage of one request; the hunt joins stages on ``auditID``
so a request counts once.
"""

from collections.abc import Callable
from dataclasses import dataclass

from kubeward.audit.events.model import Event
from kubeward.audit.events.prefilter import Hint, resource
from kubeward.audit.events.workload import bound_role, pod_spec, privileges
from kubeward.checks.rule import Severity

READ_VERBS = frozenset({"get", "list", "watch"})
WRITE_VERBS = frozenset({"create", "update", "patch", "delete", "deletecollection"})
RBAC_RESOURCES = frozenset({"roles", "clusterroles", "rolebindings", "clusterrolebindings"})
WEBHOOK_RESOURCES = frozenset(
    {
        "mutatingwebhookconfigurations",
        "validatingwebhookconfigurations",
        "validatingadmissionpolicies",
        "validatingadmissionpolicybindings",
        "mutatingadmissionpolicies",
        "mutatingadmissionpolicybindings",
    }
)
WORKLOAD_RESOURCES = frozenset(
    {
        "pods",
        "deployments",
        "daemonsets",
        "statefulsets",
        "replicasets",
        "jobs",
        "cronjobs",
        "replicationcontrollers",
        "podtemplates",
    }
)
PSA_VIOLATIONS = "pod-security.kubernetes.io/audit-violations"
DECISION = "authorization.k8s.io/decision"
ANONYMOUS = "system:anonymous"
NODE_PREFIX = "system:node:"


@dataclass(frozen=True)
class Detection:
    """One question asked of the audit log."""

    id: str
    title: str
    severity: Severity
    question: str
    rationale: str
    matches: Callable[[Event], bool]
    resources: frozenset[str] | None = None
    """The only ``objectRef.resource`` values the predicate can match; None = any request. Lets the hunt skip
    the predicate for the bulk of traffic (leases, configmaps, events) without changing any answer."""
    hints: tuple[Hint, ...] | None = None
    """What every stage line of every request the predicate can match holds, as the API server writes it —
    for the byte prefilter (:mod:`~kubeward.audit.events.prefilter`); None: no prefilter can serve it."""


def _succeeded(event: Event) -> bool:
    """Not failed: 0 (no response yet, ``RequestReceived``) or below 400 (101 for exec/attach/portforward)."""
    return event.code < 400


def _ref(event: Event, group: str, resources: frozenset[str], verbs: frozenset[str]) -> bool:
    ref = event.objectRef
    return (
        ref is not None
        and ref.apiGroup == group
        and ref.resource in resources
        and not ref.subresource
        and event.verb in verbs
        and _succeeded(event)
    )


_SECRETS = frozenset({"secrets"})


def secret_read(event: Event) -> bool:
    """get/list/watch of Secrets that did not fail; list and watch return every Secret's content.
    Kubelets (``system:node:*``) read the Secrets their pods mount and are left out.
    """
    return _ref(event, "", _SECRETS, READ_VERBS) and not event.user.username.startswith(NODE_PREFIX)


def secret_write(event: Event) -> bool:
    """Any write to Secrets that did not fail."""
    return _ref(event, "", _SECRETS, WRITE_VERBS)


def rbac_change(event: Event) -> bool:
    """Any write to roles and bindings that did not fail."""
    return _ref(event, "rbac.authorization.k8s.io", RBAC_RESOURCES, WRITE_VERBS)


_BINDINGS = frozenset({"rolebindings", "clusterrolebindings"})
_BIND_VERBS = frozenset({"create", "update"})


def cluster_admin_binding(event: Event) -> bool:
    """A binding created or replaced whose logged body grants ``cluster-admin`` (needs level Request)."""
    if not _ref(event, "rbac.authorization.k8s.io", _BINDINGS, _BIND_VERBS) or event.body is None:
        return False
    role = bound_role(event.body)
    return role is not None and role.kind == "ClusterRole" and role.name == "cluster-admin"


_STREAMS = {"pods": frozenset({"exec", "attach", "portforward"}), "nodes": frozenset({"proxy"})}


def exec_attach_portforward(event: Event) -> bool:
    """pods/exec, pods/attach, pods/portforward and nodes/proxy (the kubelet API) that were not refused."""
    ref = event.objectRef
    return (
        ref is not None
        and ref.apiGroup == ""
        and ref.subresource in _STREAMS.get(ref.resource, ())
        and _succeeded(event)
    )


_POD_WRITES = frozenset({"create", "update"})


def workload_privileges(event: Event) -> list[str]:
    """Why a workload request is privileged or policy-violating: the PodSecurity audit annotation (set at
    Metadata level too) and, where the body was logged, host namespaces, privileged containers, dangerous
    capabilities and hostPath volumes.
    """
    reasons = []
    violations = event.annotations.get(PSA_VIOLATIONS)
    if violations:
        reasons.append(violations)
    ref = event.objectRef
    if ref is None or ref.subresource or ref.resource not in WORKLOAD_RESOURCES or event.verb not in _POD_WRITES:
        return reasons
    body = event.body
    spec = pod_spec(ref.resource, body) if body is not None else None
    if spec is not None:
        reasons.extend(privileges(spec))
    return reasons


def privileged_workload(event: Event) -> bool:
    """A workload created or replaced with host access or PodSecurity violations, admitted or not."""
    return bool(workload_privileges(event))


def failed_authn(event: Event) -> bool:
    """A 401: logged only at ``ResponseStarted`` with an empty user — never filter on ResponseComplete."""
    return event.code == 401


def authz_denial(event: Event) -> bool:
    """The authorizer said no (403 carrying ``authorization.k8s.io/decision: forbid``)."""
    return event.annotations.get(DECISION) == "forbid"


PUBLIC_INFO_PATHS = frozenset({"/healthz", "/livez", "/readyz", "/version", "/version/"})
"""What the default ClusterRole ``system:public-info-viewer`` lets unauthenticated callers get (bootstrap policy):
load balancers and probes read these by design, so they are not what this question is after."""
_PUBLIC_PATHS = frozenset(path.encode() for path in PUBLIC_INFO_PATHS)


def anonymous_allowed(event: Event) -> bool:
    """``system:anonymous`` got through (the request did not fail), other than the public health and version
    endpoints that the default RBAC opens to everyone.
    """
    if event.user.username != ANONYMOUS or not _succeeded(event):
        return False
    return event.objectRef is not None or event.requestURI.partition("?")[0] not in PUBLIC_INFO_PATHS


def impersonation(event: Event) -> bool:
    """The caller acted as someone else (``Impersonate-*`` headers); ``user`` stays the real caller."""
    return event.impersonatedUser is not None and bool(event.impersonatedUser.username or event.impersonatedUser.groups)


def token_request(event: Event) -> bool:
    """TokenRequest (create serviceaccounts/token) by anyone but a kubelet (which mints every projected token)."""
    ref = event.objectRef
    return (
        ref is not None
        and ref.resource == "serviceaccounts"
        and ref.subresource == "token"
        and event.verb == "create"
        and _succeeded(event)
        and not event.user.username.startswith(NODE_PREFIX)
    )


def csr_approval(event: Event) -> bool:
    """A write to certificatesigningrequests/approval: someone approved (or denied) a client certificate."""
    ref = event.objectRef
    return (
        ref is not None
        and ref.apiGroup == "certificates.k8s.io"
        and ref.resource == "certificatesigningrequests"
        and ref.subresource == "approval"
        and event.verb in ("update", "patch")
        and _succeeded(event)
    )


def webhook_change(event: Event) -> bool:
    """A write to admission webhook configurations or admission policies that did not fail."""
    return _ref(event, "admissionregistration.k8s.io", WEBHOOK_RESOURCES, WRITE_VERBS)


DETECTIONS: tuple[Detection, ...] = (
    Detection(
        "secret-reads",
        "Secret reads",
        Severity.HIGH,
        "Who read Secrets?",
        "get/list/watch on secrets; list and watch return every Secret's content in the namespace (or cluster).",
        secret_read,
        _SECRETS,
        hints=(resource("secrets", READ_VERBS, not_user_prefix=NODE_PREFIX),),
    ),
    Detection(
        "secret-writes",
        "Secret writes",
        Severity.MEDIUM,
        "Who created, changed or deleted Secrets?",
        "Writing a Secret can plant credentials or break workloads that mount it.",
        secret_write,
        _SECRETS,
        hints=(resource("secrets", WRITE_VERBS),),
    ),
    Detection(
        "rbac-changes",
        "RBAC changes",
        Severity.HIGH,
        "Who changed RBAC?",
        "Roles and bindings decide who can do what; every change is a possible escalation.",
        rbac_change,
        RBAC_RESOURCES,
        hints=tuple(resource(r, WRITE_VERBS) for r in sorted(RBAC_RESOURCES)),
    ),
    Detection(
        "cluster-admin-bindings",
        "cluster-admin bindings",
        Severity.CRITICAL,
        "Who granted cluster-admin?",
        "A binding to cluster-admin gives full control of the cluster (needs the body: level Request).",
        cluster_admin_binding,
        _BINDINGS,
        hints=tuple(resource(r, _BIND_VERBS) for r in sorted(_BINDINGS)),
    ),
    Detection(
        "exec-attach-portforward",
        "exec, attach, port-forward and node proxy",
        Severity.HIGH,
        "Who used exec, attach, port-forward or nodes/proxy?",
        "Interactive access inside a container or to the kubelet API bypasses the workload's own controls.",
        exec_attach_portforward,
        frozenset(_STREAMS),
        hints=tuple(resource(r, subresources=subs) for r, subs in sorted(_STREAMS.items())),
    ),
    Detection(
        "privileged-workloads",
        "Privileged or policy-violating workloads",
        Severity.HIGH,
        "Who created a privileged or policy-violating workload?",
        "Host namespaces, privileged containers, dangerous capabilities and hostPath give a path to the node; "
        "PodSecurity's audit-violations annotation flags them at Metadata level.",
        privileged_workload,
        hints=(
            *(resource(r, _POD_WRITES, needs_body=True) for r in sorted(WORKLOAD_RESOURCES)),
            Hint(b'"pod-security.kubernetes.io/audit-violations"'),
        ),
    ),
    Detection(
        "failed-authn",
        "Failed authentication",
        Severity.MEDIUM,
        "Who failed to authenticate?",
        "Repeated 401s are credential guessing or stale credentials; they are logged at ResponseStarted only.",
        failed_authn,
        hints=(Hint(b'"code":401'),),
    ),
    Detection(
        "authz-denials",
        "Authorization denials",
        Severity.LOW,
        "Who was refused by the authorizer?",
        "403s show identities probing beyond their permissions.",
        authz_denial,
        hints=(Hint(b'"authorization.k8s.io/decision":"forbid"'),),
    ),
    Detection(
        "anonymous-allowed",
        "Anonymous requests allowed",
        Severity.HIGH,
        "What did unauthenticated callers get?",
        "system:anonymous requests that succeeded show what the API serves to anyone who can reach it.",
        anonymous_allowed,
        hints=(Hint(b'"username":"system:anonymous"', not_paths=_PUBLIC_PATHS),),
    ),
    Detection(
        "impersonation",
        "Impersonation",
        Severity.MEDIUM,
        "Who acted as someone else?",
        "Impersonation lends another identity's permissions; the real caller is in user.",
        impersonation,
        hints=(Hint(b'"impersonatedUser":'),),
    ),
    Detection(
        "token-requests",
        "Service-account token requests",
        Severity.MEDIUM,
        "Who minted service-account tokens?",
        "A TokenRequest by anyone but a kubelet mints a credential for that service account.",
        token_request,
        frozenset({"serviceaccounts"}),
        hints=(resource("serviceaccounts", {"create"}, {"token"}, NODE_PREFIX),),
    ),
    Detection(
        "csr-approvals",
        "CSR approvals",
        Severity.HIGH,
        "Who approved certificate signing requests?",
        "An approved CSR is a client certificate the cluster trusts until it expires; it cannot be revoked.",
        csr_approval,
        frozenset({"certificatesigningrequests"}),
        hints=(resource("certificatesigningrequests", subresources={"approval"}),),
    ),
    Detection(
        "webhook-changes",
        "Admission webhook changes",
        Severity.HIGH,
        "Who changed admission webhooks or policies?",
        "Admission webhooks see and can rewrite every object they match, Secrets included.",
        webhook_change,
        WEBHOOK_RESOURCES,
        hints=tuple(resource(r, WRITE_VERBS) for r in sorted(WEBHOOK_RESOURCES)),
    ),
)

BY_ID = {detection.id: detection for detection in DETECTIONS}
