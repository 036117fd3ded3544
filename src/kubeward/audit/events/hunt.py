"""One streaming pass over audit logs answering every question at once, one count per request.

Stages are joined on ``auditID`` (shared by all stages of one request, ``pkg/apis/audit/v1/types.go``).
The log backend writes a request's ``RequestReceived`` before its later stages, and only the later stages
know the outcome (the audit filter runs before authorization, so a 403 shows only at ResponseComplete).
So a match on ``RequestReceived`` is provisional: the request's next stage confirms it or withdraws it;
a request logged only at ``RequestReceived`` (policies omitting the other stages) keeps it. Only matched
requests are remembered, never every auditID.
"""

import datetime as dt
import gc
from collections.abc import Iterable
from dataclasses import dataclass, field

from kubeward.audit.events.detections import DETECTIONS, Detection
from kubeward.audit.events.model import Event


@dataclass(frozen=True)
class HuntFilter:
    """Which requests to look at; None/empty = no restriction."""

    since: dt.datetime | None = None
    until: dt.datetime | None = None
    users: frozenset[str] = frozenset()
    namespaces: frozenset[str] = frozenset()

    def admits(self, event: Event) -> bool:
        """Time window on ``requestReceivedTimestamp`` (same for every stage); user = caller or impersonated."""
        when = event.requestReceivedTimestamp
        if (self.since or self.until) and when is None:
            return False
        if self.since is not None and when is not None and when < self.since:
            return False
        if self.until is not None and when is not None and when >= self.until:
            return False
        if self.users:
            acted_as = event.impersonatedUser.username if event.impersonatedUser else ""
            if event.user.username not in self.users and acted_as not in self.users:
                return False
        if self.namespaces:
            namespace = event.objectRef.namespace if event.objectRef else ""
            if namespace not in self.namespaces:
                return False
        return True


@dataclass
class Match:
    """The compact projection of one request that answered a question — never a request or response body."""

    audit_id: str
    time: str
    user: str
    impersonated_user: str
    verb: str
    resource: str
    namespace: str
    name: str
    path: str
    """The URL path of a non-resource request (``/metrics``); empty for resource requests."""
    source_ips: list[str]
    user_agent: str
    code: int
    final: bool

    @classmethod
    def of(cls, event: Event, final: bool) -> "Match":
        """Project one event."""
        ref = event.objectRef
        when = event.requestReceivedTimestamp
        return cls(
            audit_id=event.auditID,
            time=when.isoformat().replace("+00:00", "Z") if when else "",
            user=event.user.username,
            impersonated_user=event.impersonatedUser.username if event.impersonatedUser else "",
            verb=event.verb,
            resource=event.resource,
            namespace=ref.namespace if ref else "",
            name=ref.name if ref else "",
            path="" if ref else event.requestURI.partition("?")[0],
            source_ips=list(event.sourceIPs),
            user_agent=event.userAgent,
            code=event.code,
            final=final,
        )

    def update(self, event: Event) -> None:
        """A later stage of the same request: its outcome and back-filled name win."""
        self.final = True
        if event.code:
            self.code = event.code
        if event.objectRef is not None and event.objectRef.name and not self.name:
            self.name = event.objectRef.name


@dataclass
class Answer:
    """The requests that answered one question, in log order."""

    detection: Detection
    matches: dict[str, Match] = field(default_factory=dict)


@dataclass
class Hunt:
    """The state of one pass; feed events with :meth:`add`, read :attr:`answers`."""

    detections: tuple[Detection, ...] = DETECTIONS
    where: HuntFilter = field(default_factory=HuntFilter)
    answers: dict[str, Answer] = field(init=False)
    _provisional: dict[str, list[str]] = field(init=False, default_factory=dict)
    _filtered: bool = field(init=False)
    _anywhere: tuple[Detection, ...] = field(init=False)
    _by_resource: dict[str, tuple[Detection, ...]] = field(init=False)

    def __post_init__(self) -> None:
        self.answers = {d.id: Answer(d) for d in self.detections}
        self._filtered = self.where != HuntFilter()
        self._anywhere = tuple(d for d in self.detections if d.resources is None)
        named = {r for d in self.detections for r in d.resources or ()}
        self._by_resource = {
            r: tuple(d for d in self.detections if d.resources is None or r in d.resources) for r in named
        }

    def add(self, event: Event) -> None:
        """Evaluate one event against every question."""
        if self._filtered and not self.where.admits(event):
            return
        ref = event.objectRef
        candidates = self._by_resource.get(ref.resource, self._anywhere) if ref is not None else self._anywhere
        hits = [d.id for d in candidates if d.matches(event)]
        audit_id = event.auditID
        if event.stage == "RequestReceived":
            added = [qid for qid in hits if audit_id not in self.answers[qid].matches]
            for qid in added:
                self.answers[qid].matches[audit_id] = Match.of(event, final=False)
            if added:
                self._provisional[audit_id] = added
            return
        for qid in self._provisional.pop(audit_id, ()):
            if qid not in hits:
                del self.answers[qid].matches[audit_id]
        for qid in hits:
            matches = self.answers[qid].matches
            match = matches.get(audit_id)
            if match is None:
                matches[audit_id] = Match.of(event, final=True)
            else:
                match.update(event)


def hunt(
    events: Iterable[Event], detections: tuple[Detection, ...] = DETECTIONS, where: HuntFilter | None = None
) -> Hunt:
    """Run every detection over ``events`` in one pass.

    The cyclic garbage collector is paused meanwhile: decoding creates millions of short-lived, acyclic
    lists and dicts, and the collections they trigger halved the throughput (measured: 182 vs 321 MB/s of
    decoding alone); reference counting still frees everything.
    """
    state = Hunt(detections, where or HuntFilter())
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        for event in events:
            state.add(event)
    finally:
        if was_enabled:
            gc.enable()
    return state
