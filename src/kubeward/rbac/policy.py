"""Roles and bindings resolved the way the RBAC authorizer resolves them.

``GetRoleReferenceRules`` (``k8s:pkg/registry/rbac/validation/rule.go@2821f161``, rbac.md §1.3):

- ``roleRef.kind: Role`` is looked up in the binding's own namespace (a ClusterRoleBinding has none,
  so a Role reference from one never resolves);
- ``roleRef.kind: ClusterRole`` by name, with its aggregated rules;
- any other kind is an error (``unsupported role reference kind``); ``roleRef.apiGroup`` is not
  checked at lookup time (validation does that when the binding is written);
- a role that does not exist makes that binding contribute nothing; the error is recorded and every
  other binding still applies.

When the Inventory lacks roles (a dump without them, a 403), a missing role is reported as
"not collected" rather than "not found": the binding may well be live.
"""

from dataclasses import dataclass, field
from typing import Literal

from kubeward.inventory.model import CollectionRecord, Inventory
from kubeward.inventory.objects import ClusterRole, ClusterRoleBinding, PolicyRule, Role, RoleBinding, Subject
from kubeward.rbac.aggregation import aggregate
from kubeward.rbac.compiled import CompiledRule, RuleCompiler

RBAC_PARTS = ("clusterroles", "clusterrolebindings", "roles", "rolebindings")
CLUSTER_PARTS = ("clusterroles", "clusterrolebindings")

MissingReason = Literal["not_found", "not_collected", "unsupported_kind"]


@dataclass(frozen=True, slots=True, eq=False)
class RoleEntry:
    """A Role or ClusterRole with its effective rules (aggregated ones computed)."""

    kind: Literal["Role", "ClusterRole"]
    name: str
    namespace: str
    obj: Role | ClusterRole
    rules: tuple[PolicyRule, ...]
    compiled: tuple[CompiledRule, ...]
    aggregated: bool = False

    def key(self) -> str:
        """``ClusterRole/name`` or ``Role/namespace/name``."""
        return f"Role/{self.namespace}/{self.name}" if self.kind == "Role" else f"ClusterRole/{self.name}"


@dataclass(frozen=True, slots=True, eq=False)
class BindingEntry:
    """A binding, its position in evaluation order, and the role it resolved to (or why not)."""

    obj: RoleBinding | ClusterRoleBinding
    order: int
    role: RoleEntry | None
    error: str = ""
    missing: MissingReason | None = None

    @property
    def cluster(self) -> bool:
        """True for a ClusterRoleBinding."""
        return isinstance(self.obj, ClusterRoleBinding)

    @property
    def kind(self) -> str:
        """``ClusterRoleBinding`` or ``RoleBinding``."""
        return self.obj.KIND

    @property
    def name(self) -> str:
        """The binding's name."""
        return self.obj.metadata.name

    @property
    def namespace(self) -> str:
        """The binding's namespace ("" for a ClusterRoleBinding)."""
        return "" if self.cluster else self.obj.metadata.namespace

    @property
    def subjects(self) -> tuple[Subject, ...]:
        """The binding's subjects."""
        return self.obj.subjects

    def key(self) -> str:
        """``ClusterRoleBinding/name`` or ``RoleBinding/namespace/name``."""
        return f"RoleBinding/{self.namespace}/{self.name}" if not self.cluster else f"ClusterRoleBinding/{self.name}"

    def role_text(self) -> str:
        """``ClusterRole/name`` or ``Role/name`` as the binding refers to it."""
        return f"{self.obj.roleRef.kind}/{self.obj.roleRef.name}"

    def describe(self, subject: Subject) -> str:
        """The authorizer's describer text for this binding granting to ``subject``.

        ``ClusterRoleBinding "n" of ClusterRole "r" to Group "g"`` or ``RoleBinding "n/ns" of Role "r"
        to ServiceAccount "name/ns"`` (the describers next to ``VisitRulesFor`` in rule.go).
        """
        ref = self.obj.roleRef
        name = self.name if self.cluster else f"{self.name}/{self.namespace}"
        if subject.kind == "ServiceAccount":
            who = f'{subject.kind} "{subject.name}/{subject.namespace or self.namespace}"'
        else:
            who = f'{subject.kind} "{subject.name}"'
        return f'{self.kind} "{name}" of {ref.kind} "{ref.name}" to {who}'


@dataclass
class RbacPolicy:
    """Every role and binding of one Inventory, resolved."""

    cluster_roles: dict[str, RoleEntry]
    roles: dict[tuple[str, str], RoleEntry]
    cluster_bindings: tuple[BindingEntry, ...]
    role_bindings: tuple[BindingEntry, ...]
    missing_parts: tuple[CollectionRecord, ...] = ()
    issues: list[str] = field(default_factory=list)
    distinct_rules: int = 0

    @classmethod
    def from_inventory(cls, inventory: Inventory) -> "RbacPolicy":
        """Aggregate ClusterRoles, compile rules once per distinct rule, resolve every binding."""
        compiler = RuleCompiler()
        aggregation = aggregate(inventory.cluster_roles)
        cluster_roles: dict[str, RoleEntry] = {}
        for role in inventory.cluster_roles:
            if role.name in cluster_roles:
                continue
            rules = aggregation.rules[role.name]
            cluster_roles[role.name] = RoleEntry(
                "ClusterRole", role.name, "", role, rules, compiler.compile(rules), role.name in aggregation.aggregated
            )
        roles: dict[tuple[str, str], RoleEntry] = {}
        for ns_role in inventory.roles:
            key = (ns_role.namespace, ns_role.name)
            if key not in roles:
                rules = ns_role.rules or ()
                roles[key] = RoleEntry("Role", ns_role.name, ns_role.namespace, ns_role, rules, compiler.compile(rules))
        missing = tuple(inventory.missing(*RBAC_PARTS))
        collected = {part: inventory.coverage(part).ok for part in RBAC_PARTS}
        resolver = _Resolver(cluster_roles, roles, collected)
        order = 0
        cluster_bindings: list[BindingEntry] = []
        for crb in inventory.cluster_role_bindings:
            cluster_bindings.append(resolver.resolve(crb, order, ""))
            order += 1
        role_bindings: list[BindingEntry] = []
        for rb in inventory.role_bindings:
            role_bindings.append(resolver.resolve(rb, order, rb.namespace))
            order += 1
        return cls(
            cluster_roles=cluster_roles,
            roles=roles,
            cluster_bindings=tuple(cluster_bindings),
            role_bindings=tuple(role_bindings),
            missing_parts=missing,
            issues=list(aggregation.issues),
            distinct_rules=compiler.distinct,
        )

    @property
    def bindings(self) -> tuple[BindingEntry, ...]:
        """All bindings in evaluation order: ClusterRoleBindings, then RoleBindings."""
        return self.cluster_bindings + self.role_bindings

    def unresolved(self) -> list[BindingEntry]:
        """Bindings whose role could not be resolved."""
        return [b for b in self.bindings if b.role is None]

    def missing_for(self, namespaced: bool) -> tuple[CollectionRecord, ...]:
        """Parts not collected that could change an answer: for a namespaced request all four, for a
        cluster-scoped or all-namespaces one only ClusterRoles and ClusterRoleBindings (a RoleBinding
        never grants outside its namespace).
        """
        if namespaced:
            return self.missing_parts
        return tuple(rec for rec in self.missing_parts if rec.part in CLUSTER_PARTS)


class _Resolver:
    def __init__(
        self,
        cluster_roles: dict[str, RoleEntry],
        roles: dict[tuple[str, str], RoleEntry],
        collected: dict[str, bool],
    ) -> None:
        self.cluster_roles = cluster_roles
        self.roles = roles
        self.collected = collected

    def resolve(self, binding: RoleBinding | ClusterRoleBinding, order: int, namespace: str) -> BindingEntry:
        ref = binding.roleRef
        if ref.kind == "ClusterRole":
            role = self.cluster_roles.get(ref.name)
            part = "clusterroles"
        elif ref.kind == "Role":
            # A ClusterRoleBinding has no namespace to look a Role up in.
            role = self.roles.get((namespace, ref.name)) if namespace else None
            part = "roles"
        else:
            return BindingEntry(
                binding, order, None, f'unsupported role reference kind: "{ref.kind}"', "unsupported_kind"
            )
        if role is not None:
            return BindingEntry(binding, order, role)
        error = f'{ref.kind.lower()}.rbac.authorization.k8s.io "{ref.name}" not found'
        if not self.collected[part]:
            return BindingEntry(binding, order, None, f"{error} ({part} were not collected)", "not_collected")
        return BindingEntry(binding, order, None, error, "not_found")
