import pytest

from kubeward.checks.rule import Severity
from kubeward.findings import Finding, Resource, Status, Suppression
from kubeward.report.build import build_report
from kubeward.report.exit_codes import ExitCode, decide_exit
from kubeward.report.model import ScanReport

from .factories import RULES, make_finding, sample_scan

# One rule per severity, worst first.
RULE_OF = {
    Severity.CRITICAL: "KW-AUTHN-001",
    Severity.HIGH: "KW-RBAC-001",
    Severity.MEDIUM: "KW-RBAC-002",
    Severity.LOW: "KW-CRED-001",
    Severity.INFO: "KW-APF-001",
}
# Severities written out worst first, independent of Severity.rank.
WORST_FIRST = ["critical", "high", "medium", "low", "info"]


def finding(severity: Severity, status: Status) -> Finding:
    suppression = Suppression(kind="baseline", reason="known") if status == "suppressed" else None
    return make_finding(
        RULE_OF[severity], status, Resource(kind="Role", name=severity.value), "m", suppression=suppression
    )


def report_of(findings: list[Finding], *, incomplete: bool) -> ScanReport:
    return build_report(findings, list(RULES.values()), sample_scan(incomplete=incomplete))


def test_values() -> None:
    assert [int(code) for code in ExitCode] == [0, 1, 2, 3, 130]
    assert ExitCode.INTERRUPTED.name == "INTERRUPTED"


@pytest.mark.parametrize("incomplete", [False, True])
@pytest.mark.parametrize("fail_on", [None, *Severity])
@pytest.mark.parametrize("worst", [None, *Severity])
def test_every_combination(worst: Severity | None, fail_on: Severity | None, incomplete: bool) -> None:
    findings = [finding(worst, "fail")] if worst is not None else []
    # A suppressed critical and a not-assessable critical are present in every case and never count.
    findings += [finding(Severity.CRITICAL, "suppressed"), finding(Severity.CRITICAL, "not_assessable")]
    expected = ExitCode.OK
    if incomplete:
        expected = ExitCode.INCOMPLETE
    if worst is not None and fail_on is not None and WORST_FIRST.index(worst) <= WORST_FIRST.index(fail_on):
        expected = ExitCode.FINDINGS
    assert decide_exit(report_of(findings, incomplete=incomplete), fail_on) == expected


def test_findings_win_over_incomplete() -> None:
    report = report_of([finding(Severity.HIGH, "fail")], incomplete=True)
    assert decide_exit(report, Severity.HIGH) is ExitCode.FINDINGS
    assert decide_exit(report, Severity.CRITICAL) is ExitCode.INCOMPLETE
    assert decide_exit(report, None) is ExitCode.INCOMPLETE


def test_findings_never_fail_without_fail_on() -> None:
    report = report_of([finding(Severity.CRITICAL, "fail")], incomplete=False)
    assert decide_exit(report, None) is ExitCode.OK


def test_only_suppressed_and_passing_findings_exit_zero() -> None:
    report = report_of([finding(Severity.CRITICAL, "suppressed"), finding(Severity.CRITICAL, "pass")], incomplete=False)
    assert decide_exit(report, Severity.INFO) is ExitCode.OK
