"""Store rows back into :class:`~kubeward.audit.events.model.Event` objects, so the hunt runs unchanged on them."""

import datetime as dt

import msgspec
import pyarrow as pa

from kubeward.audit.events.model import Event, ObjectRef, ResponseStatus, UserInfo
from kubeward.audit.store.schema import COLUMNS

_EMPTY = msgspec.Raw()
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_TIME = COLUMNS.index("time")


def events_of(batch: pa.RecordBatch) -> list[Event]:
    """The events of one record batch with the store's columns (in :data:`~kubeward.audit.store.schema.COLUMNS`
    order): absent structures (objectRef, responseStatus, impersonatedUser) come back absent.
    """
    columns = [batch.column(name).to_pylist() if name != "time" else [] for name in COLUMNS]
    # pyarrow builds tz-aware datetimes through the tz database (~20 us each); integer microseconds are exact and fast
    micros = batch.column("time").cast(pa.int64()).to_pylist()
    columns[_TIME] = [None if us is None else _EPOCH + dt.timedelta(microseconds=us) for us in micros]
    events = []
    for (
        audit_id,
        stage,
        level,
        verb,
        request_uri,
        user,
        groups,
        impersonated_user,
        impersonated_groups,
        source_ips,
        user_agent,
        api_group,
        resource,
        subresource,
        namespace,
        name,
        code,
        _decision,
        annotations,
        time,
        request_object,
    ) in zip(*columns, strict=True):
        ref = (
            None
            if resource is None
            else ObjectRef(resource, subresource or "", namespace or "", name or "", api_group or "")
        )
        events.append(
            Event(
                auditID=audit_id,
                stage=stage,
                level=level or "",
                verb=verb or "",
                kind="Event",
                requestURI=request_uri or "",
                user=UserInfo(user or "", groups or []),
                impersonatedUser=(
                    None if impersonated_user is None else UserInfo(impersonated_user, impersonated_groups or [])
                ),
                sourceIPs=source_ips or [],
                userAgent=user_agent or "",
                objectRef=ref,
                responseStatus=None if code is None else ResponseStatus(code),
                requestObject=_EMPTY if request_object is None else msgspec.Raw(request_object.encode()),
                annotations=dict(annotations) if annotations else {},
                requestReceivedTimestamp=time,
            )
        )
    return events
