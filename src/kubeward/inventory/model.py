"""The Inventory: everything one scan knows about one cluster, collected once, read by every check.

It is immutable (frozen Structs, tuples) so checks cannot change what other checks see, and it is
plain data so a bundle is just its serialisation. What could not be collected is part of it too
(``collection``), because a check whose inputs are missing must say ``not_assessable``.
"""

from typing import Literal

import msgspec

from kubeward.inventory.components import ApiServerInstance, ConfigDoc, KubeletInstance, ProviderCluster
from kubeward.inventory.credentials import KubeconfigRecord
from kubeward.inventory.objects import (
    ClusterRole,
    ClusterRoleBinding,
    ConfigMap,
    FlowSchema,
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
from kubeward.inventory.provenance import Provenance

# The parts an Inventory is made of. A check names the parts it needs; a part that was not
# collected turns the check's verdict into not_assessable.
PARTS: tuple[str, ...] = (
    "version",
    "discovery",
    "clusterroles",
    "clusterrolebindings",
    "roles",
    "rolebindings",
    "serviceaccounts",
    "pods",
    "workloads",
    "namespaces",
    "nodes",
    "flowschemas",
    "prioritylevelconfigurations",
    "webhookconfigurations",
    "secrets",
    "configmaps",
    "apiserver",
    "kubelet",
    "provider",
)

CollectionStatus = Literal["collected", "forbidden", "unauthorized", "not_found", "error", "absent"]


class CollectionRecord(msgspec.Struct, frozen=True, omit_defaults=True):
    """Whether one part was collected, and if not, why.

    ``absent`` means no input provided it (offline scans); the other failure statuses come from the
    API server's answer.
    """

    part: str
    status: CollectionStatus
    reason: str = ""
    count: int | None = None

    @property
    def ok(self) -> bool:
        """True when the part was collected."""
        return self.status == "collected"


class InputIssue(msgspec.Struct, frozen=True, omit_defaults=True):
    """A problem with one input: unreadable, malformed, too large, unknown kind, newer bundle."""

    input: str
    message: str
    line: int | None = None
    level: Literal["error", "warning"] = "error"

    def describe(self) -> str:
        """``input[:line]: message``."""
        where = f"{self.input}:{self.line}" if self.line is not None else self.input
        return f"{where}: {self.message}"


class InputRecord(msgspec.Struct, frozen=True, omit_defaults=True):
    """One input that was read, what it was detected as, and how many documents it gave."""

    path: str
    detected: str
    documents: int = 0


class VersionInfo(msgspec.Struct, frozen=True, omit_defaults=True):
    """The API server's ``/version`` (or a version learnt from an image tag or provider JSON)."""

    gitVersion: str = ""
    major: str = ""
    minor: str = ""
    platform: str = ""
    provenance: Provenance | None = msgspec.field(default=None, name="@provenance")


class Target(msgspec.Struct, frozen=True, omit_defaults=True):
    """What was scanned: a live cluster (server, context), offline inputs, a bundle or the demo."""

    kind: Literal["live", "offline", "bundle", "demo"]
    name: str
    server: str = ""
    context: str = ""


class Inventory(msgspec.Struct, frozen=True, omit_defaults=True, kw_only=True):
    """Everything known about one cluster. Build it with ``InventoryBuilder``."""

    target: Target
    version: VersionInfo | None = None
    discovery: tuple[str, ...] = ()
    cluster_roles: tuple[ClusterRole, ...] = ()
    cluster_role_bindings: tuple[ClusterRoleBinding, ...] = ()
    roles: tuple[Role, ...] = ()
    role_bindings: tuple[RoleBinding, ...] = ()
    service_accounts: tuple[ServiceAccount, ...] = ()
    pods: tuple[Pod, ...] = ()
    workloads: tuple[Workload, ...] = ()
    namespaces: tuple[Namespace, ...] = ()
    nodes: tuple[Node, ...] = ()
    flow_schemas: tuple[FlowSchema, ...] = ()
    priority_levels: tuple[PriorityLevelConfiguration, ...] = ()
    webhook_configurations: tuple[WebhookConfiguration, ...] = ()
    secrets: tuple[SecretMeta, ...] = ()
    config_maps: tuple[ConfigMap, ...] = ()
    apiservers: tuple[ApiServerInstance, ...] = ()
    kubelets: tuple[KubeletInstance, ...] = ()
    providers: tuple[ProviderCluster, ...] = ()
    config_docs: tuple[ConfigDoc, ...] = ()
    kubeconfigs: tuple[KubeconfigRecord, ...] = ()
    probes: tuple[ProbeRun, ...] = ()
    collection: tuple[CollectionRecord, ...] = ()
    issues: tuple[InputIssue, ...] = ()
    inputs: tuple[InputRecord, ...] = ()

    def coverage(self, part: str) -> CollectionRecord:
        """The collection record of ``part`` (``absent`` when nothing provided it)."""
        for record in self.collection:
            if record.part == part:
                return record
        return CollectionRecord(part=part, status="absent", reason=f"no input provided {part}")

    def missing(self, *parts: str) -> list[CollectionRecord]:
        """Records of the given parts that were not collected."""
        return [rec for rec in (self.coverage(p) for p in parts) if not rec.ok]

    @property
    def incomplete(self) -> bool:
        """True when an input failed or the API refused a part: the scan cannot claim completeness."""
        if any(issue.level == "error" for issue in self.issues):
            return True
        return any(rec.status in ("forbidden", "unauthorized", "error") for rec in self.collection)

    def config_doc_at(self, node: str, node_path: str) -> ConfigDoc | None:
        """The configuration document found at ``node_path`` on ``node``, if the inputs had it."""
        for doc in self.config_docs:
            if doc.node == node and doc.node_path == node_path:
                return doc
        return None
