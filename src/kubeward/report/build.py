"""Turn suppressed findings, the rules that ran and the scan record into the one ``ScanReport``.

Every reporter renders the same report, so ordering, counting and the rollout plan are decided here
once; a reporter never re-sorts or re-counts.
"""

from collections.abc import Iterable, Sequence

from kubeward import __version__
from kubeward.checks.rule import DEFAULT_PLAN_STEP, OBJECTIVE_ORDER, Objective, PlanStep, RuleMeta, Severity
from kubeward.findings import STATUSES, Finding, Status
from kubeward.harden.plan import apiserver_input, plan_fixes
from kubeward.inventory.model import Target
from kubeward.report.common import SEVERITY_ORDER, first_sentence
from kubeward.report.model import (
    REPORT_SCHEMA_VERSION,
    AccessReview,
    ObjectiveSummary,
    PlanCommand,
    PlanStepReport,
    ScanInfo,
    ScanReport,
    Tool,
)

_OBJECTIVE_INDEX = {objective: index for index, objective in enumerate(OBJECTIVE_ORDER)}


def finding_sort_key(finding: Finding) -> tuple[int, int, str, str, str, str]:
    """Objective order, worst severity first, rule id, resource key; setting and fingerprint break ties."""
    return (
        _OBJECTIVE_INDEX[finding.objective],
        -finding.severity.rank,
        finding.rule_id,
        finding.resource.key(),
        finding.evidence.setting,
        finding.fingerprint,
    )


def build_report(
    findings: Sequence[Finding],
    rules: Sequence[RuleMeta],
    scan: ScanInfo,
    *,
    tool: Tool | None = None,
    access_review: AccessReview | None = None,
) -> ScanReport:
    """Assemble the report: sorted findings, per-objective counts and the rollout plan.

    ``findings`` are expected after suppression (see ``kubeward.suppress``). ``rules`` are the rules
    that ran; duplicates are dropped and they are listed by id, the order SARIF indexes them in.
    """
    ordered = tuple(sorted(findings, key=finding_sort_key))
    unique_rules: dict[str, RuleMeta] = {}
    for meta in rules:
        unique_rules.setdefault(meta.id, meta)
    return ScanReport(
        schema_version=REPORT_SCHEMA_VERSION,
        tool=tool if tool is not None else Tool(name="kubeward", version=__version__),
        scan=scan,
        summary=summarize(ordered),
        findings=ordered,
        plan=rollout_plan(ordered, unique_rules, scan_inputs=scan_inputs(scan.target)),
        rules=tuple(unique_rules[rule_id] for rule_id in sorted(unique_rules)),
        access_review=access_review,
    )


def summarize(findings: Iterable[Finding]) -> tuple[ObjectiveSummary, ...]:
    """One summary per objective, all of them, with every severity and status present (zeros too).

    A fixed shape lets dashboards read ``summary[i].failed_by_severity.high`` without guarding for
    missing keys, and an objective with no results at all is itself worth seeing.
    """
    failed: dict[Objective, dict[Severity, int]] = {
        objective: dict.fromkeys(SEVERITY_ORDER, 0) for objective in OBJECTIVE_ORDER
    }
    statuses: dict[Objective, dict[Status, int]] = {
        objective: dict.fromkeys(STATUSES, 0) for objective in OBJECTIVE_ORDER
    }
    for finding in findings:
        statuses[finding.objective][finding.status] += 1
        if finding.status == "fail":
            failed[finding.objective][finding.severity] += 1
    return tuple(
        ObjectiveSummary(objective=objective, failed_by_severity=failed[objective], by_status=statuses[objective])
        for objective in OBJECTIVE_ORDER
    )


def fix_text(finding: Finding, meta: RuleMeta | None) -> str:
    """Return what the plan tells the reader to do: the rule's fix, else its remediation's first sentence."""
    if meta is not None and meta.fix:
        return meta.fix.strip()
    remediation = meta.remediation if meta is not None else finding.remediation
    return first_sentence(remediation)


def scan_inputs(target: Target) -> str:
    """How ``kubeward harden flowcontrol --from-scan`` names the scanned inputs in plan commands."""
    if target.kind == "demo":
        return "--demo" if not target.name.endswith("hardened") else "--demo hardened"
    if target.kind == "offline" and target.name and not target.name.endswith(" inputs"):
        return " ".join(target.name.split(", "))
    return "PATH..."


def rollout_plan(
    findings: Sequence[Finding], rules: dict[str, RuleMeta], *, scan_inputs: str = "PATH..."
) -> tuple[PlanStepReport, ...]:
    """One step per ``PlanStep`` with unsuppressed failures, in rollout order.

    A finding whose rule is not among ``rules`` (it should be) falls back to its objective's default
    step and its own remediation text, rather than disappearing from the plan. Each step lists the
    ``kubeward harden`` commands that write the fix for its findings (``kubeward.harden.plan``).
    """
    steps: dict[PlanStep, tuple[dict[str, None], dict[str, None], dict[str, None]]] = {}
    members: dict[PlanStep, list[Finding]] = {}
    apiserver = apiserver_input(findings)
    for finding in findings:
        if finding.status != "fail":
            continue
        meta = rules.get(finding.rule_id)
        step = meta.step if meta is not None else DEFAULT_PLAN_STEP[finding.objective]
        members.setdefault(step, []).append(finding)
        fingerprints, rule_ids, fixes = steps.setdefault(step, ({}, {}, {}))
        fingerprints[finding.fingerprint] = None
        rule_ids[finding.rule_id] = None
        fix = fix_text(finding, meta)
        if fix:
            fixes[fix] = None
    return tuple(
        PlanStepReport(
            step=int(step),
            title=step.title,
            findings=tuple(steps[step][0]),
            rules=tuple(steps[step][1]),
            fixes=tuple(steps[step][2]),
            commands=tuple(
                PlanCommand(command=fix.command, rules=fix.rules, findings=fix.findings)
                for fix in plan_fixes(members[step], scan_inputs, apiserver)
            ),
        )
        for step in sorted(steps)
    )
