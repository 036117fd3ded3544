"""The bundled hardened example cluster scans clean: every rule passes or is suppressed with a
reason, nothing is left not assessable, and the CLI exits 0 even with --fail-on info."""

import json

from click.testing import CliRunner

from kubeward.cli.main import cli


def test_hardened_example_has_no_failures() -> None:
    result = CliRunner().invoke(cli, ["scan", "--demo", "hardened", "-o", "json", "--fail-on", "info"])
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["scan"]["target"] == {"kind": "demo", "name": "demo-hardened"}
    assert report["scan"]["incomplete"] is False
    unexpected = [
        (f["rule_id"], f["status"], f["message"])
        for f in report["findings"]
        if f["status"] in ("fail", "not_assessable")
    ]
    assert unexpected == []
    suppressed = {(f["rule_id"], f["resource"]["name"]) for f in report["findings"] if f["status"] == "suppressed"}
    assert suppressed == {("KW-RBAC-011", "deployer")}


def test_hardened_example_is_a_kubeadm_cluster_of_a_known_version() -> None:
    result = CliRunner().invoke(cli, ["scan", "--demo", "hardened", "-o", "json"])
    report = json.loads(result.stdout)
    assert report["scan"]["kubernetes_version"] == "v1.33.5"
