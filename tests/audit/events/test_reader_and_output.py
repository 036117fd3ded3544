"""Reader tolerance (old field sets, EventList, corrupt gzip), filters, output formats and stage joins."""

import datetime as dt
import gzip
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from kubeward.audit.events.hunt import HuntFilter, hunt
from kubeward.audit.events.reader import ReadStats, read_events
from kubeward.cli.audit import audit

from .test_hunt import event, write


def test_v1beta1_extras_missing_apiversion_and_eventlist(tmp_path: Path) -> None:
    old = event("o1", "ResponseComplete", "delete", "alice", "secrets", responseStatus={"code": 200})
    del old["apiVersion"]
    old["timestamp"] = "2018-10-01T10:00:00Z"
    old["metadata"] = {"creationTimestamp": "2018-10-01T10:00:00Z"}
    batch = {
        "kind": "EventList",
        "apiVersion": "audit.k8s.io/v1",
        "metadata": {},
        "items": [event("l1", "ResponseComplete", "get", "system:anonymous", responseStatus={"code": 200})],
    }
    log = write(tmp_path / "audit.log", [old, batch])
    stats = ReadStats()
    result = hunt(read_events([log], stats))
    assert {q: len(a.matches) for q, a in result.answers.items() if a.matches} == {
        "secret-writes": 1,
        "anonymous-allowed": 1,
    }
    assert (stats.events, stats.bad_lines, stats.non_audit) == (2, 0, 0)


def test_corrupt_gzip_is_reported_and_the_next_file_read(tmp_path: Path) -> None:
    (tmp_path / "audit.log.1.gz").write_bytes(b"\x1f\x8b" + b"garbage" * 10)
    write(tmp_path / "audit.log", [event("c1", "ResponseStarted", "get", "", "pods", responseStatus={"code": 401})])
    stats = ReadStats()
    result = hunt(read_events([tmp_path], stats))
    assert len(result.answers["failed-authn"].matches) == 1
    assert stats.truncated_files == 1 and stats.incomplete


def test_since_until_are_half_open_on_request_received(tmp_path: Path) -> None:
    events = []
    for i, stamp in enumerate(["2026-03-02T07:59:59.999999Z", "2026-03-02T08:00:00Z", "2026-03-02T09:00:00Z"]):
        e = event(f"t{i}", "ResponseComplete", "get", "bob", "secrets", responseStatus={"code": 200})
        e["requestReceivedTimestamp"] = stamp
        events.append(e)
    log = write(tmp_path / "audit.log", events)
    where = HuntFilter(since=dt.datetime(2026, 3, 2, 8, tzinfo=dt.UTC), until=dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC))
    result = hunt(read_events([log], ReadStats()), where=where)
    assert list(result.answers["secret-reads"].matches) == ["t1"]


def test_csv_and_table_output_escape_hostile_text(tmp_path: Path) -> None:
    e = event("u1", "ResponseComplete", "get", "bob", "secrets", responseStatus={"code": 200})
    e["userAgent"] = "evil\x1b[2Jagent"
    e["objectRef"]["name"] = "api-key"
    log = write(tmp_path / "audit.log", [e])
    runner = CliRunner()
    csv_out = runner.invoke(audit, ["hunt", str(log), "-o", "csv", "--question", "secret-reads"])
    assert csv_out.exit_code == 0
    assert csv_out.output.splitlines()[0] == (
        "question,audit_id,time,user,impersonated_user,verb,resource,namespace,name,path,source_ips,user_agent,code"
    )
    assert csv_out.output.splitlines()[1].startswith("secret-reads,u1,2026-03-02T08:00:00.002174Z,bob,,get,secrets,")
    table = runner.invoke(audit, ["hunt", str(log)])
    assert "\x1b" not in table.output and "\\x1b[2J" in table.output


def test_bad_time_is_a_usage_error(tmp_path: Path) -> None:
    log = write(tmp_path / "audit.log", [])
    result = CliRunner().invoke(audit, ["hunt", str(log), "--since", "yesterday"])
    assert result.exit_code == 2


STAGES = ["RequestReceived", "ResponseStarted", "ResponseComplete"]


@given(st.lists(st.sampled_from(STAGES), min_size=1, max_size=3, unique=True), st.sampled_from([200, 403]))
def test_one_request_counts_once_whatever_stages_were_logged(stages: list[str], code: int) -> None:
    ordered = sorted(stages, key=STAGES.index)
    lines = []
    for stage in ordered:
        extra = {} if stage == "RequestReceived" else {"responseStatus": {"code": code}}
        lines.append(json.dumps(event("r1", stage, "list", "bob", "secrets", **extra)).encode())
    data = gzip.compress(b"\n".join(lines))
    path = Path(f"/tmp/kubeward-hunt-{'-'.join(ordered)}-{code}.log.gz")
    path.write_bytes(data)
    try:
        result = hunt(read_events([path], ReadStats()))
    finally:
        path.unlink()
    expected = 0 if code == 403 and ordered != ["RequestReceived"] else 1
    assert len(result.answers["secret-reads"].matches) == expected


def test_overlong_line_is_skipped_and_counted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from kubeward.audit.events import reader

    monkeypatch.setattr(reader, "MAX_LINE", 600)
    monkeypatch.setattr(reader, "_CHUNK", 64)
    good = json.dumps(event("ok", "ResponseComplete", "delete", "alice", "secrets", responseStatus={"code": 200}))
    (tmp_path / "audit.log").write_text("x" * 2000 + "\n" + good + "\n")
    stats = ReadStats()
    result = hunt(read_events([tmp_path / "audit.log"], stats))
    assert list(result.answers["secret-writes"].matches) == ["ok"]
    assert stats.bad_lines == 1
    assert [i.describe() for i in stats.issues] == [f"{tmp_path / 'audit.log'}:1: line longer than 600 bytes, skipped"]


def test_truncated_gzip_keeps_every_event_before_the_cut(tmp_path: Path) -> None:
    lines = [
        json.dumps(event(f"w{i}", "ResponseComplete", "patch", "alice", "secrets", responseStatus={"code": 200}))
        for i in range(2000)
    ]
    first = gzip.compress("\n".join(lines[:1000]).encode() + b"\n")
    second = gzip.compress("\n".join(lines[1000:]).encode() + b"\n")
    (tmp_path / "audit.log.gz").write_bytes(first + second[: len(second) - 8])
    stats = ReadStats()
    result = hunt(read_events([tmp_path], stats))
    assert len(result.answers["secret-writes"].matches) == 2000
    assert stats.truncated_files == 1 and stats.bad_lines == 0


def test_unreadable_file_is_exit_2_and_the_rest_is_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from kubeward.audit.events import reader

    good = write(
        tmp_path / "audit.log", [event("e", "ResponseStarted", "get", "", "pods", responseStatus={"code": 401})]
    )
    bad = write(tmp_path / "other.log", [])
    real = reader._chunks

    def chunks(path: Path, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        if path == bad:
            raise PermissionError(13, "Permission denied")
        return real(path, start, end)

    monkeypatch.setattr(reader, "_chunks", chunks)
    result = CliRunner().invoke(audit, ["hunt", str(good), str(bad), "-o", "json"])
    assert result.exit_code == 2
    assert json.loads(result.stdout)["questions"]["failed-authn"]["requests"] == 1
    assert f"{bad}: cannot read: Permission denied" in result.stderr
