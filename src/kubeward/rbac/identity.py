"""Who a request is made as, and which binding subjects apply to it.

Facts (cited):

- A ServiceAccount's username is ``system:serviceaccount:<ns>:<name>`` and its groups are
  ``system:serviceaccounts`` and ``system:serviceaccounts:<ns>``
  (``k8s:staging/src/k8s.io/apiserver/pkg/authentication/serviceaccount/util.go@00261adb``).
- Authenticated requests also carry ``system:authenticated``; anonymous ones are user
  ``system:anonymous`` in group ``system:unauthenticated``.
- ``appliesToUser`` (``k8s:pkg/registry/rbac/validation/rule.go@2821f161``): User by exact name,
  Group by membership, ServiceAccount by username with the subject's namespace defaulting to the
  binding's (a ClusterRoleBinding subject without a namespace never applies); other kinds never.
- Impersonation (``k8s:staging/src/k8s.io/apiserver/pkg/endpoints/filters/impersonation.go@7523138e``):
  impersonating a service-account username without groups adds its two SA groups; without groups,
  any user other than ``system:anonymous`` also gets ``system:authenticated``; groups given
  explicitly are the authority (nothing is added).
"""

import re
from typing import NamedTuple

from kubeward.inventory.objects import Subject

SA_PREFIX = "system:serviceaccount:"
ALL_SERVICE_ACCOUNTS = "system:serviceaccounts"
SA_NAMESPACE_GROUP_PREFIX = "system:serviceaccounts:"
AUTHENTICATED = "system:authenticated"
UNAUTHENTICATED = "system:unauthenticated"
ANONYMOUS_USER = "system:anonymous"
# The privileged group: the API server allows its members everything before RBAC is consulted
# (``k8s:pkg/registry/rbac/escalation_check.go`` EscalationAllowed; rbac.md §1.3).
MASTERS = "system:masters"

# Validation of the two halves of an SA username (DNS-1123 label for the namespace, DNS-1123
# subdomain for the name), as ``serviceaccount.SplitUsername`` validates them.
_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")


class Identity(NamedTuple):
    """A user as the authorizer sees it: a name and a set of groups."""

    name: str
    groups: frozenset[str]

    def describe(self) -> str:
        """``name [groups...]``."""
        groups = ", ".join(sorted(self.groups))
        return f"{self.name or '(any member)'} [{groups}]" if groups else self.name


def service_account_username(namespace: str, name: str) -> str:
    """``system:serviceaccount:<ns>:<name>``."""
    return f"{SA_PREFIX}{namespace}:{name}"


def service_account_groups(namespace: str) -> tuple[str, str]:
    """The groups a ServiceAccount's token carries."""
    return ALL_SERVICE_ACCOUNTS, f"{SA_NAMESPACE_GROUP_PREFIX}{namespace}"


def split_service_account_username(username: str) -> tuple[str, str] | None:
    """``(namespace, name)`` for a valid SA username, else None (``serviceaccount.SplitUsername``)."""
    if not username.startswith(SA_PREFIX):
        return None
    parts = username[len(SA_PREFIX) :].split(":")
    if len(parts) != 2:
        return None
    namespace, name = parts
    if len(namespace) > 63 or not _DNS_LABEL.match(namespace):
        return None
    if len(name) > 253 or not _DNS_SUBDOMAIN.match(name):
        return None
    return namespace, name


def service_account_identity(namespace: str, name: str) -> Identity:
    """The identity a ServiceAccount token authenticates as."""
    groups = {*service_account_groups(namespace), AUTHENTICATED}
    return Identity(service_account_username(namespace, name), frozenset(groups))


ANONYMOUS = Identity(ANONYMOUS_USER, frozenset({UNAUTHENTICATED}))


def impersonated(user: str, groups: tuple[str, ...] | list[str] = ()) -> Identity:
    """The identity ``kubectl --as USER [--as-group G]...`` makes the API server act as."""
    if groups:
        return Identity(user, frozenset(groups))
    found: set[str] = set()
    sa = split_service_account_username(user)
    if sa is not None:
        found.update(service_account_groups(sa[0]))
    if user != ANONYMOUS_USER:
        found.add(AUTHENTICATED)
    return Identity(user, frozenset(found))


def applies_to(identity: Identity, subject: Subject, namespace: str) -> bool:
    """``appliesToUser``: whether ``subject`` (of a binding evaluated for ``namespace``) names ``identity``."""
    if subject.kind == "User":
        return identity.name == subject.name
    if subject.kind == "Group":
        return subject.name in identity.groups
    if subject.kind == "ServiceAccount":
        sa_namespace = subject.namespace or namespace
        if not sa_namespace:
            return False
        return identity.name == service_account_username(sa_namespace, subject.name)
    return False


# Keys of the indexed engine: a subject becomes the user name or group name it matches.
USER_KEY = "u"
GROUP_KEY = "g"


def subject_key(subject: Subject, binding_namespace: str) -> tuple[str, str] | None:
    """The (kind, name) an identity must carry for ``subject`` to apply; None if it never can.

    A ServiceAccount subject matches exactly one username, so it is keyed as that user: this is
    ``MatchesUsername``, which compares prefix, namespace, separator and name piece by piece and is
    therefore equal to comparing the whole username string.
    """
    if subject.kind == "User":
        return USER_KEY, subject.name
    if subject.kind == "Group":
        return GROUP_KEY, subject.name
    if subject.kind == "ServiceAccount":
        namespace = subject.namespace or binding_namespace
        if not namespace:
            return None
        return USER_KEY, service_account_username(namespace, subject.name)
    return None


def identity_keys(identity: Identity) -> list[tuple[str, str]]:
    """The index keys an identity is found under: its user name and each of its groups."""
    return [(USER_KEY, identity.name), *((GROUP_KEY, group) for group in identity.groups)]
