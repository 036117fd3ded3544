"""The CLI end to end on the bundled demo cluster: findings, formats, exit codes, bundles,
suppression, and that no secret value from the demo's Secret dump reaches any output."""

import base64
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner, Result

from kubeward.cli.main import cli

SCHEMA = Path(__file__).resolve().parents[2] / "src" / "kubeward" / "report" / "schema" / "report-v1.json"
FAKE_SECRET = "ZmFrZS1kZW1vLXNlY3JldC1kby1ub3QtdXNl"


def _demo_kubeconfig_secrets() -> tuple[str, ...]:
    """Every credential value in the demo kubeconfigs (tokens, passwords, keys, the CI blob)."""
    import yaml

    root = Path(__file__).resolve().parents[2] / "src" / "kubeward" / "demo" / "kubeconfigs"
    found: list[str] = []

    def collect(doc: dict) -> None:
        for entry in doc.get("users") or []:
            user = entry.get("user") or {}
            for key in ("token", "password", "client-key-data"):
                if user.get(key):
                    found.append(user[key])
            config = (user.get("auth-provider") or {}).get("config") or {}
            found.extend(v for k, v in config.items() if k in ("refresh-token", "client-secret"))

    for path in root.rglob("*"):
        if not path.is_file() or path.name == "README.md":
            continue
        doc = yaml.safe_load(path.read_text())
        if path.name == ".gitlab-ci.yml":
            blob = doc["variables"]["KUBECONFIG_B64"]
            found.append(blob[100:160])
            collect(yaml.safe_load(base64.b64decode(blob)))
        else:
            collect(doc)
    key_lines = [base64.b64decode(v).decode().splitlines()[1] for v in found if v.startswith("LS0t")]
    return (*found, *key_lines)


SECRET_STRINGS = (
    FAKE_SECRET,
    base64.b64decode(FAKE_SECRET).decode(),
    "cGF5bWVudHM=",
    *_demo_kubeconfig_secrets(),
)
assert len(SECRET_STRINGS) > 10

# (rule, status, resource) of every non-pass verdict on the demo: the demo shows findings in every
# control objective the seed catalog covers.
EXPECTED_DEMO = {
    ("KW-ADM-001", "fail", "kube-apiserver/kube-apiserver (cp-1)"),
    ("KW-ADM-009", "fail", "Namespace/gatekeeper-system"),
    ("KW-APF-001", "fail", "kube-apiserver/kube-apiserver (cp-1)"),
    ("KW-APF-003", "fail", "FlowSchema/ci-fast-lane"),
    ("KW-APF-004", "fail", "ServiceAccount/ci/deployer"),
    ("KW-APF-004", "fail", "ServiceAccount/ci/image-updater"),
    ("KW-AUDIT-001", "fail", "kube-apiserver/kube-apiserver (cp-1)"),
    ("KW-AUDIT-003", "fail", "kube-apiserver/kube-apiserver (cp-1)"),
    ("KW-AUDIT-007", "fail", "kube-apiserver/kube-apiserver (cp-1)"),
    ("KW-AUTHN-001", "fail", "kube-apiserver/kube-apiserver (cp-1)"),
    ("KW-AUTHN-002", "fail", "kube-apiserver/kube-apiserver (cp-1)"),
    ("KW-AUTHN-006", "fail", "kube-apiserver/kube-apiserver (cp-1)"),
    ("KW-CRED-001", "fail", "CronJob/ci/nightly-report"),
    ("KW-CRED-001", "fail", "Deployment/web/checkout"),
    ("KW-CRED-001", "fail", "Deployment/web/frontend"),
    ("KW-CRED-001", "suppressed", "Pod/web/debug-shell"),
    ("KW-CRED-003", "fail", "Deployment/ci/gitlab-runner"),
    ("KW-CRED-003", "fail", "Deployment/monitoring/prometheus"),
    ("KW-CRED-004", "fail", "Secret/ci/deployer-token"),
    ("KW-CRED-005", "fail", "Kubeconfig/demo/kubeconfigs/admin-masters.conf#user:kubernetes-admin"),
    ("KW-CRED-006", "fail", "Kubeconfig/demo/kubeconfigs/admin-masters.conf#user:kubernetes-admin"),
    ("KW-CRED-007", "fail", "Kubeconfig/demo/kubeconfigs/admin-masters.conf#user:kubernetes-admin"),
    ("KW-CRED-008", "fail", "Kubeconfig/demo/kubeconfigs/.gitlab-ci.yml:2#user:ci-deploy-user"),
    ("KW-CRED-008", "fail", "Kubeconfig/demo/kubeconfigs/dev/plain-http.yaml#user:dev-user"),
    ("KW-CRED-008", "fail", "Kubeconfig/demo/kubeconfigs/teams/team-a.yaml#user:team-a"),
    ("KW-CRED-008", "fail", "Kubeconfig/demo/kubeconfigs/teams/team-b.yaml#user:team-b"),
    ("KW-CRED-009", "fail", "Kubeconfig/demo/kubeconfigs/ci/deployer-kubeconfig#user:ci-user"),
    ("KW-CRED-010", "fail", "Kubeconfig/demo/kubeconfigs/old/basic-auth.yaml#user:legacy-user"),
    ("KW-CRED-011", "fail", "Kubeconfig/demo/kubeconfigs/old/basic-auth.yaml#cluster:legacy"),
    ("KW-CRED-012", "fail", "Kubeconfig/demo/kubeconfigs/dev/plain-http.yaml#cluster:dev"),
    ("KW-CRED-013", "fail", "Kubeconfig/demo/kubeconfigs/sso/oidc-auth-provider.yaml#user:sso-user"),
    ("KW-CRED-014", "fail", "Kubeconfig/demo/kubeconfigs/.gitlab-ci.yml:2#user:ci-deploy-user"),
    ("KW-CRED-014", "fail", "Kubeconfig/demo/kubeconfigs/admin-masters.conf#user:kubernetes-admin"),
    ("KW-CRED-014", "fail", "Kubeconfig/demo/kubeconfigs/ci/deployer-kubeconfig#user:ci-user"),
    ("KW-CRED-014", "fail", "Kubeconfig/demo/kubeconfigs/dev/plain-http.yaml#user:dev-user"),
    ("KW-CRED-014", "fail", "Kubeconfig/demo/kubeconfigs/old/basic-auth.yaml#user:legacy-user"),
    ("KW-CRED-014", "fail", "Kubeconfig/demo/kubeconfigs/sso/oidc-auth-provider.yaml#user:sso-user"),
    ("KW-CRED-014", "fail", "Kubeconfig/demo/kubeconfigs/teams/team-a.yaml#user:team-a"),
    ("KW-CRED-014", "fail", "Kubeconfig/demo/kubeconfigs/teams/team-b.yaml#user:team-b"),
    ("KW-CRED-016", "fail", "Kubeconfig/demo/kubeconfigs/teams/team-a.yaml#user:team-a"),
    ("KW-CRED-016", "fail", "Kubeconfig/demo/kubeconfigs/teams/team-b.yaml#user:team-b"),
    ("KW-CRED-018", "fail", "Kubeconfig/demo/kubeconfigs/.gitlab-ci.yml:2"),
    ("KW-KUBELET-001", "fail", "kubelet/worker-1"),
    ("KW-KUBELET-001", "fail", "kubelet/worker-2"),
    ("KW-KUBELET-002", "fail", "kubelet/worker-2"),
    ("KW-KUBELET-003", "fail", "kubelet/worker-1"),
    ("KW-KUBELET-003", "fail", "kubelet/worker-2"),
    ("KW-KUBELET-004", "fail", "kubelet/cp-1"),
    ("KW-KUBELET-004", "fail", "kubelet/worker-1"),
    ("KW-KUBELET-004", "fail", "kubelet/worker-2"),
    ("KW-KUBELET-006", "fail", "kubelet/worker-2"),
    ("KW-KUBELET-007", "fail", "kubelet/worker-2"),
    ("KW-KUBELET-008", "fail", "kubelet/cp-1"),
    ("KW-KUBELET-008", "fail", "kubelet/worker-1"),
    ("KW-KUBELET-008", "fail", "kubelet/worker-2"),
    ("KW-NET-001", "fail", "kube-apiserver/kube-apiserver (cp-1)"),
    ("KW-NET-002", "fail", "kube-apiserver/kube-apiserver (cp-1)"),
    ("KW-RBAC-001", "fail", "ClusterRoleBinding/alice-admin"),
    ("KW-RBAC-001", "fail", "ClusterRoleBinding/ci-cluster-admin"),
    ("KW-RBAC-001", "fail", "RoleBinding/web/web-oncall-admin"),
    ("KW-RBAC-002", "fail", "ClusterRoleBinding/legacy-metrics"),
    ("KW-RBAC-006", "fail", "Group/platform-access-managers"),
    ("KW-RBAC-007", "fail", "Group/monitoring-team"),
    ("KW-RBAC-007", "fail", "Group/payments-devs"),
    ("KW-RBAC-008", "fail", "Group/monitoring-team"),
    ("KW-RBAC-008", "fail", "Group/payments-devs"),
    ("KW-RBAC-009", "fail", "Group/monitoring-team"),
    ("KW-RBAC-009", "fail", "Group/payments-devs"),
    ("KW-RBAC-009", "fail", "ServiceAccount/ci/deployer"),
    ("KW-RBAC-009", "fail", "ServiceAccount/ci/image-updater"),
    ("KW-RBAC-010", "fail", "Group/monitoring-team"),
    ("KW-RBAC-010", "fail", "Group/payments-devs"),
    ("KW-RBAC-010", "fail", "ServiceAccount/ci/deployer"),
    ("KW-RBAC-011", "fail", "Group/monitoring-team"),
    ("KW-RBAC-011", "fail", "Group/payments-devs"),
    ("KW-RBAC-011", "fail", "ServiceAccount/ci/deployer"),
    ("KW-RBAC-011", "fail", "ServiceAccount/ci/image-updater"),
    ("KW-RBAC-012", "fail", "Group/monitoring-team"),
    ("KW-RBAC-012", "fail", "Group/payments-devs"),
    ("KW-RBAC-012", "fail", "User/carol@example.com"),
    ("KW-RBAC-014", "fail", "Group/system:serviceaccounts:monitoring"),
    ("KW-RBAC-014", "fail", "Group/system:unauthenticated"),
    ("KW-RBAC-016", "fail", "ServiceAccount/gatekeeper-system/gatekeeper-admin"),
    ("KW-RBAC-019", "fail", "RoleBinding/monitoring/grafana-dashboards"),
    ("KW-RBAC-020", "fail", "Group/monitoring-team"),
    ("KW-RBAC-020", "fail", "Group/platform-access-managers"),
    ("KW-RBAC-020", "fail", "Group/system:serviceaccounts:monitoring"),
    ("KW-RBAC-020", "fail", "Group/system:unauthenticated"),
    ("KW-RBAC-020", "fail", "ServiceAccount/ci/image-updater"),
    ("KW-RBAC-020", "fail", "ServiceAccount/gatekeeper-system/gatekeeper-admin"),
    ("KW-RBAC-020", "fail", "User/carol@example.com"),
    ("KW-TLS-004", "fail", "kube-apiserver/kube-apiserver (cp-1)"),
}
# Rules that do not apply to a self-managed kubeadm cluster on these inputs (provider rules, and the
# audit-file mount and audit-policy content rules when no audit policy is configured).
EXPECTED_NOT_APPLICABLE = {
    "KW-ADM-009",
    "KW-AKS-001",
    "KW-AKS-002",
    "KW-AKS-003",
    "KW-AKS-004",
    "KW-AKS-005",
    "KW-AKS-006",
    "KW-AKS-007",
    "KW-AUDIT-006",
    "KW-AUDIT-008",
    "KW-EKS-001",
    "KW-EKS-002",
    "KW-EKS-003",
    "KW-EKS-004",
    "KW-EKS-005",
    "KW-GKE-001",
    "KW-GKE-002",
    "KW-GKE-003",
    "KW-GKE-004",
    "KW-GKE-005",
    "KW-GKE-006",
}


def run(*args: str, cwd: Path | None = None) -> Result:
    runner = CliRunner()
    if cwd is None:
        return runner.invoke(cli, list(args), catch_exceptions=False)
    old = Path.cwd()
    os.chdir(cwd)
    try:
        return runner.invoke(cli, list(args), catch_exceptions=False)
    finally:
        os.chdir(old)


def demo_json(*extra: str, cwd: Path | None = None) -> dict:
    result = run("scan", "--demo", "-o", "json", *extra, cwd=cwd)
    return json.loads(result.stdout)


# KW-CRED-015 (kubeconfig file mode) depends on the mode the demo files were installed with (umask),
# so the exact comparison leaves it out and test_demo_kubeconfig_modes checks it against the files.
MODE_RULE = "KW-CRED-015"


def verdicts(report: dict) -> set[tuple[str, str, str]]:
    out = set()
    for f in report["findings"]:
        if f["status"] in ("pass", "not_applicable") or f["rule_id"] == MODE_RULE:
            continue
        resource = f["resource"]
        key = (
            f"{resource['kind']}/{resource['namespace']}/{resource['name']}"
            if resource.get("namespace")
            else f"{resource['kind']}/{resource['name']}"
        )
        out.add((f["rule_id"], f["status"], key))
    return out


def test_demo_findings_exact(tmp_path: Path) -> None:
    report = demo_json(cwd=tmp_path)
    assert verdicts(report) == EXPECTED_DEMO
    assert {f["rule_id"] for f in report["findings"] if f["status"] == "not_applicable"} == EXPECTED_NOT_APPLICABLE
    objectives = {f["objective"] for f in report["findings"] if f["status"] == "fail"}
    assert objectives == {
        "authentication",
        "authorization",
        "network-exposure",
        "kubelet",
        "auditability",
        "credential-hygiene",
        "admission-control",
        "api-availability",
    }
    assert report["scan"]["incomplete"] is False
    assert report["scan"]["kubernetes_version"] == "v1.30.4"
    assert report["scan"]["platform"] == "self-managed"


def test_demo_kubeconfig_modes(tmp_path: Path) -> None:
    from kubeward.scan import demo_kubeconfigs

    report = demo_json(cwd=tmp_path)
    failing = {f["resource"]["name"] for f in report["findings"] if f["rule_id"] == MODE_RULE and f["status"] == "fail"}
    root = demo_kubeconfigs()
    wide = {
        f"demo/kubeconfigs/{p.relative_to(root).as_posix()}"
        for p in root.rglob("*")
        if p.is_file() and p.stat().st_mode & 0o177 and p.name not in (".gitlab-ci.yml", "README.md", "eks-exec.yaml")
    }
    assert failing == wide


def test_demo_json_validates_against_committed_schema(tmp_path: Path) -> None:
    report = demo_json(cwd=tmp_path)
    schema = json.loads(SCHEMA.read_text())
    jsonschema.Draft202012Validator(schema).validate(report)


def test_configuration_evidence_names_setting_value_source(tmp_path: Path) -> None:
    report = demo_json(cwd=tmp_path)
    by_key = {(f["rule_id"], f["resource"]["name"]): f for f in report["findings"]}
    anon = by_key[("KW-AUTHN-001", "kube-apiserver (cp-1)")]["evidence"]
    assert (anon["setting"], anon["value"], anon["source"]) == ("kube-apiserver --anonymous-auth", True, "default")
    dropin = by_key[("KW-KUBELET-001", "worker-1")]["evidence"]
    assert (dropin["setting"], dropin["value"], dropin["source"]) == (
        "kubelet authentication.anonymous.enabled",
        True,
        "config-file",
    )
    assert dropin["provenance"] == {
        "kind": "file",
        "source": "demo/nodes/worker-1/etc/kubernetes/kubelet.conf.d/50-metrics-debug.conf",
        "line": 6,
        "pointer": "authentication.anonymous.enabled",
    }
    apf = by_key[("KW-APF-001", "kube-apiserver (cp-1)")]["evidence"]
    assert (apf["value"], apf["source"], apf["provenance"]["line"]) == (False, "flag", 45)


def test_exit_codes(tmp_path: Path) -> None:
    assert run("scan", "--demo", cwd=tmp_path).exit_code == 0
    assert run("scan", "--demo", "--fail-on", "critical", cwd=tmp_path).exit_code == 1
    assert run("scan", "--demo", "--fail-on", "high", "--rule", "KW-APF-001", cwd=tmp_path).exit_code == 0
    assert run("scan", "--demo", "--fail-on", "medium", "--rule", "KW-APF-001", cwd=tmp_path).exit_code == 1
    assert run("scan", "--demo", "--rule", "KW-NOPE-001", cwd=tmp_path).exit_code == 2
    assert run("scan", "--demo", "-o", "yamlish", cwd=tmp_path).exit_code == 2


@pytest.mark.parametrize("fmt", ["table", "json", "sarif", "junit", "markdown"])
def test_no_secret_in_any_format(tmp_path: Path, fmt: str) -> None:
    out = tmp_path / f"report.{fmt}"
    result = run(
        "scan", "--demo", "-o", fmt, "--output-file", str(out), "--show-suppressed", "--include-passed", cwd=tmp_path
    )
    text = out.read_text() + result.stdout + result.stderr
    assert out.stat().st_size > 0
    for secret in SECRET_STRINGS:
        assert secret not in text


@pytest.mark.parametrize("name", ["bundle-dir", "bundle.tar.gz"])
def test_collect_then_scan_bundle_gives_the_same_findings(tmp_path: Path, name: str) -> None:
    bundle = tmp_path / name
    result = run("collect", "--demo", "-o", str(bundle), cwd=tmp_path)
    assert result.exit_code == 0, result.stderr
    direct = demo_json(cwd=tmp_path)
    from_bundle = json.loads(run("scan", "--bundle", str(bundle), "-o", "json", cwd=tmp_path).stdout)
    assert verdicts(from_bundle) == verdicts(direct)
    assert {f["fingerprint"] for f in from_bundle["findings"]} == {f["fingerprint"] for f in direct["findings"]}
    files = [bundle] if bundle.is_file() else [p for p in bundle.rglob("*") if p.is_file()]
    for path in files:
        data = path.read_bytes()
        for secret in SECRET_STRINGS:
            assert secret.encode() not in data, path


def test_collect_refuses_non_empty_directory(tmp_path: Path) -> None:
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "x").write_text("keep")
    assert run("collect", "--demo", "-o", str(tmp_path / "out"), cwd=tmp_path).exit_code == 2


def test_baseline_suppresses_known_findings(tmp_path: Path) -> None:
    baseline = tmp_path / "baseline.json"
    assert run("baseline", "create", "--demo", "-o", str(baseline), cwd=tmp_path).exit_code == 0
    result = run("scan", "--demo", "--baseline", str(baseline), "--fail-on", "low", "-o", "json", cwd=tmp_path)
    assert result.exit_code == 0
    statuses = {f["status"] for f in json.loads(result.stdout)["findings"]}
    assert "fail" not in statuses


def test_ignore_file_in_cwd_is_loaded(tmp_path: Path) -> None:
    (tmp_path / ".kubewardignore.yaml").write_text(
        "ignore:\n- id: KW-RBAC-002\n  match: {name: legacy-metrics}\n  statement: retired in Q1 (OBS-77)\n"
    )
    report = demo_json(cwd=tmp_path)
    assert ("KW-RBAC-002", "suppressed", "ClusterRoleBinding/legacy-metrics") in verdicts(report)


def test_annotation_ignores_can_be_disabled(tmp_path: Path) -> None:
    report = demo_json("--no-annotation-ignores", cwd=tmp_path)
    assert ("KW-CRED-001", "fail", "Pod/web/debug-shell") in verdicts(report)


def test_rules_list_and_explain() -> None:
    listing = run("rules", "list", "-o", "json")
    rules = json.loads(listing.stdout)
    assert {r["id"] for r in rules} >= {"KW-AUTHN-001", "KW-KUBELET-001", "KW-RBAC-001", "KW-CRED-001"}
    for rule in rules:
        assert rule["rationale"] and rule["remediation"] and rule["objective"] and rule["severity"]
    explained = run("rules", "explain", "kw-kubelet-001")
    assert explained.exit_code == 0
    assert "CIS:         4.2.1" in explained.stdout
    assert run("rules", "explain", "KW-NOPE-001").exit_code == 2


def test_console_scripts_and_kubectl_plugin(tmp_path: Path) -> None:
    bindir = Path(sys.executable).parent
    kubeward = bindir / "kubeward"
    plugin = bindir / "kubectl-ward"
    assert kubeward.exists() and plugin.exists()
    result = subprocess.run([str(plugin), "--help"], capture_output=True, text=True)
    assert result.returncode == 0
    assert "Usage: kubectl ward" in result.stdout
    kubectl = shutil.which("kubectl", path=f"{bindir}{os.pathsep}{os.environ.get('PATH', '')}")
    if kubectl is None:
        pytest.fail("kubectl not found (the test extra installs it)")
    env = {**os.environ, "PATH": f"{bindir}{os.pathsep}{os.environ.get('PATH', '')}"}
    via_kubectl = subprocess.run(
        [kubectl, "ward", "rules", "list"], capture_output=True, text=True, env=env, cwd=tmp_path
    )
    assert via_kubectl.returncode == 0, via_kubectl.stderr
    assert "KW-AUTHN-001" in via_kubectl.stdout
