"""Kubernetes API objects from dumps: which kinds we keep, and decoding them into our Structs.

``kubectl get -o yaml|json`` output comes as single objects, ``List``s (kind ``List`` or typed
``PodList`` …) and multi-document YAML. Large JSON dumps are decoded item by item straight into
Structs (``msgspec.Raw`` keeps the rest of the file undecoded), so a 200 MB dump costs the memory
of what we keep, not of the whole document tree.
"""

from typing import Any

import msgspec

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
from kubeward.inventory.provenance import Provenance

# kind -> (inventory part, Struct)
KEPT_KINDS: dict[str, tuple[str, type[KubeObject]]] = {
    "ClusterRole": ("clusterroles", ClusterRole),
    "ClusterRoleBinding": ("clusterrolebindings", ClusterRoleBinding),
    "Role": ("roles", Role),
    "RoleBinding": ("rolebindings", RoleBinding),
    "ServiceAccount": ("serviceaccounts", ServiceAccount),
    "Pod": ("pods", Pod),
    "Namespace": ("namespaces", Namespace),
    "Node": ("nodes", Node),
    "FlowSchema": ("flowschemas", FlowSchema),
    "PriorityLevelConfiguration": ("prioritylevelconfigurations", PriorityLevelConfiguration),
    "MutatingWebhookConfiguration": ("webhookconfigurations", WebhookConfiguration),
    "ValidatingWebhookConfiguration": ("webhookconfigurations", WebhookConfiguration),
    "Secret": ("secrets", SecretMeta),
    "ConfigMap": ("configmaps", ConfigMap),
    **{kind: ("workloads", Workload) for kind in WORKLOAD_KINDS},
}

# Built-in kinds a dump may contain that no analysis reads. They are counted, not reported.
KNOWN_UNUSED_KINDS = frozenset(
    {
        "Service",
        "Endpoints",
        "EndpointSlice",
        "Ingress",
        "IngressClass",
        "NetworkPolicy",
        "Event",
        "PersistentVolume",
        "PersistentVolumeClaim",
        "StorageClass",
        "CSIDriver",
        "CSINode",
        "CSIStorageCapacity",
        "VolumeAttachment",
        "LimitRange",
        "ResourceQuota",
        "PodTemplate",
        "ControllerRevision",
        "HorizontalPodAutoscaler",
        "PodDisruptionBudget",
        "PriorityClass",
        "RuntimeClass",
        "Lease",
        "CertificateSigningRequest",
        "APIService",
        "CustomResourceDefinition",
        "ValidatingAdmissionPolicy",
        "ValidatingAdmissionPolicyBinding",
        "MutatingAdmissionPolicy",
        "MutatingAdmissionPolicyBinding",
        "ComponentStatus",
        "Binding",
        "ReplicaSetList",
        "IPAddress",
        "ServiceCIDR",
        "ClusterTrustBundle",
        "DeviceClass",
        "ResourceClaim",
        "ResourceClaimTemplate",
        "ResourceSlice",
        "VolumeAttributesClass",
        "StorageVersion",
        "StorageVersionMigration",
        "SelfSubjectReview",
        "TokenReview",
        "SubjectAccessReview",
    }
)

# Configuration kinds read from node files (kept as ConfigDoc, secrets redacted where needed).
CONFIG_KINDS = frozenset(
    {
        "KubeletConfiguration",
        "CredentialProviderConfig",
        "AuthenticationConfiguration",
        "AuthorizationConfiguration",
        "AdmissionConfiguration",
        "EncryptionConfiguration",
        "EgressSelectorConfiguration",
        "TracingConfiguration",
        "EventRateLimit",
        "PodSecurityConfiguration",
        "KubeProxyConfiguration",
        "KubeSchedulerConfiguration",
    }
)
AUDIT_POLICY = ("audit.k8s.io/", "Policy")


class ConversionError(Exception):
    """An object does not match the shape of its kind."""


class _Header(msgspec.Struct):
    apiVersion: str = ""
    kind: str = ""


class _Envelope(msgspec.Struct):
    apiVersion: str = ""
    kind: str = ""
    items: list[msgspec.Raw] | None = None


def item_kind(list_kind: str, item_kind: str) -> str:
    """An item's kind: its own, or its typed List's (``PodList`` items carry none)."""
    if item_kind:
        return item_kind
    if list_kind.endswith("List") and list_kind != "List":
        return list_kind[: -len("List")]
    return ""


def from_dict(kind: str, data: dict[str, Any], provenance: dict[str, Any]) -> tuple[str, KubeObject]:
    """Convert one object (already parsed, e.g. from YAML) into its Struct, with provenance."""
    part, struct = KEPT_KINDS[kind]
    data = dict(data)
    data["@provenance"] = provenance
    # Items of a typed list (``DeploymentList``) carry no kind; Structs that store it need it.
    data.setdefault("kind", kind)
    if kind == "ConfigMap":
        data = _configmap_data_filter(data)
    if kind == "Secret":
        data.pop("data", None)
        data.pop("stringData", None)
    try:
        obj = msgspec.convert(data, type=struct, strict=False)
    except msgspec.ValidationError as exc:
        raise ConversionError(f"{kind} does not match its schema: {exc}") from exc
    return part, obj


def from_raw_json(kind: str, raw: msgspec.Raw, provenance: dict[str, Any]) -> tuple[str, KubeObject]:
    """Decode one JSON item straight into its Struct (no intermediate dicts)."""
    part, struct = KEPT_KINDS[kind]
    try:
        obj = msgspec.json.decode(raw, type=struct)
    except msgspec.DecodeError as exc:
        raise ConversionError(f"{kind} does not match its schema: {exc}") from exc
    updates: dict[str, Any] = {"provenance": msgspec.convert(provenance, type=Provenance)}
    if isinstance(obj, (Workload, WebhookConfiguration)) and not obj.kind:
        updates["workload_kind" if isinstance(obj, Workload) else "webhook_kind"] = kind
    if isinstance(obj, ConfigMap) and (obj.namespace, obj.name) not in CONFIGMAPS_WITH_DATA and obj.data:
        updates["data"] = {}
    return part, msgspec.structs.replace(obj, **updates)


def _configmap_data_filter(data: dict[str, Any]) -> dict[str, Any]:
    meta = data.get("metadata") or {}
    key = (meta.get("namespace", ""), meta.get("name", "")) if isinstance(meta, dict) else ("", "")
    if key not in CONFIGMAPS_WITH_DATA:
        data.pop("data", None)
    data.pop("binaryData", None)
    return data


def split_json_envelope(data: bytes) -> tuple[str, str, list[msgspec.Raw] | None]:
    """Read a JSON document's apiVersion, kind and (undecoded) items without decoding the rest.

    A valid JSON object whose ``apiVersion``/``kind``/``items`` are not a Kubernetes envelope's
    (``"kind": null`` in a provider description, ``items`` that is an object) is no List: it gives
    ``("", "", None)`` and is read as a whole. Syntax errors raise ``msgspec.DecodeError``.
    """
    try:
        envelope = msgspec.json.decode(data, type=_Envelope)
    except msgspec.ValidationError:
        return "", "", None
    return envelope.apiVersion, envelope.kind, envelope.items


def raw_header(raw: msgspec.Raw) -> tuple[str, str]:
    """ApiVersion and kind of one raw JSON item."""
    header = msgspec.json.decode(raw, type=_Header)
    return header.apiVersion, header.kind
