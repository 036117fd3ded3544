"""Managed platforms: detection from each signal, control-plane rules provider-managed, kubelet rules
still the nodes' business.
"""

from pathlib import Path

import pytest
from tests.support.inventories import inventory_from_files, run_rule
from tests.support.providers import AKS_DIAGNOSTICS_FILE, AKS_FILE, EKS_FILE, GKE_FILE, fixture_text, node_yaml, only

from kubeward.analysis import Analysis
from kubeward.checks.catalog import load_rules
from kubeward.checks.context import RuleContext
from kubeward.checks.rule import Platform
from kubeward.findings import Result
from kubeward.inventory.model import Inventory, Target
from kubeward.inventory.objects import Node, NodeSpec, ObjectMeta
from kubeward.resolve.platform import PlatformInfo, detect_platform

DESCRIPTIONS = {"eks": EKS_FILE, "gke": GKE_FILE, "aks": AKS_FILE}
MANAGED = ("eks", "gke", "aks")


def described(tmp_path: Path, provider: str) -> Inventory:
    return inventory_from_files(tmp_path, {f"{provider}.json": fixture_text(DESCRIPTIONS[provider])})


# --- detection --------------------------------------------------------------------------------------


@pytest.mark.parametrize("provider", MANAGED)
def test_detected_from_description(tmp_path: Path, provider: str) -> None:
    info = detect_platform(described(tmp_path, provider))
    assert info == PlatformInfo(Platform(provider), f"{provider} description {provider}.json:1")
    assert info.managed


def test_description_wins_over_diagnostic_settings(tmp_path: Path) -> None:
    files = {"a-diag.json": fixture_text(AKS_DIAGNOSTICS_FILE), "b-aks.json": fixture_text(AKS_FILE)}
    assert detect_platform(inventory_from_files(tmp_path, files)).reason == "aks description b-aks.json:1"
    only_settings = inventory_from_files(tmp_path / "x", {"diag.json": fixture_text(AKS_DIAGNOSTICS_FILE)})
    assert detect_platform(only_settings) == PlatformInfo(Platform.AKS, "aks diagnostic settings diag.json:1")


@pytest.mark.parametrize("provider", MANAGED)
def test_detected_from_node(tmp_path: Path, provider: str) -> None:
    inventory = inventory_from_files(tmp_path, {"nodes.yaml": node_yaml(provider)})
    assert detect_platform(inventory) == PlatformInfo(Platform(provider), "node node-1 labels")


def test_eksctl_self_managed_node_is_eks() -> None:
    node = Node(
        metadata=ObjectMeta(name="ip-10-0-3-7", labels={"alpha.eksctl.io/nodegroup-name": "workers"}),
        spec=NodeSpec(providerID="aws:///us-east-2b/i-0fedcba9876543210"),
    )
    inventory = Inventory(target=Target(kind="offline", name="t"), nodes=(node,))
    assert detect_platform(inventory) == PlatformInfo(Platform.EKS, "node ip-10-0-3-7 labels")


@pytest.mark.parametrize(
    ("server", "platform"),
    [
        ("https://9F8E7D6C5B4A39281706F5E4D3C2B1A0.yl4.us-east-2.eks.amazonaws.com", Platform.EKS),
        ("https://billing-dns-8c2d4e6f.hcp.northeurope.azmk8s.io:443", Platform.AKS),
        ("https://billing-dns-8c2d4e6f.privatelink.northeurope.azmk8s.io:443", Platform.AKS),
        ("https://gke-3c9a0f1e2d4b4c5d8e7f6a5b4c3d2e1f-123456789012.europe-west4.gke.goog", Platform.GKE),
    ],
)
def test_detected_from_server_url(server: str, platform: Platform) -> None:
    inventory = Inventory(target=Target(kind="live", name="ctx", server=server))
    assert detect_platform(inventory) == PlatformInfo(platform, f"API server URL {server}")


@pytest.mark.parametrize(
    "server",
    [
        "https://35.204.1.2",  # a GKE IP endpoint tells nothing
        "https://eks.amazonaws.com.attacker.example",  # suffixes are matched on the host only
        "https://api.example.com/.gke.goog",
    ],
)
def test_server_urls_that_tell_nothing(server: str) -> None:
    inventory = Inventory(target=Target(kind="live", name="ctx", server=server))
    assert detect_platform(inventory).platform is None


# --- control-plane rules on managed platforms --------------------------------------------------------


def control_plane_rule_ids() -> list[str]:
    return [r.meta.id for r in load_rules() if Platform.EKS not in r.meta.applies_to]


@pytest.mark.parametrize("provider", MANAGED)
def test_control_plane_rules_are_provider_managed(tmp_path: Path, provider: str) -> None:
    """Each control-plane rule's own check says provider-managed, with its provider_managed text."""
    analysis = Analysis(described(tmp_path, provider))
    managed_ids = []
    for registered in load_rules():
        if Platform(provider) in registered.meta.applies_to:
            continue
        results: list[Result] = list(registered.check(RuleContext(registered.meta, analysis)))
        said = [r for r in results if r.status == "not_applicable" and r.message.startswith("provider-managed")]
        if not said:
            continue
        managed_ids.append(registered.meta.id)
        [result] = results
        assert registered.provider_managed, f"{registered.meta.id} has no provider_managed text"
        assert result.message == (
            f"provider-managed: {provider} runs the API server and its flags are not yours to set "
            f"(detected from {provider} description {provider}.json:1). {registered.provider_managed}"
        )
        assert (result.evidence.setting, result.evidence.value, result.evidence.source) == (
            "platform",
            provider,
            "provider",
        )
    # The seed rules read kube-apiserver flags: all of them must be among those.
    assert {"KW-AUTHN-001", "KW-AUTHZ-001", "KW-AUTHZ-002", "KW-NET-001", "KW-AUDIT-001", "KW-ADM-001"} <= set(
        managed_ids
    )


def test_platform_detected_by_node_is_derived_evidence(tmp_path: Path) -> None:
    analysis = Analysis(inventory_from_files(tmp_path, {"nodes.yaml": node_yaml("gke")}))
    registered = load_rules().get("KW-AUTHN-001")
    assert registered is not None
    [result] = list(registered.check(RuleContext(registered.meta, analysis)))
    assert result.status == "not_applicable"
    assert (result.evidence.source, result.evidence.detail) == ("derived", "detected from node node-1 labels")


def test_engine_reports_provider_managed_text(tmp_path: Path) -> None:
    finding = only(run_rule(described(tmp_path, "eks"), "KW-AUTHN-001"))
    assert finding.status == "not_applicable" and finding.message.startswith("provider-managed: eks")


# --- kubelet rules on managed platforms -------------------------------------------------------------


@pytest.mark.parametrize(
    ("provider", "who"),
    [
        ("eks", "so it is yours to verify"),
        ("gke", "GKE writes the kubelet configuration"),
        ("aks", "AKS writes the kubelet configuration"),
    ],
)
def test_kubelet_rules_stay_not_assessable(tmp_path: Path, provider: str, who: str) -> None:
    finding = only(run_rule(described(tmp_path, provider), "KW-KUBELET-001"))
    assert finding.status == "not_assessable"
    assert finding.message.startswith("no kubelet configuration to assess")
    assert "/configz" in finding.message and who in finding.message


def test_provider_rule_called_on_another_platform(tmp_path: Path) -> None:
    """Behind the engine's gate, a provider rule still names the platform it found."""
    analysis = Analysis(described(tmp_path, "eks"))
    registered = load_rules().get("KW-GKE-001")
    assert registered is not None
    [result] = list(registered.check(RuleContext(registered.meta, analysis)))
    assert (result.status, result.message) == (
        "not_applicable",
        "applies to GKE clusters; this one is eks (eks description eks.json:1)",
    )
