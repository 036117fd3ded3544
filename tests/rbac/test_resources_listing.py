"""kubectl's resource syntax offline, the can-i --list layout, Covers, and the access review."""

import pytest
from tests.rbac.factories import rule, url_rule

from kubeward.inventory.objects import PolicyRule
from kubeward.rbac.analyzer import RbacAnalysis
from kubeward.rbac.covers import covers
from kubeward.rbac.listing import render
from kubeward.rbac.resources import ResourceTable
from kubeward.rbac.review import build_access_review
from kubeward.scan import OfflineSources, load_offline_inventory


@pytest.mark.parametrize(
    ("argument", "resource", "group", "namespaced", "name"),
    [
        ("pods", "pods", "", True, ""),
        ("po/web-1", "pods", "", True, "web-1"),
        ("Pod", "pods", "", True, ""),
        ("deploy", "deployments", "apps", True, ""),
        ("deployments.apps/web", "deployments", "apps", True, "web"),
        ("deployments.v1.apps", "deployments", "apps", True, ""),
        ("cj", "cronjobs", "batch", True, ""),
        ("no", "nodes", "", False, ""),
        ("csr", "certificatesigningrequests", "certificates.k8s.io", False, ""),
        ("clusterroles.rbac.authorization.k8s.io", "clusterroles", "rbac.authorization.k8s.io", False, ""),
        ("events", "events", "", True, ""),
        ("events.events.k8s.io", "events", "events.k8s.io", True, ""),
        ("users/alice", "users", "", False, "alice"),
        (
            "signers/kubernetes.io/kube-apiserver-client",
            "signers",
            "certificates.k8s.io",
            False,
            "kubernetes.io/kube-apiserver-client",
        ),
        ("*", "*", "", True, ""),
    ],
)
def test_resolve_known(argument: str, resource: str, group: str, namespaced: bool, name: str) -> None:
    resolved = ResourceTable().resolve(argument)
    assert (resolved.info.resource, resolved.info.group, resolved.info.namespaced, resolved.name) == (
        resource,
        group,
        namespaced,
        name,
    )
    assert resolved.warnings == ()


def test_resolve_unknown() -> None:
    bare = ResourceTable().resolve("widgets")
    assert (bare.info.resource, bare.info.group, bare.info.known) == ("widgets", "", False)
    assert "not in kubeward's built-in table" in bare.warnings[0]
    grouped = ResourceTable(["v1", "apps/v1"]).resolve("widgets.example.com")
    assert (grouped.info.resource, grouped.info.group) == ("widgets", "example.com")
    assert grouped.warnings[1] == "API group 'example.com' is not served by this cluster (per its discovery data)"
    served = ResourceTable(["example.com/v1"]).resolve("widgets.example.com")
    assert len(served.warnings) == 1


def test_list_layout_merges_verbs_and_sorts_like_kubectl() -> None:
    text = render(
        [
            rule(["get", "list"], resources=["pods"]),
            rule(["watch"], resources=["pods"]),
            rule(["get"], ["apps"], ["deployments", "deployments/scale"]),
            rule(["get"], resources=["secrets"], names=["b", "a"]),
            PolicyRule(verbs=("get",), nonResourceURLs=("/healthz",)),
        ]
    )
    assert text.splitlines() == [
        "Resources                Non-Resource URLs   Resource Names   Verbs",
        "pods                     []                  []               [get list watch]",
        "secrets                  []                  [a]              [get]",
        "secrets                  []                  [b]              [get]",
        "deployments.apps         []                  []               [get]",
        "deployments.apps/scale   []                  []               [get]",
        "                         [/healthz]          []               [get]",
    ]


def test_covers() -> None:
    owner = [rule(["get", "list"], ["", "apps"], ["pods", "*/scale"]), url_rule(["get"], ["/api/*"])]
    assert covers(owner, rule(["get"], resources=["pods"]))
    assert covers(owner, rule(["list"], ["apps"], ["deployments/scale"]))
    assert not covers(owner, rule(["get"], ["apps"], ["deployments"]))
    assert not covers(owner, rule(["get"], resources=["*"]))  # an enumeration never covers *
    assert covers(owner, url_rule(["get"], ["/api/v1"]))
    assert not covers(owner, url_rule(["get"], ["/apis"]))
    named = [rule(["get"], resources=["secrets"], names=["a"])]
    assert covers(named, rule(["get"], resources=["secrets"], names=["a"]))
    assert not covers(named, rule(["get"], resources=["secrets"]))


def test_access_review_of_the_demo() -> None:
    rbac = RbacAnalysis(load_offline_inventory(OfflineSources(demo=True)))
    review = build_access_review(rbac)
    assert review.complete
    sprawl = review.cluster_admin
    assert sprawl.non_system == 2
    assert [h.subject.name for h in sprawl.holders] == ["alice@example.com", "deployer"]
    assert [(s.subject.name, s.reason) for s in sprawl.shared] == [
        (
            "deployer",
            "its token is mounted into running workloads; a legacy token Secret holds a non-expiring copy of its "
            "credential",
        )
    ]
    user_paths = {(p.subject.name, p.steps) for p in review.elevation if not p.subject.builtin}
    assert ("monitoring-team", 2) in user_paths
    assert {w.subject.name for w in review.workload_writers} == {"deployer", "image-updater"}
    scopes = {(r.kind, r.name): r.scope for r in review.roles if not r.builtin}
    assert scopes[("ClusterRole", "ci-deployer")] == "namespace"
    assert scopes[("ClusterRole", "sre-debug")] == "cluster"
    assert review.dangling_bindings == (
        "RoleBinding/monitoring/grafana-dashboards → Role/grafana-dashboards-reader: role.rbac.authorization.k8s.io "
        '"grafana-dashboards-reader" not found',
    )
