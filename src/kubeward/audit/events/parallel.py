"""Hunt over large logs on every core: the files are cut into parts at line boundaries, each part is hunted in
its own process, and the parts' answers are folded in log order with :meth:`Hunt.merge` — which gives the
answers of one pass over the whole log (stages of a request that straddle a cut are joined on ``auditID``).

Plain files are cut every ``PART_SIZE`` bytes; a gzip file or a JSON document is one part (a gzip stream can
only be read from its start), so a rotated set of compressed files is spread over the cores file by file.
"""

import dataclasses
import gc
import multiprocessing
import os
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from kubeward.audit.events.detections import BY_ID, DETECTIONS, Detection
from kubeward.audit.events.hunt import MAX_EVENTS, Hunt, HuntFilter
from kubeward.audit.events.model import Event
from kubeward.audit.events.reader import ReadStats, block_events, blocks, expand, read_blocks

PART_SIZE = 96 << 20
"""Bytes of plain log per part: large enough to amortize a process's start, small enough to balance cores."""

_GZIP_MAGIC = b"\x1f\x8b"


@dataclasses.dataclass(frozen=True)
class Part:
    """A byte range ``[start, end)`` of one plain file, or a whole file (``end`` None)."""

    path: Path
    start: int = 0
    end: int | None = None


def plan(paths: Sequence[Path], part_size: int = PART_SIZE) -> list[Part]:
    """The parts of ``paths`` in rotation order; plain files are cut just after a newline."""
    parts: list[Part] = []
    for path in expand(paths):
        try:
            size = path.stat().st_size
            with path.open("rb") as raw:
                head = raw.read(64)
                if head[:2] == _GZIP_MAGIC or head.lstrip()[:1] in (b"[", b"{\n") or size <= part_size:
                    parts.append(Part(path))
                    continue
                cuts = [0]
                for offset in range(part_size, size, part_size):
                    raw.seek(offset)
                    line_end = raw.readline()
                    cut = offset + len(line_end)
                    if cut < size and cut > cuts[-1]:
                        cuts.append(cut)
        except OSError:
            parts.append(Part(path))  # the worker reports why it cannot be read
            continue
        parts.extend(Part(path, start, end) for start, end in zip(cuts, [*cuts[1:], size], strict=True))
    return parts


def _hunt_part(part: Part, detection_ids: tuple[str, ...], where: HuntFilter, limit: int) -> tuple[Hunt, ReadStats]:
    """One part in one process; the cyclic GC is paused as in :func:`~kubeward.audit.events.hunt.hunt`."""
    state = Hunt(tuple(BY_ID[i] for i in detection_ids), where, track_orphans=True, limit=limit)
    stats = ReadStats()
    gc.disable()
    _feed(state, _part_blocks(part, stats, state))
    return state, stats


def _part_blocks(part: Part, stats: ReadStats, state: Hunt) -> Iterator[tuple[list[Event], list[int] | None]]:
    prefilter = state.prefilter
    if part.end is None:
        yield from read_blocks([part.path], stats, prefilter)
        return
    stats.files += part.start == 0
    for first, block in blocks(part.path, stats, part.start, part.end):
        yield block_events(part.path, first, block, stats, prefilter)


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
    ids = tuple(d.id for d in detections)
    if workers == 1 or len(parts) <= 1:
        return _sequential(paths, stats, detections, where, limit)
    context = multiprocessing.get_context("fork")
    merged: Hunt | None = None
    offsets: dict[Path, int] = {}
    with ProcessPoolExecutor(max_workers=min(workers, len(parts)), mp_context=context) as pool:
        for part, (state, part_stats) in zip(
            parts,
            pool.map(_hunt_part, parts, [ids] * len(parts), [where] * len(parts), [limit] * len(parts)),
            strict=True,
        ):
            stats.merge(part_stats, offsets.get(part.path, 0))
            offsets[part.path] = offsets.get(part.path, 0) + part_stats.lines
            if merged is None:
                merged = state
            else:
                merged.merge(state)
    assert merged is not None
    return merged


def _sequential(
    paths: Sequence[Path], stats: ReadStats, detections: tuple[Detection, ...], where: HuntFilter, limit: int
) -> Hunt:
    state = Hunt(detections, where, limit=limit)
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        _feed(state, read_blocks(paths, stats, state.prefilter))
    finally:
        if was_enabled:
            gc.enable()
    return state
