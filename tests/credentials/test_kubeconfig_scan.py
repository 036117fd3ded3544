"""Kubeconfig discovery and the KW-CRED kubeconfig rules over a corpus that shows every finding,
a git repository with a kubeconfig deleted in a later commit, file modes, bad input, and no leaks."""

import json
import os
import stat
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kubeward.analysis import Analysis
from kubeward.checks.catalog import load_rules
from kubeward.cli.kubeconfig import kubeconfig_rule_ids
from kubeward.cli.main import cli
from kubeward.credentials.scan import scan_kubeconfigs
from kubeward.engine import run_rules
from kubeward.findings import Finding
from kubeward.inventory.builder import InventoryBuilder
from kubeward.inventory.model import Target
from kubeward.testing.kubeconfigs import Corpus, kubeconfig, write_corpus


def findings_for(paths: list[str], **kwargs: object) -> tuple[list[Finding], object]:
    found = scan_kubeconfigs(paths, **kwargs)  # type: ignore[arg-type]
    builder = InventoryBuilder(Target(kind="offline", name="test"))
    for record in found.records:
        builder.add_kubeconfig(record)
    rules = [r for r in load_rules() if r.meta.id in kubeconfig_rule_ids()]
    findings, errors = run_rules(Analysis(builder.build()), rules)
    assert errors == []
    return findings, found


def failing(findings: list[Finding]) -> set[tuple[str, str]]:
    return {(f.rule_id, f.resource.name.split("#")[0]) for f in findings if f.status == "fail"}


@pytest.fixture
def corpus(tmp_path: Path) -> Corpus:
    return write_corpus(tmp_path / "corpus")


def test_every_finding_of_the_corpus(corpus: Corpus) -> None:
    for path in corpus.files.values():
        os.chmod(path, 0o600)
    os.chmod(corpus.files["teams/team-a.yaml"], 0o644)
    findings, found = findings_for([str(corpus.root)])
    root = str(corpus.root)
    got = {(rule, name.removeprefix(root + "/")) for rule, name in failing(findings)}
    assert got == {
        ("KW-CRED-005", "admin-masters.conf"),
        ("KW-CRED-006", "admin-masters.conf"),
        ("KW-CRED-007", "admin-masters.conf"),
        ("KW-CRED-014", "admin-masters.conf"),
        ("KW-CRED-009", "ci/deployer-kubeconfig"),
        ("KW-CRED-014", "ci/deployer-kubeconfig"),
        ("KW-CRED-010", "old/basic-auth.yaml"),
        ("KW-CRED-011", "old/basic-auth.yaml"),
        ("KW-CRED-014", "old/basic-auth.yaml"),
        ("KW-CRED-008", "dev/plain-http.yaml"),
        ("KW-CRED-012", "dev/plain-http.yaml"),
        ("KW-CRED-014", "dev/plain-http.yaml"),
        ("KW-CRED-013", "sso/oidc-auth-provider.yaml"),
        ("KW-CRED-014", "sso/oidc-auth-provider.yaml"),
        ("KW-CRED-008", "teams/team-a.yaml"),
        ("KW-CRED-014", "teams/team-a.yaml"),
        ("KW-CRED-015", "teams/team-a.yaml"),
        ("KW-CRED-016", "teams/team-a.yaml"),
        ("KW-CRED-008", "teams/team-b.yaml"),
        ("KW-CRED-014", "teams/team-b.yaml"),
        ("KW-CRED-016", "teams/team-b.yaml"),
        ("KW-CRED-008", ".gitlab-ci.yml:2"),
        ("KW-CRED-014", ".gitlab-ci.yml:2"),
        ("KW-CRED-018", ".gitlab-ci.yml:2"),
    }
    passed = {(f.rule_id, f.resource.name.removeprefix(root + "/")) for f in findings if f.status == "pass"}
    assert ("KW-CRED-014", "cloud/eks-exec.yaml#user:eks-prod-user") in passed  # exec plugin: the good pattern
    [issue] = found.issues  # type: ignore[attr-defined]
    assert issue.input.endswith("broken/kubeconfig.yaml") and "malformed kubeconfig" in issue.message


def test_any_file_name_and_json(tmp_path: Path) -> None:
    text = json.dumps(
        {"apiVersion": "v1", "kind": "Config", "clusters": [], "users": [{"name": "u", "user": {"token": "t0ken"}}]}
    )
    (tmp_path / "notes.txt").write_text(text)
    (tmp_path / "README.md").write_text("Our users: see the wiki. clusters: many.\n")
    _, found = findings_for([str(tmp_path)])
    assert [r.source.path for r in found.records] == [str(tmp_path / "notes.txt")]  # type: ignore[attr-defined]
    assert found.issues == []  # type: ignore[attr-defined]


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(mode=st.integers(min_value=0o400, max_value=0o777))
def test_file_mode_rule(tmp_path: Path, mode: int) -> None:
    path = tmp_path / "config"
    path.write_text(kubeconfig(user={"token": "x"}))
    os.chmod(path, mode)
    findings, _ = findings_for([str(path)])
    [verdict] = [f for f in findings if f.rule_id == "KW-CRED-015"]
    assert verdict.status == ("fail" if mode & 0o177 else "pass")
    assert verdict.evidence.value == f"{mode:04o}"


def git(repo: Path, *args: str) -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@x",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@x",
    }
    return subprocess.run(
        ["git", "-C", str(repo), *args], check=True, capture_output=True, text=True, env=env
    ).stdout.strip()


def test_git_history_kubeconfig_deleted_in_a_later_commit(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q")
    (repo / "deploy").mkdir()
    (repo / "deploy" / "kubeconfig.yaml").write_text(kubeconfig(user={"token": "history-token-value"}, name="old"))
    (repo / "app.py").write_text("print('hi')\n")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "add deploy config")
    added = git(repo, "rev-parse", "HEAD")
    git(repo, "rm", "-q", "deploy/kubeconfig.yaml")
    git(repo, "commit", "-q", "-m", "remove it")
    removed = git(repo, "rev-parse", "HEAD")
    (repo / "tracked.conf").write_text(kubeconfig(user={"token": "tracked-token"}, name="now"))
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "a tracked one")
    findings, found = findings_for([str(repo)])
    records = found.records  # type: ignore[attr-defined]
    history = [r for r in records if r.source.kind == "git"]
    assert [(r.source.path, r.source.commit, r.source.removed_in) for r in history] == [
        ("deploy/kubeconfig.yaml", added, removed)
    ]
    [tracked] = [r for r in records if r.source.kind == "file"]
    assert tracked.source.tracked is True
    committed = {f.message for f in findings if f.rule_id == "KW-CRED-017" and f.status == "fail"}
    assert (
        f"in the history of {repo}: added in commit {added[:12]}, deleted in {removed[:12]} but still in history"
        in committed
    )
    assert any("is tracked by git" in m for m in committed)
    _, no_history = findings_for([str(repo)], history=False)
    assert [r.source.kind for r in no_history.records] == ["file"]  # type: ignore[attr-defined]


def test_binary_huge_symlink_and_missing_inputs(tmp_path: Path) -> None:
    (tmp_path / "blob.bin").write_bytes(b"\x00\x01clusters:\n" * 100)
    (tmp_path / "huge.yaml").write_text("clusters: []\n" + "#" * 3000)
    (tmp_path / "good.yaml").write_text(kubeconfig(user={"token": "x"}))
    (tmp_path / "link.yaml").symlink_to(tmp_path / "good.yaml")
    (tmp_path / "dangling").symlink_to(tmp_path / "nowhere")
    found = scan_kubeconfigs([str(tmp_path), str(tmp_path / "missing.yaml")], max_bytes=2048)
    assert [r.source.path for r in found.records] == [str(tmp_path / "good.yaml")]
    assert found.stats.binary == 1 and found.stats.too_large == 1
    messages = {(Path(i.input).name, i.level, i.message.split(":")[0]) for i in found.issues}
    assert messages == {("huge.yaml", "warning", "skipped"), ("missing.yaml", "error", "cannot read")}


def test_malformed_kubeconfigs_are_reported_and_the_scan_goes_on(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("apiVersion: v1\nkind: Config\nusers: {not: a list}\n")
    (tmp_path / "b.yaml").write_text("apiVersion: v1\nkind: Config\nclusters: [\n")
    (tmp_path / "c.yaml").write_text(kubeconfig(user={"token": "x"}))
    found = scan_kubeconfigs([str(tmp_path)])
    assert len(found.records) == 1
    assert sorted(Path(i.input).name for i in found.issues) == ["a.yaml", "b.yaml"]


@pytest.mark.parametrize("fmt", ["table", "json", "sarif", "junit", "markdown"])
def test_no_secret_in_any_output(corpus: Corpus, tmp_path: Path, fmt: str) -> None:
    out = tmp_path / f"out.{fmt}"
    result = CliRunner().invoke(
        cli, ["kubeconfig", "scan", str(corpus.root), "-o", fmt, "--output-file", str(out)], catch_exceptions=False
    )
    assert result.exit_code == 3  # the malformed kubeconfig makes the scan incomplete
    text = out.read_text() + result.stdout + result.stderr
    assert "KW-CRED-006" in text or fmt == "junit"
    assert len(corpus.secrets) >= 8
    for secret in corpus.secrets:
        assert secret not in text, secret[:6]


def test_cli_exit_codes_and_demo(tmp_path: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(cli, ["kubeconfig", "scan"]).exit_code == 2
    demo = runner.invoke(cli, ["kubeconfig", "scan", "--demo", "-o", "json"], catch_exceptions=False)
    assert demo.exit_code == 0
    rules = {f["rule_id"] for f in json.loads(demo.stdout)["findings"] if f["status"] == "fail"}
    assert {f"KW-CRED-{n:03d}" for n in (5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 16, 18)} <= rules
    critical = runner.invoke(cli, ["kubeconfig", "scan", "--demo", "--fail-on", "critical"])
    assert critical.exit_code == 1
    clean = tmp_path / "clean"
    clean.mkdir()
    exec_only = kubeconfig(user={"exec": {"apiVersion": "client.authentication.k8s.io/v1", "command": "kubelogin"}})
    (clean / "config").write_text(exec_only)
    os.chmod(clean / "config", stat.S_IRUSR | stat.S_IWUSR)
    assert runner.invoke(cli, ["kubeconfig", "scan", str(clean), "--fail-on", "info"]).exit_code == 0


def test_demo_reports_validate_against_the_json_and_sarif_schemas() -> None:
    import jsonschema
    from tests.support.sarif_schema import sarif_schema_path

    runner = CliRunner()
    schema_path = Path(__file__).resolve().parents[2] / "src" / "kubeward" / "report" / "schema" / "report-v1.json"
    report = json.loads(runner.invoke(cli, ["kubeconfig", "scan", "--demo", "-o", "json"]).stdout)
    jsonschema.validate(report, json.loads(schema_path.read_text()))
    log = json.loads(runner.invoke(cli, ["kubeconfig", "scan", "--demo", "-o", "sarif"]).stdout)
    validator = jsonschema.Draft4Validator(json.loads(sarif_schema_path().read_text(encoding="utf-8")))
    assert [e.message for e in validator.iter_errors(log)] == []
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in log["runs"][0]["results"]}
    assert "demo/kubeconfigs/admin-masters.conf" in uris


def test_scan_kubeconfigs_option_adds_the_credential_section(corpus: Corpus) -> None:
    result = CliRunner().invoke(
        cli,
        ["scan", "--demo", "hardened", "--kubeconfigs", str(corpus.files["admin-masters.conf"]), "-o", "json"],
        catch_exceptions=False,
    )
    report = json.loads(result.stdout)
    assert ("KW-CRED-006", "fail") in {(f["rule_id"], f["status"]) for f in report["findings"]}
    for secret in corpus.secrets:
        assert secret not in result.stdout
