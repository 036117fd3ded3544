"""Everything the RBAC engine computes for one Inventory, each part lazily and once.

``Analysis.rbac`` holds one of these, so every rule, the access review and the ``rbac`` commands
share the same index: a scan that runs no RBAC rule never builds it, and one that runs all of them
builds it once.
"""

from collections import defaultdict
from functools import cached_property

from kubeward.inventory.model import Inventory
from kubeward.inventory.objects import PolicyRule, ServiceAccount
from kubeward.rbac.builtin import Exclusion
from kubeward.rbac.capabilities import Holding, Holdings, grants_of
from kubeward.rbac.covers import covers
from kubeward.rbac.escalation import (
    ADMIN,
    MASTERS_REF,
    POWERFUL_ATOMS,
    EscalationBuilder,
    EscalationGraph,
    EscalationPath,
    WorkloadFacts,
    display_hops,
)
from kubeward.rbac.identity import AUTHENTICATED, service_account_identity
from kubeward.rbac.index import RbacIndex
from kubeward.rbac.policy import RBAC_PARTS, RbacPolicy
from kubeward.rbac.subjects import SubjectRef, SubjectUniverse

SA_NAME_ANNOTATION = "kubernetes.io/service-account.name"


class RbacAnalysis:
    """The policy, its index, every subject's holdings and the escalation graph of one Inventory."""

    def __init__(self, inventory: Inventory, exclusions: tuple[Exclusion, ...] = ()) -> None:
        self.inventory = inventory
        self.exclusions = exclusions

    @cached_property
    def policy(self) -> RbacPolicy:
        """Roles (aggregation computed) and bindings, resolved."""
        return RbacPolicy.from_inventory(self.inventory)

    @cached_property
    def index(self) -> RbacIndex:
        """The can-i / who-can engine."""
        return RbacIndex(self.policy)

    @cached_property
    def universe(self) -> SubjectUniverse:
        """Every subject of a binding and every ServiceAccount."""
        return SubjectUniverse(self.policy.bindings, self.inventory.service_accounts)

    @cached_property
    def holdings(self) -> Holdings:
        """What each subject's own bindings grant, atom by atom."""
        return Holdings(self.policy, self.exclusions)

    @cached_property
    def accounts(self) -> dict[tuple[str, str], ServiceAccount]:
        """ServiceAccount objects by (namespace, name)."""
        return {(sa.namespace, sa.name): sa for sa in self.inventory.service_accounts}

    @property
    def available(self) -> bool:
        """True when at least one RBAC part was collected (else there is nothing to analyse)."""
        return any(self.inventory.coverage(part).ok for part in RBAC_PARTS)

    @cached_property
    def workload_facts(self) -> WorkloadFacts:
        """Service accounts, the pods that mount their tokens, and legacy token Secrets."""
        # Imported here: the check module owns these helpers, and importing it at module level would
        # tie the engine's import to the rule registry.
        from kubeward.checks.workload_tokens import pod_specs, token_mounted

        inventory = self.inventory
        accounts: dict[str, list[str]] = defaultdict(list)
        if inventory.coverage("serviceaccounts").ok:
            for account in inventory.service_accounts:
                accounts[account.namespace].append(account.name)
        else:
            for ref in self.universe.refs:
                if ref.kind == "ServiceAccount":
                    accounts[ref.namespace].append(ref.name)
        by_key = self.accounts
        pod_accounts: dict[str, set[str]] = defaultdict(set)
        for owner, spec in pod_specs(inventory.pods, inventory.workloads):
            name = spec.service_account
            if token_mounted(spec, by_key.get((owner.namespace, name)))[0]:
                pod_accounts[owner.namespace].add(name)
        node_accounts: dict[str, set[tuple[str, str]]] = defaultdict(set)
        for pod in inventory.pods:
            name = pod.spec.service_account
            if not pod.spec.nodeName or pod.is_mirror:
                continue
            if token_mounted(pod.spec, by_key.get((pod.namespace, name)))[0]:
                node_accounts[pod.spec.nodeName].add((pod.namespace, name))
        token_secrets: dict[str, list[tuple[str, str]]] = defaultdict(list)
        for secret in inventory.secrets:
            owner_name = secret.metadata.annotations.get(SA_NAME_ANNOTATION, "")
            if secret.is_service_account_token and owner_name:
                token_secrets[secret.namespace].append((secret.name, owner_name))
        return WorkloadFacts(
            service_accounts=dict(accounts),
            pod_accounts=dict(pod_accounts),
            node_accounts=dict(node_accounts),
            token_secrets=dict(token_secrets),
        )

    @cached_property
    def graph(self) -> EscalationGraph:
        """The escalation graph with every node's distance to cluster-admin-equivalent power."""
        return EscalationBuilder(self.policy, self.holdings, self.universe, self.workload_facts).build()

    @cached_property
    def labels(self) -> dict[str, str]:
        """Node key → text for reports."""
        labels = {ref.key(): ref.text() for ref in self.universe.refs}
        labels[MASTERS_REF.key()] = MASTERS_REF.text()
        labels[ADMIN] = "cluster-admin-equivalent power"
        return labels

    def is_admin(self, ref: SubjectRef) -> bool:
        """Holds cluster-admin-equivalent power already (itself or through a group)."""
        return self.graph.distance.get(ref.key()) == 0

    def escalation_path(self, ref: SubjectRef) -> EscalationPath | None:
        """The shortest path to admin power that starts with one of the subject's own grants.

        None for admins (nothing to escalate to) and for subjects without such a path.
        """
        graph = self.graph
        node = ref.key()
        if graph.distance.get(node) == 0:
            return None
        best: tuple[int, int] | None = None
        for index in graph.own.get(node, ()):
            edge = graph.edges[index]
            remaining = graph.distance.get(edge.target)
            if remaining is None:
                continue
            total = edge.weight + remaining
            if best is None or total < best[0]:
                best = (total, index)
        if best is None:
            return None
        first = graph.edges[best[1]]
        edges = [first, *graph.path_from(first.target)]
        return EscalationPath(ref, display_hops(edges, self.labels), best[0])

    def inherited_from(self, ref: SubjectRef) -> str:
        """The group through which a subject without an own path still reaches admin power, or ""."""
        graph = self.graph
        node = ref.key()
        distance = graph.distance.get(node)
        if distance is None or distance == 0 or node not in graph.next_edge:
            return ""
        edge = graph.edges[graph.next_edge[node]]
        return self.labels.get(edge.target, edge.target) if not edge.own else ""

    # --- service accounts in pods ---------------------------------------------------------------------

    def _service_account_holdings(self, ref: SubjectRef, *, with_authenticated: bool) -> list[Holding]:
        """Holdings that apply to a service account: its own, by username, and of its groups."""
        identity = service_account_identity(ref.namespace, ref.name)
        refs = [ref, SubjectRef("User", identity.name)]
        refs += [SubjectRef("Group", g) for g in sorted(identity.groups) if with_authenticated or g != AUTHENTICATED]
        by_subject = self.holdings.by_subject
        return [holding for r in refs for holding in by_subject.get(r, ())]

    @cached_property
    def _authenticated_rules(self) -> dict[str, list[PolicyRule]]:
        """Rules every authenticated identity holds: by scope ("" = cluster-wide, else the namespace)."""
        rules: dict[str, list[PolicyRule]] = defaultdict(list)
        for holding in self.holdings.by_subject.get(SubjectRef("Group", AUTHENTICATED), ()):
            role = holding.binding.role
            if role is not None:
                rules[holding.scope].extend(role.rules)
        return dict(rules)

    def needs_token(self, ref: SubjectRef) -> bool:
        """Whether a service account holds any permission beyond what every authenticated identity has."""
        common = self._authenticated_rules
        cluster = common.get("", [])
        for holding in self._service_account_holdings(ref, with_authenticated=False):
            role = holding.binding.role
            if role is None:
                continue
            owner = cluster + common.get(holding.scope, []) if holding.scope else cluster
            if any(not covers(owner, rule) for rule in role.rules):
                return True
        return False

    def power(self, ref: SubjectRef) -> str:
        """Why a service account is powerful ("" when it is not): admin power, a path to it, or risky grants."""
        if self.is_admin(ref):
            return "holds cluster-admin-equivalent power"
        distance = self.graph.distance.get(ref.key())
        if distance is not None:
            return f"can reach cluster-admin-equivalent power in {distance} step{'s' if distance != 1 else ''}"
        risky: dict[str, None] = {}
        for holding in self._service_account_holdings(ref, with_authenticated=True):
            for grant in grants_of(holding, POWERFUL_ATOMS):
                if grant.names is None:
                    risky[f"{grant.atom} {grant.scope_text()}"] = None
        if risky:
            return "can " + ", ".join(list(risky)[:4]) + (f" and {len(risky) - 4} more" if len(risky) > 4 else "")
        return ""
