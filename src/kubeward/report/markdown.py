"""GitHub-flavoured Markdown: for PR comments, job summaries and issues.

Finding text comes from clusters and files we do not control, so every piece of it is escaped: in
prose, Markdown punctuation is backslash-escaped (GFM allows that for any ASCII punctuation); in
table cells ``|`` is escaped even inside code spans, because GFM splits table rows before it parses
code spans; code spans pick a fence longer than any backtick run inside them.
"""

import re

from kubeward.checks.rule import OBJECTIVE_ORDER
from kubeward.findings import Finding, Status
from kubeward.report.access import sections
from kubeward.report.common import (
    MAX_PLAN_FINDINGS,
    SEVERITY_ORDER,
    evidence_text,
    one_line,
    plan_finding_line,
    plan_step_findings,
    severity_label,
    suppression_text,
    vantage_text,
    where_text,
)
from kubeward.report.model import ScanReport

# Characters that can start Markdown or HTML constructs mid-line; ``(`` only matters after ``]``.
_PUNCTUATION = re.compile(r"([\\`*_\[\]<>|~&])")
_BACKTICKS = re.compile(r"`+")
_SUMMARY_STATUSES: tuple[Status, ...] = ("pass", "not_assessable", "not_applicable", "suppressed")


def escape(text: str) -> str:
    """Plain text that renders as itself: punctuation escaped, newlines folded."""
    return _PUNCTUATION.sub(r"\\\1", one_line(text))


def code(text: str) -> str:
    """Wrap ``text`` in an inline code span that survives backticks in ``text``."""
    flat = one_line(text)
    longest = max((len(run) for run in _BACKTICKS.findall(flat)), default=0)
    fence = "`" * (longest + 1)
    if flat.startswith("`") or flat.endswith("`"):
        flat = f" {flat} "
    return f"{fence}{flat}{fence}"


def cell(markdown: str) -> str:
    """Make already-formatted Markdown safe inside a table cell."""
    return markdown.replace("|", "\\|")


def render_markdown(report: ScanReport, *, show_suppressed: bool = False) -> str:
    """Summary, failures by objective, not-assessable checks, rollout plan, and what was not collected."""
    lines: list[str] = []
    lines += _header(report)
    lines += _summary(report)
    lines += _failures(report)
    lines += _not_assessable(report)
    if show_suppressed:
        lines += _suppressed(report)
    lines += _plan(report)
    lines += _access_review(report)
    lines += _not_collected(report)
    return "\n".join(lines).rstrip("\n") + "\n"


def _header(report: ScanReport) -> list[str]:
    scan = report.scan
    facts = [f"**Target:** {escape(scan.target.name)} ({escape(scan.target.kind)})"]
    if scan.kubernetes_version:
        facts.append(f"**Kubernetes:** {escape(scan.kubernetes_version)}")
    if scan.platform:
        facts.append(f"**Platform:** {escape(scan.platform)}")
    facts.append(f"**Vantage:** {escape(vantage_text(scan))}")
    facts.append(f"**Scanned:** {escape(scan.started)} to {escape(scan.finished)}")
    lines = [
        f"# kubeward report: {escape(scan.target.name)}",
        "",
        " · ".join(facts),
        "",
        f"{escape(report.tool.name)} {escape(report.tool.version)}, report schema {escape(report.schema_version)}.",
        "",
    ]
    if scan.incomplete:
        lines += [
            "> [!WARNING]",
            "> The scan is incomplete: some inputs could not be collected (see *Not collected*). "
            "Checks that needed them are reported as not assessable, never as passed.",
            "",
        ]
    return lines


def _summary(report: ScanReport) -> list[str]:
    severities = [severity_label(s).capitalize() for s in SEVERITY_ORDER]
    header = ["Objective", *severities, "Passed", "Not assessable", "Not applicable", "Suppressed"]
    lines = [
        "## Summary",
        "",
        "| " + " | ".join(header) + " |",
        "|---|" + "---:|" * (len(header) - 1),
    ]
    for summary in report.summary:
        counts = [str(summary.failed_by_severity.get(s, 0)) for s in SEVERITY_ORDER]
        statuses = [str(summary.by_status.get(s, 0)) for s in _SUMMARY_STATUSES]
        lines.append("| " + " | ".join([cell(escape(summary.objective.value)), *counts, *statuses]) + " |")
    totals = report.counts()
    lines += [
        "",
        f"{totals.get('fail', 0)} failed, {totals.get('suppressed', 0)} suppressed, "
        f"{totals.get('not_assessable', 0)} not assessable, {totals.get('pass', 0)} passed.",
        "",
    ]
    return lines


def _failures(report: ScanReport) -> list[str]:
    lines = ["## Failures", ""]
    failing = [f for f in report.findings if f.status == "fail"]
    if not failing:
        return [*lines, "No failures.", ""]
    for objective in OBJECTIVE_ORDER:
        group = [f for f in failing if f.objective == objective]
        if not group:
            continue
        lines += [f"### {escape(objective.value)}", ""]
        for finding in group:
            lines += _finding(finding)
    return lines


def _finding(finding: Finding) -> list[str]:
    lines = [
        f"#### {severity_label(finding.severity)} {escape(finding.rule_id)}: {escape(finding.title)}",
        "",
        f"- **Resource:** {code(finding.resource.key())}",
    ]
    where = where_text(finding)
    if where:
        lines.append(f"- **Where:** {code(where)}")
    evidence = evidence_text(finding.evidence)
    if evidence:
        lines.append(f"- **Evidence:** {code(evidence)}")
    if finding.evidence.detail:
        lines.append(f"- **Detail:** {escape(finding.evidence.detail)}")
    lines.append(f"- **Finding:** {escape(finding.message)}")
    if finding.cis:
        lines.append(f"- **CIS:** {escape(', '.join(finding.cis))}")
    lines += ["", f"**Remediation:** {escape(finding.remediation)}", ""]
    return lines


def _not_assessable(report: ScanReport) -> list[str]:
    group = [f for f in report.findings if f.status == "not_assessable"]
    if not group:
        return []
    lines = ["## Not assessable", "", "These checks could not be evaluated; they are not passes.", ""]
    lines += [
        f"- {escape(f.rule_id)} on {code(f.resource.key())} ({escape(f.objective.value)}): {escape(f.message)}"
        for f in group
    ]
    return [*lines, ""]


def _suppressed(report: ScanReport) -> list[str]:
    group = [f for f in report.findings if f.status == "suppressed"]
    if not group:
        return []
    lines = ["## Suppressed", ""]
    lines += [
        f"- {severity_label(f.severity)} {escape(f.rule_id)} on {code(f.resource.key())}: {escape(suppression_text(f))}"
        for f in group
    ]
    return [*lines, ""]


def _plan(report: ScanReport) -> list[str]:
    lines = ["## Rollout plan", ""]
    if not report.plan:
        return [*lines, "Nothing to roll out.", ""]
    for step in report.plan:
        count = len(step.findings)
        noun = "finding" if count == 1 else "findings"
        rules = ", ".join(escape(rule) for rule in step.rules)
        lines.append(f"{step.step}. **{escape(step.title)}**: {count} {noun} ({rules})")
        lines += [f"   - {escape(fix)}" for fix in step.fixes]
        lines += [
            f"   - Fix: {code(command.command)} ({', '.join(escape(r) for r in command.rules)})"
            for command in step.commands
        ]
        members = plan_step_findings(report, step)
        if members:
            shown = ", ".join(code(plan_finding_line(f)) for f in members[:MAX_PLAN_FINDINGS])
            more = f" and {len(members) - MAX_PLAN_FINDINGS} more" if len(members) > MAX_PLAN_FINDINGS else ""
            lines.append(f"   - Findings: {shown}{more}")
    return [*lines, ""]


def _access_review(report: ScanReport) -> list[str]:
    review = report.access_review
    if review is None:
        return []
    lines = ["## Access review", ""]
    for section in sections(review):
        lines += [f"### {escape(section.title)}", ""]
        lines += [f"- {escape(line)}" for line in section.lines]
        lines.append("")
    return lines


def _not_collected(report: ScanReport) -> list[str]:
    scan = report.scan
    if not scan.missing and not scan.issues:
        return []
    lines = ["## Not collected", ""]
    if scan.missing:
        lines += ["| Part | Status | Reason |", "|---|---|---|"]
        lines += [
            f"| {cell(escape(rec.part))} | {cell(escape(rec.status))} | {cell(escape(rec.reason))} |"
            for rec in scan.missing
        ]
        lines.append("")
    lines += [f"- {escape(issue.level)}: {escape(issue.describe())}" for issue in scan.issues]
    return [*lines, ""]
