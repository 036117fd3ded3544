"""Benchmark the audit store: ingest throughput, store size, hunt over the store vs hunt over the log.

    python benchmarks/store/run.py [--mb 200] [--days 3] [--keep DIR]

Generates a log (``generate.py``), then runs each phase in its own process (so peak RSS is the phase's own):
hunt over the log (the baseline a user has without a store), ingest, hunt over the store, hunt over the store
for one day (partition pruning), and a DuckDB SQL aggregate over the store. Checks that both hunts give the same
answers. Not a timed test: it prints, it does not assert.
"""

from __future__ import annotations

import argparse
import multiprocessing
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import generate  # noqa: E402

from kubeward.audit.events.hunt import HuntFilter, hunt  # noqa: E402
from kubeward.audit.events.output import as_document  # noqa: E402
from kubeward.audit.events.reader import ReadStats, read_events  # noqa: E402
from kubeward.audit.store.ingest import ingest  # noqa: E402
from kubeward.audit.store.query import connect, create_view, list_files, read_store  # noqa: E402


def _phase(name: str, log: str, store: str, day: str, queue: Any) -> None:
    start = time.perf_counter()
    answer: Any = None
    stats = ReadStats()
    if name == "hunt-log":
        answer = as_document(hunt(read_events([Path(log)], stats)), stats)["questions"]
    elif name == "ingest":
        answer = ingest(read_events([Path(log)], stats), Path(store)).rows
    elif name == "hunt-store":
        answer = as_document(hunt(read_store(Path(store), stats)), stats)["questions"]
    elif name == "hunt-store-day":
        import datetime as dt

        since = dt.datetime.fromisoformat(day + "T00:00:00+00:00")
        where = HuntFilter(since=since, until=since + dt.timedelta(days=1))
        answer = as_document(hunt(read_store(Path(store), stats, where), where=where), stats)["questions"]
    elif name == "sql":
        con = connect()
        create_view(con, list_files(Path(store), stats))
        answer = con.execute(
            "SELECT user, count(*) FROM (SELECT audit_id, any_value(user) AS user, max(coalesce(code, 0)) AS code "
            "FROM events WHERE resource = 'secrets' AND subresource = '' AND verb IN ('get', 'list', 'watch') "
            "GROUP BY audit_id) WHERE code < 400 AND user NOT LIKE 'system:node:%' GROUP BY user ORDER BY user"
        ).fetchall()
    seconds = time.perf_counter() - start
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    queue.put((seconds, rss, stats.events, answer))


def run(name: str, log: Path, store: Path, day: str = "") -> tuple[float, float, int, Any]:
    queue: Any = multiprocessing.get_context("fork").Queue()
    process = multiprocessing.get_context("fork").Process(target=_phase, args=(name, str(log), str(store), day, queue))
    process.start()
    result = queue.get()
    process.join()
    return result  # type: ignore[no-any-return]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mb", type=float, default=200)
    parser.add_argument("--days", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="Write the log and the store here (default: a temporary folder).")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        where = args.keep or Path(tmp)
        where.mkdir(parents=True, exist_ok=True)
        log, store = where / "audit.log", where / "store"
        start = time.perf_counter()
        events = generate.generate(log, args.mb, args.days)
        size = log.stat().st_size
        print(f"log: {size / 1e6:.1f} MB, {events} events ({time.perf_counter() - start:.1f} s to generate)")
        base_s, base_rss, _, from_log = run("hunt-log", log, store)
        print(f"hunt over log:    {base_s:6.2f} s  {size / 1e6 / base_s:6.1f} MB/s  peak RSS {base_rss:6.0f} MB")
        ingest_s, ingest_rss, _, rows = run("ingest", log, store)
        stored = sum(p.stat().st_size for p in store.rglob("*.parquet"))
        print(f"ingest:           {ingest_s:6.2f} s  {size / 1e6 / ingest_s:6.1f} MB/s  peak RSS {ingest_rss:6.0f} MB  "
              f"{rows} rows, store {stored / 1e6:.1f} MB = {stored / size:.1%} of the log "
              f"({len(list(store.rglob('*.parquet')))} files)")  # fmt: skip
        hunt_s, hunt_rss, _, from_store = run("hunt-store", log, store)
        same = "same answers" if from_store == from_log else "DIFFERENT ANSWERS"
        print(
            f"hunt over store:  {hunt_s:6.2f} s  ({base_s / hunt_s:.2f}x the log)  peak RSS {hunt_rss:6.0f} MB  {same}"
        )
        day = sorted(p.name.removeprefix("day=") for p in store.glob("day=*"))[0]
        day_s, day_rss, day_events, _ = run("hunt-store-day", log, store, day)
        print(f"hunt store {day}: {day_s:6.2f} s  {day_events} events  peak RSS {day_rss:6.0f} MB")
        sql_s, sql_rss, _, answer = run("sql", log, store)
        print(f"sql secret readers: {sql_s:6.2f} s  peak RSS {sql_rss:6.0f} MB  {answer}")


if __name__ == "__main__":
    main()
