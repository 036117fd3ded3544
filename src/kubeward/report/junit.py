"""JUnit XML for CI test-report views (conventions §A1.5), written with the standard library.

GitLab keys test cases by ``classname`` + ``name`` and keeps only the first of duplicates, and shows
``classname`` as the suite (docs.gitlab.com/ci/testing/unit_test_reports; gitlab issues #299086,
#50964). So every case has a classname, ``<source>.<namespace>.<kind>.<name>``, and names are made
unique: the same rule on the same object twice (two settings) gets the setting appended, then a
counter. One ``<testsuite>`` per objective mirrors how every other report is grouped.

Failures carry the details a reviewer needs; suppressed findings and ``not_assessable`` ones are
``<skipped>`` with the reason, so a skipped check is visibly not a pass. Passes (and not-applicable
results) are left out unless asked for, because they dominate file size on large clusters.
"""

import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence

from kubeward.checks.rule import OBJECTIVE_ORDER, Objective
from kubeward.findings import Finding
from kubeward.report.common import (
    evidence_text,
    one_line,
    plan_finding_line,
    plan_step_findings,
    severity_label,
    suppression_text,
    where_text,
)
from kubeward.report.model import ScanReport

CLUSTER_SCOPED = "_cluster"
# Characters XML 1.0 cannot carry at all, even escaped (control characters other than tab/LF/CR,
# lone surrogates, U+FFFE/U+FFFF). A message holding one must not make the whole file unparsable.
_XML_INVALID = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def render_junit(report: ScanReport, *, include_passed: bool = False) -> str:
    """Render the report as JUnit XML: one ``<testsuite>`` per objective that has cases."""
    root = ET.Element("testsuites", {"name": "kubeward"})
    seen: set[tuple[str, str]] = set()
    totals = {"tests": 0, "failures": 0, "skipped": 0}
    target = report.scan.target.name or report.scan.target.kind
    for objective in OBJECTIVE_ORDER:
        cases = [f for f in report.findings if f.objective == objective and _included(f, include_passed)]
        if not cases:
            continue
        suite = _suite(objective, cases, target, seen)
        root.append(suite)
        for key in totals:
            totals[key] += int(suite.get(key, "0"))
    if report.plan:
        root.append(_plan_suite(report))
    root.set("tests", str(totals["tests"]))
    root.set("failures", str(totals["failures"]))
    root.set("errors", "0")
    root.set("skipped", str(totals["skipped"]))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _plan_suite(report: ScanReport) -> ET.Element:
    """The rollout plan as a suite without test cases: one property per step and per command, and
    the whole plan (fixes, commands, findings) as ``system-out``, which CI test views show.
    """
    suite = ET.Element(
        "testsuite",
        {"name": "kubeward.rollout-plan", "tests": "0", "failures": "0", "errors": "0", "skipped": "0"},
    )
    properties = ET.SubElement(suite, "properties")
    lines: list[str] = []
    for step in report.plan:
        members = plan_step_findings(report, step)
        ET.SubElement(
            properties,
            "property",
            {"name": f"step.{step.step}", "value": xml_text(f"{step.title} ({', '.join(step.rules)})")},
        )
        for index, command in enumerate(step.commands, start=1):
            ET.SubElement(
                properties, "property", {"name": f"step.{step.step}.fix.{index}", "value": xml_text(command.command)}
            )
        lines.append(f"{step.step}. {step.title}: {len(members)} finding(s) ({', '.join(step.rules)})")
        lines += [f"   - {one_line(fix)}" for fix in step.fixes]
        lines += [f"   $ {command.command}  # {', '.join(command.rules)}" for command in step.commands]
        lines += [f"   * {plan_finding_line(f)}" for f in members]
    out = ET.SubElement(suite, "system-out")
    out.text = xml_text("\n".join(lines))
    return suite


def _included(finding: Finding, include_passed: bool) -> bool:
    if finding.status in ("fail", "suppressed", "not_assessable"):
        return True
    return include_passed


def _suite(objective: Objective, cases: Sequence[Finding], target: str, seen: set[tuple[str, str]]) -> ET.Element:
    suite = ET.Element("testsuite", {"name": f"kubeward.{objective.value}"})
    failures = skipped = 0
    for finding in cases:
        classname = xml_text(class_name(finding, target))
        name = unique_name(classname, finding, seen)
        case = ET.SubElement(suite, "testcase", {"classname": classname, "name": name})
        provenance = finding.resource.provenance
        if provenance is not None and provenance.kind == "file":
            case.set("file", xml_text(provenance.source))
        if finding.status == "fail":
            failures += 1
            failure = ET.SubElement(
                case,
                "failure",
                {
                    "message": xml_text(one_line(finding.message) or finding.title),
                    "type": finding.severity.value,
                },
            )
            failure.text = xml_text(details(finding))
        elif finding.status == "suppressed":
            skipped += 1
            ET.SubElement(case, "skipped", {"message": xml_text("suppressed by " + suppression_text(finding))})
        elif finding.status == "not_assessable":
            skipped += 1
            ET.SubElement(case, "skipped", {"message": xml_text("not assessable: " + one_line(finding.message))})
        elif finding.status == "not_applicable":
            skipped += 1
            ET.SubElement(case, "skipped", {"message": xml_text("not applicable: " + one_line(finding.message))})
    suite.set("tests", str(len(cases)))
    suite.set("failures", str(failures))
    suite.set("errors", "0")
    suite.set("skipped", str(skipped))
    return suite


def class_name(finding: Finding, target: str) -> str:
    """``<source>.<namespace>.<kind>.<name>``: the file an object came from, else the scanned target."""
    resource = finding.resource
    provenance = resource.provenance
    source = provenance.source if provenance is not None and provenance.kind == "file" else target
    parts = (source or "cluster", resource.namespace or CLUSTER_SCOPED, resource.kind, resource.name)
    return one_line(".".join(parts))


def case_name(finding: Finding) -> str:
    """``[HIGH][KW-RBAC-001] <title>``: severity and rule first, so CI views sort and filter by them."""
    return one_line(f"[{severity_label(finding.severity)}][{finding.rule_id}] {finding.title}")


def unique_name(classname: str, finding: Finding, seen: set[tuple[str, str]]) -> str:
    """Return the case name, disambiguated within ``classname``; records it in ``seen``."""
    base = xml_text(case_name(finding))
    name = base
    if (classname, name) in seen and finding.evidence.setting:
        name = xml_text(one_line(f"{base} ({finding.evidence.setting})"))
    counter = 2
    candidate = name
    while (classname, candidate) in seen:
        candidate = f"{name} #{counter}"
        counter += 1
    seen.add((classname, candidate))
    return candidate


def details(finding: Finding) -> str:
    """Write the failure body: everything needed to act without opening another report."""
    lines = [
        f"Rule: {finding.rule_id} {finding.title}",
        f"Severity: {finding.severity.value}",
        f"Objective: {finding.objective.value}",
        f"Resource: {finding.resource.key()}",
    ]
    where = where_text(finding)
    if where:
        lines.append(f"Where: {where}")
    evidence = evidence_text(finding.evidence)
    if evidence:
        lines.append(f"Evidence: {evidence}")
    if finding.evidence.detail:
        lines.append(f"Detail: {one_line(finding.evidence.detail)}")
    lines.append(f"Message: {one_line(finding.message)}")
    lines.append(f"Remediation: {finding.remediation.strip()}")
    if finding.cis:
        lines.append("CIS: " + ", ".join(finding.cis))
    lines.append(f"Fingerprint: {finding.fingerprint}")
    return "\n".join(lines)


def xml_text(text: str) -> str:
    """Drop characters XML 1.0 cannot represent."""
    return _XML_INVALID.sub("", text)
