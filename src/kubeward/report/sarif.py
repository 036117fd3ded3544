"""SARIF 2.1.0, limited to what GitHub code scanning reads (conventions §A1.4).

GitHub requires, beyond the SARIF schema: per rule ``shortDescription``, ``fullDescription`` and
``help.text``; per result ``message.text``, a location with a full ``region`` and
``partialFingerprints``; non-empty strings in all of them. Source: github/docs
``content/code-security/reference/code-scanning/sarif-files/sarif-support.md``.

Locations: a finding about a file points at that file (relative, line from provenance). A live API
object has no file, so it gets a stable synthetic path ``k8s/<cluster>/<namespace>/<kind>/<name>.yaml``
that GitHub lists but cannot annotate; cluster-scoped objects use ``_cluster`` as the namespace
segment, which no real namespace can be (namespaces are DNS labels, no underscore). URIs must not
change between runs or GitHub opens new alerts, so nothing machine-specific goes into them.

Fingerprints: ``primaryLocationLineHash`` is the finding's content fingerprint (rule, object, setting;
never a line), so edits elsewhere in a file do not reopen alerts. github/codeql-action's upload step
computes its own line hash for files it finds in the checkout and logs a warning when ours differs,
but keeps ours (``src/fingerprints.ts``, "output a warning and don't overwrite it").
"""

import json
import posixpath
import re
from typing import Any
from urllib.parse import quote

from kubeward.checks.rule import RuleMeta, Severity
from kubeward.findings import Finding
from kubeward.inventory.provenance import Provenance
from kubeward.report.common import evidence_text, one_line, plan_data, primary_provenance
from kubeward.report.model import ScanReport

SARIF_SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_VERSION = "2.1.0"
# The project has no published home page yet; set one here when it does (SARIF makes it optional).
INFORMATION_URI = ""
CLUSTER_SCOPED_SEGMENT = "_cluster"
FINGERPRINT_KEY = "primaryLocationLineHash"
# Our own, namespaced copy of the fingerprint, for SARIF consumers other than GitHub.
KUBEWARD_FINGERPRINT_KEY = "kubewardFingerprint/v1"

# GitHub maps security-severity > 9.0 to critical, 7.0-8.9 high, 4.0-6.9 medium, 0.1-3.9 low.
# Scores as trivy writes them (pkg/report/sarif.go); prowler's 9.0 would land criticals in "high".
# info has no GitHub bucket: 0.1 is the smallest score GitHub accepts, which keeps info in "low" and
# below every low finding.
SECURITY_SEVERITY: dict[Severity, str] = {
    Severity.CRITICAL: "9.5",
    Severity.HIGH: "8.0",
    Severity.MEDIUM: "5.5",
    Severity.LOW: "2.0",
    Severity.INFO: "0.1",
}
# trivy's level mapping: CRITICAL/HIGH error, MEDIUM warning, LOW/UNKNOWN note.
LEVEL: dict[Severity, str] = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "note",
    Severity.INFO: "note",
}
# GitHub limits: shortDescription 1024 characters, rule name 255, 25,000 results per run (a hard
# limit: "Analysis SARIF file rejected due to result limits", github/docs results-exceed-limit.md).
MAX_RESULTS = 25_000
_SHORT_DESCRIPTION_MAX = 1024
_NAME_MAX = 255
_WORD = re.compile(r"[A-Za-z0-9]+")
_WINDOWS_DRIVE = re.compile(r"^[A-Za-z]:/")


def render_sarif(report: ScanReport, *, information_uri: str = INFORMATION_URI, max_results: int = MAX_RESULTS) -> str:
    """Render the report as a SARIF 2.1.0 log with one run; results for failed and suppressed findings.

    GitHub rejects a run with more than 25,000 results outright, so beyond ``max_results`` the
    least important are left out (suppressed before failing, lower severity first) and a tool
    notification says how many; the JSON report always has everything.
    """
    rule_index = {meta.id: index for index, meta in enumerate(report.rules)}
    cluster = report.scan.target.name or report.scan.target.kind
    reportable = [finding for finding in report.findings if finding.status in ("fail", "suppressed")]
    omitted = 0
    if len(reportable) > max_results:
        keep = sorted(range(len(reportable)), key=lambda i: _importance(reportable[i]))[:max_results]
        omitted = len(reportable) - max_results
        reportable = [reportable[i] for i in sorted(keep)]
    driver: dict[str, Any] = {
        "name": report.tool.name or "kubeward",
        "semanticVersion": report.tool.version,
        "rules": [_rule(meta, information_uri) for meta in report.rules],
    }
    if information_uri:
        driver["informationUri"] = information_uri
    run: dict[str, Any] = {
        "tool": {"driver": driver},
        "automationDetails": {"id": f"kubeward/{cluster}/"},
        "invocations": [_invocation(report, omitted)],
        "results": [_result(finding, rule_index, cluster) for finding in reportable],
        # The rollout plan: steps in order, each with its findings (fingerprints), fix texts and the
        # kubeward harden commands that write the fix.
        "properties": {"rolloutPlan": plan_data(report)},
    }
    log = {"$schema": SARIF_SCHEMA_URI, "version": SARIF_VERSION, "runs": [run]}
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"


def _importance(finding: Finding) -> tuple[int, int]:
    """Sort key, most important first: unsuppressed failures, then worst severity."""
    return (0 if finding.status == "fail" else 1, -finding.severity.rank)


def rule_name(meta: RuleMeta) -> str:
    """Derive a PascalCase identifier from the title (SARIF ``name`` is an identifier, not prose)."""
    words = _WORD.findall(meta.title)
    name = "".join(word[:1].upper() + word[1:] for word in words) or meta.id.replace("-", "")
    return name[:_NAME_MAX]


def rule_tags(meta: RuleMeta) -> list[str]:
    """``security``, ``kubernetes``, the objective, the area, and ``cis`` when a CIS id maps to it."""
    tags = ["security", "kubernetes", meta.objective.value, meta.area.lower()]
    if meta.cis:
        tags.append("cis")
    return list(dict.fromkeys(tags))


def _rule(meta: RuleMeta, information_uri: str) -> dict[str, Any]:
    return {
        "id": meta.id,
        "name": rule_name(meta),
        "shortDescription": {"text": _nonempty(meta.title, meta.id)[:_SHORT_DESCRIPTION_MAX]},
        "fullDescription": {"text": _nonempty(meta.rationale, meta.title)},
        "help": {"text": help_text(meta), "markdown": help_markdown(meta, information_uri)},
        "defaultConfiguration": {"level": LEVEL[meta.severity]},
        "properties": {
            "tags": rule_tags(meta),
            "security-severity": SECURITY_SEVERITY[meta.severity],
            "precision": "high",
        },
    }


def help_text(meta: RuleMeta) -> str:
    """Plain-text help: remediation, the generated fix, CIS ids, references."""
    parts = [_nonempty(meta.remediation, meta.title)]
    if meta.fix:
        parts.append(f"Fix:\n{meta.fix.strip()}")
    if meta.cis:
        parts.append("CIS Kubernetes Benchmark: " + ", ".join(meta.cis))
    if meta.references:
        parts.append("References:\n" + "\n".join(f"- {ref}" for ref in meta.references))
    return "\n\n".join(parts)


def help_markdown(meta: RuleMeta, information_uri: str) -> str:
    """Markdown help (GitHub shows it instead of the text); links live here because GitHub ignores helpUri."""
    parts = [f"**{meta.id}: {meta.title}**", _nonempty(meta.remediation, meta.title)]
    if meta.fix:
        fence = "````" if "```" in meta.fix else "```"
        parts.append(f"Fix:\n\n{fence}\n{meta.fix.strip()}\n{fence}")
    if meta.cis:
        parts.append("CIS Kubernetes Benchmark: " + ", ".join(meta.cis))
    if meta.references:
        parts.append("References:\n\n" + "\n".join(f"- <{ref}>" for ref in meta.references))
    more = f" or see <{information_uri}>" if information_uri else ""
    parts.append(f"Run `kubeward rules explain {meta.id}`{more}.")
    return "\n\n".join(parts)


def _result(finding: Finding, rule_index: dict[str, int], cluster: str) -> dict[str, Any]:
    uri, provenance = artifact_uri(finding, cluster)
    start_line = provenance.line if provenance is not None and provenance.line else 1
    start_column = provenance.column if provenance is not None and provenance.column else 1
    result: dict[str, Any] = {"ruleId": finding.rule_id}
    if finding.rule_id in rule_index:
        result["ruleIndex"] = rule_index[finding.rule_id]
    result["level"] = LEVEL[finding.severity]
    result["message"] = {"text": result_message(finding)}
    result["locations"] = [
        {
            "physicalLocation": {
                "artifactLocation": {"uri": uri},
                "region": {
                    "startLine": start_line,
                    "startColumn": start_column,
                    "endLine": start_line,
                    "endColumn": start_column + 1,
                },
            },
            "logicalLocations": [
                {
                    "name": _nonempty(finding.resource.name, finding.resource.kind),
                    "fullyQualifiedName": finding.resource.key(),
                    "kind": "resource",
                }
            ],
        }
    ]
    result["partialFingerprints"] = {
        FINGERPRINT_KEY: finding.fingerprint,
        KUBEWARD_FINGERPRINT_KEY: finding.fingerprint,
    }
    if finding.status == "suppressed":
        result["suppressions"] = [_suppression(finding)]
    result["properties"] = {
        "objective": finding.objective.value,
        "severity": finding.severity.value,
        "resource": finding.resource.key(),
    }
    return result


def result_message(finding: Finding) -> str:
    """``<resource>: <message> (evidence: setting=value (source))``: readable where GitHub cannot annotate."""
    text = f"{finding.resource.key()}: {one_line(finding.message) or finding.title}"
    evidence = evidence_text(finding.evidence)
    if evidence:
        text += f" (evidence: {evidence})"
    return text


def _suppression(finding: Finding) -> dict[str, Any]:
    suppression = finding.suppression
    if suppression is None:
        return {"kind": "external", "justification": "suppressed"}
    # An annotation lives on the object itself ("in source"); ignore files and baselines do not.
    kind = "inSource" if suppression.kind == "annotation" else "external"
    entry: dict[str, Any] = {
        "kind": kind,
        "justification": _nonempty(one_line(suppression.reason), f"suppressed by {suppression.kind}"),
    }
    properties: dict[str, str] = {"kubewardKind": suppression.kind}
    if suppression.source:
        properties["source"] = suppression.source
    if suppression.expires:
        properties["expires"] = suppression.expires
    entry["properties"] = properties
    return entry


def artifact_uri(finding: Finding, cluster: str) -> tuple[str, Provenance | None]:
    """Return the location's URI and the provenance its region comes from.

    A file wins (the evidence's file, else the resource's, which is where a defaulted value's fix
    goes); anything else gets the resource's synthetic path, at line 1.
    """
    provenance = primary_provenance(finding)
    for candidate in (provenance, finding.resource.provenance):
        if candidate is not None and candidate.kind == "file":
            return file_uri(candidate.source), candidate
    return synthetic_uri(cluster, finding.resource.namespace, finding.resource.kind, finding.resource.name), None


def file_uri(path: str) -> str:
    """Make a relative, percent-encoded URI of a path as the user gave it.

    Absolute paths (a node's ``/etc/kubernetes/manifests/...``) lose their leading slash (and drive)
    rather than becoming ``file://`` URIs: GitHub only resolves relative paths, and the result stays
    the same on every machine that scans the same layout.
    """
    normalized = path.replace("\\", "/")
    normalized = _WINDOWS_DRIVE.sub("", normalized)
    normalized = posixpath.normpath(normalized).lstrip("/")
    if normalized in ("", "."):
        normalized = "unknown"
    return quote(normalized, safe="/")


def synthetic_uri(cluster: str, namespace: str, kind: str, name: str) -> str:
    """``k8s/<cluster>/<namespace or _cluster>/<kind>/<name>.yaml``, each segment percent-encoded."""
    segments = [
        cluster or "cluster",
        namespace or CLUSTER_SCOPED_SEGMENT,
        kind or "object",
        name or "unnamed",
    ]
    encoded = [_segment(segment) for segment in segments]
    return "k8s/" + "/".join(encoded[:3]) + f"/{encoded[3]}.yaml"


def _segment(text: str) -> str:
    encoded = quote(text, safe="")
    if encoded in (".", ".."):
        return encoded.replace(".", "%2E")
    return encoded


def _invocation(report: ScanReport, omitted: int) -> dict[str, Any]:
    """Tell the consumer what could not be collected: GitHub shows these on its tool status page."""
    notifications: list[dict[str, Any]] = []
    if omitted:
        text = (
            f"{omitted} results left out: GitHub code scanning rejects runs with more than "
            f"{MAX_RESULTS} results; the JSON report lists every finding"
        )
        notifications.append({"level": "warning", "message": {"text": text}})
    for record in report.scan.missing:
        text = f"{record.part} not collected ({record.status})"
        if record.reason:
            text += f": {one_line(record.reason)}"
        notifications.append({"level": "warning", "message": {"text": text}})
    for issue in report.scan.issues:
        notifications.append(
            {
                "level": "error" if issue.level == "error" else "warning",
                "message": {"text": one_line(issue.describe())},
            }
        )
    invocation: dict[str, Any] = {"executionSuccessful": True}
    if notifications:
        invocation["toolExecutionNotifications"] = notifications
    return invocation


def _nonempty(text: str, fallback: str) -> str:
    return text if text.strip() else fallback
