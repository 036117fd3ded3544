"""``Covers``: whether one set of rules holds every permission of another rule.

Semantics of ``k8s:staging/src/k8s.io/component-helpers/auth/rbac/validation/policy_comparator.go@04791b49``
(rbac.md §1.6): the servant rule is broken down into atomic rules (one API group, one resource, one
verb, one name; or one URL and one verb), and each must be covered by a single owner rule:

- verbs: the owner has ``*`` or the verb; API groups: ``*`` or the group;
- resources: ``*``, the same resource, or for ``res/sub`` the owner's ``*/sub``;
- names: an owner without names covers anything; an owner with names only covers those names, never
  a servant rule without names;
- URLs: equal, or an owner URL ending in ``*`` whose prefix (all ``*`` trimmed) starts the servant's.

Values are compared literally, so an enumeration never covers ``*``. kubeward uses it to tell
whether a service account holds anything beyond what every authenticated identity holds.
"""

from collections.abc import Iterator, Sequence

from kubeward.inventory.objects import PolicyRule


def _breakdown(rule: PolicyRule) -> Iterator[PolicyRule]:
    for group in rule.apiGroups:
        for resource in rule.resources:
            for verb in rule.verbs:
                names: tuple[tuple[str, ...], ...] = tuple((n,) for n in rule.resourceNames) or ((),)
                for name in names:
                    yield PolicyRule(verbs=(verb,), apiGroups=(group,), resources=(resource,), resourceNames=name)
    for url in rule.nonResourceURLs:
        for verb in rule.verbs:
            yield PolicyRule(verbs=(verb,), nonResourceURLs=(url,))


def _resource_covered(owner: Sequence[str], resource: str) -> bool:
    if "*" in owner or resource in owner:
        return True
    if "/" not in resource:
        return False
    return "*/" + resource.split("/", 1)[1] in owner


def _url_covered(owner: Sequence[str], url: str) -> bool:
    return any(o == url or (o.endswith("*") and url.startswith(o.rstrip("*"))) for o in owner)


def _rule_covers(owner: PolicyRule, atom: PolicyRule) -> bool:
    if "*" not in owner.verbs and not set(atom.verbs) <= set(owner.verbs):
        return False
    if "*" not in owner.apiGroups and not set(atom.apiGroups) <= set(owner.apiGroups):
        return False
    if not all(_resource_covered(owner.resources, r) for r in atom.resources):
        return False
    if not all(_url_covered(owner.nonResourceURLs, u) for u in atom.nonResourceURLs):
        return False
    if not atom.resourceNames:
        return not owner.resourceNames
    return not owner.resourceNames or set(atom.resourceNames) <= set(owner.resourceNames)


def covers(owner_rules: Sequence[PolicyRule], servant: PolicyRule) -> bool:
    """True when every atomic permission of ``servant`` is held by one of ``owner_rules``."""
    return all(any(_rule_covers(owner, atom) for owner in owner_rules) for atom in _breakdown(servant))
