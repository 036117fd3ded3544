"""Suppression: object annotations, the ignore file and the baseline, applied in that order.

Only ``fail`` findings can be suppressed: a pass needs no exception, and a ``not_assessable`` check
must stay visible because nobody can accept a risk nobody could assess. A suppressed finding keeps
``original_status`` and a ``suppression`` record naming the mechanism, reason and source, and is
reported (``suppressed`` in JSON and SARIF), never dropped. The first mechanism that matches is
recorded: an annotation is the most specific statement about one object, an ignore-file entry a
reviewed exception, a baseline a bulk "known before today".

Warnings (expired ignore entries, annotations with empty reasons) are ``InputIssue``s of level
``warning``: the CLI can add them to ``ScanInfo.issues`` so every report shows them without marking
the scan incomplete.
"""

import datetime
from collections.abc import Iterable

import msgspec

from kubeward.findings import Finding, Suppression
from kubeward.inventory.model import InputIssue
from kubeward.suppress.annotations import annotation_suppression
from kubeward.suppress.baseline import Baseline, BaselineError, create_baseline, load_baseline, parse_baseline
from kubeward.suppress.ignorefile import (
    DEFAULT_IGNORE_FILE,
    IgnoreEntry,
    IgnoreFile,
    IgnoreFileError,
    find_ignore_file,
    load_ignore_file,
    parse_ignore_file,
)

__all__ = [
    "DEFAULT_IGNORE_FILE",
    "Baseline",
    "BaselineError",
    "IgnoreFile",
    "IgnoreFileError",
    "SuppressionOutcome",
    "apply_suppressions",
    "create_baseline",
    "find_ignore_file",
    "load_baseline",
    "load_ignore_file",
    "parse_baseline",
    "parse_ignore_file",
]


class SuppressionOutcome(msgspec.Struct, frozen=True):
    """Findings after suppression (same order as given) and the warnings suppression produced."""

    findings: tuple[Finding, ...]
    warnings: tuple[InputIssue, ...] = ()

    def counts(self) -> dict[str, int]:
        """Suppressed findings per mechanism (``annotation``, ``ignore-file``, ``baseline``)."""
        counts: dict[str, int] = {}
        for finding in self.findings:
            if finding.suppression is not None:
                counts[finding.suppression.kind] = counts.get(finding.suppression.kind, 0) + 1
        return counts


def apply_suppressions(
    findings: Iterable[Finding],
    *,
    ignore_file: IgnoreFile | None,
    baseline: Baseline | None,
    honor_annotations: bool,
    today: datetime.date,
) -> SuppressionOutcome:
    """Mark failing findings suppressed by annotation, then ignore file, then baseline."""
    active: list[IgnoreEntry] = []
    expired: list[IgnoreEntry] = []
    if ignore_file is not None:
        for entry in ignore_file.entries:
            (expired if entry.expired(today) else active).append(entry)
    expired_hits = dict.fromkeys(range(len(expired)), 0)
    warnings: dict[tuple[str, str], InputIssue] = {}
    result: list[Finding] = []
    for finding in findings:
        if finding.status != "fail":
            result.append(finding)
            continue
        suppression: Suppression | None = None
        if honor_annotations:
            suppression, found = annotation_suppression(finding)
            for warning in found:
                warnings.setdefault((warning.input, warning.message), warning)
        if suppression is None and ignore_file is not None:
            suppression = _ignore_file_match(ignore_file, active, finding)
            for position, entry in enumerate(expired):
                if suppression is None and entry.matches(finding):
                    expired_hits[position] += 1
        if suppression is None and baseline is not None and baseline.contains(finding):
            suppression = baseline.suppression()
        if suppression is None:
            result.append(finding)
        else:
            result.append(
                msgspec.structs.replace(finding, status="suppressed", original_status="fail", suppression=suppression)
            )
    issues = list(warnings.values())
    if ignore_file is not None:
        issues += [_expired_warning(ignore_file, entry, expired_hits[i]) for i, entry in enumerate(expired)]
    return SuppressionOutcome(findings=tuple(result), warnings=tuple(issues))


def _ignore_file_match(ignore_file: IgnoreFile, active: list[IgnoreEntry], finding: Finding) -> Suppression | None:
    for entry in active:
        if entry.matches(finding):
            return ignore_file.suppression(entry)
    return None


def _expired_warning(ignore_file: IgnoreFile, entry: IgnoreEntry, hits: int) -> InputIssue:
    assert entry.expired_at is not None
    noun = "finding" if hits == 1 else "findings"
    return InputIssue(
        input=ignore_file.path,
        line=entry.line,
        level="warning",
        message=(
            f"ignore[{entry.index}] ({entry.id}) expired on {entry.expired_at.isoformat()} and no longer "
            f"suppresses ({hits} matching {noun}); renew it with a new statement or remove it"
        ),
    )
