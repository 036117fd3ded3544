"""Generated profiles lint clean; the CLI lints, explains and generates with the exit codes it documents."""

from pathlib import Path

import pytest
from click.testing import CliRunner

from kubeward.audit.policy.lint import lint
from kubeward.audit.policy.model import parse_policy, read_policy
from kubeward.audit.policy.profiles import PROFILES, render
from kubeward.cli.main import cli

HARDENED = Path(__file__).parents[3] / "src/kubeward/demo/hardened/nodes/cp-1/etc/kubernetes/audit/policy.yaml"


@pytest.mark.parametrize("name", sorted(PROFILES))
def test_profiles_lint_clean(name: str) -> None:
    assert lint(parse_policy(render(name).encode(), name)) == []


def test_hardened_demo_policy_has_no_high_findings() -> None:
    assert [f.id for f in lint(read_policy(HARDENED))] == ["AP008"]


def test_cli_generate_then_lint(tmp_path: Path) -> None:
    runner = CliRunner()
    generated = runner.invoke(cli, ["audit", "policy", "generate", "--profile", "seed"])
    assert generated.exit_code == 0
    path = tmp_path / "policy.yaml"
    path.write_text(generated.output)
    result = runner.invoke(cli, ["audit", "policy", "lint", str(path)])
    assert (result.exit_code, result.output) == (0, f"{path}: no findings\n")


def test_cli_lint_fails_on_high_and_reports_bad_input(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text("apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: RequestResponse\n")
    runner = CliRunner()
    result = runner.invoke(cli, ["audit", "policy", "lint", str(path)])
    assert result.exit_code == 1
    assert f"{path}:4: HIGH AP002 rule 0" in result.output
    path.write_text("rules:\n- level: [\n")
    bad = runner.invoke(cli, ["audit", "policy", "lint", str(path)])
    assert bad.exit_code == 2
    assert f"{path}:" in bad.output and "invalid YAML" in bad.output


def test_cli_explain() -> None:
    runner = CliRunner()
    args = ["audit", "policy", "explain", str(HARDENED), "--verb", "create", "--resource", "pods/exec"]
    result = runner.invoke(cli, [*args, "--namespace", "apps", "--user", "jane"])
    assert result.exit_code == 0
    assert (
        result.output.splitlines()[0]
        == f"create pods/exec in namespace apps by jane: rule 2 ({HARDENED}:20), level Metadata"
    )
    url = runner.invoke(
        cli, ["audit", "policy", "explain", str(HARDENED), "--verb", "get", "--non-resource-url", "/readyz"]
    )
    assert url.output.splitlines()[0].endswith("rule 5 (" + f"{HARDENED}:39), level None")
