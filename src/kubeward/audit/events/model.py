"""The normalized audit event: only the fields the detections read, decoded straight from JSON lines.

Schema: ``audit.k8s.io/v1`` Event (kubernetes ``staging/src/k8s.io/apiserver/pkg/apis/audit/v1/types.go``,
v1.35). Every field has a default so that old logs (v1beta1 extras such as ``timestamp``), logs without
``apiVersion`` and events with missing fields still decode; unknown fields are skipped by msgspec without
building Python objects. ``requestObject`` and ``responseObject`` are never decoded here: the request body is
kept as raw bytes (``msgspec.Raw``) and decoded lazily, and only for the few workload and binding kinds a
detection inspects — so Secret bodies logged at ``RequestResponse`` are never turned into Python values.
"""

import datetime as dt

import msgspec


def rfc3339(when: dt.datetime) -> str:
    """A timestamp as the API server writes it: ``2026-03-02T08:00:00.002174Z``."""
    return when.isoformat().replace("+00:00", "Z")


STAGE_ORDER = {"RequestReceived": 0, "ResponseStarted": 1, "ResponseComplete": 2, "Panic": 3}
"""Stages in the order the apiserver emits them for one request (``pkg/endpoints/filters/audit.go``)."""


class UserInfo(msgspec.Struct, gc=False):
    """authentication/v1 UserInfo; ``{}`` when authentication failed (401)."""

    username: str = ""
    groups: list[str] = []


class ObjectRef(msgspec.Struct, gc=False):
    """What a resource request addressed; absent for non-resource URLs such as ``/healthz``."""

    resource: str = ""
    subresource: str = ""
    namespace: str = ""
    name: str = ""
    apiGroup: str = ""


class ResponseStatus(msgspec.Struct, gc=False):
    """The response code only; the Status message may quote object names but is not needed."""

    code: int = 0


class Event(msgspec.Struct, gc=False):
    """One audit event (one stage of one request)."""

    auditID: str = ""
    stage: str = ""
    level: str = ""
    verb: str = ""
    kind: str = ""
    requestURI: str = ""
    user: UserInfo = msgspec.field(default_factory=UserInfo)
    impersonatedUser: UserInfo | None = None
    sourceIPs: list[str] = []
    userAgent: str = ""
    objectRef: ObjectRef | None = None
    responseStatus: ResponseStatus | None = None
    requestObject: msgspec.Raw = msgspec.Raw()
    annotations: dict[str, str] = {}
    requestReceivedTimestamp: dt.datetime | None = None

    @property
    def code(self) -> int:
        """The HTTP status code, 0 while the response has not started (``RequestReceived``)."""
        return self.responseStatus.code if self.responseStatus is not None else 0

    @property
    def resource(self) -> str:
        """``resource`` or ``resource/subresource``; empty for non-resource requests."""
        ref = self.objectRef
        if ref is None:
            return ""
        return f"{ref.resource}/{ref.subresource}" if ref.subresource else ref.resource

    @property
    def body(self) -> bytes | None:
        """The raw request body when it was logged (level Request and up), else None."""
        raw = bytes(self.requestObject)
        return raw if raw and raw != b"null" else None

    def is_audit_event(self) -> bool:
        """Whether the decoded JSON was an audit event at all (other JSON decodes to the defaults)."""
        return bool(self.auditID and self.stage) and self.kind in ("", "Event")


class EventList(msgspec.Struct, gc=False):
    """What the webhook backend POSTs and some tools save as one line: ``{"kind": "EventList", "items": [...]}``."""

    kind: str = ""
    items: list[Event] = []
