"""Managed-cluster descriptions: ``aws eks describe-cluster``, ``gcloud container clusters describe
--format=json`` and ``az aks show``, recognised by their shape and stored with credentials redacted.
"""

from typing import Any

from kubeward.inputs.redact import redact
from kubeward.inventory.components import ProviderCluster
from kubeward.inventory.provenance import Provenance


def detect_provider(data: Any, provenance: Provenance) -> ProviderCluster | None:
    """A ProviderCluster when ``data`` is one of the three providers' cluster descriptions."""
    if not isinstance(data, dict):
        return None
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
