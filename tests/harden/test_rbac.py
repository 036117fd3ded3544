"""harden rbac: OIDC group bindings and the cluster-admin replacement, proven by rescanning the demo."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from tests.harden.roundtrip import DEMO_VERSION, add_objects, demo_copy, failures, remove_objects
from tests.harden.test_least_privilege import DEMO_LOG, index_of
from tests.support.openapi import assert_valid

from kubeward.cli.main import cli
from kubeward.harden._access import HardenInputError
from kubeward.harden.rbac import (
    GroupGrant,
    admin_bindings,
    oidc_group_bindings,
    replace_cluster_admin,
    resolve_groups_prefix,
)
from kubeward.inventory.model import Inventory
from kubeward.rbac.identity import AUTHENTICATED, Identity, service_account_identity
from kubeward.rbac.request import resource_request
from kubeward.scan import OfflineSources, load_offline_inventory

RISK_RULES = {f"KW-RBAC-{n:03d}" for n in range(3, 21)}


@pytest.fixture(scope="module")
def demo() -> Inventory:
    return load_offline_inventory(OfflineSources(demo=True))


# --- OIDC groups ------------------------------------------------------------------------------------------


def test_group_bindings_carry_the_prefix_and_validate() -> None:
    grants = [GroupGrant.parse("platform=admin"), GroupGrant.parse("devs=view"), GroupGrant.parse("oidc:sre=edit")]
    objects = oidc_group_bindings(grants, prefix="oidc:")
    assert [(o["kind"], o["roleRef"]["name"], o["subjects"][0]["name"]) for o in objects] == [
        ("ClusterRoleBinding", "admin", "oidc:platform"),
        ("ClusterRoleBinding", "view", "oidc:devs"),
        ("ClusterRoleBinding", "edit", "oidc:sre"),  # already prefixed: not doubled
    ]
    namespaced = oidc_group_bindings(grants[:1], prefix="oidc:", namespaces=["shop", "web"])
    assert [(o["kind"], o["metadata"]["namespace"], o["roleRef"]["kind"]) for o in namespaced] == [
        ("RoleBinding", "shop", "ClusterRole"),
        ("RoleBinding", "web", "ClusterRole"),
    ]
    assert_valid(objects + namespaced, DEMO_VERSION)


def test_group_bindings_grant_the_role_only_where_bound() -> None:
    objects = oidc_group_bindings([GroupGrant.parse("devs=edit")], prefix="oidc:", namespaces=["shop"])
    demo_roles = [
        o
        for o in yaml.safe_load((Path(__file__).parents[2] / "src/kubeward/demo/cluster/api/rbac.yaml").read_text())[
            "items"
        ]
        if o["kind"] == "ClusterRole"
    ]
    index = index_of([*demo_roles, *objects])
    member = Identity("someone", frozenset({"oidc:devs", AUTHENTICATED}))
    assert index.can_i(member, resource_request("create", "deployments", api_group="apps", namespace="shop")).allowed
    assert not index.can_i(member, resource_request("create", "deployments", api_group="apps", namespace="web")).allowed
    stranger = Identity("someone", frozenset({"devs", AUTHENTICATED}))  # the IdP name without the prefix
    assert not index.can_i(stranger, resource_request("get", "pods", namespace="shop")).allowed


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("platform=root", "unknown role 'root'"),
        ("platform", "expected GROUP=ROLE"),
        ("=view", "expected GROUP=ROLE"),
    ],
)
def test_bad_group_grants(text: str, message: str) -> None:
    with pytest.raises(HardenInputError, match=message):
        GroupGrant.parse(text)


def test_cluster_admin_and_system_groups_are_refused() -> None:
    with pytest.raises(HardenInputError, match="refused"):
        oidc_group_bindings([GroupGrant.parse("ops=cluster-admin")], prefix="oidc:")
    assert oidc_group_bindings([GroupGrant.parse("ops=cluster-admin")], prefix="oidc:", allow_cluster_admin=True)
    with pytest.raises(HardenInputError, match="system: groups"):
        oidc_group_bindings([GroupGrant.parse("system:masters=view")], prefix="")
    with pytest.raises(HardenInputError, match="system: prefix"):
        oidc_group_bindings([GroupGrant.parse("x=view")], prefix="system:")


def test_groups_prefix_is_resolved_from_the_scan(demo: Inventory) -> None:
    assert resolve_groups_prefix(demo) == ("", "--oidc-* flags of https://dex.example.com")
    hardened = load_offline_inventory(OfflineSources(demo="hardened"))
    prefix, source = resolve_groups_prefix(hardened)
    assert prefix == "oidc:"
    assert source.startswith("AuthenticationConfiguration jwt[0]")
    assert resolve_groups_prefix(None)[0] is None


# --- cluster-admin replacement ---------------------------------------------------------------------------


def test_replacement_covers_every_kw_rbac_001_binding(demo: Inventory) -> None:
    found = {entry.text() for entry in admin_bindings(demo)}
    assert found == {
        "ClusterRoleBinding/alice-admin",
        "ClusterRoleBinding/ci-cluster-admin",
        "RoleBinding/web/web-oncall-admin",
    }
    generated = replace_cluster_admin(demo)
    script = generated.files["replace-cluster-admin.sh"]
    assert script.index("kubectl apply -f replacement.yaml") < script.index(
        "kubectl delete clusterrolebinding alice-admin"
    )
    assert "kubectl delete rolebinding web-oncall-admin -n web" in script
    (glass,) = generated.objects["break-glass.yaml"]
    assert glass["subjects"] == [
        {"apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": "break-glass-cluster-admins"}
    ]
    assert "system:masters" in generated.files["BREAK-GLASS.md"]
    assert_valid(generated.objects["replacement.yaml"] + generated.objects["break-glass.yaml"], DEMO_VERSION)


def test_bad_replacement_inputs(demo: Inventory) -> None:
    with pytest.raises(HardenInputError, match="not bound to cluster-admin"):
        replace_cluster_admin(demo, only=["User:mallory"])
    with pytest.raises(HardenInputError, match="never system:masters"):
        replace_cluster_admin(demo, break_glass_group="system:masters")
    with pytest.raises(HardenInputError, match="no such file"):
        replace_cluster_admin(demo, audit_logs=[Path("/nonexistent/audit.log")])


def _apply(root: Path, inventory: Inventory, generated: Any) -> Path:
    removed = [
        ("ClusterRoleBinding" if e.cluster else "RoleBinding", e.binding.namespace, e.binding.name)
        for e in admin_bindings(inventory)
    ]
    remove_objects(root / "api" / "rbac.yaml", removed)
    add_objects(
        root, "kubeward-rbac.json", generated.objects["replacement.yaml"] + generated.objects["break-glass.yaml"]
    )
    ignore = root.parent / "ignore.yaml"
    ignore.write_text(generated.files[".kubewardignore.yaml"])
    return ignore


@pytest.mark.slow
def test_round_trip_view_replacement_clears_sprawl_and_adds_nothing(tmp_path: Path) -> None:
    root = demo_copy(tmp_path)
    before = failures(root)
    inventory = load_offline_inventory(OfflineSources(paths=[str(root)]))
    ignore = _apply(root, inventory, replace_cluster_admin(inventory, scoped_role="view"))
    after = failures(root, ignore)
    assert {f for f in before if f[0] == "KW-RBAC-001"} - after == {
        ("KW-RBAC-001", "ClusterRoleBinding/alice-admin"),
        ("KW-RBAC-001", "ClusterRoleBinding/ci-cluster-admin"),
        ("KW-RBAC-001", "RoleBinding/web/web-oncall-admin"),
    }
    assert not any(rule == "KW-RBAC-001" for rule, _ in after)  # break-glass: a reviewed exception
    assert after - before == set()
    assert len(after) < len(before)


@pytest.mark.slow
def test_round_trip_admin_replacement_only_shows_what_the_scoped_roles_grant(tmp_path: Path) -> None:
    """--scoped-role admin: cluster-admin is gone; the risk rules now report what admin still grants to the
    replaced subjects in their namespaces (cluster-admin hid them under KW-RBAC-001), and nothing about anyone
    else."""
    root = demo_copy(tmp_path)
    before = failures(root)
    inventory = load_offline_inventory(OfflineSources(paths=[str(root)]))
    generated = replace_cluster_admin(inventory, scoped_role="admin")
    ignore = _apply(root, inventory, generated)
    after = failures(root, ignore)
    assert not any(rule == "KW-RBAC-001" for rule, _ in after)
    replaced = {"User/bob@example.com", "ServiceAccount/ci/deployer", "User/alice@example.com"}
    new = after - before
    assert all(rule in RISK_RULES and resource in replaced for rule, resource in new), new
    # and their power shrank: no cluster-wide writes, no Secrets outside the scoped namespace
    index = index_of(generated.objects["replacement.yaml"])
    deployer = service_account_identity("ci", "deployer")
    bob = Identity("bob@example.com", frozenset({AUTHENTICATED}))
    rbac = "rbac.authorization.k8s.io"
    assert not index.can_i(deployer, resource_request("create", "clusterrolebindings", api_group=rbac)).allowed
    assert not index.can_i(bob, resource_request("get", "secrets", name="x", namespace="kube-system")).allowed


def test_replacement_from_audit_uses_least_privilege(demo: Inventory) -> None:
    generated = replace_cluster_admin(demo, audit_logs=[DEMO_LOG])
    names = {(o["kind"], o["metadata"]["name"]) for o in generated.objects["replacement.yaml"]}
    assert ("ClusterRole", "ci-deployer-least-privilege") in names
    assert ("ClusterRole", "alice-example-com-least-privilege") in names
    # bob's cluster-admin RoleBinding was in web, where the log shows nothing of him: view there (the default)
    assert ("RoleBinding", "bob-example-com-replaces-cluster-admin") in names
    assert_valid(generated.objects["replacement.yaml"], DEMO_VERSION)


# --- CLI -------------------------------------------------------------------------------------------------


def test_cli_writes_all_files(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = CliRunner().invoke(
        cli,
        [
            "harden",
            "rbac",
            "--demo",
            "--replace-cluster-admin",
            "--oidc-group",
            "platform=admin",
            "--output-dir",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == [
        ".kubewardignore.yaml",
        "BREAK-GLASS.md",
        "break-glass.yaml",
        "oidc-groups.yaml",
        "replace-cluster-admin.sh",
        "replacement.yaml",
    ]
    assert all(doc for doc in yaml.safe_load_all((out / "replacement.yaml").read_text()))


def test_cli_least_privilege_to_stdout() -> None:
    result = CliRunner().invoke(
        cli, ["harden", "rbac", "--from-audit", str(DEMO_LOG), "--service-account", "ci/deployer"]
    )
    assert result.exit_code == 0, result.output
    kinds = [doc["kind"] for doc in yaml.safe_load_all(result.stdout)]
    assert kinds.count("Role") == 3


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--oidc-group", "platform=superuser"], "unknown role 'superuser'"),
        (["--demo", "--replace-cluster-admin", "--subject", "User:mallory"], "not bound to cluster-admin"),
        (
            ["--from-audit", str(DEMO_LOG), "--user", "nobody@example.com"],
            "no authorized request of nobody@example.com",
        ),
        (["--from-audit", "/nonexistent.log", "--user", "x"], "no such file"),
        (["--from-audit", str(DEMO_LOG), "--service-account", "deployer"], "expected NAMESPACE/NAME"),
    ],
)
def test_cli_bad_input_exits_2_and_writes_nothing(tmp_path: Path, args: list[str], message: str) -> None:
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["harden", "rbac", *args, "--output-dir", str(out)])
    assert result.exit_code == 2
    assert message in result.stderr
    assert not out.exists()


@pytest.mark.slow
def test_round_trip_group_bindings_add_no_finding_for_view(tmp_path: Path) -> None:
    root = demo_copy(tmp_path)
    before = failures(root)
    objects = oidc_group_bindings(
        [GroupGrant.parse("auditors=view"), GroupGrant.parse("payments-readers=view")], prefix="", namespaces=()
    )
    add_objects(root, "kubeward-groups.json", objects)
    assert failures(root) == before


def test_service_account_of_a_role_binding_defaults_to_its_namespace(tmp_path: Path) -> None:
    binding = {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "RoleBinding",
        "metadata": {"name": "runner-admin", "namespace": "build"},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "cluster-admin"},
        "subjects": [
            {"kind": "ServiceAccount", "name": "runner"},
            {"apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": "system:serviceaccounts:build"},
        ],
    }
    (tmp_path / "api").mkdir()
    add_objects(tmp_path, "b.json", [binding])
    inventory = load_offline_inventory(OfflineSources(paths=[str(tmp_path)]))
    (entry,) = admin_bindings(inventory)
    assert [(s.kind, s.namespace, s.name) for s in entry.replaced] == [("ServiceAccount", "build", "runner")]
    generated = replace_cluster_admin(inventory, only=["ServiceAccount:build/runner"])
    kinds = [(o["kind"], o["roleRef"]["name"], o["subjects"]) for o in generated.objects["replacement.yaml"]]
    assert kinds == [
        ("RoleBinding", "view", [{"kind": "ServiceAccount", "name": "runner", "namespace": "build"}]),
        (  # the system group stays bound: the binding is rewritten, not deleted
            "RoleBinding",
            "cluster-admin",
            [{"apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": "system:serviceaccounts:build"}],
        ),
    ]
    assert "kubectl delete" not in generated.files["replace-cluster-admin.sh"]
    assert_valid(generated.objects["replacement.yaml"], DEMO_VERSION)


@pytest.mark.parametrize("version", ["1.28", "1.30", "1.33", "1.36"])
def test_everything_generated_from_the_demo_validates(demo: Inventory, version: str) -> None:
    from kubeward.harden.least_privilege import AuditSubject, least_privilege
    from kubeward.harden.workloads import plan_workloads

    objects = [
        *oidc_group_bindings([GroupGrant.parse("platform=admin")], prefix="oidc:"),
        *oidc_group_bindings([GroupGrant.parse("devs=edit")], prefix="oidc:", namespaces=["web"]),
        *replace_cluster_admin(demo).objects["replacement.yaml"],
        *replace_cluster_admin(demo, audit_logs=[DEMO_LOG]).objects["replacement.yaml"],
        *replace_cluster_admin(demo).objects["break-glass.yaml"],
        *least_privilege([DEMO_LOG], AuditSubject.user("alice@example.com")).objects,
        *plan_workloads(demo).service_accounts,
    ]
    assert_valid(objects, version)


def test_audit_replacement_leaves_out_what_other_bindings_grant(tmp_path: Path) -> None:
    from tests.harden.test_least_privilege import event_pair, write_log

    rbac = "rbac.authorization.k8s.io"
    objects = [
        {
            "apiVersion": f"{rbac}/v1",
            "kind": "ClusterRoleBinding",
            "metadata": {"name": "dana-admin"},
            "roleRef": {"apiGroup": rbac, "kind": "ClusterRole", "name": "cluster-admin"},
            "subjects": [{"apiGroup": rbac, "kind": "User", "name": "dana"}],
        },
        {
            "apiVersion": f"{rbac}/v1",
            "kind": "Role",
            "metadata": {"name": "reader", "namespace": "a"},
            "rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list"]}],
        },
        {
            "apiVersion": f"{rbac}/v1",
            "kind": "RoleBinding",
            "metadata": {"name": "readers", "namespace": "a"},
            "roleRef": {"apiGroup": rbac, "kind": "Role", "name": "reader"},
            "subjects": [{"apiGroup": rbac, "kind": "Group", "name": "team-a"}],
        },
        {
            "apiVersion": f"{rbac}/v1",
            "kind": "ClusterRole",
            "metadata": {"name": "cluster-admin"},
            "rules": [
                {"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]},
                {"nonResourceURLs": ["*"], "verbs": ["*"]},
            ],
        },
    ]
    (tmp_path / "api").mkdir()
    add_objects(tmp_path, "rbac.json", objects)
    log = write_log(
        tmp_path / "audit.log",
        [
            *event_pair("dana", "get", resource="pods", namespace="a", name="p", groups=["team-a", AUTHENTICATED]),
            *event_pair("dana", "delete", resource="pods", namespace="a", name="p", groups=["team-a", AUTHENTICATED]),
        ],
    )
    inventory = load_offline_inventory(OfflineSources(paths=[str(tmp_path / "api")]))
    generated = replace_cluster_admin(inventory, audit_logs=[log])
    roles = [o for o in generated.objects["replacement.yaml"] if o["kind"] == "Role"]
    assert [r["rules"] for r in roles] == [
        [{"apiGroups": [""], "resources": ["pods"], "resourceNames": ["p"], "verbs": ["delete"]}]
    ]
    assert any("1 logged use(s) already granted by other bindings" in note for note in generated.notes)
