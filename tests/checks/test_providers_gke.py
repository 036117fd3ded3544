"""GKE rules on ``gcloud container clusters describe --format=json`` output.

The GKE API leaves out false booleans and unset messages, so absence reads as false / not enabled;
both the older ``privateClusterConfig`` shape and the ``controlPlaneEndpointsConfig`` shape are read.
"""

from pathlib import Path
from typing import Any

import pytest
from tests.support.inventories import inventory_from_files, run_rule
from tests.support.providers import DELETE, GKE_FILE, edited, node_yaml, only

from kubeward.findings import Finding

OLD_SHAPE = {"controlPlaneEndpointsConfig": DELETE}


def run(tmp_path: Path, rule_id: str, changes: dict[str, Any] | None = None) -> Finding:
    files = {"gke.json": edited(GKE_FILE, changes or {})}
    finding = only(run_rule(inventory_from_files(tmp_path, files), rule_id))
    if finding.status not in ("not_applicable",):
        assert (finding.resource.kind, finding.resource.name) == ("GKECluster", "atlas-prod")
        assert finding.evidence.source == "provider"
    return finding


# --- KW-GKE-001 authorized networks / KW-GKE-002 private endpoint ------------------------------------


PUBLIC_OLD = {**OLD_SHAPE, "privateClusterConfig.enablePrivateEndpoint": DELETE}


@pytest.mark.parametrize(
    ("changes", "status", "setting", "value", "message"),
    [
        ({}, "pass", "controlPlaneEndpointsConfig.ipEndpointsConfig.enablePublicEndpoint", False, "no public IP"),
        (OLD_SHAPE, "pass", "privateClusterConfig.enablePrivateEndpoint", True, "no public IP"),
        (
            {"controlPlaneEndpointsConfig.ipEndpointsConfig.enabled": False},
            "pass",
            "controlPlaneEndpointsConfig.ipEndpointsConfig.enabled",
            False,
            "no public IP",
        ),
        (PUBLIC_OLD, "pass", "masterAuthorizedNetworksConfig.cidrBlocks", ["192.0.2.0/28"], "limited to 192.0.2.0/28"),
        (
            {**PUBLIC_OLD, "masterAuthorizedNetworksConfig": DELETE},
            "fail",
            "masterAuthorizedNetworksConfig.enabled",
            False,
            "any address can connect",
        ),
        (
            {**PUBLIC_OLD, "masterAuthorizedNetworksConfig.cidrBlocks": [{"cidrBlock": "0.0.0.0/0"}]},
            "fail",
            "masterAuthorizedNetworksConfig.cidrBlocks",
            ["0.0.0.0/0"],
            "include 0.0.0.0/0",
        ),
        (
            {
                "controlPlaneEndpointsConfig.ipEndpointsConfig.enablePublicEndpoint": True,
                "masterAuthorizedNetworksConfig": DELETE,
            },
            "pass",
            "controlPlaneEndpointsConfig.ipEndpointsConfig.authorizedNetworksConfig.cidrBlocks",
            ["192.0.2.0/28"],
            "limited to 192.0.2.0/28",
        ),
    ],
)
def test_authorized_networks(
    tmp_path: Path, changes: dict[str, Any], status: str, setting: str, value: Any, message: str
) -> None:
    finding = run(tmp_path, "KW-GKE-001", changes)
    assert finding.status == status
    assert (finding.evidence.setting, finding.evidence.value) == (f"GKE {setting}", value)
    assert message in finding.message


def test_authorized_networks_absent_says_why(tmp_path: Path) -> None:
    finding = run(tmp_path, "KW-GKE-001", {**PUBLIC_OLD, "masterAuthorizedNetworksConfig": DELETE})
    assert finding.evidence.detail == "absent: the GKE API leaves out false values"


@pytest.mark.parametrize(
    ("changes", "status", "detail"),
    [
        ({}, "pass", ""),
        (OLD_SHAPE, "pass", ""),
        (PUBLIC_OLD, "fail", "absent: the GKE API leaves out false values"),
        ({"controlPlaneEndpointsConfig.ipEndpointsConfig.enablePublicEndpoint": True}, "fail", ""),
    ],
)
def test_private_endpoint(tmp_path: Path, changes: dict[str, Any], status: str, detail: str) -> None:
    finding = run(tmp_path, "KW-GKE-002", changes)
    assert (finding.status, finding.evidence.detail) == (status, detail)


# --- KW-GKE-003 logging ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "status", "value"),
    [
        ({}, "pass", ["SYSTEM_COMPONENTS", "APISERVER", "WORKLOADS"]),
        (
            {"loggingConfig.componentConfig.enableComponents": ["SYSTEM_COMPONENTS", "WORKLOADS"]},
            "fail",
            ["SYSTEM_COMPONENTS", "WORKLOADS"],
        ),
        ({"loggingConfig.componentConfig": {}}, "fail", []),
        ({"loggingService": "none"}, "fail", "none"),
    ],
)
def test_control_plane_logging(tmp_path: Path, changes: dict[str, Any], status: str, value: Any) -> None:
    finding = run(tmp_path, "KW-GKE-003", changes)
    assert (finding.status, finding.evidence.value) == (status, value)
    assert "Data Access audit logs are not visible here" in finding.message


def test_control_plane_logging_missing(tmp_path: Path) -> None:
    finding = run(tmp_path, "KW-GKE-003", {"loggingConfig": DELETE})
    assert finding.status == "not_assessable" and "no loggingConfig" in finding.message


# --- KW-GKE-004..006 authorization and legacy credentials ------------------------------------------


@pytest.mark.parametrize(
    ("changes", "status", "detail"),
    [
        ({}, "pass", "absent: the GKE API leaves out false values"),
        ({"legacyAbac": DELETE}, "pass", "absent: the GKE API leaves out false values"),
        ({"legacyAbac.enabled": True}, "fail", ""),
    ],
)
def test_legacy_abac(tmp_path: Path, changes: dict[str, Any], status: str, detail: str) -> None:
    finding = run(tmp_path, "KW-GKE-004", changes)
    assert (finding.status, finding.evidence.setting, finding.evidence.detail) == (
        status,
        "GKE legacyAbac.enabled",
        detail,
    )


@pytest.mark.parametrize(
    ("changes", "status", "value"),
    [
        ({}, "pass", {"username": "", "password": "absent"}),
        (
            {"masterAuth.username": "admin", "masterAuth.password": "n0t-a-real-password"},
            "fail",
            {"username": "admin", "password": "present"},
        ),
        ({"masterAuth.password": "n0t-a-real-password"}, "fail", {"username": "", "password": "present"}),
    ],
)
def test_basic_auth(tmp_path: Path, changes: dict[str, Any], status: str, value: dict[str, str]) -> None:
    finding = run(tmp_path, "KW-GKE-005", changes)
    assert (finding.status, finding.evidence.value) == (status, value)
    assert "n0t-a-real-password" not in repr(finding)


@pytest.mark.parametrize(
    ("changes", "status"),
    [
        ({}, "pass"),
        ({"masterAuth": DELETE}, "pass"),
        ({"masterAuth.clientCertificateConfig.issueClientCertificate": True}, "fail"),
        ({"masterAuth.clientCertificate": "LS0tLS1CRUdJTiBOT1QgQSBDRVJULS0tLS0K"}, "fail"),
    ],
)
def test_client_certificate(tmp_path: Path, changes: dict[str, Any], status: str) -> None:
    finding = run(tmp_path, "KW-GKE-006", changes)
    assert finding.status == status
    assert finding.evidence.setting == "GKE masterAuth.clientCertificate(Config)"


# --- every GKE rule: no description ------------------------------------------------------------------

RULES = tuple(f"KW-GKE-00{i}" for i in range(1, 7))


@pytest.mark.parametrize("rule_id", RULES)
def test_gke_detected_without_description(tmp_path: Path, rule_id: str) -> None:
    finding = only(run_rule(inventory_from_files(tmp_path, {"nodes.yaml": node_yaml("gke")}), rule_id))
    assert finding.status == "not_assessable"
    assert "gcloud container clusters describe" in finding.message


@pytest.mark.parametrize("rule_id", RULES)
def test_gke_detected_by_dns_endpoint_url(rule_id: str) -> None:
    from kubeward.analysis import Analysis
    from kubeward.checks.catalog import load_rules
    from kubeward.engine import run_rules
    from kubeward.inventory.model import Inventory, Target

    server = "https://gke-3c9a0f1e2d4b4c5d8e7f6a5b4c3d2e1f-123456789012.europe-west4.gke.goog"
    inventory = Inventory(target=Target(kind="live", name="atlas", server=server))
    registered = load_rules().get(rule_id)
    assert registered is not None
    [finding], _ = run_rules(Analysis(inventory), [registered])
    assert finding.status == "not_assessable" and f"API server URL {server}" in finding.message


@pytest.mark.parametrize("rule_id", RULES)
def test_not_applicable_on_eks(tmp_path: Path, rule_id: str) -> None:
    finding = only(run_rule(inventory_from_files(tmp_path, {"nodes.yaml": node_yaml("eks")}), rule_id))
    assert (finding.status, finding.message) == ("not_applicable", "does not apply to eks clusters")
