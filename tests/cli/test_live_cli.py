"""The CLI against a live cluster: the fixture API server over HTTPS with real kubeconfigs.

Scan and collect resolve the kubeconfig like kubectl, collect through the thin client, and map the
outcome to exit codes: complete (0), a refused part (3), unreachable or unusable (2).
"""

import base64
import json
import socket
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from kubeward.cli.main import cli
from kubeward.testing.fixture_apiserver import FixtureCluster, UserInfo
from kubeward.testing.harness import FixtureEnvironment, fixture_environment

LIVE_CLUSTER = Path(__file__).resolve().parents[1] / "fixtures" / "live-cluster"
# The fixture's Secrets carry this marker inside their (base64) data; it must never be fetched.
CANARY = "kubeward-secret-canary"


@pytest.fixture(scope="module")
def cluster() -> FixtureCluster:
    return FixtureCluster.load(LIVE_CLUSTER)


@pytest.fixture
def env(cluster: FixtureCluster, tmp_path: Path):  # type: ignore[no-untyped-def]
    with fixture_environment(cluster, tmp_path) as environment:
        yield environment


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def report(result: Result) -> dict:
    return json.loads(result.stdout)


def assert_no_canary(text: str) -> None:
    assert CANARY not in text
    for encoded in (base64.b64encode(CANARY.encode()).decode()[:16],):
        assert encoded not in text


def test_live_scan_is_complete_and_names_api_evidence(env: FixtureEnvironment) -> None:
    result = run("scan", "--kubeconfig", str(env.kubeconfig()), "-o", "json")
    assert result.exit_code == 0, result.stderr
    data = report(result)
    assert data["scan"]["target"]["kind"] == "live"
    assert data["scan"]["target"]["server"] == env.url
    assert data["scan"]["incomplete"] is False
    assert data["scan"]["kubernetes_version"].startswith("v1.31")
    by_rule = {}
    for finding in data["findings"]:
        by_rule.setdefault(finding["rule_id"], []).append(finding)
    [anonymous] = by_rule["KW-AUTHN-001"]
    assert (anonymous["status"], anonymous["evidence"]["value"], anonymous["evidence"]["source"]) == (
        "fail",
        True,
        "default",
    )
    # The API server's flags come from its mirror pod, so evidence points into that API object.
    [authz] = by_rule["KW-AUTHZ-001"]
    assert authz["status"] == "pass"
    assert authz["evidence"]["provenance"] == {
        "kind": "api",
        "source": "/api/v1/namespaces/kube-system/pods/kube-apiserver-cp-1",
        "pointer": "/spec/containers/0/command/6",
    }
    kubelet_sources = {f["evidence"].get("source") for f in by_rule["KW-KUBELET-001"]}
    assert kubelet_sources == {"configz"}
    assert_no_canary(result.stdout)


def test_refused_part_exits_3_and_says_why(cluster: FixtureCluster, tmp_path: Path) -> None:
    allowed = {("list", "*"), ("get", "configmaps"), ("get", "nodes/proxy")}
    permissions = {"scanner": allowed - {("list", "*")} | {("list", r) for r in _ALL_BUT_SECRETS}}
    with fixture_environment(cluster, tmp_path, tokens={"scan": UserInfo("scanner")}, permissions=permissions) as env:
        result = run("scan", "--kubeconfig", str(env.kubeconfig(token="scan")), "-o", "json")
    assert result.exit_code == 3
    data = report(result)
    assert data["scan"]["incomplete"] is True
    [secrets] = [rec for rec in data["scan"]["missing"] if rec["part"] == "secrets"]
    assert secrets["status"] == "forbidden"
    assert 'cannot list resource "secrets"' in secrets["reason"]
    assert "scan incomplete: secrets (forbidden)" in result.stderr


_ALL_BUT_SECRETS = (
    "pods", "rolebindings", "serviceaccounts", "roles", "clusterroles", "clusterrolebindings", "namespaces",
    "nodes", "deployments", "replicasets", "statefulsets", "daemonsets", "jobs", "cronjobs",
    "replicationcontrollers", "mutatingwebhookconfigurations", "validatingwebhookconfigurations", "flowschemas",
    "prioritylevelconfigurations",
)  # fmt: skip


def test_fail_on_wins_over_incomplete(cluster: FixtureCluster, tmp_path: Path) -> None:
    permissions = {"scanner": {("list", r) for r in _ALL_BUT_SECRETS} | {("get", "configmaps"), ("get", "nodes/proxy")}}
    with fixture_environment(cluster, tmp_path, tokens={"scan": UserInfo("scanner")}, permissions=permissions) as env:
        result = run("scan", "--kubeconfig", str(env.kubeconfig(token="scan")), "--fail-on", "low")
    assert result.exit_code == 1


def test_unauthenticated_is_a_connection_error(env: FixtureEnvironment) -> None:
    result = run("scan", "--kubeconfig", str(env.kubeconfig(token="not-a-valid-token")))
    assert result.exit_code == 2
    assert "not-a-valid-token" not in result.stderr + result.stdout


def test_unreachable_server_exits_2(tmp_path: Path, env: FixtureEnvironment) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    kubeconfig = env.kubeconfig("unreachable", cluster_extra={"server": f"https://127.0.0.1:{port}"})
    result = run("scan", "--kubeconfig", str(kubeconfig), "--request-timeout", "2s")
    assert result.exit_code == 2
    assert "kubeward: error:" in result.stderr


def test_unusable_kubeconfig_exits_2(tmp_path: Path) -> None:
    broken = tmp_path / "kubeconfig"
    broken.write_text("apiVersion: v1\nkind: Config\ncontexts: []\ncurrent-context: nowhere\n")
    result = run("scan", "--kubeconfig", str(broken))
    assert result.exit_code == 2
    assert str(broken) in result.stderr or "nowhere" in result.stderr


@pytest.mark.parametrize("name", ["bundle", "bundle.tar.gz"])
def test_collect_live_then_scan_bundle_anywhere(env: FixtureEnvironment, tmp_path: Path, name: str) -> None:
    kubeconfig = str(env.kubeconfig())
    bundle = tmp_path / name
    collected = run("collect", "--kubeconfig", kubeconfig, "-o", str(bundle))
    assert collected.exit_code == 0, collected.stderr
    live = report(run("scan", "--kubeconfig", kubeconfig, "-o", "json"))
    offline = report(run("scan", "--bundle", str(bundle), "-o", "json"))
    assert offline["scan"]["target"]["name"] == live["scan"]["target"]["name"]
    assert sorted((f["fingerprint"], f["status"]) for f in offline["findings"]) == sorted(
        (f["fingerprint"], f["status"]) for f in live["findings"]
    )
    files = [bundle] if bundle.is_file() else [p for p in bundle.rglob("*") if p.is_file()]
    for path in files:
        assert CANARY.encode() not in path.read_bytes()
