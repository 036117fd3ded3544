"""Hunt over large logs on every core: the input is cut into pieces at line boundaries, each piece is hunted in
its own process, and the pieces' answers are folded in log order with :meth:`Hunt.merge` — which gives the
answers of one pass over the whole log (stages of a request that straddle a cut are joined on ``auditID``).

A plain file is cut every ``PART_SIZE`` bytes and each worker reads its own range. A gzip stream can only be
read from its start, so it is decompressed here (in a thread: ISA-L's inflate releases the GIL) and its lines
are handed to the workers in pieces of ``GZIP_PIECE`` bytes; decompression and parsing then run side by side.
A JSON document (a pretty-printed export) is one part. Only a few pieces are in flight at a time, so memory stays
flat whatever the input's size.
"""

import dataclasses
import gc
import mmap
import multiprocessing
import os
from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path

from kubeward.audit.events.detections import BY_ID, DETECTIONS, Detection
from kubeward.audit.events.hunt import MAX_EVENTS, Hunt, HuntFilter, paused_gc
from kubeward.audit.events.model import Event
from kubeward.audit.events.reader import (
    GZIP_MAGIC,
    MAX_LINE,
    ReadStats,
    block_events,
    blocks,
    expand,
    is_document,
    pieces,
    read_blocks,
)

PART_SIZE = 32 << 20
"""Bytes of plain log per part: large enough to amortize a task, small enough to balance the cores
(measured on 1 GiB, 2 cores: 32 MiB parts 3.35 s, 96 MiB 3.39 s, 16 MiB 3.45 s)."""
GZIP_PIECE = 8 << 20
"""Decompressed bytes handed to a worker at a time (1 GiB gzip, 2 cores, noisy: 8 MiB pieces 4.0-5.1 s, 16 MiB
5.2-5.5 s, 32 MiB 6.3 s, one process with a decompression thread 7.7 s — small pieces keep both cores busy)."""

IN_FLIGHT = 2
"""Tasks queued per worker: enough that a worker never waits for the next piece, few enough to bound memory."""

_BLOCK = 1 << 20

_Result = tuple[Hunt, ReadStats]


@dataclasses.dataclass(frozen=True)
class Part:
    """A byte range ``[start, end)`` of one plain file, or a whole file (``end`` None)."""

    path: Path
    start: int = 0
    end: int | None = None
    gzip: bool = dataclasses.field(default=False, compare=False)
    """A gzip file (always whole): decompressed here and handed over in pieces."""
    size: int = dataclasses.field(default=0, compare=False)
    """Bytes on disk of the whole file, for deciding whether workers are worth starting."""

    @property
    def to_read(self) -> int:
        """Bytes this part stands for (gzip at ten times its size, about what audit logs expand to)."""
        if self.end is not None:
            return self.end - self.start
        return self.size * 10 if self.gzip else self.size


def plan(paths: Sequence[Path], part_size: int = PART_SIZE) -> list[Part]:
    """The parts of ``paths`` in rotation order; plain files are cut just after a newline."""
    parts: list[Part] = []
    for path in expand(paths):
        try:
            size = path.stat().st_size
            with path.open("rb") as raw:
                gzip = raw.read(2) == GZIP_MAGIC
                if gzip or size <= part_size or is_document(path):
                    parts.append(Part(path, gzip=gzip, size=size))
                    continue
                cuts = [0]
                for offset in range(part_size, size, part_size):
                    raw.seek(offset)
                    cut = offset + len(raw.readline())
                    if cuts[-1] < cut < size:
                        cuts.append(cut)
        except OSError:
            parts.append(Part(path))  # the worker reports why it cannot be read
            continue
        parts.extend(Part(path, start, end) for start, end in zip(cuts, [*cuts[1:], size], strict=True))
    return parts


def _new_state(detection_ids: tuple[str, ...], where: HuntFilter, limit: int) -> Hunt:
    gc.disable()  # a worker process does nothing else: see paused_gc()
    return Hunt(tuple(BY_ID[i] for i in detection_ids), where, track_orphans=True, limit=limit)


def _hunt_part(part: Part, detection_ids: tuple[str, ...], where: HuntFilter, limit: int) -> _Result:
    """One part of a plain file (or a whole file), read by the worker itself."""
    state = _new_state(detection_ids, where, limit)
    stats = ReadStats()
    prefilter = state.prefilter
    if part.end is None:
        _feed(state, read_blocks([part.path], stats, prefilter))
    else:
        stats.files += part.start == 0
        _feed(state, _range_events(part, stats, state))
    return state, stats


def _range_events(part: Part, stats: ReadStats, state: Hunt) -> Iterator[tuple[list[Event], list[int] | None]]:
    """A plain file's byte range through a memory map: one copy per block and one newline count, where the
    streaming reader needs two of each. A line longer than ``MAX_LINE`` sends the range to that reader, which
    skips it without holding it.
    """
    assert part.end is not None
    prefilter = state.prefilter
    try:
        with part.path.open("rb") as raw, mmap.mmap(raw.fileno(), 0, access=mmap.ACCESS_READ) as mapped:
            position, number = part.start, 1
            while position < part.end:
                cut = mapped.find(b"\n", min(position + _BLOCK, part.end - 1), part.end)
                end = part.end if cut < 0 else cut + 1
                if end - position > MAX_LINE:
                    break
                block = mapped[position:end]
                if end == part.end and not block.endswith(b"\n"):
                    block += b"\n"
                lines = block.count(b"\n")
                yield block_events(part.path, number, block, stats, prefilter, lines)
                number += lines
                position = end
            else:
                return
    except (OSError, ValueError):
        position, number = part.start, 1  # unreadable or unmappable: the streaming reader reports it
    for first, block in blocks(part.path, stats, position, part.end):
        yield block_events(part.path, number - 1 + first, block, stats, prefilter)


def _hunt_piece(path: Path, data: bytes, detection_ids: tuple[str, ...], where: HuntFilter, limit: int) -> _Result:
    """Whole lines of a decompressed stream (numbered from 1 here; the fold shifts them)."""
    state = _new_state(detection_ids, where, limit)
    stats = ReadStats()
    prefilter = state.prefilter
    _feed(state, (block_events(path, n, block, stats, prefilter, lines) for n, block, lines in _split(1, data)))
    return state, stats


def _split(first: int, data: bytes) -> Iterator[tuple[int, bytes, int]]:
    """``data`` (whole lines) in blocks of about ``_BLOCK`` bytes, each with the number of its first line and
    its newline count.
    """
    start = 0
    while start < len(data):
        cut = data.find(b"\n", min(start + _BLOCK, len(data) - 1))
        end = len(data) if cut < 0 else cut + 1
        block = data[start:end]
        lines = block.count(b"\n")
        yield first, block, lines
        first += lines
        start = end


def _feed(state: Hunt, stream: Iterator[tuple[list[Event], list[int] | None]]) -> None:
    for events, masks in stream:
        if masks is None:
            for event in events:
                state.add(event)
        else:
            for event, mask in zip(events, masks, strict=True):
                state.add(event, mask)


def hunt_paths(
    paths: Sequence[Path],
    stats: ReadStats,
    detections: tuple[Detection, ...] = DETECTIONS,
    where: HuntFilter | None = None,
    workers: int | None = None,
    part_size: int = PART_SIZE,
    limit: int = MAX_EVENTS,
) -> Hunt:
    """Answer ``detections`` over ``paths`` with up to ``workers`` processes (default: one per core)."""
    where = where or HuntFilter()
    workers = workers or os.cpu_count() or 1
    parts = plan(paths, part_size)
    if workers == 1 or sum(part.to_read for part in parts) < part_size:
        return _sequential(paths, stats, detections, where, limit)
    ids = tuple(d.id for d in detections)
    merged: Hunt | None = None
    offsets: dict[Path, int] = {}
    in_flight: deque[tuple[Path, Future[_Result]]] = deque()

    def fold() -> None:
        nonlocal merged
        path, future = in_flight.popleft()
        state, part_stats = future.result()
        stats.merge(part_stats, offsets.get(path, 0))
        offsets[path] = offsets.get(path, 0) + part_stats.lines
        if merged is None:
            merged = state
        else:
            merged.merge(state)

    _ = Hunt(detections, where).prefilter  # compiled once here, inherited by the forked workers
    with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork")) as pool:
        for part in parts:
            if part.gzip:
                stats.files += 1
                for data in pieces(part.path, stats, min(part_size, GZIP_PIECE)):
                    in_flight.append((part.path, pool.submit(_hunt_piece, part.path, data, ids, where, limit)))
                    while len(in_flight) > IN_FLIGHT * workers:
                        fold()
                continue
            in_flight.append((part.path, pool.submit(_hunt_part, part, ids, where, limit)))
            while len(in_flight) > IN_FLIGHT * workers:
                fold()
        while in_flight:
            fold()
    return merged if merged is not None else Hunt(detections, where, limit=limit)


def _sequential(
    paths: Sequence[Path], stats: ReadStats, detections: tuple[Detection, ...], where: HuntFilter, limit: int
) -> Hunt:
    state = Hunt(detections, where, limit=limit)
    with paused_gc():
        _feed(state, read_blocks(paths, stats, state.prefilter))
    return state
