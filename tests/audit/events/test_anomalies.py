"""Anomalies against per-identity baselines: exact findings on small logs, change windows on the wall clock."""

import datetime as dt
import json
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from kubeward.audit.events.anomalies import ChangeWindow, ChangeWindowError, Settings, find_anomalies, product
from kubeward.audit.events.reader import ReadStats, read_events
from kubeward.cli.audit import audit

from .test_hunt import ALLOW, event, write

DAY0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)  # a Monday


def done(
    audit_id: str, when: dt.datetime, verb: str, user: str, resource: str, *, ip: str = "203.0.113.10", **extra: Any
) -> dict[str, Any]:
    e = event(audit_id, "ResponseComplete", verb, user, resource, responseStatus={"code": 200}, annotations=ALLOW)
    e["requestReceivedTimestamp"] = when.isoformat().replace("+00:00", "Z")
    e["sourceIPs"] = [ip]
    e.update(extra)
    return e


def kinds(tmp_path: Path, events: list[dict[str, Any]], **settings: Any) -> list[tuple[str, str, str]]:
    log = write(tmp_path / "audit.log", events)
    _, _, found = find_anomalies(read_events([log], ReadStats()), Settings(**settings))
    return [(a.kind, a.identity, a.detail) for a in found]


def history(user: str = "bob", days: int = 5) -> list[dict[str, Any]]:
    """``user`` reads payments/db once a day from 203.0.113.10 with kubectl."""
    return [
        done(f"h{i}", DAY0 - dt.timedelta(days=days - i), "get", user, "secrets", objectRef=_ref("db"))
        for i in range(days)
    ]


def _ref(name: str, namespace: str = "payments", resource: str = "secrets") -> dict[str, str]:
    return {"resource": resource, "namespace": namespace, "name": name, "apiVersion": "v1"}


def test_known_behaviour_is_quiet(tmp_path: Path) -> None:
    today = done("t1", DAY0, "get", "bob", "secrets", objectRef=_ref("db"))
    assert kinds(tmp_path, [*history(), today]) == []


def test_first_secret_read_new_ip_and_new_agent(tmp_path: Path) -> None:
    today = done("t1", DAY0, "get", "bob", "secrets", ip="192.0.2.50", objectRef=_ref("stripe"), userAgent="curl/8.5")
    assert sorted(kinds(tmp_path, [*history(), today])) == [
        ("first-secret-read", "bob", "first read of secrets payments/stripe"),
        ("new-source-ip", "bob", "first request from 192.0.2.50"),
        ("new-user-agent", "bob", "first request made with curl"),
    ]


def test_kubectl_with_a_service_account_token_is_high(tmp_path: Path) -> None:
    sa = "system:serviceaccount:ci:deployer"
    past = [
        done(f"h{i}", DAY0 - dt.timedelta(days=3 - i), "get", sa, "configmaps", userAgent="deployer/1.4")
        for i in range(3)
    ]
    today = done("t1", DAY0, "get", sa, "configmaps", userAgent="kubectl/v1.31.2 (linux/amd64) kubernetes/5864a46")
    log = write(tmp_path / "audit.log", [*past, today])
    _, _, found = find_anomalies(read_events([log], ReadStats()), Settings())
    assert [(a.kind, str(a.severity)) for a in found] == [("new-user-agent", "high")]


def test_new_identity_reported_once_and_system_components_left_out(tmp_path: Path) -> None:
    node = "system:node:worker-1"
    events = [
        *history(),
        done("n1", DAY0, "get", node, "secrets", objectRef=_ref("brand-new")),
        done("c1", DAY0, "get", "carol", "secrets", objectRef=_ref("db")),
        done("c2", DAY0 + dt.timedelta(minutes=1), "get", "carol", "secrets", objectRef=_ref("other")),
    ]
    assert kinds(tmp_path, events) == [("new-identity", "carol", "first request by this identity")]
    assert ("new-identity", node, "first request by this identity") in kinds(tmp_path, events, include_system=True)


def test_read_spike_against_the_busiest_baseline_day(tmp_path: Path) -> None:
    past = [
        done(f"h{d}-{i}", DAY0 - dt.timedelta(days=4 - d, minutes=i), "get", "bob", "secrets", objectRef=_ref("db"))
        for d in range(3)
        for i in range(4)
    ]  # 4 reads a day
    burst = [
        done(f"b{i}", DAY0 + dt.timedelta(seconds=i), "get", "bob", "secrets", objectRef=_ref("db")) for i in range(13)
    ]
    found = kinds(tmp_path, [*past, *burst], min_reads=10)
    assert found == [("secret-read-spike", "bob", "13 Secret reads in the window (13/day), at most 4/day before")]
    assert kinds(tmp_path, [*past, *burst[:12]], min_reads=10) == []  # 12 = 3 x 4 is not above the limit


def test_rbac_change_outside_the_change_window(tmp_path: Path) -> None:
    def change(audit_id: str, when: dt.datetime) -> dict[str, Any]:
        e = done(audit_id, when, "update", "bob", "rolebindings", objectRef=_ref("ops", resource="rolebindings"))
        e["objectRef"]["apiGroup"] = "rbac.authorization.k8s.io"
        return e

    window = ChangeWindow.parse("Mon-Fri 08:00-18:00 Europe/Berlin")
    events = [
        *history(),
        change("in", DAY0),  # Monday 10:00 in Berlin
        change("late", DAY0.replace(hour=17, minute=30)),  # 18:30 in Berlin (UTC+1 in March)
    ]
    found = kinds(tmp_path, events, change_windows=(window,), window=dt.timedelta(days=2))
    assert found == [
        (
            "rbac-change-outside-window",
            "bob",
            "update payments/rolebindings/ops outside Mon-Fri 08:00-18:00 Europe/Berlin",
        )
    ]


def test_change_window_parsing_and_wall_clock() -> None:
    window = ChangeWindow.parse("Mon-Fri 08:00-18:00 Europe/Berlin")
    berlin = ZoneInfo("Europe/Berlin")
    assert window.contains(dt.datetime(2026, 7, 6, 8, 0, tzinfo=berlin))  # summer time: 06:00 UTC
    assert not window.contains(dt.datetime(2026, 7, 6, 5, 59, tzinfo=dt.UTC))
    assert not window.contains(dt.datetime(2026, 7, 4, 12, 0, tzinfo=berlin))  # Saturday
    night = ChangeWindow.parse("Fri 22:00-02:00")
    assert night.contains(dt.datetime(2026, 7, 3, 23, 0, tzinfo=dt.UTC))  # Friday night
    assert night.contains(dt.datetime(2026, 7, 4, 1, 59, tzinfo=dt.UTC))  # into Saturday
    assert not night.contains(dt.datetime(2026, 7, 3, 1, 0, tzinfo=dt.UTC))  # Friday early morning
    assert ChangeWindow.parse("sat-mon 00:00-23:59").days == frozenset({5, 6, 0})
    for bad in ("Mon-Fri", "Funday 08:00-18:00", "Mon 08:00-18:00 Mars/Olympus", "Mon 25:00-26:00"):
        with pytest.raises(ChangeWindowError):
            ChangeWindow.parse(bad)


@given(
    st.datetimes(min_value=dt.datetime(2020, 1, 1), max_value=dt.datetime(2030, 1, 1), timezones=st.just(dt.UTC)),
    st.integers(0, 23),
    st.integers(0, 23),
)
def test_window_matches_its_definition(when: dt.datetime, start: int, end: int) -> None:
    window = ChangeWindow.parse(f"Mon-Fri {start:02d}:00-{end:02d}:00 America/New_York")
    local = when.astimezone(ZoneInfo("America/New_York"))
    hour, day = local.hour, local.weekday()
    if start <= end:
        expected = day < 5 and start <= hour < end
    else:
        expected = (day < 5 and hour >= start) or ((day - 1) % 7 < 5 and hour < end)
    assert window.contains(when) == expected


def test_user_agent_product() -> None:
    assert product("kubectl/v1.31.2 (linux/amd64) kubernetes/5864a46") == "kubectl"
    assert product("Go-http-client/2.0") == "Go-http-client"
    assert product("") == "<none>"


def test_demo_shows_the_stolen_token_story() -> None:
    result = CliRunner().invoke(
        audit, ["anomalies", "--demo", "--change-window", "Mon-Fri 08:00-18:00 Europe/Berlin", "-o", "json"]
    )
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert [(a["kind"], a["identity"], a["severity"]) for a in doc["anomalies"]] == [
        ("rbac-change-outside-window", "alice@example.com", "high"),
        ("first-secret-read", "system:serviceaccount:ci:deployer", "medium"),
        ("new-source-ip", "system:serviceaccount:ci:deployer", "medium"),
        ("new-user-agent", "system:serviceaccount:ci:deployer", "high"),
    ]
    bad = CliRunner().invoke(audit, ["anomalies", "--demo", "--change-window", "weekdays"])
    assert bad.exit_code == 2 and "--change-window" in bad.output
