"""The store's column schema: the normalized audit event as typed Parquet columns, defined in one place.

A store is a folder ``DIR/day=YYYY-MM-DD/part-<ingest>-<n>.parquet`` (Hive partitioning, one partition per UTC day of
``requestReceivedTimestamp``, which every stage of a request shares, so a request's stages sit in one partition;
events without a timestamp go to ``day=unknown``) plus the marker file ``kubeward-store.json``.

Columns hold what :class:`~kubeward.audit.events.model.Event` holds, so rows turn back into the same events and the
same detections answer from logs and from the store. Absent structures stay distinguishable: ``objectRef`` absent
(non-resource request) = null resource columns, ``responseStatus`` absent (``RequestReceived``) = null ``code``,
``impersonatedUser`` absent = null ``impersonated_user``. ``request_object`` is kept only for the kinds the
detections read (workloads and role bindings, :data:`BODY_RESOURCES`): Secret, token and every other body never
enters the store.
"""

import pyarrow as pa

from kubeward.audit.events.detections import WORKLOAD_RESOURCES

SCHEMA_VERSION = "1"
"""Stored in every file's key-value metadata (``kubeward.audit.schema_version``) and in the marker file."""

VERSION_KEY = b"kubeward.audit.schema_version"
MARKER = "kubeward-store.json"
UNKNOWN_DAY = "unknown"

BODY_RESOURCES = WORKLOAD_RESOURCES | frozenset({"rolebindings", "clusterrolebindings"})
"""``objectRef.resource`` values (without subresource) whose request body is stored: what the detections decode."""

_STR = pa.string()
_LIST = pa.list_(pa.string())

SCHEMA = pa.schema(
    [
        pa.field("audit_id", _STR, nullable=False),
        pa.field("stage", _STR, nullable=False),
        pa.field("level", _STR),
        pa.field("verb", _STR),
        pa.field("request_uri", _STR),
        pa.field("user", _STR),
        pa.field("groups", _LIST),
        pa.field("impersonated_user", _STR),
        pa.field("impersonated_groups", _LIST),
        pa.field("source_ips", _LIST),
        pa.field("user_agent", _STR),
        pa.field("api_group", _STR),
        pa.field("resource", _STR),
        pa.field("subresource", _STR),
        pa.field("namespace", _STR),
        pa.field("name", _STR),
        pa.field("code", pa.int32()),
        pa.field("decision", _STR),
        pa.field("annotations", pa.map_(pa.string(), pa.string())),
        pa.field("time", pa.timestamp("us", tz="UTC")),
        pa.field("request_object", pa.large_string()),  # 64-bit offsets: 8k bodies of up to 1.5 MB exceed 2 GB
    ],
    metadata={VERSION_KEY: SCHEMA_VERSION.encode()},
)
"""One row per audit event (one stage of one request)."""

COLUMNS = tuple(SCHEMA.names)


class StoreError(Exception):
    """The folder is not a store (or cannot become one); the message names it."""
