"""The real default RBAC policy of Kubernetes (tests/fixtures/k8s-bootstrap-rbac), analysed with exact
expected results. The expectations were read off the fixture files (see the comments), not off the
engine; aggregation is checked against the YAML parsed independently.
"""

from pathlib import Path

import msgspec
import pytest
import yaml
from tests.rbac.factories import rb, user

from kubeward.analysis import Analysis
from kubeward.checks.catalog import load_rules
from kubeward.engine import run_rules
from kubeward.inventory.model import Inventory
from kubeward.inventory.objects import PolicyRule, RoleBinding
from kubeward.rbac.analyzer import RbacAnalysis
from kubeward.rbac.builtin import is_builtin_grant, is_builtin_role
from kubeward.rbac.default_policy import (
    DEFAULT_CLUSTER_ROLE_BINDINGS,
    DEFAULT_CLUSTER_ROLES,
    DEFAULT_ROLE_BINDINGS,
    DEFAULT_ROLES,
)
from kubeward.rbac.identity import impersonated
from kubeward.rbac.request import Request, non_resource_request, resource_request
from kubeward.rbac.review import build_access_review
from kubeward.scan import OfflineSources, load_offline_inventory

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "k8s-bootstrap-rbac"
RBAC = "rbac.authorization.k8s.io"


def items(name: str) -> list[dict]:
    return yaml.safe_load((FIXTURE / name).read_text())["items"]


@pytest.fixture(scope="module")
def inventory() -> Inventory:
    return load_offline_inventory(OfflineSources(paths=[str(FIXTURE)]))


@pytest.fixture(scope="module")
def rbac(inventory: Inventory) -> RbacAnalysis:
    return RbacAnalysis(inventory)


def test_fixture_loads_completely(inventory: Inventory) -> None:
    counts = {rec.part: rec.count for rec in inventory.collection if rec.ok}
    assert counts == {"clusterroles": 70, "clusterrolebindings": 48, "roles": 7, "rolebindings": 7}
    assert inventory.issues == ()


def _rules(raw: list[dict] | None) -> tuple[PolicyRule, ...]:
    return tuple(
        PolicyRule(
            verbs=tuple(r.get("verbs") or ()),
            apiGroups=tuple(r.get("apiGroups") or ()),
            resources=tuple(r.get("resources") or ()),
            resourceNames=tuple(r.get("resourceNames") or ()),
            nonResourceURLs=tuple(r.get("nonResourceURLs") or ()),
        )
        for r in raw or ()
    )


def test_aggregation_matches_the_yaml(rbac: RbacAnalysis) -> None:
    raw = {item["metadata"]["name"]: item for item in items("cluster-roles.yaml")}
    assert raw["admin"]["rules"] is None and raw["edit"]["rules"] is None and raw["view"]["rules"] is None
    view = _rules(raw["system:aggregate-to-view"]["rules"])
    # edit selects aggregate-to-edit: system:aggregate-to-edit, then view (by name); duplicates once.
    edit = tuple(dict.fromkeys(_rules(raw["system:aggregate-to-edit"]["rules"]) + view))
    # admin selects aggregate-to-admin: edit, then system:aggregate-to-admin.
    admin = tuple(dict.fromkeys(edit + _rules(raw["system:aggregate-to-admin"]["rules"])))
    roles = rbac.policy.cluster_roles
    assert roles["view"].rules == view
    assert roles["edit"].rules == edit
    assert roles["admin"].rules == admin
    assert {name for name, role in roles.items() if role.aggregated} == {"admin", "edit", "view"}


def test_every_role_reference_resolves(rbac: RbacAnalysis) -> None:
    assert rbac.policy.unresolved() == []


QUESTIONS: list[tuple[str, Request, set[tuple[str, str, str]]]] = [
    (
        # */* list,watch (kube-controller-manager, resourcequota-controller); */* with list among the
        # verbs (generic-garbage-collector, namespace-controller).
        "list secrets -A",
        resource_request("list", "secrets"),
        {
            ("User", "", "system:kube-controller-manager"),
            ("ServiceAccount", "kube-system", "generic-garbage-collector"),
            ("ServiceAccount", "kube-system", "namespace-controller"),
            ("ServiceAccount", "kube-system", "resourcequota-controller"),
        },
    ),
    (
        # Roles system:controller:bootstrap-signer and token-cleaner in kube-system read secrets.
        "get secrets/x -n kube-system",
        resource_request("get", "secrets", namespace="kube-system", name="x"),
        {
            ("User", "", "system:kube-controller-manager"),
            ("ServiceAccount", "kube-system", "generic-garbage-collector"),
            ("ServiceAccount", "kube-system", "namespace-controller"),
            ("ServiceAccount", "kube-system", "bootstrap-signer"),
            ("ServiceAccount", "kube-system", "token-cleaner"),
        },
    ),
    (
        "create pods -n default",
        resource_request("create", "pods", namespace="default"),
        {
            ("ServiceAccount", "kube-system", name)
            for name in (
                "daemon-set-controller",
                "job-controller",
                "persistent-volume-binder",
                "replicaset-controller",
                "replication-controller",
                "statefulset-controller",
            )
        },
    ),
    (
        "create serviceaccounts/token -n default",
        resource_request("create", "serviceaccounts", subresource="token", namespace="default"),
        {("User", "", "system:kube-controller-manager")},  # system:node's binding has no subjects here
    ),
    (
        "escalate clusterroles",
        resource_request("escalate", "clusterroles", api_group=RBAC),
        {("ServiceAccount", "kube-system", "clusterrole-aggregation-controller")},
    ),
    (
        "bind clusterroles/cluster-admin",
        resource_request("bind", "clusterroles", api_group=RBAC, name="cluster-admin"),
        set(),
    ),
    (
        # podcheckpoint-controller holds nodes/proxy create,get; */* get covers subresources.
        "get nodes/proxy",
        resource_request("get", "nodes", subresource="proxy", name="node-1"),
        {
            ("ServiceAccount", "kube-system", "podcheckpoint-controller"),
            ("ServiceAccount", "kube-system", "generic-garbage-collector"),
            ("ServiceAccount", "kube-system", "namespace-controller"),
        },
    ),
    (
        "approve signers/kubernetes.io/kube-apiserver-client-kubelet",
        resource_request(
            "approve", "signers", api_group="certificates.k8s.io", name="kubernetes.io/kube-apiserver-client-kubelet"
        ),
        {("ServiceAccount", "kube-system", "certificate-controller")},
    ),
    (
        "get /healthz",
        non_resource_request("get", "/healthz"),
        {("Group", "", "system:authenticated"), ("Group", "", "system:unauthenticated")},
    ),
    ("get /api/v1", non_resource_request("get", "/api/v1"), {("Group", "", "system:authenticated")}),
    ("get /metrics", non_resource_request("get", "/metrics"), set()),  # system:monitoring is not bound here
    (
        # leases without resourceNames in the leader-locking Roles; kube-controller-manager's own
        # ClusterRole only names its own lease.
        "update leases/kube-scheduler -n kube-system",
        resource_request(
            "update", "leases", api_group="coordination.k8s.io", namespace="kube-system", name="kube-scheduler"
        ),
        {
            ("User", "", "system:kube-controller-manager"),
            ("User", "", "system:kube-scheduler"),
            ("ServiceAccount", "kube-system", "kube-controller-manager"),
            ("ServiceAccount", "kube-system", "kube-scheduler"),
            ("ServiceAccount", "kube-system", "leader-election-controller"),
            ("ServiceAccount", "kube-system", "generic-garbage-collector"),
        },
    ),
]


@pytest.mark.parametrize(("question", "request_", "expected"), QUESTIONS, ids=[q[0] for q in QUESTIONS])
def test_who_can(rbac: RbacAnalysis, question: str, request_: Request, expected: set[tuple[str, str, str]]) -> None:
    answer = rbac.index.who_can(request_)
    found = {(e.subject.kind, e.subject.namespace, e.subject.name) for e in answer.entries}
    # system:masters: always (privileged), and through the cluster-admin binding.
    assert found == {("Group", "", "system:masters"), *expected}
    assert answer.errors == ()


def test_edit_admin_view_through_rolebindings(inventory: Inventory) -> None:
    team = with_role_bindings(
        inventory,
        rb("team", "edit", "edit", user("ed"), kind="ClusterRole"),
        rb("team", "admin", "admin", user("ad"), kind="ClusterRole"),
        rb("team", "view", "view", user("vi"), kind="ClusterRole"),
    )
    index = RbacAnalysis(team).index
    ed, ad, vi = impersonated("ed"), impersonated("ad"), impersonated("vi")

    def can(who: object, request: Request) -> bool:
        return index.can_i(who, request).allowed  # type: ignore[arg-type]

    exec_team = resource_request("create", "pods", subresource="exec", namespace="team")
    assert can(ed, exec_team) and can(ad, exec_team) and not can(vi, exec_team)
    assert not can(ed, resource_request("create", "pods", subresource="exec", namespace="other"))
    secrets = resource_request("get", "secrets", namespace="team", name="x")
    assert can(ed, secrets) and not can(vi, secrets)
    impersonate_sa = resource_request("impersonate", "serviceaccounts", namespace="team", name="default")
    assert can(ed, impersonate_sa)
    token = resource_request("create", "serviceaccounts", subresource="token", namespace="team", name="default")
    assert can(ed, token)
    rolebindings = resource_request("create", "rolebindings", api_group=RBAC, namespace="team")
    assert can(ad, rolebindings) and not can(ed, rolebindings)
    assert can(vi, resource_request("list", "pods", namespace="team"))
    assert not can(ad, resource_request("get", "nodes"))


def with_role_bindings(inventory: Inventory, *bindings: RoleBinding) -> Inventory:
    return msgspec.structs.replace(inventory, role_bindings=(*inventory.role_bindings, *bindings))


def test_default_policy_module_matches_the_fixture() -> None:
    cluster_roles = {i["metadata"]["name"] for f in ("cluster-roles.yaml", "controller-roles.yaml") for i in items(f)}
    assert cluster_roles == DEFAULT_CLUSTER_ROLES
    assert {(i["metadata"]["namespace"], i["metadata"]["name"]) for i in items("namespace-roles.yaml")} == DEFAULT_ROLES

    def subjects(item: dict) -> frozenset[tuple[str, str, str]]:
        return frozenset((s["kind"], s.get("namespace", ""), s["name"]) for s in item.get("subjects") or ())

    crbs = {
        i["metadata"]["name"]: (i["roleRef"]["name"], subjects(i))
        for f in ("cluster-role-bindings.yaml", "controller-role-bindings.yaml")
        for i in items(f)
    }
    added = {"system:service-account-issuer-discovery"}  # newer than the fixture's bindings file
    assert {k: (v.role, v.subjects) for k, v in DEFAULT_CLUSTER_ROLE_BINDINGS.items() if k not in added} == crbs
    rbs = {
        (i["metadata"]["namespace"], i["metadata"]["name"]): (i["roleRef"]["name"], subjects(i))
        for i in items("namespace-role-bindings.yaml")
    }
    assert {k: (v.role, v.subjects) for k, v in DEFAULT_ROLE_BINDINGS.items()} == rbs


def test_everything_is_recognised_as_built_in(rbac: RbacAnalysis) -> None:
    policy = rbac.policy
    assert all(is_builtin_role(r) for r in [*policy.cluster_roles.values(), *policy.roles.values()])
    assert all(is_builtin_grant(b, s) for b in policy.bindings for s in b.subjects)


def test_added_subject_of_a_default_binding_is_user_made(inventory: Inventory) -> None:
    tampered = []
    for binding in inventory.cluster_role_bindings:
        if binding.name == "system:basic-user":
            binding = msgspec.structs.replace(binding, subjects=(*binding.subjects, user("mallory")))
        tampered.append(binding)
    policy = RbacAnalysis(msgspec.structs.replace(inventory, cluster_role_bindings=tuple(tampered))).policy
    [basic] = [b for b in policy.cluster_bindings if b.name == "system:basic-user"]
    assert [(s.name, is_builtin_grant(basic, s)) for s in basic.subjects] == [
        ("system:authenticated", True),
        ("mallory", False),
    ]


def test_rules_report_nothing_user_made(inventory: Inventory) -> None:
    rules = [r for r in load_rules() if r.meta.area == "RBAC"]
    findings, errors = run_rules(Analysis(inventory), rules)
    assert errors == []
    assert {(f.rule_id, f.status) for f in findings if f.status != "pass"} == set()


def test_access_review_lists_the_defaults_apart(rbac: RbacAnalysis) -> None:
    review = build_access_review(rbac)
    assert review.complete
    assert review.cluster_admin.non_system == 0
    assert review.cluster_admin.builtin == 1  # Group system:masters through the cluster-admin binding
    assert all(entry.subject.builtin for entry in review.secret_readers)
    paths = {(p.subject.kind, p.subject.name, p.steps) for p in review.elevation}
    assert all(p.subject.builtin for p in review.elevation)
    # The aggregation controller may rewrite its own ClusterRole (escalate + update on clusterroles);
    # the garbage collector's */* update covers mutatingwebhookconfigurations; everything that can
    # create pods (or mint Secrets) anywhere reaches the aggregation controller's service account.
    assert paths == {
        ("ServiceAccount", "clusterrole-aggregation-controller", 1),
        ("ServiceAccount", "generic-garbage-collector", 1),
        ("User", "system:kube-controller-manager", 2),
        ("ServiceAccount", "cronjob-controller", 2),
        ("ServiceAccount", "daemon-set-controller", 2),
        ("ServiceAccount", "deployment-controller", 2),
        ("ServiceAccount", "job-controller", 2),
        ("ServiceAccount", "persistent-volume-binder", 2),
        ("ServiceAccount", "replicaset-controller", 2),
        ("ServiceAccount", "replication-controller", 2),
        ("ServiceAccount", "statefulset-controller", 2),
    }
