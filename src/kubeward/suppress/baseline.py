"""Baselines: accept today's failures so that only new ones fail the build.

A baseline lists fingerprints (rule, object identity, setting; never line numbers — see
``kubeward.findings.fingerprint``), so reformatting a manifest does not make old findings new.
The file is sorted JSON, one entry per failure, so it diffs well in review::

    {
      "kubewardBaseline": 1,
      "createdAt": "2025-01-31T12:00:00Z",
      "fingerprints": [{"fingerprint": "...", "rule_id": "KW-RBAC-001", "resource": "ClusterRoleBinding/ci"}]
    }

``rule_id`` and ``resource`` are there for the reviewer; matching uses the fingerprint alone.
"""

import datetime
from collections.abc import Iterable
from pathlib import Path

import msgspec

from kubeward.findings import Finding, Suppression

BASELINE_FORMAT = 1
DEFAULT_BASELINE_FILE = ".kubeward-baseline.json"
# A baseline of a very large fleet is a few MB; anything far beyond is the wrong file.
MAX_BASELINE_BYTES = 256 * 1024 * 1024


class BaselineError(Exception):
    """The baseline file is unreadable, not a baseline, or from a newer kubeward."""


class BaselineEntry(msgspec.Struct, frozen=True):
    """One accepted failure."""

    fingerprint: str
    rule_id: str
    resource: str


class _Header(msgspec.Struct):
    format: int | None = msgspec.field(default=None, name="kubewardBaseline")


class _BaselineDocument(msgspec.Struct, frozen=True):
    format: int = msgspec.field(name="kubewardBaseline")
    created_at: str = msgspec.field(name="createdAt")
    fingerprints: tuple[BaselineEntry, ...] = ()


class Baseline(msgspec.Struct, frozen=True):
    """A loaded baseline. ``fingerprints`` is the set matching uses."""

    path: str
    created_at: str
    entries: tuple[BaselineEntry, ...]
    fingerprints: frozenset[str]

    def contains(self, finding: Finding) -> bool:
        """Tell whether this finding's fingerprint was accepted."""
        return finding.fingerprint in self.fingerprints

    def suppression(self) -> Suppression:
        """Return the suppression record baseline matches carry."""
        when = f" created {self.created_at}" if self.created_at else ""
        return Suppression(kind="baseline", reason=f"accepted in baseline{when}", source=self.path)


def create_baseline(findings: Iterable[Finding], *, created_at: datetime.datetime | None = None) -> bytes:
    """Write a baseline of the current unsuppressed failures, as file bytes.

    Findings already suppressed (annotation, ignore file) are left out on purpose: when such an
    exception expires or is removed, its findings must come back rather than hide in the baseline.
    """
    when = created_at or datetime.datetime.now(datetime.UTC)
    if when.tzinfo is not None:
        when = when.astimezone(datetime.UTC)
    entries: dict[str, BaselineEntry] = {}
    for finding in findings:
        if finding.status == "fail":
            entries.setdefault(
                finding.fingerprint,
                BaselineEntry(
                    fingerprint=finding.fingerprint, rule_id=finding.rule_id, resource=finding.resource.key()
                ),
            )
    document = _BaselineDocument(
        format=BASELINE_FORMAT,
        created_at=when.replace(microsecond=0, tzinfo=None).isoformat() + "Z",
        fingerprints=tuple(sorted(entries.values(), key=lambda e: (e.rule_id, e.resource, e.fingerprint))),
    )
    return msgspec.json.format(msgspec.json.encode(document), indent=2) + b"\n"


def load_baseline(path: Path) -> Baseline:
    """Read a baseline file."""
    try:
        size = path.stat().st_size
        if size > MAX_BASELINE_BYTES:
            raise BaselineError(f"{path}: {size} bytes is too large for a baseline")
        data = path.read_bytes()
    except OSError as exc:
        raise BaselineError(f"{path}: cannot read baseline: {exc.strerror or exc}") from exc
    return parse_baseline(data, source=str(path))


def parse_baseline(data: bytes, *, source: str) -> Baseline:
    """Validate baseline bytes; ``source`` names the file in errors and suppression records."""
    try:
        header = msgspec.json.decode(data, type=_Header)
    except msgspec.DecodeError as exc:
        raise BaselineError(f"{source}: not a kubeward baseline: {exc}") from exc
    if header.format is None:
        raise BaselineError(f"{source}: not a kubeward baseline (no 'kubewardBaseline' version)")
    if header.format != BASELINE_FORMAT:
        raise BaselineError(
            f"{source}: baseline format {header.format} is not supported (this kubeward reads format {BASELINE_FORMAT})"
        )
    try:
        document = msgspec.json.decode(data, type=_BaselineDocument)
    except msgspec.DecodeError as exc:
        raise BaselineError(f"{source}: invalid baseline: {exc}") from exc
    return Baseline(
        path=source,
        created_at=document.created_at,
        entries=document.fingerprints,
        fingerprints=frozenset(entry.fingerprint for entry in document.fingerprints),
    )
