"""Every identity the objects mention, and the implicit groups that make bindings reach them.

RBAC knows no group contents: membership is whatever the authenticator puts in the request. What an
offline analysis can know is the implicit groups (rbac.md §1.3): every ServiceAccount is in
``system:serviceaccounts`` and ``system:serviceaccounts:<ns>``, every authenticated identity in
``system:authenticated``, and the anonymous user in ``system:unauthenticated``. So:

- a ServiceAccount (from the Inventory or named by a binding) is the identity its token carries;
- a User named by a binding is that user, authenticated (``system:anonymous`` is the anonymous
  identity), with no other groups known;
- a Group named by a binding stands for "a member of that group", with the implicit groups such a
  member has (``system:unauthenticated`` stands for the anonymous identity).

``expand`` answers "who does this binding subject reach" over that universe; ``who_can`` expanded
through it equals the set of identities for which ``can_i`` is yes (a property test).
"""

from collections import defaultdict
from collections.abc import Iterable
from typing import Literal, NamedTuple

from kubeward.inventory.objects import ServiceAccount, Subject
from kubeward.rbac.identity import (
    ALL_SERVICE_ACCOUNTS,
    ANONYMOUS,
    ANONYMOUS_USER,
    AUTHENTICATED,
    SA_NAMESPACE_GROUP_PREFIX,
    UNAUTHENTICATED,
    Identity,
    applies_to,
    service_account_identity,
    split_service_account_username,
)
from kubeward.rbac.policy import BindingEntry

SubjectKind = Literal["User", "Group", "ServiceAccount"]
KIND_ORDER = {"User": 0, "Group": 1, "ServiceAccount": 2}


class SubjectRef(NamedTuple):
    """A subject as a binding names it (ServiceAccounts always with their namespace)."""

    kind: SubjectKind
    name: str
    namespace: str = ""

    def key(self) -> str:
        """``User/alice``, ``Group/devs`` or ``ServiceAccount/ns/name``."""
        if self.kind == "ServiceAccount":
            return f"{self.kind}/{self.namespace}/{self.name}"
        return f"{self.kind}/{self.name}"

    def text(self) -> str:
        """``User alice``, ``Group devs`` or ``ServiceAccount ns/name``."""
        if self.kind == "ServiceAccount":
            return f"ServiceAccount {self.namespace}/{self.name}"
        return f"{self.kind} {self.name}"

    def sort_key(self) -> tuple[int, str, str]:
        """Users, then groups, then service accounts; by namespace and name."""
        return KIND_ORDER[self.kind], self.namespace, self.name


def ref_of(subject: Subject, binding_namespace: str) -> SubjectRef | None:
    """The SubjectRef of a binding subject, or None when it can never apply to anyone."""
    if subject.kind in ("User", "Group"):
        return SubjectRef(subject.kind, subject.name)  # type: ignore[arg-type]
    if subject.kind == "ServiceAccount":
        namespace = subject.namespace or binding_namespace
        return SubjectRef("ServiceAccount", subject.name, namespace) if namespace else None
    return None


def identity_of(ref: SubjectRef) -> Identity:
    """The identity a subject stands for (see the module docstring)."""
    if ref.kind == "ServiceAccount":
        return service_account_identity(ref.namespace, ref.name)
    if ref.kind == "User":
        if ref.name == ANONYMOUS_USER:
            return ANONYMOUS
        sa = split_service_account_username(ref.name)
        if sa is not None:
            return service_account_identity(*sa)
        return Identity(ref.name, frozenset({AUTHENTICATED}))
    if ref.name == UNAUTHENTICATED:
        return ANONYMOUS
    groups = {ref.name}
    if ref.name.startswith(SA_NAMESPACE_GROUP_PREFIX):
        groups.add(ALL_SERVICE_ACCOUNTS)
    groups.add(AUTHENTICATED)
    return Identity("", frozenset(groups))


class SubjectUniverse:
    """The subjects of all bindings plus every ServiceAccount of the Inventory."""

    def __init__(self, bindings: Iterable[BindingEntry], service_accounts: Iterable[ServiceAccount]) -> None:
        found: dict[SubjectRef, None] = {}
        for binding in bindings:
            for subject in binding.subjects:
                ref = ref_of(subject, binding.namespace)
                if ref is not None:
                    found[ref] = None
        for account in service_accounts:
            found[SubjectRef("ServiceAccount", account.name, account.namespace)] = None
        self.refs: list[SubjectRef] = sorted(found, key=SubjectRef.sort_key)
        self.identities: dict[SubjectRef, Identity] = {ref: identity_of(ref) for ref in self.refs}
        self._by_user: dict[str, list[SubjectRef]] = defaultdict(list)
        self._by_group: dict[str, list[SubjectRef]] = defaultdict(list)
        for ref, identity in self.identities.items():
            self._by_user[identity.name].append(ref)
            for group in identity.groups:
                self._by_group[group].append(ref)

    def __len__(self) -> int:
        return len(self.refs)

    def expand(self, subject: Subject, binding_namespace: str) -> list[SubjectRef]:
        """Every subject of the universe that ``subject`` (of a binding in that namespace) applies to."""
        if subject.kind == "Group":
            candidates = self._by_group.get(subject.name, [])
        elif subject.kind == "User":
            candidates = self._by_user.get(subject.name, [])
        else:
            ref = ref_of(subject, binding_namespace)
            if ref is None:
                return []
            candidates = self._by_user.get(service_account_identity(ref.namespace, ref.name).name, [])
        return [ref for ref in candidates if applies_to(self.identities[ref], subject, binding_namespace)]
