"""Kubelet rules on each way a kubelet is configured: config file, drop-ins, flags alone, flags over
the file, kubeadm layout, k3s, /configz, and a --config file that is missing (not assessable)."""

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
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


# --- TLS, token authentication, rotation, streaming timeout, iptables chains (KW-KUBELET-004..010) ---

TLS_RULES = (
    "KW-KUBELET-004",
    "KW-KUBELET-005",
    "KW-KUBELET-006",
    "KW-KUBELET-007",
    "KW-KUBELET-008",
    "KW-KUBELET-009",
    "KW-KUBELET-010",
)
HARDENED = EMPTY_CONFIG + (
    "authentication:\n  webhook:\n    enabled: true\n  x509:\n    clientCAFile: /etc/kubernetes/pki/ca.crt\n"
    "rotateCertificates: true\nserverTLSBootstrap: true\nstreamingConnectionIdleTimeout: 5m\n"
    "makeIPTablesUtilChains: true\n"
)


def tls_outcome(inventory: object) -> dict[str, tuple[str, object, str | None]]:
    from kubeward.inventory.model import Inventory

    assert isinstance(inventory, Inventory)
    result = {}
    for rule in TLS_RULES:
        [finding] = run_rule(inventory, rule)
        result[rule] = (finding.status, finding.evidence.value, finding.evidence.source)
    return result


def with_config(tmp_path: Path, config: str, unit: str = UNIT_WITH_CONFIG) -> dict[str, tuple[str, object, str | None]]:
    files = {"n1/etc/systemd/system/kubelet.service": unit, "n1/var/lib/kubelet/config.yaml": config}
    return tls_outcome(inventory_from_files(tmp_path, files))


def test_tls_rules_on_an_empty_config_file_take_v1beta1_defaults(tmp_path: Path) -> None:
    # v1beta1 defaults: webhook authentication on, no client CA, no serving files, no rotation,
    # 4h streaming timeout, iptables chains on (pkg/kubelet/apis/config/v1beta1/defaults.go).
    assert with_config(tmp_path, EMPTY_CONFIG) == {
        "KW-KUBELET-004": ("fail", "", "default"),
        "KW-KUBELET-005": ("fail", "", "default"),
        "KW-KUBELET-006": ("pass", True, "default"),
        "KW-KUBELET-007": ("fail", False, "default"),
        "KW-KUBELET-008": ("fail", False, "default"),
        "KW-KUBELET-009": ("pass", "4h0m0s", "default"),
        "KW-KUBELET-010": ("pass", True, "default"),
    }


def test_tls_rules_pass_on_a_hardened_config_file(tmp_path: Path) -> None:
    assert with_config(tmp_path, HARDENED) == {
        "KW-KUBELET-004": ("pass", True, "config-file"),
        "KW-KUBELET-005": ("pass", "/etc/kubernetes/pki/ca.crt", "config-file"),
        "KW-KUBELET-006": ("pass", True, "config-file"),
        "KW-KUBELET-007": ("pass", True, "config-file"),
        "KW-KUBELET-008": ("pass", True, "config-file"),
        "KW-KUBELET-009": ("pass", "5m", "config-file"),
        "KW-KUBELET-010": ("pass", True, "config-file"),
    }


def test_tls_rules_fail_on_an_explicitly_weak_config_file(tmp_path: Path) -> None:
    weak = EMPTY_CONFIG + (
        "authentication:\n  webhook:\n    enabled: false\n"
        "rotateCertificates: false\nserverTLSBootstrap: false\nmakeIPTablesUtilChains: false\n"
    )
    result = with_config(tmp_path, weak)
    assert result["KW-KUBELET-006"] == ("fail", False, "config-file")
    assert result["KW-KUBELET-007"] == ("fail", False, "config-file")
    assert result["KW-KUBELET-008"] == ("fail", False, "config-file")
    assert result["KW-KUBELET-010"] == ("fail", False, "config-file")


def test_serving_certificate_from_files(tmp_path: Path) -> None:
    files_config = (
        EMPTY_CONFIG
        + "tlsCertFile: /var/lib/kubelet/pki/serving.crt\ntlsPrivateKeyFile: /var/lib/kubelet/pki/serving.key\n"
    )
    assert with_config(tmp_path / "a", files_config)["KW-KUBELET-004"] == (
        "pass",
        "/var/lib/kubelet/pki/serving.crt",
        "config-file",
    )
    only_cert = EMPTY_CONFIG + "tlsCertFile: /var/lib/kubelet/pki/serving.crt\n"
    inventory = inventory_from_files(
        tmp_path / "b",
        {"n1/etc/systemd/system/kubelet.service": UNIT_WITH_CONFIG, "n1/var/lib/kubelet/config.yaml": only_cert},
    )
    [finding] = run_rule(inventory, "KW-KUBELET-004")
    assert finding.status == "fail"
    assert "only one of tlsCertFile/tlsPrivateKeyFile" in finding.message
    assert finding.evidence.setting == "kubelet tlsPrivateKeyFile"


def test_tls_rules_flags_only_get_the_binary_defaults(tmp_path: Path) -> None:
    files = {"n1/etc/systemd/system/kubelet.service": UNIT_FLAGS_ONLY}
    assert tls_outcome(inventory_from_files(tmp_path, files)) == {
        "KW-KUBELET-004": ("fail", "", "default"),
        "KW-KUBELET-005": ("pass", "/etc/kubernetes/pki/ca.crt", "flag"),
        "KW-KUBELET-006": ("fail", False, "default"),
        "KW-KUBELET-007": ("fail", False, "default"),
        "KW-KUBELET-008": ("fail", False, "default"),
        "KW-KUBELET-009": ("pass", "4h0m0s", "default"),
        "KW-KUBELET-010": ("pass", True, "default"),
    }


def test_tls_flags_override_the_config_file(tmp_path: Path) -> None:
    unit = UNIT_WITH_CONFIG.replace(
        "--kubeconfig",
        "--rotate-certificates=false --streaming-connection-idle-timeout=0 --make-iptables-util-chains=false "
        "--rotate-server-certificates=true --kubeconfig",
    )
    result = with_config(tmp_path, HARDENED.replace("serverTLSBootstrap: true", "serverTLSBootstrap: false"), unit)
    assert result["KW-KUBELET-004"] == ("pass", True, "flag")
    assert result["KW-KUBELET-007"] == ("fail", False, "flag")
    assert result["KW-KUBELET-008"] == ("pass", True, "flag")
    assert result["KW-KUBELET-009"] == ("fail", "0", "flag")
    assert result["KW-KUBELET-010"] == ("fail", False, "flag")


def test_zero_streaming_timeout_in_the_file_runs_as_the_default(tmp_path: Path) -> None:
    # SetDefaults_KubeletConfiguration replaces a zero duration from the file by 4h; only the flag
    # turns the timeout off. Peers that read the file literally report a failure here.
    inventory = inventory_from_files(
        tmp_path,
        {
            "n1/etc/systemd/system/kubelet.service": UNIT_WITH_CONFIG,
            "n1/var/lib/kubelet/config.yaml": EMPTY_CONFIG + "streamingConnectionIdleTimeout: 0s\n",
        },
    )
    [finding] = run_rule(inventory, "KW-KUBELET-009")
    assert (finding.status, finding.evidence.value, finding.evidence.source) == ("pass", "4h0m0s", "config-file")
    assert "defaulting replaces a zero value" in finding.evidence.detail
    assert finding.evidence.provenance is not None
    assert finding.evidence.provenance.line == 3


def test_tls_dropin_overrides_config_file_with_its_line(tmp_path: Path) -> None:
    unit = UNIT_WITH_CONFIG.replace("--kubeconfig", "--config-dir=/etc/kubernetes/kubelet.conf.d --kubeconfig")
    files = {
        "n1/etc/systemd/system/kubelet.service": unit,
        "n1/var/lib/kubelet/config.yaml": HARDENED,
        "n1/etc/kubernetes/kubelet.conf.d/50-weak.conf": EMPTY_CONFIG + "rotateCertificates: false\n",
    }
    [finding] = run_rule(inventory_from_files(tmp_path, files), "KW-KUBELET-007")
    assert (finding.status, finding.evidence.source) == ("fail", "config-file")
    assert finding.evidence.provenance is not None
    assert (finding.evidence.provenance.source, finding.evidence.provenance.line) == (
        "n1/etc/kubernetes/kubelet.conf.d/50-weak.conf",
        3,
    )


def test_tls_kubeadm_layout_env_file_flag(tmp_path: Path) -> None:
    files = {
        "n1/usr/lib/systemd/system/kubelet.service.d/10-kubeadm.conf": (
            "[Service]\n"
            'Environment="KUBELET_CONFIG_ARGS=--config=/var/lib/kubelet/config.yaml"\n'
            "EnvironmentFile=-/var/lib/kubelet/kubeadm-flags.env\n"
            "ExecStart=\n"
            "ExecStart=/usr/bin/kubelet $KUBELET_CONFIG_ARGS $KUBELET_KUBEADM_ARGS\n"
        ),
        "n1/var/lib/kubelet/kubeadm-flags.env": 'KUBELET_KUBEADM_ARGS="--rotate-server-certificates=true"\n',
        # What kubeadm writes: client CA and rotation, no serving certificate.
        "n1/var/lib/kubelet/config.yaml": EMPTY_CONFIG
        + "authentication:\n  x509:\n    clientCAFile: /etc/kubernetes/pki/ca.crt\nrotateCertificates: true\n",
    }
    result = tls_outcome(inventory_from_files(tmp_path, files))
    assert result["KW-KUBELET-004"] == ("pass", True, "flag")
    assert result["KW-KUBELET-005"] == ("pass", "/etc/kubernetes/pki/ca.crt", "config-file")
    assert result["KW-KUBELET-007"] == ("pass", True, "config-file")
    assert result["KW-KUBELET-008"] == ("pass", True, "flag")


@pytest.mark.parametrize("distro", ["k3s", "rke2"])
def test_tls_rules_on_distro_defaults(tmp_path: Path, distro: str) -> None:
    # k3s/RKE2 pass the agent's client CA and a serving certificate their server signs, and renew
    # both certificates themselves (k3s kubeletArgs in pkg/daemons/agent).
    files = {f"n1/etc/rancher/{distro}/config.yaml": "server: https://cp:6443\nkubelet-arg:\n- v=2\n"}
    agent = f"/var/lib/rancher/{distro}/agent"
    inventory = inventory_from_files(tmp_path, files)
    assert tls_outcome(inventory) == {
        "KW-KUBELET-004": ("pass", f"{agent}/serving-kubelet.crt", "default"),
        "KW-KUBELET-005": ("pass", f"{agent}/client-ca.crt", "default"),
        "KW-KUBELET-006": ("pass", True, "default"),
        "KW-KUBELET-007": ("not_applicable", False, "default"),
        "KW-KUBELET-008": ("not_applicable", False, "default"),
        "KW-KUBELET-009": ("pass", "4h0m0s", "default"),
        "KW-KUBELET-010": ("pass", True, "default"),
    }
    [rotation] = run_rule(inventory, "KW-KUBELET-007")
    assert rotation.message.startswith(f"distro-managed: {distro}")
    [serving] = run_rule(inventory, "KW-KUBELET-004")
    assert serving.evidence.detail == f"{distro} passes --tls-cert-file={agent}/serving-kubelet.crt"


def test_tls_rules_distro_user_args_override(tmp_path: Path) -> None:
    config = (
        "server: https://cp:6443\nkubelet-arg:\n"
        "- rotate-certificates=false\n- client-ca-file=\n- make-iptables-util-chains=false\n"
    )
    result = tls_outcome(inventory_from_files(tmp_path, {"n1/etc/rancher/k3s/config.yaml": config}))
    assert result["KW-KUBELET-005"] == ("fail", "", "flag")
    assert result["KW-KUBELET-007"] == ("fail", False, "flag")
    assert result["KW-KUBELET-010"] == ("fail", False, "flag")


def test_tls_rules_from_configz_of_the_fixture_api_server(tmp_path: Path) -> None:
    from tests.support.paths import kubelet_configz_cluster, live_inventory

    hardened = {
        "authentication": {"webhook": {"enabled": True}, "x509": {"clientCAFile": "/etc/kubernetes/pki/ca.crt"}},
        "rotateCertificates": True,
        "serverTLSBootstrap": True,
        "streamingConnectionIdleTimeout": "5m0s",
        "makeIPTablesUtilChains": True,
    }
    # /configz omits zero values: a kubelet without rotation or a client CA leaves the fields out.
    weak = {"authentication": {"webhook": {"enabled": True}}, "streamingConnectionIdleTimeout": "0s"}
    inventory = live_inventory(tmp_path, kubelet_configz_cluster({"good": hardened, "weak": weak}))
    by_node: dict[str, dict[str, tuple[str, str | None]]] = {}
    for rule in TLS_RULES:
        for finding in run_rule(inventory, rule):
            by_node.setdefault(finding.resource.name, {})[rule] = (finding.status, finding.evidence.source)
    assert by_node["good"] == dict.fromkeys(TLS_RULES, ("pass", "configz"))
    assert by_node["weak"] == {
        "KW-KUBELET-004": ("fail", "configz"),
        "KW-KUBELET-005": ("fail", "configz"),
        "KW-KUBELET-006": ("pass", "configz"),
        "KW-KUBELET-007": ("fail", "configz"),
        "KW-KUBELET-008": ("fail", "configz"),
        "KW-KUBELET-009": ("fail", "configz"),
        "KW-KUBELET-010": ("fail", "configz"),
    }


def test_tls_rules_missing_config_file_is_not_assessable(tmp_path: Path) -> None:
    result = tls_outcome(inventory_from_files(tmp_path, {"n1/etc/systemd/system/kubelet.service": UNIT_WITH_CONFIG}))
    assert {rule: status for rule, (status, _, _) in result.items()} == dict.fromkeys(TLS_RULES, "not_assessable")


def test_tls_rules_missing_config_but_flags_given(tmp_path: Path) -> None:
    unit = UNIT_WITH_CONFIG.replace("--kubeconfig", "--rotate-server-certificates=true --kubeconfig")
    result = tls_outcome(inventory_from_files(tmp_path, {"n1/etc/systemd/system/kubelet.service": unit}))
    assert result["KW-KUBELET-004"] == ("pass", True, "flag")
    assert result["KW-KUBELET-008"] == ("pass", True, "flag")
    assert result["KW-KUBELET-007"][0] == "not_assessable"


def test_tls_rules_no_kubelet_input_is_not_assessable(tmp_path: Path) -> None:
    inventory = inventory_from_files(tmp_path, {"ns.yaml": "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n"})
    for rule in TLS_RULES:
        [finding] = run_rule(inventory, rule)
        assert (finding.status, finding.resource.kind) == ("not_assessable", "Cluster"), rule
        assert "no kubelet configuration to assess" in finding.message


@given(
    hours=st.integers(min_value=0, max_value=200),
    minutes=st.integers(min_value=0, max_value=59),
    seconds=st.integers(min_value=0, max_value=59),
    millis=st.integers(min_value=0, max_value=999),
)
def test_parse_duration_reads_go_durations(hours: int, minutes: int, seconds: int, millis: int) -> None:
    from kubeward.resolve.kubelet import parse_duration

    # time.Duration.String() form, and the same value written unit by unit.
    text = f"{hours}h{minutes}m{seconds}.{millis:03d}s"
    expected = hours * 3600 + minutes * 60 + seconds + millis / 1000
    assert parse_duration(text) == pytest.approx(expected)
    assert parse_duration(f"{hours}h{minutes}m{seconds}s{millis}ms") == pytest.approx(expected)


@pytest.mark.parametrize(("text", "seconds"), [("0", 0.0), ("0s", 0.0), ("-5m", -300.0), ("1.5h", 5400.0)])
def test_parse_duration_edges(text: str, seconds: float) -> None:
    from kubeward.resolve.kubelet import parse_duration

    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "5", "4 h", "h", "5x", True, None])
def test_parse_duration_rejects_non_durations(text: object) -> None:
    from kubeward.resolve.kubelet import parse_duration

    assert parse_duration(text) is None
