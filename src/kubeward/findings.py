"""Results of rules and the findings reports are made of.

A check yields ``Result``s; the engine turns them into ``Finding``s (rule metadata, fingerprint);
suppression marks some as suppressed; reporters render the rest. Nothing in here holds secret
material: evidence values are settings and names, never credentials.
"""

import hashlib
from typing import Any, Literal

import msgspec

from kubeward.checks.rule import Objective, RuleMeta, Severity
from kubeward.inventory.provenance import Provenance

Status = Literal["pass", "fail", "not_assessable", "not_applicable", "suppressed"]
STATUSES: tuple[Status, ...] = ("pass", "fail", "not_assessable", "not_applicable", "suppressed")

EvidenceSource = Literal["flag", "config-file", "default", "configz", "api-object", "provider", "probe", "derived"]

# Annotation prefix that suppresses one rule on one object, and the one that suppresses all.
IGNORE_ANNOTATION_PREFIX = "ignore-check.kubeward.dev/"
IGNORE_ALL_ANNOTATION = "kubeward.dev/ignore-all"


class Resource(msgspec.Struct, frozen=True, omit_defaults=True):
    """What a result is about: an API object, a component instance, a file, or the cluster.

    ``ignore_annotations`` carries the object's kubeward ignore annotations (and only those), so
    suppression needs nothing but the finding.
    """

    kind: str
    name: str
    namespace: str = ""
    api_version: str = ""
    provenance: Provenance | None = None
    ignore_annotations: dict[str, str] = {}

    def key(self) -> str:
        """Stable identity used in fingerprints and messages: ``Kind/namespace/name``."""
        if self.namespace:
            return f"{self.kind}/{self.namespace}/{self.name}"
        return f"{self.kind}/{self.name}"


class Evidence(msgspec.Struct, frozen=True, omit_defaults=True):
    """Why a verdict was reached.

    For configuration rules ``setting`` names component and flag or field (``kube-apiserver
    --anonymous-auth``, ``kubelet authentication.anonymous.enabled``), ``value`` is the effective
    value and ``source`` says what decided it (``flag``, ``config-file``, ``default``, ...).
    """

    setting: str = ""
    value: Any = None
    source: EvidenceSource | None = None
    detail: str = ""
    provenance: Provenance | None = None


class Result(msgspec.Struct, frozen=True, omit_defaults=True):
    """One verdict of one rule on one resource."""

    rule_id: str
    status: Status
    resource: Resource
    message: str
    evidence: Evidence = Evidence()


class Suppression(msgspec.Struct, frozen=True, omit_defaults=True):
    """Why a finding is suppressed: an ignore-file entry, a baseline entry, or an object annotation."""

    kind: Literal["ignore-file", "baseline", "annotation"]
    reason: str
    source: str = ""
    expires: str = ""


class Finding(msgspec.Struct, frozen=True, omit_defaults=True, kw_only=True):
    """A result with its rule's metadata, a stable fingerprint and, if any, its suppression."""

    rule_id: str
    title: str
    objective: Objective
    severity: Severity
    status: Status
    resource: Resource
    message: str
    evidence: Evidence
    remediation: str
    cis: tuple[str, ...] = ()
    fingerprint: str
    suppression: Suppression | None = None
    original_status: Status | None = None

    @property
    def failed(self) -> bool:
        """True for a failure that is not suppressed."""
        return self.status == "fail"


def fingerprint(rule_id: str, resource: Resource, evidence: Evidence) -> str:
    """A content fingerprint that survives edits elsewhere in a file: rule, object identity and the
    setting the evidence names; never line numbers.
    """
    material = "\x1f".join((rule_id, resource.api_version, resource.key(), evidence.setting))
    return hashlib.sha256(material.encode()).hexdigest()[:32]


def to_finding(result: Result, rule: RuleMeta) -> Finding:
    """Attach rule metadata and a fingerprint to a result."""
    return Finding(
        rule_id=rule.id,
        title=rule.title,
        objective=rule.objective,
        severity=rule.severity,
        status=result.status,
        resource=result.resource,
        message=result.message,
        evidence=result.evidence,
        remediation=rule.remediation,
        cis=rule.cis,
        fingerprint=fingerprint(rule.id, result.resource, result.evidence),
    )
