"""Read the store with DuckDB: the files of a store, the ``events`` view for SQL, and events for the hunt.

Files are listed in ``(day, name)`` order — part names start with the ingest time — and each file's footer and
schema version are checked before DuckDB sees it: a corrupt or foreign file is reported by name and skipped, the
rest is read. The hunt reads file by file in that order and keeps each file's row order (DuckDB preserves
insertion order of a plain scan; user and namespace filters sort their few rows by ``file_row_number``), so within
a day events come in log order and a request's stages — all in one partition — in the order they were logged; no
global sort, memory stays flat.
"""

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from kubeward.audit.events.hunt import HuntFilter
from kubeward.audit.events.model import Event
from kubeward.audit.events.reader import ReadIssue, ReadStats
from kubeward.audit.store.events import events_of
from kubeward.audit.store.schema import COLUMNS, MARKER, SCHEMA, UNKNOWN_DAY, VERSION_KEY, StoreError

FETCH_ROWS = 8192
"""Rows turned into Python events at a time: memory stays a few MB above DuckDB's own scan buffers."""
_DAY = re.compile(r"^day=(\d{4}-\d{2}-\d{2}|unknown)$")


def check_store(store: Path) -> None:
    """Raise StoreError unless ``store`` is a store folder (marker file, or day partitions of an older copy)."""
    if not store.is_dir():
        raise StoreError(f"{store}: no such folder (create a store with 'kubeward audit ingest LOG --store {store}')")
    if (store / MARKER).is_file():
        return
    if not any(_DAY.match(p.name) for p in store.iterdir() if p.is_dir()):
        raise StoreError(f"{store}: not a kubeward audit store (no {MARKER}, no day=YYYY-MM-DD partitions)")


def _check_file(path: Path) -> str | None:
    """Why a Parquet file cannot be read as part of the store, or None."""
    try:
        meta = pq.read_metadata(path)
    except (OSError, pa.ArrowException) as exc:
        return f"corrupt or unreadable Parquet file ({exc}); skipped"
    version = (meta.metadata or {}).get(VERSION_KEY)
    expected = SCHEMA.metadata[VERSION_KEY]
    if version != expected:
        found = version.decode(errors="replace") if version else "none"
        return f"not written by this kubeward (schema version {found}, expected {expected.decode()}); skipped"
    return None


def list_files(store: Path, stats: ReadStats, first_day: str | None = None, last_day: str | None = None) -> list[Path]:
    """The readable Parquet files of ``store`` in read order, pruned to days in ``[first_day, last_day]``
    (``day=unknown`` only when no bound is given); bad files are reported in ``stats`` and left out.
    """
    check_store(store)
    files = []
    for folder in sorted(p for p in store.iterdir() if p.is_dir() and _DAY.match(p.name)):
        day = folder.name.removeprefix("day=")
        if day == UNKNOWN_DAY:
            if first_day is not None or last_day is not None:
                continue
        elif (first_day is not None and day < first_day) or (last_day is not None and day > last_day):
            continue
        for path in sorted(folder.glob("*.parquet")):
            if path.name.startswith("."):
                continue
            problem = _check_file(path)
            if problem is not None:
                stats.truncated_files += 1
                stats.report("parquet", ReadIssue(str(path), 0, problem))
                continue
            files.append(path)
    return files


def connect() -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB connection: UTC, no extension downloads, configuration locked afterwards by callers."""
    con = duckdb.connect(":memory:", config={"autoinstall_known_extensions": False, "autoload_known_extensions": False})
    con.execute("SET TimeZone = 'UTC'")
    con.execute("SET enable_progress_bar = false")
    return con


def _sql_string(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


REQUESTS_VIEW = """
CREATE VIEW requests AS
SELECT audit_id, any_value(day) AS day, min(time) AS time, any_value(user) AS user, any_value("groups") AS "groups",
       any_value(impersonated_user) AS impersonated_user, any_value(verb) AS verb, any_value(api_group) AS api_group,
       any_value(resource) AS resource, any_value(subresource) AS subresource, any_value(namespace) AS namespace,
       max(name) AS name, max(code) AS code, max(decision) AS decision, any_value(source_ips) AS source_ips,
       any_value(user_agent) AS user_agent, any_value(request_uri) AS request_uri,
       list_distinct(list(stage)) AS stages, count(*) AS events
FROM events GROUP BY audit_id
"""
"""One row per request (``auditID``): its outcome (``code``, ``decision``) is on the later stages, its name may be
back-filled by them; duplicate rows from a log ingested twice collapse."""


def create_view(con: duckdb.DuckDBPyConnection, files: list[Path]) -> None:
    """``events``: every row of ``files`` with the Hive column ``day`` (VARCHAR: ``YYYY-MM-DD`` or ``unknown``);
    ``requests``: one row per request (:data:`REQUESTS_VIEW`).
    """
    if not files:
        con.register("_kubeward_no_events", SCHEMA.empty_table())
        con.execute("CREATE VIEW events AS SELECT *, NULL::VARCHAR AS day FROM _kubeward_no_events")
    else:
        listing = ", ".join(_sql_string(str(path)) for path in files)
        con.execute(
            f"CREATE VIEW events AS SELECT * FROM read_parquet([{listing}], hive_partitioning = true, "  # noqa: S608
            "hive_types = {'day': VARCHAR}, union_by_name = true)"
        )
    con.execute(REQUESTS_VIEW)


def _days(where: HuntFilter) -> tuple[str | None, str | None]:
    first = where.since.astimezone(dt.UTC).date().isoformat() if where.since is not None else None
    last = None
    if where.until is not None:
        last = (where.until.astimezone(dt.UTC) - dt.timedelta(microseconds=1)).date().isoformat()
    return first, last


def _predicate(where: HuntFilter) -> tuple[str, dict[str, Any]]:
    """The hunt filter as SQL (the hunt applies :class:`HuntFilter` again, so semantics are the hunt's own)."""
    clauses = []
    params: dict[str, Any] = {}
    if where.since is not None:
        clauses.append("time >= $since")
        params["since"] = where.since
    if where.until is not None:
        clauses.append("time < $until")
        params["until"] = where.until
    if where.users:
        clauses.append("list_has_any($users, [user, coalesce(impersonated_user, '')])")
        params["users"] = sorted(where.users)
    if where.namespaces:
        clauses.append("list_contains($namespaces, coalesce(namespace, ''))")
        params["namespaces"] = sorted(where.namespaces)
    sql = (" WHERE " + " AND ".join(clauses)) if clauses else ""
    if where.users or where.namespaces:
        # DuckDB keeps a plain scan (and range predicates pushed into it) in file order, but may reorder rows
        # under other filters (1.1 splits ORs); the few rows they leave are put back in file order explicitly
        sql += " ORDER BY file_row_number"
    return sql, params


def _arrow_reader(relation: duckdb.DuckDBPyRelation, rows: int) -> pa.RecordBatchReader:
    method = getattr(relation, "to_arrow_reader", None) or relation.fetch_arrow_reader  # duckdb < 1.4 name
    reader: pa.RecordBatchReader = method(rows)
    return reader


def read_store(store: Path, stats: ReadStats, where: HuntFilter | None = None) -> Iterator[Event]:
    """Every event of ``store`` admitted by ``where``, as :class:`Event` objects, day by day in log order.

    Days outside ``--since/--until`` are pruned from the file listing; time, user and namespace predicates are
    pushed into DuckDB's Parquet scan (row groups are skipped on their time statistics).
    """
    where = where or HuntFilter()
    files = list_files(store, stats, *_days(where))
    predicate, params = _predicate(where)
    columns = ", ".join(f'"{name}"' for name in COLUMNS)
    con = connect()
    try:
        for path in files:
            stats.files += 1
            query = f"SELECT {columns} FROM read_parquet($file, file_row_number = true){predicate}"  # noqa: S608
            try:
                reader = _arrow_reader(con.sql(query, params={**params, "file": str(path)}), FETCH_ROWS)
                for batch in reader:
                    events = events_of(batch)
                    stats.events += len(events)
                    yield from events
            except (duckdb.Error, pa.ArrowException) as exc:
                stats.truncated_files += 1
                stats.report("parquet", ReadIssue(str(path), 0, f"cannot read Parquet file ({exc}); rest skipped"))
    finally:
        con.close()
