"""EKS rules on ``aws eks describe-cluster`` output and the aws-auth ConfigMap.

Expectations follow the EKS API reference and user guide: a missing publicAccessCidrs means
0.0.0.0/0; audit needs the ``audit`` and ``authenticator`` log types enabled; CONFIG_MAP is the
aws-auth-only mode and API ignores aws-auth; system:masters cannot be limited by RBAC.
"""

from pathlib import Path
from typing import Any

import pytest
from tests.support.inventories import inventory_from_files, run_rule
from tests.support.providers import DELETE, EKS_FILE, edited, fixture_text, node_yaml, only

from kubeward.findings import Finding


def eks(tmp_path: Path, changes: dict[str, Any] | None = None, **extra: str) -> dict[str, str]:
    files = {"eks.json": edited(EKS_FILE, {f"cluster.{k}": v for k, v in (changes or {}).items()})}
    files.update(extra)
    return files


def run(tmp_path: Path, rule_id: str, files: dict[str, str]) -> Finding:
    return only(run_rule(inventory_from_files(tmp_path, files), rule_id))


# --- KW-EKS-001 public endpoint open -------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "status", "value", "detail", "message"),
    [
        ({}, "pass", ["198.51.100.0/26", "203.0.113.17/32"], "", "limited to 198.51.100.0/26, 203.0.113.17/32"),
        (
            {"resourcesVpcConfig.publicAccessCidrs": ["10.0.0.0/8", "0.0.0.0/0"]},
            "fail",
            ["10.0.0.0/8", "0.0.0.0/0"],
            "",
            "accepts connections from 0.0.0.0/0",
        ),
        (
            {"resourcesVpcConfig.publicAccessCidrs": DELETE},
            "fail",
            ["0.0.0.0/0"],
            "no publicAccessCidrs: EKS defaults to 0.0.0.0/0",
            "0.0.0.0/0",
        ),
    ],
)
def test_public_endpoint_cidrs(
    tmp_path: Path, changes: dict[str, Any], status: str, value: list[str], detail: str, message: str
) -> None:
    finding = run(tmp_path, "KW-EKS-001", eks(tmp_path, changes))
    assert finding.status == status
    assert (finding.resource.kind, finding.resource.name) == ("EKSCluster", "ledger-prod")
    assert finding.evidence.setting == "EKS resourcesVpcConfig.publicAccessCidrs"
    assert (finding.evidence.value, finding.evidence.source, finding.evidence.detail) == (value, "provider", detail)
    assert finding.evidence.provenance is not None and finding.evidence.provenance.source == "eks.json"
    assert message in finding.message


def test_public_endpoint_disabled_passes(tmp_path: Path) -> None:
    finding = run(tmp_path, "KW-EKS-001", eks(tmp_path, {"resourcesVpcConfig.endpointPublicAccess": False}))
    assert finding.status == "pass" and finding.message == "the public endpoint is disabled"
    assert (finding.evidence.setting, finding.evidence.value) == ("EKS resourcesVpcConfig.endpointPublicAccess", False)


def test_public_endpoint_field_missing(tmp_path: Path) -> None:
    finding = run(tmp_path, "KW-EKS-001", eks(tmp_path, {"resourcesVpcConfig": DELETE}))
    assert finding.status == "not_assessable"
    assert "no resourcesVpcConfig.endpointPublicAccess" in finding.message


# --- KW-EKS-002 private endpoint -----------------------------------------------------------------


@pytest.mark.parametrize(("private", "status"), [(True, "pass"), (False, "fail")])
def test_private_endpoint(tmp_path: Path, private: bool, status: str) -> None:
    finding = run(tmp_path, "KW-EKS-002", eks(tmp_path, {"resourcesVpcConfig.endpointPrivateAccess": private}))
    assert finding.status == status
    assert (finding.evidence.setting, finding.evidence.value) == (
        "EKS resourcesVpcConfig.endpointPrivateAccess",
        private,
    )


def test_private_endpoint_missing(tmp_path: Path) -> None:
    changes = {"resourcesVpcConfig.endpointPrivateAccess": DELETE}
    assert run(tmp_path, "KW-EKS-002", eks(tmp_path, changes)).status == "not_assessable"


# --- KW-EKS-003 control-plane logs ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("entries", "status", "enabled", "message"),
    [
        (None, "pass", ["api", "audit", "authenticator"], "audit and authenticator logs"),
        (
            [{"types": ["api", "audit", "authenticator", "controllerManager", "scheduler"], "enabled": False}],
            "fail",
            [],
            "not enabled: audit, authenticator",
        ),
        (
            [{"types": ["audit"], "enabled": True}, {"types": ["authenticator"], "enabled": False}],
            "fail",
            ["audit"],
            "not enabled: authenticator",
        ),
    ],
)
def test_control_plane_logging(
    tmp_path: Path, entries: list[dict[str, Any]] | None, status: str, enabled: list[str], message: str
) -> None:
    changes = {} if entries is None else {"logging.clusterLogging": entries}
    finding = run(tmp_path, "KW-EKS-003", eks(tmp_path, changes))
    assert finding.status == status
    assert finding.evidence.setting == "EKS logging.clusterLogging (enabled types)"
    assert finding.evidence.value == enabled
    assert message in finding.message


def test_control_plane_logging_missing(tmp_path: Path) -> None:
    assert run(tmp_path, "KW-EKS-003", eks(tmp_path, {"logging": DELETE})).status == "not_assessable"


# --- KW-EKS-004 authentication mode --------------------------------------------------------------


@pytest.mark.parametrize(("mode", "status"), [("API", "pass"), ("API_AND_CONFIG_MAP", "pass"), ("CONFIG_MAP", "fail")])
def test_authentication_mode(tmp_path: Path, mode: str, status: str) -> None:
    finding = run(tmp_path, "KW-EKS-004", eks(tmp_path, {"accessConfig.authenticationMode": mode}))
    assert finding.status == status
    assert (finding.evidence.setting, finding.evidence.value) == ("EKS accessConfig.authenticationMode", mode)


def test_authentication_mode_missing(tmp_path: Path) -> None:
    finding = run(tmp_path, "KW-EKS-004", eks(tmp_path, {"accessConfig": DELETE}))
    assert finding.status == "not_assessable" and "current CLI" in finding.message


# --- KW-EKS-005 aws-auth -------------------------------------------------------------------------

CONFIG_MAP_MODE = {"accessConfig.authenticationMode": "CONFIG_MAP"}
MASTERS_ROLE = """\
  mapRoles: |
    - rolearn: arn:aws:iam::444455556666:role/AWSReservedSSO_AdministratorAccess_0123456789abcdef
      username: admin:{{SessionName}}
      groups:
        - system:masters
"""


def aws_auth(data: str) -> str:
    return "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: aws-auth\n  namespace: kube-system\ndata:\n" + data


def test_aws_auth_fixture_passes(tmp_path: Path) -> None:
    files = eks(tmp_path, CONFIG_MAP_MODE, **{"aws-auth.yaml": fixture_text("aws-auth.yaml")})
    finding = run(tmp_path, "KW-EKS-005", files)
    assert finding.status == "pass"
    assert finding.resource.key() == "ConfigMap/kube-system/aws-auth"
    assert finding.evidence.source == "api-object"
    assert finding.evidence.value == {"system:masters": [], "mapAccounts": []}


def test_aws_auth_masters_and_accounts_fail(tmp_path: Path) -> None:
    data = MASTERS_ROLE + '  mapAccounts: |\n    - "777788889999"\n'
    files = eks(tmp_path, CONFIG_MAP_MODE, **{"aws-auth.yaml": aws_auth(data)})
    finding = run(tmp_path, "KW-EKS-005", files)
    arn = "arn:aws:iam::444455556666:role/AWSReservedSSO_AdministratorAccess_0123456789abcdef"
    assert finding.status == "fail"
    assert f"{arn} -> system:masters" in finding.message
    assert "every IAM principal of 777788889999" in finding.message
    assert finding.evidence.value == {
        "system:masters": [{"arn": arn, "groups": ["system:masters"], "source": "mapRoles"}],
        "mapAccounts": ["777788889999"],
    }


def test_aws_auth_ignored_in_api_mode(tmp_path: Path) -> None:
    files = eks(tmp_path, **{"aws-auth.yaml": aws_auth(MASTERS_ROLE)})  # the fixture is in API mode
    finding = run(tmp_path, "KW-EKS-005", files)
    assert finding.status == "not_applicable" and "ignores the aws-auth ConfigMap" in finding.message


def test_aws_auth_unreadable(tmp_path: Path) -> None:
    files = eks(tmp_path, CONFIG_MAP_MODE, **{"aws-auth.yaml": aws_auth("  mapRoles: |\n    rolearn: [unclosed\n")})
    finding = run(tmp_path, "KW-EKS-005", files)
    assert finding.status == "not_assessable" and "mapRoles cannot be read" in finding.message


def test_aws_auth_configmaps_not_collected(tmp_path: Path) -> None:
    finding = run(tmp_path, "KW-EKS-005", eks(tmp_path, CONFIG_MAP_MODE))
    assert finding.status == "not_assessable" and "ConfigMaps were not collected" in finding.message


def test_aws_auth_absent_passes_on_eks_detected_by_node(tmp_path: Path) -> None:
    other = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: coredns\n  namespace: kube-system\n"
    files = {"nodes.yaml": node_yaml("eks"), "cm.yaml": other}
    finding = run(tmp_path, "KW-EKS-005", files)
    assert finding.status == "pass" and "no kube-system/aws-auth ConfigMap" in finding.message


# --- every EKS rule: no description ----------------------------------------------------------------

DESCRIBED_RULES = ("KW-EKS-001", "KW-EKS-002", "KW-EKS-003", "KW-EKS-004")


@pytest.mark.parametrize("rule_id", DESCRIBED_RULES)
def test_eks_detected_without_description_is_not_assessable(tmp_path: Path, rule_id: str) -> None:
    finding = run(tmp_path, rule_id, {"nodes.yaml": node_yaml("eks")})
    assert finding.status == "not_assessable"
    assert "this is an EKS cluster (detected from node node-1 labels)" in finding.message
    assert "aws eks describe-cluster" in finding.message


@pytest.mark.parametrize("rule_id", (*DESCRIBED_RULES, "KW-EKS-005"))
@pytest.mark.parametrize("other", ["gke", "aks"])
def test_not_applicable_elsewhere(tmp_path: Path, rule_id: str, other: str) -> None:
    # The engine's platform gate answers before the rule runs.
    finding = run(tmp_path, rule_id, {"nodes.yaml": node_yaml(other)})
    assert (finding.status, finding.message) == ("not_applicable", f"does not apply to {other} clusters")


@pytest.mark.parametrize("rule_id", DESCRIBED_RULES)
def test_not_applicable_when_nothing_tells(tmp_path: Path, rule_id: str) -> None:
    files = {"ns.yaml": "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: default\n"}
    finding = run(tmp_path, rule_id, files)
    assert finding.status == "not_applicable"
    assert "nothing in the inputs says this is one" in finding.message
