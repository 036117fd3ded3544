"""``kubeward rbac``: can-i exit codes and output, --list, who-can, matrix, subjects, inputs."""

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from kubeward.cli.main import cli

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "k8s-bootstrap-rbac"


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, ["rbac", *args], catch_exceptions=False)


@pytest.mark.parametrize(
    ("args", "code", "first_line"),
    [
        (("can-i", "get", "secrets", "-n", "kube-system", "--as", "system:serviceaccount:ci:deployer"), 0, "yes"),
        (("can-i", "get", "secrets", "-n", "web", "--as", "carol@example.com"), 1, "no"),
        (
            ("can-i", "create", "pods/exec", "-n", "web", "--as", "carol@example.com"),
            1,
            "no",
        ),  # TYPE/NAME: a pod named exec
        (("can-i", "create", "pods", "--subresource", "exec", "-n", "web", "--as", "carol@example.com"), 0, "yes"),
        (("can-i", "get", "/metrics", "--as", "system:anonymous"), 1, "no"),  # impersonating adds no group
        (("can-i", "get", "/metrics", "--as", "system:anonymous", "--as-group", "system:unauthenticated"), 0, "yes"),
        (
            ("can-i", "get", "nodes", "--subresource", "proxy", "--as", "system:serviceaccount:monitoring:prometheus"),
            0,
            "yes",
        ),
        (("can-i", "list", "deployments.apps", "-A", "--as", "system:serviceaccount:ci:deployer"), 0, "yes"),
        (("can-i", "list", "deployments.apps", "-n", "web", "--as", "system:serviceaccount:ci:image-updater"), 1, "no"),
        (("can-i", "patch", "deploy", "-n", "ci", "--as", "system:serviceaccount:ci:image-updater"), 0, "yes"),
        (
            (
                "can-i",
                "get",
                "secrets/db-credentials",
                "-n",
                "payments",
                "--as",
                "system:serviceaccount:payments:payments-api",
            ),
            0,
            "yes",
        ),
        (
            ("can-i", "list", "secrets", "-n", "payments", "--as", "system:serviceaccount:payments:payments-api"),
            1,
            "no",
        ),
        (("can-i", "*", "*", "-A", "--as", "bob@example.com"), 1, "no"),
        (("can-i", "*", "*", "-n", "web", "--as", "bob@example.com"), 0, "yes"),
    ],
)
def test_can_i_answers_and_exit_codes(args: tuple[str, ...], code: int, first_line: str) -> None:
    result = run(*args, "--demo")
    assert result.exit_code == code, result.stderr
    assert result.stdout.splitlines()[0] == first_line


def test_can_i_warns_about_cluster_scoped_resources_and_unknown_types() -> None:
    result = run("can-i", "get", "nodes", "-n", "web", "--as", "bob@example.com", "--demo")
    assert (result.exit_code, result.stdout) == (1, "no\n")
    assert "resource 'nodes' is not namespace scoped; asked cluster-wide" in result.stderr
    result = run("can-i", "get", "widgets", "--as", "alice@example.com", "--demo")
    assert result.exit_code == 0  # alice is cluster-admin
    assert "the resource type 'widgets' is not in kubeward's built-in table" in result.stderr
    result = run("can-i", "get", "widgets.example.com", "--as", "alice@example.com", "--demo", "-o", "json")
    assert json.loads(result.stdout)["request"] == "get widgets.example.com -n default"


def test_can_i_explain_quiet_and_json() -> None:
    result = run(
        "can-i", "get", "secrets", "-n", "ci", "--as", "system:serviceaccount:ci:deployer", "--demo", "--explain"
    )
    assert result.stdout.splitlines() == [
        "yes",
        'RBAC: allowed by ClusterRoleBinding "ci-cluster-admin" of ClusterRole "cluster-admin" to ServiceAccount '
        '"deployer/ci"',
        "ClusterRoleBinding ci-cluster-admin → ClusterRole/cluster-admin → rule 1: "
        "verbs=[*] apiGroups=[*] resources=[*]",
    ]
    quiet = run("can-i", "get", "secrets", "-n", "ci", "--as", "carol@example.com", "--demo", "-q")
    assert (quiet.exit_code, quiet.stdout) == (1, "")
    answer = json.loads(
        run("can-i", "get", "pods", "-n", "ci", "--as", "carol@example.com", "--demo", "-o", "json").stdout
    )
    assert answer["allowed"] is True
    assert answer["identity"] == {"user": "carol@example.com", "groups": ["system:authenticated"]}
    assert answer["grant"]["binding"] == {"kind": "ClusterRoleBinding", "name": "sre-debug", "namespace": ""}


def test_can_i_usage_errors_exit_2() -> None:
    assert run("can-i", "get", "pods", "--demo").exit_code == 2  # no --as
    assert run("can-i", "get", "pods", "--as-group", "devs", "--demo").exit_code == 2
    assert run("can-i", "get", "--as", "a", "--demo").exit_code == 2
    assert run("can-i", "get", "/healthz", "--subresource", "x", "--as", "a", "--demo").exit_code == 2
    assert run("can-i", "--list", "-A", "--as", "a", "--demo").exit_code == 2
    assert run("who-can", "get", "pods", "--as", "a", "--demo").exit_code == 2


def test_can_i_no_with_missing_rbac_objects_exits_3(tmp_path: Path) -> None:
    only = tmp_path / "crb.yaml"
    only.write_text((FIXTURE / "cluster-role-bindings.yaml").read_text())
    result = run("can-i", "get", "pods", "-n", "x", "--as", "alice", "-f", str(only))
    assert (result.exit_code, result.stdout) == (3, "no\n")
    assert "clusterroles not collected" in result.stderr
    # A yes is certain even with objects missing (RBAC only adds).
    roles = tmp_path / "cr.yaml"
    roles.write_text((FIXTURE / "cluster-roles.yaml").read_text())
    ok = run("can-i", "get", "/healthz", "--as", "alice", "-f", str(only), "-f", str(roles))
    assert (ok.exit_code, ok.stdout) == (0, "yes\n")


def test_can_i_list_like_kubectl() -> None:
    result = run("can-i", "--list", "--as", "system:serviceaccount:ci:image-updater", "-n", "ci", "--demo")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["Resources", "Non-Resource", "URLs", "Resource", "Names", "Verbs"]
    rows = [line.split() for line in lines[1:]]
    assert ["secrets", "[]", "[]", "[get", "list]"] in rows
    assert ["deployments.apps", "[]", "[]", "[get", "list", "patch]"] in rows
    assert ["[/api/*]", "[]", "[get]"] in rows
    headerless = run("can-i", "--list", "--no-headers", "--as", "carol@example.com", "--demo")
    assert not headerless.stdout.startswith("Resources")


def test_who_can_with_grants_and_members() -> None:
    result = run("who-can", "get", "nodes", "--subresource", "proxy", "--demo", "-o", "json")
    assert result.exit_code == 0
    answer = json.loads(result.stdout)
    found = {(s["subject"]["kind"], s["subject"]["name"]): s for s in answer["subjects"]}
    assert set(found) == {
        ("Group", "system:masters"),
        ("Group", "kubeadm:cluster-admins"),
        ("User", "alice@example.com"),
        ("ServiceAccount", "deployer"),
        ("User", "kube-apiserver-kubelet-client"),
        ("Group", "system:unauthenticated"),
        ("Group", "system:serviceaccounts:monitoring"),
    }
    monitoring = found[("Group", "system:serviceaccounts:monitoring")]
    assert monitoring["members"] == [
        "ServiceAccount/monitoring/default",
        "ServiceAccount/monitoring/grafana",
        "ServiceAccount/monitoring/prometheus",
    ]
    assert monitoring["grant"]["text"].startswith(
        "ClusterRoleBinding legacy-metrics → ClusterRole/legacy-metrics-reader"
    )
    assert found[("User", "kube-apiserver-kubelet-client")]["builtin"] is True
    table = run("who-can", "get", "nodes", "--subresource", "proxy", "--demo").stdout
    assert table.splitlines()[0].split() == ["SUBJECT", "GRANTED", "BY", "MEMBERS"]
    assert "privileged group: allowed before RBAC" in table


def test_who_can_exclude() -> None:
    answer = json.loads(run("who-can", "get", "/metrics", "--demo", "-o", "json", "--exclude", "Group:system:*").stdout)
    names = {s["subject"]["name"] for s in answer["subjects"]}
    assert "system:unauthenticated" not in names and "prometheus" in names
    assert run("who-can", "get", "/metrics", "--demo", "--exclude", "bad").exit_code == 2


def test_matrix_formats() -> None:
    table = run(
        "matrix", "--demo", "-n", "ci", "--resource", "secrets", "--resource", "pods/exec", "--kind", "ServiceAccount"
    )
    assert table.exit_code == 0
    rows = {line.split()[1]: line.split()[2:] for line in table.stdout.splitlines()[1:]}
    assert rows["ci/deployer"] == ["all", "all"]
    assert rows["ci/image-updater"] == ["get,list", "-"]
    csv_out = run(
        "matrix", "--demo", "-n", "ci", "--resource", "secrets", "--verb", "get", "-o", "csv"
    ).stdout.splitlines()
    assert csv_out[0] == "kind,namespace,name,secrets:get"
    assert "ServiceAccount,ci,image-updater,yes" in csv_out
    data = json.loads(run("matrix", "--demo", "-A", "--resource", "nodes/proxy", "-o", "json").stdout)
    access = {(r["subject"]["kind"], r["subject"]["name"]): r["access"]["nodes/proxy"] for r in data["rows"]}
    assert access[("Group", "system:unauthenticated")] == ["get"]


def test_subjects() -> None:
    data = json.loads(run("subjects", "--demo", "-o", "json").stdout)
    by_name = {s["subject"]["name"]: s for s in data["subjects"]}
    assert by_name["monitoring-team"]["escalation_steps"] == 2
    assert by_name["monitoring-team"]["risk"] == "critical"
    assert {r["tag"] for r in by_name["monitoring-team"]["risks"]} == {
        "impersonate",
        "token-create",
        "secrets-read",
        "secrets-write",
        "workloads-write",
        "exec",
    }
    assert by_name["alice@example.com"]["admin"] is True
    assert by_name["payments-api"]["risk"] == "none"
    assert "kube-apiserver-kubelet-client" not in by_name  # built-in, hidden by default
    everyone = json.loads(run("subjects", "--demo", "-o", "json", "--include-system").stdout)
    assert "kube-apiserver-kubelet-client" in {s["subject"]["name"] for s in everyone["subjects"]}


def test_bundle_input(tmp_path: Path) -> None:
    bundle = tmp_path / "b.tar.gz"
    assert CliRunner().invoke(cli, ["collect", "--demo", "-o", str(bundle)]).exit_code == 0
    result = run(
        "can-i", "get", "secrets", "-n", "ci", "--as", "system:serviceaccount:ci:image-updater", "--bundle", str(bundle)
    )
    assert (result.exit_code, result.stdout) == (0, "yes\n")


def test_fixture_directory_input() -> None:
    result = run("who-can", "escalate", "clusterroles.rbac.authorization.k8s.io", "-f", str(FIXTURE), "-o", "json")
    assert result.exit_code == 0
    names = [s["subject"]["name"] for s in json.loads(result.stdout)["subjects"]]
    assert names == ["system:masters", "system:masters", "clusterrole-aggregation-controller"]
