"""RBAC binding rules and the default-service-account token rule, on dumps."""

from pathlib import Path

from tests.support.inventories import inventory_from_files, run_rule, verdicts


def crb(name: str, role: str, subjects: str) -> str:
    return (
        f"- apiVersion: rbac.authorization.k8s.io/v1\n  kind: ClusterRoleBinding\n  metadata:\n    name: {name}\n"
        f"  roleRef:\n    apiGroup: rbac.authorization.k8s.io\n    kind: ClusterRole\n    name: {role}\n"
        f"  subjects:\n{subjects}"
    )


def rb(name: str, namespace: str, role: str, subjects: str) -> str:
    return (
        f"- apiVersion: rbac.authorization.k8s.io/v1\n  kind: RoleBinding\n  metadata:\n    name: {name}\n"
        f"    namespace: {namespace}\n  roleRef:\n    apiGroup: rbac.authorization.k8s.io\n    kind: ClusterRole\n"
        f"    name: {role}\n  subjects:\n{subjects}"
    )


def subject(kind: str, name: str, namespace: str = "") -> str:
    ns = f"\n    namespace: {namespace}" if namespace else ""
    return f"  - kind: {kind}\n    name: {name}{ns}\n"


def rbac_dump(*items: str) -> dict[str, str]:
    return {"rbac.yaml": "apiVersion: v1\nkind: List\nitems:\n" + "".join(items)}


def test_cluster_admin_sprawl(tmp_path: Path) -> None:
    files = rbac_dump(
        crb("cluster-admin", "cluster-admin", subject("Group", "system:masters")),
        crb("kubeadm:cluster-admins", "cluster-admin", subject("Group", "kubeadm:cluster-admins")),
        crb("alice", "cluster-admin", subject("User", "alice@example.com") + subject("Group", "system:masters")),
        crb("ci", "cluster-admin", subject("ServiceAccount", "deployer", "ci")),
        crb("ksys", "cluster-admin", subject("ServiceAccount", "controller", "kube-system")),
        crb("viewer", "view", subject("User", "bob")),
        rb("ns-admin", "web", "cluster-admin", subject("User", "carol")),
    )
    findings = run_rule(inventory_from_files(tmp_path, files), "KW-RBAC-001")
    assert verdicts(findings) == [
        ("fail", "ClusterRoleBinding/alice"),
        ("fail", "ClusterRoleBinding/ci"),
        ("fail", "RoleBinding/web/ns-admin"),
    ]
    by_key = {f.resource.key(): f for f in findings}
    assert by_key["ClusterRoleBinding/alice"].message == "cluster-admin cluster-wide for User alice@example.com"
    assert by_key["RoleBinding/web/ns-admin"].message == "cluster-admin in namespace web for User carol"
    assert by_key["ClusterRoleBinding/ci"].evidence.provenance is not None
    assert by_key["ClusterRoleBinding/ci"].evidence.provenance.line == 39


def test_cluster_admin_only_system_passes(tmp_path: Path) -> None:
    files = rbac_dump(
        crb("cluster-admin", "cluster-admin", subject("Group", "system:masters")),
        rb("devs", "web", "edit", subject("Group", "web-devs")),
    )
    assert verdicts(run_rule(inventory_from_files(tmp_path, files), "KW-RBAC-001")) == [("pass", "Cluster/test")]


def test_no_finding_with_rolebindings_missing_is_not_assessable(tmp_path: Path) -> None:
    # Only ClusterRoleBindings were dumped: a RoleBinding of cluster-admin could exist unseen.
    files = rbac_dump(crb("cluster-admin", "cluster-admin", subject("Group", "system:masters")))
    [finding] = run_rule(inventory_from_files(tmp_path, files), "KW-RBAC-001")
    assert finding.status == "not_assessable"
    assert "rolebindings: no input provided rolebindings" in finding.message


def test_rbac_rules_need_bindings(tmp_path: Path) -> None:
    files = {"ns.yaml": "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n"}
    for rule in ("KW-RBAC-001", "KW-RBAC-002"):
        [finding] = run_rule(inventory_from_files(tmp_path, files), rule)
        assert finding.status == "not_assessable"
        assert "clusterrolebindings" in finding.message


def test_anonymous_bindings_except_defaults(tmp_path: Path) -> None:
    files = rbac_dump(
        crb(
            "system:public-info-viewer",
            "system:public-info-viewer",
            subject("Group", "system:authenticated") + subject("Group", "system:unauthenticated"),
        ),
        crb("metrics", "metrics-reader", subject("Group", "system:unauthenticated")),
        rb("peek", "default", "view", subject("User", "system:anonymous")),
        crb("everyone", "view", subject("Group", "system:authenticated")),
    )
    findings = run_rule(inventory_from_files(tmp_path, files), "KW-RBAC-002")
    assert verdicts(findings) == [("fail", "ClusterRoleBinding/metrics"), ("fail", "RoleBinding/default/peek")]
    assert findings[0].severity == "critical"


def deployment(name: str, namespace: str, spec_extra: str = "", sa: str = "") -> str:
    sa_line = f"        serviceAccountName: {sa}\n" if sa else ""
    return (
        f"- apiVersion: apps/v1\n  kind: Deployment\n  metadata:\n    name: {name}\n    namespace: {namespace}\n"
        f"    uid: uid-{name}\n  spec:\n    template:\n      spec:\n{sa_line}{spec_extra}"
        "        containers:\n        - name: app\n          image: nginx\n"
    )


def test_default_service_account_tokens(tmp_path: Path) -> None:
    files = {
        "workloads.yaml": "apiVersion: v1\nkind: List\nitems:\n"
        + deployment("web", "shop")
        + deployment("quiet", "shop", "        automountServiceAccountToken: false\n")
        + deployment("own", "shop", sa="own-sa"),
        "sa.yaml": (
            "apiVersion: v1\nkind: List\nitems:\n"
            "- apiVersion: v1\n  kind: ServiceAccount\n  metadata:\n    name: default\n    namespace: batch\n"
            "  automountServiceAccountToken: false\n"
        ),
        "pods.yaml": (
            "apiVersion: v1\nkind: List\nitems:\n"
            # a pod of the web Deployment's ReplicaSet: reported through its Deployment only
            "- apiVersion: v1\n  kind: Pod\n  metadata:\n    name: web-abc\n    namespace: shop\n"
            "    ownerReferences:\n"
            "    - {apiVersion: apps/v1, kind: ReplicaSet, name: web-1, uid: uid-rs, controller: true}\n"
            "  spec:\n    containers:\n    - name: app\n"
            "- apiVersion: apps/v1\n  kind: ReplicaSet\n  metadata:\n    name: web-1\n"
            "    namespace: shop\n    uid: uid-rs\n"
            "    ownerReferences:\n"
            "    - {apiVersion: apps/v1, kind: Deployment, name: web, uid: uid-web, controller: true}\n"
            "  spec:\n    template:\n      spec:\n        containers:\n        - name: app\n"
            # a bare pod in a namespace whose default SA disables automounting
            "- apiVersion: v1\n  kind: Pod\n  metadata:\n    name: job-1\n    namespace: batch\n"
            "  spec:\n    containers:\n    - name: app\n"
            # a bare pod that re-enables it, suppressed by annotation
            "- apiVersion: v1\n  kind: Pod\n  metadata:\n    name: debug\n    namespace: batch\n    annotations:\n"
            "      ignore-check.kubeward.dev/KW-CRED-001: incident INC-1\n"
            "  spec:\n    automountServiceAccountToken: true\n    containers:\n    - name: app\n"
        ),
    }
    findings = run_rule(inventory_from_files(tmp_path, files), "KW-CRED-001")
    assert verdicts(findings) == [
        ("fail", "Deployment/shop/web"),
        ("fail", "Pod/batch/debug"),
        ("pass", "Deployment/shop/quiet"),
        ("pass", "Pod/batch/job-1"),
    ]
    by_key = {f.resource.key(): f for f in findings}
    assert "ServiceAccount automountServiceAccountToken" in by_key["Pod/batch/job-1"].evidence.detail
    assert by_key["Pod/batch/debug"].resource.ignore_annotations == {
        "ignore-check.kubeward.dev/KW-CRED-001": "incident INC-1"
    }


def test_token_rule_needs_pods_or_workloads(tmp_path: Path) -> None:
    [finding] = run_rule(
        inventory_from_files(tmp_path, {"ns.yaml": "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n"}),
        "KW-CRED-001",
    )
    assert finding.status == "not_assessable"
