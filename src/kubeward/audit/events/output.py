"""The hunt's answers as JSON, CSV or a table: counts per question and the compact projection of each request.

Only the projection in :class:`~kubeward.audit.events.hunt.Match` is ever written — bodies of Secrets and
tokens logged at ``RequestResponse`` never reach this module.
"""

import csv
import dataclasses
import datetime as dt
import io
from typing import Any

import msgspec

from kubeward.audit.events.anomalies import Anomaly, Baselines
from kubeward.audit.events.hunt import Hunt, Match
from kubeward.audit.events.model import rfc3339
from kubeward.audit.events.reader import ReadStats

FORMATS = ("table", "json", "csv")
TABLE_ROWS = 20
"""Events shown per question in the table; JSON and CSV carry them all."""

_COLUMNS = (
    "time", "user", "impersonated_user", "verb", "resource", "namespace", "name", "path", "source_ips", "user_agent",
)  # fmt: skip


def _event(match: Match) -> dict[str, Any]:
    return {
        "time": match.time,
        "audit_id": match.audit_id,
        "user": match.user,
        "impersonated_user": match.impersonated_user or None,
        "verb": match.verb,
        "resource": match.resource,
        "namespace": match.namespace or None,
        "name": match.name or None,
        "path": match.path or None,
        "source_ips": match.source_ips,
        "user_agent": match.user_agent,
        "code": match.code or None,
    }


def as_document(result: Hunt, stats: ReadStats) -> dict[str, Any]:
    """The JSON document: ``questions`` by stable id, then what the read saw and skipped."""
    return {
        "questions": {
            qid: {
                "title": answer.detection.title,
                "severity": str(answer.detection.severity),
                "question": answer.detection.question,
                "requests": answer.requests,
                "events": [_event(m) for m in answer.matches.values()],
                "events_not_listed": answer.overflow,
            }
            for qid, answer in result.answers.items()
        },
        "input": _input(stats),
    }


def render_json(result: Hunt, stats: ReadStats) -> str:
    """Indented JSON."""
    return msgspec.json.format(msgspec.json.encode(as_document(result, stats)), indent=2).decode()


def render_csv(result: Hunt) -> str:
    """One row per (question, request)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(("question", "audit_id", *_COLUMNS, "code"))
    for qid, answer in result.answers.items():
        for m in answer.matches.values():
            writer.writerow(
                (qid, m.audit_id, m.time, m.user, m.impersonated_user, m.verb, m.resource, m.namespace, m.name, m.path,
                 " ".join(m.source_ips), m.user_agent, m.code or "")
            )  # fmt: skip
    return out.getvalue()


def _clean(text: str) -> str:
    """Hostile logs can carry terminal escapes in user agents and names: show them escaped."""
    return text if text.isprintable() else text.encode("unicode_escape").decode("ascii")


def render_table(result: Hunt, stats: ReadStats) -> str:
    """Plain text: a summary line per question, then its first requests."""
    lines: list[str] = []
    for qid, answer in result.answers.items():
        count = answer.requests
        lines.append(f"{qid} [{answer.detection.severity}] {answer.detection.question} {count} request(s)")
        for m in list(answer.matches.values())[:TABLE_ROWS]:
            resource, _, subresource = m.resource.partition("/")
            target = "/".join(part for part in (m.namespace, resource, m.name, subresource) if part) or m.path
            actor = f"{m.user or '<unauthenticated>'}" + (f" as {m.impersonated_user}" if m.impersonated_user else "")
            ips = ",".join(m.source_ips)
            row = f"  {m.time}  {actor}  {m.verb} {target}  {m.code or '-'}  {ips}  {m.user_agent}"
            lines.append(_clean(row))
        if count > TABLE_ROWS:
            lines.append(f"  ... {count - TABLE_ROWS} more (use -o json or -o csv)")
        if answer.overflow:
            lines.append(f"  ({answer.overflow} request(s) counted but not kept: more than {answer.limit})")
    lines.append(
        f"read {stats.files} file(s), {stats.events} event(s); skipped {stats.bad_lines} malformed line(s), "
        f"{stats.non_audit} non-audit line(s)"
    )
    return "\n".join(lines) + "\n"


def _input(stats: ReadStats) -> dict[str, Any]:
    return {
        "files": stats.files,
        "lines": stats.lines,
        "events": stats.events,
        "malformed_lines": stats.bad_lines,
        "non_audit_lines": stats.non_audit,
        "truncated_files": stats.truncated_files,
        "unreadable_files": stats.unreadable_files,
        "issues": [issue.describe() for issue in stats.issues],
        "incomplete": stats.incomplete,
    }


def _stamp(when: dt.datetime | None) -> str | None:
    return rfc3339(when) if when else None


def render_anomalies(
    fmt: str, baselines: Baselines, start: dt.datetime | None, found: list[Anomaly], stats: ReadStats
) -> str:
    """The anomalies as table, JSON (with the baseline and window they were measured against) or CSV."""
    if fmt == "json":
        settings = baselines.settings
        document = {
            "baseline": {"from": _stamp(baselines.first), "until": _stamp(start)},
            "window": {"from": _stamp(start), "until": _stamp(baselines.last)},
            "change_windows": [w.spec for w in settings.change_windows],
            "requests": baselines.requests,
            "identities": len(baselines.identities),
            "anomalies": [dataclasses.asdict(a) | {"severity": str(a.severity)} for a in found],
            "input": _input(stats),
        }
        return msgspec.json.format(msgspec.json.encode(document), indent=2).decode()
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(("time", "kind", "severity", "identity", "audit_id", "detail"))
        for a in found:
            writer.writerow((a.time, a.kind, str(a.severity), a.identity, a.audit_id, a.detail))
        return out.getvalue()
    lines = [
        f"baseline {_stamp(baselines.first)} .. {_stamp(start)}; window {_stamp(start)} .. {_stamp(baselines.last)}; "
        f"{baselines.requests} request(s) by {len(baselines.identities)} identities"
    ]
    if not baselines.settings.change_windows:
        lines.append("RBAC changes not checked against a change window (give --change-window)")
    lines.extend(_clean(f"{a.time}  [{a.severity}] {a.kind}  {a.identity}  {a.detail}") for a in found)
    lines.append(f"anomalies: {len(found)}")
    return "\n".join(lines)
