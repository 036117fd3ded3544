"""Which kind of cluster this is: self-managed (kubeadm or other), k3s, RKE2, EKS, GKE or AKS.

The answer decides whether control-plane rules can be assessed at all: on a managed cluster the
provider runs the API server, so its flags are ``not_applicable`` (provider-managed), not "pass".
Signals, strongest first: provider JSON given as input, distro configuration files, the server
version string (``-eks-``, ``-gke.``, ``+k3s``, ``+rke2``), node provider ids and labels, the API
server URL.
"""

from dataclasses import dataclass

from kubeward.checks.rule import Platform
from kubeward.inventory.model import Inventory

_MANAGED = frozenset({Platform.EKS, Platform.GKE, Platform.AKS})


@dataclass(frozen=True)
class PlatformInfo:
    """The detected platform and the signal that decided it (None when nothing tells)."""

    platform: Platform | None
    reason: str
    installer: str = ""

    @property
    def managed(self) -> bool:
        """True when a cloud provider runs the control plane."""
        return self.platform in _MANAGED

    @property
    def label(self) -> str:
        """Short text for reports."""
        if self.platform is None:
            return "unknown"
        if self.installer and self.platform is Platform.SELF_MANAGED:
            return f"self-managed ({self.installer})"
        return str(self.platform)


def detect_platform(inventory: Inventory) -> PlatformInfo:
    """Decide the platform from the strongest available signal."""
    for provider in inventory.providers:
        return PlatformInfo(
            Platform(provider.provider), f"{provider.provider} description {provider.provenance.describe()}"
        )
    for api in inventory.apiservers:
        if api.origin in ("k3s", "rke2"):
            return PlatformInfo(Platform(api.origin), f"{api.origin} configuration {api.provenance.describe()}")
    for kubelet in inventory.kubelets:
        if kubelet.origin in ("k3s", "rke2"):
            return PlatformInfo(
                Platform(kubelet.origin), f"{kubelet.origin} configuration {kubelet.provenance.describe()}"
            )
    version = inventory.version.gitVersion if inventory.version is not None else ""
    for marker, platform in (
        ("-eks-", Platform.EKS),
        ("-gke.", Platform.GKE),
        ("+k3s", Platform.K3S),
        ("+rke2", Platform.RKE2),
    ):
        if marker in version:
            return PlatformInfo(platform, f"server version {version}")
    for node in inventory.nodes:
        provider_id = node.spec.providerID
        labels = node.metadata.labels
        if provider_id.startswith("aws://") and any(k.startswith("eks.amazonaws.com/") for k in labels):
            return PlatformInfo(Platform.EKS, f"node {node.name} labels")
        if provider_id.startswith("gce://") and any(k.startswith("cloud.google.com/gke-") for k in labels):
            return PlatformInfo(Platform.GKE, f"node {node.name} labels")
        if provider_id.startswith("azure://") and any(k.startswith("kubernetes.azure.com/") for k in labels):
            return PlatformInfo(Platform.AKS, f"node {node.name} labels")
    server = inventory.target.server
    if server.endswith(".eks.amazonaws.com") or ".eks.amazonaws.com:" in server:
        return PlatformInfo(Platform.EKS, f"API server URL {server}")
    if ".azmk8s.io" in server:
        return PlatformInfo(Platform.AKS, f"API server URL {server}")
    for api in inventory.apiservers:
        installer = api.installer or ("kubeadm" if api.origin == "kubeadm-config" else "")
        return PlatformInfo(
            Platform.SELF_MANAGED, f"kube-apiserver configuration {api.provenance.describe()}", installer
        )
    if any(kubelet.installer == "kubeadm" for kubelet in inventory.kubelets):
        return PlatformInfo(Platform.SELF_MANAGED, "kubeadm kubelet configuration", "kubeadm")
    return PlatformInfo(None, "no signal in the inputs tells the platform")
