"""Which kind of cluster this is: self-managed (kubeadm or other), k3s, RKE2, EKS, GKE or AKS.

The answer decides whether control-plane rules can be assessed at all: on a managed cluster the
provider runs the API server, so its flags are ``not_applicable`` (provider-managed), not "pass".
Signals, strongest first: provider JSON given as input, distro configuration files, the server
version string (``-eks-``, ``-gke.``, ``+k3s``, ``+rke2``), node provider ids and labels, the API
server URL.

Node signals need both a cloud ``providerID`` and a label only the managed service (or its own
tooling) sets: an ``aws://`` provider id alone is kubeadm on EC2 just as well. The labels:
``eks.amazonaws.com/*`` (managed node groups, Fargate, Auto Mode) and ``alpha.eksctl.io/*`` (nodes
eksctl created, including self-managed groups); ``cloud.google.com/gke-*``; ``kubernetes.azure.com/*``.
URLs: EKS ``*.eks.amazonaws.com``, AKS ``*.azmk8s.io`` (public and private FQDNs), GKE's DNS-based
control-plane endpoint ``*.gke.goog``. A GKE IP endpoint is a bare address, which tells nothing.
AKS server versions carry no marker (``v1.29.4``).
"""

from dataclasses import dataclass
from urllib.parse import urlsplit

from kubeward.checks.rule import MANAGED_PLATFORMS, Platform
from kubeward.inputs.providers import is_diagnostic_settings
from kubeward.inventory.model import Inventory
from kubeward.inventory.objects import Node

_NODE_SIGNALS: tuple[tuple[str, tuple[str, ...], Platform], ...] = (
    ("aws://", ("eks.amazonaws.com/", "alpha.eksctl.io/"), Platform.EKS),
    ("gce://", ("cloud.google.com/gke-",), Platform.GKE),
    ("azure://", ("kubernetes.azure.com/",), Platform.AKS),
)
_URL_SIGNALS: tuple[tuple[str, Platform], ...] = (
    (".eks.amazonaws.com", Platform.EKS),
    (".azmk8s.io", Platform.AKS),
    (".gke.goog", Platform.GKE),
)


@dataclass(frozen=True)
class PlatformInfo:
    """The detected platform and the signal that decided it (None when nothing tells)."""

    platform: Platform | None
    reason: str
    installer: str = ""

    @property
    def managed(self) -> bool:
        """True when a cloud provider runs the control plane."""
        return self.platform in MANAGED_PLATFORMS

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
    # A cluster description first; AKS diagnostic settings alone still say AKS.
    for provider in sorted(inventory.providers, key=is_diagnostic_settings):
        what = "diagnostic settings" if is_diagnostic_settings(provider) else "description"
        return PlatformInfo(Platform(provider.provider), f"{provider.provider} {what} {provider.provenance.describe()}")
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
        by_node = _node_platform(node)
        if by_node is not None:
            return PlatformInfo(by_node, f"node {node.name} labels")
    server = inventory.target.server
    host = (urlsplit(server).hostname or "") if "//" in server else server.split(":")[0]
    for suffix, platform in _URL_SIGNALS:
        if host.lower().endswith(suffix):
            return PlatformInfo(platform, f"API server URL {server}")
    for api in inventory.apiservers:
        installer = api.installer or ("kubeadm" if api.origin == "kubeadm-config" else "")
        return PlatformInfo(
            Platform.SELF_MANAGED, f"kube-apiserver configuration {api.provenance.describe()}", installer
        )
    if any(kubelet.installer == "kubeadm" for kubelet in inventory.kubelets):
        return PlatformInfo(Platform.SELF_MANAGED, "kubeadm kubelet configuration", "kubeadm")
    return PlatformInfo(None, "no signal in the inputs tells the platform")


def _node_platform(node: Node) -> Platform | None:
    """The managed platform a node's provider id and labels both point at, if any."""
    provider_id = node.spec.providerID
    for scheme, prefixes, platform in _NODE_SIGNALS:
        if provider_id.startswith(scheme) and any(key.startswith(prefixes) for key in node.metadata.labels):
            return platform
    return None
