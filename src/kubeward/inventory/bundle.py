"""Bundles: an Inventory on disk, so a cluster collected once can be analysed anywhere.

Layout (a directory, or the same tree in a ``.tar.gz``)::

    manifest.json            schema version, target, collection records, input issues, part index
    objects/<part>.json      a JSON array of the trimmed objects of one part
    components/<name>.json   apiserver, kubelet and provider configurations, node config documents

``BundleWriter`` is a ``Sink``: live collection streams each page straight to its part file, so
collecting a large cluster needs memory for one page, not for the cluster. The schema version is
``major.minor``; a reader accepts its own major version and refuses a newer one with a clear error.
"""

import datetime as dt
import shutil
import tarfile
import tempfile
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

import msgspec

from kubeward import __version__
from kubeward.inventory.builder import OBJECT_PARTS, InventoryBuilder
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
from kubeward.inventory.objects import (
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
from kubeward.inventory.probes import ProbeRun

# 1.1: components.json gained kubeconfigs and probes (additive: 1.0 readers ignore them).
BUNDLE_SCHEMA = "1.1"
SUPPORTED_MAJOR = 1
MAX_MEMBER_BYTES = 2 * 1024 * 1024 * 1024

PART_TYPES: dict[str, type[KubeObject]] = {
    "clusterroles": ClusterRole,
    "clusterrolebindings": ClusterRoleBinding,
    "roles": Role,
    "rolebindings": RoleBinding,
    "serviceaccounts": ServiceAccount,
    "pods": Pod,
    "workloads": Workload,
    "namespaces": Namespace,
    "nodes": Node,
    "flowschemas": FlowSchema,
    "prioritylevelconfigurations": PriorityLevelConfiguration,
    "webhookconfigurations": WebhookConfiguration,
    "secrets": SecretMeta,
    "configmaps": ConfigMap,
}
assert set(PART_TYPES) == set(OBJECT_PARTS)


class BundleError(Exception):
    """A bundle cannot be read (missing manifest, newer schema, corrupt part)."""


class PartIndex(msgspec.Struct, frozen=True):
    """Where one part's objects are and how many there are."""

    file: str
    count: int


class Manifest(msgspec.Struct, frozen=True, omit_defaults=True, kw_only=True):
    """``manifest.json``."""

    bundleSchema: str
    kubeward: str
    createdAt: str
    target: Target
    version: VersionInfo | None = None
    discovery: tuple[str, ...] = ()
    collection: tuple[CollectionRecord, ...] = ()
    issues: tuple[InputIssue, ...] = ()
    inputs: tuple[InputRecord, ...] = ()
    parts: dict[str, PartIndex] = {}
    components: dict[str, str] = {}


class _ManifestHeader(msgspec.Struct):
    bundleSchema: str = ""


class Components(msgspec.Struct, frozen=True, omit_defaults=True):
    """Component configurations, stored together (they are small)."""

    apiservers: tuple[ApiServerInstance, ...] = ()
    kubelets: tuple[KubeletInstance, ...] = ()
    providers: tuple[ProviderCluster, ...] = ()
    config_docs: tuple[ConfigDoc, ...] = ()
    kubeconfigs: tuple[KubeconfigRecord, ...] = ()
    probes: tuple[ProbeRun, ...] = ()


class BundleWriter:
    """A thread-safe ``Sink`` that writes a bundle as facts arrive. Call ``close()`` to finish."""

    def __init__(self, destination: str | Path, target: Target) -> None:
        self._destination = Path(destination)
        self._as_tarball = self._destination.name.endswith((".tar.gz", ".tgz"))
        if self._as_tarball:
            self._tmp: str | None = tempfile.mkdtemp(prefix="kubeward-bundle-")
            self._root = Path(self._tmp)
        else:
            self._tmp = None
            self._root = self._destination
            if self._root.exists() and any(self._root.iterdir()):
                raise BundleError(f"{self._root}: directory exists and is not empty")
            self._root.mkdir(parents=True, exist_ok=True)
        (self._root / "objects").mkdir()
        (self._root / "components").mkdir()
        self._lock = threading.Lock()
        self._target = target
        self._encoder = msgspec.json.Encoder()
        self._files: dict[str, IO[bytes]] = {}
        self._counts: dict[str, int] = {}
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

    def add_objects(self, part: str, items: Sequence[KubeObject]) -> None:
        """Append a page of objects to the part's file."""
        if part not in PART_TYPES:
            raise ValueError(f"unknown inventory part {part!r}")
        if not items:
            return
        body = self._encoder.encode(list(items))[1:-1]
        with self._lock:
            handle = self._files.get(part)
            if handle is None:
                handle = (self._root / "objects" / f"{part}.json").open("wb")
                handle.write(b"[")
                self._files[part] = handle
            elif self._counts[part]:
                handle.write(b",")
            handle.write(body)
            self._counts[part] = self._counts.get(part, 0) + len(items)

    def record(self, record: CollectionRecord) -> None:
        """Record a collection outcome (a failure is never overwritten)."""
        with self._lock:
            previous = self._records.get(record.part)
            if previous is None or previous.ok:
                self._records[record.part] = record

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
        """Add a kubeconfig found by the credential scan (fingerprints only)."""
        with self._lock:
            self._kubeconfigs.append(record)

    def add_probe(self, run: ProbeRun) -> None:
        """Add a probe run."""
        with self._lock:
            self._probes.append(run)

    def set_version(self, version: VersionInfo) -> None:
        """Set the cluster version."""
        with self._lock:
            if self._version is None:
                self._version = version

    def set_discovery(self, group_versions: Sequence[str]) -> None:
        """Set the served API group versions."""
        with self._lock:
            self._discovery = tuple(group_versions)

    @property
    def incomplete(self) -> bool:
        """True when a part was refused or failed, or an input error was recorded."""
        with self._lock:
            failed = any(rec.status in ("forbidden", "unauthorized", "error") for rec in self._records.values())
            return failed or any(issue.level == "error" for issue in self._issues)

    def write_inventory(self, inventory: Inventory) -> None:
        """Write a whole in-memory Inventory (offline inputs) through the sink methods."""
        for part, field in OBJECT_PARTS.items():
            self.add_objects(part, getattr(inventory, field))
        for record in inventory.collection:
            self.record(record)
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
        for kubeconfig in inventory.kubeconfigs:
            self.add_kubeconfig(kubeconfig)
        for run in inventory.probes:
            self.add_probe(run)
        if inventory.version is not None:
            self.set_version(inventory.version)
        self.set_discovery(inventory.discovery)

    def close(self) -> Path:
        """Finish part files, write components and the manifest; pack the tarball if asked."""
        with self._lock:
            parts: dict[str, PartIndex] = {}
            for part, handle in self._files.items():
                handle.write(b"]")
                handle.close()
                parts[part] = PartIndex(file=f"objects/{part}.json", count=self._counts[part])
            components = Components(
                apiservers=tuple(self._apiservers),
                kubelets=tuple(self._kubelets),
                providers=tuple(self._providers),
                config_docs=tuple(self._docs),
                kubeconfigs=tuple(self._kubeconfigs),
                probes=tuple(self._probes),
            )
            (self._root / "components" / "components.json").write_bytes(self._encoder.encode(components))
            manifest = Manifest(
                bundleSchema=BUNDLE_SCHEMA,
                kubeward=__version__,
                createdAt=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                target=self._target,
                version=self._version,
                discovery=self._discovery,
                collection=tuple(self._records.values()),
                issues=tuple(self._issues),
                inputs=tuple(self._inputs),
                parts=parts,
                components={"all": "components/components.json"},
            )
            (self._root / "manifest.json").write_bytes(msgspec.json.format(self._encoder.encode(manifest)))
        if self._as_tarball:
            self._destination.parent.mkdir(parents=True, exist_ok=True)
            with tarfile.open(self._destination, "w:gz") as tar:
                for path in sorted(self._root.rglob("*")):
                    if path.is_file():
                        tar.add(path, arcname=str(path.relative_to(self._root)))
            if self._tmp is not None:
                shutil.rmtree(self._tmp, ignore_errors=True)
        return self._destination

    def abort(self) -> None:
        """Close open files and remove a partly written tarball's staging directory."""
        with self._lock:
            for handle in self._files.values():
                handle.close()
            if self._tmp is not None:
                shutil.rmtree(self._tmp, ignore_errors=True)


class _Reader:
    """Reads members of a bundle directory or tarball."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._tar: tarfile.TarFile | None = None
        if path.is_file():
            try:
                self._tar = tarfile.open(path, "r:*")  # noqa: SIM115 - kept open until close()
            except (tarfile.TarError, OSError) as exc:
                raise BundleError(f"{path}: not a bundle directory or readable .tar.gz ({exc})") from exc
        elif not path.is_dir():
            raise BundleError(f"{path}: no such bundle")

    def read(self, member: str) -> bytes:
        if ".." in Path(member).parts or member.startswith("/"):
            raise BundleError(f"{self.path}: refusing member path {member!r}")
        if self._tar is None:
            target = self.path / member
            if not target.is_file():
                raise BundleError(f"{self.path}: missing {member}")
            return target.read_bytes()
        try:
            info = self._tar.getmember(member)
        except KeyError as exc:
            raise BundleError(f"{self.path}: missing {member}") from exc
        if not info.isfile() or info.size > MAX_MEMBER_BYTES:
            raise BundleError(f"{self.path}: {member} is not a regular file of acceptable size")
        handle = self._tar.extractfile(info)
        if handle is None:
            raise BundleError(f"{self.path}: cannot read {member}")
        with handle:
            return handle.read()

    def close(self) -> None:
        if self._tar is not None:
            self._tar.close()


def read_manifest(path: str | Path) -> Manifest:
    """Read and version-check a bundle's manifest."""
    reader = _Reader(Path(path))
    try:
        return _manifest(reader)
    finally:
        reader.close()


def _manifest(reader: _Reader) -> Manifest:
    raw = reader.read("manifest.json")
    try:
        header = msgspec.json.decode(raw, type=_ManifestHeader)
    except msgspec.DecodeError as exc:
        raise BundleError(f"{reader.path}: manifest.json is not valid JSON ({exc})") from exc
    major_text = header.bundleSchema.split(".", 1)[0]
    if not major_text.isdigit():
        raise BundleError(f"{reader.path}: manifest.json has no valid bundleSchema ({header.bundleSchema!r})")
    if int(major_text) > SUPPORTED_MAJOR:
        raise BundleError(
            f"{reader.path}: bundle schema {header.bundleSchema} is newer than this kubeward {__version__} "
            f"reads ({SUPPORTED_MAJOR}.x); upgrade kubeward to analyse it"
        )
    try:
        return msgspec.json.decode(raw, type=Manifest)
    except msgspec.ValidationError as exc:
        raise BundleError(f"{reader.path}: manifest.json does not match schema {header.bundleSchema}: {exc}") from exc


def read_bundle(path: str | Path) -> Inventory:
    """Read a bundle into an Inventory."""
    manifest = read_manifest(path)
    builder = InventoryBuilder(manifest.target)
    load_bundle(path, builder)
    return builder.build()


def load_bundle(path: str | Path, builder: InventoryBuilder) -> Manifest:
    """Add a bundle's contents to ``builder`` (to analyse it alone or merged with other inputs)."""
    reader = _Reader(Path(path))
    try:
        manifest = _manifest(reader)
        builder.add_input(InputRecord(path=str(path), detected=f"bundle {manifest.bundleSchema}"))
        for part, index in manifest.parts.items():
            part_type = PART_TYPES.get(part)
            if part_type is None:
                builder.add_issue(
                    InputIssue(input=str(path), message=f"unknown part {part!r} skipped", level="warning")
                )
                continue
            try:
                items: list[Any] = msgspec.json.decode(reader.read(index.file), type=list[part_type])  # type: ignore[valid-type]
            except (msgspec.DecodeError, BundleError) as exc:
                builder.add_issue(InputIssue(input=f"{path}:{index.file}", message=f"unreadable part: {exc}"))
                builder.record(CollectionRecord(part=part, status="error", reason=f"bundle part unreadable: {exc}"))
                continue
            builder.add_objects(part, items)
        for record in manifest.collection:
            builder.record(record)
        for issue in manifest.issues:
            builder.add_issue(issue)
        for inp in manifest.inputs:
            builder.add_input(inp)
        if manifest.version is not None:
            builder.set_version(manifest.version)
        builder.set_discovery(manifest.discovery)
        for member in manifest.components.values():
            try:
                components = msgspec.json.decode(reader.read(member), type=Components)
            except (msgspec.DecodeError, BundleError) as exc:
                builder.add_issue(InputIssue(input=f"{path}:{member}", message=f"unreadable components: {exc}"))
                continue
            for api in components.apiservers:
                builder.add_apiserver(api)
            for kubelet in components.kubelets:
                builder.add_kubelet(kubelet)
            for provider in components.providers:
                builder.add_provider(provider)
            for doc in components.config_docs:
                builder.add_config_doc(doc)
            for kubeconfig in components.kubeconfigs:
                builder.add_kubeconfig(kubeconfig)
            for run in components.probes:
                builder.add_probe(run)
        return manifest
    finally:
        reader.close()
