"""What an audit policy would have written for the traffic of a log: events and bytes per day by rule.

Each logged event is put through the API server's checker (:func:`~kubeward.audit.policy.checker.evaluate`) as the
request it records: user (none for a 401 with an empty user, as ``WithFailedAuthenticationAudit`` evaluates it),
groups, verb, ``objectRef`` or, for non-resource requests, the path of ``requestURI`` without its query string. The
event is kept when the matching rule's level is not None and its stage is not omitted (the rule's omitStages plus
the policy's).

Sizes are estimated from the logged line (plus its newline): the event at Metadata is the line without the
``,"requestObject":...`` and ``,"responseObject":...`` members, with the level name rewritten; Request adds the
request body back, RequestResponse both bodies (bodies exist only for resource requests, and only at
ResponseComplete/Panic). When the simulated level needs a body the source did not log (it logged at a lower level),
the event is counted but its bytes are a lower bound ("bodies not in source"; not for reads, which send no
body, watches, which log no response, or exec/attach/port-forward/proxy streams). When the source has no
RequestReceived event at all (its policy omitted that stage) and a rule keeps RequestReceived, one RequestReceived
per request that rule matched is synthesized, sized as the request's last logged stage without bodies,
response status and annotations (never for 401s: the apiserver emits only ResponseStarted for them).
Not modelled: ``omitManagedFields`` (bodies are taken as logged) and stages the source policy omitted other than
RequestReceived.

Input: native JSON-lines logs (plain or gzip, rotated sets, folders); managed-service formats (EKS, GKE, AKS) and
EventList lines are not simulated (they are counted as non-audit lines).
"""

import csv
import datetime as dt
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import msgspec

from kubeward.audit.events.model import ObjectRef, ResponseStatus, UserInfo
from kubeward.audit.events.reader import ReadIssue, ReadStats, blocks, expand
from kubeward.audit.policy.checker import NO_MATCH, Decision, Request, evaluate
from kubeward.audit.policy.model import Policy, PolicyRule, level_rank

REQUEST_KEY = len(b',"requestObject":')
RESPONSE_KEY = len(b',"responseObject":')
UNKNOWN_DAY = "unknown"
_BODY_STAGES = frozenset({"ResponseComplete", "Panic"})
_BODY_VERBS = frozenset({"create", "update", "patch", "delete", "deletecollection"})
_STREAMS = frozenset({"exec", "attach", "portforward", "proxy"})
_REQUEST = level_rank("Request")
_REQUEST_RESPONSE = level_rank("RequestResponse")


class LoggedEvent(msgspec.Struct, gc=False):
    """The fields the checker reads, and the bodies as raw JSON (their length is all we need)."""

    kind: str = ""
    auditID: str = ""
    stage: str = ""
    level: str = ""
    verb: str = ""
    requestURI: str = ""
    user: UserInfo = msgspec.field(default_factory=UserInfo)
    objectRef: ObjectRef | None = None
    responseStatus: msgspec.Raw = msgspec.Raw()
    requestObject: msgspec.Raw = msgspec.Raw()
    responseObject: msgspec.Raw = msgspec.Raw()
    annotations: msgspec.Raw = msgspec.Raw()
    requestReceivedTimestamp: dt.datetime | None = None

    @property
    def code(self) -> int:
        """The response code; 0 before the response (or when the status is not an object)."""
        if not self.responseStatus:
            return 0
        try:
            return _STATUS.decode(self.responseStatus).code
        except msgspec.DecodeError:
            return 0


_DECODER = msgspec.json.Decoder(LoggedEvent)
_STATUS = msgspec.json.Decoder(ResponseStatus)
STATUS_KEY = len(b',"responseStatus":')
ANNOTATIONS_KEY = len(b',"annotations":')


def request_of(event: LoggedEvent) -> Request:
    """The authorizer attributes the checker saw for this request."""
    code = event.code
    user = None if code == 401 and not event.user.username else event.user.username
    groups = tuple(event.user.groups) if user is not None else ()
    ref = event.objectRef
    if ref is None or not ref.resource:
        return Request(verb=event.verb, user=user, user_groups=groups, path=event.requestURI.split("?", 1)[0])
    return Request(
        verb=event.verb,
        resource=ref.resource,
        subresource=ref.subresource,
        group=ref.apiGroup,
        namespace=ref.namespace,
        name=ref.name,
        user=user,
        user_groups=groups,
    )


def describe_rule(rule: PolicyRule, limit: int = 90) -> str:
    """``Metadata: secrets, configmaps; users a; omit RequestReceived`` — the rule's level and selectors."""
    parts = []
    if rule.users:
        parts.append("users " + ",".join(rule.users))
    if rule.user_groups:
        parts.append("groups " + ",".join(rule.user_groups))
    if rule.verbs:
        parts.append("verbs " + ",".join(rule.verbs))
    for entry in rule.resources:
        group = f"{entry.group or 'core'}:"
        names = f" [{','.join(entry.resource_names)}]" if entry.resource_names else ""
        parts.append(f"{group} {','.join(entry.resources) if entry.resources else '*'}{names}")
    if rule.namespaces:
        parts.append("namespaces " + ",".join(n or '""' for n in rule.namespaces))
    if rule.non_resource_urls:
        parts.append("urls " + ",".join(rule.non_resource_urls))
    selectors = "; ".join(parts) or "everything"
    omit = f"; omit {','.join(rule.omit_stages)}" if rule.omit_stages else ""
    text = f"{rule.level or '?'}: {selectors}{omit}"
    return text if len(text) <= limit else text[: limit - 3] + "..."


@dataclass
class RuleDay:
    """What one rule would have written on one day (rule -1 = no rule matched)."""

    day: str
    rule: int
    level: str
    events: int = 0
    bytes: int = 0
    lower_bound_events: int = 0
    synthesized: int = 0
    synthesized_bytes: int = 0
    dropped_level: int = 0
    dropped_stage: int = 0

    @property
    def bytes_lower_bound(self) -> bool:
        """Some kept events needed bodies the source log did not record."""
        return self.lower_bound_events > 0

    @property
    def dropped(self) -> int:
        """Logged events this rule matched that the policy would not write."""
        return self.dropped_level + self.dropped_stage


@dataclass
class Simulation:
    """The answer: rows by (day, rule), and what was read."""

    policy: Policy
    rows: dict[tuple[str, int], RuleDay] = field(default_factory=dict)
    stats: ReadStats = field(default_factory=ReadStats)
    events_read: int = 0
    source_request_received: int = 0
    synthesized_applied: bool = False

    @property
    def kept(self) -> int:
        """Logged events the policy would write."""
        return sum(r.events - r.synthesized for r in self.rows.values())

    @property
    def synthesized(self) -> int:
        """RequestReceived events added because the source omitted that stage."""
        return sum(r.synthesized for r in self.rows.values())

    @property
    def dropped(self) -> int:
        """Logged events the policy would not write."""
        return sum(r.dropped for r in self.rows.values())

    @property
    def bytes(self) -> int:
        """Estimated bytes written (lower bound when any row is)."""
        return sum(r.bytes for r in self.rows.values())

    def describe(self, rule: int, limit: int = 90) -> str:
        """The rule's short description, or what happens without a rule."""
        return describe_rule(self.policy.rules[rule], limit) if rule != NO_MATCH else "no rule matches: level None"

    def sorted_rows(self) -> list[RuleDay]:
        """By day, then rule order (no-match last)."""
        return sorted(self.rows.values(), key=lambda r: (r.day, r.rule == NO_MATCH, r.rule))


def _day(event: LoggedEvent) -> str:
    when = event.requestReceivedTimestamp
    if when is None:
        return UNKNOWN_DAY
    return (when.astimezone(dt.UTC) if when.tzinfo is not None else when).date().isoformat()


def event_size(event: LoggedEvent, line_length: int, level: str) -> tuple[int, bool]:
    """Estimated bytes of ``event`` (its line plus newline) written at ``level``, and whether that is a lower bound
    (a body the new level logs was not in the source).
    """
    request_body = len(event.requestObject)
    response_body = len(event.responseObject)
    size = line_length + 1 - len(event.level) + len(level)
    size -= (REQUEST_KEY + request_body if request_body else 0) + (RESPONSE_KEY + response_body if response_body else 0)
    rank = level_rank(level)
    lower_bound = False
    ref = event.objectRef
    if rank >= _REQUEST and ref is not None and ref.resource:
        source_rank = level_rank(event.level)
        # a body the source could have logged but did not: only at the stages that carry bodies, never for
        # exec/attach/port-forward/proxy streams; reads send no request body and watches log no response body
        missing = event.stage in _BODY_STAGES and ref.subresource not in _STREAMS
        if request_body:
            size += REQUEST_KEY + request_body
        elif source_rank < _REQUEST and missing and event.verb in _BODY_VERBS:
            lower_bound = True
        if rank >= _REQUEST_RESPONSE:
            if response_body:
                size += RESPONSE_KEY + response_body
            elif source_rank < _REQUEST_RESPONSE and missing and event.verb != "watch":
                lower_bound = True
    return size, lower_bound


class _Run:
    def __init__(self, result: Simulation) -> None:
        self.result = result
        self.decide = lru_cache(maxsize=1 << 16)(lambda request: evaluate(result.policy, request))
        # requests that would get a synthesized RequestReceived: counted at their last stage
        self.pending: dict[str, tuple[str, Decision, int]] = {}
        self.synthetic: dict[tuple[str, int], list[int]] = {}

    def row(self, day: str, decision: Decision) -> RuleDay:
        key = (day, decision.rule)
        found = self.result.rows.get(key)
        if found is None:
            found = self.result.rows[key] = RuleDay(day, decision.rule, decision.level)
        return found

    def add(self, event: LoggedEvent, line_length: int) -> None:
        result = self.result
        result.events_read += 1
        if event.stage == "RequestReceived":
            result.source_request_received += 1
        request = request_of(event)
        decision: Decision = self.decide(request)
        day = _day(event)
        row = self.row(day, decision)
        keeps = level_rank(decision.level) > 0
        if not keeps:
            row.dropped_level += 1
        elif event.stage in decision.omit_stages:
            row.dropped_stage += 1
        else:
            size, lower_bound = event_size(event, line_length, decision.level)
            row.events += 1
            row.bytes += size
            row.lower_bound_events += lower_bound
        if keeps and "RequestReceived" not in decision.omit_stages and request.user is not None:
            self.candidate(event, line_length, day, decision)

    def candidate(self, event: LoggedEvent, line_length: int, day: str, decision: Decision) -> None:
        """One synthesized RequestReceived per request, sized as its last logged stage at Metadata without what
        only later stages carry (responseStatus, annotations).
        """
        if event.stage == "RequestReceived":
            return
        size, _ = event_size(event, line_length, "Metadata")  # no bodies at RequestReceived
        size += len(decision.level) - len("Metadata") + len("RequestReceived") - len(event.stage)
        status, annotations = len(event.responseStatus), len(event.annotations)
        size -= (STATUS_KEY + status if status else 0) + (ANNOTATIONS_KEY + annotations if annotations else 0)
        if event.stage == "ResponseStarted":
            self.pending[event.auditID] = (day, decision, size)
            return
        self.pending.pop(event.auditID, None)
        self.count(day, decision, size)

    def count(self, day: str, decision: Decision, size: int) -> None:
        counted = self.synthetic.setdefault((day, decision.rule), [0, 0])
        counted[0] += 1
        counted[1] += size

    def finish(self) -> None:
        for day, decision, size in self.pending.values():
            self.count(day, decision, size)
        if self.result.source_request_received or not self.synthetic:
            return
        self.result.synthesized_applied = True
        for (day, rule), (events, size) in self.synthetic.items():
            row = self.result.rows[(day, rule)]
            row.synthesized += events
            row.synthesized_bytes += size
            row.events += events
            row.bytes += size


def simulate(policy: Policy, paths: Iterable[Path], stats: ReadStats | None = None) -> Simulation:
    """Run ``policy`` over every event of the logs at ``paths`` (read in rotation order, one pass)."""
    result = Simulation(policy, stats=stats or ReadStats())
    stats = result.stats
    run = _Run(result)
    for path in expand(paths):
        stats.files += 1
        for first, block in blocks(path, stats):
            for offset, line in enumerate(block.split(b"\n")[:-1]):
                stats.lines += 1
                if not line.strip():
                    continue
                try:
                    event = _DECODER.decode(line)
                except msgspec.DecodeError as exc:
                    stats.bad_lines += 1
                    stats.report("bad", ReadIssue(str(path), first + offset, f"not a valid audit event: {exc}"))
                    continue
                if not (event.auditID and event.stage) or event.kind not in ("", "Event"):
                    stats.non_audit += 1
                    why = "EventList lines are not simulated" if event.kind == "EventList" else "not an audit event"
                    stats.report("non-audit", ReadIssue(str(path), first + offset, why))
                    continue
                stats.events += 1
                run.add(event, len(line))
    run.finish()
    return result


def _notes(sim: Simulation) -> list[str]:
    notes = []
    for row in sim.sorted_rows():
        if row.bytes_lower_bound:
            notes.append(
                f"{row.day} rule {row.rule}: bytes are a lower bound, bodies not in source "
                f"({row.lower_bound_events} event(s) logged below level {row.level})"
            )
    if sim.synthesized_applied:
        notes.append(
            f"the log has no RequestReceived events (its policy omitted that stage): {sim.synthesized} "
            "RequestReceived event(s) synthesized, one per request a rule keeping that stage matched, at Metadata size"
        )
    return notes


def as_document(sim: Simulation, source: str = "") -> dict[str, object]:
    """JSON: one entry per day x rule, totals, notes and what the read saw."""
    stats = sim.stats
    return {
        "policy": source,
        "rows": [
            {
                "day": r.day,
                "rule": None if r.rule == NO_MATCH else r.rule,
                "level": r.level,
                "description": sim.describe(r.rule, limit=1000),
                "events": r.events,
                "bytes": r.bytes,
                "bytes_lower_bound": r.bytes_lower_bound,
                "synthesized_request_received": r.synthesized,
                "dropped": r.dropped,
                "dropped_level_none": r.dropped_level,
                "dropped_omitted_stage": r.dropped_stage,
            }
            for r in sim.sorted_rows()
        ],
        "days": {
            day: {
                "events": sum(r.events for r in rows),
                "bytes": sum(r.bytes for r in rows),
                "dropped": sum(r.dropped for r in rows),
            }
            for day, rows in _by_day(sim).items()
        },
        "totals": {
            "events_read": sim.events_read,
            "events_kept": sim.kept,
            "events_synthesized": sim.synthesized,
            "events_written": sim.kept + sim.synthesized,
            "bytes_written": sim.bytes,
            "bytes_lower_bound": any(r.bytes_lower_bound for r in sim.rows.values()),
            "dropped": sim.dropped,
            "dropped_level_none": sum(r.dropped_level for r in sim.rows.values()),
            "dropped_omitted_stage": sum(r.dropped_stage for r in sim.rows.values()),
        },
        "notes": _notes(sim),
        "input": {
            "files": stats.files,
            "lines": stats.lines,
            "events": stats.events,
            "malformed_lines": stats.bad_lines,
            "non_audit_lines": stats.non_audit,
            "truncated_files": stats.truncated_files,
            "unreadable_files": stats.unreadable_files,
            "issues": [issue.describe() for issue in stats.issues],
            "incomplete": stats.incomplete,
        },
    }


def _by_day(sim: Simulation) -> dict[str, list[RuleDay]]:
    days: dict[str, list[RuleDay]] = {}
    for row in sim.sorted_rows():
        days.setdefault(row.day, []).append(row)
    return days


CSV_COLUMNS = ("day", "rule", "level", "events", "bytes", "bytes_lower_bound", "synthesized_request_received",
               "dropped", "description")  # fmt: skip


def render_csv(sim: Simulation) -> str:
    """One row per day x rule."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for r in sim.sorted_rows():
        rule = "" if r.rule == NO_MATCH else r.rule
        writer.writerow(
            (r.day, rule, r.level, r.events, r.bytes, str(r.bytes_lower_bound).lower(), r.synthesized, r.dropped,
             sim.describe(r.rule))
        )  # fmt: skip
    return out.getvalue()


def _size(value: int, lower_bound: bool = False) -> str:
    text = f"{value} B" if value < 1000 else f"{value / 1000:.1f} kB" if value < 10**6 else f"{value / 1e6:.1f} MB"
    return (">=" + text) if lower_bound else text


def render_table(sim: Simulation, source: str = "") -> str:
    """Plain text: per day, one line per rule, then the day's total; totals and notes at the end."""
    lines = [f"policy {source}: what it would have written for {sim.events_read} logged event(s)"]
    header = f"  {'rule':>4}  {'level':<15} {'events':>9} {'bytes':>11} {'dropped':>9}  description"
    for day, rows in _by_day(sim).items():
        lines.append(f"{day}")
        lines.append(header)
        for r in rows:
            rule = "-" if r.rule == NO_MATCH else str(r.rule)
            size = _size(r.bytes, r.bytes_lower_bound)
            lines.append(f"  {rule:>4}  {r.level:<15} {r.events:>9} {size:>11} {r.dropped:>9}  {sim.describe(r.rule)}")
        total_bytes = _size(sum(r.bytes for r in rows), any(r.bytes_lower_bound for r in rows))
        events = sum(r.events for r in rows)
        lines.append(f"  {'':>4}  {'day total':<15} {events:>9} {total_bytes:>11} {sum(r.dropped for r in rows):>9}")
    lower = any(r.bytes_lower_bound for r in sim.rows.values())
    dropped_level = sum(r.dropped_level for r in sim.rows.values())
    lines.append(
        f"total: {sim.kept + sim.synthesized} event(s) written ({sim.kept} logged"
        + (f" + {sim.synthesized} synthesized RequestReceived" if sim.synthesized else "")
        + f"), {_size(sim.bytes, lower)}; dropped by policy: {sim.dropped} "
        f"(level None: {dropped_level}, omitted stage: {sim.dropped - dropped_level})"
    )
    lines.extend(f"note: {note}" for note in _notes(sim))
    return "\n".join(lines) + "\n"
