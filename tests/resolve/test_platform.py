"""Which platform a cluster runs on, from the strongest signal in the inputs."""

from typing import Any

import pytest

from kubeward.checks.rule import Platform
from kubeward.inventory.components import ApiServerInstance, KubeletInstance, ProviderCluster
from kubeward.inventory.model import Inventory, Target, VersionInfo
from kubeward.inventory.objects import Node, NodeSpec, ObjectMeta
from kubeward.inventory.provenance import file_at
from kubeward.resolve.platform import PlatformInfo, detect_platform


def inventory(**parts: Any) -> Inventory:
    parts.setdefault("target", Target(kind="offline", name="t"))
    return Inventory(**parts)


def node(name: str, provider_id: str, *labels: str) -> Node:
    return Node(
        metadata=ObjectMeta(name=name, labels=dict.fromkeys(labels, "x")), spec=NodeSpec(providerID=provider_id)
    )


def apiserver(origin: str, installer: str = "") -> ApiServerInstance:
    return ApiServerInstance(
        name="kube-apiserver",
        origin=origin,  # type: ignore[arg-type]
        provenance=file_at("kube-apiserver.yaml", 1),
        installer=installer,
    )


def kubelet(origin: str, installer: str = "") -> KubeletInstance:
    return KubeletInstance(node="n", origin=origin, provenance=file_at("config.yaml", 2), installer=installer)  # type: ignore[arg-type]


def test_provider_description_is_strongest() -> None:
    info = detect_platform(
        inventory(
            providers=(ProviderCluster(provider="gke", name="shop", provenance=file_at("gke.json", 1)),),
            apiservers=(apiserver("k3s", "k3s"),),
            version=VersionInfo(gitVersion="v1.30.2+k3s1"),
        )
    )
    assert info == PlatformInfo(Platform.GKE, "gke description gke.json:1")
    assert info.managed and info.label == "gke"


def test_distro_configuration() -> None:
    assert detect_platform(inventory(apiservers=(apiserver("rke2", "rke2"),))) == PlatformInfo(
        Platform.RKE2, "rke2 configuration kube-apiserver.yaml:1"
    )
    # An agent-only config gives a kubelet, no API server.
    info = detect_platform(inventory(kubelets=(kubelet("k3s", "k3s"),)))
    assert info == PlatformInfo(Platform.K3S, "k3s configuration config.yaml:2")
    assert not info.managed and info.label == "k3s"


@pytest.mark.parametrize(
    ("git_version", "platform"),
    [
        ("v1.29.4-eks-036c24b", Platform.EKS),
        ("v1.29.4-gke.1043002", Platform.GKE),
        ("v1.30.2+k3s1", Platform.K3S),
        ("v1.30.2+rke2r1", Platform.RKE2),
    ],
)
def test_server_version_markers(git_version: str, platform: Platform) -> None:
    info = detect_platform(
        inventory(version=VersionInfo(gitVersion=git_version), apiservers=(apiserver("static-pod"),))
    )
    assert info == PlatformInfo(platform, f"server version {git_version}")


@pytest.mark.parametrize(
    ("n", "platform"),
    [
        (node("ip-10-0-1-5", "aws:///eu-west-1a/i-0123456789abcdef0", "eks.amazonaws.com/nodegroup"), Platform.EKS),
        (node("gke-pool-1", "gce://acme/europe-west1-b/gke-pool-1", "cloud.google.com/gke-nodepool"), Platform.GKE),
        (
            node("aks-np-1", "azure:///subscriptions/0/resourceGroups/mc/providers/x", "kubernetes.azure.com/role"),
            Platform.AKS,
        ),
    ],
)
def test_node_provider_ids_with_labels(n: Node, platform: Platform) -> None:
    assert detect_platform(inventory(nodes=(n,))) == PlatformInfo(platform, f"node {n.name} labels")


def test_cloud_vms_without_managed_labels_are_not_managed() -> None:
    # kubeadm on EC2: an aws:// provider id alone does not make the control plane EKS's.
    nodes = (node("cp-1", "aws:///eu-west-1a/i-0aaaaaaaaaaaaaaaa", "node-role.kubernetes.io/control-plane"),)
    info = detect_platform(inventory(nodes=nodes, apiservers=(apiserver("static-pod"),)))
    assert info == PlatformInfo(Platform.SELF_MANAGED, "kube-apiserver configuration kube-apiserver.yaml:1")
    assert info.label == "self-managed"


@pytest.mark.parametrize(
    ("server", "platform"),
    [
        ("https://0123456789ABCDEF.gr7.eu-west-1.eks.amazonaws.com", Platform.EKS),
        ("https://0123456789ABCDEF.gr7.eu-west-1.eks.amazonaws.com:443", Platform.EKS),
        ("https://orders-4f5e6d7c.hcp.westeurope.azmk8s.io:443", Platform.AKS),
    ],
)
def test_api_server_url(server: str, platform: Platform) -> None:
    info = detect_platform(inventory(target=Target(kind="live", name="ctx", server=server)))
    assert info == PlatformInfo(platform, f"API server URL {server}")


def test_self_managed_installers() -> None:
    kubeadm = detect_platform(inventory(apiservers=(apiserver("kubeadm-config", ""),)))
    assert kubeadm.installer == "kubeadm" and kubeadm.label == "self-managed (kubeadm)"
    by_kubelet = detect_platform(inventory(kubelets=(kubelet("kubeadm-config", "kubeadm"),)))
    assert by_kubelet == PlatformInfo(Platform.SELF_MANAGED, "kubeadm kubelet configuration", "kubeadm")


def test_nothing_tells() -> None:
    info = detect_platform(inventory(kubelets=(kubelet("node-files"),)))
    assert info == PlatformInfo(None, "no signal in the inputs tells the platform")
    assert info.label == "unknown" and not info.managed
