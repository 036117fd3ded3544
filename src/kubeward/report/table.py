"""The human report: rich text grouped by control objective, then the rollout plan, then the gaps.

It must read the same in a terminal and in a CI log, so nothing depends on a TTY: width is fixed
by the caller, colour is opt-in, and every piece of finding text goes in as ``rich.text.Text``
(never as markup), so a message containing ``[bold]`` or ``[HIGH]`` prints as written.
``ascii_only`` swaps box and rule characters for ASCII, for logs whose encoding is not UTF-8.
"""

import io

from rich import box
from rich.console import Console, Group, RenderableType
from rich.rule import Rule
from rich.table import Table
from rich.text import Text

from kubeward.checks.rule import OBJECTIVE_ORDER, Objective
from kubeward.findings import Finding
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
from kubeward.report.model import ObjectiveSummary, ScanReport

DEFAULT_WIDTH = 120
_SEVERITY_STYLE = {
    "critical": "bold red",
    "high": "red",
    "medium": "yellow",
    "low": "cyan",
    "info": "dim",
}


def render_table(
    report: ScanReport,
    *,
    width: int = DEFAULT_WIDTH,
    show_suppressed: bool = False,
    color: bool = False,
    ascii_only: bool = False,
) -> str:
    """Render into a string at a fixed width; ``color=True`` keeps ANSI styles for a terminal."""
    buffer = io.StringIO()
    console = Console(
        file=buffer,
        width=width,
        force_terminal=color,
        color_system="standard" if color else None,
        no_color=not color,
        highlight=False,
        emoji=False,
        markup=False,
        legacy_windows=False,
        soft_wrap=False,
    )
    print_table(report, console, show_suppressed=show_suppressed, ascii_only=ascii_only)
    text = buffer.getvalue()
    if color:
        return text
    # Rich pads table cells to the column width; trailing blanks only make logs and diffs noisy.
    return "\n".join(line.rstrip() for line in text.split("\n"))


def print_table(
    report: ScanReport, console: Console, *, show_suppressed: bool = False, ascii_only: bool = False
) -> None:
    """Print to a caller's console (the CLI's, which knows whether stdout is a terminal)."""
    console.print(table_renderable(report, show_suppressed=show_suppressed, ascii_only=ascii_only))


def table_renderable(report: ScanReport, *, show_suppressed: bool = False, ascii_only: bool = False) -> Group:
    """Build the whole report as one rich renderable."""
    parts: list[RenderableType] = [*_header(report)]
    summaries = {summary.objective: summary for summary in report.summary}
    for objective in OBJECTIVE_ORDER:
        group = [f for f in report.findings if f.objective == objective]
        parts += _objective(objective, summaries.get(objective), group, show_suppressed, ascii_only)
    parts += _plan(report, ascii_only)
    parts += _access_review(report, ascii_only)
    parts += _not_collected(report, ascii_only)
    parts.append(_footer(report))
    return Group(*parts)


def _header(report: ScanReport) -> list[RenderableType]:
    scan = report.scan
    target = Text(f"{report.tool.name} {report.tool.version}: ", style="bold")
    target.append(f"target {scan.target.name} ({scan.target.kind})")
    if scan.target.server:
        target.append(f" at {scan.target.server}")
    facts = [
        f"Kubernetes {scan.kubernetes_version or 'unknown'}",
        f"platform {scan.platform or 'unknown'}",
        f"vantage {vantage_text(scan)}",
    ]
    lines: list[RenderableType] = [
        target,
        Text(", ".join(facts)),
        Text(f"scanned {scan.started} to {scan.finished}"),
    ]
    if scan.incomplete:
        lines.append(
            Text(
                "INCOMPLETE: some inputs could not be collected (see 'Not collected'); "
                "checks that needed them are not assessable, never passed.",
                style="bold yellow",
            )
        )
    return lines


def _rule(title: str, ascii_only: bool) -> Rule:
    return Rule(Text(title, style="bold"), align="left", characters="-" if ascii_only else "─")


def _counts_line(summary: ObjectiveSummary | None) -> Text:
    if summary is None or not any(summary.by_status.values()):
        return Text("no results")
    failed = sum(summary.failed_by_severity.values())
    by_severity = [
        f"{summary.failed_by_severity.get(s, 0)} {s.value}"
        for s in SEVERITY_ORDER
        if summary.failed_by_severity.get(s, 0)
    ]
    text = f"{failed} failed"
    if by_severity:
        text += " (" + ", ".join(by_severity) + ")"
    status = summary.by_status
    text += (
        f", {status.get('pass', 0)} passed, {status.get('not_assessable', 0)} not assessable, "
        f"{status.get('not_applicable', 0)} not applicable, {status.get('suppressed', 0)} suppressed"
    )
    return Text(text)


def _objective(
    objective: Objective,
    summary: ObjectiveSummary | None,
    findings: list[Finding],
    show_suppressed: bool,
    ascii_only: bool,
) -> list[RenderableType]:
    parts: list[RenderableType] = [Text(""), _rule(objective.value, ascii_only), _counts_line(summary)]
    failing = [f for f in findings if f.status == "fail"]
    if failing:
        parts.append(_failures_table(failing, ascii_only))
    not_assessable = [f for f in findings if f.status == "not_assessable"]
    if not_assessable:
        parts.append(Text("Not assessable (not a pass):", style="bold"))
        parts += [_not_assessable_line(f) for f in not_assessable]
    suppressed = [f for f in findings if f.status == "suppressed"]
    if show_suppressed and suppressed:
        parts.append(Text("Suppressed:", style="bold"))
        parts += [
            Text(
                f"  {severity_label(f.severity)} {f.rule_id} {f.resource.key()}: {suppression_text(f)}",
                style="dim",
            )
            for f in suppressed
        ]
    return parts


def _failures_table(failing: list[Finding], ascii_only: bool) -> Table:
    table = Table(
        box=box.ASCII2 if ascii_only else box.SIMPLE_HEAD,
        show_edge=False,
        pad_edge=False,
        expand=False,
        header_style="bold",
    )
    table.add_column("SEVERITY", no_wrap=True)
    table.add_column("RULE", no_wrap=True)
    table.add_column("RESOURCE", overflow="fold")
    table.add_column("FINDING", overflow="fold", ratio=1)
    for finding in failing:
        detail = Text(one_line(finding.message) or finding.title)
        where = where_text(finding)
        if where:
            detail.append(f"\nwhere: {where}", style="dim")
        evidence = evidence_text(finding.evidence)
        if evidence:
            detail.append(f"\nevidence: {evidence}", style="dim")
        table.add_row(
            Text(severity_label(finding.severity), style=_SEVERITY_STYLE[finding.severity.value]),
            Text(finding.rule_id),
            Text(finding.resource.key()),
            detail,
        )
    return table


def _not_assessable_line(finding: Finding) -> Text:
    reason = one_line(finding.message)
    detail = one_line(finding.evidence.detail)
    if detail and detail not in reason:
        reason = f"{reason} ({detail})" if reason else detail
    return Text(f"  {finding.rule_id} {finding.resource.key()}: {reason}")


def _plan(report: ScanReport, ascii_only: bool) -> list[RenderableType]:
    parts: list[RenderableType] = [Text(""), _rule("Rollout plan", ascii_only)]
    if not report.plan:
        parts.append(Text("Nothing to roll out: no unsuppressed failures."))
        return parts
    for step in report.plan:
        count = len(step.findings)
        noun = "finding" if count == 1 else "findings"
        parts.append(Text(f"{step.step}. {step.title}: {count} {noun} ({', '.join(step.rules)})", style="bold"))
        parts += [Text(f"   - {one_line(fix)}") for fix in step.fixes]
        parts += [Text(f"   $ {command.command}  # {', '.join(command.rules)}") for command in step.commands]
        members = plan_step_findings(report, step)
        parts += [Text(f"   * {plan_finding_line(f)}") for f in members[:MAX_PLAN_FINDINGS]]
        if len(members) > MAX_PLAN_FINDINGS:
            parts.append(Text(f"   * ... and {len(members) - MAX_PLAN_FINDINGS} more (listed above)"))
    return parts


def _access_review(report: ScanReport, ascii_only: bool) -> list[RenderableType]:
    review = report.access_review
    if review is None:
        return []
    parts: list[RenderableType] = [Text(""), _rule("Access review", ascii_only)]
    for section in sections(review):
        parts.append(Text(section.title, style="bold"))
        parts += [Text(f"  - {one_line(line)}") for line in section.lines]
    return parts


def _not_collected(report: ScanReport, ascii_only: bool) -> list[RenderableType]:
    scan = report.scan
    if not scan.missing and not scan.issues:
        return []
    parts: list[RenderableType] = [Text(""), _rule("Not collected", ascii_only)]
    for record in scan.missing:
        line = f"  {record.part}: {record.status}"
        if record.reason:
            line += f" - {one_line(record.reason)}"
        parts.append(Text(line))
    parts += [Text(f"  {issue.level}: {one_line(issue.describe())}") for issue in scan.issues]
    return parts


def _footer(report: ScanReport) -> Text:
    counts = report.counts()
    return Text(
        f"\n{counts.get('fail', 0)} failed, {counts.get('suppressed', 0)} suppressed, "
        f"{counts.get('not_assessable', 0)} not assessable, {counts.get('pass', 0)} passed, "
        f"{counts.get('not_applicable', 0)} not applicable."
    )
