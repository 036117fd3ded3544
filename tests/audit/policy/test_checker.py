"""The checker against checker.go's semantics, one selector at a time, on small hand-written policies."""

import pytest

from kubeward.audit.policy.checker import NO_MATCH, Request, evaluate, path_matches, resource_matches
from kubeward.audit.policy.model import parse_policy

POLICY = b"""\
apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived]
omitManagedFields: true
rules:
- level: None
  users: [system:kube-proxy]
  verbs: [watch]
  resources:
  - group: ""
    resources: [endpoints]
- level: RequestResponse
  userGroups: [admins]
  omitStages: [ResponseStarted]
  omitManagedFields: false
- level: Metadata
  resources:
  - group: ""
    resources: [secrets]
    resourceNames: [db-password]
- level: Request
  namespaces: [kube-system]
- level: None
  nonResourceURLs: [/healthz*, /version]
"""


def decide(**fields: object) -> tuple[int, str, frozenset[str], bool]:
    doc = parse_policy(POLICY, "policy.yaml")
    d = evaluate(doc.policy, Request(**fields))  # type: ignore[arg-type]
    return d.rule, d.level, d.omit_stages, d.omit_managed_fields


def test_first_match_wins_and_stages_are_a_union() -> None:
    assert decide(verb="get", resource="secrets", name="db-password", user="a", user_groups=("admins",)) == (
        1,
        "RequestResponse",
        frozenset({"RequestReceived", "ResponseStarted"}),
        False,
    )


def test_users_verbs_and_resource_intersect() -> None:
    assert decide(verb="watch", resource="endpoints", namespace="x", user="system:kube-proxy")[:2] == (0, "None")
    assert decide(verb="list", resource="endpoints", namespace="x", user="system:kube-proxy")[0] == NO_MATCH


def test_no_user_never_matches_user_or_group_rules() -> None:
    assert decide(verb="get", resource="pods", namespace="kube-system", user=None, user_groups=("admins",))[:2] == (
        3,
        "Request",
    )


def test_resource_names_and_unmatched_default() -> None:
    assert decide(verb="get", resource="secrets", name="db-password", user="u")[:2] == (2, "Metadata")
    assert decide(verb="get", resource="secrets", name="other", user="u") == (
        NO_MATCH,
        "None",
        frozenset({"RequestReceived"}),
        True,
    )


def test_namespaces_select_only_resource_requests() -> None:
    assert decide(verb="get", path="/api", user="u")[0] == NO_MATCH
    assert decide(verb="get", path="/healthz/etcd", user="u")[:2] == (4, "None")
    assert decide(verb="get", path="/versions", user="u")[0] == NO_MATCH


@pytest.mark.parametrize(
    ("spec", "resource", "sub", "expected"),
    [
        ("pods", "pods", "", True),
        ("pods", "pods", "exec", False),
        ("pods/exec", "pods", "exec", True),
        ("*", "pods", "log", True),
        ("*/exec", "pods", "exec", True),
        ("*/exec", "pods", "", False),
        ("pods/*", "pods", "log", True),
        ("pods/*", "pods", "", True),  # checker.go: "res/*" matches res itself
        ("pods/*", "nodes", "proxy", False),
    ],
)
def test_resource_forms(spec: str, resource: str, sub: str, expected: bool) -> None:
    assert resource_matches(spec, resource, sub) is expected


@pytest.mark.parametrize(
    ("path", "spec", "expected"),
    [("/apis/apps", "/api*", True), ("/api", "/api", True), ("/apis", "/api", False), ("/x", "*", True)],
)
def test_non_resource_prefixes(path: str, spec: str, expected: bool) -> None:
    assert path_matches(path, spec) is expected
