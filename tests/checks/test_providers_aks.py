"""AKS rules on ``az aks show`` and ``az monitor diagnostic-settings list`` output.

A null ``apiServerAccessProfile`` is AKS's default: a public endpoint with no authorized ranges.
Audit logs are diagnostic settings (kube-audit / kube-audit-admin, or the audit / allLogs group)
with a destination, which ``az aks show`` does not include.
"""

import json
from pathlib import Path
from typing import Any

import pytest
from tests.support.inventories import inventory_from_files, run_rule
from tests.support.providers import (
    AKS_DIAGNOSTICS_FILE,
    AKS_FILE,
    DELETE,
    edited,
    fixture,
    fixture_text,
    node_yaml,
    only,
)

from kubeward.findings import Finding
from kubeward.inputs.providers import detect_provider, diagnostic_settings, is_diagnostic_settings
from kubeward.inventory.provenance import file_at


def run(tmp_path: Path, rule_id: str, files: dict[str, str]) -> Finding:
    return only(run_rule(inventory_from_files(tmp_path, files), rule_id))


def show(changes: dict[str, Any] | None = None) -> dict[str, str]:
    return {"aks.json": edited(AKS_FILE, changes or {})}


def check(tmp_path: Path, rule_id: str, changes: dict[str, Any] | None = None) -> Finding:
    finding = run(tmp_path, rule_id, show(changes))
    assert (finding.resource.kind, finding.resource.name) == ("AKSCluster", "billing")
    assert finding.evidence.source == "provider"
    return finding


# --- KW-AKS-001 / 002 API server exposure -----------------------------------------------------------

PUBLIC = {"apiServerAccessProfile.enablePrivateCluster": False}


@pytest.mark.parametrize(
    ("changes", "status", "value", "message"),
    [
        ({}, "pass", True, "private cluster"),
        (
            {**PUBLIC, "apiServerAccessProfile.authorizedIpRanges": ["203.0.113.0/24"]},
            "pass",
            ["203.0.113.0/24"],
            "limited to 203.0.113.0/24",
        ),
        (PUBLIC, "fail", [], "no authorized IP ranges"),
        (
            {**PUBLIC, "apiServerAccessProfile.authorizedIpRanges": ["0.0.0.0/0"]},
            "fail",
            ["0.0.0.0/0"],
            "include 0.0.0.0/0",
        ),
        ({"apiServerAccessProfile": None}, "fail", [], "no authorized IP ranges"),
    ],
)
def test_public_endpoint(tmp_path: Path, changes: dict[str, Any], status: str, value: Any, message: str) -> None:
    finding = check(tmp_path, "KW-AKS-001", changes)
    assert (finding.status, finding.evidence.value) == (status, value)
    assert message in finding.message


def test_null_profile_is_the_public_default(tmp_path: Path) -> None:
    finding = check(tmp_path, "KW-AKS-001", {"apiServerAccessProfile": None})
    assert finding.evidence.setting == "AKS apiServerAccessProfile.authorizedIpRanges"
    assert "AKS default, a public endpoint" in finding.evidence.detail


@pytest.mark.parametrize(
    ("changes", "status"), [({}, "pass"), (PUBLIC, "fail"), ({"apiServerAccessProfile": DELETE}, "fail")]
)
def test_private_cluster(tmp_path: Path, changes: dict[str, Any], status: str) -> None:
    finding = check(tmp_path, "KW-AKS-002", changes)
    assert (finding.status, finding.evidence.setting) == (status, "AKS apiServerAccessProfile.enablePrivateCluster")


# --- KW-AKS-003 audit logs ------------------------------------------------------------------------


def diagnostics(logs: list[dict[str, Any]] | None = None, **setting: Any) -> str:
    data = fixture(AKS_DIAGNOSTICS_FILE)
    if logs is not None:
        data["value"][0]["logs"] = logs
    data["value"][0].update(setting)
    return json.dumps(data)


@pytest.mark.parametrize(
    ("text", "status", "message"),
    [
        (fixture_text(AKS_DIAGNOSTICS_FILE), "pass", "aks-audit (kube-audit-admin to workspaceId)"),
        (diagnostics([{"categoryGroup": "allLogs", "enabled": True}]), "pass", "categoryGroup allLogs"),
        (diagnostics([{"category": "kube-apiserver", "enabled": True}]), "fail", "no diagnostic setting sends"),
        (diagnostics([{"category": "kube-audit", "enabled": False}]), "fail", "no diagnostic setting sends"),
        (diagnostics(workspaceId=None), "fail", "no diagnostic setting sends"),
    ],
)
def test_audit_logs(tmp_path: Path, text: str, status: str, message: str) -> None:
    finding = run(tmp_path, "KW-AKS-003", {**show(), "diag.json": text})
    assert finding.status == status and message in finding.message
    assert (finding.resource.kind, finding.resource.name) == ("AKSCluster", "billing")
    assert finding.evidence.setting == "AKS diagnostic settings (audit categories)"
    assert finding.evidence.provenance is not None and finding.evidence.provenance.source == "diag.json"


def test_audit_logs_need_diagnostic_settings(tmp_path: Path) -> None:
    finding = run(tmp_path, "KW-AKS-003", show())
    assert finding.status == "not_assessable"
    assert "az monitor diagnostic-settings list --resource" in finding.message
    assert finding.resource.name == "billing"


def test_diagnostic_settings_alone_identify_aks(tmp_path: Path) -> None:
    finding = run(tmp_path, "KW-AKS-003", {"diag.json": fixture_text(AKS_DIAGNOSTICS_FILE)})
    assert finding.status == "pass"
    finding = run(tmp_path, "KW-AKS-004", {"diag.json": fixture_text(AKS_DIAGNOSTICS_FILE)})
    assert finding.status == "not_assessable" and "az aks show" in finding.message


def test_diagnostic_settings_recognised_by_shape() -> None:
    where = file_at("diag.json", 1)
    cluster = detect_provider(fixture(AKS_DIAGNOSTICS_FILE), where)
    assert cluster is not None and (cluster.provider, cluster.name) == ("aks", "billing")
    assert is_diagnostic_settings(cluster) and [s["name"] for s in diagnostic_settings(cluster)] == ["aks-audit"]
    described = detect_provider(fixture(AKS_FILE), where)
    assert described is not None and not is_diagnostic_settings(described) and diagnostic_settings(described) == []
    # An empty list names no resource; other {"value": [...]} envelopes are not AKS settings.
    assert detect_provider({"value": []}, where) is None
    assert detect_provider({"value": [{"id": "/subscriptions/x/providers/Microsoft.Web/sites/a"}]}, where) is None


# --- KW-AKS-004..007 identity and authorization ------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "status", "detail"),
    [
        ({}, "pass", ""),
        ({"disableLocalAccounts": False}, "fail", ""),
        ({"disableLocalAccounts": DELETE}, "fail", "absent: default false"),
    ],
)
def test_local_accounts(tmp_path: Path, changes: dict[str, Any], status: str, detail: str) -> None:
    finding = check(tmp_path, "KW-AKS-004", changes)
    assert (finding.status, finding.evidence.setting, finding.evidence.detail) == (
        status,
        "AKS disableLocalAccounts",
        detail,
    )


@pytest.mark.parametrize(
    ("changes", "status", "message"),
    [
        ({}, "pass", "AKS-managed Entra ID integration"),
        ({"aadProfile": None}, "fail", "no Entra ID integration"),
        (
            {"aadProfile.managed": False, "aadProfile.serverAppId": "00000000-0000-0000-0000-0000000000aa"},
            "fail",
            "legacy",
        ),
        ({"aadProfile.managed": DELETE}, "pass", "AKS-managed"),
    ],
)
def test_entra_id(tmp_path: Path, changes: dict[str, Any], status: str, message: str) -> None:
    finding = check(tmp_path, "KW-AKS-005", changes)
    assert finding.status == status and message in finding.message


@pytest.mark.parametrize(
    ("changes", "status"),
    [({}, "pass"), ({"aadProfile.enableAzureRbac": False}, "fail"), ({"aadProfile": None}, "fail")],
)
def test_azure_rbac(tmp_path: Path, changes: dict[str, Any], status: str) -> None:
    finding = check(tmp_path, "KW-AKS-006", changes)
    assert (finding.status, finding.evidence.setting) == (status, "AKS aadProfile.enableAzureRbac")


@pytest.mark.parametrize(
    ("changes", "status"), [({}, "pass"), ({"enableRbac": False}, "fail"), ({"enableRbac": DELETE}, "not_assessable")]
)
def test_kubernetes_rbac(tmp_path: Path, changes: dict[str, Any], status: str) -> None:
    finding = check(tmp_path, "KW-AKS-007", changes)
    assert (finding.status, finding.evidence.setting) == (status, "AKS enableRbac")


# --- every AKS rule: no description ------------------------------------------------------------------

RULES = tuple(f"KW-AKS-00{i}" for i in range(1, 8))


@pytest.mark.parametrize("rule_id", RULES)
def test_aks_detected_without_description(tmp_path: Path, rule_id: str) -> None:
    finding = run(tmp_path, rule_id, {"nodes.yaml": node_yaml("aks")})
    assert finding.status == "not_assessable"
    assert "this is an AKS cluster (detected from node node-1 labels)" in finding.message


@pytest.mark.parametrize("rule_id", RULES)
def test_not_applicable_on_gke(tmp_path: Path, rule_id: str) -> None:
    finding = run(tmp_path, rule_id, {"nodes.yaml": node_yaml("gke")})
    assert (finding.status, finding.message) == ("not_applicable", "does not apply to gke clusters")
