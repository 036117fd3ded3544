"""Assembling an Inventory from collectors and loaders, and the sink protocol they write to.

Live collection, offline loaders and the bundle reader all produce the same stream of facts (object
pages, collection records, component configurations, input issues). They write it to a ``Sink``:
``InventoryBuilder`` keeps it in memory for a scan, ``BundleWriter`` streams it to disk for
``kubeward collect`` so memory stays flat in cluster size.
"""

import threading
from collections.abc import Iterable, Sequence
from typing import Protocol

import msgspec

from kubeward.inventory import derive
from kubeward.inventory.components import ApiServerInstance, ConfigDoc, KubeletInstance, ProviderCluster
from kubeward.inventory.credentials import KubeconfigRecord
from kubeward.inventory.model import (
    CollectionRecord,
    InputIssue,
    InputRecord,
    Inventory,
    Target,
    VersionInfo,
)
from kubeward.inventory.objects import KubeObject
from kubeward.inventory.probes import ProbeRun

# Inventory field holding each object part.
OBJECT_PARTS: dict[str, str] = {
    "clusterroles": "cluster_roles",
    "clusterrolebindings": "cluster_role_bindings",
    "roles": "roles",
    "rolebindings": "role_bindings",
    "serviceaccounts": "service_accounts",
    "pods": "pods",
    "workloads": "workloads",
    "namespaces": "namespaces",
    "nodes": "nodes",
    "flowschemas": "flow_schemas",
    "prioritylevelconfigurations": "priority_levels",
    "webhookconfigurations": "webhook_configurations",
    "secrets": "secrets",
    "configmaps": "config_maps",
}


class Sink(Protocol):
    """Where collectors and loaders put what they find. Implementations must be thread-safe."""

    def add_objects(self, part: str, items: Sequence[KubeObject]) -> None:
        """Add a page of objects of one part (see ``OBJECT_PARTS``)."""

    def record(self, record: CollectionRecord) -> None:
        """Record the outcome of collecting one part."""

    def add_issue(self, issue: InputIssue) -> None:
        """Record a problem with one input."""

    def add_input(self, record: InputRecord) -> None:
        """Record an input that was read."""

    def add_apiserver(self, instance: ApiServerInstance) -> None:
        """Add a kube-apiserver configuration."""

    def add_kubelet(self, instance: KubeletInstance) -> None:
        """Add a kubelet configuration."""

    def add_provider(self, cluster: ProviderCluster) -> None:
        """Add a managed-cluster description."""

    def add_config_doc(self, doc: ConfigDoc) -> None:
        """Add a node configuration document (audit policy, authentication config, ...)."""

    def add_kubeconfig(self, record: KubeconfigRecord) -> None:
        """Add a kubeconfig found by the credential scan (fingerprints only, never values)."""

    def add_probe(self, run: ProbeRun) -> None:
        """Add the results of an unauthenticated probe run."""

    def set_version(self, version: VersionInfo) -> None:
        """Set the cluster version."""

    def set_discovery(self, group_versions: Sequence[str]) -> None:
        """Set the served API group versions."""


class InventoryBuilder:
    """A ``Sink`` that accumulates everything in memory and builds the frozen Inventory."""

    def __init__(self, target: Target) -> None:
        self._lock = threading.Lock()
        self._target = target
        self._objects: dict[str, list[KubeObject]] = {part: [] for part in OBJECT_PARTS}
        self._records: dict[str, CollectionRecord] = {}
        self._issues: list[InputIssue] = []
        self._inputs: list[InputRecord] = []
        self._apiservers: list[ApiServerInstance] = []
        self._kubelets: list[KubeletInstance] = []
        self._providers: list[ProviderCluster] = []
        self._docs: list[ConfigDoc] = []
        self._kubeconfigs: list[KubeconfigRecord] = []
        self._probes: list[ProbeRun] = []
        self._version: VersionInfo | None = None
        self._discovery: tuple[str, ...] = ()

    # --- Sink -----------------------------------------------------------------------------------

    def add_objects(self, part: str, items: Sequence[KubeObject]) -> None:
        """Add a page of objects."""
        if part not in self._objects:
            raise ValueError(f"unknown inventory part {part!r}")
        with self._lock:
            self._objects[part].extend(items)

    def record(self, record: CollectionRecord) -> None:
        """Record a collection outcome; a failure is never overwritten by a later success."""
        with self._lock:
            previous = self._records.get(record.part)
            self._records[record.part] = _merge_records(previous, record)

    def add_issue(self, issue: InputIssue) -> None:
        """Record an input problem."""
        with self._lock:
            self._issues.append(issue)

    def add_input(self, record: InputRecord) -> None:
        """Record an input."""
        with self._lock:
            self._inputs.append(record)

    def add_apiserver(self, instance: ApiServerInstance) -> None:
        """Add a kube-apiserver configuration."""
        with self._lock:
            self._apiservers.append(instance)

    def add_kubelet(self, instance: KubeletInstance) -> None:
        """Add a kubelet configuration."""
        with self._lock:
            self._kubelets.append(instance)

    def add_provider(self, cluster: ProviderCluster) -> None:
        """Add a managed-cluster description."""
        with self._lock:
            self._providers.append(cluster)

    def add_config_doc(self, doc: ConfigDoc) -> None:
        """Add a node configuration document."""
        with self._lock:
            self._docs.append(doc)

    def add_kubeconfig(self, record: KubeconfigRecord) -> None:
        """Add a kubeconfig found by the credential scan."""
        with self._lock:
            self._kubeconfigs.append(record)

    def add_probe(self, run: ProbeRun) -> None:
        """Add a probe run."""
        with self._lock:
            self._probes.append(run)

    def set_version(self, version: VersionInfo) -> None:
        """Set the cluster version (the first one wins: /version before image tags)."""
        with self._lock:
            if self._version is None:
                self._version = version

    def set_discovery(self, group_versions: Sequence[str]) -> None:
        """Set the served API group versions."""
        with self._lock:
            self._discovery = tuple(group_versions)

    # --- build ----------------------------------------------------------------------------------

    def add_inventory(self, inventory: Inventory) -> None:
        """Merge a whole Inventory (e.g. one read from a bundle) into this builder."""
        for part, field in OBJECT_PARTS.items():
            self.add_objects(part, getattr(inventory, field))
        for rec in inventory.collection:
            self.record(rec)
        for issue in inventory.issues:
            self.add_issue(issue)
        for inp in inventory.inputs:
            self.add_input(inp)
        for api in inventory.apiservers:
            self.add_apiserver(api)
        for kubelet in inventory.kubelets:
            self.add_kubelet(kubelet)
        for provider in inventory.providers:
            self.add_provider(provider)
        for doc in inventory.config_docs:
            self.add_config_doc(doc)
        for record in inventory.kubeconfigs:
            self.add_kubeconfig(record)
        for run in inventory.probes:
            self.add_probe(run)
        if inventory.version is not None:
            self.set_version(inventory.version)
        if inventory.discovery:
            self.set_discovery(inventory.discovery)

    def build(self) -> Inventory:
        """Freeze what was gathered, derive component configurations from API objects, and record
        which parts were provided.
        """
        with self._lock:
            objects: dict[str, tuple[KubeObject, ...]] = {}
            issues = list(self._issues)
            for part, items in self._objects.items():
                unique, duplicates = _dedupe(items)
                objects[part] = unique
                if duplicates:
                    issues.append(
                        InputIssue(
                            input=part,
                            message=f"{duplicates} duplicate {part} object(s) ignored (same namespace and name)",
                            level="warning",
                        )
                    )
            records = dict(self._records)
            for part, items_tuple in objects.items():
                if part not in records and items_tuple:
                    records[part] = CollectionRecord(part=part, status="collected", count=len(items_tuple))
            fields = {OBJECT_PARTS[part]: items for part, items in objects.items()}
            partial = Inventory(
                target=self._target,
                version=self._version,
                discovery=self._discovery,
                apiservers=tuple(self._apiservers),
                kubelets=tuple(self._kubelets),
                providers=tuple(self._providers),
                config_docs=tuple(self._docs),
                kubeconfigs=tuple(self._kubeconfigs),
                probes=tuple(self._probes),
                collection=tuple(records.values()),
                issues=tuple(issues),
                inputs=tuple(self._inputs),
                **fields,  # type: ignore[arg-type]
            )
        return derive.complete(partial)


def _merge_records(previous: CollectionRecord | None, new: CollectionRecord) -> CollectionRecord:
    if previous is None:
        return new
    if not previous.ok:
        return previous
    if not new.ok:
        return new
    count = (previous.count or 0) + (new.count or 0)
    return msgspec.structs.replace(previous, count=count)


def _dedupe(items: Iterable[KubeObject]) -> tuple[tuple[KubeObject, ...], int]:
    """Keep the first object of each (kind, namespace, name); count the rest."""
    seen: set[tuple[str, str, str]] = set()
    kept: list[KubeObject] = []
    duplicates = 0
    for item in items:
        key = (item.kind, item.metadata.namespace, item.metadata.name)
        if key in seen:
            duplicates += 1
            continue
        seen.add(key)
        kept.append(item)
    return tuple(kept), duplicates
