"""``kubeconfig scan --check-access``: one SelfSubjectRulesReview per context, made with the
embedded credential, against the fixture API server (real HTTPS); unsafe cases are never sent."""

import json
from pathlib import Path

from click.testing import CliRunner

from kubeward.cli.main import cli
from kubeward.testing.fixture_apiserver import FixtureCluster, UserInfo
from kubeward.testing.harness import fixture_environment


def test_write_power_and_read_only_and_skipped(tmp_path: Path) -> None:
    tokens = {"viewer-token": UserInfo("viewer"), "deployer-token": UserInfo("deployer")}
    permissions = {
        "viewer": {("get", "pods"), ("list", "pods")},
        "deployer": {("create", "deployments"), ("get", "pods")},
    }
    with fixture_environment(FixtureCluster(), tmp_path / "env", tokens=tokens, permissions=permissions) as env:
        env.workdir = tmp_path / "scan"
        env.kubeconfig("viewer.yaml", token="viewer-token", namespace="web")
        env.kubeconfig("deployer.yaml", token="deployer-token")
        env.kubeconfig(
            "exec.yaml", user={"exec": {"apiVersion": "client.authentication.k8s.io/v1", "command": "false"}}
        )
        env.kubeconfig("skip.yaml", token="viewer-token", cluster_extra={"insecure-skip-tls-verify": True})
        result = CliRunner().invoke(
            cli, ["kubeconfig", "scan", str(tmp_path / "scan"), "--check-access", "-o", "json"], catch_exceptions=False
        )
        posts = [(r.method, r.path, r.user) for r in env.server.requests if r.method != "GET"]
    report = json.loads(result.stdout)
    verdicts = {
        (Path(f["resource"]["name"].split("#")[0]).name, f["status"])
        for f in report["findings"]
        if f["rule_id"] == "KW-CRED-019"
    }
    assert verdicts == {
        ("viewer.yaml", "pass"),
        ("deployer.yaml", "fail"),
        ("exec.yaml", "not_assessable"),
        ("skip.yaml", "not_assessable"),
    }
    deployer = next(f for f in report["findings"] if f["rule_id"] == "KW-CRED-019" and f["status"] == "fail")
    assert "create deployments" in deployer["message"]
    assert "viewer-token" not in result.stdout and "deployer-token" not in result.stdout
    ssrr = "/apis/authorization.k8s.io/v1/selfsubjectrulesreviews"
    assert sorted(posts) == [("POST", ssrr, "deployer"), ("POST", ssrr, "viewer")]  # only the two safe contexts
