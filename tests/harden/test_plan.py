"""Item 9: every report format ends its findings with the rollout plan, each step with its findings
and the kubeward harden commands that write the fix.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest
from click.testing import CliRunner

from kubeward.cli.main import cli
from kubeward.harden.plan import GENERATED_RULES

APISERVER = "kubeward harden apiserver demo/nodes/cp-1/etc/kubernetes/manifests/kube-apiserver.yaml"


def scan(fmt: str) -> str:
    result = CliRunner().invoke(cli, ["scan", "--demo", "-o", fmt], catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    return result.stdout


def test_json_plan_steps_in_order_with_commands_for_their_findings() -> None:
    report = json.loads(scan("json"))
    assert report["schema_version"] == "1.1"
    steps = [step["step"] for step in report["plan"]]
    assert steps == sorted(steps)
    failing = {f["fingerprint"]: f["rule_id"] for f in report["findings"] if f["status"] == "fail"}
    by_step = {step["step"]: step for step in report["plan"]}
    commands = {c["command"]: c for step in report["plan"] for c in step["commands"]}
    assert APISERVER in commands
    assert "kubeward harden kubelet demo/nodes/worker-2" in commands
    assert "kubeward harden flowcontrol --service-account ci/deployer --service-account ci/image-updater" in commands
    assert "kubeward harden flowcontrol --from-scan --demo" in commands
    for step in report["plan"]:
        for command in step["commands"]:
            assert set(command["findings"]) <= set(step["findings"])
            assert {failing[fp] for fp in command["findings"]} == set(command["rules"])
    # Every failing finding of a rule with a generator is covered by a command of its step.
    covered = {fp for step in report["plan"] for c in step["commands"] for fp in c["findings"]}
    assert {fp for fp, rule in failing.items() if rule in GENERATED_RULES} == covered
    assert by_step[4]["title"] == "Lock down the kubelets"


@pytest.mark.parametrize("fmt", ["table", "markdown"])
def test_text_reports_list_commands_and_findings(fmt: str) -> None:
    text = scan(fmt)
    plan = text[text.index("Rollout plan") :]
    assert APISERVER in plan
    assert "KW-KUBELET-003 kubelet/worker-1" in plan
    assert plan.index("Lock down the kubelets") < plan.index("Turn on and retain audit logging")


def test_sarif_run_carries_the_plan() -> None:
    run = json.loads(scan("sarif"))["runs"][0]
    plan = run["properties"]["rolloutPlan"]
    assert [s["step"] for s in plan] == sorted(s["step"] for s in plan)
    assert any(c["command"] == APISERVER for s in plan for c in s["commands"])


def test_junit_has_a_plan_suite() -> None:
    root = ET.fromstring(scan("junit").encode())  # noqa: S314 - our own output
    suite = root.findall("testsuite")[-1]
    assert suite.get("name") == "kubeward.rollout-plan"
    assert APISERVER in (suite.findtext("system-out") or "")


def test_commands_for_managed_endpoints_kubelets_and_namespaces() -> None:
    from kubeward.checks.catalog import load_rules
    from kubeward.findings import Evidence, Finding, fingerprint

    def make_finding(rule_id: str, status: str, resource: Resource, message: str) -> Finding:
        registered = load_rules().get(rule_id)
        assert registered is not None
        meta = registered.meta
        return Finding(
            rule_id=meta.id,
            title=meta.title,
            objective=meta.objective,
            severity=meta.severity,
            status=status,  # type: ignore[arg-type]
            resource=resource,
            message=message,
            evidence=Evidence(),
            remediation=meta.remediation,
            fingerprint=fingerprint(meta.id, resource, Evidence()),
        )

    from kubeward.findings import Resource
    from kubeward.harden.plan import plan_fixes
    from kubeward.inventory.provenance import Provenance

    def file(path: str) -> Provenance:
        return Provenance(kind="file", source=path, line=1)

    findings = [
        make_finding("KW-EKS-001", "fail", Resource(kind="EKSCluster", name="prod", provenance=file("eks.json")), "m"),
        make_finding(
            "KW-KUBELET-005",
            "fail",
            Resource(kind="kubelet", name="n1", provenance=file("x/nodes/n1/var/lib/kubelet/config.yaml")),
            "m",
        ),
        make_finding("KW-ADM-009", "fail", Resource(kind="Namespace", name="web"), "m"),
        make_finding("KW-RBAC-001", "fail", Resource(kind="ClusterRoleBinding", name="a"), "m"),
        make_finding("KW-KUBELET-001", "pass", Resource(kind="kubelet", name="n2"), "m"),
    ]
    commands = [f.command for f in plan_fixes(findings, "PATH...", apiserver="m/kube-apiserver.yaml")]
    assert commands == [
        "kubeward harden network --format eks --cluster prod --allow CIDR",
        "kubeward harden kubelet x/nodes/n1 --client-ca-file CA_FILE",
        "kubeward harden apiserver m/kube-apiserver.yaml --pod-security-default baseline",
        "kubeward harden rbac -f PATH --replace-cluster-admin --output-dir harden/rbac",
    ]
