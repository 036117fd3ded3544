"""Probe results joined with configuration: contradictions are findings (KW-PROBE-008), and the
probe-backed rules judge the answers."""

from collections.abc import Callable
from pathlib import Path

import msgspec
import pytest
import yaml
from tests.support.inventories import inventory_from_files, run_rule, verdicts
from tests.support.paths import apiserver_files

from kubeward.inventory.model import Inventory
from kubeward.probe.catalog import KUBELET
from kubeward.probe.run import ProbeOptions, run_probe
from kubeward.probe.targets import Request
from kubeward.testing import exposure

Start = Callable[..., exposure.Running]
FAST = ProbeOptions(timeout=2, deadline=20, tls_versions=False)

UNIT = """
[Service]
ExecStart=/usr/bin/kubelet --config=/var/lib/kubelet/config.yaml --kubeconfig=/etc/kubernetes/kubelet.conf
"""


def with_probe(inventory: Inventory, targets: list[str], requests: list[Request] | None = None) -> Inventory:
    run = run_probe(targets, FAST, requests=requests)
    return msgspec.structs.replace(inventory, probes=(run,))


@pytest.mark.parametrize(
    ("flag", "server", "status"),
    [
        ("false", "forbidden", "fail"),  # config says off, the endpoint accepted an anonymous request
        ("false", "off", "pass"),
        ("true", "off", "fail"),  # config says on, the endpoint answers 401
        ("true", "forbidden", "pass"),
    ],
)
def test_apiserver_anonymous_flag_versus_probe(
    tmp_path: Path, start: Start, flag: str, server: str, status: str
) -> None:
    inventory = inventory_from_files(tmp_path, apiserver_files("command", [f"--anonymous-auth={flag}"]))
    running = start(exposure.apiserver(server))
    inventory = with_probe(inventory, [f"https://127.0.0.1:{running.port}"])
    findings = run_rule(inventory, "KW-PROBE-008")
    assert [f.status for f in findings] == [status]
    if status == "fail" and flag == "false":
        assert "configuration says kube-apiserver --anonymous-auth=false" in findings[0].message
        assert "HTTP 403" in findings[0].message


def test_kubelet_config_versus_probe(tmp_path: Path, start: Start) -> None:
    node = {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {"name": "n1"},
        "status": {"addresses": [{"type": "InternalIP", "address": "127.0.0.1"}]},
    }
    files = {
        "n1/etc/systemd/system/kubelet.service": UNIT,
        "n1/var/lib/kubelet/config.yaml": (
            "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\n"
            "authentication: {anonymous: {enabled: false}}\nauthorization: {mode: Webhook}\n"
        ),
        "dump/nodes.yaml": yaml.safe_dump(node),
    }
    inventory = inventory_from_files(tmp_path, files)
    lying = start(exposure.kubelet(True, "Webhook"))
    requests = [Request("https", "127.0.0.1", lying.port, endpoint) for endpoint in KUBELET]
    probed = with_probe(inventory, [], requests)
    [finding] = run_rule(probed, "KW-PROBE-008")
    assert finding.status == "fail"
    assert "authentication.anonymous.enabled=False" in finding.message
    assert verdicts(run_rule(probed, "KW-PROBE-004")) == sorted(
        ("fail", f"Endpoint/https://127.0.0.1:{lying.port}{e.path}") for e in KUBELET
    )
    honest = start(exposure.kubelet(False, "Webhook"))
    requests = [Request("https", "127.0.0.1", honest.port, endpoint) for endpoint in KUBELET]
    [agreeing] = run_rule(with_probe(inventory, [], requests), "KW-PROBE-008")
    assert agreeing.status == "pass"


def test_probe_rules_give_no_result_without_a_probe(tmp_path: Path) -> None:
    inventory = inventory_from_files(tmp_path, apiserver_files("command", ["--anonymous-auth=false"]))
    for rule in ("KW-PROBE-001", "KW-PROBE-002", "KW-PROBE-008", "KW-PROBE-009"):
        assert run_rule(inventory, rule) == []


def test_apiserver_probe_rules(tmp_path: Path, start: Start) -> None:
    inventory = inventory_from_files(tmp_path, apiserver_files("command", []))
    running = start(exposure.apiserver("allowed"))
    probed = with_probe(inventory, [f"https://127.0.0.1:{running.port}"])
    base = f"Endpoint/https://127.0.0.1:{running.port}"
    assert ("fail", f"{base}/api/v1/namespaces") in verdicts(run_rule(probed, "KW-PROBE-001"))
    assert ("pass", f"{base}/version") in verdicts(run_rule(probed, "KW-PROBE-001"))


def test_scan_probe_end_to_end(tmp_path: Path, start: Start) -> None:
    import json

    from click.testing import CliRunner
    from tests.support.inventories import write_files

    from kubeward.cli.main import cli

    write_files(tmp_path / "in", apiserver_files("command", ["--anonymous-auth=false"]))
    running = start(exposure.apiserver("forbidden"))
    result = CliRunner().invoke(
        cli,
        ["scan", str(tmp_path / "in"), "--probe", "-s", f"https://127.0.0.1:{running.port}", "-o", "json"],
        catch_exceptions=False,
    )
    report = json.loads(result.stdout)
    import jsonschema

    schema = Path(__file__).resolve().parents[2] / "src" / "kubeward" / "report" / "schema" / "report-v1.json"
    jsonschema.validate(report, json.loads(schema.read_text()))
    failed = {
        (f["rule_id"], f["resource"]["name"].rsplit("/", 1)[-1]) for f in report["findings"] if f["status"] == "fail"
    }
    assert ("KW-PROBE-008", "namespaces") in failed or any(rule == "KW-PROBE-008" for rule, _ in failed)
    assert ("KW-PROBE-002", "namespaces") in failed
    assert not any(rule == "KW-PROBE-001" for rule, _ in failed)
    assert all(method == "GET" for method, _ in running.requests)
