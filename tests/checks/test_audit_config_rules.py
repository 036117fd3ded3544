"""Audit configuration rules (KW-AUDIT-001..007) on every kube-apiserver input path.

Rotation expectations follow lumberjack as kube-apiserver uses it (0 = no age/count limit, 100 MB);
mount expectations follow how a static pod sees host files (hostPath volumes only).
"""

import json
from pathlib import Path
from typing import Any

import pytest
from tests.support.cluster_objects import POD_PATHS, inventory_with
from tests.support.inventories import inventory_from_files, run_rule
from tests.support.paths import APISERVER_PATHS, apiserver_inventory, apiserver_pod

LOG = "/var/log/kubernetes/audit/audit.log"
POLICY = "/etc/kubernetes/audit/policy.yaml"
POLICY_TEXT = "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Metadata\n"
HOST_PATHS = ("k3s", "rke2")


@pytest.mark.parametrize("path", APISERVER_PATHS)
@pytest.mark.parametrize(
    ("rule_id", "flag", "good", "bad", "zero_text"),
    [
        ("KW-AUDIT-003", "audit-log-maxage", 30, 7, "kept whatever their age"),
        ("KW-AUDIT-004", "audit-log-maxbackup", 10, 3, "every rotated file is kept"),
        ("KW-AUDIT-005", "audit-log-maxsize", 200, 50, "100 MB applies"),
    ],
)
def test_rotation(tmp_path: Path, path: str, rule_id: str, flag: str, good: int, bad: int, zero_text: str) -> None:
    log = f"--audit-log-path={LOG}"
    [passed] = run_rule(apiserver_inventory(tmp_path / "good", path, [log, f"--{flag}={good}"]), rule_id)
    assert (passed.status, passed.evidence.value, passed.evidence.source) == ("pass", good, "flag")
    [failed] = run_rule(apiserver_inventory(tmp_path / "bad", path, [log, f"--{flag}={bad}"]), rule_id)
    assert (failed.status, failed.evidence.value, failed.evidence.source) == ("fail", bad, "flag")
    assert f"--{flag}={bad} is below" in failed.message
    [default] = run_rule(apiserver_inventory(tmp_path / "default", path, [log]), rule_id)
    assert (default.status, default.evidence.value, default.evidence.source) == ("pass", 0, "default")
    assert zero_text in default.message
    [stdout] = run_rule(apiserver_inventory(tmp_path / "stdout", path, ["--audit-log-path=-"]), rule_id)
    assert stdout.status == "not_applicable"
    assert "standard output" in stdout.message
    [none] = run_rule(apiserver_inventory(tmp_path / "none", path, []), rule_id)
    assert none.status == "not_applicable"


@pytest.mark.parametrize("path", APISERVER_PATHS)
def test_policy_and_backend(tmp_path: Path, path: str) -> None:
    flags = [f"--audit-policy-file={POLICY}", f"--audit-log-path={LOG}"]
    inventory = apiserver_inventory(tmp_path / "on", path, flags)
    assert [f.status for f in run_rule(inventory, "KW-AUDIT-001")] == ["pass"]
    assert [f.status for f in run_rule(inventory, "KW-AUDIT-002")] == ["pass"]
    off = apiserver_inventory(tmp_path / "off", path, [])
    [policy] = run_rule(off, "KW-AUDIT-001")
    assert (policy.status, policy.evidence.source) == ("fail", "default")
    [backend] = run_rule(off, "KW-AUDIT-002")
    assert backend.status == "fail"


def _pod(path: str, flags: list[str], dirs: list[str], writable: str = "") -> dict[str, Any]:
    pod = apiserver_pod(flags, in_args=path == "args", extra_dirs=dirs)
    for mount in pod["spec"]["containers"][0].get("volumeMounts", []):
        if mount["mountPath"] == writable:
            mount["readOnly"] = False
    return pod


@pytest.mark.parametrize("path", APISERVER_PATHS)
def test_policy_file_mounted(tmp_path: Path, path: str) -> None:
    flags = [f"--audit-policy-file={POLICY}"]
    mounted = apiserver_inventory(tmp_path / "mounted", path, flags, {POLICY: POLICY_TEXT})
    [finding] = run_rule(mounted, "KW-AUDIT-006")
    assert (finding.status, finding.evidence.setting) == ("pass", "kube-apiserver --audit-policy-file")
    if path in HOST_PATHS:
        assert "runs on the host" in finding.message
    unmounted = apiserver_inventory(tmp_path / "unmounted", path, flags)
    [finding] = run_rule(unmounted, "KW-AUDIT-006")
    if path in (*POD_PATHS, "kubeadm"):
        assert finding.status == "fail"
        assert f"--audit-policy-file={POLICY} is not inside a hostPath volume" in finding.message
    else:
        assert finding.status == "pass"
    [none] = run_rule(apiserver_inventory(tmp_path / "none", path, []), "KW-AUDIT-006")
    assert none.status == "not_applicable"


@pytest.mark.parametrize("path", POD_PATHS)
def test_log_directory_mount(tmp_path: Path, path: str) -> None:
    flags = [f"--audit-log-path={LOG}"]
    directory = str(Path(LOG).parent)
    writable = inventory_with(tmp_path / "rw", path, flags, pod=_pod(path, flags, [directory], writable=directory))
    [finding] = run_rule(writable, "KW-AUDIT-007")
    assert (finding.status, finding.evidence.value, finding.evidence.source) == ("pass", LOG, "flag")
    read_only = inventory_with(tmp_path / "ro", path, flags, pod=_pod(path, flags, [directory]))
    [finding] = run_rule(read_only, "KW-AUDIT-007")
    assert finding.status == "fail"
    assert "mounted read-only" in finding.message
    missing = inventory_with(tmp_path / "none", path, flags, pod=_pod(path, flags, []))
    [finding] = run_rule(missing, "KW-AUDIT-007")
    assert finding.status == "fail"
    assert "is not a hostPath mount" in finding.message


@pytest.mark.parametrize("path", HOST_PATHS)
def test_log_directory_outside_pods(tmp_path: Path, path: str) -> None:
    [finding] = run_rule(apiserver_inventory(tmp_path, path, [f"--audit-log-path={LOG}"]), "KW-AUDIT-007")
    assert finding.status == "pass"


KUBEADM_AUDIT = """
apiVersion: kubeadm.k8s.io/v1beta4
kind: ClusterConfiguration
kubernetesVersion: v1.31.2
apiServer:
  extraArgs:
  - name: audit-policy-file
    value: /etc/kubernetes/audit/policy.yaml
  - name: audit-log-path
    value: /var/log/kubernetes/audit/audit.log
  extraVolumes:
  - name: audit-policy
    hostPath: /etc/kubernetes/audit
    mountPath: /etc/kubernetes/audit
    readOnly: true
    pathType: DirectoryOrCreate
  - name: audit-log
    hostPath: /var/log/kubernetes/audit
    mountPath: /var/log/kubernetes/audit
    pathType: DirectoryOrCreate
"""


@pytest.mark.parametrize(
    ("edit", "policy", "log"),
    [
        ("", "pass", "pass"),
        ("readOnly: true\n", "pass", "fail"),
        ("drop-volumes", "fail", "fail"),
    ],
    ids=["extra-volumes", "log-read-only", "no-extra-volumes"],
)
def test_kubeadm_extra_volumes(tmp_path: Path, edit: str, policy: str, log: str) -> None:
    """kubeadm mounts only its PKI and CA directories; audit files need apiServer.extraVolumes, and
    an extraVolume is writable unless readOnly is set."""
    text = KUBEADM_AUDIT
    if edit == "drop-volumes":
        text = text[: text.index("  extraVolumes:")]
    elif edit:
        text = text.replace(
            "    mountPath: /var/log/kubernetes/audit\n", "    mountPath: /var/log/kubernetes/audit\n    " + edit
        )
    inventory = inventory_from_files(tmp_path, {"kubeadm.yaml": text})
    [policy_finding] = run_rule(inventory, "KW-AUDIT-006")
    [log_finding] = run_rule(inventory, "KW-AUDIT-007")
    assert (policy_finding.status, log_finding.status) == (policy, log)


def test_no_input_and_managed(tmp_path: Path) -> None:
    empty = inventory_from_files(
        tmp_path / "none", {"dump/ns.yaml": "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n"}
    )
    eks = {"cluster": {"name": "prod", "arn": "arn:aws:eks:eu-west-1:1:cluster/prod", "version": "1.30"}}
    managed = inventory_from_files(tmp_path / "eks", {"eks.json": json.dumps(eks)})
    for number in range(1, 8):
        rule_id = f"KW-AUDIT-00{number}"
        assert [f.status for f in run_rule(empty, rule_id)] == ["not_assessable"], rule_id
        assert [f.status for f in run_rule(managed, rule_id)] == ["not_applicable"], rule_id
