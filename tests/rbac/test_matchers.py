"""The exact matchers of rbac.md §1.2, case by case, through the plain matchers and the compiled rules.

Every case is asked of both implementations: the compiled rule must agree with ``rule_allows``.
"""

import pytest
from tests.rbac.factories import rule, url_rule

from kubeward.inventory.objects import PolicyRule
from kubeward.rbac.compiled import CompiledRule
from kubeward.rbac.matchers import rule_allows
from kubeward.rbac.request import Request, non_resource_request, resource_request


def both(request: Request, policy_rule: PolicyRule) -> bool:
    plain = rule_allows(request, policy_rule)
    compiled = CompiledRule(policy_rule).allows(request)
    assert plain == compiled, (request, policy_rule)
    return plain


CASES = [
    # (description, rule, request, allowed)
    ("verb literal", rule(["get"], resources=["pods"]), resource_request("get", "pods", namespace="a"), True),
    ("verb mismatch", rule(["get"], resources=["pods"]), resource_request("list", "pods", namespace="a"), False),
    ("verbs are case-sensitive", rule(["Get"], resources=["pods"]), resource_request("get", "pods"), False),
    (
        "* verb covers escalate",
        rule(["*"], ["rbac.authorization.k8s.io"], ["roles"]),
        resource_request("escalate", "roles", api_group="rbac.authorization.k8s.io"),
        True,
    ),
    ("* verb covers impersonate", rule(["*"], resources=["users"]), resource_request("impersonate", "users"), True),
    (
        "* verb covers approve",
        rule(["*"], ["certificates.k8s.io"], ["signers"]),
        resource_request("approve", "signers", api_group="certificates.k8s.io", name="kubernetes.io/x"),
        True,
    ),
    ("core group is empty string", rule(["get"], [""], ["pods"]), resource_request("get", "pods"), True),
    (
        "core rule does not cover apps",
        rule(["get"], [""], ["deployments"]),
        resource_request("get", "deployments", api_group="apps"),
        False,
    ),
    ("* group", rule(["get"], ["*"], ["deployments"]), resource_request("get", "deployments", api_group="apps"), True),
    (
        "empty apiGroups matches nothing",
        PolicyRule(verbs=("get",), resources=("pods",)),
        resource_request("get", "pods"),
        False,
    ),
    (
        "* resource covers subresources",
        rule(["get"], resources=["*"]),
        resource_request("get", "pods", subresource="log"),
        True,
    ),
    (
        "pods does not cover pods/status",
        rule(["get"], resources=["pods"]),
        resource_request("get", "pods", subresource="status"),
        False,
    ),
    (
        "pods/status does not cover pods",
        rule(["get"], resources=["pods/status"]),
        resource_request("get", "pods"),
        False,
    ),
    (
        "exact subresource",
        rule(["create"], resources=["pods/exec"]),
        resource_request("create", "pods", subresource="exec"),
        True,
    ),
    (
        "*/subresource covers that subresource of any resource",
        rule(["get"], ["*"], ["*/scale"]),
        resource_request("get", "deployments", api_group="apps", subresource="scale"),
        True,
    ),
    (
        "*/subresource does not cover the resource",
        rule(["get"], ["*"], ["*/scale"]),
        resource_request("get", "deployments", api_group="apps"),
        False,
    ),
    (
        "*/subresource does not cover another subresource",
        rule(["get"], resources=["*/scale"]),
        resource_request("get", "pods", subresource="status"),
        False,
    ),
    (
        "pods/* is not a wildcard (kubernetes#78936)",
        rule(["create"], resources=["pods/*"]),
        resource_request("create", "pods", subresource="exec"),
        False,
    ),
    ("*/* is not special (checkov#2938)", rule(["get"], resources=["*/*"]), resource_request("get", "pods"), False),
    (
        "*/* does not cover a subresource either",
        rule(["get"], resources=["*/*"]),
        resource_request("get", "pods", subresource="log"),
        False,
    ),
    (
        "no resourceNames: any name",
        rule(["get"], resources=["secrets"]),
        resource_request("get", "secrets", name="x", namespace="a"),
        True,
    ),
    (
        "resourceNames: listed name",
        rule(["get"], resources=["secrets"], names=["x"]),
        resource_request("get", "secrets", name="x", namespace="a"),
        True,
    ),
    (
        "resourceNames: other name",
        rule(["get"], resources=["secrets"], names=["x"]),
        resource_request("get", "secrets", name="y", namespace="a"),
        False,
    ),
    (
        "resourceNames never match list without a name",
        rule(["list"], resources=["secrets"], names=["x"]),
        resource_request("list", "secrets", namespace="a"),
        False,
    ),
    (
        "resourceNames: list with a metadata.name field selector carries the name",
        rule(["list"], resources=["secrets"], names=["x"]),
        resource_request("list", "secrets", name="x"),
        True,
    ),
    (
        "resourceNames never match create",
        rule(["create"], resources=["pods"], names=["x"]),
        resource_request("create", "pods", namespace="a"),
        False,
    ),
    (
        "resourceNames never match deletecollection",
        rule(["deletecollection"], resources=["pods"], names=["x"]),
        resource_request("deletecollection", "pods", namespace="a"),
        False,
    ),
    (
        "* in resourceNames is a literal name",
        rule(["get"], resources=["secrets"], names=["*"]),
        resource_request("get", "secrets", name="db"),
        False,
    ),
    (
        "* in resourceNames matches the name '*'",
        rule(["get"], resources=["secrets"], names=["*"]),
        resource_request("get", "secrets", name="*"),
        True,
    ),
    ("URL *", url_rule(["get"], ["*"]), non_resource_request("get", "/anything/at/all"), True),
    ("URL exact", url_rule(["get"], ["/healthz"]), non_resource_request("get", "/healthz"), True),
    (
        "URL exact does not cover a subpath",
        url_rule(["get"], ["/healthz"]),
        non_resource_request("get", "/healthz/etcd"),
        False,
    ),
    ("URL trailing * is a prefix", url_rule(["get"], ["/api/*"]), non_resource_request("get", "/api/v1"), True),
    ("/foo/* does not cover /foo", url_rule(["get"], ["/foo/*"]), non_resource_request("get", "/foo"), False),
    ("TrimRight strips every trailing *", url_rule(["get"], ["/foo**"]), non_resource_request("get", "/foobar"), True),
    ("prefix without slash", url_rule(["get"], ["/api*"]), non_resource_request("get", "/apis/apps"), True),
    ("/api/*/* does not cover /api/v1", url_rule(["get"], ["/api/*/*"]), non_resource_request("get", "/api/v1"), False),
    ("inner * is literal", url_rule(["get"], ["/*/v1/*"]), non_resource_request("get", "/api/v1/pods"), False),
    ("URL verb", url_rule(["get"], ["/metrics"]), non_resource_request("post", "/metrics"), False),
    ("a URL rule never allows a resource request", url_rule(["*"], ["*"]), resource_request("get", "pods"), False),
    ("a resource rule never allows a URL", rule(["*"], ["*"], ["*"]), non_resource_request("get", "/healthz"), False),
]


@pytest.mark.parametrize(("description", "policy_rule", "request_", "allowed"), CASES, ids=[c[0] for c in CASES])
def test_matcher_case(description: str, policy_rule: PolicyRule, request_: Request, allowed: bool) -> None:
    assert both(request_, policy_rule) is allowed


def test_mixed_rule_is_evaluated_by_both_halves() -> None:
    # Validation forbids it, but the matchers still evaluate a rule with resources and URLs
    # (rbac_test.go's newRule builds such rules).
    mixed = PolicyRule(verbs=("get",), apiGroups=("",), resources=("pods",), nonResourceURLs=("/healthz",))
    assert both(resource_request("get", "pods"), mixed)
    assert both(non_resource_request("get", "/healthz"), mixed)


def test_empty_resource_name_entry_matches_a_nameless_request() -> None:
    # ResourceNameMatches compares literally: a rule listing "" matches a request without a name.
    odd = rule(["list"], resources=["pods"], names=[""])
    assert both(resource_request("list", "pods"), odd)
