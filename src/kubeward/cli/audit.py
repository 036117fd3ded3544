"""``kubeward audit``: the audit trail — forensic hunting over audit logs and audit policy tools."""

import datetime as dt
import sys
from importlib import resources
from pathlib import Path

import click
import msgspec

from kubeward.audit.events.anomalies import ChangeWindow, ChangeWindowError, Settings, find_anomalies
from kubeward.audit.events.detections import BY_ID, DETECTIONS
from kubeward.audit.events.hunt import MAX_EVENTS, HuntFilter, hunt
from kubeward.audit.events.output import FORMATS, render_anomalies, render_csv, render_json, render_table
from kubeward.audit.events.parallel import hunt_paths
from kubeward.audit.events.reader import ReadStats, read_events
from kubeward.cli.audit_policy import policy
from kubeward.cli.audit_store import ingest_command, sql_command, store_events
from kubeward.report.exit_codes import ExitCode


@click.group()
def audit() -> None:
    """Audit logs and audit policies."""


audit.add_command(policy)
audit.add_command(ingest_command)
audit.add_command(sql_command)


def _demo_log() -> Path:
    return Path(str(resources.files("kubeward") / "demo" / "audit" / "audit.log"))


def _demo_logs() -> tuple[Path, ...]:
    """The history before the demo day, then the demo day."""
    return (Path(str(resources.files("kubeward") / "demo" / "audit" / "history.log")), _demo_log())


def _finish(stats: ReadStats) -> None:
    """Report what the read skipped; exit 2 when an input was unreadable, 3 when lines were skipped."""
    for issue in stats.issues:
        click.echo(f"kubeward: {issue.describe()}", err=True)
    if stats.unreadable_files:
        sys.exit(ExitCode.ERROR)
    if stats.incomplete:
        click.echo(
            f"kubeward: incomplete: {stats.bad_lines} malformed line(s), {stats.truncated_files} truncated file(s)",
            err=True,
        )
        sys.exit(ExitCode.INCOMPLETE)


def _time(value: str | None, option: str) -> dt.datetime | None:
    """RFC 3339 / ISO 8601; a time without zone is taken as UTC, like the audit timestamps."""
    if value is None:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise click.BadParameter(f"not an ISO 8601 time: {value!r}", param_hint=option) from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


@audit.command("hunt")
@click.argument("logs", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option("--demo", is_flag=True, help="Read the bundled demo audit log.")
@click.option("--store", type=click.Path(file_okay=False, path_type=Path), help="Hunt over a store ('audit ingest').")
@click.option("--since", metavar="TIME", help="Only requests received at or after TIME (ISO 8601, UTC if no zone).")
@click.option("--until", metavar="TIME", help="Only requests received before TIME.")
@click.option("--user", "users", multiple=True, metavar="NAME", help="Only this caller or impersonated user.")
@click.option("--namespace", "namespaces", multiple=True, metavar="NS", help="Only requests in this namespace.")
@click.option(
    "--question",
    "questions",
    multiple=True,
    type=click.Choice([d.id for d in DETECTIONS]),
    metavar="ID",
    help="Answer only this question (repeatable; see 'kubeward audit rules').",
)
@click.option(
    "--max-events",
    type=click.IntRange(min=1),
    default=MAX_EVENTS,
    show_default=True,
    help="Requests listed per question; more are counted, not listed (bounds memory).",
)
@click.option("-o", "--output", "fmt", type=click.Choice(FORMATS), default="table", show_default=True)
def hunt_command(
    logs: tuple[Path, ...],
    demo: bool,
    store: Path | None,
    since: str | None,
    until: str | None,
    users: tuple[str, ...],
    namespaces: tuple[str, ...],
    questions: tuple[str, ...],
    max_events: int,
    fmt: str,
) -> None:
    """Answer every forensic question over audit LOGs in one pass.

    LOG may be JSON-lines audit logs, gzip files, rotated sets and folders; a request counts once
    whatever stages were logged. Exit 3 when lines were skipped, 2 when an input was unreadable.
    With --store DIR the events come from a store written by 'kubeward audit ingest' instead.
    """
    paths = (*logs, _demo_log()) if demo else logs
    if bool(paths) == (store is not None):
        raise click.UsageError("give at least one LOG or --demo, or --store DIR (not both)")
    where = HuntFilter(_time(since, "--since"), _time(until, "--until"), frozenset(users), frozenset(namespaces))
    detections = tuple(BY_ID[q] for q in dict.fromkeys(questions)) if questions else DETECTIONS
    stats = ReadStats()
    if store is None:
        result = hunt_paths(paths, stats, detections, where, limit=max_events)
    else:
        result = hunt(store_events(store, stats, where), detections, where, limit=max_events)
    if fmt == "json":
        click.echo(render_json(result, stats))
    elif fmt == "csv":
        click.echo(render_csv(result), nl=False)
    else:
        click.echo(render_table(result, stats), nl=False)
    _finish(stats)


def _duration(value: str) -> dt.timedelta:
    """``24h``, ``7d``, ``90m``."""
    units = {"m": "minutes", "h": "hours", "d": "days"}
    try:
        return dt.timedelta(**{units[value[-1]]: float(value[:-1])})
    except (KeyError, ValueError) as exc:
        raise click.BadParameter(f"not a duration like 24h, 7d or 90m: {value!r}", param_hint="--window") from exc


@audit.command("anomalies")
@click.argument("logs", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option(
    "--demo", is_flag=True, help="Read the bundled demo audit logs (a week of history and the day of the hunt)."
)
@click.option("--since", metavar="TIME", help="Start of the detection window; everything before is the baseline.")
@click.option("--until", metavar="TIME", help="End of the detection window (later requests are ignored).")
@click.option("--window", default="24h", show_default=True, help="Window length when --since is not given.")
@click.option(
    "--change-window",
    "change_windows",
    multiple=True,
    metavar="SPEC",
    help="When RBAC may change, e.g. 'Mon-Fri 08:00-18:00 Europe/Berlin' (repeatable).",
)
@click.option("--spike-factor", type=float, default=3.0, show_default=True, help="Times the busiest baseline day.")
@click.option("--min-reads", type=int, default=20, show_default=True, help="Fewest Secret reads per day for a spike.")
@click.option("--include-system", is_flag=True, help="Also baseline nodes and control-plane components.")
@click.option("-o", "--output", "fmt", type=click.Choice(FORMATS), default="table", show_default=True)
def anomalies_command(
    logs: tuple[Path, ...],
    demo: bool,
    since: str | None,
    until: str | None,
    window: str,
    change_windows: tuple[str, ...],
    spike_factor: float,
    min_reads: int,
    include_system: bool,
    fmt: str,
) -> None:
    """Find what identities did in a window that their own history does not explain.

    Baselines per identity: Secrets read, source IPs, client programs, Secret reads per day. Reports
    first-time Secret reads, read spikes, new source IPs and user agents (kubectl with a service-account
    identity is rated high), new identities, and RBAC changes outside --change-window.
    """
    paths = (*logs, *_demo_logs()) if demo else logs
    if not paths:
        raise click.UsageError("give at least one LOG or --demo")
    try:
        windows = tuple(ChangeWindow.parse(spec) for spec in change_windows)
    except ChangeWindowError as exc:
        raise click.BadParameter(str(exc), param_hint="--change-window") from exc
    settings = Settings(
        since=_time(since, "--since"),
        until=_time(until, "--until"),
        window=_duration(window),
        change_windows=windows,
        spike_factor=spike_factor,
        min_reads=min_reads,
        include_system=include_system,
    )
    stats = ReadStats()
    baselines, start, found = find_anomalies(read_events(paths, stats), settings)
    click.echo(render_anomalies(fmt, baselines, start, found, stats), nl=fmt != "csv")
    _finish(stats)


@audit.command("rules")
@click.option("-o", "--output", "fmt", type=click.Choice(("table", "json")), default="table", show_default=True)
def rules_command(fmt: str) -> None:
    """List the detections that 'kubeward audit hunt' answers."""
    if fmt == "json":
        rows = [
            {
                "id": d.id,
                "title": d.title,
                "severity": str(d.severity),
                "question": d.question,
                "rationale": d.rationale,
            }
            for d in DETECTIONS
        ]
        click.echo(msgspec.json.format(msgspec.json.encode(rows), indent=2).decode())
        return
    for d in DETECTIONS:
        click.echo(f"{d.id:<25} {d.severity!s:<9} {d.question}\n{'':<35} {d.rationale}")
