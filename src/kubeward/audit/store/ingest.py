"""Stream audit events into the store: one Parquet writer per open day, ~64k-row batches, zstd; memory flat in input.

Each ingest writes one new file per day it saw (``day=YYYY-MM-DD/part-<ingest time>-<id>.parquet``); files are
written under a hidden temporary name and renamed when complete, so an interrupted ingest leaves nothing half
written for a query to trip on. Nothing is deduplicated: ingesting the same log twice stores its rows twice (the
hunt joins stages on ``auditID``, so it still counts each request once).
"""

import datetime as dt
import gc
import json
import os
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from kubeward.audit.events.detections import DECISION
from kubeward.audit.events.model import Event
from kubeward.audit.store.schema import BODY_RESOURCES, MARKER, SCHEMA, SCHEMA_VERSION, UNKNOWN_DAY, StoreError

BATCH_ROWS = 65536
"""Rows per written batch (and Parquet row group)."""

CHUNK_ROWS = 8192
"""Rows held as Python tuples before they become (compact) Arrow arrays; a day's Arrow chunks are written as one
row group when they reach BATCH_ROWS."""

MAX_BUFFERED = 4 * BATCH_ROWS
"""Rows held across all open days before every buffer is written (logs spanning many days at once)."""


@dataclass
class IngestStats:
    """What one ingest wrote."""

    rows: int = 0
    bodies: int = 0
    days: dict[str, int] = field(default_factory=dict)
    files: list[Path] = field(default_factory=list)

    @property
    def bytes_written(self) -> int:
        """Size of the Parquet files written."""
        return sum(path.stat().st_size for path in self.files)


def row(event: Event) -> tuple[Any, ...]:
    """One event as a tuple in :data:`~kubeward.audit.store.schema.SCHEMA` column order."""
    ref = event.objectRef
    imp = event.impersonatedUser
    status = event.responseStatus
    body = None
    if ref is not None and not ref.subresource and ref.resource in BODY_RESOURCES:
        raw = bytes(event.requestObject)
        body = raw.decode("utf-8", "replace") if raw else None
    annotations = event.annotations
    return (
        event.auditID,
        event.stage,
        event.level,
        event.verb,
        event.requestURI,
        event.user.username,
        event.user.groups,
        imp.username if imp is not None else None,
        imp.groups if imp is not None else None,
        event.sourceIPs,
        event.userAgent,
        ref.apiGroup if ref is not None else None,
        ref.resource if ref is not None else None,
        ref.subresource if ref is not None else None,
        ref.namespace if ref is not None else None,
        ref.name if ref is not None else None,
        status.code if status is not None else None,
        annotations.get(DECISION),
        list(annotations.items()),
        event.requestReceivedTimestamp,
        body,
    )


def day_of(event: Event) -> str:
    """The partition: UTC day of ``requestReceivedTimestamp`` (shared by every stage of a request)."""
    when = event.requestReceivedTimestamp
    if when is None:
        return UNKNOWN_DAY
    if when.tzinfo is not None and when.tzinfo is not dt.UTC:
        when = when.astimezone(dt.UTC)
    return when.date().isoformat()


def batch(rows: list[tuple[Any, ...]]) -> pa.RecordBatch:
    """Rows → one typed record batch."""
    columns = list(zip(*rows, strict=True)) if rows else [()] * len(SCHEMA)
    arrays = [pa.array(values, type=f.type) for values, f in zip(columns, SCHEMA, strict=True)]
    return pa.RecordBatch.from_arrays(arrays, schema=SCHEMA)


def prepare(store: Path) -> None:
    """Create the store (or check that ``store`` is one): an empty or missing folder becomes a store."""
    marker = store / MARKER
    if store.exists() and not store.is_dir():
        raise StoreError(f"{store}: not a folder")
    if store.is_dir() and not marker.exists() and any(store.iterdir()):
        raise StoreError(f"{store}: not a kubeward audit store (no {MARKER}) and not empty; refusing to write into it")
    if marker.exists():
        try:
            version = json.loads(marker.read_text()).get("schema_version")
        except (OSError, ValueError, AttributeError) as exc:
            raise StoreError(f"{marker}: unreadable store marker ({exc})") from exc
        if version != SCHEMA_VERSION:
            raise StoreError(f"{store}: store schema version {version}, this kubeward writes {SCHEMA_VERSION}")
    store.mkdir(parents=True, exist_ok=True)
    if not marker.exists():
        marker.write_text(
            json.dumps({"kind": "kubeward-audit-store", "schema_version": SCHEMA_VERSION, "layout": "day=*/*.parquet"})
            + "\n"
        )


class _Writer:
    """The open writers and row buffers of one ingest."""

    def __init__(self, store: Path, stats: IngestStats) -> None:
        self.store = store
        self.stats = stats
        now = dt.datetime.now(dt.UTC)
        self.name = f"part-{now:%Y%m%dT%H%M%S%f}-{uuid.uuid4().hex[:8]}.parquet"
        self.rows: dict[str, list[tuple[Any, ...]]] = {}
        self.chunks: dict[str, list[pa.RecordBatch]] = {}
        self.chunked: dict[str, int] = {}
        self.writers: dict[str, tuple[pq.ParquetWriter, Path, Path]] = {}
        self.buffered = 0

    def add(self, event: Event) -> None:
        day = day_of(event)
        rows = self.rows.get(day)
        if rows is None:
            rows = self.rows[day] = []
        values = row(event)
        if values[-1] is not None:
            self.stats.bodies += 1
        rows.append(values)
        self.buffered += 1
        if len(rows) >= CHUNK_ROWS:
            self.chunk(day)
            if self.chunked[day] >= BATCH_ROWS:
                self.flush(day)
        if self.buffered >= MAX_BUFFERED:
            for open_day in {*self.rows, *self.chunks}:
                self.flush(open_day)

    def chunk(self, day: str) -> None:
        rows = self.rows.pop(day, [])
        if rows:
            self.chunks.setdefault(day, []).append(batch(rows))
            self.chunked[day] = self.chunked.get(day, 0) + len(rows)

    def flush(self, day: str) -> None:
        self.chunk(day)
        chunks = self.chunks.pop(day, [])
        count = self.chunked.pop(day, 0)
        if not chunks:
            return
        self.buffered -= count
        opened = self.writers.get(day)
        if opened is None:
            folder = self.store / f"day={day}"
            folder.mkdir(exist_ok=True)
            final = folder / self.name
            temp = folder / f".{self.name}.tmp"
            writer = pq.ParquetWriter(temp, SCHEMA, compression="zstd")
            opened = self.writers[day] = (writer, temp, final)
        opened[0].write_table(pa.Table.from_batches(chunks, schema=SCHEMA), row_group_size=BATCH_ROWS)
        self.stats.rows += count
        self.stats.days[day] = self.stats.days.get(day, 0) + count

    def close(self) -> None:
        for day in {*self.rows, *self.chunks}:
            self.flush(day)
        for writer, temp, final in self.writers.values():
            writer.close()
            os.replace(temp, final)
            self.stats.files.append(final)

    def abort(self) -> None:
        for writer, temp, _ in self.writers.values():
            try:
                writer.close()
            finally:
                temp.unlink(missing_ok=True)


def ingest(events: Iterable[Event], store: Path) -> IngestStats:
    """Write ``events`` into ``store`` (created when missing); nothing is visible until the files are complete.

    The cyclic garbage collector is paused meanwhile, as in the hunt: rows are acyclic tuples and lists.
    """
    prepare(store)
    stats = IngestStats()
    writer = _Writer(store, stats)
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        for event in events:
            writer.add(event)
        writer.close()
    except BaseException:
        writer.abort()
        raise
    finally:
        if was_enabled:
            gc.enable()
    return stats
