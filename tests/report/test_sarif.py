import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft4Validator
from tests.support.sarif_schema import sarif_schema_path

from kubeward.checks.rule import Severity
from kubeward.findings import Evidence, Resource, Suppression, fingerprint
from kubeward.inventory.provenance import Provenance, default_of, file_at
from kubeward.report.build import build_report
from kubeward.report.sarif import SECURITY_SEVERITY, file_uri, render_sarif, synthetic_uri

from .factories import APISERVER_MANIFEST, RULES, make_finding, sample_findings, sample_report, sample_scan


@pytest.fixture(scope="module")
def sarif_validator() -> Draft4Validator:
    # The official schema is draft-04 ("$schema": "http://json-schema.org/draft-04/schema#").
    schema = json.loads(sarif_schema_path().read_text(encoding="utf-8"))
    Draft4Validator.check_schema(schema)
    return Draft4Validator(schema)


def sarif_of(report: Any) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(render_sarif(report))
    return loaded


def results_by_resource(log: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["properties"]["resource"] + " " + r["ruleId"]: r for r in log["runs"][0]["results"]}


def test_validates_against_the_official_sarif_schema(sarif_validator: Draft4Validator) -> None:
    log = sarif_of(sample_report())
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in sarif_validator.iter_errors(log)]
    assert errors == []


def test_schema_validation_catches_a_broken_log(sarif_validator: Draft4Validator) -> None:
    log = sarif_of(sample_report())
    log["runs"][0]["results"][0]["level"] = "fatal"
    assert not sarif_validator.is_valid(log)


def test_top_level_and_driver() -> None:
    log = sarif_of(sample_report())
    assert log["$schema"] == "https://json.schemastore.org/sarif-2.1.0.json"
    assert log["version"] == "2.1.0"
    assert len(log["runs"]) == 1
    run = log["runs"][0]
    driver = run["tool"]["driver"]
    assert driver["name"] == "kubeward"
    assert driver["semanticVersion"] == "0.1.0"
    assert "informationUri" not in driver  # no published home page yet
    assert run["automationDetails"] == {"id": "kubeward/prod-eu/"}
    assert [rule["id"] for rule in driver["rules"]] == sorted(RULES)


def test_every_rule_has_what_github_requires() -> None:
    rules = sarif_of(sample_report())["runs"][0]["tool"]["driver"]["rules"]
    for rule in rules:
        meta = RULES[rule["id"]]
        assert rule["shortDescription"]["text"] == meta.title
        assert rule["fullDescription"]["text"] == meta.rationale
        assert rule["help"]["text"].startswith(meta.remediation)
        assert rule["help"]["markdown"].strip()
        assert rule["defaultConfiguration"]["level"] in ("error", "warning", "note")
        tags = rule["properties"]["tags"]
        assert {"security", "kubernetes", meta.objective.value} <= set(tags)
        assert len(tags) <= 20
        score = rule["properties"]["security-severity"]
        assert isinstance(score, str)
        assert 0.0 < float(score) <= 10.0
        assert len(rule["name"]) <= 255
        assert len(rule["shortDescription"]["text"]) <= 1024


def test_rule_help_carries_remediation_cis_and_references() -> None:
    rules = {r["id"]: r for r in sarif_of(sample_report())["runs"][0]["tool"]["driver"]["rules"]}
    authn = rules["KW-AUTHN-001"]
    assert authn["name"] == "APIServerAcceptsAnonymousRequests"
    assert authn["help"]["text"] == (
        "Set --anonymous-auth=false on every kube-apiserver. Keep health probes on /livez.\n\n"
        "Fix:\n--anonymous-auth=false\n\n"
        "CIS Kubernetes Benchmark: 1.2.1\n\n"
        "References:\n- https://kubernetes.io/docs/reference/access-authn-authz/authentication/"
    )
    assert "<https://kubernetes.io/docs/reference/access-authn-authz/authentication/>" in authn["help"]["markdown"]
    assert "CIS Kubernetes Benchmark: 1.2.1" in authn["help"]["markdown"]
    assert authn["properties"]["tags"] == ["security", "kubernetes", "authentication", "authn", "cis"]


@pytest.mark.parametrize(
    ("severity", "level", "score", "github_bucket"),
    [
        (Severity.CRITICAL, "error", "9.5", "critical"),
        (Severity.HIGH, "error", "8.0", "high"),
        (Severity.MEDIUM, "warning", "5.5", "medium"),
        (Severity.LOW, "note", "2.0", "low"),
        (Severity.INFO, "note", "0.1", "low"),
    ],
)
def test_severity_mapping_lands_in_githubs_buckets(
    severity: Severity, level: str, score: str, github_bucket: str
) -> None:
    rules = sarif_of(sample_report())["runs"][0]["tool"]["driver"]["rules"]
    assert SECURITY_SEVERITY[severity] == score
    # GitHub: over 9.0 critical, 7.0-8.9 high, 4.0-6.9 medium, 0.1-3.9 low.
    value = float(score)
    bucket = "critical" if value > 9.0 else "high" if value >= 7.0 else "medium" if value >= 4.0 else "low"
    assert bucket == github_bucket
    for rule in rules:
        if RULES[rule["id"]].severity == severity:
            assert rule["defaultConfiguration"]["level"] == level
            assert rule["properties"]["security-severity"] == score


def test_results_only_for_fail_and_suppressed() -> None:
    report = sample_report()
    results = sarif_of(report)["runs"][0]["results"]
    expected = [(f.rule_id, f.resource.key()) for f in report.findings if f.status in ("fail", "suppressed")]
    assert [(r["ruleId"], r["properties"]["resource"]) for r in results] == expected
    rule_ids = [rule["id"] for rule in sarif_of(report)["runs"][0]["tool"]["driver"]["rules"]]
    for result in results:
        assert rule_ids[result["ruleIndex"]] == result["ruleId"]


def test_every_result_has_what_github_requires() -> None:
    report = sample_report()
    fingerprints = {(f.rule_id, f.resource.key()): f.fingerprint for f in report.findings}
    for result in sarif_of(report)["runs"][0]["results"]:
        assert result["message"]["text"].strip()
        assert result["level"] in ("error", "warning", "note")
        location = result["locations"][0]["physicalLocation"]
        uri = location["artifactLocation"]["uri"]
        assert uri and not uri.startswith("/") and "://" not in uri
        region = location["region"]
        assert region["startLine"] >= 1
        assert region["startColumn"] >= 1
        assert region["endLine"] >= region["startLine"]
        assert region["endColumn"] > region["startColumn"]
        expected = fingerprints[(result["ruleId"], result["properties"]["resource"])]
        assert result["partialFingerprints"]["primaryLocationLineHash"] == expected


def test_locations_for_file_api_and_default_provenance() -> None:
    results = results_by_resource(sarif_of(sample_report()))

    def location(key: str) -> tuple[str, int]:
        physical = results[key]["locations"][0]["physicalLocation"]
        return physical["artifactLocation"]["uri"], physical["region"]["startLine"]

    # A flag in a static-pod manifest: the file and the flag's line.
    assert location("kube-apiserver/cp-1 KW-AUTHN-001") == (APISERVER_MANIFEST, 23)
    # A live API object: the stable synthetic path, cluster-scoped objects under _cluster.
    assert location("ClusterRoleBinding/ci-admin KW-RBAC-001") == (
        "k8s/prod-eu/_cluster/ClusterRoleBinding/ci-admin.yaml",
        1,
    )
    assert location("Role/team-a/secret-reader KW-RBAC-002") == ("k8s/prod-eu/team-a/Role/secret-reader.yaml", 1)
    # A defaulted kubelet setting: the kubelet's config file, where the fix goes.
    assert location("kubelet/node-1 KW-KUBELET-001") == ("nodes/node-1/var/lib/kubelet/config.yaml", 1)
    # The cluster itself.
    assert location("Cluster/prod-eu KW-APF-001") == ("k8s/prod-eu/_cluster/Cluster/prod-eu.yaml", 1)
    logical = results["Role/team-a/secret-reader KW-RBAC-002"]["locations"][0]["logicalLocations"][0]
    assert logical == {"name": "secret-reader", "fullyQualifiedName": "Role/team-a/secret-reader", "kind": "resource"}


def test_message_names_resource_and_evidence() -> None:
    results = results_by_resource(sarif_of(sample_report()))
    assert results["kube-apiserver/cp-1 KW-AUTHN-001"]["message"]["text"] == (
        "kube-apiserver/cp-1: Anonymous requests are accepted (evidence: kube-apiserver --anonymous-auth=true (flag))"
    )


@pytest.mark.parametrize(
    ("kind", "sarif_kind"),
    [("annotation", "inSource"), ("ignore-file", "external"), ("baseline", "external")],
)
def test_suppressed_results_carry_suppressions(kind: str, sarif_kind: str) -> None:
    finding = make_finding(
        "KW-RBAC-001",
        "suppressed",
        Resource(kind="ClusterRoleBinding", name="x"),
        "bound",
        suppression=Suppression(kind=kind, reason="accepted for the migration", source="somewhere"),  # type: ignore[arg-type]
    )
    report = build_report([finding], list(RULES.values()), sample_scan(incomplete=False))
    (result,) = sarif_of(report)["runs"][0]["results"]
    assert result["suppressions"] == [
        {
            "kind": sarif_kind,
            "justification": "accepted for the migration",
            "properties": {"kubewardKind": kind, "source": "somewhere"},
        }
    ]


def test_unsuppressed_results_have_no_suppressions_key() -> None:
    results = results_by_resource(sarif_of(sample_report()))
    assert "suppressions" not in results["ClusterRoleBinding/ci-admin KW-RBAC-001"]
    assert results["ClusterRoleBinding/argo-admin KW-RBAC-001"]["suppressions"][0]["kind"] == "inSource"


def test_incomplete_scan_reported_as_tool_notifications() -> None:
    invocation = sarif_of(sample_report())["runs"][0]["invocations"][0]
    assert invocation["executionSuccessful"] is True
    assert [n["message"]["text"] for n in invocation["toolExecutionNotifications"]] == [
        'secrets not collected (forbidden): secrets is forbidden: User "scanner" cannot list resource "secrets"',
        "nodes/cp-1/etc/kubernetes/manifests/etcd.yaml:4: invalid YAML",
    ]
    complete = build_report(sample_findings(), list(RULES.values()), sample_scan(incomplete=False))
    assert sarif_of(complete)["runs"][0]["invocations"] == [{"executionSuccessful": True}]


def test_no_empty_strings_anywhere() -> None:
    def walk(node: Any, path: str) -> None:
        if isinstance(node, str):
            assert node.strip(), f"empty string at {path}"
        elif isinstance(node, dict):
            for key, value in node.items():
                walk(value, f"{path}.{key}")
        elif isinstance(node, list):
            for index, value in enumerate(node):
                walk(value, f"{path}[{index}]")

    walk(sarif_of(sample_report()), "$")


@pytest.mark.parametrize(
    ("path", "uri"),
    [
        ("manifests/kube-apiserver.yaml", "manifests/kube-apiserver.yaml"),
        ("./manifests/kube-apiserver.yaml", "manifests/kube-apiserver.yaml"),
        ("/etc/kubernetes/manifests/kube-apiserver.yaml", "etc/kubernetes/manifests/kube-apiserver.yaml"),
        ("C:\\clusters\\prod\\kubelet config.yaml", "clusters/prod/kubelet%20config.yaml"),
        ("a/../b/c.yaml", "b/c.yaml"),
    ],
)
def test_file_uris_are_relative_and_encoded(path: str, uri: str) -> None:
    assert file_uri(path) == uri


def test_synthetic_uri_encodes_segments() -> None:
    assert synthetic_uri("arn:aws:eks:eu-west-1:1:cluster/prod", "", "ClusterRole", "system:node") == (
        "k8s/arn%3Aaws%3Aeks%3Aeu-west-1%3A1%3Acluster%2Fprod/_cluster/ClusterRole/system%3Anode.yaml"
    )
    assert synthetic_uri("..", "ns", "Pod", "p") == "k8s/%2E%2E/ns/Pod/p.yaml"


def test_provenance_column_is_used_when_known() -> None:
    resource = Resource(kind="kube-apiserver", name="cp-1", provenance=file_at(APISERVER_MANIFEST, 1))
    evidence = Evidence(
        setting="kube-apiserver --profiling",
        value=True,
        source="flag",
        provenance=Provenance(kind="file", source=APISERVER_MANIFEST, line=30, column=9),
    )
    finding = make_finding("KW-AUTHN-001", "fail", resource, "profiling on", evidence)
    report = build_report([finding], list(RULES.values()), sample_scan(incomplete=False))
    region = sarif_of(report)["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]
    assert region == {"startLine": 30, "startColumn": 9, "endLine": 30, "endColumn": 10}


def test_default_provenance_without_a_component_file_uses_the_synthetic_path() -> None:
    resource = Resource(kind="kubelet", name="node-9")
    evidence = Evidence(setting="kubelet readOnlyPort", value=10255, source="default", provenance=default_of("x"))
    finding = make_finding("KW-KUBELET-002", "fail", resource, "open", evidence)
    report = build_report([finding], list(RULES.values()), sample_scan(incomplete=False))
    physical = sarif_of(report)["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
    assert physical["artifactLocation"]["uri"] == "k8s/prod-eu/_cluster/kubelet/node-9.yaml"
    assert physical["region"]["startLine"] == 1


@settings(max_examples=80, deadline=None)
@given(first=st.integers(min_value=1, max_value=10_000), second=st.integers(min_value=1, max_value=10_000))
def test_fingerprint_survives_line_changes(first: int, second: int) -> None:
    """Moving a flag to another line changes the region, never the fingerprint GitHub matches on."""
    resource = Resource(kind="kube-apiserver", name="cp-1", provenance=file_at(APISERVER_MANIFEST, 1))

    def sarif_result(line: int) -> dict[str, Any]:
        evidence = Evidence(
            setting="kube-apiserver --anonymous-auth",
            value=True,
            source="flag",
            provenance=Provenance(kind="file", source=APISERVER_MANIFEST, line=line),
        )
        finding = make_finding("KW-AUTHN-001", "fail", resource, "anonymous", evidence)
        report = build_report([finding], list(RULES.values()), sample_scan(incomplete=False))
        result: dict[str, Any] = sarif_of(report)["runs"][0]["results"][0]
        return result

    a, b = sarif_result(first), sarif_result(second)
    assert a["partialFingerprints"] == b["partialFingerprints"]
    assert a["locations"][0]["physicalLocation"]["region"]["startLine"] == first
    assert b["locations"][0]["physicalLocation"]["region"]["startLine"] == second
    assert a["partialFingerprints"]["primaryLocationLineHash"] == fingerprint(
        "KW-AUTHN-001", resource, Evidence(setting="kube-apiserver --anonymous-auth")
    )


def test_results_beyond_the_limit_keep_the_most_important() -> None:
    log = json.loads(render_sarif(sample_report(), max_results=3))
    run = log["runs"][0]
    kept = [(r["ruleId"], r["properties"]["resource"]) for r in run["results"]]
    # Two criticals first, then the first high failure in report order; the suppressed one goes.
    assert kept == [
        ("KW-AUTHN-001", "kube-apiserver/cp-1"),
        ("KW-RBAC-001", "ClusterRoleBinding/ci-admin"),
        ("KW-KUBELET-001", "kubelet/node-1"),
    ]
    notes = [n["message"]["text"] for n in run["invocations"][0]["toolExecutionNotifications"]]
    assert notes[0] == (
        "4 results left out: GitHub code scanning rejects runs with more than 25000 results; "
        "the JSON report lists every finding"
    )
