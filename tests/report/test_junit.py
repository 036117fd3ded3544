import xml.etree.ElementTree as ET

from hypothesis import given, settings
from hypothesis import strategies as st

from kubeward.checks.rule import Objective, RuleMeta, Severity
from kubeward.findings import Evidence, Finding, Resource, Status, fingerprint
from kubeward.inventory.provenance import api_at, file_at
from kubeward.report.build import build_report
from kubeward.report.junit import render_junit

from .factories import RULES, make_finding, sample_report, sample_scan


def parse(text: str) -> ET.Element:
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n')
    return ET.fromstring(text.encode())  # noqa: S314 - our own output, parsed back to check it


def cases(root: ET.Element) -> list[ET.Element]:
    return root.findall("./testsuite/testcase")


def test_one_suite_per_objective_with_counts() -> None:
    root = parse(render_junit(sample_report()))
    assert root.tag == "testsuites"
    assert root.get("name") == "kubeward"
    suites = [
        (s.get("name"), s.get("tests"), s.get("failures"), s.get("skipped"), s.get("errors"))
        for s in root.findall("testsuite")
    ]
    assert suites == [
        ("kubeward.authentication", "1", "1", "0", "0"),
        ("kubeward.authorization", "3", "2", "1", "0"),
        ("kubeward.kubelet", "2", "1", "1", "0"),
        ("kubeward.auditability", "1", "1", "0", "0"),
        ("kubeward.api-availability", "1", "1", "0", "0"),
        ("kubeward.rollout-plan", "0", "0", "0", "0"),
    ]
    assert (root.get("tests"), root.get("failures"), root.get("skipped"), root.get("errors")) == ("8", "6", "2", "0")


def test_classname_and_name_follow_the_convention() -> None:
    root = parse(render_junit(sample_report()))
    pairs = [(c.get("classname"), c.get("name")) for c in cases(root)]
    assert pairs[0] == (
        "nodes/cp-1/etc/kubernetes/manifests/kube-apiserver.yaml._cluster.kube-apiserver.cp-1",
        "[CRITICAL][KW-AUTHN-001] API server accepts anonymous requests",
    )
    assert ("prod-eu.team-a.Role.secret-reader", "[MEDIUM][KW-RBAC-002] Role can read secrets") in pairs
    assert (
        "prod-eu._cluster.ClusterRoleBinding.ci-admin",
        "[HIGH][KW-RBAC-001] Subject bound to cluster-admin",
    ) in pairs
    assert cases(root)[0].get("file") == "nodes/cp-1/etc/kubernetes/manifests/kube-apiserver.yaml"


def test_failure_has_message_type_and_details() -> None:
    root = parse(render_junit(sample_report()))
    failure = cases(root)[0].find("failure")
    assert failure is not None
    assert failure.get("message") == "Anonymous requests are accepted"
    assert failure.get("type") == "critical"
    assert (failure.text or "").split("\n") == [
        "Rule: KW-AUTHN-001 API server accepts anonymous requests",
        "Severity: critical",
        "Objective: authentication",
        "Resource: kube-apiserver/cp-1",
        "Where: nodes/cp-1/etc/kubernetes/manifests/kube-apiserver.yaml:23",
        "Evidence: kube-apiserver --anonymous-auth=true (flag)",
        "Message: Anonymous requests are accepted",
        "Remediation: Set --anonymous-auth=false on every kube-apiserver. Keep health probes on /livez.",
        "CIS: 1.2.1",
        f"Fingerprint: {sample_report().findings[0].fingerprint}",
    ]


def test_suppressed_and_not_assessable_are_skipped_with_reasons() -> None:
    root = parse(render_junit(sample_report()))
    skipped = {c.get("classname"): c.find("skipped") for c in cases(root) if c.find("skipped") is not None}
    argo = skipped["prod-eu._cluster.ClusterRoleBinding.argo-admin"]
    assert argo is not None
    assert argo.get("message") == (
        "suppressed by annotation: Argo CD manages the cluster (SEC-42) "
        "(ClusterRoleBinding/argo-admin annotation ignore-check.kubeward.dev/KW-RBAC-001)"
    )
    node2 = skipped["prod-eu._cluster.kubelet.node-2"]
    assert node2 is not None
    assert node2.get("message") == (
        "not assessable: the kubelet reads --config=/var/lib/kubelet/config.yaml, which is not among the inputs"
    )


def test_passes_only_when_asked() -> None:
    report = sample_report()
    default_names = [c.get("name") for c in cases(parse(render_junit(report)))]
    assert "[HIGH][KW-AUTHN-002] Static token file configured" not in default_names
    root = parse(render_junit(report, include_passed=True))
    passed = [c for c in cases(root) if c.get("name") == "[HIGH][KW-AUTHN-002] Static token file configured"]
    assert len(passed) == 1
    assert list(passed[0]) == []
    not_applicable = [c for c in cases(root) if "KW-NET-001" in (c.get("name") or "")]
    skipped = not_applicable[0].find("skipped")
    assert skipped is not None
    assert skipped.get("message") == "not applicable: The provider manages the endpoint's exposure"
    assert root.get("tests") == "10"


def test_same_rule_twice_on_one_object_gets_unique_names() -> None:
    resource = Resource(kind="kubelet", name="node-1", provenance=api_at("/api/v1/nodes/node-1/proxy/configz"))
    findings = [
        make_finding("KW-KUBELET-001", "fail", resource, "anon", Evidence(setting="kubelet a")),
        make_finding("KW-KUBELET-001", "fail", resource, "anon", Evidence(setting="kubelet b")),
        make_finding("KW-KUBELET-001", "fail", resource, "anon", Evidence(setting="kubelet b", detail="again")),
    ]
    root = parse(render_junit(build_report(findings, list(RULES.values()), sample_scan())))
    assert [c.get("name") for c in cases(root)] == [
        "[CRITICAL][KW-KUBELET-001] Kubelet allows anonymous requests",
        "[CRITICAL][KW-KUBELET-001] Kubelet allows anonymous requests (kubelet b)",
        "[CRITICAL][KW-KUBELET-001] Kubelet allows anonymous requests (kubelet b) #2",
    ]


def test_xml_invalid_characters_are_dropped() -> None:
    finding = make_finding(
        "KW-RBAC-001", "fail", Resource(kind="Role", name="bad\x00name\x1b"), 'msg\x07 with <tags> & "quotes"'
    )
    root = parse(render_junit(build_report([finding], list(RULES.values()), sample_scan())))
    case = cases(root)[0]
    assert case.get("classname") == "prod-eu._cluster.Role.badname"
    failure = case.find("failure")
    assert failure is not None
    assert failure.get("message") == 'msg with <tags> & "quotes"'


text = st.text(alphabet=st.characters(codec="utf-8"), max_size=12)
severities = st.sampled_from(list(Severity))
objectives = st.sampled_from(list(Objective))
statuses: st.SearchStrategy[Status] = st.sampled_from(
    ["pass", "fail", "not_assessable", "not_applicable", "suppressed"]
)


@st.composite
def findings(draw: st.DrawFn) -> Finding:
    rule_id = draw(st.sampled_from(["KW-RBAC-001", "KW-RBAC-002", "KW-AUTHN-001", "KW-X-123"]))
    provenance = draw(st.none() | st.builds(file_at, text, st.none() | st.integers(1, 50)) | st.builds(api_at, text))
    resource = Resource(kind=draw(text), name=draw(text), namespace=draw(text), provenance=provenance)
    evidence = Evidence(setting=draw(text), value=draw(text))
    return Finding(
        rule_id=rule_id,
        title=draw(text),
        objective=draw(objectives),
        severity=draw(severities),
        status=draw(statuses),
        resource=resource,
        message=draw(text),
        evidence=evidence,
        remediation=draw(text),
        fingerprint=fingerprint(rule_id, resource, evidence),
    )


@settings(max_examples=150, deadline=None)
@given(items=st.lists(findings(), max_size=25), include_passed=st.booleans())
def test_classname_and_name_unique_for_arbitrary_findings(items: list[Finding], include_passed: bool) -> None:
    """GitLab keys cases by classname+name and drops duplicates: every finding must survive."""
    rules = [
        RuleMeta(
            id=i, title="t", objective=Objective.AUTHORIZATION, severity=Severity.LOW, rationale="r", remediation="x"
        )
        for i in ("KW-RBAC-001", "KW-RBAC-002", "KW-AUTHN-001", "KW-X-123")
    ]
    report = build_report(items, rules, sample_scan())
    root = parse(render_junit(report, include_passed=include_passed))
    keys = [(c.get("classname"), c.get("name")) for c in cases(root)]
    assert all(classname and name for classname, name in keys)
    assert len(keys) == len(set(keys))
    shown = [f for f in items if include_passed or f.status in ("fail", "suppressed", "not_assessable")]
    assert len(keys) == len(shown)
    assert root.get("failures") == str(sum(1 for f in items if f.status == "fail"))


def test_rollout_plan_suite_lists_steps_commands_and_findings() -> None:
    report = sample_report()
    root = parse(render_junit(report))
    plan = root.find("./testsuite[@name='kubeward.rollout-plan']")
    assert plan is not None and plan.findall("testcase") == []
    properties = {p.get("name"): p.get("value") for p in plan.findall("./properties/property")}
    assert properties["step.1"] == "Close public or broad API exposure (KW-AUTHN-001)"
    command = "kubeward harden apiserver nodes/cp-1/etc/kubernetes/manifests/kube-apiserver.yaml"
    assert properties["step.1.fix.1"] == command
    out = plan.findtext("system-out") or ""
    assert "   * KW-AUTHN-001 kube-apiserver/cp-1" in out
