"""kube-apiserver rules on every input path: static pod `command`, `args`, k3s, kubeadm, mirror pod,
managed provider (not_applicable) and no input (not_assessable)."""

import json
from pathlib import Path

import pytest
from tests.support.inventories import inventory_from_files, run_rule, verdicts

MANIFEST = "nodes/cp-1/etc/kubernetes/manifests/kube-apiserver.yaml"


def static_pod(
    flags: list[str], *, in_args: bool = False, image: str = "registry.k8s.io/kube-apiserver:v1.31.2"
) -> str:
    """A kubeadm-style static pod manifest with ``flags`` in ``command`` or (RKE2 style) ``args``."""
    lines = "\n".join(f"    - {flag}" for flag in flags)
    if in_args:
        body = (
            f"  - command:\n    - kube-apiserver\n    args:\n{lines}\n"
            if flags
            else "  - command:\n    - kube-apiserver\n"
        )
    else:
        body = f"  - command:\n    - kube-apiserver\n{lines}\n"
    return (
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: kube-apiserver\n  namespace: kube-system\n"
        f"spec:\n  containers:\n{body}    image: {image}\n    name: kube-apiserver\n"
    )


def scan(tmp_path: Path, files: dict[str, str], rule_id: str) -> list[tuple[str, str, object, str | None]]:
    inventory = inventory_from_files(tmp_path, files)
    return [
        (f.status, f.resource.key(), f.evidence.value, f.evidence.source)
        for f in sorted(run_rule(inventory, rule_id), key=lambda f: f.resource.key())
    ]


@pytest.mark.parametrize("in_args", [False, True], ids=["command", "args"])
def test_anonymous_auth_absent_flag_means_enabled(tmp_path: Path, in_args: bool) -> None:
    files = {MANIFEST: static_pod(["--authorization-mode=Node,RBAC"], in_args=in_args)}
    assert scan(tmp_path, files, "KW-AUTHN-001") == [("fail", "kube-apiserver/kube-apiserver (cp-1)", True, "default")]


@pytest.mark.parametrize("in_args", [False, True], ids=["command", "args"])
def test_anonymous_auth_false_passes_with_line(tmp_path: Path, in_args: bool) -> None:
    files = {MANIFEST: static_pod(["--authorization-mode=Node,RBAC", "--anonymous-auth=false"], in_args=in_args)}
    inventory = inventory_from_files(tmp_path, files)
    [finding] = run_rule(inventory, "KW-AUTHN-001")
    assert finding.status == "pass"
    assert finding.evidence.setting == "kube-apiserver --anonymous-auth"
    assert finding.evidence.value is False
    assert finding.evidence.source == "flag"
    assert finding.evidence.provenance is not None
    assert finding.evidence.provenance.source == MANIFEST
    expected_line = 12 if in_args else 11
    assert finding.evidence.provenance.line == expected_line


def test_anonymous_auth_last_occurrence_wins(tmp_path: Path) -> None:
    files = {MANIFEST: static_pod(["--anonymous-auth=false", "--anonymous-auth=true"])}
    assert scan(tmp_path, files, "KW-AUTHN-001") == [("fail", "kube-apiserver/kube-apiserver (cp-1)", True, "flag")]


def test_anonymous_auth_space_separated_boolean_is_true(tmp_path: Path) -> None:
    # pflag: a boolean flag never takes the next word; "--anonymous-auth false" leaves it on.
    files = {MANIFEST: static_pod(["--anonymous-auth", "'false'"])}
    assert scan(tmp_path, files, "KW-AUTHN-001") == [("fail", "kube-apiserver/kube-apiserver (cp-1)", True, "flag")]


def authn_config(anonymous: str) -> str:
    return "apiVersion: apiserver.config.k8s.io/v1\nkind: AuthenticationConfiguration\n" + anonymous


# Structured anonymous shapes and hostPath mounts: tests/checks/test_authn_authz_rules.py (version-aware).


def test_structured_config_without_anonymous_block_falls_back_to_flag(tmp_path: Path) -> None:
    files = {
        MANIFEST: static_pod(["--authentication-config=/etc/kubernetes/authn.yaml"]),
        "nodes/cp-1/etc/kubernetes/authn.yaml": authn_config("jwt: []\n"),
    }
    assert scan(tmp_path, files, "KW-AUTHN-001") == [("fail", "kube-apiserver/kube-apiserver (cp-1)", True, "default")]


def test_structured_config_file_missing_is_not_assessable(tmp_path: Path) -> None:
    files = {MANIFEST: static_pod(["--authentication-config=/etc/kubernetes/authn.yaml"])}
    [(status, *_)] = scan(tmp_path, files, "KW-AUTHN-001")
    assert status == "not_assessable"


def test_no_apiserver_input_is_not_assessable(tmp_path: Path) -> None:
    files = {"dump/ns.yaml": "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n"}
    for rule_id in (
        "KW-AUTHN-001",
        "KW-AUTHZ-001",
        "KW-AUTHZ-002",
        "KW-NET-001",
        "KW-AUDIT-001",
        "KW-AUDIT-002",
        "KW-ADM-001",
        "KW-APF-001",
    ):
        findings = run_rule(inventory_from_files(tmp_path, files), rule_id)
        assert verdicts(findings) == [("not_assessable", "Cluster/test")], rule_id
        assert "no kube-apiserver configuration" in findings[0].message


EKS = {
    "cluster": {
        "name": "prod",
        "arn": "arn:aws:eks:eu-west-1:111122223333:cluster/prod",
        "version": "1.30",
        "endpoint": "https://ABCDEF0123456789.gr7.eu-west-1.eks.amazonaws.com",
        "resourcesVpcConfig": {"endpointPublicAccess": True, "publicAccessCidrs": ["0.0.0.0/0"]},
        "logging": {"clusterLogging": [{"types": ["api", "audit"], "enabled": False}]},
    }
}


def test_managed_control_plane_is_not_applicable(tmp_path: Path) -> None:
    files = {"eks.json": json.dumps(EKS)}
    for rule_id in ("KW-AUTHN-001", "KW-AUTHZ-001", "KW-AUDIT-001", "KW-APF-001"):
        findings = run_rule(inventory_from_files(tmp_path, files), rule_id)
        assert [f.status for f in findings] == ["not_applicable"], rule_id
        assert "eks" in findings[0].message


K3S = "etc/rancher/k3s/config.yaml"


def test_k3s_defaults_decide_with_installer_source(tmp_path: Path) -> None:
    files = {K3S: "write-kubeconfig-mode: '0600'\ntls-san:\n- k3s.example.com\n"}
    inventory = inventory_from_files(tmp_path, files)
    [anon] = run_rule(inventory, "KW-AUTHN-001")
    assert (anon.status, anon.evidence.value, anon.evidence.source) == ("pass", False, "default")
    assert "k3s" in anon.evidence.detail
    [profiling] = run_rule(inventory, "KW-NET-001")
    assert (profiling.status, profiling.evidence.source) == ("pass", "default")
    [audit] = run_rule(inventory, "KW-AUDIT-001")
    assert audit.status == "fail"


def test_k3s_user_arg_overrides_default(tmp_path: Path) -> None:
    files = {K3S: "kube-apiserver-arg:\n- anonymous-auth=true\n- enable-admission-plugins+=PodSecurity\n"}
    inventory = inventory_from_files(tmp_path, files)
    [anon] = run_rule(inventory, "KW-AUTHN-001")
    assert (anon.status, anon.evidence.source, anon.evidence.provenance.line if anon.evidence.provenance else None) == (
        "fail",
        "flag",
        2,
    )
    [node_restriction] = run_rule(inventory, "KW-ADM-001")
    assert node_restriction.status == "pass"
    assert node_restriction.evidence.value == ["NodeRestriction", "PodSecurity"]


def test_k3s_authentication_config_drops_anonymous_default(tmp_path: Path) -> None:
    files = {K3S: "kube-apiserver-arg:\n- authentication-config=/etc/rancher/k3s/authn.yaml\n"}
    [finding] = run_rule(inventory_from_files(tmp_path, files), "KW-AUTHN-001")
    # The file is not among the inputs: k3s no longer sets anonymous-auth, so nothing decides it.
    assert finding.status == "not_assessable"


KUBEADM = """
apiVersion: kubeadm.k8s.io/v1beta4
kind: ClusterConfiguration
kubernetesVersion: v1.31.1
apiServer:
  extraArgs:
  - name: profiling
    value: "false"
  - name: audit-policy-file
    value: /etc/kubernetes/audit-policy.yaml
  - name: audit-log-path
    value: /var/log/kubernetes/audit.log
"""


def test_kubeadm_cluster_configuration(tmp_path: Path) -> None:
    inventory = inventory_from_files(tmp_path, {"kubeadm.yaml": KUBEADM})
    results = {
        rule: run_rule(inventory, rule)[0]
        for rule in ("KW-NET-001", "KW-AUDIT-001", "KW-AUDIT-002", "KW-AUTHZ-001", "KW-ADM-001", "KW-AUTHN-001")
    }
    assert {rule: f.status for rule, f in results.items()} == {
        "KW-NET-001": "pass",
        "KW-AUDIT-001": "pass",
        "KW-AUDIT-002": "pass",
        "KW-AUTHZ-001": "pass",
        "KW-ADM-001": "pass",
        "KW-AUTHN-001": "fail",
    }
    assert results["KW-AUTHZ-001"].evidence.source == "default"
    assert "kubeadm" in results["KW-AUTHZ-001"].evidence.detail
    assert results["KW-NET-001"].evidence.provenance is not None
    assert results["KW-NET-001"].evidence.provenance.line == 6


def test_mirror_pod_from_dump(tmp_path: Path) -> None:
    mirror = static_pod(["--authorization-mode=AlwaysAllow", "--anonymous-auth=false"]).replace(
        "  name: kube-apiserver\n",
        "  name: kube-apiserver-cp-1\n  annotations:\n    kubernetes.io/config.mirror: abc\n",
    )
    inventory = inventory_from_files(tmp_path, {"dump/pods.yaml": mirror})
    assert [a.origin for a in inventory.apiservers] == ["mirror-pod"]
    [finding] = run_rule(inventory, "KW-AUTHZ-001")
    assert (finding.status, finding.evidence.value) == ("fail", ["AlwaysAllow"])
    [rbac] = run_rule(inventory, "KW-AUTHZ-002")
    assert rbac.status == "fail"


def test_default_authorization_mode_is_always_allow(tmp_path: Path) -> None:
    files = {MANIFEST: static_pod(["--anonymous-auth=false"])}
    assert scan(tmp_path, files, "KW-AUTHZ-001") == [
        ("fail", "kube-apiserver/kube-apiserver (cp-1)", ["AlwaysAllow"], "default")
    ]


def test_authorization_modes_accumulate_across_repeats(tmp_path: Path) -> None:
    files = {MANIFEST: static_pod(["--authorization-mode=Node", "--authorization-mode=RBAC"])}
    assert scan(tmp_path, files, "KW-AUTHZ-002") == [
        ("pass", "kube-apiserver/kube-apiserver (cp-1)", ["Node", "RBAC"], "flag")
    ]


@pytest.mark.parametrize(
    ("flags", "status"),
    [
        (["--audit-policy-file=/etc/kubernetes/audit.yaml", "--audit-log-path=-"], "pass"),
        (["--audit-webhook-config-file=/etc/kubernetes/audit-webhook.yaml"], "pass"),
        (["--audit-policy-file=/etc/kubernetes/audit.yaml"], "fail"),
    ],
)
def test_audit_backend(tmp_path: Path, flags: list[str], status: str) -> None:
    files = {MANIFEST: static_pod(flags)}
    assert [s for s, *_ in scan(tmp_path, files, "KW-AUDIT-002")] == [status]


@pytest.mark.parametrize(
    ("flags", "status"),
    [
        (["--enable-admission-plugins=NodeRestriction,PodSecurity"], "pass"),
        (["--enable-admission-plugins=PodSecurity"], "fail"),
        (["--enable-admission-plugins=NodeRestriction", "--disable-admission-plugins=NodeRestriction"], "fail"),
        ([], "fail"),
    ],
)
def test_node_restriction(tmp_path: Path, flags: list[str], status: str) -> None:
    files = {MANIFEST: static_pod(flags)}
    assert [s for s, *_ in scan(tmp_path, files, "KW-ADM-001")] == [status]


@pytest.mark.parametrize(
    ("flags", "status", "source"),
    [
        ([], "pass", "default"),
        (["--enable-priority-and-fairness=false"], "fail", "flag"),
        (["--enable-priority-and-fairness=true"], "pass", "flag"),
    ],
)
def test_priority_and_fairness(tmp_path: Path, flags: list[str], status: str, source: str) -> None:
    files = {MANIFEST: static_pod(flags)}
    [(got, _, _, got_source)] = scan(tmp_path, files, "KW-APF-001")
    assert (got, got_source) == (status, source)


def test_process_cmdline(tmp_path: Path) -> None:
    cmdline = tmp_path / "nodes" / "cp-1" / "proc" / "1234" / "cmdline"
    cmdline.parent.mkdir(parents=True)
    cmdline.write_bytes(b"/usr/local/bin/kube-apiserver\0--profiling=false\0--authorization-mode=Node,RBAC\0")
    inventory = inventory_from_files(tmp_path, {})
    [finding] = run_rule(inventory, "KW-NET-001")
    assert (finding.status, finding.evidence.source) == ("pass", "flag")
    assert finding.evidence.provenance is not None
    assert finding.evidence.provenance.pointer == "argv[1]"
