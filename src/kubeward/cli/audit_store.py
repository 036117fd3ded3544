"""``kubeward audit ingest`` and ``kubeward audit sql``: the audit event store (partitioned Parquet, DuckDB).

``hunt --store`` reads the same store through :func:`store_events`. Exit codes: 0 done, 2 not a store / unreadable
input / refused query, 3 incomplete (malformed lines in the logs, corrupt Parquet files skipped).
DuckDB and pyarrow are imported when a store command runs, not when kubeward starts.
"""

import csv
import datetime as dt
import io
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click
import msgspec

from kubeward.audit.events.hunt import HuntFilter
from kubeward.audit.events.model import Event, rfc3339
from kubeward.audit.events.reader import ReadStats, read_events
from kubeward.report.exit_codes import ExitCode

if TYPE_CHECKING:
    import duckdb

_STORE_HELP = "Store folder (created by 'kubeward audit ingest'): DIR/day=YYYY-MM-DD/part-*.parquet."


def _fail(message: str) -> NoReturn:
    click.echo(f"error: {message}", err=True)
    sys.exit(ExitCode.ERROR)


def _report_issues(stats: ReadStats) -> None:
    for issue in stats.issues:
        click.echo(f"kubeward: {issue.describe()}", err=True)


def store_events(store: Path, stats: ReadStats, where: HuntFilter) -> Iterator[Event]:
    """The events of STORE for ``audit hunt --store``; exit 2 at once when STORE is not a store."""
    from kubeward.audit.store.query import check_store, read_store
    from kubeward.audit.store.schema import StoreError

    try:
        check_store(store)
    except StoreError as exc:
        _fail(str(exc))
    return read_store(store, stats, where)


@click.command("ingest")
@click.argument("logs", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--store", required=True, type=click.Path(file_okay=False, path_type=Path), help=_STORE_HELP)
def ingest_command(logs: tuple[Path, ...], store: Path) -> None:
    """Load audit LOGs into a Parquet store partitioned by day, for 'hunt --store' and 'sql'.

    LOG may be JSON-lines audit logs, gzip files, rotated sets and folders (read as 'hunt' reads them). Each
    event becomes one row; request bodies are kept only for workloads and role bindings (what the detections
    read) — Secret and token bodies never enter the store. Each run adds new files: ingesting the same log twice
    stores its events twice (the hunt still counts each request once). The hunt reads a day's files in the order
    they were ingested: ingest a rotated set in one run (it is read oldest first) or its files oldest first.
    Exit 3 when lines were skipped.
    """
    from kubeward.audit.store.ingest import ingest
    from kubeward.audit.store.schema import SCHEMA_VERSION, StoreError

    inside = [log for log in logs if log.is_dir() and store.resolve().is_relative_to(log.resolve())]
    if inside:
        _fail(f"the store {store} is inside the log folder {inside[0]}: its files would be read as logs")
    stats = ReadStats()
    try:
        result = ingest(read_events(logs, stats), store)
    except StoreError as exc:
        _fail(str(exc))
    size = result.bytes_written
    by_day = sorted(result.days.items())
    days = ", ".join(f"{day}: {rows}" for day, rows in by_day) or "none"
    if len(by_day) > 10:
        days = f"{len(by_day)} days from {by_day[0][0]} to {by_day[-1][0]}"
    click.echo(
        f"ingested {result.rows} event(s) from {stats.files} file(s) into {store} "
        f"({len(result.files)} Parquet file(s), {size / 1e6:.1f} MB, schema v{SCHEMA_VERSION}); "
        f"request bodies kept: {result.bodies}\nrows by day: {days}"
    )
    _report_issues(stats)
    if stats.unreadable_files:
        sys.exit(ExitCode.ERROR)
    if stats.incomplete:
        click.echo(
            f"kubeward: ingest incomplete: {stats.bad_lines} malformed line(s), "
            f"{stats.truncated_files} truncated file(s)",
            err=True,
        )
        sys.exit(ExitCode.INCOMPLETE)


_EXPLAIN = re.compile(r"^\s*explain\s+(?:analy[sz]e\s+)?", re.IGNORECASE)


def check_read_only(con: "duckdb.DuckDBPyConnection", query: str) -> str | None:
    """Why ``query`` is refused, or None: exactly one statement, a SELECT (WITH, FROM-first, DESCRIBE, SHOW and
    SUMMARIZE parse as SELECT) or an EXPLAIN of one. COPY, ATTACH, SET, PRAGMA, CALL, CREATE... are refused:
    DuckDB could otherwise write files or change the session.
    """
    import duckdb

    try:
        statements = con.extract_statements(query)
    except duckdb.Error as exc:
        return f"cannot parse the query: {exc}"
    if len(statements) != 1:
        return f"give exactly one statement ({len(statements)} given)"
    kind = statements[0].type
    if kind == duckdb.StatementType.EXPLAIN:
        return check_read_only(con, _EXPLAIN.sub("", query, count=1))
    if kind != duckdb.StatementType.SELECT:
        return f"only read-only queries (SELECT, WITH, DESCRIBE, SHOW, EXPLAIN) are allowed, not {kind.name}"
    return None


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return rfc3339(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return value


def _cell(value: Any) -> str:
    value = _plain(value)
    if value is None:
        return ""
    if isinstance(value, dict | list):
        return msgspec.json.encode(value).decode()
    text = str(value)
    return text if text.isprintable() else text.encode("unicode_escape").decode("ascii")


def _table(names: list[str], rows: list[tuple[Any, ...]]) -> str:
    cells = [[_cell(v) for v in row] for row in rows]
    widths = [max([len(n), *(min(len(r[i]), 60) for r in cells)]) for i, n in enumerate(names)]
    lines = ["  ".join(n.ljust(w) for n, w in zip(names, widths, strict=True)).rstrip()]
    for r in cells:
        lines.append("  ".join(c[:60].ljust(w) for c, w in zip(r, widths, strict=True)).rstrip())
    return "\n".join(lines) + f"\n({len(rows)} row(s))\n"


SQL_EXAMPLES = """\b
Examples:
  # who read Secrets, by user (kubelets excluded, refused requests left out)
  kubeward audit sql --store DIR "SELECT user, count(*) AS reads FROM requests
    WHERE resource = 'secrets' AND subresource = '' AND verb IN ('get', 'list', 'watch')
    AND coalesce(code, 0) < 400 AND user NOT LIKE 'system:node:%' GROUP BY user ORDER BY reads DESC"
  # RBAC changes per day
  kubeward audit sql --store DIR "SELECT day, count(*) AS changes FROM requests
    WHERE api_group = 'rbac.authorization.k8s.io' AND subresource = ''
    AND verb IN ('create', 'update', 'patch', 'delete', 'deletecollection')
    AND coalesce(code, 0) < 400 GROUP BY day ORDER BY day"
  # the columns
  kubeward audit sql --store DIR "DESCRIBE events"
"""


@click.command("sql", epilog=SQL_EXAMPLES)
@click.argument("query")
@click.option("--store", required=True, type=click.Path(file_okay=False, path_type=Path), help=_STORE_HELP)
@click.option("-o", "--output", "fmt", type=click.Choice(("table", "json", "csv")), default="table", show_default=True)
def sql_command(query: str, store: Path, fmt: str) -> None:
    """Run one read-only SQL QUERY (DuckDB) over the views 'events' and 'requests' of a store.

    'events' has one row per audit event (one stage of one request): audit_id, stage, level, verb, request_uri,
    user, groups, impersonated_user, impersonated_groups, source_ips, user_agent, api_group, resource,
    subresource, namespace, name, code (NULL before the response), decision (authorization.k8s.io/decision),
    annotations (map), time (requestReceivedTimestamp, UTC), request_object (workloads and role bindings only)
    and day (partition). 'requests' has one row per audit_id: the request's attributes, its outcome (code,
    decision: on the later stages), its stages and event count — count requests there. Only SELECT (and WITH,
    DESCRIBE, SHOW, EXPLAIN of a SELECT)
    is run; COPY, ATTACH, SET, INSTALL and other statements are refused, so a query never writes files or
    downloads extensions. Corrupt Parquet files are named and left out (exit 3).
    """
    import duckdb

    from kubeward.audit.store.query import connect, create_view, list_files
    from kubeward.audit.store.schema import StoreError

    stats = ReadStats()
    try:
        files = list_files(store, stats)
    except StoreError as exc:
        _fail(str(exc))
    con = connect()
    create_view(con, files)
    con.execute("SET lock_configuration = true")
    refused = check_read_only(con, query)
    if refused is not None:
        _fail(refused)
    try:
        result = con.execute(query)
        names = [d[0] for d in result.description or []]
        if fmt == "csv":
            out = io.StringIO()
            writer = csv.writer(out, lineterminator="\n")
            writer.writerow(names)
            click.echo(out.getvalue(), nl=False)
            while chunk := result.fetchmany(10000):
                out = io.StringIO()
                writer = csv.writer(out, lineterminator="\n")
                writer.writerows([_cell(v) for v in row] for row in chunk)
                click.echo(out.getvalue(), nl=False)
        elif fmt == "json":
            rows = [dict(zip(names, _plain(list(row)), strict=True)) for row in result.fetchall()]
            click.echo(msgspec.json.format(msgspec.json.encode(rows, enc_hook=str), indent=2).decode())
        else:
            click.echo(_table(names, result.fetchall()), nl=False)
    except duckdb.Error as exc:
        _fail(f"query failed: {exc}")
    finally:
        con.close()
    _report_issues(stats)
    if stats.incomplete:
        click.echo(f"kubeward: query incomplete: {stats.truncated_files} Parquet file(s) skipped", err=True)
        sys.exit(ExitCode.INCOMPLETE)
