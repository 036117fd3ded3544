"""harden workloads: token-mount fixes as kubectl commands, merge patches and manifest edits, proven by
applying them to the demo's dumps and rescanning."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from tests.harden.roundtrip import DEMO_VERSION, add_objects, demo_copy, edit_list, failures
from tests.support.openapi import assert_valid

from kubeward.cli.main import cli
from kubeward.harden._access import HardenInputError
from kubeward.harden.workloads import WorkloadPlan, edit_manifests, merge, patch_object, plan_workloads
from kubeward.inventory.model import Inventory
from kubeward.scan import OfflineSources, load_offline_inventory

TOKEN_RULES = ("KW-CRED-001", "KW-CRED-002")


@pytest.fixture(scope="module")
def demo() -> Inventory:
    return load_offline_inventory(OfflineSources(demo=True))


def test_plan_on_the_demo(demo: Inventory) -> None:
    plan = plan_workloads(demo)
    assert [(f.key(), f.new_service_account) for f in plan.fixes] == [
        ("CronJob/ci/nightly-report", "nightly-report"),
        ("Deployment/web/checkout", "checkout"),
        ("Deployment/web/frontend", "frontend"),
    ]
    assert plan.default_accounts == ["ci", "web"]
    skipped = "\n".join(plan.skipped)
    assert "Deployment/ci/gitlab-runner: ServiceAccount ci/deployer holds permissions of its own" in skipped
    assert "Pod/web/debug-shell: finding suppressed by annotation" in skipped
    cronjob = plan.fixes[0].merge_patch()
    assert cronjob == {
        "spec": {
            "jobTemplate": {
                "spec": {
                    "template": {
                        "spec": {
                            "automountServiceAccountToken": False,
                            "serviceAccount": "nightly-report",
                            "serviceAccountName": "nightly-report",
                        }
                    }
                }
            }
        }
    }
    assert_valid(plan.service_accounts, DEMO_VERSION)


def test_kubectl_commands(demo: Inventory) -> None:
    script = plan_workloads(demo).kubectl()
    assert (
        "kubectl patch deployment frontend -n web --type merge -p "
        '\'{"spec":{"template":{"spec":{"automountServiceAccountToken":false,"serviceAccount":"frontend",'
        '"serviceAccountName":"frontend"}}}}\''
    ) in script
    assert (
        "kubectl patch serviceaccount default -n web --type merge -p '{\"automountServiceAccountToken\":false}'"
        in script
    )
    # accounts exist before the workloads are moved onto them
    assert script.index("kind: ServiceAccount") < script.index("kubectl patch deployment")


def test_non_default_account_without_permissions_gets_only_automount_false(tmp_path: Path) -> None:
    objects = [
        {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "batch", "namespace": "jobs"}},
        {
            "apiVersion": "apps/v1",
            "kind": "StatefulSet",
            "metadata": {"name": "db", "namespace": "jobs", "uid": "1"},
            "spec": {
                "serviceName": "db",
                "selector": {"matchLabels": {"app": "db"}},
                "template": {
                    "metadata": {"labels": {"app": "db"}},
                    "spec": {"serviceAccountName": "batch", "containers": [{"name": "c", "image": "i"}]},
                },
            },
        },
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": "lonely", "namespace": "jobs"},
            "spec": {"serviceAccountName": "batch", "containers": [{"name": "c", "image": "i"}]},
        },
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "ClusterRoleBinding",
            "metadata": {"name": "x"},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "view"},
            "subjects": [],
        },
    ]
    (tmp_path / "dump.json").write_text(json.dumps({"apiVersion": "v1", "kind": "List", "items": objects}))
    plan = plan_workloads(load_offline_inventory(OfflineSources(paths=[str(tmp_path)])))
    assert [(f.key(), f.new_service_account, f.immutable) for f in plan.fixes] == [
        ("Pod/jobs/lonely", "", True),
        ("StatefulSet/jobs/db", "", False),
    ]
    script = plan.kubectl()
    assert "kubectl patch statefulset db -n jobs --type merge" in script
    assert "kubectl get pod lonely -n jobs -o yaml | kubectl patch --local -f - --type merge" in script
    patched = [
        patch_object(o, f)
        for o, f in zip(objects[1:3], sorted(plan.fixes, key=lambda f: f.kind, reverse=True), strict=True)
    ]
    assert_valid(patched, DEMO_VERSION)


def test_no_rbac_in_the_inputs_is_an_input_error(tmp_path: Path) -> None:
    (tmp_path / "pods.json").write_text(
        json.dumps({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "a"}, "spec": {}})
    )
    with pytest.raises(HardenInputError, match="no RBAC objects"):
        plan_workloads(load_offline_inventory(OfflineSources(paths=[str(tmp_path)])))


@pytest.mark.slow
def test_round_trip_merge_patches_clear_the_token_findings(tmp_path: Path, demo: Inventory) -> None:
    root = demo_copy(tmp_path)
    before = failures(root)
    plan = plan_workloads(demo)
    fixes = {(f.kind, f.namespace, f.name): f for f in plan.fixes}
    patched: list[dict[str, Any]] = []
    defaults = {(namespace, "default") for namespace in plan.default_accounts}

    def apply(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        out = []
        for item in items:
            fix = fixes.get((item["kind"], item["metadata"].get("namespace", ""), item["metadata"]["name"]))
            if fix is not None:
                item = merge(
                    item, json.loads(plan.merge_patches()[f"{item['kind'].lower()}-{fix.namespace}-{fix.name}.json"])
                )
                patched.append(item)
            meta = item["metadata"]
            if item["kind"] == "ServiceAccount" and (meta["namespace"], meta["name"]) in defaults:
                item = merge(item, {"automountServiceAccountToken": False})
                patched.append(item)
            out.append(item)
        return out

    edit_list(root / "api" / "workloads.yaml", apply)
    edit_list(root / "api" / "serviceaccounts.yaml", apply)
    add_objects(root, "kubeward-serviceaccounts.json", plan.service_accounts)
    after = failures(root)
    targeted = {(rule, f.key()) for f in plan.fixes for rule in TOKEN_RULES}
    assert {f for f in before if f in targeted} == {
        ("KW-CRED-001", "CronJob/ci/nightly-report"),
        ("KW-CRED-001", "Deployment/web/checkout"),
        ("KW-CRED-001", "Deployment/web/frontend"),
    }
    assert not after & targeted
    assert after - before == set()
    assert len(patched) == 5
    for obj in patched:
        obj["metadata"].pop("@provenance", None)
    assert_valid(patched, DEMO_VERSION)


MANIFEST = """\
# The shop frontend. Owned by team web.
apiVersion: apps/v1
kind: Deployment
metadata:
  name: frontend
  namespace: web
spec:
  replicas: 3  # scaled by HPA in prod
  selector:
    matchLabels: {app: frontend}
  template:
    metadata:
      labels: {app: frontend}
    spec:
      containers:
      - name: frontend
        image: "ghcr.io/acme/frontend:2.14.1"
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: default
  namespace: web
"""


def test_manifest_edits_keep_comments_and_quoting(tmp_path: Path, demo: Inventory) -> None:
    path = tmp_path / "frontend.yaml"
    path.write_text(MANIFEST)
    (edit,) = edit_manifests(plan_workloads(demo), [path])
    after = edit.after
    assert "# The shop frontend. Owned by team web." in after
    assert "replicas: 3  # scaled by HPA in prod" in after
    assert 'image: "ghcr.io/acme/frontend:2.14.1"' in after
    docs = list(yaml.safe_load_all(after))
    spec = docs[0]["spec"]["template"]["spec"]
    assert spec["automountServiceAccountToken"] is False
    assert spec["serviceAccountName"] == "frontend"
    assert docs[1]["automountServiceAccountToken"] is False  # the namespace's default account
    assert docs[2] == {
        "apiVersion": "v1",
        "kind": "ServiceAccount",
        "metadata": {"name": "frontend", "namespace": "web", "labels": {"app.kubernetes.io/managed-by": "kubeward"}},
        "automountServiceAccountToken": False,
    }
    assert_valid(docs, DEMO_VERSION)
    assert "+      automountServiceAccountToken: false" in edit.diff()


def test_malformed_manifest_is_an_input_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("apiVersion: v1\nkind: [unclosed\n")
    with pytest.raises(HardenInputError, match=r"--manifests .*bad.yaml: not valid YAML"):
        edit_manifests(WorkloadPlan(), [bad])
    scalar = tmp_path / "scalar.yaml"
    scalar.write_text("just a string\n")
    with pytest.raises(HardenInputError, match="not a Kubernetes object"):
        edit_manifests(WorkloadPlan(), [scalar])


def test_cli_manifests_write_and_bad_input(tmp_path: Path) -> None:
    good = tmp_path / "frontend.yaml"
    good.write_text(MANIFEST)
    bad = tmp_path / "bad.yaml"
    bad.write_text("kind: [\n")
    runner = CliRunner()
    failed = runner.invoke(
        cli,
        [
            "harden",
            "workloads",
            "--demo",
            "--format",
            "manifests",
            "--manifests",
            str(good),
            "--manifests",
            str(bad),
            "--write",
        ],
    )
    assert failed.exit_code == 2
    assert "bad.yaml: not valid YAML" in failed.stderr
    assert good.read_text() == MANIFEST  # nothing written
    diff = runner.invoke(cli, ["harden", "workloads", "--demo", "--format", "manifests", "--manifests", str(good)])
    assert diff.exit_code == 0, diff.output
    assert diff.stdout.startswith("--- a/")
    assert good.read_text() == MANIFEST
    written = runner.invoke(
        cli, ["harden", "workloads", "--demo", "--format", "manifests", "--manifests", str(good), "--write"]
    )
    assert written.exit_code == 0, written.output
    assert "automountServiceAccountToken: false" in good.read_text()


def test_cli_merge_patch_files(tmp_path: Path) -> None:
    out = tmp_path / "patches"
    result = CliRunner().invoke(
        cli, ["harden", "workloads", "--demo", "--format", "merge-patch", "--output-dir", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == [
        "cronjob-ci-nightly-report.json",
        "deployment-web-checkout.json",
        "deployment-web-frontend.json",
        "serviceaccount-ci-default.json",
        "serviceaccount-web-default.json",
        "serviceaccounts.yaml",
    ]


def test_manifest_without_namespace_is_in_the_default_namespace(tmp_path: Path) -> None:
    path = tmp_path / "api.yaml"
    path.write_text(
        textwrap.dedent(
            """\
            # app
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: api   # the API
            spec:
              selector: {matchLabels: {app: api}}
              template:
                metadata: {labels: {app: api}}
                spec:
                  containers: [{name: api, image: "x:1"}]
            """
        )
    )
    result = CliRunner().invoke(
        cli,
        [
            "harden",
            "workloads",
            "--demo",
            "--format",
            "manifests",
            "--manifests",
            str(path),
            "--default-namespace",
            "web",
            "--write",
        ],
    )
    assert result.exit_code == 0, result.output
    text = path.read_text()
    assert "name: api   # the API" in text
    docs = list(yaml.safe_load_all(text))
    assert docs[0]["spec"]["template"]["spec"]["serviceAccountName"] == "api"
    assert docs[1]["metadata"] == {
        "name": "api",
        "namespace": "web",
        "labels": {"app.kubernetes.io/managed-by": "kubeward"},
    }


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-f", "{bad}"], "invalid YAML"),
        (["-f", "/nonexistent"], "-f /nonexistent: no such file"),
        (["--demo", "--format", "manifests", "--manifests", "/nonexistent.yaml"], "no such file"),
    ],
)
def test_cli_bad_scan_input_exits_2_and_writes_nothing(tmp_path: Path, args: list[str], message: str) -> None:
    bad = tmp_path / "dumps"
    bad.mkdir()
    (bad / "x.yaml").write_text("apiVersion: v1\nkind: [\n")
    out = tmp_path / "out"
    argv = [a.replace("{bad}", str(bad)) for a in args]
    if "manifests" not in argv:
        argv += ["--format", "merge-patch", "--output-dir", str(out)]
    result = CliRunner().invoke(cli, ["harden", "workloads", *argv])
    assert result.exit_code == 2
    assert message in result.stderr
    assert not out.exists()


def test_round_trip_clears_kw_cred_002(tmp_path: Path) -> None:
    """A non-default account with no permissions of its own: KW-CRED-002 fails, the patch clears it."""
    rbac = "rbac.authorization.k8s.io"
    objects: list[dict[str, Any]] = [
        {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "batch", "namespace": "jobs"}},
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "worker", "namespace": "jobs", "uid": "u-1"},
            "spec": {
                "selector": {"matchLabels": {"app": "worker"}},
                "template": {
                    "metadata": {"labels": {"app": "worker"}},
                    "spec": {"serviceAccountName": "batch", "containers": [{"name": "c", "image": "i"}]},
                },
            },
        },
        {
            "apiVersion": f"{rbac}/v1",
            "kind": "ClusterRoleBinding",
            "metadata": {"name": "basic", "labels": {"kubernetes.io/bootstrapping": "rbac-defaults"}},
            "roleRef": {"apiGroup": rbac, "kind": "ClusterRole", "name": "other"},
            "subjects": [{"apiGroup": rbac, "kind": "Group", "name": "system:authenticated"}],
        },
        {
            "apiVersion": f"{rbac}/v1",
            "kind": "ClusterRole",
            "metadata": {"name": "other"},
            "rules": [
                {"apiGroups": ["authorization.k8s.io"], "resources": ["selfsubjectreviews"], "verbs": ["create"]}
            ],
        },
        {"apiVersion": f"{rbac}/v1", "kind": "Role", "metadata": {"name": "r", "namespace": "jobs"}, "rules": []},
        {
            "apiVersion": f"{rbac}/v1",
            "kind": "RoleBinding",
            "metadata": {"name": "r", "namespace": "jobs"},
            "roleRef": {"apiGroup": rbac, "kind": "Role", "name": "r"},
            "subjects": [],
        },
    ]
    (tmp_path / "api").mkdir()
    add_objects(tmp_path, "objects.json", objects)
    before = failures(tmp_path)
    assert ("KW-CRED-002", "Deployment/jobs/worker") in before
    (fix,) = plan_workloads(load_offline_inventory(OfflineSources(paths=[str(tmp_path)]))).fixes
    objects[1] = merge(objects[1], fix.merge_patch())
    add_objects(tmp_path, "objects.json", objects)
    after = failures(tmp_path)
    assert ("KW-CRED-002", "Deployment/jobs/worker") not in after
    assert after - before == set()
