"""Audit events as managed Kubernetes services deliver them, normalized to the same :class:`Event`.

- **EKS** sends each event as one CloudWatch Logs message (log group ``/aws/eks/<cluster>/cluster``, streams
  ``kube-apiserver-audit-*``). Exports arrive as ``aws logs filter-log-events``/``get-log-events`` output
  (``events[].message``), subscription deliveries (``logEvents[].message``), one such event per line
  (``jq -c '.events[]'``), or the S3 export, whose lines are ``<timestamp> <message>``.
- **GKE** writes Cloud Logging ``LogEntry`` objects whose ``protoPayload`` is a
  ``type.googleapis.com/google.cloud.audit.AuditLog``: ``methodName`` ``io.k8s.<group>.<version>.<resource>
  [.<subresource>].<verb>``, ``resourceName`` ``<group|core>/<version>/[namespaces/<ns>/]<resource>[/<name>
  [/<subresource>]]``, the caller in ``authenticationInfo.principalEmail``, the audit ID in ``operation.id``,
  the authorization annotations under ``labels`` and a ``google.rpc`` status code. Group memberships, the
  request URI and impersonation are not in the entry, so questions about them cannot be answered from GKE logs.
- **AKS** diagnostic settings write records with ``category`` ``kube-audit`` or ``kube-audit-admin`` (the
  latter without get/list) and the apiserver's event in ``properties.log`` — an escaped JSON string, or an
  object in some pipelines. Storage accounts hold one record per line, Event Hubs ``{"records": [...]}``.

Anything else (another category, a GKE entry for the GKE API itself, a CloudWatch message that is not an
audit event) is not audit data and is counted as such.
"""

import datetime as dt
import re

import msgspec

from kubeward.audit.events.model import Event, ObjectRef, ResponseStatus, UserInfo

AKS_CATEGORIES = frozenset({"kube-audit", "kube-audit-admin"})

_PREFIX = rb"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2}) (?=[{\[])"
EXPORT_PREFIX = re.compile(_PREFIX)
"""The CloudWatch S3 export puts the ingestion timestamp and a space before each message."""
EXPORT_PREFIXES = re.compile(b"(?m)" + _PREFIX)
"""The same, for every line of a block at once."""

# google.rpc.Code → the HTTP status the apiserver answered (google/rpc/code.proto gives the mapping).
_RPC_TO_HTTP = {
    0: 200, 1: 499, 2: 500, 3: 400, 4: 504, 5: 404, 6: 409, 7: 403, 8: 429,
    9: 400, 10: 409, 11: 400, 12: 501, 13: 500, 14: 503, 15: 500, 16: 401,
}  # fmt: skip


class _CloudWatchEvent(msgspec.Struct, gc=False):
    message: str = ""


class _GkeAuthentication(msgspec.Struct, gc=False):
    principalEmail: str = ""


class _GkeRequestMetadata(msgspec.Struct, gc=False):
    callerIp: str = ""
    callerSuppliedUserAgent: str = ""


class _GkeStatus(msgspec.Struct, gc=False):
    code: int = 0


class _GkePayload(msgspec.Struct, gc=False):
    methodName: str = ""
    resourceName: str = ""
    serviceName: str = ""
    authenticationInfo: _GkeAuthentication = msgspec.field(default_factory=_GkeAuthentication)
    requestMetadata: _GkeRequestMetadata = msgspec.field(default_factory=_GkeRequestMetadata)
    status: _GkeStatus | None = None
    request: msgspec.Raw = msgspec.Raw()
    response: msgspec.Raw = msgspec.Raw()


class _GkeOperation(msgspec.Struct, gc=False):
    id: str = ""
    first: bool = False
    last: bool = False


class _AksProperties(msgspec.Struct, gc=False):
    log: msgspec.Raw = msgspec.Raw()


class Envelope(msgspec.Struct, gc=False):
    """Every wrapper we know, as one struct: decoding a value once tells which one it is."""

    # GKE LogEntry
    protoPayload: _GkePayload | None = None
    operation: _GkeOperation | None = None
    insertId: str = ""
    labels: dict[str, str] = {}
    timestamp: str | int = ""
    """RFC 3339 in a LogEntry; epoch milliseconds in a CloudWatch event."""
    # AKS diagnostic record(s)
    category: str = ""
    properties: _AksProperties | None = None
    records: list[msgspec.Raw] = []
    # CloudWatch Logs
    message: str = ""
    events: list[_CloudWatchEvent] = []
    logEvents: list[_CloudWatchEvent] = []


_ENVELOPE = msgspec.json.Decoder(Envelope)
_EVENT = msgspec.json.Decoder(Event)
_STRING = msgspec.json.Decoder(str)


def unwrap(raw: bytes) -> list[Event] | None:
    """The audit events inside one JSON value of a managed format; None when it is no known wrapper.

    Raises ``msgspec.DecodeError`` for invalid JSON.
    """
    envelope = _ENVELOPE.decode(raw)
    if envelope.protoPayload is not None:
        event = _from_gke(envelope)
        return [event] if event is not None else []
    if envelope.properties is not None or envelope.category:
        return _from_aks(envelope)
    if envelope.records:
        return [event for record in envelope.records for event in unwrap(bytes(record)) or ()]
    if envelope.events or envelope.logEvents:
        return [event for cw in (*envelope.events, *envelope.logEvents) for event in _native(cw.message.encode())]
    if envelope.message:
        return _native(envelope.message.encode())
    return None


def _native(data: bytes) -> list[Event]:
    """A message that should be an apiserver event; anything else is not audit data."""
    try:
        event = _EVENT.decode(data)
    except msgspec.DecodeError:
        return []
    return [event] if event.is_audit_event() else []


def _from_aks(envelope: Envelope) -> list[Event]:
    if envelope.category and envelope.category not in AKS_CATEGORIES:
        return []
    log = bytes(envelope.properties.log) if envelope.properties is not None else b""
    if log[:1] == b'"':
        log = _STRING.decode(log).encode()
    return _native(log) if log else []


def _from_gke(envelope: Envelope) -> Event | None:
    payload = envelope.protoPayload
    assert payload is not None
    method = payload.methodName
    if not method.startswith("io.k8s."):
        return None  # an entry for the GKE API itself, not the Kubernetes API
    operation = envelope.operation
    audit_id = (operation.id if operation is not None else "") or envelope.insertId
    stage = (
        "RequestReceived" if operation is not None and operation.first and not operation.last else "ResponseComplete"
    )
    code = _RPC_TO_HTTP.get(payload.status.code, 500) if payload.status is not None else 200
    has_request, has_response = bool(bytes(payload.request)), bool(bytes(payload.response))
    return Event(
        auditID=audit_id,
        stage=stage,
        level="RequestResponse" if has_response else "Request" if has_request else "Metadata",
        verb=method.rsplit(".", 1)[-1],
        user=UserInfo(username=payload.authenticationInfo.principalEmail),
        sourceIPs=[payload.requestMetadata.callerIp] if payload.requestMetadata.callerIp else [],
        userAgent=payload.requestMetadata.callerSuppliedUserAgent,
        objectRef=gke_object_ref(payload.resourceName),
        requestURI=payload.resourceName if payload.resourceName.startswith("/") else "",
        responseStatus=ResponseStatus(code=code) if stage != "RequestReceived" else None,
        requestObject=payload.request,
        annotations=dict(envelope.labels),
        requestReceivedTimestamp=_time(envelope.timestamp),
    )


def gke_object_ref(resource_name: str) -> ObjectRef | None:
    """``core/v1/namespaces/ns/pods/web/exec`` → ObjectRef; a path (``/healthz``) is a non-resource request."""
    if not resource_name or resource_name.startswith("/"):
        return None
    parts = resource_name.split("/")
    if len(parts) < 3:
        return None
    group = "" if parts[0] == "core" else parts[0]
    rest = parts[2:]
    namespace = ""
    if rest[0] == "namespaces" and len(rest) >= 3:
        namespace, rest = rest[1], rest[2:]
    return ObjectRef(
        resource=rest[0],
        name=rest[1] if len(rest) > 1 else "",
        subresource=rest[2] if len(rest) > 2 else "",
        namespace=namespace,
        apiGroup=group,
    )


def _time(value: str | int) -> dt.datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
