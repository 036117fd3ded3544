"""Kubernetes objects as kubeward keeps them: only the fields some analysis reads.

Decoding straight into these msgspec Structs (from API lists, dumps or bundles) drops everything
else: ``managedFields``, statuses, Secret ``data`` and ConfigMap payloads never reach memory as
Python objects. That is what keeps a 100,000-pod cluster in a few hundred megabytes, and it is the
first line of defence for "key material never appears in any output": a field we do not declare
cannot be printed.

Field names are the API's JSON names. Objects read from files carry their file and line in the
``@provenance`` key; objects read from the API carry none and derive it from their identity.
"""

from typing import ClassVar

import msgspec

from kubeward.inventory.provenance import Provenance, api_at

# Annotations that can hold a whole object, Secret data included (``kubectl apply`` writes it), so
# they are dropped on the way in.
DROPPED_ANNOTATIONS = frozenset({"kubectl.kubernetes.io/last-applied-configuration"})


class OwnerReference(msgspec.Struct, frozen=True, omit_defaults=True):
    """The controller relation between a pod and its workload."""

    kind: str = ""
    name: str = ""
    uid: str = ""
    apiVersion: str = ""
    controller: bool | None = None


class ObjectMeta(msgspec.Struct, frozen=True, omit_defaults=True):
    """The parts of ``metadata`` that checks and suppressions use."""

    name: str = ""
    namespace: str = ""
    uid: str = ""
    labels: dict[str, str] = {}
    annotations: dict[str, str] = {}
    ownerReferences: tuple[OwnerReference, ...] = ()
    creationTimestamp: str | None = None

    def __post_init__(self) -> None:
        """Drop annotations that may embed whole objects, whatever the input path."""
        if self.annotations:
            for key in DROPPED_ANNOTATIONS:
                self.annotations.pop(key, None)


class KubeObject(msgspec.Struct, frozen=True, omit_defaults=True, kw_only=True):
    """Base of every stored object: metadata plus where it came from."""

    API_VERSION: ClassVar[str] = "v1"
    KIND: ClassVar[str] = ""
    PLURAL: ClassVar[str] = ""
    NAMESPACED: ClassVar[bool] = True

    metadata: ObjectMeta = ObjectMeta()
    provenance: Provenance | None = msgspec.field(default=None, name="@provenance")

    @property
    def kind(self) -> str:
        """The object's kind (fixed per class except where a subclass stores it)."""
        return self.KIND

    @property
    def name(self) -> str:
        """``metadata.name``."""
        return self.metadata.name

    @property
    def namespace(self) -> str:
        """``metadata.namespace`` ("" for cluster-scoped objects)."""
        return self.metadata.namespace

    def api_path(self) -> str:
        """The object's path on the API server, used as its provenance when it came from there."""
        group_version = self.API_VERSION
        prefix = "/api/v1" if group_version == "v1" else f"/apis/{group_version}"
        if self.NAMESPACED and self.metadata.namespace:
            return f"{prefix}/namespaces/{self.metadata.namespace}/{self.PLURAL}/{self.metadata.name}"
        return f"{prefix}/{self.PLURAL}/{self.metadata.name}"

    def origin(self) -> Provenance:
        """Where this object came from: its file and line, or its API path."""
        return self.provenance if self.provenance is not None else api_at(self.api_path())


# --- RBAC -------------------------------------------------------------------------------------


class PolicyRule(msgspec.Struct, frozen=True, omit_defaults=True):
    """One rule of a Role or ClusterRole, as the RBAC authorizer reads it."""

    verbs: tuple[str, ...] = ()
    apiGroups: tuple[str, ...] = ()
    resources: tuple[str, ...] = ()
    resourceNames: tuple[str, ...] = ()
    nonResourceURLs: tuple[str, ...] = ()


class LabelSelectorRequirement(msgspec.Struct, frozen=True, omit_defaults=True):
    """A ``matchExpressions`` entry."""

    key: str
    operator: str
    values: tuple[str, ...] = ()


class LabelSelector(msgspec.Struct, frozen=True, omit_defaults=True):
    """A label selector (used by ClusterRole aggregation and webhooks)."""

    matchLabels: dict[str, str] = {}
    matchExpressions: tuple[LabelSelectorRequirement, ...] = ()


class AggregationRule(msgspec.Struct, frozen=True, omit_defaults=True):
    """``aggregationRule`` of a ClusterRole: its rules are the union of the selected roles."""

    clusterRoleSelectors: tuple[LabelSelector, ...] = ()


class Role(KubeObject, frozen=True, kw_only=True):
    """A namespaced Role."""

    API_VERSION = "rbac.authorization.k8s.io/v1"
    KIND = "Role"
    PLURAL = "roles"

    rules: tuple[PolicyRule, ...] | None = None


class ClusterRole(KubeObject, frozen=True, kw_only=True):
    """A ClusterRole, possibly aggregated."""

    API_VERSION = "rbac.authorization.k8s.io/v1"
    KIND = "ClusterRole"
    PLURAL = "clusterroles"
    NAMESPACED = False

    rules: tuple[PolicyRule, ...] | None = None
    aggregationRule: AggregationRule | None = None


class Subject(msgspec.Struct, frozen=True, omit_defaults=True):
    """A binding subject: User, Group or ServiceAccount."""

    kind: str
    name: str
    namespace: str = ""
    apiGroup: str = ""


class RoleRef(msgspec.Struct, frozen=True, omit_defaults=True):
    """The role a binding grants."""

    kind: str
    name: str
    apiGroup: str = ""


class RoleBinding(KubeObject, frozen=True, kw_only=True):
    """A namespaced RoleBinding (to a Role, or to a ClusterRole scoped to the namespace)."""

    API_VERSION = "rbac.authorization.k8s.io/v1"
    KIND = "RoleBinding"
    PLURAL = "rolebindings"

    subjects: tuple[Subject, ...] = ()
    roleRef: RoleRef = RoleRef(kind="", name="")


class ClusterRoleBinding(KubeObject, frozen=True, kw_only=True):
    """A ClusterRoleBinding."""

    API_VERSION = "rbac.authorization.k8s.io/v1"
    KIND = "ClusterRoleBinding"
    PLURAL = "clusterrolebindings"
    NAMESPACED = False

    subjects: tuple[Subject, ...] = ()
    roleRef: RoleRef = RoleRef(kind="", name="")


# --- identities and workloads -----------------------------------------------------------------


class LocalObjectReference(msgspec.Struct, frozen=True, omit_defaults=True):
    """A reference by name (e.g. a ServiceAccount's legacy token secrets)."""

    name: str = ""


class ServiceAccount(KubeObject, frozen=True, kw_only=True):
    """A ServiceAccount."""

    KIND = "ServiceAccount"
    PLURAL = "serviceaccounts"

    automountServiceAccountToken: bool | None = None
    secrets: tuple[LocalObjectReference, ...] = ()


class Capabilities(msgspec.Struct, frozen=True, omit_defaults=True):
    """Linux capabilities added or dropped."""

    add: tuple[str, ...] = ()
    drop: tuple[str, ...] = ()


class SecurityContext(msgspec.Struct, frozen=True, omit_defaults=True):
    """Container security settings that decide what a compromised container can do."""

    privileged: bool | None = None
    allowPrivilegeEscalation: bool | None = None
    runAsUser: int | None = None
    runAsNonRoot: bool | None = None
    readOnlyRootFilesystem: bool | None = None
    capabilities: Capabilities | None = None


class VolumeMount(msgspec.Struct, frozen=True, omit_defaults=True):
    """A container's mount of a pod volume."""

    name: str = ""
    mountPath: str = ""
    readOnly: bool | None = None


class Container(msgspec.Struct, frozen=True, omit_defaults=True):
    """A container: its command line (control-plane flags live here) and its security settings."""

    name: str = ""
    image: str = ""
    command: tuple[str, ...] = ()
    args: tuple[str, ...] = ()
    securityContext: SecurityContext | None = None
    volumeMounts: tuple[VolumeMount, ...] = ()


class HostPathVolumeSource(msgspec.Struct, frozen=True, omit_defaults=True):
    """A hostPath volume (how static pods see node files)."""

    path: str = ""
    type: str = ""


class SecretVolumeSource(msgspec.Struct, frozen=True, omit_defaults=True):
    """A Secret volume: which Secret, never its data."""

    secretName: str = ""


class ServiceAccountTokenProjection(msgspec.Struct, frozen=True, omit_defaults=True):
    """A projected service-account token."""

    audience: str = ""
    expirationSeconds: int | None = None
    path: str = ""


class VolumeProjection(msgspec.Struct, frozen=True, omit_defaults=True):
    """One source of a projected volume; only the token source matters here."""

    serviceAccountToken: ServiceAccountTokenProjection | None = None


class ProjectedVolumeSource(msgspec.Struct, frozen=True, omit_defaults=True):
    """A projected volume (the kube-api-access-* token volume is one)."""

    sources: tuple[VolumeProjection, ...] = ()


class Volume(msgspec.Struct, frozen=True, omit_defaults=True):
    """A pod volume, reduced to the sources that matter for access."""

    name: str = ""
    hostPath: HostPathVolumeSource | None = None
    secret: SecretVolumeSource | None = None
    projected: ProjectedVolumeSource | None = None


class PodSecurityContext(msgspec.Struct, frozen=True, omit_defaults=True):
    """Pod-level security settings."""

    runAsUser: int | None = None
    runAsNonRoot: bool | None = None


class PodSpec(msgspec.Struct, frozen=True, omit_defaults=True):
    """The pod spec fields that decide identity, token mounting and host access."""

    serviceAccountName: str = ""
    serviceAccount: str = ""
    automountServiceAccountToken: bool | None = None
    nodeName: str = ""
    hostNetwork: bool = False
    hostPID: bool = False
    hostIPC: bool = False
    containers: tuple[Container, ...] = ()
    initContainers: tuple[Container, ...] = ()
    ephemeralContainers: tuple[Container, ...] = ()
    volumes: tuple[Volume, ...] = ()
    securityContext: PodSecurityContext | None = None

    @property
    def service_account(self) -> str:
        """The effective ServiceAccount name (``default`` when none is set, as admission does)."""
        return self.serviceAccountName or self.serviceAccount or "default"


class Pod(KubeObject, frozen=True, kw_only=True):
    """A Pod. Mirror pods of static control-plane pods carry the component's command line."""

    KIND = "Pod"
    PLURAL = "pods"

    spec: PodSpec = PodSpec()

    @property
    def is_mirror(self) -> bool:
        """True for the API's mirror of a static pod (its real definition is a file on the node)."""
        return "kubernetes.io/config.mirror" in self.metadata.annotations


class PodTemplateSpec(msgspec.Struct, frozen=True, omit_defaults=True):
    """A pod template inside a workload controller."""

    metadata: ObjectMeta = ObjectMeta()
    spec: PodSpec = PodSpec()


class JobSpecTemplate(msgspec.Struct, frozen=True, omit_defaults=True):
    """A CronJob's job spec (only its pod template is kept)."""

    template: PodTemplateSpec | None = None


class JobTemplateSpec(msgspec.Struct, frozen=True, omit_defaults=True):
    """A CronJob's ``jobTemplate``."""

    spec: JobSpecTemplate = JobSpecTemplate()


class WorkloadSpec(msgspec.Struct, frozen=True, omit_defaults=True):
    """The pod template of any controller (CronJobs nest it one level deeper)."""

    template: PodTemplateSpec | None = None
    jobTemplate: JobTemplateSpec | None = None


WORKLOAD_KINDS: dict[str, tuple[str, str]] = {
    # kind -> (apiVersion, plural)
    "Deployment": ("apps/v1", "deployments"),
    "ReplicaSet": ("apps/v1", "replicasets"),
    "StatefulSet": ("apps/v1", "statefulsets"),
    "DaemonSet": ("apps/v1", "daemonsets"),
    "Job": ("batch/v1", "jobs"),
    "CronJob": ("batch/v1", "cronjobs"),
    "ReplicationController": ("v1", "replicationcontrollers"),
}


class Workload(KubeObject, frozen=True, kw_only=True):
    """A pod controller (Deployment, StatefulSet, DaemonSet, Job, CronJob, ReplicaSet, RC).

    The kind is stored because one Struct serves all of them; API list items carry no kind, so the
    collector sets it from the list it read.
    """

    workload_kind: str = msgspec.field(default="", name="kind")
    spec: WorkloadSpec = WorkloadSpec()

    @property
    def kind(self) -> str:
        """The controller kind."""
        return self.workload_kind

    @property
    def pod_template(self) -> PodTemplateSpec | None:
        """The pod template this controller stamps out."""
        if self.spec.template is not None:
            return self.spec.template
        if self.spec.jobTemplate is not None:
            return self.spec.jobTemplate.spec.template
        return None

    def api_path(self) -> str:
        """API path, with the group and plural of this object's own kind."""
        api_version, plural = WORKLOAD_KINDS.get(self.workload_kind, ("apps/v1", "unknown"))
        prefix = "/api/v1" if api_version == "v1" else f"/apis/{api_version}"
        return f"{prefix}/namespaces/{self.metadata.namespace}/{plural}/{self.metadata.name}"


class Namespace(KubeObject, frozen=True, kw_only=True):
    """A Namespace (its labels carry the Pod Security admission levels)."""

    KIND = "Namespace"
    PLURAL = "namespaces"
    NAMESPACED = False


class NodeSystemInfo(msgspec.Struct, frozen=True, omit_defaults=True):
    """What a node reports about its software."""

    kubeletVersion: str = ""
    osImage: str = ""
    containerRuntimeVersion: str = ""


class NodeAddress(msgspec.Struct, frozen=True, omit_defaults=True):
    """A node address."""

    type: str = ""
    address: str = ""


class NodeStatus(msgspec.Struct, frozen=True, omit_defaults=True):
    """Node status: versions and addresses."""

    nodeInfo: NodeSystemInfo = NodeSystemInfo()
    addresses: tuple[NodeAddress, ...] = ()


class NodeSpec(msgspec.Struct, frozen=True, omit_defaults=True):
    """Node spec: the provider id tells EKS/GKE/AKS apart."""

    providerID: str = ""


class Node(KubeObject, frozen=True, kw_only=True):
    """A Node."""

    KIND = "Node"
    PLURAL = "nodes"
    NAMESPACED = False

    spec: NodeSpec = NodeSpec()
    status: NodeStatus = NodeStatus()


# --- API Priority and Fairness ----------------------------------------------------------------


class NamedRef(msgspec.Struct, frozen=True, omit_defaults=True):
    """``{name: ...}`` (user and group subjects, priority level reference)."""

    name: str = ""


class ServiceAccountRef(msgspec.Struct, frozen=True, omit_defaults=True):
    """A FlowSchema service-account subject (name may be ``*``)."""

    namespace: str = ""
    name: str = ""


class FlowSubject(msgspec.Struct, frozen=True, omit_defaults=True):
    """A FlowSchema subject."""

    kind: str = ""
    user: NamedRef | None = None
    group: NamedRef | None = None
    serviceAccount: ServiceAccountRef | None = None


class ResourcePolicyRule(msgspec.Struct, frozen=True, omit_defaults=True):
    """A FlowSchema resource rule."""

    verbs: tuple[str, ...] = ()
    apiGroups: tuple[str, ...] = ()
    resources: tuple[str, ...] = ()
    clusterScope: bool | None = None
    namespaces: tuple[str, ...] = ()


class NonResourcePolicyRule(msgspec.Struct, frozen=True, omit_defaults=True):
    """A FlowSchema non-resource rule."""

    verbs: tuple[str, ...] = ()
    nonResourceURLs: tuple[str, ...] = ()


class PolicyRulesWithSubjects(msgspec.Struct, frozen=True, omit_defaults=True):
    """One FlowSchema rule: who, and which requests."""

    subjects: tuple[FlowSubject, ...] = ()
    resourceRules: tuple[ResourcePolicyRule, ...] = ()
    nonResourceRules: tuple[NonResourcePolicyRule, ...] = ()


class FlowSchemaSpec(msgspec.Struct, frozen=True, omit_defaults=True):
    """FlowSchema spec."""

    priorityLevelConfiguration: NamedRef = NamedRef()
    matchingPrecedence: int = 1000
    rules: tuple[PolicyRulesWithSubjects, ...] = ()


class FlowSchema(KubeObject, frozen=True, kw_only=True):
    """A FlowSchema: which requests go to which priority level."""

    API_VERSION = "flowcontrol.apiserver.k8s.io/v1"
    KIND = "FlowSchema"
    PLURAL = "flowschemas"
    NAMESPACED = False

    spec: FlowSchemaSpec = FlowSchemaSpec()


class LimitedPriorityLevel(msgspec.Struct, frozen=True, omit_defaults=True):
    """Limits of a ``Limited`` priority level."""

    nominalConcurrencyShares: int | None = None
    assuredConcurrencyShares: int | None = None
    lendablePercent: int | None = None
    borrowingLimitPercent: int | None = None


class PriorityLevelSpec(msgspec.Struct, frozen=True, omit_defaults=True):
    """PriorityLevelConfiguration spec: ``Exempt`` or ``Limited``."""

    type: str = ""
    limited: LimitedPriorityLevel | None = None


class PriorityLevelConfiguration(KubeObject, frozen=True, kw_only=True):
    """A PriorityLevelConfiguration."""

    API_VERSION = "flowcontrol.apiserver.k8s.io/v1"
    KIND = "PriorityLevelConfiguration"
    PLURAL = "prioritylevelconfigurations"
    NAMESPACED = False

    spec: PriorityLevelSpec = PriorityLevelSpec()


# --- admission webhooks -----------------------------------------------------------------------


class ServiceReference(msgspec.Struct, frozen=True, omit_defaults=True):
    """Where an in-cluster webhook is served."""

    namespace: str = ""
    name: str = ""
    path: str = ""
    port: int | None = None


class WebhookClientConfig(msgspec.Struct, frozen=True, omit_defaults=True):
    """How the API server reaches a webhook (the CA bundle is not kept)."""

    url: str = ""
    service: ServiceReference | None = None


class RuleWithOperations(msgspec.Struct, frozen=True, omit_defaults=True):
    """What a webhook intercepts."""

    operations: tuple[str, ...] = ()
    apiGroups: tuple[str, ...] = ()
    apiVersions: tuple[str, ...] = ()
    resources: tuple[str, ...] = ()
    scope: str = ""


class Webhook(msgspec.Struct, frozen=True, omit_defaults=True):
    """One admission webhook."""

    name: str = ""
    clientConfig: WebhookClientConfig = WebhookClientConfig()
    rules: tuple[RuleWithOperations, ...] = ()
    failurePolicy: str = ""
    sideEffects: str = ""
    timeoutSeconds: int | None = None
    namespaceSelector: LabelSelector | None = None
    objectSelector: LabelSelector | None = None


class WebhookConfiguration(KubeObject, frozen=True, kw_only=True):
    """A Mutating- or ValidatingWebhookConfiguration (the kind is stored)."""

    API_VERSION = "admissionregistration.k8s.io/v1"
    NAMESPACED = False

    webhook_kind: str = msgspec.field(default="", name="kind")
    webhooks: tuple[Webhook, ...] = ()

    @property
    def kind(self) -> str:
        """``MutatingWebhookConfiguration`` or ``ValidatingWebhookConfiguration``."""
        return self.webhook_kind

    def api_path(self) -> str:
        """API path for this configuration's kind."""
        plural = self.webhook_kind.lower() + "s"
        return f"/apis/{self.API_VERSION}/{plural}/{self.metadata.name}"


# --- Secrets (metadata only) and the few ConfigMaps we read -----------------------------------


class SecretMeta(KubeObject, frozen=True, kw_only=True):
    """A Secret's metadata and type. Never its data: there is no field for it.

    Live collection lists Secrets as ``PartialObjectMetadataList``; the type comes from a second
    metadata list with ``fieldSelector=type=kubernetes.io/service-account-token``.
    """

    KIND = "Secret"
    PLURAL = "secrets"

    type: str = ""

    @property
    def is_service_account_token(self) -> bool:
        """True for a legacy, never-expiring ServiceAccount token Secret."""
        return self.type == "kubernetes.io/service-account-token"


# ConfigMaps whose data kubeward reads. Any other ConfigMap is stored without data, since a
# ConfigMap may hold anything.
CONFIGMAPS_WITH_DATA = frozenset(
    {
        ("kube-system", "kubeadm-config"),  # kubeadm ClusterConfiguration (apiserver extraArgs)
        ("kube-system", "kubelet-config"),  # kubeadm's cluster-wide KubeletConfiguration
        ("kube-system", "aws-auth"),  # EKS IAM -> Kubernetes identity mapping
    }
)


class ConfigMap(KubeObject, frozen=True, kw_only=True):
    """A ConfigMap; ``data`` is kept only for the names in ``CONFIGMAPS_WITH_DATA``."""

    KIND = "ConfigMap"
    PLURAL = "configmaps"

    data: dict[str, str] = {}
