"""Object annotations that suppress a rule on that object (kube-linter's model, conventions §A1.7).

``ignore-check.kubeward.dev/<RULE-ID>: "<reason>"`` silences one rule, ``kubeward.dev/ignore-all:
"<reason>"`` every rule. The reason is mandatory: an empty one is not honoured and produces a
warning, because a silent mute with no explanation is exactly what an auditor cannot review.
Anyone who can patch an object can set these, so the CLI can switch them off
(``--no-annotation-ignores``) and they are always reported as suppressed, never dropped.
"""

from kubeward.findings import IGNORE_ALL_ANNOTATION, IGNORE_ANNOTATION_PREFIX, Finding, Suppression
from kubeward.inventory.model import InputIssue


def annotation_suppression(finding: Finding) -> tuple[Suppression | None, list[InputIssue]]:
    """Return the suppression the finding's object asks for, if honoured, and empty-reason warnings.

    The rule-specific annotation is looked at first, then ``ignore-all``; an empty rule-specific
    reason does not block a valid ``ignore-all``.
    """
    annotations = finding.resource.ignore_annotations
    warnings: list[InputIssue] = []
    for key in (IGNORE_ANNOTATION_PREFIX + finding.rule_id, IGNORE_ALL_ANNOTATION):
        if key not in annotations:
            continue
        reason = annotations[key].strip()
        if reason:
            return (
                Suppression(kind="annotation", reason=reason, source=f"{finding.resource.key()} annotation {key}"),
                warnings,
            )
        warnings.append(
            InputIssue(
                input=_where(finding),
                message=(f"annotation {key} has an empty reason and is not honoured; say why the finding is accepted"),
                level="warning",
            )
        )
    return None, warnings


def _where(finding: Finding) -> str:
    provenance = finding.resource.provenance
    if provenance is not None and provenance.source:
        return f"{finding.resource.key()} ({provenance.describe()})"
    return finding.resource.key()
