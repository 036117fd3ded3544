"""Representative requests the linter evaluates with the checker, so every finding is exact for them.

Identities: a person (``jane``, ``system:authenticated``) and a workload service account — the callers an
investigation is about. Verbs are RequestInfo's (exec/attach/portforward arrive as ``create`` over SPDY
and ``get`` over websockets; kubectl proxy to a node is ``get``/``create`` on ``nodes/proxy``).
"""

from kubeward.audit.policy.checker import Request

PERSON = ("jane", ("developers", "system:authenticated"))
WORKLOAD = (
    "system:serviceaccount:apps:builder",
    ("system:serviceaccounts", "system:serviceaccounts:apps", "system:authenticated"),
)
READS = ("get", "list", "watch")
WRITES = ("create", "update", "patch", "delete")
RBAC_KINDS = ("roles", "rolebindings", "clusterroles", "clusterrolebindings")


def _as_callers(**fields: str) -> list[Request]:
    return [Request(user=user, user_groups=groups, **fields) for user, groups in (PERSON, WORKLOAD)]


def sensitive() -> list[Request]:
    """Reads and writes of Secrets and ConfigMaps, and ServiceAccount token requests."""
    out: list[Request] = []
    for resource in ("secrets", "configmaps"):
        for verb in READS + WRITES:
            out += _as_callers(verb=verb, resource=resource, namespace="apps")
    out += _as_callers(verb="create", resource="serviceaccounts", subresource="token", namespace="apps")
    return out


def body_leaks() -> list[tuple[Request, str]]:
    """Requests whose log entry holds secret values, each with the lowest level that writes them.

    Writes of Secrets carry the values in the request body (level Request); reads return them in the
    response (RequestResponse); a TokenRequest returns a fresh token; a TokenReview sends one in.
    """
    out: list[tuple[Request, str]] = []
    for verb in ("create", "update", "patch"):
        out += [(r, "Request") for r in _as_callers(verb=verb, resource="secrets", namespace="apps")]
    for verb in READS:
        out += [(r, "RequestResponse") for r in _as_callers(verb=verb, resource="secrets", namespace="apps")]
    token = _as_callers(verb="create", resource="serviceaccounts", subresource="token", namespace="apps")
    out += [(r, "RequestResponse") for r in token]
    review = _as_callers(verb="create", resource="tokenreviews", group="authentication.k8s.io")
    out += [(r, "Request") for r in review]
    return out


def rbac_changes() -> list[Request]:
    """Writes to every RBAC kind, namespaced and cluster-wide."""
    out: list[Request] = []
    for kind in RBAC_KINDS:
        namespace = "apps" if kind in ("roles", "rolebindings") else ""
        for verb in (*WRITES, "deletecollection"):
            out += _as_callers(verb=verb, resource=kind, group="rbac.authorization.k8s.io", namespace=namespace)
    return out


def remote_access() -> list[Request]:
    """exec, attach, port-forward into pods and the kubelet API through nodes/proxy."""
    out: list[Request] = []
    for sub in ("exec", "attach", "portforward"):
        for verb in ("create", "get"):
            out += _as_callers(verb=verb, resource="pods", subresource=sub, namespace="apps")
    for verb in ("get", "create"):
        out += _as_callers(verb=verb, resource="nodes", subresource="proxy")
    return out


def unauthenticated() -> list[Request]:
    """Requests that fail authentication: the checker sees no user (authn_audit.go)."""
    return [
        Request(verb="list", resource="secrets", namespace="kube-system", user=None),
        Request(verb="get", resource="pods", namespace="apps", user=None),
        Request(verb="get", path="/api", user=None),
    ]


def catch_all() -> list[Request]:
    """Requests no specific rule is likely to name: what the last rule decides."""
    return [
        Request(verb="create", resource="widgets", group="example.com", namespace="apps", user="jane"),
        Request(verb="get", path="/metrics", user="jane"),
    ]


def noise() -> list[Request]:
    """High-volume, low-value system traffic (GCE's production policy drops these)."""
    nodes = ("system:nodes", "system:authenticated")
    proxy = ("system:kube-proxy", ("system:authenticated",))
    return [
        Request(verb="watch", resource="endpointslices", group="discovery.k8s.io", user=proxy[0], user_groups=proxy[1]),
        Request(verb="watch", resource="services", user=proxy[0], user_groups=proxy[1]),
        Request(
            verb="update",
            resource="leases",
            group="coordination.k8s.io",
            namespace="kube-node-lease",
            name="node-1",
            user="system:node:node-1",
            user_groups=nodes,
        ),
        Request(verb="get", path="/healthz", user="system:anonymous", user_groups=("system:unauthenticated",)),
        Request(verb="get", path="/readyz", user="system:anonymous", user_groups=("system:unauthenticated",)),
        Request(verb="get", path="/livez", user="system:anonymous", user_groups=("system:unauthenticated",)),
    ]
