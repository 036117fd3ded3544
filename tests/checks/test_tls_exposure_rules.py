"""kube-apiserver TLS (KW-TLS-001..007) and network exposure (KW-NET-001..003) rules on every input
path of ``tests.support.paths``: static pod ``command`` and ``args``, k3s and RKE2 ``config.yaml``,
kubeadm ``ClusterConfiguration``, mirror pod dump, and the mirror pod served by the fixture API server.

Expectations follow what kube-apiserver and the installers do (see the modules' docstrings): an absent
flag means the kube-apiserver default on a plain static pod, kubeadm's generated flag on the kubeadm
path, and k3s/RKE2's own argument (or datastore wiring) on the distro paths.
"""

import json
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.support.inventories import inventory_from_files, run_rule, verdicts
from tests.support.paths import (
    APISERVER_PATHS,
    MANIFEST,
    NODE,
    apiserver_inventory,
    apiserver_pod,
    live_inventory,
)

from kubeward.findings import Finding
from kubeward.testing.fixture_apiserver import FixtureCluster

PKI = "/etc/kubernetes/pki"
# Every flag the TLS and exposure rules read, set as a hardened kubeadm cluster sets them.
FULL = {
    "tls-cert-file": f"{PKI}/apiserver.crt",
    "tls-private-key-file": f"{PKI}/apiserver.key",
    "client-ca-file": f"{PKI}/ca.crt",
    "kubelet-client-certificate": f"{PKI}/apiserver-kubelet-client.crt",
    "kubelet-client-key": f"{PKI}/apiserver-kubelet-client.key",
    "kubelet-certificate-authority": f"{PKI}/ca.crt",
    "etcd-servers": "https://10.0.0.5:2379",
    "etcd-cafile": f"{PKI}/etcd/ca.crt",
    "etcd-certfile": f"{PKI}/apiserver-etcd-client.crt",
    "etcd-keyfile": f"{PKI}/apiserver-etcd-client.key",
    "bind-address": "10.0.0.10",
    "profiling": "false",
}
# Rule -> the flag its evidence names when it passes, and the value it shows.
DECIDING = {
    "KW-TLS-001": ("tls-cert-file", f"{PKI}/apiserver.crt"),
    "KW-TLS-002": ("client-ca-file", f"{PKI}/ca.crt"),
    "KW-TLS-003": ("kubelet-client-certificate", f"{PKI}/apiserver-kubelet-client.crt"),
    "KW-TLS-004": ("kubelet-certificate-authority", f"{PKI}/ca.crt"),
    "KW-TLS-005": ("etcd-certfile", f"{PKI}/apiserver-etcd-client.crt"),
    "KW-TLS-006": ("etcd-cafile", f"{PKI}/etcd/ca.crt"),
    "KW-TLS-007": ("etcd-servers", ["https://10.0.0.5:2379"]),
    "KW-NET-001": ("profiling", False),
    "KW-NET-002": ("bind-address", "10.0.0.10"),
}
RULES = (*DECIDING, "KW-NET-003")


def flags(overrides: dict[str, str | None] | None = None) -> list[str]:
    """FULL with ``overrides`` applied (None drops the flag)."""
    merged: dict[str, str | None] = {**FULL, **(overrides or {})}
    return [f"--{name}={value}" for name, value in merged.items() if value is not None]


def one(tmp_path: Path, path: str, flag_list: list[str], rule_id: str) -> Finding:
    [finding] = run_rule(apiserver_inventory(tmp_path, path, flag_list), rule_id)
    return finding


@pytest.mark.parametrize("path", APISERVER_PATHS)
def test_hardened_flags_pass_on_every_path(tmp_path: Path, path: str) -> None:
    inventory = apiserver_inventory(tmp_path, path, flags())
    for rule_id, (flag, value) in DECIDING.items():
        [finding] = run_rule(inventory, rule_id)
        assert finding.status == "pass", (rule_id, finding.message)
        assert finding.evidence.setting == f"kube-apiserver --{flag}", rule_id
        assert (finding.evidence.value, finding.evidence.source) == (value, "flag"), rule_id
    [insecure] = run_rule(inventory, "KW-NET-003")
    assert insecure.status == "pass"
    assert "has no --insecure-port" in insecure.message


EMPTIED = {
    "KW-TLS-001": ("tls-cert-file", "--tls-cert-file is not set while its pair is"),
    "KW-TLS-002": ("client-ca-file", "client-certificate authentication is off"),
    "KW-TLS-003": ("kubelet-client-key", "--kubelet-client-key is not set while its pair is"),
    "KW-TLS-004": ("kubelet-certificate-authority", "does not verify kubelet serving certificates"),
    "KW-TLS-005": ("etcd-keyfile", "--etcd-keyfile is not set while its pair is"),
    "KW-TLS-006": ("etcd-cafile", "system CA roots"),
}


@pytest.mark.parametrize("path", APISERVER_PATHS)
@pytest.mark.parametrize("rule_id", sorted(EMPTIED))
def test_emptied_flag_fails_on_every_path(tmp_path: Path, path: str, rule_id: str) -> None:
    # An empty value is what the component sees as unset, whatever default an installer had put there.
    flag, message = EMPTIED[rule_id]
    finding = one(tmp_path, path, flags({flag: ""}), rule_id)
    assert finding.status == "fail"
    assert message in finding.message
    assert (finding.evidence.setting, finding.evidence.value, finding.evidence.source) == (
        f"kube-apiserver --{flag}",
        "",
        "flag",
    )


@pytest.mark.parametrize("path", APISERVER_PATHS)
def test_plain_http_etcd_fails_on_every_path(tmp_path: Path, path: str) -> None:
    finding = one(tmp_path, path, flags({"etcd-servers": "https://10.0.0.5:2379,http://10.0.0.6:2379"}), "KW-TLS-007")
    assert finding.status == "fail"
    assert finding.message == "etcd reached without TLS: http://10.0.0.6:2379"
    assert finding.evidence.value == ["https://10.0.0.5:2379", "http://10.0.0.6:2379"]


@pytest.mark.parametrize("path", APISERVER_PATHS)
def test_profiling_and_bind_address_fail_on_every_path(tmp_path: Path, path: str) -> None:
    inventory = apiserver_inventory(tmp_path, path, flags({"profiling": "true", "bind-address": "0.0.0.0"}))
    [profiling] = run_rule(inventory, "KW-NET-001")
    assert (profiling.status, profiling.evidence.value, profiling.evidence.source) == ("fail", True, "flag")
    [bind] = run_rule(inventory, "KW-NET-002")
    assert (bind.status, bind.severity, bind.evidence.value) == ("fail", "info", "0.0.0.0")
    assert bind.message == "serves port 6443 on every interface (0.0.0.0); only firewalls limit who reaches it"


K3S_TLS = "/var/lib/rancher/{distro}/server/tls"
# What an absent flag gives on each path: (status, evidence value) per rule.
UPSTREAM = {
    "KW-TLS-001": ("fail", None),
    "KW-TLS-002": ("fail", None),
    "KW-TLS-003": ("fail", None),
    "KW-TLS-004": ("fail", None),
    "KW-TLS-005": ("fail", None),
    "KW-TLS-006": ("fail", None),
    "KW-TLS-007": ("fail", None),
    "KW-NET-001": ("fail", True),
    "KW-NET-002": ("fail", "0.0.0.0"),
    "KW-NET-003": ("pass", None),
}
KUBEADM = {
    **UPSTREAM,
    "KW-TLS-001": ("pass", f"{PKI}/apiserver.crt"),
    "KW-TLS-002": ("pass", f"{PKI}/ca.crt"),
    "KW-TLS-003": ("pass", f"{PKI}/apiserver-kubelet-client.crt"),
    "KW-TLS-005": ("pass", f"{PKI}/apiserver-etcd-client.crt"),
    "KW-TLS-006": ("pass", f"{PKI}/etcd/ca.crt"),
    "KW-TLS-007": ("pass", ["https://127.0.0.1:2379"]),
}


def distro_defaults(distro: str) -> dict[str, tuple[str, object]]:
    tls = K3S_TLS.format(distro=distro)
    return {
        **UPSTREAM,
        "KW-TLS-001": ("pass", f"{tls}/serving-kube-apiserver.crt"),
        "KW-TLS-002": ("pass", f"{tls}/client-ca.crt"),
        "KW-TLS-003": ("pass", f"{tls}/client-kube-apiserver.crt"),
        "KW-TLS-004": ("pass", f"{tls}/server-ca.crt"),
        "KW-TLS-005": ("pass", None),
        "KW-TLS-006": ("pass", None),
        "KW-TLS-007": ("pass", None),
        "KW-NET-001": ("pass", False),
    }


EXPECTED_ABSENT = {
    "command": UPSTREAM,
    "args": UPSTREAM,
    "mirror-pod": UPSTREAM,
    "live": UPSTREAM,
    "kubeadm": KUBEADM,
    "k3s": distro_defaults("k3s"),
    "rke2": distro_defaults("rke2"),
}


@pytest.mark.parametrize("path", APISERVER_PATHS)
def test_absent_flags_take_the_default_of_the_path(tmp_path: Path, path: str) -> None:
    inventory = apiserver_inventory(tmp_path, path, ["--authorization-mode=Node,RBAC"])
    got = {}
    for rule_id in RULES:
        [finding] = run_rule(inventory, rule_id)
        got[rule_id] = (finding.status, finding.evidence.value)
        assert finding.evidence.source == "default", (rule_id, finding.evidence)
    assert got == EXPECTED_ABSENT[path]


@pytest.mark.parametrize("path", ["command", "mirror-pod", "live"])
def test_absent_messages_say_what_kube_apiserver_does(tmp_path: Path, path: str) -> None:
    inventory = apiserver_inventory(tmp_path, path, [])
    messages = {rule_id: run_rule(inventory, rule_id)[0].message for rule_id in RULES}
    assert "self-signed certificate it generates in /var/run/kubernetes/apiserver.crt" in messages["KW-TLS-001"]
    assert "TLS verification is skipped" in messages["KW-TLS-004"]
    assert "etcd must be accepting unauthenticated clients" in messages["KW-TLS-005"]
    assert messages["KW-TLS-007"] == "no --etcd-servers: kube-apiserver will not start without one"
    assert messages["KW-NET-003"] == "no insecure port: kube-apiserver 1.31 has no --insecure-port"


def test_kubeadm_default_fails_kubelet_ca_naming_kubeadm(tmp_path: Path) -> None:
    # kubeadm does not set --kubelet-certificate-authority: a default kubeadm cluster fails (CIS 1.2.5).
    finding = one(tmp_path, "kubeadm", [], "KW-TLS-004")
    assert (finding.status, finding.evidence.source) == ("fail", "default")
    assert "kube-apiserver default (v1.31.2)" in str(finding.evidence.provenance)


def test_cert_dir_is_named_in_the_self_signed_message(tmp_path: Path) -> None:
    finding = one(tmp_path, "command", ["--cert-dir=/srv/apiserver-certs"], "KW-TLS-001")
    assert finding.message.endswith("generates in /srv/apiserver-certs/apiserver.crt")


@pytest.mark.parametrize(
    ("servers", "status"),
    [
        ("unix://kine.sock", "pass"),
        ("https://a:2379,https://b:2379", "pass"),
        ("127.0.0.1:2379", "fail"),  # no scheme: the etcd client dials without TLS
        ("http://127.0.0.1:2379", "fail"),
    ],
)
def test_etcd_server_schemes(tmp_path: Path, servers: str, status: str) -> None:
    assert one(tmp_path, "command", flags({"etcd-servers": servers}), "KW-TLS-007").status == status


@pytest.mark.parametrize("distro", ["k3s", "rke2"])
def test_distro_external_datastore_is_not_assessable(tmp_path: Path, distro: str) -> None:
    config = {"datastore-endpoint": "postgres://k3s:secret@db.internal:5432/k3s", "kube-apiserver-arg": []}
    files = {f"nodes/{NODE}/etc/rancher/{distro}/config.yaml": yaml.safe_dump(config)}
    inventory = inventory_from_files(tmp_path, files)
    for rule_id in ("KW-TLS-005", "KW-TLS-006", "KW-TLS-007"):
        [finding] = run_rule(inventory, rule_id)
        assert finding.status == "not_assessable", rule_id
        assert f"{distro} uses an external datastore (datastore-endpoint)" in finding.message
        assert "secret" not in finding.message


def test_distro_user_etcd_flags_are_judged_like_flags(tmp_path: Path) -> None:
    config = {"kube-apiserver-arg": ["etcd-servers=http://10.0.0.9:2379"]}
    files = {f"nodes/{NODE}/etc/rancher/k3s/config.yaml": yaml.safe_dump(config)}
    [finding] = run_rule(inventory_from_files(tmp_path, files), "KW-TLS-007")
    assert (finding.status, finding.evidence.source) == ("fail", "flag")


def test_no_apiserver_input_is_not_assessable(tmp_path: Path) -> None:
    files = {"dump/ns.yaml": "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n"}
    inventory = inventory_from_files(tmp_path, files)
    for rule_id in RULES:
        findings = run_rule(inventory, rule_id)
        assert verdicts(findings) == [("not_assessable", "Cluster/test")], rule_id
        assert "no kube-apiserver configuration" in findings[0].message


def test_live_without_a_visible_apiserver_is_not_assessable(tmp_path: Path) -> None:
    cluster = FixtureCluster()
    cluster.add({"apiVersion": "v1", "kind": "Node", "metadata": {"name": NODE}, "spec": {}})
    inventory = live_inventory(tmp_path, cluster)
    for rule_id in RULES:
        [finding] = run_rule(inventory, rule_id)
        assert finding.status == "not_assessable", rule_id
        assert "no kube-apiserver configuration" in finding.message


EKS = {
    "cluster": {
        "name": "prod",
        "arn": "arn:aws:eks:eu-west-1:111122223333:cluster/prod",
        "version": "1.30",
        "endpoint": "https://ABCDEF0123456789.gr7.eu-west-1.eks.amazonaws.com",
    }
}


def test_managed_control_plane_is_not_applicable(tmp_path: Path) -> None:
    inventory = inventory_from_files(tmp_path, {"eks.json": json.dumps(EKS)})
    for rule_id in RULES:
        findings = run_rule(inventory, rule_id)
        assert verdicts(findings) == [("not_applicable", "Cluster/test")], rule_id
        assert "eks" in findings[0].message, rule_id


def versioned(tmp_path: Path, version: str, extra: list[str]) -> Finding:
    pod = apiserver_pod(extra)
    pod["spec"]["containers"][0]["image"] = f"registry.k8s.io/kube-apiserver:{version}"
    [finding] = run_rule(inventory_from_files(tmp_path, {MANIFEST: yaml.safe_dump(pod)}), "KW-NET-003")
    return finding


@pytest.mark.parametrize(
    ("version", "extra", "status", "value", "message"),
    [
        ("v1.18.3", [], "fail", 8080, "on loopback (127.0.0.1): any process on the host gets cluster-admin"),
        ("v1.18.3", ["--insecure-bind-address=0.0.0.0"], "fail", 8080, "on 0.0.0.0: anyone who reaches"),
        ("v1.18.3", ["--insecure-port=0"], "pass", 0, "insecure port disabled (0)"),
        ("v1.22.0", [], "pass", 0, "insecure port disabled (0)"),
        ("v1.22.0", ["--insecure-port=8080"], "fail", 8080, "1.22 accepts only 0 and will not start"),
        ("v1.31.2", ["--insecure-port=8080"], "fail", 8080, "1.31 does not accept the flag"),
        ("v1.31.2", [], "pass", None, "kube-apiserver 1.31 has no --insecure-port"),
    ],
)
def test_insecure_port_by_version(
    tmp_path: Path, version: str, extra: list[str], status: str, value: object, message: str
) -> None:
    finding = versioned(tmp_path, version, extra)
    assert (finding.status, finding.evidence.value) == (status, value)
    assert message in finding.message


def test_insecure_port_unknown_version_says_what_is_assumed(tmp_path: Path) -> None:
    finding = one(tmp_path, "k3s", [], "KW-NET-003")
    assert finding.status == "pass"
    assert "version unknown; 1.34 assumed" in finding.message


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    address=st.one_of(
        st.ip_addresses(v=4).map(str),
        st.ip_addresses(v=6).map(str),
        st.sampled_from(["0.0.0.0", "::", "127.0.0.1", "::1", "not-an-ip", "10.0.0.300"]),
    )
)
def test_bind_address_shapes(tmp_path_factory: pytest.TempPathFactory, address: str) -> None:
    import ipaddress

    tmp_path = tmp_path_factory.mktemp("bind")
    finding = one(tmp_path, "command", flags({"bind-address": address}), "KW-NET-002")
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        assert finding.status == "fail"
        assert "is not an IP address" in finding.message
        return
    expected = "fail" if parsed.is_unspecified else "pass"
    assert finding.status == expected
    assert finding.evidence.value == address


def test_control_plane_rules_say_what_providers_manage() -> None:
    from kubeward.checks.catalog import load_rules

    registry = load_rules()
    for rule_id in RULES:
        registered = registry.get(rule_id)
        assert registered is not None
        assert "EKS, GKE and AKS" in registered.provider_managed, rule_id
