from kubeward.checks.rule import OBJECTIVE_ORDER, Objective, RuleMeta, Severity
from kubeward.findings import Evidence, Resource
from kubeward.report.build import build_report
from kubeward.report.common import first_sentence

from .factories import RULES, make_finding, sample_findings, sample_report, sample_scan


def test_findings_sorted_by_objective_then_severity_then_rule_then_resource() -> None:
    report = sample_report()
    order = [(f.objective.value, f.severity.value, f.rule_id, f.resource.key()) for f in report.findings]
    assert order == [
        ("authentication", "critical", "KW-AUTHN-001", "kube-apiserver/cp-1"),
        ("authentication", "high", "KW-AUTHN-002", "kube-apiserver/cp-1"),
        ("authorization", "high", "KW-RBAC-001", "ClusterRoleBinding/argo-admin"),
        ("authorization", "high", "KW-RBAC-001", "ClusterRoleBinding/ci-admin"),
        ("authorization", "medium", "KW-RBAC-002", "Role/team-a/secret-reader"),
        ("network-exposure", "high", "KW-NET-001", "Cluster/prod-eu"),
        ("kubelet", "critical", "KW-KUBELET-001", "kubelet/node-1"),
        ("kubelet", "medium", "KW-KUBELET-002", "kubelet/node-2"),
        ("auditability", "high", "KW-AUDIT-001", "kube-apiserver/cp-1"),
        ("api-availability", "info", "KW-APF-001", "Cluster/prod-eu"),
    ]


def test_order_does_not_depend_on_input_order() -> None:
    findings = sample_findings()
    forward = build_report(findings, list(RULES.values()), sample_scan())
    backward = build_report(list(reversed(findings)), list(reversed(RULES.values())), sample_scan())
    assert forward == backward


def test_summary_has_every_objective_severity_and_status() -> None:
    report = sample_report()
    assert [s.objective for s in report.summary] == list(OBJECTIVE_ORDER)
    by_objective = {s.objective: s for s in report.summary}
    authz = by_objective[Objective.AUTHORIZATION]
    assert authz.failed_by_severity == {"critical": 0, "high": 1, "medium": 1, "low": 0, "info": 0}
    assert list(authz.failed_by_severity) == ["critical", "high", "medium", "low", "info"]
    assert authz.by_status == {"pass": 0, "fail": 2, "not_assessable": 0, "not_applicable": 0, "suppressed": 1}
    kubelet = by_objective[Objective.KUBELET]
    assert kubelet.failed_by_severity[Severity.CRITICAL] == 1
    assert kubelet.by_status["not_assessable"] == 1
    assert by_objective[Objective.CREDENTIAL_HYGIENE].by_status == dict.fromkeys(
        ("pass", "fail", "not_assessable", "not_applicable", "suppressed"), 0
    )


def test_plan_lists_unsuppressed_failures_in_step_order_with_fixes() -> None:
    plan = sample_report().plan
    assert [(p.step, p.title, p.rules, p.fixes) for p in plan] == [
        (1, "Close public or broad API exposure", ("KW-AUTHN-001",), ("--anonymous-auth=false",)),
        (
            2,
            "Reduce cluster-admin sprawl and risky RBAC",
            ("KW-RBAC-001", "KW-RBAC-002"),
            ("Bind a narrower role, e.g. a namespaced admin.", "Drop get/list/watch on secrets from the role."),
        ),
        (
            4,
            "Lock down the kubelets",
            ("KW-KUBELET-001",),
            ("Set authentication.anonymous.enabled: false in the kubelet configuration.",),
        ),
        (5, "Turn on and retain audit logging", ("KW-AUDIT-001",), ("Set --audit-policy-file and --audit-log-path.",)),
        (
            8,
            "Protect API availability (in-flight limits, API Priority and Fairness)",
            ("KW-APF-001",),
            ("Create a FlowSchema for CI service accounts.",),
        ),
    ]


def test_plan_references_findings_by_fingerprint_and_skips_suppressed() -> None:
    report = sample_report()
    by_fingerprint = {f.fingerprint: f for f in report.findings}
    step2 = report.plan[1]
    assert [by_fingerprint[fp].resource.key() for fp in step2.findings] == [
        "ClusterRoleBinding/ci-admin",
        "Role/team-a/secret-reader",
    ]
    planned = {fp for step in report.plan for fp in step.findings}
    assert planned == {f.fingerprint for f in report.findings if f.status == "fail"}


def test_fixes_are_deduplicated_across_findings_of_one_rule() -> None:
    findings = [
        make_finding("KW-RBAC-001", "fail", Resource(kind="ClusterRoleBinding", name=name), "bound")
        for name in ("a", "b", "c")
    ]
    report = build_report(findings, [RULES["KW-RBAC-001"]], sample_scan(incomplete=False))
    assert len(report.plan) == 1
    assert report.plan[0].fixes == ("Bind a narrower role, e.g. a namespaced admin.",)
    assert len(report.plan[0].findings) == 3


def test_rules_are_unique_and_sorted_by_id() -> None:
    rules = [RULES["KW-RBAC-001"], RULES["KW-AUTHN-001"], RULES["KW-RBAC-001"]]
    report = build_report([], rules, sample_scan(incomplete=False))
    assert [r.id for r in report.rules] == ["KW-AUTHN-001", "KW-RBAC-001"]
    assert report.plan == ()
    assert report.tool.name == "kubeward"


def test_finding_without_rule_metadata_falls_back_to_its_objective_step() -> None:
    orphan = make_finding("KW-KUBELET-002", "fail", Resource(kind="kubelet", name="n"), "open", Evidence())
    report = build_report([orphan], [], sample_scan(incomplete=False))
    assert [(p.step, p.fixes) for p in report.plan] == [(4, ("Set readOnlyPort: 0.",))]


def test_plan_step_override_on_rule_meta_wins() -> None:
    meta = RuleMeta(
        id="KW-AUTHN-009",
        title="t",
        objective=Objective.AUTHENTICATION,
        severity=Severity.LOW,
        rationale="r",
        remediation="Do it. Then more.",
    )
    assert meta.step.value == 6


def test_first_sentence_respects_abbreviations_and_flags() -> None:
    assert first_sentence("Use a narrower role, e.g. view. Then remove it.") == "Use a narrower role, e.g. view."
    assert first_sentence("Set --flag=a.b on the server.\nRestart it.") == "Set --flag=a.b on the server."
    assert first_sentence("No period at all") == "No period at all"
    assert first_sentence("Really? Yes.") == "Really?"
