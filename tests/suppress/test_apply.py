import datetime

from kubeward.checks.rule import Objective, RuleMeta, Severity
from kubeward.inventory.model import Target
from kubeward.report.build import build_report
from kubeward.report.exit_codes import ExitCode, decide_exit
from kubeward.report.model import ScanInfo
from kubeward.suppress import apply_suppressions, create_baseline, parse_baseline, parse_ignore_file

from .factories import finding

TODAY = datetime.date(2025, 3, 1)
ANNOTATED = {"ignore-check.kubeward.dev/KW-RBAC-001": "annotated reason"}
IGNORE = parse_ignore_file(
    "ignore:\n  - id: KW-RBAC-001\n    match: {name: '*-admin'}\n    statement: ignore-file reason\n",
    source=".kubewardignore.yaml",
)


def test_order_annotation_then_ignore_file_then_baseline() -> None:
    all_three = finding(name="a-admin", annotations=ANNOTATED)
    file_and_baseline = finding(name="b-admin")
    baseline_only = finding(name="c-operator")
    baseline = parse_baseline(create_baseline([all_three, file_and_baseline, baseline_only]), source="base.json")
    outcome = apply_suppressions(
        [all_three, file_and_baseline, baseline_only],
        ignore_file=IGNORE,
        baseline=baseline,
        honor_annotations=True,
        today=TODAY,
    )
    kinds = [f.suppression.kind if f.suppression else None for f in outcome.findings]
    assert kinds == ["annotation", "ignore-file", "baseline"]
    assert outcome.counts() == {"annotation": 1, "ignore-file": 1, "baseline": 1}


def test_without_annotations_the_ignore_file_takes_over() -> None:
    outcome = apply_suppressions(
        [finding(name="a-admin", annotations=ANNOTATED)],
        ignore_file=IGNORE,
        baseline=None,
        honor_annotations=False,
        today=TODAY,
    )
    assert outcome.findings[0].suppression is not None
    assert outcome.findings[0].suppression.kind == "ignore-file"


def test_only_failures_change_and_order_is_preserved() -> None:
    items = [
        finding(name="x-admin", status="pass"),
        finding(name="y-admin", status="not_assessable"),
        finding(name="z-admin"),
    ]
    outcome = apply_suppressions(items, ignore_file=IGNORE, baseline=None, honor_annotations=True, today=TODAY)
    assert outcome.findings[:2] == tuple(items[:2])
    assert [f.resource.name for f in outcome.findings] == ["x-admin", "y-admin", "z-admin"]
    assert outcome.findings[2].status == "suppressed"


def test_nothing_configured_changes_nothing() -> None:
    items = [finding(name="a"), finding(name="b", status="pass")]
    outcome = apply_suppressions(items, ignore_file=None, baseline=None, honor_annotations=True, today=TODAY)
    assert outcome.findings == tuple(items)
    assert outcome.warnings == ()


def test_with_a_baseline_only_new_findings_fail_the_build() -> None:
    rule = RuleMeta(
        id="KW-RBAC-001",
        title="Subject bound to cluster-admin",
        objective=Objective.AUTHORIZATION,
        severity=Severity.HIGH,
        rationale="r",
        remediation="Bind a narrower role.",
    )
    scan = ScanInfo(target=Target(kind="offline", name="repo"), started="s", finished="f")
    old = finding(name="old-admin")
    baseline = parse_baseline(create_baseline([old]), source="base.json")

    same = apply_suppressions([old], ignore_file=None, baseline=baseline, honor_annotations=True, today=TODAY)
    assert decide_exit(build_report(same.findings, [rule], scan), Severity.HIGH) is ExitCode.OK

    grown = apply_suppressions(
        [old, finding(name="new-admin")], ignore_file=None, baseline=baseline, honor_annotations=True, today=TODAY
    )
    assert decide_exit(build_report(grown.findings, [rule], scan), Severity.HIGH) is ExitCode.FINDINGS
