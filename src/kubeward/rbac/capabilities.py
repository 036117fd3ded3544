"""Risky capabilities ("atoms") and which subjects hold them, through which binding, role and rule.

An atom is one request shape the risk catalog (rbac.md §5) and the escalation graph care about:
``create pods``, ``get secrets``, ``impersonate groups``, ``bind clusterroles``... Because RBAC is
additive and each request is allowed by a single rule, "subject S can do atom A in scope X" is exact
when computed per rule: a rule grants an atom when it allows the atom's verb, group and
``resource[/subresource]`` (with the same matcher semantics); the names it is restricted to are kept
(``None`` = any name). A request without a name (create, list) is only granted by unrestricted rules.

Atoms are computed once per distinct rule and once per role; a subject's holdings are then the
(binding, role profile) pairs of the bindings that name it, so even 100,000 RoleBindings cost one
pass. Scope is ``""`` for a ClusterRoleBinding (every namespace and cluster-scoped resources) or the
RoleBinding's namespace; atoms on cluster-scoped resources never count through a RoleBinding
(rbac.md §1.3).
"""

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from kubeward.inventory.objects import Subject
from kubeward.rbac.builtin import Exclusion, excluded, is_builtin_grant
from kubeward.rbac.compiled import CompiledRule
from kubeward.rbac.policy import BindingEntry, RbacPolicy, RoleEntry
from kubeward.rbac.subjects import SubjectRef, ref_of

RBAC_GROUP = "rbac.authorization.k8s.io"
WILDCARD = "*/*/*"


@dataclass(frozen=True, slots=True)
class Atom:
    """One request shape: verb, group, resource and subresource, and whether it is namespaced."""

    verb: str
    group: str
    resource: str
    subresource: str = ""
    namespaced: bool = True

    @property
    def key(self) -> str:
        """``verb resource[/subresource][.group]``, e.g. ``create pods/exec``, ``bind clusterroles.rbac...``."""
        combined = f"{self.resource}/{self.subresource}" if self.subresource else self.resource
        return f"{self.verb} {combined}.{self.group}" if self.group else f"{self.verb} {combined}"


def _atoms() -> tuple[Atom, ...]:
    atoms: list[Atom] = []
    add = atoms.append
    for verb in ("get", "list", "watch", "create", "update", "patch"):
        add(Atom(verb, "", "secrets"))
    for verb in ("create", "update", "patch"):
        add(Atom(verb, "", "pods"))
        for group, resource in WORKLOAD_RESOURCES:
            add(Atom(verb, group, resource))
        for resource in ("clusterroles", "clusterrolebindings"):
            add(Atom(verb, RBAC_GROUP, resource, namespaced=False))
        for resource in ("roles", "rolebindings"):
            add(Atom(verb, RBAC_GROUP, resource))
        for resource in ("mutatingwebhookconfigurations", "validatingwebhookconfigurations"):
            add(Atom(verb, "admissionregistration.k8s.io", resource, namespaced=False))
    for sub in ("exec", "attach", "portforward"):
        add(Atom("create", "", "pods", sub))
    add(Atom("update", "", "pods", "ephemeralcontainers"))
    add(Atom("patch", "", "pods", "ephemeralcontainers"))
    add(Atom("get", "", "nodes", "proxy", namespaced=False))
    add(Atom("create", "", "nodes", "proxy", namespaced=False))
    add(Atom("create", "", "serviceaccounts", "token"))
    add(Atom("impersonate", "", "users", namespaced=False))
    add(Atom("impersonate", "", "groups", namespaced=False))
    add(Atom("impersonate", "", "serviceaccounts"))
    add(Atom("impersonate", "authentication.k8s.io", "uids", namespaced=False))
    add(Atom("escalate", RBAC_GROUP, "roles"))
    # Escalation checks a (Cluster)Role write at the request's namespace: "" for ClusterRoles.
    add(Atom("escalate", RBAC_GROUP, "clusterroles", namespaced=False))
    # Binding checks run at the binding's namespace, for Roles and ClusterRoles alike, so bind on
    # clusterroles granted by a RoleBinding lets its holder bind ClusterRoles inside that namespace
    # (BindingAuthorized, k8s:pkg/registry/rbac/escalation_check.go).
    add(Atom("bind", RBAC_GROUP, "roles"))
    add(Atom("bind", RBAC_GROUP, "clusterroles"))
    add(Atom("create", "certificates.k8s.io", "certificatesigningrequests", namespaced=False))
    add(Atom("update", "certificates.k8s.io", "certificatesigningrequests", "approval", namespaced=False))
    add(Atom("approve", "certificates.k8s.io", "signers", namespaced=False))
    return tuple(atoms)


# Pod controllers: whoever can write their pod template can run a pod as any SA of the namespace.
WORKLOAD_RESOURCES: tuple[tuple[str, str], ...] = (
    ("apps", "deployments"),
    ("apps", "daemonsets"),
    ("apps", "statefulsets"),
    ("apps", "replicasets"),
    ("batch", "jobs"),
    ("batch", "cronjobs"),
    ("", "replicationcontrollers"),
)
ATOMS = _atoms()
ATOM_BY_KEY = {atom.key: atom for atom in ATOMS}
NAMESPACED_ATOMS = frozenset(atom.key for atom in ATOMS if atom.namespaced) | {WILDCARD}


def atom_key(verb: str, resource: str, group: str = "", subresource: str = "") -> str:
    """The key of an atom, checked to exist (a typo is a programming error)."""
    key = Atom(verb, group, resource, subresource).key
    if key not in ATOM_BY_KEY:
        raise KeyError(key)
    return key


Names = frozenset[str] | None
# atom key -> (rule index, names the grant is restricted to or None for any, rule is a */*/* wildcard)
Profile = dict[str, tuple[int, Names, bool]]


def _rule_atoms(rule: CompiledRule) -> list[tuple[str, Names]]:
    names: Names = rule.names or None
    found: list[tuple[str, Names]] = []
    for atom in ATOMS:
        if not (rule.all_verbs or atom.verb in rule.verbs):
            continue
        if not (rule.all_groups or atom.group in rule.groups):
            continue
        combined = f"{atom.resource}/{atom.subresource}" if atom.subresource else atom.resource
        if not (
            rule.all_resources
            or combined in rule.resources
            or (atom.subresource and f"*/{atom.subresource}" in rule.resources)
        ):
            continue
        found.append((atom.key, names))
    if rule.is_full_wildcard:
        found.append((WILDCARD, None))
    return found


def _better(new: tuple[int, Names, bool], old: tuple[int, Names, bool]) -> bool:
    """Evidence preference: an unrestricted specific rule, then an unrestricted wildcard, then named."""
    return (new[1] is not None, new[2]) < (old[1] is not None, old[2])


class Profiles:
    """Atoms per distinct rule and per role, computed once."""

    def __init__(self) -> None:
        self._rules: dict[int, list[tuple[str, Names]]] = {}
        self._roles: dict[int, Profile] = {}

    def of_role(self, role: RoleEntry) -> Profile:
        """What the role grants, atom by atom."""
        profile = self._roles.get(id(role))
        if profile is not None:
            return profile
        profile = {}
        for index, rule in enumerate(role.compiled):
            atoms = self._rules.get(id(rule))
            if atoms is None:
                atoms = self._rules[id(rule)] = _rule_atoms(rule)
            wildcard = rule.is_full_wildcard
            for key, names in atoms:
                entry = (index, names, wildcard)
                old = profile.get(key)
                if old is None:
                    profile[key] = entry
                    continue
                merged = None if old[1] is None or names is None else old[1] | names
                best = entry if _better(entry, old) else old
                profile[key] = (best[0], merged, best[2])
        self._roles[id(role)] = profile
        return profile


@dataclass(frozen=True, slots=True)
class AtomGrant:
    """Subject holds atom in scope, through binding → role → rule."""

    atom: str
    scope: str
    binding: BindingEntry
    subject: Subject
    rule_index: int
    names: Names
    builtin: bool
    wildcard: bool

    def scope_text(self) -> str:
        """``cluster-wide`` or ``in namespace X``."""
        return "cluster-wide" if not self.scope else f"in namespace {self.scope}"


@dataclass(frozen=True, slots=True)
class Holding:
    """One binding naming a subject: its scope, whether it is built-in, and its role's atoms."""

    binding: BindingEntry
    subject: Subject
    scope: str
    builtin: bool
    profile: Profile


class Holdings:
    """For every subject as bindings name it, the bindings and what their roles grant."""

    def __init__(self, policy: RbacPolicy, exclusions: tuple[Exclusion, ...] = ()) -> None:
        self.profiles = Profiles()
        self.by_subject: dict[SubjectRef, list[Holding]] = defaultdict(list)
        for binding in policy.bindings:
            role = binding.role
            if role is None:
                continue
            profile = self.profiles.of_role(role)
            scope = binding.namespace
            for subject in binding.subjects:
                ref = ref_of(subject, scope)
                if ref is None:
                    continue
                builtin = is_builtin_grant(binding, subject) or excluded(ref, exclusions)
                self.by_subject[ref].append(Holding(binding, subject, scope, builtin, profile))
        self.by_subject.default_factory = None

    def grants(self, ref: SubjectRef, atoms: Iterable[str]) -> Iterator[AtomGrant]:
        """The subject's own grants of any of ``atoms`` (in binding order)."""
        wanted = tuple(atoms)
        for holding in self.by_subject.get(ref, ()):
            yield from _grants_of(holding, wanted)

    def subjects(self) -> list[SubjectRef]:
        """Every subject some binding names."""
        return list(self.by_subject)


def _grants_of(holding: Holding, atoms: tuple[str, ...]) -> Iterator[AtomGrant]:
    profile = holding.profile
    for key in atoms:
        entry = profile.get(key)
        if entry is None:
            continue
        if holding.scope and key not in NAMESPACED_ATOMS:
            continue  # a RoleBinding never grants cluster-scoped requests
        index, names, wildcard = entry
        yield AtomGrant(key, holding.scope, holding.binding, holding.subject, index, names, holding.builtin, wildcard)


def grants_of(holding: Holding, atoms: Iterable[str]) -> Iterator[AtomGrant]:
    """The grants of ``atoms`` one holding gives."""
    return _grants_of(holding, tuple(atoms))
