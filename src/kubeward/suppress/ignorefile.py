"""``.kubewardignore.yaml``: reviewed, expiring exceptions kept in the repository.

Format (a mapping with one key, ``ignore``, so later versions can add top-level keys without breaking
old files; a bare list is refused with a hint)::

    ignore:
      - id: KW-RBAC-001                 # required, one rule id
        match:                          # optional; all given fields must match (fnmatch globs)
          namespace: "ci-*"
          kind: ClusterRoleBinding
          name: "argo-*"
        paths: ["clusters/prod/*.yaml"] # optional; globs on the provenance source (file or API path)
        statement: "CI needs it until the runner migration (JIRA-123)"   # required
        expired_at: 2025-06-30          # optional; from this date on the entry no longer suppresses

Globs are ``fnmatch`` globs, case-sensitive, and ``*`` also matches ``/``. An entry without
``match`` and ``paths`` suppresses the rule everywhere. Expiry follows trivy's ``expired_at`` (the
entry stops applying on that date; trivy ``docs/docs/configuration/filtering.md``). Every error names
the file, the entry (``ignore[2]``) and its line, so a bad entry is fixed at once rather than silently
ignoring nothing.
"""

import datetime
import fnmatch
from collections.abc import Callable
from pathlib import Path
from typing import Any

import msgspec

from kubeward.checks.rule import RULE_ID
from kubeward.findings import Finding, Suppression
from kubeward.inputs.safeload import LoadError, YamlDocument, load_yaml

DEFAULT_IGNORE_FILE = ".kubewardignore.yaml"
# Larger than any hand-written exception list; keeps a mistaken path (a dump) from being parsed.
MAX_IGNORE_FILE_BYTES = 4 * 1024 * 1024

_ENTRY_KEYS = frozenset({"id", "match", "paths", "statement", "expired_at"})
_MATCH_KEYS = ("namespace", "kind", "name")

# Builds the error for one entry, at the line of the named key.
_Fail = Callable[[str, str], "IgnoreFileError"]


class IgnoreFileError(Exception):
    """The ignore file is unreadable or an entry is invalid; the message says where."""


class IgnoreEntry(msgspec.Struct, frozen=True, kw_only=True):
    """One exception. ``index`` is its position in ``ignore`` and ``line`` its line in the file."""

    index: int
    line: int
    id: str
    statement: str
    namespace: str | None = None
    kind: str | None = None
    name: str | None = None
    paths: tuple[str, ...] = ()
    expired_at: datetime.date | None = None

    def expired(self, today: datetime.date) -> bool:
        """Tell whether the entry has expired: from ``expired_at`` on, it has."""
        return self.expired_at is not None and today >= self.expired_at

    def matches(self, finding: Finding) -> bool:
        """Match the same rule, every given glob on the resource, and some path glob on a provenance."""
        if finding.rule_id != self.id:
            return False
        resource = finding.resource
        for pattern, value in (
            (self.namespace, resource.namespace),
            (self.kind, resource.kind),
            (self.name, resource.name),
        ):
            if pattern is not None and not fnmatch.fnmatchcase(value, pattern):
                return False
        if self.paths:
            sources = _provenance_sources(finding)
            return any(fnmatch.fnmatchcase(source, pattern) for source in sources for pattern in self.paths)
        return True


class IgnoreFile(msgspec.Struct, frozen=True):
    """A parsed ignore file: where it came from and its entries in file order."""

    path: str
    entries: tuple[IgnoreEntry, ...] = ()

    def suppression(self, entry: IgnoreEntry) -> Suppression:
        """Return the suppression record an entry puts on the findings it matches."""
        return Suppression(
            kind="ignore-file",
            reason=entry.statement,
            source=f"{self.path}:{entry.line} ignore[{entry.index}]",
            expires=entry.expired_at.isoformat() if entry.expired_at is not None else "",
        )


def find_ignore_file(directory: Path) -> Path | None:
    """``.kubewardignore.yaml`` in ``directory`` (the CLI passes the working directory), if present."""
    candidate = directory / DEFAULT_IGNORE_FILE
    return candidate if candidate.is_file() else None


def load_ignore_file(path: Path) -> IgnoreFile:
    """Read and validate an ignore file."""
    try:
        size = path.stat().st_size
        if size > MAX_IGNORE_FILE_BYTES:
            raise IgnoreFileError(f"{path}: {size} bytes is too large for an ignore file")
        data = path.read_bytes()
    except OSError as exc:
        raise IgnoreFileError(f"{path}: cannot read ignore file: {exc.strerror or exc}") from exc
    return parse_ignore_file(data, source=str(path))


def parse_ignore_file(text: str | bytes, *, source: str) -> IgnoreFile:
    """Validate ignore-file text; ``source`` names it in errors and suppression records."""
    try:
        documents = load_yaml(text, key_lines=True)
    except LoadError as exc:
        where = f"{source}:{exc.line}" if exc.line is not None else source
        raise IgnoreFileError(f"{where}: {exc.message}") from exc
    if not documents:
        return IgnoreFile(path=source)
    if len(documents) > 1:
        raise IgnoreFileError(f"{source}:{documents[1].line}: an ignore file holds one YAML document")
    document = documents[0]
    root = document.value
    if isinstance(root, list):
        raise IgnoreFileError(
            f"{source}:{document.line}: expected a mapping with an 'ignore' list; "
            "put the entries under a top-level 'ignore:' key"
        )
    if not isinstance(root, dict):
        raise IgnoreFileError(f"{source}:{document.line}: expected a mapping with an 'ignore' list")
    unknown = sorted(set(root) - {"ignore"})
    if unknown:
        line = document.lines.get(unknown[0], document.line)
        raise IgnoreFileError(f"{source}:{line}: unknown top-level key {unknown[0]!r} (only 'ignore' is allowed)")
    items = root.get("ignore")
    if items is None:
        return IgnoreFile(path=source)
    if not isinstance(items, list):
        raise IgnoreFileError(f"{source}:{document.lines.get('ignore', document.line)}: 'ignore' must be a list")
    entries = tuple(_entry(item, index, document, source) for index, item in enumerate(items))
    return IgnoreFile(path=source, entries=entries)


def _entry(item: Any, index: int, document: YamlDocument, source: str) -> IgnoreEntry:
    prefix = f"ignore.{index}"
    line = document.lines.get(prefix, document.line)

    def fail(message: str, key: str) -> IgnoreFileError:
        at = document.lines.get(f"{prefix}.{key}", line) if key else line
        return IgnoreFileError(f"{source}:{at}: ignore[{index}]: {message}")

    if not isinstance(item, dict):
        raise fail("each entry must be a mapping with 'id' and 'statement'", "")
    unknown = sorted(set(item) - _ENTRY_KEYS)
    if unknown:
        raise fail(f"unknown key {unknown[0]!r} (allowed: {', '.join(sorted(_ENTRY_KEYS))})", unknown[0])
    rule_id = item.get("id")
    if not isinstance(rule_id, str) or not rule_id:
        raise fail("'id' is required (a rule id such as KW-RBAC-001)", "id")
    if not RULE_ID.match(rule_id):
        raise fail(f"'id' {rule_id!r} is not a rule id of the form KW-<AREA>-NNN", "id")
    statement = item.get("statement")
    if not isinstance(statement, str) or not statement.strip():
        raise fail("'statement' is required: say why this finding is accepted", "statement")
    globs = _match(item.get("match"), fail)
    paths = _paths(item.get("paths"), fail)
    return IgnoreEntry(
        index=index,
        line=line,
        id=rule_id,
        statement=statement.strip(),
        namespace=globs.get("namespace"),
        kind=globs.get("kind"),
        name=globs.get("name"),
        paths=paths,
        expired_at=_date(item.get("expired_at"), fail),
    )


def _match(value: Any, fail: _Fail) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise fail("'match' must be a mapping of namespace, kind and name globs", "match")
    unknown = sorted(set(value) - set(_MATCH_KEYS))
    if unknown:
        raise fail(f"'match' has unknown key {unknown[0]!r} (allowed: namespace, kind, name)", f"match.{unknown[0]}")
    globs: dict[str, str] = {}
    for key in _MATCH_KEYS:
        if key not in value:
            continue
        glob = value[key]
        if not isinstance(glob, str):
            raise fail(f"'match.{key}' must be a string glob", f"match.{key}")
        globs[key] = glob
    return globs


def _paths(value: Any, fail: _Fail) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(p, str) and p for p in value):
        raise fail("'paths' must be a list of non-empty glob strings", "paths")
    return tuple(_normalize(p) for p in value)


def _date(value: Any, fail: _Fail) -> datetime.date | None:
    if value is None:
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, str):
        try:
            return datetime.date.fromisoformat(value)
        except ValueError:
            pass
    raise fail(f"'expired_at' {value!r} is not a date of the form YYYY-MM-DD", "expired_at")


def _normalize(path: str) -> str:
    """Compare paths as written, minus a leading ``./`` and with forward slashes."""
    path = path.replace("\\", "/")
    while path.startswith("./"):
        path = path[2:]
    return path


def _provenance_sources(finding: Finding) -> list[str]:
    sources = []
    for provenance in (finding.resource.provenance, finding.evidence.provenance):
        if provenance is not None and provenance.source:
            sources.append(_normalize(provenance.source))
    return sources
