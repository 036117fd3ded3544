"""Rules compiled for fast matching: the same semantics as ``matchers``, with sets instead of scans.

A cluster has far fewer distinct rules than rule occurrences (every ``edit`` binding shares the
same rules; generated roles repeat the same few rules), so compiled rules are interned by value:
``RuleCompiler`` returns one ``CompiledRule`` per distinct ``PolicyRule``. Equivalence with
``matchers.rule_allows`` is a property test.
"""

from kubeward.inventory.objects import PolicyRule
from kubeward.rbac.request import Request


class CompiledRule:
    """One ``PolicyRule`` as frozensets and wildcard flags."""

    __slots__ = (
        "all_groups",
        "all_resources",
        "all_verbs",
        "groups",
        "names",
        "resources",
        "rule",
        "url_prefixes",
        "urls",
        "verbs",
    )

    def __init__(self, rule: PolicyRule) -> None:
        self.rule = rule
        self.verbs = frozenset(rule.verbs)
        self.all_verbs = "*" in self.verbs
        self.groups = frozenset(rule.apiGroups)
        self.all_groups = "*" in self.groups
        self.resources = frozenset(rule.resources)
        self.all_resources = "*" in self.resources
        self.names = frozenset(rule.resourceNames)
        self.urls = frozenset(rule.nonResourceURLs)
        # A URL ending in "*" covers every path starting with it minus ALL trailing "*" ("*" → "").
        self.url_prefixes = tuple(url.rstrip("*") for url in rule.nonResourceURLs if url.endswith("*"))

    def allows(self, request: Request) -> bool:
        """``RuleAllows`` for this rule."""
        if not (self.all_verbs or request.verb in self.verbs):
            return False
        if request.resource_request:
            if not (self.all_groups or request.api_group in self.groups):
                return False
            resources = self.resources
            if not (
                self.all_resources
                or request.combined in resources
                or (request.subresource and request.star_subresource in resources)
            ):
                return False
            return not self.names or request.name in self.names
        path = request.path
        if path in self.urls:
            return True
        return any(path.startswith(prefix) for prefix in self.url_prefixes)

    @property
    def is_full_wildcard(self) -> bool:
        """``*`` verbs on ``*`` resources in ``*`` groups, for any name: every resource request."""
        return self.all_verbs and self.all_groups and self.all_resources and not self.names


class RuleCompiler:
    """Interns compiled rules by value."""

    def __init__(self) -> None:
        self._cache: dict[PolicyRule, CompiledRule] = {}

    def compile(self, rules: tuple[PolicyRule, ...]) -> tuple[CompiledRule, ...]:
        """Compile each rule, reusing earlier compilations of equal rules."""
        cache = self._cache
        out: list[CompiledRule] = []
        for rule in rules:
            compiled = cache.get(rule)
            if compiled is None:
                compiled = cache[rule] = CompiledRule(rule)
            out.append(compiled)
        return tuple(out)

    @property
    def distinct(self) -> int:
        """How many distinct rules were compiled."""
        return len(self._cache)
