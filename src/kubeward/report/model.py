"""The scan report every reporter renders: what was scanned, the findings, and the rollout plan.

``schema_version`` versions the JSON form (``report/schema/report-v1.json``): additive changes bump
the minor version, renames and removals the major.
"""

from typing import Literal

import msgspec

from kubeward.checks.rule import Objective, RuleMeta, Severity
from kubeward.findings import Finding, Status
from kubeward.inventory.model import CollectionRecord, InputIssue, InputRecord, Target

REPORT_SCHEMA_VERSION = "1.0"


class Tool(msgspec.Struct, frozen=True):
    """The tool that wrote the report."""

    name: str
    version: str


class ScanInfo(msgspec.Struct, frozen=True, kw_only=True):
    """What was scanned, when, from which inputs, and what is missing.

    ``incomplete`` is true when a part could not be collected or an input failed; ``missing`` and
    ``issues`` say which and why. ``vantage`` says where the scan looked from (``live API as
    context prod``, ``node files``): the same cluster looks different from the API and from a node,
    so a reader must know which view a report is. Reporters derive it from ``target`` when empty.
    """

    target: Target
    started: str
    finished: str
    kubernetes_version: str = ""
    platform: str = ""
    inputs: tuple[InputRecord, ...] = ()
    incomplete: bool = False
    missing: tuple[CollectionRecord, ...] = ()
    issues: tuple[InputIssue, ...] = ()
    vantage: str = ""


class ObjectiveSummary(msgspec.Struct, frozen=True):
    """Counts for one control objective: failures by severity, and results by status."""

    objective: Objective
    failed_by_severity: dict[Severity, int]
    by_status: dict[Status, int]


class PlanStepReport(msgspec.Struct, frozen=True, kw_only=True):
    """One step of the rollout plan: its failing findings (by fingerprint) and the fixes to apply."""

    step: int
    title: str
    findings: tuple[str, ...] = ()
    rules: tuple[str, ...] = ()
    fixes: tuple[str, ...] = ()


class ScanReport(msgspec.Struct, frozen=True, kw_only=True):
    """The whole report."""

    schema_version: str = REPORT_SCHEMA_VERSION
    tool: Tool
    scan: ScanInfo
    summary: tuple[ObjectiveSummary, ...]
    findings: tuple[Finding, ...]
    plan: tuple[PlanStepReport, ...]
    rules: tuple[RuleMeta, ...]

    def counts(self) -> dict[Status, int]:
        """Count findings per status."""
        counts: dict[Status, int] = {}
        for finding in self.findings:
            counts[finding.status] = counts.get(finding.status, 0) + 1
        return counts


OutputFormat = Literal["table", "json", "sarif", "junit", "markdown"]
OUTPUT_FORMATS: tuple[OutputFormat, ...] = ("table", "json", "sarif", "junit", "markdown")
