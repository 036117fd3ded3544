"""The indexed effective-permission engine: ``can_i``, ``who_can`` and ``rules_for``.

Upstream walks every ClusterRoleBinding and the RoleBindings of the request's namespace for every
request (``VisitRulesFor``). Here bindings are indexed by the user or group name their subjects
match (a ServiceAccount subject is keyed as its username), so ``can_i`` touches only the bindings
that can apply to the identity, then evaluates them in upstream order so the first grant found is
the one the API server would name. ``who_can`` evaluates each distinct role once per request.

Answers carry the binding → role → rule that grants, and every role lookup error met on the way
(a binding to a missing role contributes nothing; the others still count).

``system:masters`` is allowed everything by the API server before RBAC is asked (the privileged
group authorizer), so ``can_i`` says yes for it and ``who_can`` always lists it first, as the
upstream subject locator does (``k8s:plugin/pkg/auth/authorizer/rbac/subject_locator.go@05f103fd``).
"""

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass

from kubeward.inventory.objects import Subject
from kubeward.rbac.compiled import CompiledRule
from kubeward.rbac.identity import MASTERS, Identity, applies_to, identity_keys, subject_key
from kubeward.rbac.policy import BindingEntry, RbacPolicy
from kubeward.rbac.request import Request

MASTERS_SUBJECT = Subject(kind="Group", name=MASTERS, apiGroup="rbac.authorization.k8s.io")
PRIVILEGED_REASON = f"{MASTERS} is allowed everything by the API server's privileged-group authorizer, before RBAC"


@dataclass(frozen=True, slots=True)
class Grant:
    """Binding → role → rule: why a subject holds a permission."""

    binding: BindingEntry
    rule_index: int
    subject: Subject

    @property
    def rule(self) -> CompiledRule:
        """The granting rule."""
        assert self.binding.role is not None
        return self.binding.role.compiled[self.rule_index]

    def describe(self) -> str:
        """``RBAC: allowed by ClusterRoleBinding "x" of ClusterRole "y" to User "z"`` (rbac.go's reason)."""
        return f"RBAC: allowed by {self.binding.describe(self.subject)}"


@dataclass(frozen=True, slots=True)
class Decision:
    """The answer to one can-i question."""

    allowed: bool
    grant: Grant | None = None
    privileged: bool = False
    errors: tuple[str, ...] = ()

    def reason(self) -> str:
        """Why: the granting binding, the privileged group, or the lookup errors met."""
        if self.privileged:
            return PRIVILEGED_REASON
        if self.grant is not None:
            return self.grant.describe()
        return "; ".join(self.errors)


@dataclass(frozen=True, slots=True)
class WhoCanEntry:
    """One bound subject allowed to make the request, with the grant."""

    subject: Subject
    grant: Grant | None  # None for system:masters (privileged, not granted by RBAC)
    effective: bool = True  # False: a subject that can never match (e.g. SA without namespace in a CRB)


@dataclass(frozen=True, slots=True)
class WhoCan:
    """Everyone the bindings name as allowed, in upstream order, plus lookup errors."""

    entries: tuple[WhoCanEntry, ...]
    errors: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class RulesReview:
    """What ``SelfSubjectRulesReview`` returns for one identity and namespace, with provenance."""

    resource_rules: tuple[Grant, ...]
    non_resource_rules: tuple[Grant, ...]
    errors: tuple[str, ...]


class RbacIndex:
    """Bindings indexed by the identities their subjects match."""

    def __init__(self, policy: RbacPolicy) -> None:
        self.policy = policy
        self._cluster: dict[tuple[str, str], list[BindingEntry]] = defaultdict(list)
        self._namespaced: dict[tuple[str, str, str], list[BindingEntry]] = defaultdict(list)
        self._by_namespace: dict[str, list[BindingEntry]] = defaultdict(list)
        for binding in policy.cluster_bindings:
            for key in {subject_key(s, "") for s in binding.subjects} - {None}:
                assert key is not None
                self._cluster[key].append(binding)
        for binding in policy.role_bindings:
            namespace = binding.namespace
            self._by_namespace[namespace].append(binding)
            for key in {subject_key(s, namespace) for s in binding.subjects} - {None}:
                assert key is not None
                self._namespaced[(namespace, key[0], key[1])].append(binding)
        self._cluster.default_factory = None
        self._namespaced.default_factory = None
        self._by_namespace.default_factory = None

    # --- can-i ------------------------------------------------------------------------------------

    def candidates(self, identity: Identity, namespace: str) -> list[BindingEntry]:
        """Bindings that may apply to ``identity`` for a request in ``namespace``, in upstream order."""
        keys = identity_keys(identity)
        found: dict[int, BindingEntry] = {}
        cluster = self._cluster
        for key in keys:
            for binding in cluster.get(key, ()):
                found[binding.order] = binding
        if namespace:
            namespaced = self._namespaced
            for kind, name in keys:
                for binding in namespaced.get((namespace, kind, name), ()):
                    found[binding.order] = binding
        return [found[order] for order in sorted(found)]

    def can_i(self, identity: Identity, request: Request) -> Decision:
        """Whether the API server would allow ``identity`` to make ``request``, and why."""
        if MASTERS in identity.groups:
            return Decision(True, privileged=True)
        errors: list[str] = []
        for binding in self.candidates(identity, request.namespace):
            subject = _first_applying(binding, identity, request.namespace)
            if subject is None:
                continue
            role = binding.role
            if role is None:
                errors.append(binding.error)
                continue
            for index, rule in enumerate(role.compiled):
                if rule.allows(request):
                    return Decision(True, Grant(binding, index, subject), errors=tuple(errors))
        return Decision(False, errors=tuple(errors))

    # --- who-can ----------------------------------------------------------------------------------

    def bindings_for(self, namespace: str) -> Iterator[BindingEntry]:
        """Bindings that count for a request in ``namespace``.

        All ClusterRoleBindings, then the RoleBindings of that namespace (none when it is "").
        """
        yield from self.policy.cluster_bindings
        if namespace:
            yield from self._by_namespace.get(namespace, ())

    def who_can(self, request: Request) -> WhoCan:
        """Every subject the bindings name as allowed to make ``request``, with its grant."""
        entries: list[WhoCanEntry] = [WhoCanEntry(MASTERS_SUBJECT, None)]
        errors: list[str] = []
        first_rule: dict[int, int] = {}  # id(role) -> index of the first allowing rule, -1 for none
        for binding in self.bindings_for(request.namespace):
            role = binding.role
            if role is None:
                errors.append(binding.error)
                continue
            index = first_rule.get(id(role))
            if index is None:
                index = next((i for i, rule in enumerate(role.compiled) if rule.allows(request)), -1)
                first_rule[id(role)] = index
            if index < 0:
                continue
            for subject in binding.subjects:
                effective = subject_key(subject, binding.namespace) is not None
                entries.append(WhoCanEntry(subject, Grant(binding, index, subject), effective))
        return WhoCan(tuple(entries), tuple(errors))

    # --- rules review -----------------------------------------------------------------------------

    def rules_for(self, identity: Identity, namespace: str) -> RulesReview:
        """``SelfSubjectRulesReview``: every rule that applies to ``identity`` in ``namespace``.

        As ``RulesFor`` does: a policy rule with resources is a resource rule, one with
        nonResourceURLs a non-resource rule (a malformed rule with both is both).
        """
        resource: list[Grant] = []
        non_resource: list[Grant] = []
        errors: list[str] = []
        for binding in self.candidates(identity, namespace):
            subject = _first_applying(binding, identity, namespace)
            if subject is None:
                continue
            role = binding.role
            if role is None:
                errors.append(binding.error)
                continue
            for index, rule in enumerate(role.compiled):
                if rule.rule.resources:
                    resource.append(Grant(binding, index, subject))
                if rule.rule.nonResourceURLs:
                    non_resource.append(Grant(binding, index, subject))
        return RulesReview(tuple(resource), tuple(non_resource), tuple(errors))


def _first_applying(binding: BindingEntry, identity: Identity, namespace: str) -> Subject | None:
    """The first subject of ``binding`` that names ``identity`` (``appliesTo`` returns its index)."""
    binding_namespace = "" if binding.cluster else namespace
    for subject in binding.subjects:
        if applies_to(identity, subject, binding_namespace):
            return subject
    return None
