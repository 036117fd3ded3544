"""Kubelet rules on each way a kubelet is configured: config file, drop-ins, flags alone, flags over
the file, kubeadm layout, k3s, /configz, and a --config file that is missing (not assessable)."""

import json
from pathlib import Path

import pytest
from tests.support.inventories import inventory_from_files, run_rule

RULES = ("KW-KUBELET-001", "KW-KUBELET-002", "KW-KUBELET-003")

UNIT_WITH_CONFIG = """
[Service]
ExecStart=/usr/bin/kubelet --config=/var/lib/kubelet/config.yaml --kubeconfig=/etc/kubernetes/kubelet.conf
"""
UNIT_FLAGS_ONLY = """
[Service]
ExecStart=/usr/bin/kubelet --kubeconfig=/etc/kubernetes/kubelet.conf --client-ca-file=/etc/kubernetes/pki/ca.crt
"""
EMPTY_CONFIG = "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\n"


def outcome(tmp_path: Path, files: dict[str, str]) -> dict[str, tuple[str, object, str | None]]:
    inventory = inventory_from_files(tmp_path, files)
    result = {}
    for rule in RULES:
        [finding] = run_rule(inventory, rule)
        result[rule] = (finding.status, finding.evidence.value, finding.evidence.source)
    return result


def test_config_file_defaults_are_secure(tmp_path: Path) -> None:
    files = {
        "n1/etc/systemd/system/kubelet.service": UNIT_WITH_CONFIG,
        "n1/var/lib/kubelet/config.yaml": EMPTY_CONFIG,
    }
    assert outcome(tmp_path, files) == {
        "KW-KUBELET-001": ("pass", False, "default"),
        "KW-KUBELET-002": ("pass", "Webhook", "default"),
        "KW-KUBELET-003": ("pass", 0, "default"),
    }


def test_flags_only_get_the_binary_legacy_defaults(tmp_path: Path) -> None:
    files = {"n1/etc/systemd/system/kubelet.service": UNIT_FLAGS_ONLY}
    assert outcome(tmp_path, files) == {
        "KW-KUBELET-001": ("fail", True, "default"),
        "KW-KUBELET-002": ("fail", "AlwaysAllow", "default"),
        "KW-KUBELET-003": ("fail", 10255, "default"),
    }


def test_flags_override_config_file(tmp_path: Path) -> None:
    unit = UNIT_WITH_CONFIG.replace("--kubeconfig", "--read-only-port=10255 --anonymous-auth=true --kubeconfig")
    files = {
        "n1/etc/systemd/system/kubelet.service": unit,
        "n1/var/lib/kubelet/config.yaml": EMPTY_CONFIG
        + "readOnlyPort: 0\nauthentication:\n  anonymous:\n    enabled: false\n",
    }
    result = outcome(tmp_path, files)
    assert result["KW-KUBELET-001"] == ("fail", True, "flag")
    assert result["KW-KUBELET-003"] == ("fail", 10255, "flag")


def test_dropin_overrides_config_file_with_its_line(tmp_path: Path) -> None:
    unit = UNIT_WITH_CONFIG.replace("--kubeconfig", "--config-dir=/etc/kubernetes/kubelet.conf.d --kubeconfig")
    files = {
        "n1/etc/systemd/system/kubelet.service": unit,
        "n1/var/lib/kubelet/config.yaml": EMPTY_CONFIG + "authentication:\n  anonymous:\n    enabled: false\n",
        "n1/etc/kubernetes/kubelet.conf.d/10-a.conf": EMPTY_CONFIG
        + "authentication:\n  anonymous:\n    enabled: true\n",
        "n1/etc/kubernetes/kubelet.conf.d/20-b.conf": EMPTY_CONFIG + "readOnlyPort: 10255\n",
        "n1/etc/kubernetes/kubelet.conf.d/README": "not a drop-in\n",
    }
    inventory = inventory_from_files(tmp_path, files)
    [anonymous] = run_rule(inventory, "KW-KUBELET-001")
    assert (anonymous.status, anonymous.evidence.source) == ("fail", "config-file")
    assert anonymous.evidence.provenance is not None
    assert (anonymous.evidence.provenance.source, anonymous.evidence.provenance.line) == (
        "n1/etc/kubernetes/kubelet.conf.d/10-a.conf",
        5,
    )
    [port] = run_rule(inventory, "KW-KUBELET-003")
    assert (port.status, port.evidence.value) == ("fail", 10255)


def test_missing_config_file_is_not_assessable(tmp_path: Path) -> None:
    files = {"n1/etc/systemd/system/kubelet.service": UNIT_WITH_CONFIG}
    result = outcome(tmp_path, files)
    assert {rule: status for rule, (status, _, _) in result.items()} == dict.fromkeys(RULES, "not_assessable")


def test_missing_config_file_but_flag_given_is_assessable(tmp_path: Path) -> None:
    unit = UNIT_WITH_CONFIG.replace("--kubeconfig", "--anonymous-auth=false --kubeconfig")
    files = {"n1/etc/systemd/system/kubelet.service": unit}
    result = outcome(tmp_path, files)
    assert result["KW-KUBELET-001"] == ("pass", False, "flag")
    assert result["KW-KUBELET-002"][0] == "not_assessable"


def test_kubeadm_layout_env_file_and_dropin_unit(tmp_path: Path) -> None:
    files = {
        "n1/usr/lib/systemd/system/kubelet.service.d/10-kubeadm.conf": (
            "[Service]\n"
            'Environment="KUBELET_CONFIG_ARGS=--config=/var/lib/kubelet/config.yaml"\n'
            "EnvironmentFile=-/var/lib/kubelet/kubeadm-flags.env\n"
            "ExecStart=\n"
            "ExecStart=/usr/bin/kubelet $KUBELET_CONFIG_ARGS $KUBELET_KUBEADM_ARGS\n"
        ),
        "n1/var/lib/kubelet/kubeadm-flags.env": 'KUBELET_KUBEADM_ARGS="--read-only-port=10255"\n',
        "n1/var/lib/kubelet/config.yaml": EMPTY_CONFIG,
    }
    inventory = inventory_from_files(tmp_path, files)
    [port] = run_rule(inventory, "KW-KUBELET-003")
    assert (port.status, port.evidence.value, port.evidence.source) == ("fail", 10255, "flag")
    assert port.evidence.provenance is not None
    assert (port.evidence.provenance.source, port.evidence.provenance.line) == (
        "n1/var/lib/kubelet/kubeadm-flags.env",
        1,
    )


def test_k3s_kubelet_defaults_and_override(tmp_path: Path) -> None:
    result = outcome(
        tmp_path, {"n1/etc/rancher/k3s/config.yaml": "kubelet-arg:\n- read-only-port=10255\nserver: https://k3s:6443\n"}
    )
    assert result == {
        "KW-KUBELET-001": ("pass", False, "default"),
        "KW-KUBELET-002": ("pass", "Webhook", "default"),
        "KW-KUBELET-003": ("fail", 10255, "flag"),
    }


def test_configz_is_the_running_truth(tmp_path: Path) -> None:
    configz = {
        "kubeletconfig": {
            "authentication": {"anonymous": {"enabled": True}, "webhook": {"enabled": True}},
            "authorization": {"mode": "Webhook"},
            "readOnlyPort": 0,
        }
    }
    assert outcome(tmp_path, {"configz/worker-9.json": json.dumps(configz)}) == {
        "KW-KUBELET-001": ("fail", True, "configz"),
        "KW-KUBELET-002": ("pass", "Webhook", "configz"),
        "KW-KUBELET-003": ("pass", 0, "configz"),
    }


def test_no_kubelet_input_is_not_assessable(tmp_path: Path) -> None:
    result = outcome(tmp_path, {"ns.yaml": "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n"})
    assert {rule: status for rule, (status, _, _) in result.items()} == dict.fromkeys(RULES, "not_assessable")


def test_kubeadm_config_file_kubelet(tmp_path: Path) -> None:
    files = {
        "kubeadm.yaml": (
            "apiVersion: kubeadm.k8s.io/v1beta3\nkind: InitConfiguration\nnodeRegistration:\n"
            "  kubeletExtraArgs:\n    read-only-port: '10255'\n---\n"
            + EMPTY_CONFIG
            + "authorization:\n  mode: AlwaysAllow\n"
        )
    }
    result = outcome(tmp_path, files)
    assert result == {
        "KW-KUBELET-001": ("pass", False, "default"),
        "KW-KUBELET-002": ("fail", "AlwaysAllow", "config-file"),
        "KW-KUBELET-003": ("fail", 10255, "flag"),
    }


@pytest.mark.parametrize("value", ["'false'", "no"])
def test_non_boolean_config_value_fails_closed(tmp_path: Path, value: str) -> None:
    # "no" is a YAML 1.1 boolean (false) as the kubelet's YAML reader sees it; "'false'" is a string
    # the kubelet would reject at start-up, which we report as a failure rather than a pass.
    files = {
        "n1/etc/systemd/system/kubelet.service": UNIT_WITH_CONFIG,
        "n1/var/lib/kubelet/config.yaml": EMPTY_CONFIG + f"authentication:\n  anonymous:\n    enabled: {value}\n",
    }
    [finding] = run_rule(inventory_from_files(tmp_path, files), "KW-KUBELET-001")
    assert finding.status == ("pass" if value == "no" else "fail")
