"""Properties on generated RBAC: the indexed engine agrees with the brute-force evaluator, who-can
equals the set of identities for which can-i is yes, compiled rules agree with the plain matchers,
and every unrestricted capability the risk engine reports is a real can-i yes.

The generators deliberately draw from small pools full of edge cases (``*`` in every position,
``pods/*``, ``*/exec``, ``*/*``, names ``*`` and ``""``, URLs with trailing and inner ``*``, case
variants, missing roles, unsupported role kinds, service-account subjects without a namespace,
aggregation labels), so collisions — where the semantics differ — are common.
"""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.rbac.factories import cluster_role, crb, inventory, rb, role, service_account

from kubeward.inventory.model import Inventory
from kubeward.inventory.objects import KubeObject, LabelSelector, PolicyRule, Subject
from kubeward.rbac.analyzer import RbacAnalysis
from kubeward.rbac.capabilities import ATOM_BY_KEY
from kubeward.rbac.compiled import CompiledRule
from kubeward.rbac.identity import Identity
from kubeward.rbac.matchers import rule_allows
from kubeward.rbac.reference import ReferenceEvaluator
from kubeward.rbac.request import Request, non_resource_request, resource_request
from kubeward.rbac.subjects import SubjectRef, identity_of

NAMESPACES = ("a", "b")
VERBS = ("get", "get", "list", "create", "delete", "escalate", "bind", "impersonate", "*", "*", "Get")
GROUPS = ("", "", "apps", "rbac.authorization.k8s.io", "*")
RESOURCES = ("pods", "pods/exec", "pods/*", "*/exec", "*", "*/*", "secrets", "nodes", "roles", "users", "Pods")
NAMES = ("x", "y", "*", "")
URLS = ("/healthz", "/api/*", "/api", "*", "/foo**", "/api/*/*", "/metrics")
ROLE_NAMES = ("r1", "r1", "r2", "r2", "r3", "missing")
LABELS = ({}, {"agg": "one"}, {"agg": "two"}, {"agg": "one", "extra": "x"})
SUBJECTS = (
    Subject(kind="User", name="alice"),
    Subject(kind="User", name="*"),
    Subject(kind="User", name="system:serviceaccount:a:robot"),
    Subject(kind="User", name="system:anonymous"),
    Subject(kind="Group", name="devs"),
    Subject(kind="Group", name="system:authenticated"),
    Subject(kind="Group", name="system:unauthenticated"),
    Subject(kind="Group", name="system:serviceaccounts"),
    Subject(kind="Group", name="system:serviceaccounts:b"),
    Subject(kind="Group", name="system:masters"),
    Subject(kind="ServiceAccount", name="robot", namespace="a"),
    Subject(kind="ServiceAccount", name="robot"),
    Subject(kind="ServiceAccount", name="builder", namespace="b"),
    Subject(kind="Robot", name="alice"),
)
EXTRA_IDENTITIES = (
    Identity("alice", frozenset({"devs", "system:authenticated"})),
    Identity("*", frozenset()),
    Identity("system:serviceaccount:b:robot", frozenset({"system:serviceaccounts:b"})),
)


def some(values: tuple, max_size: int = 3, min_size: int = 1) -> st.SearchStrategy[tuple]:
    return st.lists(st.sampled_from(values), min_size=min_size, max_size=max_size).map(tuple)


policy_rules = st.one_of(
    st.builds(
        lambda verbs, groups, resources, names: PolicyRule(
            verbs=verbs, apiGroups=groups, resources=resources, resourceNames=names
        ),
        some(VERBS),
        some(GROUPS, 2, min_size=0),
        some(RESOURCES),
        st.one_of(st.just(()), st.just(()), some(NAMES, 2)),
    ),
    st.builds(lambda verbs, urls: PolicyRule(verbs=verbs, nonResourceURLs=urls), some(VERBS), some(URLS)),
    st.builds(
        lambda verbs, resources, urls: PolicyRule(
            verbs=verbs, apiGroups=("*",), resources=resources, nonResourceURLs=urls
        ),
        some(VERBS),
        some(RESOURCES),
        some(URLS),
    ),
)
rule_lists = st.lists(policy_rules, min_size=1, max_size=3).map(tuple)


@st.composite
def rbac_objects(draw: st.DrawFn) -> Inventory:
    objects: list[KubeObject] = []
    for name in ("r1", "r2", "r3"):
        kind = draw(st.sampled_from(("plain", "plain", "aggregated", "absent")))
        labels = draw(st.sampled_from(LABELS))
        if kind == "plain":
            objects.append(cluster_role(name, *draw(rule_lists), labels=labels))
        elif kind == "aggregated":
            target = draw(st.sampled_from(({"agg": "one"}, {"agg": "two"}, {})))
            objects.append(
                cluster_role(
                    name, aggregate=[LabelSelector(matchLabels=target)], stored_rules=draw(rule_lists), labels=labels
                )
            )
    for namespace in NAMESPACES:
        for name in draw(st.lists(st.sampled_from(("r1", "r2")), max_size=2, unique=True)):
            objects.append(role(namespace, name, *draw(rule_lists)))
    subjects = st.lists(st.sampled_from(SUBJECTS), min_size=1, max_size=3).map(tuple)
    for index in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(("ClusterRole", "ClusterRole", "ClusterRole", "Role", "Other")))
        objects.append(crb(f"crb{index}", draw(st.sampled_from(ROLE_NAMES)), *draw(subjects), kind=kind))
    for index in range(draw(st.integers(1, 5))):
        kind = draw(st.sampled_from(("ClusterRole", "ClusterRole", "Role", "Role", "Other")))
        namespace = draw(st.sampled_from(NAMESPACES))
        objects.append(rb(namespace, f"rb{index}", draw(st.sampled_from(ROLE_NAMES)), *draw(subjects), kind=kind))
    objects.append(service_account("a", "robot"))
    objects.append(service_account("b", "builder"))
    return inventory(*objects)


resource_requests = st.builds(
    lambda verb, group, resource, sub, name, namespace: resource_request(
        verb, resource, api_group=group, subresource=sub, name=name, namespace=namespace
    ),
    st.sampled_from(("get", "get", "list", "create", "escalate", "bind", "impersonate", "Get")),
    st.sampled_from(("", "", "apps", "rbac.authorization.k8s.io")),
    st.sampled_from(("pods", "pods", "secrets", "nodes", "roles", "users", "*", "Pods")),
    st.sampled_from(("", "", "exec", "status", "*")),
    st.sampled_from(("", "", "x", "y", "*")),
    st.sampled_from(("", "a", "a", "b", "*")),
)
url_requests = st.builds(
    non_resource_request,
    st.sampled_from(("get", "post")),
    st.sampled_from(("/healthz", "/api", "/api/v1", "/foo", "/foobar", "/metrics", "/", "/api/*/*")),
)
requests = st.lists(st.one_of(resource_requests, url_requests), min_size=1, max_size=6)

PROPERTY_SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def identities(analysis: RbacAnalysis) -> list[Identity]:
    return [*analysis.universe.identities.values(), *EXTRA_IDENTITIES]


@pytest.mark.slow
@PROPERTY_SETTINGS
@given(rbac_objects(), requests)
def test_indexed_engine_agrees_with_brute_force(inv: Inventory, asked: list[Request]) -> None:
    analysis = RbacAnalysis(inv)
    reference = ReferenceEvaluator(inv)
    for request in asked:
        for identity in identities(analysis):
            decision = analysis.index.can_i(identity, request)
            assert decision.allowed == reference.can_i(identity, request), (identity, request)
            if decision.grant is not None:
                assert decision.grant.rule.allows(request)


@pytest.mark.slow
@PROPERTY_SETTINGS
@given(rbac_objects(), requests)
def test_who_can_equals_the_identities_can_i_allows(inv: Inventory, asked: list[Request]) -> None:
    analysis = RbacAnalysis(inv)
    universe = analysis.universe
    for request in asked:
        answer = analysis.index.who_can(request)
        expanded: set[SubjectRef] = set()
        for entry in answer.entries:
            namespace = entry.grant.binding.namespace if entry.grant is not None else ""
            expanded.update(universe.expand(entry.subject, namespace))
        allowed = {ref for ref in universe.refs if analysis.index.can_i(identity_of(ref), request).allowed}
        assert expanded == allowed, request
        assert [e.subject for e in answer.entries] == ReferenceEvaluator(inv).allowed_subjects(request)


@settings(max_examples=300, deadline=None)
@given(policy_rules, st.one_of(resource_requests, url_requests))
def test_compiled_rules_agree_with_the_matchers(policy_rule: PolicyRule, request: Request) -> None:
    assert CompiledRule(policy_rule).allows(request) == rule_allows(request, policy_rule)


@pytest.mark.slow
@PROPERTY_SETTINGS
@given(rbac_objects())
def test_unrestricted_capabilities_are_real_permissions(inv: Inventory) -> None:
    analysis = RbacAnalysis(inv)
    holdings = analysis.holdings
    for ref in holdings.subjects():
        identity = identity_of(ref)
        for grant in holdings.grants(ref, ATOM_BY_KEY):
            if grant.names is not None:
                continue
            atom = ATOM_BY_KEY[grant.atom]
            namespace = (grant.scope or "a") if atom.namespaced else ""
            request = resource_request(
                atom.verb, atom.resource, api_group=atom.group, subresource=atom.subresource, namespace=namespace
            )
            assert analysis.index.can_i(identity, request).allowed, (ref, grant.atom, grant.scope)
