"""Exit codes (conventions §A1.2) and the rule that picks one from a report.

Findings never fail a run unless ``--fail-on`` asks; when they do, that answer wins over "incomplete",
because a known failure is the more actionable news. Usage errors (2) and Ctrl-C (130) are the CLI's
to return: they happen before or instead of a report.
"""

import enum

from kubeward.checks.rule import Severity
from kubeward.report.model import ScanReport


class ExitCode(enum.IntEnum):
    """What the process tells CI."""

    OK = 0
    FINDINGS = 1
    ERROR = 2
    INCOMPLETE = 3
    INTERRUPTED = 130


def decide_exit(report: ScanReport, fail_on: Severity | None) -> ExitCode:
    """1 for an unsuppressed failure at or above ``fail_on``; else 3 for an incomplete scan; else 0.

    Suppressed findings (annotation, ignore file, baseline) never count, which is what makes a
    baseline mean "only new findings fail the build".
    """
    if fail_on is not None and any(
        finding.status == "fail" and finding.severity.at_least(fail_on) for finding in report.findings
    ):
        return ExitCode.FINDINGS
    if report.scan.incomplete:
        return ExitCode.INCOMPLETE
    return ExitCode.OK
