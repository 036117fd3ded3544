"""kubelet, audit-policy, flowcontrol and network generators."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from tests.harden.helpers import load, write
from tests.support.inventories import run_rule
from tests.support.openapi import assert_valid

from kubeward.audit.policy.lint import lint
from kubeward.audit.policy.model import parse_policy
from kubeward.harden.apiserver import HardenError
from kubeward.harden.audit_policy import hint, policy_text
from kubeward.harden.flowcontrol import api_version, flow_objects, parse_account
from kubeward.harden.kubelet import KubeletOptions, append_exec_start_flags, harden_kubelet, rewrite_flag
from kubeward.harden.network import NetworkOptions, parse_cidrs, render
from kubeward.resolve.flowcontrol import FlowControl
from kubeward.resolve.kubelet import EffectiveKubelet

# --- kubelet -------------------------------------------------------------------------------------

CONFIG = """
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
# set by hand
authentication:
  anonymous:
    enabled: true
authorization:
  mode: AlwaysAllow
readOnlyPort: 10255
"""
UNIT = """
[Service]
Environment="KUBELET_CONFIG_ARGS=--config=/var/lib/kubelet/config.yaml"
EnvironmentFile=-/var/lib/kubelet/kubeadm-flags.env
ExecStart=
ExecStart=/usr/bin/kubelet $KUBELET_CONFIG_ARGS $KUBELET_KUBEADM_ARGS
"""


def _harden_node(root: Path, options: KubeletOptions | None = None) -> dict[str, str]:
    inventory = load(root)
    assert len(inventory.kubelets) == 1, inventory.kubelets
    instance = inventory.kubelets[0]
    sources = {instance.provenance.source} | {
        f.provenance.source for f in instance.flags if f.provenance.kind == "file"
    }
    sources |= {d.provenance.source for d in (instance.config, *instance.dropins) if d is not None}
    texts = {s: Path(s).read_text() for s in sources}
    result = harden_kubelet(EffectiveKubelet(instance), texts, options or KubeletOptions())
    for path, text in result.files.items():
        Path(path).write_text(text)
    return result.files


def test_kubelet_config_and_flags_that_override_it(tmp_path: Path) -> None:
    node = tmp_path / "n1"
    config = write(node, "var/lib/kubelet/config.yaml", CONFIG)
    write(node, "usr/lib/systemd/system/kubelet.service.d/10-kubeadm.conf", UNIT)
    flags = write(
        node,
        "var/lib/kubelet/kubeadm-flags.env",
        'KUBELET_KUBEADM_ARGS="--anonymous-auth=true --read-only-port 10255 --node-ip=10.0.0.5"\n',
    )
    files = _harden_node(node, KubeletOptions(client_ca_file="/etc/kubernetes/pki/ca.crt"))
    assert set(files) == {str(config), str(flags)}
    assert flags.read_text() == (
        'KUBELET_KUBEADM_ARGS="--anonymous-auth=false --read-only-port=0 --node-ip=10.0.0.5"\n'
    )
    data = yaml.safe_load(config.read_text())
    assert "# set by hand" in config.read_text()
    assert data["authentication"]["anonymous"]["enabled"] is False  # the flag hid it; fixed too
    assert data["authorization"]["mode"] == "Webhook"
    assert data["readOnlyPort"] == 0
    assert data["rotateCertificates"] is True and data["serverTLSBootstrap"] is True
    assert data["authentication"]["x509"]["clientCAFile"] == "/etc/kubernetes/pki/ca.crt"
    inventory = load(node)
    for rule in (1, 2, 3, 4, 5, 6, 7, 8):
        assert [f.status for f in run_rule(inventory, f"KW-KUBELET-{rule:03d}")] == ["pass"], rule
    assert _harden_node(node) == {}  # idempotent


def test_kubelet_from_flags_alone_gets_flags(tmp_path: Path) -> None:
    node = tmp_path / "n2"
    unit = write(
        node,
        "etc/systemd/system/kubelet.service",
        "[Service]\nExecStart=/usr/bin/kubelet \\\n    --kubeconfig=/etc/kubernetes/kubelet.conf \\\n"
        "    --client-ca-file=/etc/kubernetes/pki/ca.crt\nRestart=always\n",
    )
    _harden_node(node)
    text = unit.read_text()
    assert "    --client-ca-file=/etc/kubernetes/pki/ca.crt \\\n    --anonymous-auth=false \\\n" in text
    assert text.endswith("--rotate-server-certificates=true\nRestart=always\n")
    inventory = load(node)
    for rule in (1, 2, 3, 6, 7, 8):
        assert [f.status for f in run_rule(inventory, f"KW-KUBELET-{rule:03d}")] == ["pass"], rule


def test_k3s_kubelet_arg(tmp_path: Path) -> None:
    config = write(tmp_path, "n3/etc/rancher/k3s/config.yaml", "kubelet-arg:\n  - read-only-port=10255\n")
    _harden_node(tmp_path / "n3")
    assert yaml.safe_load(config.read_text()) == {"kubelet-arg": ["read-only-port=0"]}


def test_kubelet_config_not_among_inputs_is_refused(tmp_path: Path) -> None:
    node = tmp_path / "n4"
    write(node, "usr/lib/systemd/system/kubelet.service.d/10-kubeadm.conf", UNIT)
    with pytest.raises(HardenError, match="not among the inputs"):
        _harden_node(node)


def test_rewrite_flag_and_exec_start() -> None:
    assert rewrite_flag("--a=1 --read-only-port 10255 --b", "read-only-port", "0") == "--a=1 --read-only-port=0 --b"
    assert rewrite_flag('X="--anonymous-auth"\n', "anonymous-auth", "false") == 'X="--anonymous-auth=false"\n'
    assert rewrite_flag("--anonymous-auth-x=1", "anonymous-auth", "false") == "--anonymous-auth-x=1"
    from kubeward.harden.apiserver import FlagEdit

    text = "[Service]\nExecStart=/usr/bin/kubelet --v=2\n"
    assert append_exec_start_flags(text, 2, [FlagEdit("read-only-port", "0", "")]) == (
        "[Service]\nExecStart=/usr/bin/kubelet --v=2 \\\n  --read-only-port=0\n"
    )


# --- audit policy ---------------------------------------------------------------------------------


@pytest.mark.parametrize("profile", ["seed", "recommended", "low-volume"])
def test_audit_policy_profiles_lint_clean(profile: str) -> None:
    text = policy_text(profile)
    findings = lint(parse_policy(text.encode(), f"{profile}.yaml"))
    assert [f for f in findings if f.severity == "high"] == []


def test_low_volume_logs_secrets_at_metadata() -> None:
    rules = yaml.safe_load(policy_text("low-volume"))["rules"]
    secrets = next(r for r in rules if any("secrets" in g.get("resources", []) for g in r.get("resources", [])))
    assert secrets["level"] == "Metadata"


def test_audit_policy_hint_and_unknown_profile() -> None:
    assert "--audit-policy-file=/etc/kubernetes/audit/policy.yaml" in hint()
    with pytest.raises(HardenError, match="unknown audit policy profile"):
        policy_text("verbose")


# --- flowcontrol ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("version", "api"), [("1.28", "v1beta3"), ("1.30", "v1"), ("1.34", "v1")])
def test_flow_objects_validate_against_openapi(version: str, api: str) -> None:
    objects = flow_objects([("ci", "deployer"), ("ci", "deployer"), ("argocd", "argocd-server")], int(version[2:]))
    assert [o["apiVersion"] for o in objects] == [f"flowcontrol.apiserver.k8s.io/{api}"] * 2
    assert_valid(objects, version)
    subjects = objects[1]["spec"]["rules"][0]["subjects"]
    assert [s["serviceAccount"] for s in subjects] == [
        {"namespace": "argocd", "name": "argocd-server"},
        {"namespace": "ci", "name": "deployer"},
    ]
    assert objects[1]["spec"]["distinguisherMethod"] == {"type": "ByUser"}
    assert objects[0]["spec"]["limited"]["limitResponse"]["type"] == "Queue"


def test_flow_precedence_goes_before_an_exempt_schema() -> None:
    import msgspec

    from kubeward.inventory.objects import FlowSchema

    schema = msgspec.convert(
        {
            "metadata": {"name": "ci-fast-lane"},
            "spec": {
                "matchingPrecedence": 400,
                "priorityLevelConfiguration": {"name": "exempt"},
                "rules": [
                    {
                        "subjects": [
                            {"kind": "ServiceAccount", "serviceAccount": {"namespace": "ci", "name": "deployer"}}
                        ],
                        "resourceRules": [
                            {"verbs": ["*"], "apiGroups": ["*"], "resources": ["*"], "clusterScope": True}
                        ],
                    }
                ],
            },
        },
        FlowSchema,
    )
    control = FlowControl(schemas=(schema,), levels=(), levels_collected=False)
    objects = flow_objects([("ci", "deployer")], 30, existing=control, reroute=[schema])
    assert objects[1]["spec"]["matchingPrecedence"] == 399
    assert objects[2]["metadata"]["name"] == "ci-fast-lane"
    assert objects[2]["spec"]["priorityLevelConfiguration"] == {"name": "kubeward-automation"}
    assert_valid(objects, "1.30")


def test_flow_bad_input() -> None:
    with pytest.raises(HardenError, match="NAMESPACE/NAME"):
        parse_account("deployer")
    assert parse_account("system:serviceaccount:ci:deployer") == ("ci", "deployer")
    with pytest.raises(HardenError, match=r"1\.26 and later"):
        api_version(25)
    with pytest.raises(HardenError, match="no service account"):
        flow_objects([], 30)


# --- network --------------------------------------------------------------------------------------


def test_cidrs_are_validated() -> None:
    assert [str(n) for n in parse_cidrs(["10.0.0.0/16,10.0.0.0/16", "2001:db8::/32"])] == [
        "10.0.0.0/16",
        "2001:db8::/32",
    ]
    for bad in ("10.0.0.1/16", "10.0.0.0/33", "vpn", ""):
        with pytest.raises(HardenError):
            parse_cidrs([bad])


def test_iptables_rules_exact_text() -> None:
    assert render("iptables", NetworkOptions(allow=("10.0.0.0/16",), port=6443)) == (
        "# iptables-restore --noflush < this-file: TCP 6443 only from the allowed networks\n"
        "*filter\n"
        ":KUBEWARD-APISERVER - [0:0]\n"
        "-A INPUT -p tcp -m tcp --dport 6443 -j KUBEWARD-APISERVER\n"
        "-A KUBEWARD-APISERVER -s 127.0.0.0/8 -j RETURN\n"
        "-A KUBEWARD-APISERVER -m conntrack --ctstate ESTABLISHED,RELATED -j RETURN\n"
        "-A KUBEWARD-APISERVER -s 10.0.0.0/16 -j RETURN\n"
        "-A KUBEWARD-APISERVER -j DROP\n"
        "COMMIT\n"
    )


def _tool_works(*command: str) -> bool:
    if shutil.which(command[0]) is None:
        return False
    probe = subprocess.run([*command], input="", capture_output=True, text=True, check=False)
    return probe.returncode == 0


@pytest.mark.skipif(not _tool_works("nft", "-c", "-f", "/dev/null"), reason="nft not usable here")
def test_nftables_rules_parse_with_nft(tmp_path: Path) -> None:
    text = render("nftables", NetworkOptions(allow=("10.0.0.0/16", "192.168.0.0/24", "2001:db8::/32")))
    path = tmp_path / "rules.nft"
    path.write_text(text)
    checked = subprocess.run(["nft", "-c", "-f", str(path)], capture_output=True, text=True, check=False)
    assert checked.returncode == 0, checked.stderr


@pytest.mark.skipif(
    not _tool_works("iptables-restore", "--test", "--noflush"), reason="iptables-restore not usable here"
)
def test_iptables_rules_parse_with_iptables_restore() -> None:
    text = render("iptables", NetworkOptions(allow=("10.0.0.0/16", "172.16.0.0/12")))
    checked = subprocess.run(
        ["iptables-restore", "--test", "--noflush"], input=text, capture_output=True, text=True, check=False
    )
    assert checked.returncode == 0, checked.stderr


def test_managed_endpoint_commands() -> None:
    options = NetworkOptions(allow=("203.0.113.0/24", "198.51.100.0/24"), cluster="prod", region="eu-west-1")
    assert render("eks", options).splitlines()[1:] == [
        "aws eks update-cluster-config \\",
        "  --name prod \\",
        "  --region eu-west-1 \\",
        "  --resources-vpc-config endpointPublicAccess=true,publicAccessCidrs=203.0.113.0/24,198.51.100.0/24,"
        "endpointPrivateAccess=true",
    ]
    assert "--master-authorized-networks 203.0.113.0/24,198.51.100.0/24" in render("gke", options)
    aks = NetworkOptions(allow=("203.0.113.0/24",), cluster="prod", resource_group="rg-prod")
    assert "--api-server-authorized-ip-ranges 203.0.113.0/24" in render("aks", aks)
    with pytest.raises(HardenError, match="--cluster"):
        render("gke", NetworkOptions(allow=("10.0.0.0/8",)))
    with pytest.raises(HardenError, match="IPv4 only"):
        render("eks", NetworkOptions(allow=("2001:db8::/32",), cluster="prod"))
    with pytest.raises(HardenError, match="resource-group"):
        render("aks", NetworkOptions(allow=("10.0.0.0/8",), cluster="prod"))
