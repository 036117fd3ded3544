"""The escalation graph: which identities a subject can reach, and its shortest way to admin power.

Nodes are the subjects (users, groups, service accounts), a target node "cluster-admin-equivalent
power", and a few collective nodes ("any service account of namespace N", "the service accounts of
the running pods of namespace N") that keep the graph linear in cluster size. Edges (rbac.md §1.6,
§5; issue 4 item 4), each with the grants that make it possible:

- hold ``*`` verbs on ``*`` resources in ``*`` groups cluster-wide → admin power (weight 0); the group
  ``system:masters`` → admin power (it bypasses RBAC);
- create pods, or create/update/patch a pod controller, in N → any service account of N (a pod may
  name any SA of its namespace and gets its token);
- create Secrets in N → any SA of N (a ``kubernetes.io/service-account-token`` Secret is filled in
  by the token controller); create ``serviceaccounts/token`` or ``impersonate serviceaccounts`` → the
  SAs allowed (any, or the named ones);
- read Secrets → the SAs whose legacy token Secrets are readable;
- exec/attach into pods, add ephemeral containers or update pods (their image) in N → the SAs of
  the pods running in N with a token mounted; ``get``/``create`` ``nodes/proxy`` → the kubelet API
  (the kubelet maps GET to ``get`` and POST to ``create`` on ``nodes/proxy``,
  ``k8s:pkg/kubelet/server/auth.go@04791b49``) → the SAs of every token-mounting pod on the nodes;
- impersonate users → those users; impersonate groups (with some user impersonation, which the API
  server requires) → those groups, ``system:masters`` included;
- ``bind`` a role with a cluster-admin-equivalent rule plus create ClusterRoleBindings → admin;
  ``bind`` a pod-creating role plus create RoleBindings in N → any SA of N;
- ``escalate`` plus update/patch of a (Cluster)Role the subject is bound to → admin (cluster) or
  any SA of N (a Role in N): the escalation check is skipped, so the role can be rewritten to ``*``;
- approve CSRs (``update certificatesigningrequests/approval``, ``approve`` on the signer
  ``kubernetes.io/kube-apiserver-client`` or ``kubernetes.io/*``) plus create CSRs → admin (a client
  certificate with ``O=system:masters``; signer checks per
  ``k8s:plugin/pkg/admission/certificates/util.go@11004393``);
- write mutating webhook configurations → admin (every admitted object, pod specs and Secrets
  included, passes through the webhook).

Membership is an edge of weight 0: a service account is in ``system:serviceaccounts[:ns]`` and
``system:authenticated`` and holds what those groups hold. Distances to admin power are computed
once for all nodes with a 0-1 breadth-first search from the target over reversed edges; a
subject's path starts with one of its own grants (paths that exist only through a group are
reported on the group).
"""

from collections import defaultdict, deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from kubeward.rbac.capabilities import (
    WILDCARD,
    WORKLOAD_RESOURCES,
    AtomGrant,
    Holding,
    Holdings,
    atom_key,
    grants_of,
)
from kubeward.rbac.identity import MASTERS
from kubeward.rbac.policy import RbacPolicy
from kubeward.rbac.subjects import SubjectRef, SubjectUniverse

ADMIN = "@admin"
ALL_SAS = "@all-sas"
ALL_POD_SAS = "@all-pod-sas"
MASTERS_REF = SubjectRef("Group", MASTERS)
KUBE_APISERVER_CLIENT_SIGNERS = ("kubernetes.io/kube-apiserver-client", "kubernetes.io/*")

POD_CREATE = (
    atom_key("create", "pods"),
    *(
        atom_key(verb, resource, group)
        for verb in ("create", "update", "patch")
        for group, resource in WORKLOAD_RESOURCES
    ),
)
SECRET_CREATE = (atom_key("create", "secrets"),)
TOKEN_CREATE = atom_key("create", "serviceaccounts", subresource="token")
IMPERSONATE_SA = atom_key("impersonate", "serviceaccounts")
IMPERSONATE_USERS = atom_key("impersonate", "users")
IMPERSONATE_GROUPS = atom_key("impersonate", "groups")
SECRET_READ = tuple(atom_key(verb, "secrets") for verb in ("get", "list", "watch"))
INTO_PODS = (
    atom_key("create", "pods", subresource="exec"),
    atom_key("create", "pods", subresource="attach"),
    atom_key("update", "pods", subresource="ephemeralcontainers"),
    atom_key("patch", "pods", subresource="ephemeralcontainers"),
    atom_key("update", "pods"),
    atom_key("patch", "pods"),
)
NODE_PROXY = (atom_key("get", "nodes", subresource="proxy"), atom_key("create", "nodes", subresource="proxy"))
RBAC = "rbac.authorization.k8s.io"
BIND = (atom_key("bind", "clusterroles", RBAC), atom_key("bind", "roles", RBAC))
CREATE_CRB = atom_key("create", "clusterrolebindings", RBAC)
CREATE_RB = atom_key("create", "rolebindings", RBAC)
ESCALATE_CR = atom_key("escalate", "clusterroles", RBAC)
ESCALATE_R = atom_key("escalate", "roles", RBAC)
UPDATE_CR = (atom_key("update", "clusterroles", RBAC), atom_key("patch", "clusterroles", RBAC))
UPDATE_R = (atom_key("update", "roles", RBAC), atom_key("patch", "roles", RBAC))
CSR_CREATE = atom_key("create", "certificatesigningrequests", "certificates.k8s.io")
CSR_APPROVAL = atom_key("update", "certificatesigningrequests", "certificates.k8s.io", "approval")
SIGNER_APPROVE = atom_key("approve", "signers", "certificates.k8s.io")
MUTATING_WEBHOOKS = tuple(
    atom_key(verb, "mutatingwebhookconfigurations", "admissionregistration.k8s.io")
    for verb in ("create", "update", "patch")
)
ALL_EDGE_ATOMS = (
    WILDCARD,
    *POD_CREATE,
    *SECRET_CREATE,
    TOKEN_CREATE,
    IMPERSONATE_SA,
    IMPERSONATE_USERS,
    IMPERSONATE_GROUPS,
    *SECRET_READ,
    *INTO_PODS,
    *NODE_PROXY,
    *BIND,
    CREATE_CRB,
    CREATE_RB,
    ESCALATE_CR,
    ESCALATE_R,
    *UPDATE_CR,
    *UPDATE_R,
    CSR_CREATE,
    CSR_APPROVAL,
    SIGNER_APPROVE,
    *MUTATING_WEBHOOKS,
)
# Atoms that make a service account worth protecting even without a path to admin power.
POWERFUL_ATOMS = (
    WILDCARD,
    *POD_CREATE,
    *SECRET_CREATE,
    TOKEN_CREATE,
    IMPERSONATE_SA,
    IMPERSONATE_USERS,
    IMPERSONATE_GROUPS,
    *SECRET_READ,
    *INTO_PODS,
    *NODE_PROXY,
    *BIND,
    ESCALATE_CR,
    ESCALATE_R,
    CSR_APPROVAL,
    *MUTATING_WEBHOOKS,
)


def ns_sas(namespace: str) -> str:
    """Node: any service account of ``namespace`` (all namespaces for "")."""
    return f"@ns-sas/{namespace}" if namespace else ALL_SAS


def pod_sas(namespace: str) -> str:
    """Node: the service accounts of token-mounting pods running in ``namespace`` (all for "")."""
    return f"@pod-sas/{namespace}" if namespace else ALL_POD_SAS


@dataclass(frozen=True, slots=True)
class Edge:
    """One step: ``source`` can act as (or reach) ``target``, by ``action``, thanks to ``grants``."""

    source: str
    target: str
    weight: int
    action: str
    grants: tuple[AtomGrant, ...] = ()
    own: bool = True


@dataclass(frozen=True)
class Hop:
    """A step of a path as reports show it: from one identity to the next (or to admin power)."""

    source: str
    target: str
    action: str
    grants: tuple[AtomGrant, ...]


@dataclass(frozen=True)
class EscalationPath:
    """The shortest way from a subject to cluster-admin-equivalent power."""

    subject: SubjectRef
    hops: tuple[Hop, ...]
    length: int  # number of weight-1 steps

    @property
    def builtin(self) -> bool:
        """True when every grant on the path is a built-in (or excluded) one."""
        return all(grant.builtin for hop in self.hops for grant in hop.grants)


@dataclass
class WorkloadFacts:
    """What the graph needs to know about the cluster besides RBAC."""

    service_accounts: Mapping[str, Sequence[str]]  # namespace -> SA names that exist
    pod_accounts: Mapping[str, Iterable[str]]  # namespace -> SAs of token-mounting pods
    node_accounts: Mapping[str, Iterable[tuple[str, str]]]  # node -> (namespace, SA) of its token pods
    token_secrets: Mapping[str, Sequence[tuple[str, str]]]  # namespace -> (secret name, SA name)


@dataclass
class EscalationGraph:
    """Nodes, edges and, after ``solve``, every node's distance to admin power."""

    edges: list[Edge] = field(default_factory=list)
    own: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    reverse: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    distance: dict[str, int] = field(default_factory=dict)
    next_edge: dict[str, int] = field(default_factory=dict)
    _seen: set[tuple[str, str]] = field(default_factory=set)

    def add(self, edge: Edge) -> None:
        """Add an edge; the first edge between two nodes wins (its evidence is kept)."""
        pair = (edge.source, edge.target)
        if pair in self._seen:
            return
        self._seen.add(pair)
        index = len(self.edges)
        self.edges.append(edge)
        self.reverse[edge.target].append(index)
        if edge.own:
            self.own[edge.source].append(index)

    def solve(self) -> None:
        """0-1 BFS from the admin node over reversed edges: distance and next step of every node."""
        distance = {ADMIN: 0}
        next_edge: dict[str, int] = {}
        queue: deque[str] = deque([ADMIN])
        done: set[str] = set()
        while queue:
            node = queue.popleft()
            if node in done:
                continue
            done.add(node)
            base = distance[node]
            for index in self.reverse.get(node, ()):
                edge = self.edges[index]
                candidate = base + edge.weight
                if candidate < distance.get(edge.source, candidate + 1):
                    distance[edge.source] = candidate
                    next_edge[edge.source] = index
                    if edge.weight == 0:
                        queue.appendleft(edge.source)
                    else:
                        queue.append(edge.source)
        self.distance = distance
        self.next_edge = next_edge

    def path_from(self, node: str) -> list[Edge]:
        """The edges of the shortest path from ``node`` to admin power (empty if none)."""
        path: list[Edge] = []
        while node != ADMIN and node in self.next_edge:
            edge = self.edges[self.next_edge[node]]
            path.append(edge)
            node = edge.target
        return path


class EscalationBuilder:
    """Builds the graph from holdings, the subject universe and workload facts."""

    def __init__(self, policy: RbacPolicy, holdings: Holdings, universe: SubjectUniverse, facts: WorkloadFacts) -> None:
        self.policy = policy
        self.holdings = holdings
        self.universe = universe
        self.facts = facts
        self.graph = EscalationGraph()
        self.users = [ref for ref in universe.refs if ref.kind == "User"]
        self.groups = [ref for ref in universe.refs if ref.kind == "Group"]
        profiles = holdings.profiles
        self.admin_cluster_roles = frozenset(
            name for name, role in policy.cluster_roles.items() if WILDCARD in profiles.of_role(role)
        )
        self._pod_roles_by_namespace: dict[str, frozenset[str]] | None = None
        self.pod_cluster_roles = frozenset(
            name
            for name, role in policy.cluster_roles.items()
            if any(key in profiles.of_role(role) for key in POD_CREATE)
        )

    def build(self) -> EscalationGraph:
        """Add every edge, then solve distances."""
        graph = self.graph
        graph.add(Edge(MASTERS_REF.key(), ADMIN, 0, f"member of {MASTERS}: the API server allows everything"))
        for ref in self.universe.refs:
            self._membership(ref)
            self._subject_edges(ref)
        self._collective_edges()
        graph.solve()
        return graph

    # --- membership and collective nodes ------------------------------------------------------------

    def _membership(self, ref: SubjectRef) -> None:
        identity = self.universe.identities[ref]
        node = ref.key()
        for group in sorted(identity.groups):
            group_ref = SubjectRef("Group", group)
            if group_ref == ref or (group_ref not in self.holdings.by_subject and group_ref != MASTERS_REF):
                continue
            self.graph.add(Edge(node, group_ref.key(), 0, f"member of Group {group}", own=False))

    def _collective_edges(self) -> None:
        graph = self.graph
        facts = self.facts
        for namespace, names in sorted(facts.service_accounts.items()):
            graph.add(Edge(ALL_SAS, ns_sas(namespace), 0, "", own=False))
            for name in names:
                target = SubjectRef("ServiceAccount", name, namespace).key()
                graph.add(Edge(ns_sas(namespace), target, 0, "", own=False))
        for namespace, accounts in sorted(facts.pod_accounts.items()):
            graph.add(Edge(ALL_POD_SAS, pod_sas(namespace), 0, "", own=False))
            for name in sorted(set(accounts)):
                target = SubjectRef("ServiceAccount", name, namespace).key()
                graph.add(Edge(pod_sas(namespace), target, 0, "", own=False))

    # --- a subject's own edges ----------------------------------------------------------------------

    def _effective(self, ref: SubjectRef) -> list[Holding]:
        """The subject's holdings plus those of the groups its identity is in (for combinations)."""
        own = list(self.holdings.by_subject.get(ref, ()))
        for group in self.universe.identities[ref].groups:
            group_ref = SubjectRef("Group", group)
            if group_ref != ref:
                own.extend(self.holdings.by_subject.get(group_ref, ()))
        return own

    def _subject_edges(self, ref: SubjectRef) -> None:
        own_holdings = self.holdings.by_subject.get(ref, ())
        if not own_holdings:
            return
        node = ref.key()
        add = self.graph.add
        by_atom: dict[str, list[AtomGrant]] = defaultdict(list)
        for holding in own_holdings:
            for grant in grants_of(holding, ALL_EDGE_ATOMS):
                by_atom[grant.atom].append(grant)
        for grant in by_atom.get(WILDCARD, ()):
            if not grant.scope:
                add(Edge(node, ADMIN, 0, "holds * on * in every API group cluster-wide", (grant,)))
        for key in POD_CREATE:
            for grant in by_atom.get(key, ()):
                verb = key.split(" ", 1)[0]
                what = "pods" if key == POD_CREATE[0] else f"pod controllers ({verb} {key.split(' ', 1)[1]})"
                add(
                    Edge(
                        node,
                        ns_sas(grant.scope),
                        1,
                        f"{verb if what == 'pods' else 'write'} {what} {grant.scope_text()}: run a pod as any "
                        "service account there",
                        (grant,),
                    )
                )
        for grant in by_atom.get(SECRET_CREATE[0], ()):
            add(
                Edge(
                    node,
                    ns_sas(grant.scope),
                    1,
                    f"create Secrets {grant.scope_text()}: mint a service-account token Secret for any service "
                    "account there",
                    (grant,),
                )
            )
        for key, verb in ((TOKEN_CREATE, "request tokens for"), (IMPERSONATE_SA, "impersonate")):
            for grant in by_atom.get(key, ()):
                self._to_service_accounts(node, grant, verb)
        for key in SECRET_READ:
            for grant in by_atom.get(key, ()):
                self._to_token_secrets(node, grant)
        for key in INTO_PODS:
            for grant in by_atom.get(key, ()):
                add(
                    Edge(
                        node,
                        pod_sas(grant.scope),
                        1,
                        f"{key} {grant.scope_text()}: run code in pods that mount service-account tokens",
                        (grant,),
                    )
                )
        for key in NODE_PROXY:
            for grant in by_atom.get(key, ()):
                self._to_kubelets(node, grant)
        for grant in by_atom.get(IMPERSONATE_USERS, ()):
            for user in self.users:
                if grant.names is None or user.name in grant.names:
                    add(Edge(node, user.key(), 1, f"impersonate User {user.name}", (grant,)))
        self._impersonate_groups(ref, node, by_atom)
        self._bind(ref, node, by_atom)
        self._escalate(ref, node, by_atom)
        self._csr(ref, node, by_atom)
        for key in MUTATING_WEBHOOKS:
            for grant in by_atom.get(key, ()):
                add(
                    Edge(
                        node,
                        ADMIN,
                        1,
                        f"{key}: every admitted object (pod specs, Secrets) passes through its webhook",
                        (grant,),
                    )
                )

    def _to_service_accounts(self, node: str, grant: AtomGrant, verb: str) -> None:
        if grant.names is None:
            self.graph.add(
                Edge(node, ns_sas(grant.scope), 1, f"{verb} any service account {grant.scope_text()}", (grant,))
            )
            return
        namespaces = [grant.scope] if grant.scope else sorted(self.facts.service_accounts)
        for namespace in namespaces:
            for name in sorted(grant.names):
                target = SubjectRef("ServiceAccount", name, namespace)
                if target in self.universe.identities:
                    self.graph.add(Edge(node, target.key(), 1, f"{verb} ServiceAccount {namespace}/{name}", (grant,)))

    def _to_token_secrets(self, node: str, grant: AtomGrant) -> None:
        verb = grant.atom.split(" ", 1)[0]
        namespaces = [grant.scope] if grant.scope else sorted(self.facts.token_secrets)
        for namespace in namespaces:
            for secret, account in self.facts.token_secrets.get(namespace, ()):
                if grant.names is not None and secret not in grant.names:
                    continue
                target = SubjectRef("ServiceAccount", account, namespace).key()
                self.graph.add(Edge(node, target, 1, f"{verb} the legacy token Secret {namespace}/{secret}", (grant,)))

    def _to_kubelets(self, node: str, grant: AtomGrant) -> None:
        if grant.names is None:
            self.graph.add(
                Edge(
                    node,
                    ALL_POD_SAS,
                    1,
                    f"{grant.atom} cluster-wide: the kubelet API runs commands in every pod of every node",
                    (grant,),
                )
            )
            return
        for node_name in sorted(grant.names):
            for namespace, account in sorted(set(self.facts.node_accounts.get(node_name, ()))):
                target = SubjectRef("ServiceAccount", account, namespace).key()
                self.graph.add(
                    Edge(node, target, 1, f"{grant.atom} on node {node_name}: commands in its pods", (grant,))
                )

    def _impersonate_groups(self, ref: SubjectRef, node: str, by_atom: dict[str, list[AtomGrant]]) -> None:
        group_grants = by_atom.get(IMPERSONATE_GROUPS, [])
        if not group_grants:
            return
        # Impersonating groups needs a user to impersonate as well (impersonation.go refuses groups
        # without a user); any user grant will do, the subject's own or through its groups.
        user_grants = [g for h in self._effective(ref) for g in grants_of(h, (IMPERSONATE_USERS,))]
        if not user_grants:
            return
        targets = [MASTERS_REF, *self.groups]
        for grant in group_grants:
            for group in targets:
                if grant.names is None or group.name in grant.names:
                    self.graph.add(
                        Edge(
                            node,
                            group.key(),
                            1,
                            f"impersonate Group {group.name} (with User impersonation)",
                            (grant, user_grants[0]),
                        )
                    )

    def _bind(self, ref: SubjectRef, node: str, by_atom: dict[str, list[AtomGrant]]) -> None:
        binds = by_atom.get(BIND[0], []) + by_atom.get(BIND[1], [])
        if not binds:
            return
        effective = self._effective(ref)
        creates_crb = [g for h in effective for g in grants_of(h, (CREATE_CRB,)) if g.names is None]
        creates_rb = [g for h in effective for g in grants_of(h, (CREATE_RB,)) if g.names is None]
        for bind in binds:
            cluster_role = bind.atom == BIND[0]
            if cluster_role and not bind.scope and creates_crb:
                admin_roles = _bindable(self.admin_cluster_roles, bind.names)
                if admin_roles:
                    self.graph.add(
                        Edge(
                            node,
                            ADMIN,
                            1,
                            f"bind ClusterRole {admin_roles[0]} to itself with a new ClusterRoleBinding",
                            (bind, creates_crb[0]),
                        )
                    )
                    continue
            for create in creates_rb:
                namespace = create.scope or bind.scope
                if bind.scope and create.scope and bind.scope != create.scope:
                    continue
                if not cluster_role and not namespace:
                    # Roles are looked up in the binding's namespace: one edge per namespace that has a
                    # pod-creating Role the subject may bind.
                    for ns in sorted(self._pod_roles_by_namespace_map()):
                        self._bind_edge(node, ns, _bindable(self._pod_roles(ns), bind.names), False, bind, create)
                    continue
                if cluster_role:
                    roles = _bindable(self.pod_cluster_roles | self.admin_cluster_roles, bind.names)
                else:
                    roles = _bindable(self._pod_roles(namespace), bind.names)
                self._bind_edge(node, namespace, roles, cluster_role, bind, create)

    def _bind_edge(
        self, node: str, namespace: str, roles: list[str], cluster_role: bool, bind: AtomGrant, create: AtomGrant
    ) -> None:
        if roles:
            self.graph.add(
                Edge(
                    node,
                    ns_sas(namespace),
                    1,
                    f"bind {'ClusterRole' if cluster_role else 'Role'} {roles[0]} with a new RoleBinding "
                    f"{'in namespace ' + namespace if namespace else 'in any namespace'}, then run pods "
                    "as its service accounts",
                    (bind, create),
                )
            )

    def _pod_roles_by_namespace_map(self) -> dict[str, frozenset[str]]:
        """Namespace -> names of its Roles that grant pod creation (computed once)."""
        if self._pod_roles_by_namespace is None:
            profiles = self.holdings.profiles
            found: dict[str, set[str]] = defaultdict(set)
            for (ns, name), role in self.policy.roles.items():
                if any(key in profiles.of_role(role) for key in POD_CREATE):
                    found[ns].add(name)
            self._pod_roles_by_namespace = {ns: frozenset(names) for ns, names in found.items()}
        return self._pod_roles_by_namespace

    def _pod_roles(self, namespace: str) -> frozenset[str]:
        return self._pod_roles_by_namespace_map().get(namespace, frozenset())

    def _escalate(self, ref: SubjectRef, node: str, by_atom: dict[str, list[AtomGrant]]) -> None:
        escalates = by_atom.get(ESCALATE_CR, []) + by_atom.get(ESCALATE_R, [])
        if not escalates:
            return
        effective = self._effective(ref)
        for escalate in escalates:
            cluster_role = escalate.atom == ESCALATE_CR
            updates = [g for h in effective for g in grants_of(h, UPDATE_CR if cluster_role else UPDATE_R)]
            for holding in effective:
                bound = holding.binding
                role = bound.role
                if role is None or role.kind != ("ClusterRole" if cluster_role else "Role"):
                    continue
                if cluster_role and (not bound.cluster or escalate.scope):
                    continue
                namespace = bound.namespace
                if not cluster_role and escalate.scope not in ("", namespace):
                    continue
                if escalate.names is not None and role.name not in escalate.names:
                    continue
                update = next(
                    (
                        u
                        for u in updates
                        if (u.names is None or role.name in u.names) and (cluster_role or u.scope in ("", namespace))
                    ),
                    None,
                )
                if update is None:
                    continue
                target = ADMIN if cluster_role else ns_sas(namespace)
                self.graph.add(
                    Edge(
                        node,
                        target,
                        1,
                        f"escalate: rewrite {role.key()}, which is bound to it, to grant anything",
                        (escalate, update),
                    )
                )
                break

    def _csr(self, ref: SubjectRef, node: str, by_atom: dict[str, list[AtomGrant]]) -> None:
        approvals = [g for g in by_atom.get(CSR_APPROVAL, []) if not g.scope]
        signers = [
            g
            for g in by_atom.get(SIGNER_APPROVE, [])
            if not g.scope and (g.names is None or any(s in g.names for s in KUBE_APISERVER_CLIENT_SIGNERS))
        ]
        if not approvals and not signers:
            return
        effective = self._effective(ref)
        if not approvals:
            approvals = [g for h in effective for g in grants_of(h, (CSR_APPROVAL,)) if not g.scope]
        if not signers:
            signers = [
                g
                for h in effective
                for g in grants_of(h, (SIGNER_APPROVE,))
                if not g.scope and (g.names is None or any(s in g.names for s in KUBE_APISERVER_CLIENT_SIGNERS))
            ]
        creates = [g for h in effective for g in grants_of(h, (CSR_CREATE,)) if not g.scope and g.names is None]
        if approvals and signers and creates:
            self.graph.add(
                Edge(
                    node,
                    ADMIN,
                    1,
                    "create and approve a CSR for signer kubernetes.io/kube-apiserver-client with O=system:masters",
                    (approvals[0], signers[0], creates[0]),
                )
            )


def _bindable(roles: Iterable[str], names: frozenset[str] | None) -> list[str]:
    """The roles a ``bind`` grant restricted to ``names`` (None: any) lets the subject bind."""
    return sorted(roles) if names is None else sorted(set(roles) & names)


def display_hops(path: Sequence[Edge], labels: Mapping[str, str]) -> tuple[Hop, ...]:
    """Collapse collective nodes: each hop goes from an identity to the next identity or to admin."""
    hops: list[Hop] = []
    for edge in path:
        if edge.source.startswith("@"):
            if hops:  # a collective node resolved to the identity reached: retarget the previous hop
                last = hops[-1]
                hops[-1] = Hop(last.source, labels.get(edge.target, edge.target), last.action, last.grants)
            continue
        target = "cluster-admin-equivalent power" if edge.target == ADMIN else labels.get(edge.target, edge.target)
        hops.append(Hop(labels.get(edge.source, edge.source), target, edge.action, edge.grants))
    return tuple(hops)
