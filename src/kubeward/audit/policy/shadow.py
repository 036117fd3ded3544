"""Rule subsumption: whether an earlier rule matches every request a later rule matches.

Then the later rule can never apply (first match wins, checker.go). The test is per selector and
conservative: it answers True only when coverage follows from the selectors alone, so every shadowing it
reports is real; overlaps it cannot prove (e.g. ``users`` against ``userGroups``) are not reported.
"""

from kubeward.audit.policy.checker import path_matches
from kubeward.audit.policy.model import GroupResources, PolicyRule


def covers(earlier: PolicyRule, later: PolicyRule) -> bool:
    """True when every request matching ``later`` also matches ``earlier``."""
    if not (_subset(earlier.users, later.users) and _subset(earlier.user_groups, later.user_groups)):
        return False
    if not _subset(earlier.verbs, later.verbs):
        return False
    if earlier.namespaces or earlier.resources:
        if not (later.namespaces or later.resources):
            return False  # later also matches non-resource requests (or, with URLs, only those)
        if not _subset(earlier.namespaces, later.namespaces):
            return False
        if not earlier.resources:
            return True
        if not later.resources:
            return False
        return all(any(_entry_covers(e, lt) for e in earlier.resources) for lt in later.resources)
    if earlier.non_resource_urls:
        if later.namespaces or later.resources or not later.non_resource_urls:
            return False
        return all(any(_url_covers(e, u) for e in earlier.non_resource_urls) for u in later.non_resource_urls)
    return True


def _subset(earlier: list[str], later: list[str]) -> bool:
    """An empty earlier selector matches anything; otherwise later must be non-empty and inside it."""
    return not earlier or (bool(later) and set(later) <= set(earlier))


def _entry_covers(earlier: GroupResources, later: GroupResources) -> bool:
    if earlier.group != "*" and earlier.group != later.group:
        return False
    if not earlier.resources:
        return True
    if not later.resources:
        return False
    if not _subset(earlier.resource_names, later.resource_names):
        return False
    return all(any(_resource_covers(e, r) for e in earlier.resources) for r in later.resources)


def _resource_covers(earlier: str, later: str) -> bool:
    """Resource-pattern coverage: ``*`` ⊇ all; ``x/*`` ⊇ ``x``, ``x/s``; ``*/s`` ⊇ ``y/s``."""
    if earlier in ("*", later):
        return True
    if later == "*":
        return False
    resource, _, sub = later.partition("/")
    if earlier.endswith("/*") and earlier[:-2] == resource and resource != "*":
        return True
    return bool(sub) and sub != "*" and earlier.startswith("*/") and earlier[2:] == sub


def _url_covers(earlier: str, later: str) -> bool:
    """URL coverage: an exact or prefix match of the later spec's fixed part, ``*`` covering all."""
    if earlier == "*":
        return True
    if later == "*":
        return False
    if later.endswith("*"):
        return earlier.endswith("*") and later.rstrip("*").startswith(earlier.rstrip("*"))
    return path_matches(later, earlier)
