import datetime

import pytest

from kubeward.findings import Finding, Suppression
from kubeward.inventory.model import InputIssue
from kubeward.suppress import SuppressionOutcome, apply_suppressions

from .factories import finding

TODAY = datetime.date(2025, 3, 1)


def apply(findings: list[Finding], *, honor: bool = True) -> SuppressionOutcome:
    return apply_suppressions(findings, ignore_file=None, baseline=None, honor_annotations=honor, today=TODAY)


def test_rule_annotation_with_reason_suppresses() -> None:
    original = finding(annotations={"ignore-check.kubeward.dev/KW-RBAC-001": "CI deployer, ticket SEC-7"})
    outcome = apply([original])
    (result,) = outcome.findings
    assert result.status == "suppressed"
    assert result.original_status == "fail"
    assert result.suppression == Suppression(
        kind="annotation",
        reason="CI deployer, ticket SEC-7",
        source="ClusterRoleBinding/ci-admin annotation ignore-check.kubeward.dev/KW-RBAC-001",
    )
    assert result.fingerprint == original.fingerprint
    assert outcome.warnings == ()
    assert outcome.counts() == {"annotation": 1}


def test_ignore_all_annotation_suppresses_every_rule() -> None:
    annotations = {"kubeward.dev/ignore-all": "  sandbox namespace  "}
    outcome = apply([finding("KW-RBAC-001", annotations=annotations), finding("KW-RBAC-004", annotations=annotations)])
    assert [f.status for f in outcome.findings] == ["suppressed", "suppressed"]
    assert [f.suppression.reason for f in outcome.findings if f.suppression] == ["sandbox namespace"] * 2
    assert outcome.findings[0].suppression is not None
    assert outcome.findings[0].suppression.source == "ClusterRoleBinding/ci-admin annotation kubeward.dev/ignore-all"


def test_annotation_for_another_rule_does_nothing() -> None:
    outcome = apply([finding("KW-RBAC-002", annotations={"ignore-check.kubeward.dev/KW-RBAC-001": "reason"})])
    assert outcome.findings[0].status == "fail"
    assert outcome.findings[0].suppression is None


@pytest.mark.parametrize("reason", ["", "   ", "\n"])
def test_empty_reason_is_not_honoured_and_warns(reason: str) -> None:
    annotations = {"ignore-check.kubeward.dev/KW-RBAC-001": reason}
    outcome = apply([finding(annotations=annotations)])
    assert outcome.findings[0].status == "fail"
    assert outcome.warnings == (
        InputIssue(
            input="ClusterRoleBinding/ci-admin (/apis/x/clusterrolebindings/ci-admin)",
            message=(
                "annotation ignore-check.kubeward.dev/KW-RBAC-001 has an empty reason and is not honoured; "
                "say why the finding is accepted"
            ),
            level="warning",
        ),
    )


def test_empty_reason_warning_is_reported_once_per_object() -> None:
    annotations = {"kubeward.dev/ignore-all": ""}
    outcome = apply([finding("KW-RBAC-001", annotations=annotations), finding("KW-RBAC-002", annotations=annotations)])
    assert len(outcome.warnings) == 1


def test_empty_rule_reason_does_not_block_a_valid_ignore_all() -> None:
    annotations = {"ignore-check.kubeward.dev/KW-RBAC-001": "", "kubeward.dev/ignore-all": "lab cluster"}
    outcome = apply([finding(annotations=annotations)])
    assert outcome.findings[0].status == "suppressed"
    assert outcome.findings[0].suppression is not None
    assert outcome.findings[0].suppression.reason == "lab cluster"
    assert len(outcome.warnings) == 1


def test_rule_annotation_wins_over_ignore_all() -> None:
    annotations = {"ignore-check.kubeward.dev/KW-RBAC-001": "specific", "kubeward.dev/ignore-all": "general"}
    outcome = apply([finding(annotations=annotations)])
    assert outcome.findings[0].suppression is not None
    assert outcome.findings[0].suppression.reason == "specific"


def test_no_annotation_ignores_switch_disables_them() -> None:
    annotations = {"ignore-check.kubeward.dev/KW-RBAC-001": "reason", "kubeward.dev/ignore-all": ""}
    original = finding(annotations=annotations)
    outcome = apply([original], honor=False)
    assert outcome.findings == (original,)
    assert outcome.warnings == ()


@pytest.mark.parametrize("status", ["pass", "not_assessable", "not_applicable"])
def test_only_failures_are_suppressed(status: str) -> None:
    original = finding(status=status, annotations={"kubeward.dev/ignore-all": "reason"})  # type: ignore[arg-type]
    outcome = apply([original])
    assert outcome.findings == (original,)
