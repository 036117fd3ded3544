"""Stream audit events from JSON-lines files, gzip, rotated sets and folders — in time order, never all in memory.

The log backend (``plugin/pkg/audit/log/backend.go``, kubernetes v1.35) writes one compact JSON Event per line
and rotates with lumberjack: backups are named ``<name>-<YYYY-MM-DDTHH-MM-SS.mmm>.<ext>`` (``.gz`` with
``--audit-log-compress``) and the live file keeps the plain name; logrotate-style sets use ``audit.log.1``
(newest backup) ``audit.log.2`` ... So a set is read oldest first: lumberjack backups by their timestamp,
then numbered backups from the highest number down, then the live file.

Bad input never stops the read: malformed lines are counted and the first few reported as ``file:line``,
JSON that is not an audit event is counted and skipped, a truncated gzip stream keeps the events before the
cut and is reported, an unreadable file is reported and the next one is read.
"""

import dataclasses
import queue
import re
import threading
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, cast

import msgspec
from isal import isal_zlib

from kubeward.audit.events import managed
from kubeward.audit.events.model import Event, EventList
from kubeward.audit.events.prefilter import SelectsLines

MAX_REPORTED = 5
"""How many problems of each kind are reported with their location; all are counted."""

MAX_LINE = 64 << 20
"""Longest line kept (the apiserver's own event limits are far below: 100 KiB truncation, 12 MiB webhook batches);
a longer line is skipped as malformed instead of growing memory without bound."""

GZIP_ERRORS: tuple[type[Exception], ...] = (EOFError, zlib.error, cast("type[Exception]", isal_zlib.error))
"""A cut or corrupt gzip stream, whichever inflater reports it."""

_CHUNK = 1 << 20
GZIP_MAGIC = b"\x1f\x8b"
_LUMBERJACK = re.compile(
    r"^(?P<stem>.+)-(?P<ts>\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}(?:\.\d+)?)(?P<ext>\.[^.]+)(?:\.gz)?$"
)
_NUMBERED = re.compile(r"^(?P<base>.+?)\.(?P<n>\d+)(?:\.gz)?$")

MAX_DOCUMENT = 512 << 20
"""Largest whole-file JSON document (a pretty-printed export) read into memory; JSON lines have no limit."""

_DECODER = msgspec.json.Decoder(Event)
_ITEMS = msgspec.json.Decoder(list[msgspec.Raw])
_LIST_DECODER = msgspec.json.Decoder(EventList)


@dataclass(frozen=True)
class ReadIssue:
    """One problem with the input, located as precisely as we can (line 0 = the whole file)."""

    path: str
    line: int
    message: str
    kind: str = ""

    def describe(self) -> str:
        """``file:line: message``."""
        return f"{self.path}:{self.line}: {self.message}" if self.line else f"{self.path}: {self.message}"


@dataclass
class ReadStats:
    """What the read saw and what it skipped."""

    files: int = 0
    lines: int = 0
    events: int = 0
    bad_lines: int = 0
    non_audit: int = 0
    truncated_files: int = 0
    unreadable_files: int = 0
    issues: list[ReadIssue] = field(default_factory=list)
    _reported: dict[str, int] = field(default_factory=dict)

    def report(self, kind: str, issue: ReadIssue) -> None:
        """Keep the first ``MAX_REPORTED`` issues of each kind."""
        seen = self._reported.get(kind, 0)
        if seen < MAX_REPORTED:
            self.issues.append(dataclasses.replace(issue, kind=kind))
        self._reported[kind] = seen + 1

    def merge(self, later: "ReadStats", line_offset: int = 0) -> None:
        """Add the counts of a read of a later part; its line numbers are shifted by ``line_offset``."""
        for name in ("files", "lines", "events", "bad_lines", "non_audit", "truncated_files", "unreadable_files"):
            setattr(self, name, getattr(self, name) + getattr(later, name))
        for issue in later.issues:
            self.report(issue.kind, dataclasses.replace(issue, line=issue.line + line_offset if issue.line else 0))
        for kind, count in later._reported.items():
            self._reported[kind] = self._reported.get(kind, 0) + count - min(count, MAX_REPORTED)

    @property
    def incomplete(self) -> bool:
        """Some audit data could not be read (non-audit JSON is not audit data, so it does not count)."""
        return bool(self.bad_lines or self.truncated_files or self.unreadable_files)


def _rotation_key(path: Path) -> tuple[str, int, str, int]:
    """Sort key putting one rotated set oldest first; different sets are ordered by name."""
    name = path.name
    match = _LUMBERJACK.match(name)
    if match:
        return (str(path.parent / (match["stem"] + match["ext"])), 0, match["ts"], 0)
    match = _NUMBERED.match(name)
    if match:
        return (str(path.parent / match["base"]), 1, "", -int(match["n"]))
    base = name.removesuffix(".gz")
    return (str(path.parent / base), 2, "", 0)


def expand(paths: Iterable[Path]) -> list[Path]:
    """Files to read: folders are walked (hidden files skipped), then everything is put in rotation order."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(p for p in path.rglob("*") if p.is_file() and not p.name.startswith("."))
        else:
            files.append(path)
    return sorted(dict.fromkeys(files), key=_rotation_key)


class TruncatedGzipError(EOFError):
    """The gzip stream ended before its end-of-stream marker (a file copied while being written, a cut download)."""


def _inflater() -> isal_zlib.Decompress:
    """ISA-L's inflate (python-isal): the zlib API at twice zlib's speed, which matters when decompression
    runs beside the parsing workers.
    """
    return isal_zlib.decompressobj(wbits=31)


def _gunzip(raw: BinaryIO) -> Iterator[bytes]:
    """Decompress gzip members one after another, yielding every byte recovered before a cut (``GzipFile.read``
    drops the buffer it was filling when the stream ends early) and never more than ``_CHUNK`` bytes per step,
    so a gzip bomb cannot blow up memory.
    """
    inflater = _inflater()
    fed = False
    while data := raw.read(_CHUNK):
        while data:
            if not fed and not data.strip(b"\0"):
                break  # zero padding after the last member
            fed = True
            out = inflater.decompress(data, _CHUNK)
            if out:
                yield out
            if inflater.eof:
                data = inflater.unused_data
                inflater = _inflater()
                fed = False
            else:
                data = inflater.unconsumed_tail
    if fed:
        while out := inflater.decompress(b"", _CHUNK):
            yield out
        if not inflater.eof:
            raise TruncatedGzipError("compressed file ended before the end-of-stream marker was reached")


def _threaded(chunks: Iterator[bytes]) -> Iterator[bytes]:
    """Run ``chunks`` in a thread a few chunks ahead: zlib releases the GIL while it inflates, so a gzip file
    is decompressed on one core while its lines are parsed on the other. Errors surface in the consumer.
    """
    ahead: queue.Queue[bytes | BaseException | None] = queue.Queue(maxsize=8)

    def produce() -> None:
        try:
            for chunk in chunks:
                ahead.put(chunk)
        except BaseException as exc:  # handed over to the consumer, which re-raises it
            ahead.put(exc)
        else:
            ahead.put(None)

    worker = threading.Thread(target=produce, name="gunzip", daemon=True)
    worker.start()
    while (item := ahead.get()) is not None:
        if isinstance(item, BaseException):
            raise item
        yield item


def _chunks(path: Path, start: int = 0, end: int | None = None) -> Iterator[bytes]:
    """The decompressed bytes of ``path``; for a plain file, only those of ``[start, end)``."""
    with path.open("rb") as raw:
        compressed = raw.read(2) == GZIP_MAGIC
        raw.seek(start)
        if compressed:
            yield from _threaded(_gunzip(raw))
            return
        left = (end - start) if end is not None else -1
        while left and (chunk := raw.read(_CHUNK if left < 0 else min(_CHUNK, left))):
            left -= len(chunk) if left > 0 else 0
            yield chunk


def pieces(path: Path, stats: ReadStats, size: int) -> Iterator[bytes]:
    """The decompressed bytes of ``path`` in pieces of whole lines, about ``size`` bytes each (a line longer
    than ``MAX_LINE`` is cut, and reported as malformed where it is parsed). Two copies per byte and no line
    counting: this runs beside the workers that parse the pieces. Decompression problems go to ``stats``.
    """
    pending = bytearray()
    try:
        for chunk in _chunks(path):
            pending += chunk
            if len(pending) < size:
                continue
            cut = pending.rfind(b"\n")
            if cut < 0:
                if len(pending) <= MAX_LINE:
                    continue
                cut = len(pending) - 1
            yield bytes(memoryview(pending)[: cut + 1])
            del pending[: cut + 1]
    except GZIP_ERRORS as exc:
        stats.truncated_files += 1
        stats.report("gzip", ReadIssue(str(path), 0, f"gzip stream is truncated or corrupt ({exc}); rest skipped"))
    except OSError as exc:
        stats.unreadable_files += 1
        stats.report("unreadable", ReadIssue(str(path), 0, f"cannot read: {exc.strerror or exc}"))
    if pending.strip():
        yield bytes(pending) if pending.endswith(b"\n") else bytes(pending) + b"\n"


def blocks(path: Path, stats: ReadStats, start: int = 0, end: int | None = None) -> Iterator[tuple[int, bytes]]:
    """Blocks of whole lines of one file, each with the number of its first line; a truncated or corrupt
    gzip ends the file with an issue, an unreadable file is reported. Blocks (not lines) keep the Python
    work per event small: a whole block is decoded in one call.
    """
    number = 1
    rest: list[bytes] = []
    rest_size = 0
    overlong = False
    try:
        for chunk in _chunks(path, start, end):
            cut = chunk.rfind(b"\n")
            if cut < 0:
                rest_size += len(chunk)
                if not overlong:
                    rest.append(chunk)
                if rest_size > MAX_LINE and not overlong:
                    overlong, rest = True, []
                    stats.bad_lines += 1
                    stats.report("bad", ReadIssue(str(path), number, f"line longer than {MAX_LINE} bytes, skipped"))
                continue
            if overlong:  # the end of the overlong line: drop it
                first_newline = chunk.find(b"\n")
                number += 1
                chunk, cut = chunk[first_newline + 1 :], cut - first_newline - 1
                overlong, rest, rest_size = False, [], 0
                if cut < 0:
                    rest, rest_size = [chunk], len(chunk)
                    continue
            block = b"".join([*rest, chunk[: cut + 1]])
            rest = [chunk[cut + 1 :]]
            rest_size = len(rest[0])
            yield number, block
            number += block.count(b"\n")
    except GZIP_ERRORS as exc:
        stats.truncated_files += 1
        stats.report("gzip", ReadIssue(str(path), number, f"gzip stream is truncated or corrupt ({exc}); rest skipped"))
        return
    except OSError as exc:
        stats.unreadable_files += 1
        stats.report("unreadable", ReadIssue(str(path), 0, f"cannot read: {exc.strerror or exc}"))
        return
    tail = b"".join(rest)
    if tail.strip() and not overlong:
        yield number, tail + b"\n"


def block_events(
    path: Path,
    first: int,
    block: bytes,
    stats: ReadStats,
    prefilter: SelectsLines | None = None,
    lines: int | None = None,
) -> tuple[list[Event], list[int] | None]:
    """Decode a block at once; only a block holding a bad line, non-audit JSON or an EventList is redone
    line by line, to locate and count what it skips. With a prefilter, a block of compact audit JSON has
    only its candidate lines decoded (its other lines are counted as events without being parsed), and each
    event comes with the mask of detections its line may match; otherwise the masks are None. ``lines`` is
    the block's newline count when the caller already has it.
    """
    if lines is None:
        lines = block.count(b"\n")
    stats.lines += lines
    if block[:1].isdigit():
        block = managed.EXPORT_PREFIXES.sub(b"", block)
    if prefilter is not None:
        selected = prefilter.select(block, lines)
        if selected is not None:
            try:
                candidates = _DECODER.decode_lines(selected[0])
            except msgspec.DecodeError:
                candidates = None
            if candidates is not None and all(event.is_audit_event() for event in candidates):
                stats.events += lines
                return candidates, selected[1]
    try:
        decoded = _DECODER.decode_lines(block)
    except msgspec.DecodeError:
        decoded = None
    if decoded is not None and all(event.is_audit_event() for event in decoded):
        stats.events += len(decoded)
        return decoded, None
    events: list[Event] = []
    for offset, line in enumerate(block.split(b"\n")):
        if line.strip():
            events.extend(_decode(path, first + offset, line, stats))
    stats.events += len(events)
    return events, None


def _decode(path: Path, number: int, line: bytes, stats: ReadStats) -> list[Event]:
    """One JSON value: a native event, an ``EventList``, or a managed service's wrapper (:mod:`.managed`)."""
    try:
        event = _DECODER.decode(line)
    except msgspec.DecodeError as exc:
        stripped = managed.EXPORT_PREFIX.sub(b"", line, count=1)
        if stripped is not line and len(stripped) < len(line):
            return _decode(path, number, stripped, stats)
        stats.bad_lines += 1
        stats.report("bad", ReadIssue(str(path), number, f"not a valid audit event: {exc}"))
        return []
    if event.is_audit_event():
        return [event]
    try:
        if event.kind == "EventList":
            return [item for item in _LIST_DECODER.decode(line).items if item.is_audit_event()]
        unwrapped = managed.unwrap(line)
    except msgspec.DecodeError as exc:
        stats.bad_lines += 1
        stats.report("bad", ReadIssue(str(path), number, f"not a valid audit record: {exc}"))
        return []
    if not unwrapped:
        stats.non_audit += 1
        stats.report("non-audit", ReadIssue(str(path), number, "JSON that is not an audit event (no auditID/stage)"))
        return []
    return unwrapped


def _is_document(head: bytes) -> bool:
    """Pretty-printed JSON (``gcloud logging read --format=json``, ``aws logs filter-log-events``) or one JSON
    array: the first line is ``[``/``{`` alone or starts an array. A JSON-lines log never looks like that.
    """
    first = head.lstrip().split(b"\n", 1)[0].strip()
    return first.startswith(b"[") or first == b"{"


def _document_events(path: Path, stats: ReadStats) -> list[Event]:
    """A whole-file JSON document: an array of events or records, or one wrapper object. Bounded in size."""
    data = bytearray()
    try:
        for chunk in _chunks(path):
            data += chunk
            if len(data) > MAX_DOCUMENT:
                stats.unreadable_files += 1
                stats.report(
                    "unreadable",
                    ReadIssue(str(path), 0, f"JSON document larger than {MAX_DOCUMENT >> 20} MiB; convert it to JSON "
                              "lines first (jq -c '.[]' or '.events[]')"),
                )  # fmt: skip
                return []
    except GZIP_ERRORS as exc:
        stats.truncated_files += 1
        stats.report("gzip", ReadIssue(str(path), 0, f"gzip stream is truncated or corrupt ({exc})"))
        return []
    except OSError as exc:
        stats.unreadable_files += 1
        stats.report("unreadable", ReadIssue(str(path), 0, f"cannot read: {exc.strerror or exc}"))
        return []
    stats.lines += data.count(b"\n") + 1
    if data.lstrip()[:1] == b"[":
        try:
            items = _ITEMS.decode(data)
        except msgspec.DecodeError as exc:
            stats.bad_lines += 1
            stats.report("bad", ReadIssue(str(path), 0, f"not a valid JSON document: {exc}"))
            return []
    else:
        items = [msgspec.Raw(bytes(data))]
    events: list[Event] = []
    for index, item in enumerate(items, 1):
        found = _decode(path, 0, bytes(item), stats)
        if not found and index <= MAX_REPORTED and stats.issues and stats.issues[-1].line == 0:
            stats.issues[-1] = ReadIssue(str(path), 0, f"item {index}: {stats.issues[-1].message}")
        events.extend(found)
    return events


def is_document(path: Path) -> bool:
    """Whether ``path`` holds one JSON document (a pretty-printed export) rather than JSON lines."""
    return _is_document(_head(path))


def _head(path: Path) -> bytes:
    """The first decompressed bytes, enough to tell JSON lines from a JSON document."""
    try:
        with path.open("rb") as raw:
            data = raw.read(1 << 16)
        if data[:2] == GZIP_MAGIC:
            data = zlib.decompressobj(wbits=31).decompress(data, 4096)
    except (OSError, zlib.error):
        return b""  # blocks() reports the problem
    return data[:4096]


def read_blocks(
    paths: Iterable[Path], stats: ReadStats, prefilter: SelectsLines | None = None
) -> Iterator[tuple[list[Event], list[int] | None]]:
    """The events of ``paths`` in rotation order, a block at a time, with their detection masks (see
    :func:`block_events`); ``stats`` is filled as the stream is consumed.
    """
    for path in expand(paths):
        stats.files += 1
        if is_document(path):
            events = _document_events(path, stats)
            stats.events += len(events)
            yield events, None
            continue
        for first, block in blocks(path, stats):
            yield block_events(path, first, block, stats, prefilter)


def read_events(paths: Iterable[Path], stats: ReadStats, prefilter: SelectsLines | None = None) -> Iterator[Event]:
    """Every audit event of ``paths`` in rotation order — or, with a ``prefilter``, every event it lets through;
    ``stats`` is filled as the stream is consumed.
    """
    for events, _ in read_blocks(paths, stats, prefilter):
        yield from events
