"""The harden commands: diff by default, --write with backups, exit 2 with nothing written on bad input."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import yaml
from click.testing import CliRunner
from tests.harden.helpers import pod, write

from kubeward.cli.main import cli
from kubeward.scan import demo_root

MANIFEST = "nodes/cp-1/etc/kubernetes/manifests/kube-apiserver.yaml"


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_apiserver_prints_a_diff_and_writes_nothing(tmp_path: Path) -> None:
    shutil.copytree(demo_root(), tmp_path / "demo")
    before = snapshot(tmp_path)
    code, out, err = invoke("harden", "apiserver", str(tmp_path / "demo" / MANIFEST))
    assert code == 0
    assert out.startswith(f"--- a/{str(tmp_path / 'demo' / MANIFEST).lstrip('/')}\n")
    assert "-    - --enable-priority-and-fairness=false\n+    - --enable-priority-and-fairness=true\n" in out
    assert "+++ b/" in out and "/dev/null" in out  # the new audit policy file
    assert "note: removed --token-auth-file" in err
    assert snapshot(tmp_path) == before


def test_apiserver_write_keeps_a_backup_outside_the_manifests_folder(tmp_path: Path) -> None:
    shutil.copytree(demo_root(), tmp_path / "demo")
    manifest = tmp_path / "demo" / MANIFEST
    original = manifest.read_text()
    code, _, err = invoke("harden", "apiserver", str(manifest), "--write")
    assert code == 0, err
    backups = list((manifest.parent / ".kubeward-backup").iterdir())
    assert [b.read_text() for b in backups] == [original]
    assert sorted(p.name for p in manifest.parent.iterdir()) == [".kubeward-backup", "kube-apiserver.yaml"]
    assert (tmp_path / "demo/nodes/cp-1/etc/kubernetes/audit/policy.yaml").is_file()
    code, out, err = invoke("harden", "apiserver", str(manifest))
    assert (code, out) == (0, "")
    assert "nothing to change" in err


def test_bad_inputs_exit_2_and_write_nothing(tmp_path: Path) -> None:
    cases = {
        "etcd.yaml": "apiVersion: v1\nkind: Pod\nmetadata:\n  name: etcd\nspec:\n  containers:\n"
        "  - name: etcd\n    image: etcd:3.5\n    command: [etcd]\n",
        "conflict.yaml": pod(["--authentication-config=/etc/a.yaml", "--oidc-issuer-url=https://idp.example.com"]),
        "unknown.yaml": pod(["--profiling"], image="registry.k8s.io/kube-apiserver:latest"),
        "future.yaml": pod(["--profiling"], image="registry.k8s.io/kube-apiserver:v1.41.0"),
        "broken.yaml": "apiVersion: v1\nkind: Pod\nspec: [\n",
    }
    for name, text in cases.items():
        path = write(tmp_path, f"nodes/cp-1/etc/kubernetes/manifests/{name}", text)
        before = snapshot(tmp_path)
        code, out, err = invoke("harden", "apiserver", str(path), "--write")
        assert code == 2, (name, err)
        assert out == "" and "nothing was written" in err, name
        assert snapshot(tmp_path) == before, name
    code, _, err = invoke(
        "harden", "apiserver", str(tmp_path / cases_path("unknown.yaml")), "--kubernetes-version", "v1.31.0"
    )
    assert code == 0, err


def cases_path(name: str) -> str:
    return f"nodes/cp-1/etc/kubernetes/manifests/{name}"


def test_kubelet_and_network_and_audit_policy_commands(tmp_path: Path) -> None:
    shutil.copytree(demo_root(), tmp_path / "demo")
    code, out, _ = invoke("harden", "kubelet", str(tmp_path / "demo/nodes/worker-1"))
    assert code == 0 and "-readOnlyPort: 10255\n+readOnlyPort: 0\n" in out
    code, out, err = invoke("harden", "kubelet", str(tmp_path / "demo/api"))
    assert (code, out) == (0, "") and "kubelet-config): not edited" in err
    code, _, err = invoke("harden", "kubelet", str(tmp_path / "demo/nodes/cp-1/etc/kubernetes/manifests"))
    assert code == 2 and "no kubelet found" in err
    code, out, _ = invoke("harden", "network", "--allow", "10.0.0.0/16", "--format", "nftables")
    assert code == 0 and "ip saddr @apiserver_allow_v4 accept" in out
    code, _, err = invoke("harden", "network", "--allow", "10.0.0.1/16")
    assert code == 2 and "not a CIDR" in err
    code, out, err = invoke("harden", "audit-policy", "--profile", "low-volume")
    assert code == 0 and yaml.safe_load(out)["kind"] == "Policy" and "--audit-policy-file=" in err


def test_flowcontrol_from_scan_and_json(tmp_path: Path) -> None:
    code, out, _ = invoke("harden", "flowcontrol", "--from-scan", "--demo", "-o", "json")
    assert code == 0
    items = json.loads(out)["items"]
    assert [(i["kind"], i["metadata"]["name"]) for i in items] == [
        ("PriorityLevelConfiguration", "kubeward-automation"),
        ("FlowSchema", "kubeward-automation"),
        ("FlowSchema", "ci-fast-lane"),
    ]
    code, _, err = invoke("harden", "flowcontrol", "--service-account", "nope")
    assert code == 2 and "NAMESPACE/NAME" in err


def test_copy_demo(tmp_path: Path) -> None:
    code, _, _ = invoke("harden", "copy-demo", str(tmp_path / "d"))
    assert code == 0 and (tmp_path / "d" / MANIFEST).is_file()
    code, _, err = invoke("harden", "copy-demo", str(tmp_path / "d"))
    assert code == 2 and "not empty" in err


def test_the_hardened_demo_needs_nothing(tmp_path: Path) -> None:
    shutil.copytree(demo_root("hardened"), tmp_path / "hd")
    before = snapshot(tmp_path)
    for args in (
        ("apiserver", str(tmp_path / "hd" / MANIFEST), "--write"),
        ("kubelet", *(str(p) for p in sorted((tmp_path / "hd/nodes").iterdir())), "--write"),
        ("flowcontrol", "--from-scan", str(tmp_path / "hd")),
    ):
        code, out, err = invoke("harden", *args)
        assert (code, out) == (0, ""), (args, err)
        assert "nothing to change" in err
    assert snapshot(tmp_path) == before
