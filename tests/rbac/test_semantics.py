"""Which rules apply to whom (rbac.md §1.3), exact answers and reasons, indexed engine and reference alike."""

from tests.rbac.factories import (
    cluster_role,
    crb,
    group,
    inventory,
    rb,
    role,
    rule,
    sa,
    url_rule,
    user,
)

from kubeward.rbac.analyzer import RbacAnalysis
from kubeward.rbac.identity import (
    ANONYMOUS,
    Identity,
    impersonated,
    service_account_identity,
    split_service_account_username,
)
from kubeward.rbac.index import RbacIndex
from kubeward.rbac.policy import RbacPolicy
from kubeward.rbac.reference import ReferenceEvaluator
from kubeward.rbac.request import Request, non_resource_request, resource_request

PODS_READER = cluster_role("pods-reader", rule(["get", "list"], resources=["pods"]))
NODES_READER = cluster_role("nodes-reader", rule(["get"], resources=["nodes"]), url_rule(["get"], ["/metrics"]))


def answers(inv_objects: tuple, identity: Identity, request: Request) -> bool:
    inv = inventory(*inv_objects)
    indexed = RbacIndex(RbacPolicy.from_inventory(inv)).can_i(identity, request).allowed
    assert ReferenceEvaluator(inv).can_i(identity, request) == indexed
    return indexed


ALICE = impersonated("alice")


def test_rolebinding_to_clusterrole_is_scoped_to_its_namespace() -> None:
    objects = (PODS_READER, rb("ns1", "read", "pods-reader", user("alice"), kind="ClusterRole"))
    assert answers(objects, ALICE, resource_request("get", "pods", namespace="ns1"))
    assert not answers(objects, ALICE, resource_request("get", "pods", namespace="ns2"))
    assert not answers(objects, ALICE, resource_request("list", "pods"))  # all namespaces


def test_rolebinding_grants_nothing_cluster_scoped_nor_urls() -> None:
    objects = (NODES_READER, rb("ns1", "nodes", "nodes-reader", user("alice"), kind="ClusterRole"))
    assert not answers(objects, ALICE, resource_request("get", "nodes"))
    assert not answers(objects, ALICE, non_resource_request("get", "/metrics"))
    objects = (NODES_READER, crb("nodes", "nodes-reader", user("alice")))
    assert answers(objects, ALICE, resource_request("get", "nodes"))
    assert answers(objects, ALICE, non_resource_request("get", "/metrics"))


def test_role_is_looked_up_in_the_binding_namespace() -> None:
    objects = (
        role("ns1", "reader", rule(["get"], resources=["pods"])),
        rb("ns2", "read", "reader", user("alice")),
    )
    assert not answers(objects, ALICE, resource_request("get", "pods", namespace="ns2"))
    assert not answers(objects, ALICE, resource_request("get", "pods", namespace="ns1"))


def test_clusterrolebinding_to_a_role_never_resolves() -> None:
    objects = (role("", "reader", rule(["get"], resources=["pods"])), crb("x", "reader", user("alice"), kind="Role"))
    inv = inventory(*objects)
    policy = RbacPolicy.from_inventory(inv)
    assert [b.error for b in policy.unresolved()] == ['role.rbac.authorization.k8s.io "reader" not found']


def test_missing_role_is_recorded_and_other_bindings_still_apply() -> None:
    objects = (
        crb("a-dangling", "gone", user("alice")),
        crb("b-good", "pods-reader", user("alice")),
        PODS_READER,
        rb("ns1", "c-weird", "x", user("alice"), kind="Something"),
    )
    inv = inventory(*objects)
    index = RbacIndex(RbacPolicy.from_inventory(inv))
    decision = index.can_i(ALICE, resource_request("get", "pods", namespace="ns1"))
    assert decision.allowed
    assert decision.errors == ('clusterrole.rbac.authorization.k8s.io "gone" not found',)
    denied = index.can_i(ALICE, resource_request("delete", "pods", namespace="ns1"))
    assert not denied.allowed
    assert denied.errors == (
        'clusterrole.rbac.authorization.k8s.io "gone" not found',
        'unsupported role reference kind: "Something"',
    )
    unresolved = RbacPolicy.from_inventory(inv).unresolved()
    assert {(b.name, b.missing) for b in unresolved} == {("a-dangling", "not_found"), ("c-weird", "unsupported_kind")}


def test_missing_role_when_roles_were_not_collected() -> None:
    inv = inventory(crb("x", "gone", user("alice")), all_rbac=False)
    [binding] = RbacPolicy.from_inventory(inv).unresolved()
    assert binding.missing == "not_collected"
    assert "(clusterroles were not collected)" in binding.error


def test_user_subject_is_exact_and_star_is_not_a_wildcard() -> None:
    objects = (PODS_READER, crb("star", "pods-reader", user("*")))
    assert not answers(objects, ALICE, resource_request("get", "pods", namespace="a"))
    assert answers(objects, impersonated("*"), resource_request("get", "pods", namespace="a"))
    objects = (PODS_READER, crb("case", "pods-reader", user("Alice")))
    assert not answers(objects, ALICE, resource_request("get", "pods", namespace="a"))


def test_group_subject_is_membership() -> None:
    objects = (PODS_READER, crb("devs", "pods-reader", group("devs")))
    assert answers(objects, impersonated("bob", ["devs"]), resource_request("get", "pods", namespace="a"))
    assert not answers(objects, impersonated("bob"), resource_request("get", "pods", namespace="a"))


def test_service_account_subject_namespace_defaults_to_the_rolebinding() -> None:
    objects = (PODS_READER, rb("ns1", "x", "pods-reader", sa("robot"), kind="ClusterRole"))
    robot = service_account_identity("ns1", "robot")
    assert answers(objects, robot, resource_request("get", "pods", namespace="ns1"))
    other = service_account_identity("ns2", "robot")
    assert not answers(objects, other, resource_request("get", "pods", namespace="ns1"))


def test_service_account_subject_without_namespace_in_a_clusterrolebinding_never_applies() -> None:
    objects = (PODS_READER, crb("x", "pods-reader", sa("robot")))
    for namespace in ("", "default", "kube-system"):
        robot = service_account_identity(namespace or "default", "robot")
        assert not answers(objects, robot, resource_request("get", "pods", namespace=namespace))


def test_service_account_matches_by_username_even_as_a_user_subject() -> None:
    objects = (PODS_READER, crb("x", "pods-reader", user("system:serviceaccount:ci:robot")))
    assert answers(objects, service_account_identity("ci", "robot"), resource_request("get", "pods", namespace="a"))


def test_implicit_service_account_groups() -> None:
    objects = (
        PODS_READER,
        crb("all-sa", "pods-reader", group("system:serviceaccounts")),
        NODES_READER,
        crb("ci-sa", "nodes-reader", group("system:serviceaccounts:ci")),
    )
    ci_robot = service_account_identity("ci", "robot")
    web_robot = service_account_identity("web", "robot")
    assert answers(objects, ci_robot, resource_request("get", "pods", namespace="x"))
    assert answers(objects, web_robot, resource_request("get", "pods", namespace="x"))
    assert answers(objects, ci_robot, resource_request("get", "nodes"))
    assert not answers(objects, web_robot, resource_request("get", "nodes"))
    assert not answers(objects, ALICE, resource_request("get", "pods", namespace="x"))


def test_authenticated_and_unauthenticated() -> None:
    objects = (
        PODS_READER,
        crb("everyone", "pods-reader", group("system:authenticated")),
        NODES_READER,
        crb("anon", "nodes-reader", group("system:unauthenticated")),
    )
    assert answers(objects, ALICE, resource_request("get", "pods", namespace="x"))
    assert answers(objects, service_account_identity("a", "b"), resource_request("get", "pods", namespace="x"))
    assert not answers(objects, ANONYMOUS, resource_request("get", "pods", namespace="x"))
    assert answers(objects, ANONYMOUS, non_resource_request("get", "/metrics"))
    assert not answers(objects, ALICE, non_resource_request("get", "/metrics"))


def test_namespace_star_is_literal() -> None:
    objects = (PODS_READER, rb("ns1", "x", "pods-reader", user("alice"), kind="ClusterRole"))
    assert not answers(objects, ALICE, resource_request("get", "pods", namespace="*"))
    objects = (PODS_READER, crb("x", "pods-reader", user("alice")))
    assert answers(objects, ALICE, resource_request("get", "pods", namespace="*"))


def test_system_masters_is_allowed_everything() -> None:
    masters = impersonated("root", ["system:masters"])
    decision = RbacIndex(RbacPolicy.from_inventory(inventory())).can_i(masters, resource_request("delete", "nodes"))
    assert decision.allowed and decision.privileged
    assert ReferenceEvaluator(inventory()).can_i(masters, resource_request("delete", "nodes"))


def test_reasons_follow_the_authorizer() -> None:
    inv = inventory(
        PODS_READER,
        crb("crb", "pods-reader", group("devs")),
        rb("ns1", "rb", "pods-reader", sa("robot"), kind="ClusterRole"),
    )
    index = RbacIndex(RbacPolicy.from_inventory(inv))
    first = index.can_i(impersonated("bob", ["devs"]), resource_request("get", "pods", namespace="x"))
    assert first.reason() == 'RBAC: allowed by ClusterRoleBinding "crb" of ClusterRole "pods-reader" to Group "devs"'
    second = index.can_i(service_account_identity("ns1", "robot"), resource_request("get", "pods", namespace="ns1"))
    assert second.reason() == (
        'RBAC: allowed by RoleBinding "rb/ns1" of ClusterRole "pods-reader" to ServiceAccount "robot/ns1"'
    )


def test_impersonation_groups() -> None:
    assert impersonated("alice") == Identity("alice", frozenset({"system:authenticated"}))
    assert impersonated("system:serviceaccount:ci:deployer") == Identity(
        "system:serviceaccount:ci:deployer",
        frozenset({"system:serviceaccounts", "system:serviceaccounts:ci", "system:authenticated"}),
    )
    assert impersonated("system:anonymous") == Identity("system:anonymous", frozenset())
    # Explicit groups are the authority: nothing is added.
    assert impersonated("system:serviceaccount:ci:deployer", ["x"]) == Identity(
        "system:serviceaccount:ci:deployer", frozenset({"x"})
    )
    assert split_service_account_username("system:serviceaccount:ci:deployer") == ("ci", "deployer")
    assert split_service_account_username("system:serviceaccount:ci:a:b") is None
    assert split_service_account_username("system:serviceaccount:CI:deployer") is None


def test_rules_review_lists_resource_and_url_rules() -> None:
    inv = inventory(
        NODES_READER,
        crb("nodes", "nodes-reader", user("alice")),
        role("ns1", "pods", rule(["list"], resources=["pods"])),
        rb("ns1", "pods", "pods", user("alice")),
    )
    index = RbacIndex(RbacPolicy.from_inventory(inv))
    review = index.rules_for(ALICE, "ns1")
    assert [g.rule.rule.resources for g in review.resource_rules] == [("nodes",), ("pods",)]
    assert [g.rule.rule.nonResourceURLs for g in review.non_resource_rules] == [("/metrics",)]
    assert [g.rule.rule.resources for g in index.rules_for(ALICE, "ns2").resource_rules] == [("nodes",)]


def test_who_can_lists_masters_first_then_bound_subjects_in_order() -> None:
    inv = inventory(
        PODS_READER,
        crb("b", "pods-reader", group("devs"), sa("no-namespace")),
        rb("ns1", "a", "pods-reader", user("carol"), kind="ClusterRole"),
        rb("ns2", "c", "pods-reader", user("dave"), kind="ClusterRole"),
    )
    answer = RbacIndex(RbacPolicy.from_inventory(inv)).who_can(resource_request("get", "pods", namespace="ns1"))
    assert [(e.subject.kind, e.subject.name, e.effective) for e in answer.entries] == [
        ("Group", "system:masters", True),
        ("Group", "devs", True),
        ("ServiceAccount", "no-namespace", False),
        ("User", "carol", True),
    ]


def test_analysis_marks_missing_parts() -> None:
    inv = inventory(PODS_READER, crb("x", "pods-reader", user("alice")), all_rbac=False)
    policy = RbacAnalysis(inv).policy
    assert {rec.part for rec in policy.missing_for(namespaced=True)} == {"roles", "rolebindings"}
    assert policy.missing_for(namespaced=False) == ()
