"""Anomalies: what an identity did in a detection window that its own history (the baseline) does not explain.

Rule-based detections answer "who did X"; these answer "who did something new". One pass keeps, per identity,
only first-seen times (Secrets read, source IPs, user-agent products) and hourly Secret-read counts — bounded
by the number of identities and objects, not by the log's size. When the pass ends the detection window is
known (``--since/--until``, or the last ``window`` of the log) and everything before it is the baseline.

- ``first-secret-read``: an identity with history read a Secret (or listed/watched a namespace's Secrets) it
  never read before.
- ``secret-read-spike``: its Secret reads per day in the window exceed ``factor`` times its busiest baseline day
  (and at least ``min_reads``).
- ``new-source-ip`` / ``new-user-agent``: a caller address or client program (the user-agent's product, so a
  kubectl upgrade is not news) never seen for the identity; ``kubectl`` with a service-account identity is a
  stolen-token sign and rated high — workloads do not run kubectl with their own tokens as a rule.
- ``new-identity``: an identity first seen in the window (everything it did is new; reported once).
- ``rbac-change-outside-window``: a change to roles or bindings outside every change window
  (``Mon-Fri 08:00-18:00 Europe/Berlin``), in the change window's own time zone.

Only completed requests count (stage ``ResponseComplete``, or ``Panic``), so a request is seen once. The
cluster's own components (``system:node:*``, ``system:kube-*``, ``system:apiserver``, kube-system service
accounts) are left out unless asked: they read new Secrets whenever a pod is scheduled.
"""

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from kubeward.audit.events.detections import READ_VERBS, rbac_change
from kubeward.audit.events.model import Event, rfc3339
from kubeward.checks.rule import Severity

K = TypeVar("K")
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_SPEC = re.compile(r"^\s*(?P<days>\S+)\s+(?P<start>\d{1,2}:\d{2})-(?P<end>\d{1,2}:\d{2})(?:\s+(?P<zone>\S+))?\s*$")
SA_PREFIX = "system:serviceaccount:"
KINDS = (
    "first-secret-read",
    "secret-read-spike",
    "new-source-ip",
    "new-user-agent",
    "new-identity",
    "rbac-change-outside-window",
)


class ChangeWindowError(ValueError):
    """A change-window specification that cannot be read."""


@dataclass(frozen=True)
class ChangeWindow:
    """Days of the week and a time range in a time zone; a range that ends before it starts spans midnight."""

    spec: str
    days: frozenset[int]
    start: dt.time
    end: dt.time
    zone: ZoneInfo

    @classmethod
    def parse(cls, spec: str) -> "ChangeWindow":
        """``Mon-Fri 08:00-18:00 Europe/Berlin``; days as a range, a comma list or ``*``; zone defaults to UTC."""
        match = _SPEC.match(spec)
        if match is None:
            raise ChangeWindowError(
                f"{spec!r}: expected DAYS HH:MM-HH:MM [ZONE], e.g. 'Mon-Fri 08:00-18:00 Europe/Berlin'"
            )
        try:
            zone = ZoneInfo(match["zone"] or "UTC")
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ChangeWindowError(f"{spec!r}: unknown time zone {match['zone']!r}") from exc
        try:
            start, end = (dt.time.fromisoformat(match[k].zfill(5)) for k in ("start", "end"))
        except ValueError as exc:
            raise ChangeWindowError(f"{spec!r}: invalid time of day") from exc
        return cls(spec, _days(spec, match["days"]), start, end, zone)

    def contains(self, when: dt.datetime) -> bool:
        """Whether ``when`` falls inside the window, read on the window's wall clock."""
        local = when.astimezone(self.zone)
        day, clock = local.weekday(), local.time().replace(tzinfo=None)
        if self.start <= self.end:
            return day in self.days and self.start <= clock < self.end
        return (day in self.days and clock >= self.start) or ((day - 1) % 7 in self.days and clock < self.end)


def _days(spec: str, text: str) -> frozenset[int]:
    if text == "*":
        return frozenset(range(7))
    days: set[int] = set()
    for part in text.lower().split(","):
        first, _, last = part.partition("-")
        if first[:3] not in DAYS or (last and last[:3] not in DAYS):
            raise ChangeWindowError(f"{spec!r}: unknown day in {part!r} (use Mon..Sun)")
        a, b = DAYS.index(first[:3]), DAYS.index((last or first)[:3])
        days.update(range(a, b + 1) if a <= b else [*range(a, 7), *range(0, b + 1)])
    return frozenset(days)


@dataclass(frozen=True)
class Anomaly:
    """One thing that stands out, with the request that showed it first."""

    kind: str
    severity: Severity
    identity: str
    time: str
    audit_id: str
    detail: str


@dataclass(frozen=True)
class Settings:
    """How the window is chosen and how sensitive the baselines are."""

    since: dt.datetime | None = None
    until: dt.datetime | None = None
    window: dt.timedelta = dt.timedelta(days=1)
    change_windows: tuple[ChangeWindow, ...] = ()
    spike_factor: float = 3.0
    min_reads: int = 20
    include_system: bool = False


@dataclass
class _Seen:
    """First time something was seen for an identity, and the request that showed it."""

    time: dt.datetime
    audit_id: str


@dataclass
class Baselines:
    """What the pass keeps: first sightings and daily Secret-read counts per identity, RBAC changes."""

    settings: Settings = field(default_factory=Settings)
    identities: dict[str, _Seen] = field(default_factory=dict)
    secrets: dict[tuple[str, str], _Seen] = field(default_factory=dict)
    ips: dict[tuple[str, str], _Seen] = field(default_factory=dict)
    agents: dict[tuple[str, str], _Seen] = field(default_factory=dict)
    reads_per_hour: dict[str, dict[dt.datetime, int]] = field(default_factory=lambda: defaultdict(dict))
    rbac: list[tuple[dt.datetime, str, str, str]] = field(default_factory=list)
    first: dt.datetime | None = None
    last: dt.datetime | None = None
    requests: int = 0

    def add(self, event: Event) -> None:
        """Fold in one event (only completed requests of people and workloads count)."""
        when = event.requestReceivedTimestamp
        who = event.user.username
        if event.stage not in ("ResponseComplete", "Panic") or when is None or not who:
            return
        if not self.settings.include_system and _is_system(who):
            return
        if self.settings.until is not None and when >= self.settings.until:
            return
        self.requests += 1
        self.first = when if self.first is None or when < self.first else self.first
        self.last = when if self.last is None or when > self.last else self.last
        audit_id = event.auditID
        _first(self.identities, who, when, audit_id)
        for ip in event.sourceIPs[:1]:
            _first(self.ips, (who, ip), when, audit_id)
        _first(self.agents, (who, product(event.userAgent)), when, audit_id)
        ref = event.objectRef
        if (
            ref is not None
            and ref.resource == "secrets"
            and not ref.subresource
            and event.verb in READ_VERBS
            and event.code < 400
        ):
            key = f"{ref.namespace or '*'}/{ref.name or '*'}"
            _first(self.secrets, (who, key), when, audit_id)
            hours = self.reads_per_hour[who]
            hour = _hour(when)
            hours[hour] = hours.get(hour, 0) + 1
        if rbac_change(event):
            target = "/".join(p for p in (ref.namespace if ref else "", event.resource, ref.name if ref else "") if p)
            self.rbac.append((when, who, f"{event.verb} {target}", audit_id))

    def anomalies(self) -> tuple[dt.datetime | None, list[Anomaly]]:
        """The window's start and what stands out in it, in time order."""
        if self.last is None:
            return None, []
        start = self.settings.since or (self.last - self.settings.window)
        found: list[Anomaly] = []
        new = {who for who, seen in self.identities.items() if seen.time >= start}
        for who in sorted(new):
            seen = self.identities[who]
            found.append(_anomaly("new-identity", Severity.LOW, who, seen, "first request by this identity"))
        for (who, key), seen in self.secrets.items():
            if seen.time >= start and who not in new:
                found.append(_anomaly("first-secret-read", Severity.MEDIUM, who, seen, f"first read of secrets {key}"))
        for (who, ip), seen in self.ips.items():
            if seen.time >= start and who not in new:
                found.append(_anomaly("new-source-ip", Severity.MEDIUM, who, seen, f"first request from {ip}"))
        for (who, agent), seen in self.agents.items():
            if seen.time >= start and (who not in new or _stolen_token_sign(who, agent)):
                found.append(_agent_anomaly(who, agent, seen))
        found.extend(self._spikes(start))
        for when, who, change, audit_id in self.rbac:
            if (
                when >= start
                and self.settings.change_windows
                and not any(w.contains(when) for w in self.settings.change_windows)
            ):
                found.append(
                    _anomaly(
                        "rbac-change-outside-window", Severity.HIGH, who, _Seen(when, audit_id),
                        f"{change} outside {' / '.join(w.spec for w in self.settings.change_windows)}",
                    )
                )  # fmt: skip
        return start, sorted(found, key=lambda a: (a.time, a.kind, a.identity))

    def _spikes(self, start: dt.datetime) -> Iterable[Anomaly]:
        """Reads per day in the window against the busiest baseline day, from hourly counts (the window's
        first partial hour counts as window).
        """
        window_days = max((self.last - start).total_seconds() / 86400, 1.0) if self.last else 1.0
        first_hour = _hour(start)
        for who, hours in self.reads_per_hour.items():
            per_day: dict[dt.date, int] = {}
            in_window = 0
            for hour, count in hours.items():
                if hour >= first_hour:
                    in_window += count
                else:
                    per_day[hour.date()] = per_day.get(hour.date(), 0) + count
            if not per_day or not in_window:
                continue
            busiest = max(per_day.values())
            rate = in_window / window_days
            if rate > max(float(self.settings.min_reads), self.settings.spike_factor * busiest):
                detail = f"{in_window} Secret reads in the window ({rate:.0f}/day), at most {busiest}/day before"
                yield _anomaly("secret-read-spike", Severity.HIGH, who, _Seen(start, ""), detail)


def _hour(when: dt.datetime) -> dt.datetime:
    return when.replace(minute=0, second=0, microsecond=0)


def product(agent: str) -> str:
    """The client program of a user-agent: ``kubectl/v1.31.2 (linux/amd64) kubernetes/5864a46`` → ``kubectl``."""
    return agent.split("/", 1)[0].split(" ", 1)[0].strip() or "<none>"


def _stolen_token_sign(who: str, agent: str) -> bool:
    return who.startswith(SA_PREFIX) and agent == "kubectl"


def _agent_anomaly(who: str, agent: str, seen: _Seen) -> Anomaly:
    if _stolen_token_sign(who, agent):
        return _anomaly(
            "new-user-agent", Severity.HIGH, who, seen,
            "kubectl used with a service-account identity (a stolen or copied token?)",
        )  # fmt: skip
    return _anomaly("new-user-agent", Severity.MEDIUM, who, seen, f"first request made with {agent}")


def _is_system(who: str) -> bool:
    if who.startswith(SA_PREFIX):
        return who.startswith(SA_PREFIX + "kube-system:")
    return who.startswith("system:")


def _first(seen: dict[K, _Seen], key: K, when: dt.datetime, audit_id: str) -> None:
    current = seen.get(key)
    if current is None or when < current.time:
        seen[key] = _Seen(when, audit_id)


def _anomaly(kind: str, severity: Severity, who: str, seen: _Seen, detail: str) -> Anomaly:
    return Anomaly(kind, severity, who, rfc3339(seen.time), seen.audit_id, detail)


def find_anomalies(events: Iterable[Event], settings: Settings) -> tuple[Baselines, dt.datetime | None, list[Anomaly]]:
    """One pass over ``events``; returns the baselines, the window's start and the anomalies."""
    baselines = Baselines(settings)
    for event in events:
        baselines.add(event)
    start, found = baselines.anomalies()
    return baselines, start, found
