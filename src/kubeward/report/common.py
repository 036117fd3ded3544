"""Text helpers every reporter shares, so a finding reads the same in a table, in Markdown and in XML.

Evidence values are rendered only when they are scalars or short lists of scalars: a mapping could
be a whole object someone put into evidence, and text reports must never dump objects wholesale
(the JSON report keeps ``evidence.value`` exactly as given).
"""

import re
from typing import Any

from kubeward.checks.rule import Severity
from kubeward.findings import Evidence, Finding
from kubeward.inventory.provenance import Provenance
from kubeward.report.model import PlanStepReport, ScanInfo, ScanReport

# Longest evidence value rendered in text outputs; longer ones are cut with an ellipsis.
MAX_VALUE_CHARS = 120
# Provenance kinds that point at something a reader can open (a file, an API object, a probe URL).
_LOCATABLE = ("file", "api", "probe", "provider")
# Words whose trailing period does not end a sentence.
_ABBREVIATIONS = frozenset({"e.g", "i.e", "etc", "vs", "cf", "approx", "incl", "no", "eg", "ie"})
_SENTENCE_END = re.compile(r"[.!?](?=\s|$)")
_WHITESPACE = re.compile(r"\s+")

SEVERITY_ORDER: tuple[Severity, ...] = tuple(sorted(Severity, key=lambda s: -s.rank))


def one_line(text: str) -> str:
    """Collapse all whitespace (newlines included) to single spaces: cells and attributes are one line."""
    return _WHITESPACE.sub(" ", text).strip()


def first_sentence(text: str) -> str:
    """Return the first sentence of ``text``: what the rollout plan lists when a rule has no generated fix.

    A period ends a sentence only when whitespace or the end follows it and the word before it is
    not a common abbreviation, so ``--flag=x.y`` and ``e.g. this`` stay whole.
    """
    flat = one_line(text)
    for match in _SENTENCE_END.finditer(flat):
        before = flat[: match.start()].rsplit(" ", 1)[-1].lower()
        if before in _ABBREVIATIONS:
            continue
        return flat[: match.end()]
    return flat


def format_value(value: Any) -> str:
    """Render an evidence value as text: scalars as Kubernetes writes them, lists joined, objects never."""
    if value is None:
        return "(unset)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float, str)):
        text = str(value)
    elif isinstance(value, (list, tuple)):
        if not all(isinstance(item, (str, int, float, bool)) for item in value):
            return f"({len(value)} items)"
        text = ",".join(format_value(item) for item in value)
    elif isinstance(value, dict):
        return f"({len(value)} fields)"
    else:
        return f"({type(value).__name__})"
    text = one_line(text) if "\n" in text or "\r" in text else text
    if len(text) > MAX_VALUE_CHARS:
        return text[: MAX_VALUE_CHARS - 3] + "..."
    return text


def evidence_text(evidence: Evidence) -> str:
    """``setting=value (source)``, or "" when the evidence names no setting."""
    if not evidence.setting:
        return ""
    text = f"{evidence.setting}={format_value(evidence.value)}"
    if evidence.source:
        text += f" ({evidence.source})"
    return text


def primary_provenance(finding: Finding) -> Provenance | None:
    """Where a reader should look: the evidence's own location when it has one, else the resource's.

    A value that came from a built-in default has no location of its own; the component it belongs to
    (its manifest or config file) is where the fix goes, so the resource's provenance wins then.
    """
    evidence = finding.evidence.provenance
    resource = finding.resource.provenance
    if evidence is not None and evidence.kind in _LOCATABLE:
        return evidence
    if resource is not None and resource.kind in _LOCATABLE:
        return resource
    return evidence or resource


def where_text(finding: Finding) -> str:
    """``file:line``, an API path, a probe URL, or the default that decided the value."""
    provenance = primary_provenance(finding)
    if provenance is None:
        return ""
    if provenance.kind == "default":
        return f"default: {provenance.source}"
    return provenance.describe()


def vantage_text(scan: ScanInfo) -> str:
    """Where the scan looked from; the CLI may say it precisely, otherwise the target's kind tells."""
    if scan.vantage:
        return scan.vantage
    target = scan.target
    if target.kind == "live":
        text = "live API"
        if target.context:
            text += f" as context {target.context}"
        return text
    if target.kind == "offline":
        return f"offline inputs ({len(scan.inputs)} read)"
    if target.kind == "bundle":
        return "collected bundle"
    return "built-in demo"


def suppression_text(finding: Finding) -> str:
    """``<kind>: <reason>`` for a suppressed finding, "" otherwise."""
    suppression = finding.suppression
    if suppression is None:
        return ""
    text = f"{suppression.kind}: {one_line(suppression.reason)}"
    if suppression.source:
        text += f" ({suppression.source})"
    return text


def severity_label(severity: Severity) -> str:
    """Upper-case severity, the way scanners print it (``HIGH``)."""
    return severity.value.upper()


# Findings listed under one plan step in text reports; the JSON report lists them all by fingerprint.
MAX_PLAN_FINDINGS = 25


def plan_step_findings(report: ScanReport, step: PlanStepReport) -> list[Finding]:
    """The findings of a plan step, in report order."""
    wanted = set(step.findings)
    return [finding for finding in report.findings if finding.fingerprint in wanted]


def plan_finding_line(finding: Finding) -> str:
    """``KW-KUBELET-001 kubelet/worker-1``: how a plan step names one of its findings."""
    return f"{finding.rule_id} {finding.resource.key()}"


def plan_data(report: ScanReport) -> list[dict[str, Any]]:
    """The rollout plan as plain data (SARIF run properties, JUnit properties)."""
    return [
        {
            "step": step.step,
            "title": step.title,
            "rules": list(step.rules),
            "findings": list(step.findings),
            "fixes": list(step.fixes),
            "commands": [
                {"command": c.command, "rules": list(c.rules), "findings": list(c.findings)} for c in step.commands
            ],
        }
        for step in report.plan
    ]
