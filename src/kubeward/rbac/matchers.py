"""The exact rule matchers, one request against one ``PolicyRule``.

Semantics of ``k8s:pkg/apis/rbac/v1/evaluation_helpers.go@03bf11a3`` and ``RuleAllows`` in
``k8s:plugin/pkg/auth/authorizer/rbac/rbac.go@01aa0f3f`` (spec ``rbac.md`` §1.2):

- verbs and API groups: ``*`` or literal equality (case-sensitive; ``*`` covers special verbs such as
  ``escalate``, ``bind`` and ``impersonate`` too); an empty list matches nothing;
- resources: ``*`` matches every resource and subresource; otherwise equality with
  ``resource/subresource``, or exactly ``*/<subresource>`` when the request has that subresource.
  So ``pods`` does not cover ``pods/status`` and ``pods/*`` is not a wildcard;
- resourceNames: empty means any name; otherwise the requested name must equal an entry (``*`` is a
  literal), so a request without a name (create, list, deletecollection) never matches a named rule;
- nonResourceURLs: ``*``, equality, or a rule ending in ``*`` whose text with ALL trailing ``*``
  stripped is a prefix of the path. A ``*`` elsewhere is literal.

These plain functions are the reference the compiled rules of the indexed engine must agree with;
the brute-force evaluator and the property tests use them directly.
"""

from collections.abc import Sequence

from kubeward.inventory.objects import PolicyRule
from kubeward.rbac.request import Request


def verb_matches(verbs: Sequence[str], verb: str) -> bool:
    """``VerbMatches``."""
    return any(rule_verb in ("*", verb) for rule_verb in verbs)


def api_group_matches(groups: Sequence[str], group: str) -> bool:
    """``APIGroupMatches``."""
    return any(rule_group in ("*", group) for rule_group in groups)


def resource_matches(resources: Sequence[str], combined: str, subresource: str) -> bool:
    """``ResourceMatches``: ``*``, exact ``resource[/subresource]``, or ``*/<subresource>``."""
    for rule_resource in resources:
        if rule_resource in ("*", combined):
            return True
        if (
            subresource
            and len(rule_resource) == len(subresource) + 2
            and rule_resource.startswith("*/")
            and rule_resource.endswith(subresource)
        ):
            return True
    return False


def resource_name_matches(names: Sequence[str], name: str) -> bool:
    """``ResourceNameMatches``: no names means any; otherwise literal membership."""
    return not names or name in names


def non_resource_url_matches(urls: Sequence[str], path: str) -> bool:
    """``NonResourceURLMatches``: ``*``, equality, or a trailing-``*`` prefix (all ``*`` trimmed)."""
    for rule_url in urls:
        if rule_url in ("*", path):
            return True
        if rule_url.endswith("*") and path.startswith(rule_url.rstrip("*")):
            return True
    return False


def rule_allows(request: Request, rule: PolicyRule) -> bool:
    """``RuleAllows``: whether this one rule allows this request."""
    if request.resource_request:
        return (
            verb_matches(rule.verbs, request.verb)
            and api_group_matches(rule.apiGroups, request.api_group)
            and resource_matches(rule.resources, request.combined, request.subresource)
            and resource_name_matches(rule.resourceNames, request.name)
        )
    return verb_matches(rule.verbs, request.verb) and non_resource_url_matches(rule.nonResourceURLs, request.path)


def describe_rule(rule: PolicyRule) -> str:
    """Compact rule text for evidence: ``verbs=[get,list] apiGroups=[""] resources=[secrets]``."""
    parts = [f"verbs=[{','.join(rule.verbs)}]"]
    if rule.apiGroups:
        parts.append("apiGroups=[" + ",".join(g or '""' for g in rule.apiGroups) + "]")
    if rule.resources:
        parts.append(f"resources=[{','.join(rule.resources)}]")
    if rule.resourceNames:
        parts.append(f"resourceNames=[{','.join(rule.resourceNames)}]")
    if rule.nonResourceURLs:
        parts.append(f"nonResourceURLs=[{','.join(rule.nonResourceURLs)}]")
    return " ".join(parts)
