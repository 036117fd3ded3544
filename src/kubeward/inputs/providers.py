"""Managed-cluster descriptions: ``aws eks describe-cluster``, ``gcloud container clusters describe
--format=json`` and ``az aks show``, recognised by their shape and stored with credentials redacted.

AKS keeps its control-plane logging outside the cluster resource, in diagnostic settings (a separate
Azure Monitor resource), so ``az monitor diagnostic-settings list --resource <AKS cluster id>``
output is read too, in its ``{"value": [...]}`` envelope (the ARM REST response, and the CLI's output
before it switched to a bare list). It is stored as an ``aks`` ProviderCluster whose ``data`` is that
envelope; ``is_diagnostic_settings`` tells it apart from the cluster description.
"""

from typing import Any

from kubeward.inputs.redact import redact
from kubeward.inventory.components import ProviderCluster
from kubeward.inventory.provenance import Provenance


def detect_provider(data: Any, provenance: Provenance) -> ProviderCluster | None:
    """A ProviderCluster when ``data`` is one of the three providers' cluster descriptions."""
    if not isinstance(data, dict):
        return None
    settings = _aks_diagnostic_settings(data, provenance)
    if settings is not None:
        return settings
    eks = data.get("cluster") if isinstance(data.get("cluster"), dict) else data
    if isinstance(eks, dict) and str(eks.get("arn", "")).startswith("arn:aws") and ":cluster/" in str(eks.get("arn")):
        return ProviderCluster(
            provider="eks",
            name=str(eks.get("name", "")),
            provenance=provenance,
            data=redact(eks),
            version=_version(eks.get("version")),
            location=str(eks.get("arn", "")).split(":")[3] if str(eks.get("arn", "")).count(":") >= 4 else "",
        )
    if str(data.get("type", "")).lower() == "microsoft.containerservice/managedclusters" or (
        ("agentPoolProfiles" in data and "fqdn" in data) or "privateFqdn" in data
    ):
        return ProviderCluster(
            provider="aks",
            name=str(data.get("name", "")),
            provenance=provenance,
            data=redact(data),
            version=_version(data.get("currentKubernetesVersion") or data.get("kubernetesVersion")),
            location=str(data.get("location", "")),
        )
    self_link = str(data.get("selfLink", ""))
    if "container.googleapis.com" in self_link or ("currentMasterVersion" in data and "nodePools" in data):
        return ProviderCluster(
            provider="gke",
            name=str(data.get("name", "")),
            provenance=provenance,
            data=redact(data),
            version=_version(data.get("currentMasterVersion")),
            location=str(data.get("location") or data.get("zone") or ""),
        )
    return None


def _version(value: Any) -> str:
    text = str(value or "")
    if not text:
        return ""
    return text if text.startswith("v") else "v" + text


_DIAGNOSTIC_SETTINGS_SEGMENT = "/providers/microsoft.insights/diagnosticsettings/"
_AKS_SEGMENT = "/providers/microsoft.containerservice/managedclusters/"


def is_diagnostic_settings(cluster: ProviderCluster) -> bool:
    """True when ``cluster`` holds AKS diagnostic settings rather than an ``az aks show`` description."""
    return cluster.provider == "aks" and _settings_list(cluster.data) is not None


def diagnostic_settings(cluster: ProviderCluster) -> list[dict[str, Any]]:
    """The diagnostic settings held by ``cluster`` (empty for a cluster description)."""
    if cluster.provider != "aks":
        return []
    return _settings_list(cluster.data) or []


def _settings_list(data: dict[str, Any]) -> list[dict[str, Any]] | None:
    """The settings of a ``{"value": [...]}`` envelope whose every item is an AKS diagnostic setting.

    An empty list names no resource, so it cannot be told apart from any other empty envelope, nor
    attributed to a cluster: it is not recognised.
    """
    items = data.get("value")
    if not isinstance(items, list) or not items or set(data) - {"value", "nextLink"}:
        return None
    if not all(isinstance(item, dict) and _is_aks_setting_id(str(item.get("id", ""))) for item in items):
        return None
    return items


def _is_aks_setting_id(resource_id: str) -> bool:
    lowered = resource_id.lower()
    return _DIAGNOSTIC_SETTINGS_SEGMENT in lowered and _AKS_SEGMENT in lowered


def _aks_diagnostic_settings(data: dict[str, Any], provenance: Provenance) -> ProviderCluster | None:
    """A ProviderCluster for ``az monitor diagnostic-settings list`` output of an AKS cluster, named
    after the cluster its settings belong to.
    """
    items = _settings_list(data)
    if items is None:
        return None
    # <cluster id>/providers/microsoft.insights/diagnosticSettings/<setting>; ids differ in case.
    setting_id = str(items[0]["id"])
    cluster_id = setting_id[: setting_id.lower().index(_DIAGNOSTIC_SETTINGS_SEGMENT)]
    name = cluster_id.rsplit("/", 1)[-1]
    return ProviderCluster(provider="aks", name=name, provenance=provenance, data=redact(data))
