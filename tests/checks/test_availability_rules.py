"""API availability rules (KW-APF-001..004).

In-flight limits follow the kube-apiserver flag reference: with APF on the two limits are summed
(must be positive), with APF off 0 removes the limit. FlowSchema expectations follow the built-in
configuration: exempt is for system:masters, probes for health endpoints only.
"""

from pathlib import Path

import pytest
from tests.support.cluster_objects import (
    flow_schema,
    group,
    inventory_with,
    priority_level,
    service_account,
)
from tests.support.inventories import inventory_from_files, run_rule, verdicts
from tests.support.paths import APISERVER_PATHS, apiserver_inventory, dump


@pytest.mark.parametrize("path", APISERVER_PATHS)
def test_priority_and_fairness_on_every_path(tmp_path: Path, path: str) -> None:
    [on] = run_rule(apiserver_inventory(tmp_path / "on", path, []), "KW-APF-001")
    assert (on.status, on.evidence.value, on.evidence.source) == ("pass", True, "default")
    off = apiserver_inventory(tmp_path / "off", path, ["--enable-priority-and-fairness=false"])
    [finding] = run_rule(off, "KW-APF-001")
    assert (finding.status, finding.evidence.value, finding.evidence.source) == ("fail", False, "flag")


@pytest.mark.parametrize("path", APISERVER_PATHS)
@pytest.mark.parametrize(
    ("flags", "status", "value", "source", "text"),
    [
        ([], "pass", 400, "default", "total concurrency 400 + 200 = 600"),
        (["--max-requests-inflight=0"], "pass", 0, "flag", "total concurrency 0 + 200 = 200"),
        (
            ["--max-requests-inflight=0", "--max-mutating-requests-inflight=0"],
            "fail",
            0,
            "flag",
            "refuses to start",
        ),
        (
            ["--enable-priority-and-fairness=false", "--max-mutating-requests-inflight=0"],
            "fail",
            0,
            "flag",
            "mutating requests are not limited at all",
        ),
        (["--enable-priority-and-fairness=false"], "pass", 400, "default", "in-flight limits 400 read-only, 200"),
        (["--max-requests-inflight=lots"], "fail", "lots", "flag", "not a non-negative integer"),
    ],
)
def test_inflight_limits(
    tmp_path: Path, path: str, flags: list[str], status: str, value: object, source: str, text: str
) -> None:
    [finding] = run_rule(apiserver_inventory(tmp_path, path, flags), "KW-APF-002")
    assert (finding.status, finding.evidence.value, finding.evidence.source) == (status, value, source)
    assert text in finding.message


BUILTIN = [
    flow_schema("exempt", "exempt", [group("system:masters")], precedence=1, builtin=True),
    flow_schema(
        "probes",
        "exempt",
        [group("system:unauthenticated"), group("system:authenticated")],
        precedence=2,
        builtin=True,
        health_only=True,
    ),
    flow_schema("service-accounts", "workload-low", [group("system:serviceaccounts")], precedence=9000, builtin=True),
    flow_schema("global-default", "global-default", [group("system:authenticated")], precedence=9900, builtin=True),
]
LEVELS = [priority_level("exempt", "Exempt"), priority_level("workload-low"), priority_level("global-default")]


@pytest.mark.parametrize("path", ("command", "live"))
def test_exempt_flow_schemas(tmp_path: Path, path: str) -> None:
    clean = inventory_with(tmp_path / "clean", path, [], [*BUILTIN, *LEVELS])
    assert verdicts(run_rule(clean, "KW-APF-003")) == [
        ("pass", "Cluster/test" if path != "live" else "Cluster/fixture")
    ]
    extra = [
        flow_schema("ci-fast-lane", "exempt", [service_account("ci", "deployer")], precedence=400),
        flow_schema("vip", "vip", [group("platform-team")], precedence=500),
        priority_level("vip", "Exempt"),
    ]
    inventory = inventory_with(tmp_path / "bad", path, [], [*BUILTIN, *LEVELS, *extra])
    findings = {f.resource.name: f for f in run_rule(inventory, "KW-APF-003")}
    assert sorted(findings) == ["ci-fast-lane", "vip"]
    assert all(f.status == "fail" for f in findings.values())
    assert "sends ServiceAccount ci/deployer to the exempt priority level exempt" in findings["ci-fast-lane"].message
    assert (findings["vip"].evidence.value, findings["vip"].evidence.source) == ("vip", "api-object")


def test_exempt_flow_schemas_not_collected(tmp_path: Path) -> None:
    [finding] = run_rule(apiserver_inventory(tmp_path, "command", []), "KW-APF-003")
    assert finding.status == "not_assessable"
    assert "flowschemas" in finding.message


RBAC = [
    {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "Role",
        "metadata": {"name": "deploy", "namespace": "ci"},
        "rules": [{"apiGroups": ["apps"], "resources": ["deployments"], "verbs": ["create", "update", "patch"]}],
    },
    {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "RoleBinding",
        "metadata": {"name": "deployer", "namespace": "ci"},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "deploy"},
        "subjects": [{"kind": "ServiceAccount", "name": "deployer", "namespace": "ci"}],
    },
    {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "ClusterRole",
        "metadata": {"name": "viewer"},
        "rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get"]}],
    },
    {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "ClusterRoleBinding",
        "metadata": {"name": "viewer"},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "viewer"},
        "subjects": [{"kind": "ServiceAccount", "name": "monitor", "namespace": "ops"}],
    },
    {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "deployer", "namespace": "ci"}},
]


@pytest.mark.parametrize("path", ("command", "live"))
@pytest.mark.parametrize(
    ("schemas", "status", "text"),
    [
        ([], "fail", "no FlowSchema of its own names it"),
        (
            [flow_schema("ci", "ci-level", [service_account("ci", "deployer")]), priority_level("ci-level")],
            "pass",
            "has FlowSchema ci (priority level ci-level)",
        ),
        (
            [flow_schema("ci-ns", "ci-level", [group("system:serviceaccounts:ci")]), priority_level("ci-level")],
            "pass",
            "has FlowSchema ci-ns",
        ),
        ([flow_schema("ci-fast-lane", "exempt", [service_account("ci", "deployer")])], "fail", "never limited"),
        # A cluster-wide group is not a FlowSchema of its own.
        ([flow_schema("all-sa", "workload-low", [group("system:serviceaccounts")])], "fail", "no FlowSchema"),
    ],
)
def test_automation_service_accounts(tmp_path: Path, path: str, schemas: list, status: str, text: str) -> None:  # type: ignore[type-arg]
    inventory = inventory_with(tmp_path, path, [], [*BUILTIN, *LEVELS, *schemas, *RBAC])
    findings = run_rule(inventory, "KW-APF-004")
    assert [(f.status, f.resource.key()) for f in findings] == [(status, "ServiceAccount/ci/deployer")]
    assert text in findings[0].message


def test_automation_service_accounts_missing_inputs(tmp_path: Path) -> None:
    no_schemas = inventory_from_files(tmp_path / "a", {"dump/rbac.json": dump(RBAC)})
    [finding] = run_rule(no_schemas, "KW-APF-004")
    assert (finding.status, "flowschemas" in finding.message) == ("not_assessable", True)
    no_rbac = inventory_from_files(tmp_path / "b", {"dump/apf.json": dump(BUILTIN)})
    [finding] = run_rule(no_rbac, "KW-APF-004")
    assert finding.status == "not_assessable"


def test_no_apiserver_input(tmp_path: Path) -> None:
    inventory = inventory_from_files(tmp_path, {"dump/apf.json": dump(BUILTIN)})
    for rule_id in ("KW-APF-001", "KW-APF-002"):
        assert [f.status for f in run_rule(inventory, rule_id)] == ["not_assessable"], rule_id
