"""The API server's policy checker: which rule a request matches, its level and omitted stages.

Semantics from ``staging/src/k8s.io/apiserver/pkg/audit/policy/checker.go`` (Kubernetes 1.35; group ``"*"``
added in 1.36, commit 6728d949): rules are tried in order and the first match wins; no match means level
None with the policy-wide omitStages. Each rule's omitStages is the union of its own and the policy's.
A request with no user (failed authentication) never matches ``users`` or ``userGroups`` rules.
"""

from dataclasses import dataclass

from kubeward.audit.policy.model import GroupResources, Policy, PolicyRule

NO_MATCH = -1


@dataclass(frozen=True)
class Request:
    """The authorizer attributes the checker reads. ``user`` None = failed authentication (401)."""

    verb: str
    resource: str = ""
    subresource: str = ""
    group: str = ""
    namespace: str = ""
    name: str = ""
    user: str | None = "user"
    user_groups: tuple[str, ...] = ()
    path: str = ""

    @property
    def is_resource_request(self) -> bool:
        """Non-resource requests (``/healthz``) carry a path and no resource."""
        return bool(self.resource)

    def describe(self) -> str:
        """``create pods/exec in ns default as alice`` — for messages."""
        if not self.is_resource_request:
            target = self.path
        else:
            target = self.resource + (f"/{self.subresource}" if self.subresource else "")
            if self.group:
                target += f".{self.group}"
            if self.namespace:
                target += f" in namespace {self.namespace}"
        who = "an unauthenticated client" if self.user is None else self.user
        return f"{self.verb} {target} by {who}"


@dataclass(frozen=True)
class Decision:
    """What the checker decides: the rule index (NO_MATCH when none), level, omitted stages, managed fields."""

    rule: int
    level: str
    omit_stages: frozenset[str]
    omit_managed_fields: bool


def evaluate(policy: Policy, request: Request) -> Decision:
    """``LevelAndStages`` of checker.go, plus the effective omitManagedFields of the matching rule."""
    for index, rule in enumerate(policy.rules):
        if rule_matches(rule, request):
            managed = policy.omit_managed_fields if rule.omit_managed_fields is None else rule.omit_managed_fields
            return Decision(index, rule.level, frozenset(policy.omit_stages) | frozenset(rule.omit_stages), managed)
    return Decision(NO_MATCH, "None", frozenset(policy.omit_stages), policy.omit_managed_fields)


def rule_matches(rule: PolicyRule, request: Request) -> bool:
    """Every non-empty selector must match; resource selectors take precedence over nonResourceURLs."""
    if rule.users and (request.user is None or request.user not in rule.users):
        return False
    if rule.user_groups and (request.user is None or not set(request.user_groups) & set(rule.user_groups)):
        return False
    if rule.verbs and request.verb not in rule.verbs:
        return False
    if rule.namespaces or rule.resources:
        return _matches_resource(rule, request)
    if rule.non_resource_urls:
        return not request.is_resource_request and any(path_matches(request.path, s) for s in rule.non_resource_urls)
    return True


def path_matches(path: str, spec: str) -> bool:
    """``*``, an exact path, or a trailing ``*`` as a plain string prefix (``/api*`` matches ``/apis/x``)."""
    if spec == "*" or spec == path:
        return True
    return spec.endswith("*") and path.startswith(spec.rstrip("*"))


def _matches_resource(rule: PolicyRule, request: Request) -> bool:
    if not request.is_resource_request:
        return False
    if rule.namespaces and request.namespace not in rule.namespaces:
        return False
    if not rule.resources:
        return True
    return any(group_resources_match(entry, request) for entry in rule.resources)


def group_resources_match(entry: GroupResources, request: Request) -> bool:
    """One ``resources:`` entry against a resource request (group, resource forms, resourceNames)."""
    if entry.group != request.group and entry.group != "*":
        return False
    if not entry.resources:
        return True
    if entry.resource_names and request.name not in entry.resource_names:
        return False
    return any(resource_matches(spec, request.resource, request.subresource) for spec in entry.resources)


def resource_matches(spec: str, resource: str, subresource: str) -> bool:
    """``res``/``res/sub`` exactly, ``*``, ``*/sub``, or ``res/*`` — which also matches ``res`` itself, as
    checker.go compares the resource without requiring a subresource (types.go documents only the subresource).
    """
    combined = f"{resource}/{subresource}" if subresource else resource
    if spec in ("*", combined):
        return True
    if subresource and spec.startswith("*/") and spec[2:] == subresource:
        return True
    return spec.endswith("/*") and spec[:-2] == resource
