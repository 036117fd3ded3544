"""A real HTTPS server that answers like kube-apiserver, serving a cluster from fixture files.

No kube-apiserver can run here (no binary in any registry we reach, no containers), so live
collection, kubectl cross-checks and the benchmarks run against this server instead. It speaks the
real wire format over real TLS on loopback, which is what matters to a client:

* ``/version``, ``/api``, ``/apis`` (legacy discovery with ``Content-Type: application/json``; kubectl
  asks for aggregated discovery and falls back when it gets that), ``/api/v1`` and ``/apis/<g>/<v>``
  APIResourceLists;
* list endpoints cluster-wide and per namespace, single GETs, lists paged with ``limit``/``continue``
  (opaque tokens; items in etcd key order ``namespace/name``) and a list ``resourceVersion``; items
  without ``kind``/``apiVersion`` as the real API sends them, with everything else from the fixtures
  (``status``, ``managedFields`` ...) so clients' trimming is exercised;
* ``PartialObjectMetadataList`` when the Accept header asks for it; ``fieldSelector`` on
  ``metadata.name``/``metadata.namespace`` (and ``type`` for Secrets, ``spec.nodeName`` and
  ``status.phase`` for Pods); ``labelSelector`` with equality and existence terms;
* the node proxy ``/api/v1/nodes/<node>/proxy/configz`` from ``configz/<node>.json``;
* authentication by bearer token or client certificate (verified against a client CA; CN = user,
  O = groups) with 401 otherwise, and authorization from a per-user allow list of (verb, resource)
  with 403 Status bodies worded like the RBAC authorizer's;
* fault injection on demand: 410 Gone on the Nth continue request of a resource, 429 with
  Retry-After for the first N requests, requests that hang;
* a record of every request (method, path, query, Accept, user, status), so tests can assert that
  no Secret data was requested, that paging happened, and so on.

Fixture directory: ``kubectl get -o yaml|json`` dumps (List or multi-document YAML, or single objects;
items keep ``kind``/``apiVersion`` in the files), ``configz/<node>.json`` and an optional
``version.json``. Each object's JSON is encoded once at load time and pages are built by joining
bytes, so the server keeps up with a client reading 100,000 pods.

Run in a thread (``FixtureApiServer(...).start()``) for tests, or as a process for benchmarks::

    python -m kubeward.testing.fixture_apiserver --data DIR --port 0 --cert C --key K --token T=user
"""

from __future__ import annotations

import argparse
import base64
import bisect
import contextlib
import json
import socket
import ssl
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import msgspec
import yaml

from kubeward.kube.auth import private_files

JSON_CONTENT_TYPE = "application/json"
_encoder = msgspec.json.Encoder()

# --- what the server serves --------------------------------------------------------------------------

_RW = ("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch")
_RW_NO_COLLECTION = ("create", "delete", "get", "list", "patch", "update", "watch")


@dataclass(frozen=True)
class ResourceType:
    """One API resource as discovery describes it."""

    kind: str
    group: str
    versions: tuple[str, ...]
    plural: str
    singular: str
    namespaced: bool
    short_names: tuple[str, ...] = ()
    verbs: tuple[str, ...] = _RW
    subresources: tuple[tuple[str, tuple[str, ...]], ...] = ()
    categories: tuple[str, ...] = ()


RESOURCES: tuple[ResourceType, ...] = (
    ResourceType("Pod", "", ("v1",), "pods", "pod", True, ("po",), categories=("all",),
                 subresources=(("status", ("get", "patch", "update")), ("log", ("get",)),
                               ("exec", ("create", "get")), ("eviction", ("create",)))),
    ResourceType("Namespace", "", ("v1",), "namespaces", "namespace", False, ("ns",), _RW_NO_COLLECTION,
                 subresources=(("status", ("get", "patch", "update")), ("finalize", ("update",)))),
    ResourceType("Node", "", ("v1",), "nodes", "node", False, ("no",),
                 subresources=(("status", ("get", "patch", "update")),
                               ("proxy", ("create", "delete", "get", "patch", "update")))),
    ResourceType("ServiceAccount", "", ("v1",), "serviceaccounts", "serviceaccount", True, ("sa",),
                 subresources=(("token", ("create",)),)),
    ResourceType("Secret", "", ("v1",), "secrets", "secret", True),
    ResourceType("ConfigMap", "", ("v1",), "configmaps", "configmap", True, ("cm",)),
    ResourceType("Service", "", ("v1",), "services", "service", True, ("svc",), categories=("all",)),
    ResourceType("Endpoints", "", ("v1",), "endpoints", "endpoints", True, ("ep",)),
    ResourceType("Event", "", ("v1",), "events", "event", True, ("ev",)),
    ResourceType("ReplicationController", "", ("v1",), "replicationcontrollers", "replicationcontroller", True,
                 ("rc",), categories=("all",)),
    ResourceType("PersistentVolume", "", ("v1",), "persistentvolumes", "persistentvolume", False, ("pv",)),
    ResourceType("PersistentVolumeClaim", "", ("v1",), "persistentvolumeclaims", "persistentvolumeclaim", True,
                 ("pvc",)),
    ResourceType("LimitRange", "", ("v1",), "limitranges", "limitrange", True, ("limits",)),
    ResourceType("ResourceQuota", "", ("v1",), "resourcequotas", "resourcequota", True, ("quota",)),
    ResourceType("Deployment", "apps", ("v1",), "deployments", "deployment", True, ("deploy",), categories=("all",)),
    ResourceType("ReplicaSet", "apps", ("v1",), "replicasets", "replicaset", True, ("rs",), categories=("all",)),
    ResourceType("StatefulSet", "apps", ("v1",), "statefulsets", "statefulset", True, ("sts",), categories=("all",)),
    ResourceType("DaemonSet", "apps", ("v1",), "daemonsets", "daemonset", True, ("ds",), categories=("all",)),
    ResourceType("ControllerRevision", "apps", ("v1",), "controllerrevisions", "controllerrevision", True),
    ResourceType("Job", "batch", ("v1",), "jobs", "job", True, categories=("all",)),
    ResourceType("CronJob", "batch", ("v1",), "cronjobs", "cronjob", True, ("cj",), categories=("all",)),
    ResourceType("ClusterRole", "rbac.authorization.k8s.io", ("v1",), "clusterroles", "clusterrole", False),
    ResourceType("ClusterRoleBinding", "rbac.authorization.k8s.io", ("v1",), "clusterrolebindings",
                 "clusterrolebinding", False),
    ResourceType("Role", "rbac.authorization.k8s.io", ("v1",), "roles", "role", True),
    ResourceType("RoleBinding", "rbac.authorization.k8s.io", ("v1",), "rolebindings", "rolebinding", True),
    ResourceType("FlowSchema", "flowcontrol.apiserver.k8s.io", ("v1", "v1beta3"), "flowschemas", "flowschema",
                 False, subresources=(("status", ("get", "patch", "update")),)),
    ResourceType("PriorityLevelConfiguration", "flowcontrol.apiserver.k8s.io", ("v1", "v1beta3"),
                 "prioritylevelconfigurations", "prioritylevelconfiguration", False,
                 subresources=(("status", ("get", "patch", "update")),)),
    ResourceType("MutatingWebhookConfiguration", "admissionregistration.k8s.io", ("v1",),
                 "mutatingwebhookconfigurations", "mutatingwebhookconfiguration", False),
    ResourceType("ValidatingWebhookConfiguration", "admissionregistration.k8s.io", ("v1",),
                 "validatingwebhookconfigurations", "validatingwebhookconfiguration", False),
    ResourceType("ValidatingAdmissionPolicy", "admissionregistration.k8s.io", ("v1",),
                 "validatingadmissionpolicies", "validatingadmissionpolicy", False),
    ResourceType("ValidatingAdmissionPolicyBinding", "admissionregistration.k8s.io", ("v1",),
                 "validatingadmissionpolicybindings", "validatingadmissionpolicybinding", False),
    ResourceType("NetworkPolicy", "networking.k8s.io", ("v1",), "networkpolicies", "networkpolicy", True,
                 ("netpol",)),
    ResourceType("Ingress", "networking.k8s.io", ("v1",), "ingresses", "ingress", True, ("ing",)),
    ResourceType("PodDisruptionBudget", "policy", ("v1",), "poddisruptionbudgets", "poddisruptionbudget", True,
                 ("pdb",)),
    ResourceType("Lease", "coordination.k8s.io", ("v1",), "leases", "lease", True),
    ResourceType("StorageClass", "storage.k8s.io", ("v1",), "storageclasses", "storageclass", False, ("sc",)),
    ResourceType("PriorityClass", "scheduling.k8s.io", ("v1",), "priorityclasses", "priorityclass", False, ("pc",)),
    ResourceType("CertificateSigningRequest", "certificates.k8s.io", ("v1",), "certificatesigningrequests",
                 "certificatesigningrequest", False, ("csr",)),
    ResourceType("CustomResourceDefinition", "apiextensions.k8s.io", ("v1",), "customresourcedefinitions",
                 "customresourcedefinition", False, ("crd", "crds")),
    ResourceType("EndpointSlice", "discovery.k8s.io", ("v1",), "endpointslices", "endpointslice", True),
    ResourceType("SelfSubjectReview", "authentication.k8s.io", ("v1",), "selfsubjectreviews",
                 "selfsubjectreview", False, verbs=("create",)),
    ResourceType("TokenReview", "authentication.k8s.io", ("v1",), "tokenreviews", "tokenreview", False,
                 verbs=("create",)),
    ResourceType("SelfSubjectAccessReview", "authorization.k8s.io", ("v1",), "selfsubjectaccessreviews",
                 "selfsubjectaccessreview", False, verbs=("create",)),
    ResourceType("SelfSubjectRulesReview", "authorization.k8s.io", ("v1",), "selfsubjectrulesreviews",
                 "selfsubjectrulesreview", False, verbs=("create",)),
    ResourceType("SubjectAccessReview", "authorization.k8s.io", ("v1",), "subjectaccessreviews",
                 "subjectaccessreview", False, verbs=("create",)),
)  # fmt: skip

_BY_KIND: dict[tuple[str, str], ResourceType] = {(r.group, r.kind): r for r in RESOURCES}
_BY_PLURAL: dict[tuple[str, str], ResourceType] = {(r.group, r.plural): r for r in RESOURCES}

DEFAULT_VERSION: dict[str, str] = {
    "major": "1",
    "minor": "31",
    "gitVersion": "v1.31.4",
    "gitCommit": "a78aa47129b8539636eb86a9d00e31b2720fe06b",
    "gitTreeState": "clean",
    "buildDate": "2024-12-10T18:37:51Z",
    "goVersion": "go1.22.10",
    "compiler": "gc",
    "platform": "linux/amd64",
}


class FixtureError(Exception):
    """A fixture file cannot be served (unknown kind, missing name, unparseable)."""


# --- storage -------------------------------------------------------------------------------------------


@dataclass(slots=True)
class StoredObject:
    """One object: its etcd-order key, selector fields, and its JSON without kind/apiVersion."""

    key: str
    namespace: str
    name: str
    body: bytes
    labels: dict[str, str]
    fields: dict[str, str]
    metadata_body: bytes | None = None


class _Collection:
    """All objects of one resource, sorted by key (``namespace/name``), as etcd returns them."""

    def __init__(self, resource: ResourceType) -> None:
        self.resource = resource
        self.pending: dict[str, StoredObject] = {}
        self.keys: list[str] = []
        self.objects: list[StoredObject] = []

    def freeze(self) -> None:
        self.keys = sorted(self.pending)
        self.objects = [self.pending[key] for key in self.keys]
        self.pending = {}

    def span(self, namespace: str | None) -> tuple[int, int]:
        if namespace is None:
            return 0, len(self.keys)
        # "/" + 1 == "0": every key of the namespace sorts in [ns/, ns0).
        return bisect.bisect_left(self.keys, namespace + "/"), bisect.bisect_left(self.keys, namespace + "0")

    def get(self, namespace: str, name: str) -> StoredObject | None:
        key = f"{namespace}/{name}" if namespace else name
        index = bisect.bisect_left(self.keys, key)
        if index < len(self.keys) and self.keys[index] == key:
            return self.objects[index]
        return None


class _RawList(msgspec.Struct):
    kind: str = ""
    apiVersion: str = ""
    items: list[msgspec.Raw] | None = None


def _iter_documents(path: Path) -> Iterator[dict[str, Any]]:
    """Yield each object of a fixture file (List items expanded), as plain dicts."""
    data = path.read_bytes()
    if path.suffix == ".json":
        try:
            top = msgspec.json.decode(data, type=_RawList)
        except msgspec.DecodeError as exc:
            raise FixtureError(f"{path}: invalid JSON: {exc}") from None
        if top.items is not None and top.kind.endswith("List"):
            for raw in top.items:
                yield msgspec.json.decode(raw)
        else:
            yield msgspec.json.decode(data)
        return
    try:
        documents = list(yaml.load_all(data, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)))
    except yaml.YAMLError as exc:
        raise FixtureError(f"{path}: invalid YAML: {exc}") from None
    for document in documents:
        if document is None:
            continue
        if not isinstance(document, dict):
            raise FixtureError(f"{path}: a document is not a mapping")
        if str(document.get("kind", "")).endswith("List") and isinstance(document.get("items"), list):
            yield from document["items"]
        else:
            yield document


def _group_of(api_version: str) -> str:
    return api_version.rsplit("/", 1)[0] if "/" in api_version else ""


class FixtureCluster:
    """The objects, version and kubelet configz answers of one fixture directory."""

    def __init__(self) -> None:
        self.collections: dict[tuple[str, str], _Collection] = {r: _Collection(t) for r, t in _BY_PLURAL.items()}
        self.version: dict[str, Any] = dict(DEFAULT_VERSION)
        self.configz: dict[str, bytes] = {}
        self.resource_version = 1000
        self._rv_lock = threading.Lock()

    @classmethod
    def load(cls, directory: str | Path) -> FixtureCluster:
        """Load every ``*.yaml``/``*.yml``/``*.json`` of ``directory`` (not recursive), plus configz."""
        cluster = cls()
        root = Path(directory)
        for path in sorted(root.iterdir()):
            if not path.is_file() or path.suffix not in (".yaml", ".yml", ".json"):
                continue
            if path.name == "version.json":
                cluster.version = json.loads(path.read_text())
                continue
            for obj in _iter_documents(path):
                cluster.add(obj, str(path))
        configz_dir = root / "configz"
        if configz_dir.is_dir():
            for path in sorted(configz_dir.glob("*.json")):
                cluster.set_configz(path.stem, json.loads(path.read_text()))
        cluster.freeze()
        return cluster

    def next_resource_version(self) -> int:
        """Allocate a resourceVersion (objects without one get the next)."""
        with self._rv_lock:
            self.resource_version += 1
            return self.resource_version

    def add(self, obj: dict[str, Any], source: str = "") -> None:
        """Add one object (with ``kind``/``apiVersion``); call ``freeze()`` when done."""
        kind = obj.pop("kind", None)
        api_version = obj.pop("apiVersion", None)
        if not isinstance(kind, str) or not isinstance(api_version, str):
            raise FixtureError(f"{source}: object without kind/apiVersion")
        resource = _BY_KIND.get((_group_of(api_version), kind))
        if resource is None:
            raise FixtureError(f"{source}: kind {kind} ({api_version}) is not served by the fixture server")
        metadata = obj.setdefault("metadata", {})
        name = metadata.get("name")
        if not isinstance(name, str) or not name:
            raise FixtureError(f"{source}: {kind} without metadata.name")
        namespace = metadata.get("namespace", "") if resource.namespaced else ""
        if resource.namespaced and not namespace:
            namespace = "default"
            metadata["namespace"] = namespace
        rv = metadata.get("resourceVersion")
        if rv is None:
            metadata["resourceVersion"] = str(self.next_resource_version())
        else:
            with self._rv_lock:
                self.resource_version = max(self.resource_version, int(rv) if str(rv).isdigit() else 0)
        fields = {"metadata.name": name, "metadata.namespace": namespace}
        if kind == "Secret":
            fields["type"] = str(obj.get("type", "Opaque"))
        elif kind == "Pod":
            fields["spec.nodeName"] = str(obj.get("spec", {}).get("nodeName", ""))
            fields["status.phase"] = str(obj.get("status", {}).get("phase", ""))
        key = f"{namespace}/{name}" if namespace else name
        labels = {str(k): str(v) for k, v in (metadata.get("labels") or {}).items()}
        stored = StoredObject(key=key, namespace=namespace, name=name, body=_encoder.encode(obj), labels=labels,
                              fields=fields)  # fmt: skip
        self.collections[(resource.group, resource.plural)].pending[key] = stored

    def set_configz(self, node: str, document: Mapping[str, Any]) -> None:
        """Set a node's ``/configz`` answer (a bare KubeletConfiguration is wrapped as the kubelet does)."""
        payload = dict(document) if "kubeletconfig" in document else {"kubeletconfig": dict(document)}
        self.configz[node] = _encoder.encode(payload)

    def freeze(self) -> None:
        """Sort every collection by key."""
        for collection in self.collections.values():
            if collection.pending:
                collection.freeze()


# --- identities, permissions, faults, records ---------------------------------------------------------


@dataclass(frozen=True)
class UserInfo:
    """An authenticated identity."""

    name: str
    groups: tuple[str, ...] = ()


ANONYMOUS = UserInfo("system:anonymous", ("system:unauthenticated",))


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the server saw it."""

    method: str
    path: str
    query: dict[str, list[str]]
    accept: str
    user: str
    status: int = 0
    auth: str = ""
    user_agent: str = ""

    def param(self, name: str) -> str | None:
        """The first value of a query parameter."""
        values = self.query.get(name)
        return values[0] if values else None


@dataclass
class _Fault:
    kind: str
    remaining: int
    resource: str = ""
    nth: int = 0
    seen: int = 0
    retry_after: int = 1
    status: int = 429
    seconds: float = 0.0
    prefix: str = ""


@dataclass
class _Answer:
    status: int
    body: bytes
    headers: list[tuple[str, str]] = field(default_factory=list)
    content_type: str = JSON_CONTENT_TYPE


def _status(code: int, reason: str, message: str, details: dict[str, Any] | None = None) -> _Answer:
    body: dict[str, Any] = {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": reason,
    }
    if details is not None:
        body["details"] = details
    body["code"] = code
    return _Answer(code, _encoder.encode(body))


_REASONS = {
    200: "OK",
    201: "Created",
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    410: "Gone",
    429: "Too Many Requests",
    500: "Internal Server Error",
    503: "Service Unavailable",
}


def _ok(payload: Any) -> _Answer:
    return _Answer(200, payload if isinstance(payload, bytes) else _encoder.encode(payload))


# --- selectors -------------------------------------------------------------------------------------------


def _parse_field_selector(text: str, allowed: set[str]) -> list[tuple[str, bool, str]]:
    terms: list[tuple[str, bool, str]] = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        if "!=" in part:
            name, value = part.split("!=", 1)
            positive = False
        elif "==" in part:
            name, value = part.split("==", 1)
            positive = True
        elif "=" in part:
            name, value = part.split("=", 1)
            positive = True
        else:
            raise ValueError(f"invalid selector: '{text}'; can't understand '{part}'")
        if name not in allowed:
            raise ValueError(f"field label not supported: {name}")
        terms.append((name, positive, value))
    return terms


def _parse_label_selector(text: str) -> list[tuple[str, str, str]]:
    terms: list[tuple[str, str, str]] = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        if "!=" in part:
            key, value = part.split("!=", 1)
            terms.append(("ne", key.strip(), value.strip()))
        elif "=" in part:
            key, value = part.replace("==", "=").split("=", 1)
            terms.append(("eq", key.strip(), value.strip()))
        elif part.startswith("!"):
            terms.append(("absent", part[1:].strip(), ""))
        else:
            terms.append(("exists", part, ""))
    return terms


def _matches(obj: StoredObject, fields: list[tuple[str, bool, str]], labels: list[tuple[str, str, str]]) -> bool:
    for name, positive, value in fields:
        if (obj.fields.get(name, "") == value) != positive:
            return False
    for op, key, value in labels:
        present = key in obj.labels
        if (
            (op == "eq" and obj.labels.get(key) != value)
            or (op == "ne" and obj.labels.get(key) == value)
            or (op == "exists" and not present)
            or (op == "absent" and present)
        ):
            return False
    return True


# --- the server ------------------------------------------------------------------------------------------


def _encode_continue(rv: int, last_key: str) -> str:
    token = json.dumps({"v": "meta.k8s.io/v1", "rv": rv, "start": last_key + "\x00"}, separators=(",", ":"))
    return base64.urlsafe_b64encode(token.encode()).decode()


def _decode_continue(token: str) -> tuple[int, str]:
    data = json.loads(base64.urlsafe_b64decode(token.encode() + b"=" * (-len(token) % 4)))
    if data.get("v") != "meta.k8s.io/v1" or not isinstance(data.get("start"), str):
        raise ValueError("unsupported continue token")
    return int(data["rv"]), data["start"].rstrip("\x00")


def _wants_metadata(accept: str) -> bool:
    first = accept.split(",")[0]
    return "as=PartialObjectMetadata" in first


def _metadata_body(obj: StoredObject) -> bytes:
    if obj.metadata_body is None:
        metadata = msgspec.json.decode(obj.body).get("metadata", {})
        obj.metadata_body = _encoder.encode(
            {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": metadata}
        )
    return obj.metadata_body


class FixtureApiServer:
    """The fake kube-apiserver. Thread-safe; start with ``start()`` or use as a context manager."""

    def __init__(
        self,
        cluster: FixtureCluster | str | Path,
        *,
        cert_pem: bytes,
        key_pem: bytes,
        client_ca_pem: bytes | None = None,
        tokens: Mapping[str, UserInfo] | None = None,
        permissions: Mapping[str, Iterable[tuple[str, str]]] | None = None,
        anonymous: bool = False,
        host: str = "127.0.0.1",
        port: int = 0,
        disabled_group_versions: Iterable[str] = (),
        server_address: str = "192.168.56.10:6443",
    ) -> None:
        self.cluster = cluster if isinstance(cluster, FixtureCluster) else FixtureCluster.load(cluster)
        self.tokens: dict[str, UserInfo] = dict(tokens or {})
        self.permissions: dict[str, set[tuple[str, str]]] | None = (
            None if permissions is None else {user: set(rules) for user, rules in permissions.items()}
        )
        self.anonymous = anonymous
        self.disabled_group_versions = set(disabled_group_versions)
        self.server_address = server_address
        self._faults: list[_Fault] = []
        self._lock = threading.Lock()
        self._requests: list[RecordedRequest] = []
        self._stop = threading.Event()
        self._ssl = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self._ssl.minimum_version = ssl.TLSVersion.TLSv1_2
        _load_pair(self._ssl, cert_pem, key_pem)
        if client_ca_pem is not None:
            self._ssl.verify_mode = ssl.CERT_OPTIONAL
            self._ssl.load_verify_locations(cadata=client_ca_pem.decode())
        self._httpd = _HTTPServer((host, port), _Handler, self)
        self._thread: threading.Thread | None = None

    # --- lifecycle ------------------------------------------------------------------------------

    @property
    def port(self) -> int:
        """The bound port."""
        return int(self._httpd.server_address[1])

    @property
    def url(self) -> str:
        """``https://127.0.0.1:<port>``."""
        host = str(self._httpd.server_address[0])
        return f"https://{host}:{self.port}"

    def start(self) -> FixtureApiServer:
        """Serve in a daemon thread."""
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, name="fixture-apiserver", daemon=True
        )
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve in the calling thread until ``stop()``."""
        self._httpd.serve_forever()

    def stop(self) -> None:
        """Stop serving, release hanging requests and close the socket."""
        self._stop.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> FixtureApiServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def ssl_context(self) -> ssl.SSLContext:
        """The server's TLS context."""
        return self._ssl

    @property
    def stopping(self) -> threading.Event:
        """Set when the server stops (hanging requests wait on it)."""
        return self._stop

    # --- records and faults ------------------------------------------------------------------------

    @property
    def requests(self) -> list[RecordedRequest]:
        """A copy of the requests received so far."""
        with self._lock:
            return list(self._requests)

    def clear_requests(self) -> None:
        """Forget recorded requests."""
        with self._lock:
            self._requests.clear()

    def record(self, request: RecordedRequest) -> None:
        """Record a request (called by the handler)."""
        with self._lock:
            self._requests.append(request)

    def inject_gone(self, resource: str, nth_continue: int = 1, times: int = 1) -> None:
        """Answer 410 Gone to the ``nth_continue``-th continue request of ``resource`` (plural)."""
        with self._lock:
            self._faults.append(_Fault("gone", remaining=times, resource=resource, nth=nth_continue))

    def inject_throttle(self, requests: int, retry_after: int = 1, status: int = 429) -> None:
        """Answer the next ``requests`` requests with ``status`` (429 or 503) and ``Retry-After``."""
        with self._lock:
            self._faults.append(_Fault("throttle", remaining=requests, retry_after=retry_after, status=status))

    def inject_hang(self, path_prefix: str, seconds: float = 10.0, times: int = 1_000_000) -> None:
        """Make requests under ``path_prefix`` wait ``seconds`` (or until stop) before answering."""
        with self._lock:
            self._faults.append(_Fault("hang", remaining=times, prefix=path_prefix, seconds=seconds))

    def clear_faults(self) -> None:
        """Remove all injected faults."""
        with self._lock:
            self._faults.clear()

    def _take_fault(self, kind: str, predicate: Callable[[_Fault], bool]) -> _Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.kind == kind and fault.remaining > 0 and predicate(fault):
                    fault.remaining -= 1
                    return fault
        return None

    def _gone_due(self, resource: str) -> bool:
        with self._lock:
            for fault in self._faults:
                if fault.kind == "gone" and fault.resource == resource and fault.remaining > 0:
                    fault.seen += 1
                    if fault.seen == fault.nth:
                        fault.remaining -= 1
                        fault.seen = 0
                        return True
        return False

    # --- request handling --------------------------------------------------------------------------

    def authenticate(self, authorization: str, peer_cert: dict[str, Any] | None) -> UserInfo | None:
        """Who is calling: a known bearer token, a verified client certificate, or anonymous if enabled."""
        if authorization:
            scheme, _, credential = authorization.partition(" ")
            if scheme.lower() != "bearer":
                return None
            return self.tokens.get(credential.strip())
        if peer_cert:
            common_name = ""
            groups: list[str] = []
            for rdn in peer_cert.get("subject", ()):
                for attribute, value in rdn:
                    if attribute == "commonName":
                        common_name = value
                    elif attribute == "organizationName":
                        groups.append(value)
            if common_name:
                return UserInfo(common_name, (*groups, "system:authenticated"))
        if self.anonymous:
            return ANONYMOUS
        return None

    def allowed(self, user: UserInfo, verb: str, resource: str) -> bool:
        """RBAC stand-in: ``permissions[user]`` holds (verb, resource) pairs; ``*`` matches anything."""
        if self.permissions is None or "system:masters" in user.groups:
            return True
        rules = self.permissions.get(user.name, set())
        return any(v in (verb, "*") and r in (resource, "*") for v, r in rules)

    def handle(
        self,
        method: str,
        target: str,
        accept: str,
        user: UserInfo | None,
        *,
        auth: str = "",
        impersonate: str = "",
        impersonate_groups: tuple[str, ...] = (),
        user_agent: str = "",
    ) -> _Answer:
        """Answer one request. ``auth`` names the credential kind presented (bearer, basic, cert)."""
        parts = urlsplit(target)
        path = unquote(parts.path)
        query = parse_qs(parts.query, keep_blank_values=True)
        if user is not None and impersonate:
            if not self.allowed(user, "impersonate", "users"):
                answer = _status(
                    403,
                    "Forbidden",
                    f'users "{impersonate}" is forbidden: User "{user.name}" cannot impersonate resource "users" '
                    'in API group "" at the cluster scope',
                    {"name": impersonate, "kind": "users"},
                )
                self.record(RecordedRequest(method, path, query, accept, user.name, answer.status, auth, user_agent))
                return answer
            user = UserInfo(impersonate, (*impersonate_groups, "system:authenticated"))
        answer = self._answer(method, path, query, accept, user)
        name = user.name if user else ""
        self.record(RecordedRequest(method, path, query, accept, name, answer.status, auth, user_agent))
        return answer

    def _answer(
        self, method: str, path: str, query: dict[str, list[str]], accept: str, user: UserInfo | None
    ) -> _Answer:
        hang = self._take_fault("hang", lambda f: path.startswith(f.prefix))
        if hang is not None:
            self._stop.wait(hang.seconds)
        if user is None:
            return _status(401, "Unauthorized", "Unauthorized")
        throttle = self._take_fault("throttle", lambda f: True)
        if throttle is not None:
            answer = _status(
                throttle.status,
                "TooManyRequests" if throttle.status == 429 else "ServiceUnavailable",
                "Too many requests, please try again later." if throttle.status == 429 else "service unavailable",
                {"retryAfterSeconds": throttle.retry_after},
            )
            answer.headers.append(("Retry-After", str(throttle.retry_after)))
            return answer
        if method == "POST" and path == "/apis/authentication.k8s.io/v1/selfsubjectreviews":
            # What `kubectl auth whoami` asks: lets tests confirm which identity a client presented.
            review = {
                "kind": "SelfSubjectReview",
                "apiVersion": "authentication.k8s.io/v1",
                "metadata": {"creationTimestamp": None},
                "status": {"userInfo": {"username": user.name, "groups": list(user.groups)}},
            }
            return _Answer(201, _encoder.encode(review))
        if method == "POST" and path == "/apis/authorization.k8s.io/v1/selfsubjectrulesreviews":
            # What `kubectl auth can-i --list` asks: the caller's rules, from the RBAC stand-in.
            if self.permissions is None or "system:masters" in user.groups:
                rules = [{"verbs": ["*"], "apiGroups": ["*"], "resources": ["*"]}]
            else:
                rules = [
                    {"verbs": [verb], "apiGroups": ["*"], "resources": [resource]}
                    for verb, resource in sorted(self.permissions.get(user.name, set()))
                ]
            review = {
                "kind": "SelfSubjectRulesReview",
                "apiVersion": "authorization.k8s.io/v1",
                "status": {"resourceRules": rules, "nonResourceRules": [], "incomplete": False},
            }
            return _Answer(201, _encoder.encode(review))
        if method not in ("GET", "HEAD"):
            return _status(405, "MethodNotAllowed", f"the fixture server is read-only ({method} {path})")
        if path in ("/healthz", "/livez", "/readyz"):
            return _Answer(200, b"ok", content_type="text/plain; charset=utf-8")
        if path == "/version":
            return _ok(self.cluster.version)
        if path == "/api":
            return _ok({
                "kind": "APIVersions",
                "versions": ["v1"],
                "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": self.server_address}],
            })  # fmt: skip
        if path == "/apis":
            return _ok(self._group_list())
        segments = [s for s in path.split("/") if s]
        if len(segments) >= 2 and segments[0] == "api" and segments[1] == "v1":
            return self._resource_request(user, "", "v1", segments[2:], query, accept)
        if len(segments) >= 2 and segments[0] == "apis":
            group = segments[1]
            if len(segments) == 2:
                found = self._group(group)
                return _ok(found) if found is not None else _not_found_path()
            version = segments[2]
            if f"{group}/{version}" not in self._served_group_versions():
                return _not_found_path()
            return self._resource_request(user, group, version, segments[3:], query, accept)
        return _not_found_path()

    # discovery

    def _served_group_versions(self) -> list[str]:
        served: list[str] = []
        for resource in RESOURCES:
            for version in resource.versions:
                gv = f"{resource.group}/{version}" if resource.group else version
                if gv not in served and gv not in self.disabled_group_versions:
                    served.append(gv)
        return served

    def _group(self, name: str) -> dict[str, Any] | None:
        versions = [
            {"groupVersion": gv, "version": gv.split("/", 1)[1]}
            for gv in self._served_group_versions()
            if "/" in gv and gv.split("/", 1)[0] == name
        ]
        if not versions:
            return None
        return {"kind": "APIGroup", "apiVersion": "v1", "name": name, "versions": versions,
                "preferredVersion": versions[0]}  # fmt: skip

    def _group_list(self) -> dict[str, Any]:
        names: list[str] = []
        for resource in RESOURCES:
            if resource.group and resource.group not in names:
                names.append(resource.group)
        groups = [g for g in (self._group(name) for name in names) if g is not None]
        for group in groups:
            del group["kind"], group["apiVersion"]
        return {"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}

    def _resource_list(self, group: str, version: str) -> dict[str, Any]:
        resources: list[dict[str, Any]] = []
        for resource in RESOURCES:
            if resource.group != group or version not in resource.versions:
                continue
            entry: dict[str, Any] = {
                "name": resource.plural,
                "singularName": resource.singular,
                "namespaced": resource.namespaced,
                "kind": resource.kind,
                "verbs": list(resource.verbs),
            }
            if resource.short_names:
                entry["shortNames"] = list(resource.short_names)
            if resource.categories:
                entry["categories"] = list(resource.categories)
            resources.append(entry)
            for sub, verbs in resource.subresources:
                resources.append({
                    "name": f"{resource.plural}/{sub}",
                    "singularName": "",
                    "namespaced": resource.namespaced,
                    "kind": "NodeProxyOptions" if sub == "proxy" else resource.kind,
                    "verbs": list(verbs),
                })  # fmt: skip
        return {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": f"{group}/{version}".lstrip("/"),
                "resources": resources}  # fmt: skip

    # resources

    def _resource_request(
        self,
        user: UserInfo,
        group: str,
        version: str,
        rest: list[str],
        query: dict[str, list[str]],
        accept: str,
    ) -> _Answer:
        if not rest:
            return _ok(self._resource_list(group, version))
        namespace: str | None = None
        if rest[0] == "namespaces" and len(rest) >= 3:
            namespace = rest[1]
            rest = rest[2:]
        resource = _BY_PLURAL.get((group, rest[0]))
        if resource is None or version not in resource.versions:
            return _not_found_path()
        if namespace is not None and not resource.namespaced:
            return _not_found_path()
        name = rest[1] if len(rest) >= 2 else None
        subresource = rest[2] if len(rest) >= 3 else None
        verb = "list" if name is None else "get"
        if "watch" in query and query["watch"][0] in ("1", "true"):
            verb = "watch"
        resource_name = f"{resource.plural}/{subresource}" if subresource else resource.plural
        if not self.allowed(user, verb, resource_name):
            return _forbidden(user, verb, resource, resource_name, namespace, name)
        if verb == "watch":
            return _status(405, "MethodNotAllowed", "the fixture server does not serve watches")
        collection = self.cluster.collections[(group, resource.plural)]
        api_version = f"{group}/{version}" if group else version
        if name is None:
            return self._list(collection, resource, api_version, namespace, query, accept)
        obj = collection.get(namespace or "", name)
        if obj is None:
            return _status(404, "NotFound", f'{resource.plural}{"." + group if group else ""} "{name}" not found',
                           {"name": name, "group": group, "kind": resource.plural} if group else
                           {"name": name, "kind": resource.plural})  # fmt: skip
        if subresource is not None:
            if resource.plural == "nodes" and subresource == "proxy":
                return self._node_proxy(name, rest[3:])
            return _not_found_path()
        if _wants_metadata(accept):
            return _ok(_metadata_body(obj))
        prefix = f'{{"kind":"{resource.kind}","apiVersion":"{api_version}",'.encode()
        return _ok(prefix + obj.body[1:] if obj.body != b"{}" else prefix[:-1] + b"}")

    def _node_proxy(self, node: str, rest: list[str]) -> _Answer:
        if rest == ["configz"]:
            payload = self.cluster.configz.get(node)
            if payload is None:
                message = f"error trying to reach service: dial tcp {node}:10250: connect: connection refused"
                return _status(503, "ServiceUnavailable", message)
            return _ok(payload)
        return _Answer(404, b"404 page not found\n", content_type="text/plain; charset=utf-8")

    def _list(
        self,
        collection: _Collection,
        resource: ResourceType,
        api_version: str,
        namespace: str | None,
        query: dict[str, list[str]],
        accept: str,
    ) -> _Answer:
        def param(name: str) -> str:
            values = query.get(name)
            return values[0] if values else ""

        allowed_fields = {"metadata.name", "metadata.namespace"}
        if resource.kind == "Secret":
            allowed_fields.add("type")
        if resource.kind == "Pod":
            allowed_fields.update({"spec.nodeName", "status.phase"})
        try:
            fields = _parse_field_selector(param("fieldSelector"), allowed_fields)
            labels = _parse_label_selector(param("labelSelector"))
            limit = int(param("limit") or 0)
        except ValueError as exc:
            return _status(400, "BadRequest", str(exc))
        start, end = collection.span(namespace)
        list_rv = self.cluster.resource_version
        token = param("continue")
        if token:
            try:
                list_rv, last_key = _decode_continue(token)
            except (ValueError, KeyError, TypeError):
                return _status(400, "BadRequest", "continue key is not valid: incorrect encoded start resourceVersion")
            if self._gone_due(resource.plural):
                answer = _status(
                    410,
                    "Expired",
                    "The provided continue parameter is too old to display a consistent list result. You can start "
                    "a new list without the continue parameter, or use the continue token in this response to "
                    "retrieve the remainder of the results. Continuing with the provided token results in an "
                    "inconsistent list - objects that were created, modified, or deleted between the time the "
                    "first chunk was returned and now may show up in the list.",
                )
                return answer
            start = max(start, bisect.bisect_right(collection.keys, last_key, start, end))
        metadata_only = _wants_metadata(accept)
        selected: list[bytes] = []
        index = start
        filtered = bool(fields or labels)
        while index < end and (limit <= 0 or len(selected) < limit):
            obj = collection.objects[index]
            index += 1
            if filtered and not _matches(obj, fields, labels):
                continue
            selected.append(_metadata_body(obj) if metadata_only else obj.body)
        if filtered and limit > 0:
            # Like etcd paging with selectors: only claim "more" if a later object matches.
            more = any(_matches(collection.objects[i], fields, labels) for i in range(index, end))
        else:
            more = index < end
        meta: dict[str, Any] = {"resourceVersion": str(list_rv)}
        if more and limit > 0:
            meta["continue"] = _encode_continue(list_rv, collection.keys[index - 1])
            if not filtered:
                meta["remainingItemCount"] = end - index
        if metadata_only:
            head = {"kind": "PartialObjectMetadataList", "apiVersion": "meta.k8s.io/v1", "metadata": meta}
        else:
            head = {"kind": f"{resource.kind}List", "apiVersion": api_version, "metadata": meta}
        body = b"".join((_encoder.encode(head)[:-1], b',"items":[', b",".join(selected), b"]}"))
        return _Answer(200, body)


def _not_found_path() -> _Answer:
    return _status(404, "NotFound", "the server could not find the requested resource", {})


def _forbidden(
    user: UserInfo, verb: str, resource: ResourceType, resource_name: str, namespace: str | None, name: str | None
) -> _Answer:
    qualified = f"{resource.plural}.{resource.group}" if resource.group else resource.plural
    subject = f'{qualified} "{name}"' if name else qualified
    scope = f'in the namespace "{namespace}"' if namespace else "at the cluster scope"
    message = (
        f'{subject} is forbidden: User "{user.name}" cannot {verb} resource "{resource_name}" in API group '
        f'"{resource.group}" {scope}'
    )
    details: dict[str, Any] = {}
    if name:
        details["name"] = name
    if resource.group:
        details["group"] = resource.group
    details["kind"] = resource.plural
    return _status(403, "Forbidden", message, details)


def _load_pair(context: ssl.SSLContext, cert_pem: bytes, key_pem: bytes) -> None:
    # The server's own key: a test key, but still kept off disk the same way as client keys.
    with private_files(cert_pem, key_pem) as (cert_path, key_path):
        context.load_cert_chain(cert_path, key_path)


class _HTTPServer(ThreadingHTTPServer):
    """Accepts plain sockets and does the TLS handshake in the connection's own thread."""

    daemon_threads = True
    request_queue_size = 128
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler], app: FixtureApiServer) -> None:
        self.app = app
        super().__init__(address, handler)

    def finish_request(self, request: Any, client_address: Any) -> None:
        try:
            request.settimeout(30)
            request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            tls = self.app.ssl_context.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError):
            request.close()
            return
        try:
            self.RequestHandlerClass(tls, client_address, self)  # type: ignore[arg-type]
        finally:
            with contextlib.suppress(OSError):
                tls.close()

    def shutdown_request(self, request: Any) -> None:
        with contextlib.suppress(OSError):
            request.shutdown(socket.SHUT_WR)
        request.close()

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Clients hanging up mid-response (timeouts in tests) are expected; stay quiet.
        pass


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fixture-apiserver"
    sys_version = ""
    server: _HTTPServer

    def log_message(self, format: str, *args: Any) -> None:
        """Silence per-request logging."""

    def _serve(self) -> None:
        app = self.server.app
        peer: dict[str, Any] | None = None
        if isinstance(self.connection, ssl.SSLSocket):
            peer = self.connection.getpeercert() or None
        authorization = self.headers.get("Authorization", "")
        user = app.authenticate(authorization, peer)
        scheme = authorization.split(" ", 1)[0].lower()
        auth = scheme or ("cert" if peer else "")
        answer = app.handle(
            self.command,
            self.path,
            self.headers.get("Accept", ""),
            user,
            auth=auth,
            impersonate=self.headers.get("Impersonate-User", ""),
            impersonate_groups=tuple(self.headers.get_all("Impersonate-Group") or ()),
            user_agent=self.headers.get("User-Agent", ""),
        )
        if self.command == "HEAD":
            answer.body = b""
        head = [f"HTTP/1.1 {answer.status} {_REASONS.get(answer.status, 'Error')}"]
        head.append(f"Content-Type: {answer.content_type}")
        head.append(f"Content-Length: {len(answer.body)}")
        head.append("Cache-Control: no-cache, private")
        head.append(f"Date: {self.date_time_string()}")
        head.extend(f"{name}: {value}" for name, value in answer.headers)
        if self.close_connection:
            head.append("Connection: close")
        payload = ("\r\n".join(head) + "\r\n\r\n").encode("latin-1")
        try:
            # One write per response: headers and body in separate small writes would meet Nagle's
            # algorithm and the client's delayed ACK (40 ms per request).
            self.wfile.write(payload + answer.body)
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError, TimeoutError):
            self.close_connection = True

    def _drain(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(min(length, 1 << 20))

    def do_GET(self) -> None:
        """GET."""
        self._serve()

    def do_HEAD(self) -> None:
        """HEAD."""
        self._serve()

    def do_POST(self) -> None:
        """POST (refused: read-only)."""
        self._drain()
        self._serve()

    do_PUT = do_PATCH = do_DELETE = do_POST


# --- process entry point -------------------------------------------------------------------------------


def _parse_token(spec: str) -> tuple[str, UserInfo]:
    token, _, identity = spec.partition("=")
    user, _, groups = identity.partition(":")
    if not token or not user:
        raise argparse.ArgumentTypeError(f"expected TOKEN=user[:group,group], got {spec!r}")
    return token, UserInfo(user, tuple(g for g in groups.split(",") if g))


def main(argv: list[str] | None = None) -> int:
    """Serve a fixture directory until interrupted; prints ``ready <url>`` once listening."""
    parser = argparse.ArgumentParser(
        prog="python -m kubeward.testing.fixture_apiserver", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--data", required=True, help="fixture directory")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--cert", required=True, help="serving certificate (PEM)")
    parser.add_argument("--key", required=True, help="serving key (PEM)")
    parser.add_argument("--client-ca", help="CA for client certificates (PEM)")
    parser.add_argument("--token", action="append", default=[], help="TOKEN=user[:group,...] (repeatable)")
    parser.add_argument("--anonymous", action="store_true", help="treat unauthenticated requests as system:anonymous")
    args = parser.parse_args(argv)
    started = time.monotonic()
    cluster = FixtureCluster.load(args.data)
    tokens = dict(_parse_token(spec) for spec in args.token)
    server = FixtureApiServer(
        cluster,
        cert_pem=Path(args.cert).read_bytes(),
        key_pem=Path(args.key).read_bytes(),
        client_ca_pem=Path(args.client_ca).read_bytes() if args.client_ca else None,
        tokens=tokens,
        anonymous=args.anonymous,
        host=args.host,
        port=args.port,
    )
    objects = sum(len(c.keys) for c in cluster.collections.values())
    print(f"ready {server.url} objects={objects} load_seconds={time.monotonic() - started:.1f}", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
