"""Live collection: read everything the checks need from the API server into an Inventory sink.

What is read, and why this way:

* ``/version`` and discovery (``/api``, ``/apis``): version-dependent defaults and which API groups
  (e.g. APF ``flowcontrol.apiserver.k8s.io/v1`` or only ``v1beta3``) the cluster serves.
* RBAC (cluster roles and bindings, roles and bindings in all namespaces), service accounts, pods,
  workload controllers, namespaces, nodes, APF objects and admission webhooks: listed in pages of
  ``chunk_size`` and pushed to the sink page by page, so memory stays flat in cluster size.
  Workloads and webhook configurations share one Struct each; list items carry no ``kind``, so the
  collector stamps it from the list it read.
* Secrets as *metadata only* (``PartialObjectMetadataList``); their type comes from a second metadata
  list with ``fieldSelector=type=kubernetes.io/service-account-token``. Secret data is never
  requested, so it can neither leak nor cost memory.
* Three ConfigMaps by name (``kubeadm-config``, ``kubelet-config``, ``aws-auth`` in ``kube-system``);
  ConfigMaps are never listed. A 404 just means the cluster does not have it.
* Each node's kubelet ``/configz`` through the API server's node proxy.

Every part gets a ``CollectionRecord``: ``collected`` with its count, or ``forbidden`` /
``unauthorized`` / ``not_found`` / ``error`` with the server's reason. A refusal never stops the
collection and never passes silently; only an unreachable server (or unusable credentials) on the
very first request aborts, because then nothing at all can be collected.

The lists run concurrently on a small thread pool: the API server's latency overlaps with decoding.
Garbage collection is paused while collecting (the trimmed objects hold no reference cycles, and
the collector would otherwise rescan millions of young objects for nothing).
"""

from __future__ import annotations

import argparse
import gc
import sys
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import msgspec

from kubeward.inventory.builder import Sink
from kubeward.inventory.components import ConfigDoc, KubeletInstance
from kubeward.inventory.model import CollectionRecord, CollectionStatus, Target, VersionInfo
from kubeward.inventory.objects import (
    CONFIGMAPS_WITH_DATA,
    WORKLOAD_KINDS,
    ClusterRole,
    ClusterRoleBinding,
    ConfigMap,
    FlowSchema,
    KubeObject,
    Namespace,
    Node,
    Pod,
    PriorityLevelConfiguration,
    Role,
    RoleBinding,
    SecretMeta,
    ServiceAccount,
    WebhookConfiguration,
    Workload,
)
from kubeward.inventory.provenance import api_at
from kubeward.kube.auth import AuthError
from kubeward.kube.client import (
    METADATA_LIST,
    ApiError,
    ConnectionFailed,
    Forbidden,
    KubeClient,
    KubeError,
    NotFound,
    Unauthorized,
    item_key,
)
from kubeward.kube.kubeconfig import ClusterConnection, KubeconfigError

SA_TOKEN_TYPE = "kubernetes.io/service-account-token"  # noqa: S105 - a Secret type, not a secret
FLOWCONTROL_GROUP = "flowcontrol.apiserver.k8s.io"
FLOWCONTROL_VERSIONS = ("v1", "v1beta3")


# --- wire shapes only the collector reads ---------------------------------------------------------------


class _APIVersions(msgspec.Struct):
    versions: list[str] = []


class _GroupVersion(msgspec.Struct):
    groupVersion: str = ""


class _APIGroup(msgspec.Struct):
    name: str = ""
    versions: list[_GroupVersion] = []


class _APIGroupList(msgspec.Struct):
    groups: list[_APIGroup] = []


class _Configz(msgspec.Struct):
    kubeletconfig: dict[str, Any] | None = None


@dataclass(frozen=True)
class ListSpec:
    """One list request and where its items go."""

    part: str
    path: str
    item_type: type[KubeObject]
    kind: str = ""
    accept: str | None = None
    field_selector: str | None = None


def live_target(connection: ClusterConnection) -> Target:
    """The Target describing a live scan of ``connection``."""
    return Target(kind="live", name=connection.display_name, server=connection.server, context=connection.context_name)


def _status_of(exc: BaseException) -> CollectionStatus:
    if isinstance(exc, Forbidden):
        return "forbidden"
    if isinstance(exc, Unauthorized):
        return "unauthorized"
    if isinstance(exc, NotFound):
        return "not_found"
    return "error"


def _reason_of(exc: BaseException) -> str:
    if isinstance(exc, ApiError):
        return exc.message or f"{exc.status_code} {exc.reason}"
    return str(exc) or type(exc).__name__


class _Parts:
    """Per-part outcome: objects counted, the first failure kept (a failure is never overwritten)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: dict[str, int] = {}
        self._failures: dict[str, CollectionRecord] = {}
        self._order: list[str] = []

    def touch(self, part: str) -> None:
        with self._lock:
            if part not in self._counts:
                self._counts[part] = 0
                self._order.append(part)

    def add(self, part: str, count: int) -> None:
        self.touch(part)
        with self._lock:
            self._counts[part] += count

    def fail(self, part: str, status: CollectionStatus, reason: str) -> None:
        self.touch(part)
        with self._lock:
            self._failures.setdefault(part, CollectionRecord(part=part, status=status, reason=reason))

    def records(self) -> list[CollectionRecord]:
        with self._lock:
            return [
                self._failures.get(part) or CollectionRecord(part=part, status="collected", count=self._counts[part])
                for part in self._order
            ]


class _Collector:
    def __init__(self, client: KubeClient, sink: Sink, chunk_size: int, concurrency: int, configz: bool) -> None:
        self.client = client
        self.sink = sink
        self.chunk_size = chunk_size
        self.concurrency = max(1, concurrency)
        self.configz = configz
        self.parts = _Parts()

    # --- individual parts ---------------------------------------------------------------------------

    def _guard(self, part: str, label: str, action: Callable[[], None]) -> None:
        """Run one unit of collection; turn any failure into the part's record (never raise)."""
        try:
            action()
        except (KubeError, KubeconfigError) as exc:
            self.parts.fail(part, _status_of(exc), f"{label}: {_reason_of(exc)}")
        except Exception as exc:  # a collector bug must not cost the other parts
            self.parts.fail(part, "error", f"{label}: unexpected {type(exc).__name__}: {exc}")

    def version(self) -> None:
        self.parts.touch("version")
        version = self.client.get_json("/version", VersionInfo)
        self.sink.set_version(msgspec.structs.replace(version, provenance=api_at("/version")))
        self.parts.add("version", 1)

    def discovery(self) -> list[str] | None:
        self.parts.touch("discovery")
        found: list[str] = []
        try:
            core = self.client.get_json("/api", _APIVersions)
            found.extend(core.versions)
            groups = self.client.get_json("/apis", _APIGroupList)
            for group in groups.groups:
                found.extend(v.groupVersion for v in group.versions if v.groupVersion)
        except (KubeError, KubeconfigError) as exc:
            self.parts.fail("discovery", _status_of(exc), f"GET /api, /apis: {_reason_of(exc)}")
            return None
        self.sink.set_discovery(found)
        self.parts.add("discovery", len(found))
        return found

    def list_into_sink(self, spec: ListSpec) -> None:
        self.parts.touch(spec.part)

        def read() -> None:
            for page in self.client.list_pages(
                spec.path,
                spec.item_type,
                limit=self.chunk_size,
                accept=spec.accept,
                field_selector=spec.field_selector,
            ):
                items: list[KubeObject] = page.items
                if spec.kind and items:
                    if spec.item_type is Workload:
                        items = [msgspec.structs.replace(i, workload_kind=spec.kind) for i in items]
                    else:
                        items = [msgspec.structs.replace(i, webhook_kind=spec.kind) for i in items]
                if items:
                    self.sink.add_objects(spec.part, items)
                    self.parts.add(spec.part, len(items))

        self._guard(spec.part, f"list {spec.path}", read)

    def secrets(self) -> None:
        """Secret metadata, with the type of legacy service-account token Secrets filled in."""
        self.parts.touch("secrets")

        def read() -> None:
            token_secrets: set[str] = set()
            for page in self.client.list_pages(
                "/api/v1/secrets",
                SecretMeta,
                limit=self.chunk_size,
                accept=METADATA_LIST,
                field_selector=f"type={SA_TOKEN_TYPE}",
            ):
                token_secrets.update(key for key in map(item_key, page.items) if key is not None)
            for page in self.client.list_pages(
                "/api/v1/secrets", SecretMeta, limit=self.chunk_size, accept=METADATA_LIST
            ):
                items = [
                    msgspec.structs.replace(s, type=SA_TOKEN_TYPE) if item_key(s) in token_secrets else s
                    for s in page.items
                ]
                if items:
                    self.sink.add_objects("secrets", items)
                    self.parts.add("secrets", len(items))

        self._guard("secrets", "list /api/v1/secrets (metadata only)", read)

    def configmaps(self) -> None:
        """The few ConfigMaps whose data is analysed, by name; absent ones are fine."""
        self.parts.touch("configmaps")
        for namespace, name in sorted(CONFIGMAPS_WITH_DATA):
            path = f"/api/v1/namespaces/{namespace}/configmaps/{name}"

            def read(path: str = path) -> None:
                try:
                    cm = self.client.get_json(path, ConfigMap)
                except NotFound:
                    return
                self.sink.add_objects("configmaps", [cm])
                self.parts.add("configmaps", 1)

            self._guard("configmaps", f"get {path}", read)

    def nodes(self) -> list[tuple[str, str]]:
        """List nodes into the sink; return (name, kubelet version) for the configz pass."""
        self.parts.touch("nodes")
        found: list[tuple[str, str]] = []

        def read() -> None:
            for page in self.client.list_pages("/api/v1/nodes", Node, limit=self.chunk_size):
                if page.items:
                    self.sink.add_objects("nodes", page.items)
                    self.parts.add("nodes", len(page.items))
                    found.extend((n.metadata.name, n.status.nodeInfo.kubeletVersion) for n in page.items)

        self._guard("nodes", "list /api/v1/nodes", read)
        return found

    def kubelet_configz(self, node: str, version: str) -> None:
        path = f"/api/v1/nodes/{node}/proxy/configz"

        def read() -> None:
            answer = self.client.get_json(path, _Configz)
            if answer.kubeletconfig is None:
                self.parts.fail("kubelet", "error", f"get {path}: answer has no kubeletconfig")
                return
            provenance = api_at(path)
            self.sink.add_kubelet(
                KubeletInstance(
                    node=node,
                    origin="configz",
                    provenance=provenance,
                    configz=ConfigDoc(kind="KubeletConfiguration", data=answer.kubeletconfig, provenance=provenance),
                    started_with_config=None,
                    version=version,
                )
            )
            self.parts.add("kubelet", 1)

        self._guard("kubelet", f"get {path}", read)

    # --- the whole run ------------------------------------------------------------------------------

    def list_specs(self, group_versions: Sequence[str] | None) -> list[ListSpec]:
        rbac = "/apis/rbac.authorization.k8s.io/v1"
        specs = [
            ListSpec("pods", "/api/v1/pods", Pod),
            ListSpec("rolebindings", f"{rbac}/rolebindings", RoleBinding),
            ListSpec("serviceaccounts", "/api/v1/serviceaccounts", ServiceAccount),
            ListSpec("roles", f"{rbac}/roles", Role),
            ListSpec("clusterroles", f"{rbac}/clusterroles", ClusterRole),
            ListSpec("clusterrolebindings", f"{rbac}/clusterrolebindings", ClusterRoleBinding),
            ListSpec("namespaces", "/api/v1/namespaces", Namespace),
        ]
        for kind, (api_version, plural) in WORKLOAD_KINDS.items():
            prefix = "/api/v1" if api_version == "v1" else f"/apis/{api_version}"
            specs.append(ListSpec("workloads", f"{prefix}/{plural}", Workload, kind=kind))
        for kind in ("MutatingWebhookConfiguration", "ValidatingWebhookConfiguration"):
            path = f"/apis/admissionregistration.k8s.io/v1/{kind.lower()}s"
            specs.append(ListSpec("webhookconfigurations", path, WebhookConfiguration, kind=kind))
        version = self.flowcontrol_version(group_versions)
        if version is not None:
            prefix = f"/apis/{FLOWCONTROL_GROUP}/{version}"
            specs.append(ListSpec("flowschemas", f"{prefix}/flowschemas", FlowSchema))
            specs.append(ListSpec("prioritylevelconfigurations", f"{prefix}/prioritylevelconfigurations",
                                  PriorityLevelConfiguration))  # fmt: skip
        return specs

    def flowcontrol_version(self, group_versions: Sequence[str] | None) -> str | None:
        """APF ``v1`` if served (or discovery is unknown), else ``v1beta3``; None when neither is."""
        if group_versions is None:
            return "v1"
        for version in FLOWCONTROL_VERSIONS:
            if f"{FLOWCONTROL_GROUP}/{version}" in group_versions:
                return version
        for part in ("flowschemas", "prioritylevelconfigurations"):
            self.parts.fail(
                part, "not_found", f"{FLOWCONTROL_GROUP} v1/v1beta3 is not served (API Priority and Fairness off?)"
            )
        return None

    def run(self) -> None:
        # The first request decides whether the cluster is reachable at all, and whether it accepts
        # the credentials: a 401 there would be a 401 on every part, so it ends the collection.
        try:
            self.version()
        except (ConnectionFailed, AuthError, Unauthorized):
            raise
        except KubeError as exc:
            self.parts.fail("version", _status_of(exc), f"GET /version: {_reason_of(exc)}")
        group_versions = self.discovery()
        specs = self.list_specs(group_versions)
        with ThreadPoolExecutor(max_workers=self.concurrency, thread_name_prefix="kubeward-collect") as pool:
            try:
                nodes_future = pool.submit(self.nodes)
                futures: list[Future[Any]] = [pool.submit(self.list_into_sink, spec) for spec in specs]
                futures.append(pool.submit(self.secrets))
                futures.append(pool.submit(self.configmaps))
                nodes = nodes_future.result()
                if self.configz:
                    self.parts.touch("kubelet")
                    nodes_record = next(r for r in self.parts.records() if r.part == "nodes")
                    if not nodes_record.ok:
                        self.parts.fail(
                            "kubelet", nodes_record.status, f"kubelet /configz not collected: {nodes_record.reason}"
                        )
                    futures.extend(pool.submit(self.kubelet_configz, name, version) for name, version in nodes)
                for future in futures:
                    future.result()
            except BaseException:
                pool.shutdown(wait=True, cancel_futures=True)
                raise
        for record in self.parts.records():
            self.sink.record(record)


def collect_live(
    client: KubeClient,
    sink: Sink,
    *,
    chunk_size: int = 500,
    concurrency: int = 4,
    configz: bool = True,
) -> None:
    """Collect the live cluster behind ``client`` into ``sink``.

    Raises ``ConnectionFailed``, ``AuthError`` or ``Unauthorized`` only when the very first request
    fails that way (unreachable, credentials unobtainable, credentials rejected);
    every other failure becomes the ``CollectionRecord`` of the part it affected.
    ``configz=False`` skips the kubelet ``/configz`` reads (they need ``get nodes/proxy``).
    """
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        _Collector(client, sink, chunk_size, concurrency, configz).run()
    finally:
        if gc_was_enabled:
            gc.enable()


# --- a small driver (benchmarks; the CLI's ``kubeward collect`` is the user-facing command) -------------


def main(argv: list[str] | None = None) -> int:
    """``python -m kubeward.collect.live --kubeconfig K -o BUNDLE``: collect into a bundle."""
    from kubeward.inventory.bundle import BundleWriter, read_manifest
    from kubeward.kube.kubeconfig import ConnectionOptions, parse_duration, resolve_connection

    parser = argparse.ArgumentParser(prog="python -m kubeward.collect.live", description=main.__doc__)
    parser.add_argument("--kubeconfig")
    parser.add_argument("--context")
    parser.add_argument("-o", "--output", required=True, help="bundle directory or .tar.gz")
    parser.add_argument("--chunk-size", type=int, default=500)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--request-timeout", default="0")
    parser.add_argument("--no-configz", action="store_true")
    args = parser.parse_args(argv)
    try:
        options = ConnectionOptions(
            kubeconfig=args.kubeconfig,
            context=args.context,
            request_timeout=parse_duration(args.request_timeout),
            chunk_size=args.chunk_size,
        )
        connection = resolve_connection(options)
    except (KubeconfigError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    writer = BundleWriter(args.output, live_target(connection))
    try:
        with KubeClient(connection) as client:
            collect_live(
                client,
                writer,
                chunk_size=args.chunk_size,
                concurrency=args.concurrency,
                configz=not args.no_configz,
            )
    except (KubeError, KubeconfigError) as exc:
        writer.abort()
        print(f"error: {exc}", file=sys.stderr)
        return 2
    path = writer.close()
    manifest = read_manifest(path)
    failed = [r for r in manifest.collection if r.status in ("forbidden", "unauthorized", "error")]
    for record in failed:
        print(f"warning: {record.part} not collected ({record.status}): {record.reason}", file=sys.stderr)
    total = sum(index.count for index in manifest.parts.values())
    print(f"collected {total} objects into {path}", file=sys.stderr)
    return 3 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
