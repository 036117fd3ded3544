from kubeward.findings import Evidence, Resource
from kubeward.report.build import build_report
from kubeward.report.markdown import cell, code, escape, render_markdown

from .factories import RULES, make_finding, sample_findings, sample_report, sample_scan


def test_header_and_incomplete_warning() -> None:
    lines = render_markdown(sample_report()).split("\n")
    assert lines[0] == "# kubeward report: prod-eu"
    assert lines[2] == (
        "**Target:** prod-eu (live) · **Kubernetes:** v1.30.2 · **Platform:** self-managed · "
        "**Vantage:** live API as context prod-eu-admin · "
        "**Scanned:** 2025-03-01T10:00:00Z to 2025-03-01T10:00:07Z"
    )
    assert "> [!WARNING]" in lines


def test_summary_table_per_objective() -> None:
    lines = render_markdown(sample_report()).split("\n")
    start = lines.index("## Summary")
    assert lines[start + 2 : start + 6] == [
        "| Objective | Critical | High | Medium | Low | Info | Passed | Not assessable | Not applicable | Suppressed |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        "| authentication | 1 | 0 | 0 | 0 | 0 | 1 | 0 | 0 | 0 |",
        "| authorization | 0 | 1 | 1 | 0 | 0 | 0 | 0 | 0 | 1 |",
    ]
    assert "6 failed, 1 suppressed, 1 not assessable, 1 passed." in lines


def test_failures_grouped_by_objective_with_evidence_and_remediation() -> None:
    text = render_markdown(sample_report())
    assert text.index("### authentication") < text.index("### authorization") < text.index("### kubelet")
    assert "### network-exposure" not in text  # no failures there
    block = text[text.index("#### CRITICAL KW-AUTHN-001") :].split("\n")[:10]
    assert block == [
        "#### CRITICAL KW-AUTHN-001: API server accepts anonymous requests",
        "",
        "- **Resource:** `kube-apiserver/cp-1`",
        "- **Where:** `nodes/cp-1/etc/kubernetes/manifests/kube-apiserver.yaml:23`",
        "- **Evidence:** `kube-apiserver --anonymous-auth=true (flag)`",
        "- **Finding:** Anonymous requests are accepted",
        "- **CIS:** 1.2.1",
        "",
        "**Remediation:** Set --anonymous-auth=false on every kube-apiserver. Keep health probes on /livez.",
        "",
    ]


def test_pipes_are_escaped() -> None:
    text = render_markdown(sample_report())
    assert "- **Finding:** Role grants get\\|list on secrets" in text
    assert "get|list" not in text


def test_not_assessable_plan_and_not_collected_sections() -> None:
    lines = render_markdown(sample_report()).split("\n")
    assert lines[lines.index("## Not assessable") + 4] == (
        "- KW-KUBELET-002 on `kubelet/node-2` (kubelet): the kubelet reads --config=/var/lib/kubelet/config.yaml, "
        "which is not among the inputs"
    )
    plan = lines.index("## Rollout plan")
    assert lines[plan + 2 : plan + 4] == [
        "1. **Close public or broad API exposure**: 1 finding (KW-AUTHN-001)",
        "   - --anonymous-auth=false",
    ]
    gaps = lines.index("## Not collected")
    assert lines[gaps + 2 : gaps + 7] == [
        "| Part | Status | Reason |",
        "|---|---|---|",
        '| secrets | forbidden | secrets is forbidden: User "scanner" cannot list resource "secrets" |',
        "",
        "- error: nodes/cp-1/etc/kubernetes/manifests/etcd.yaml:4: invalid YAML",
    ]


def test_suppressed_section_only_on_request() -> None:
    report = sample_report()
    assert "## Suppressed" not in render_markdown(report)
    shown = render_markdown(report, show_suppressed=True)
    assert (
        "- HIGH KW-RBAC-001 on `ClusterRoleBinding/argo-admin`: annotation: Argo CD manages the cluster (SEC-42) "
        "(ClusterRoleBinding/argo-admin annotation ignore-check.kubeward.dev/KW-RBAC-001)"
    ) in shown


def test_complete_scan_without_failures() -> None:
    passes = [f for f in sample_findings() if f.status == "pass"]
    report = build_report(passes, list(RULES.values()), sample_scan(incomplete=False))
    text = render_markdown(report)
    assert "No failures." in text
    assert "Nothing to roll out." in text
    assert "[!WARNING]" not in text
    assert "## Not collected" not in text


def test_hostile_text_cannot_break_out() -> None:
    finding = make_finding(
        "KW-RBAC-001",
        "fail",
        Resource(kind="ClusterRoleBinding", name="a`b|c"),
        "<img src=x onerror=alert(1)> **bold** [link](http://x)\n# heading",
        Evidence(setting="roleRef", value="x|y", source="api-object"),
    )
    text = render_markdown(build_report([finding], list(RULES.values()), sample_scan(incomplete=False)))
    assert "- **Finding:** \\<img src=x onerror=alert(1)\\> \\*\\*bold\\*\\* \\[link\\](http://x) # heading" in text
    assert "- **Resource:** ``ClusterRoleBinding/a`b|c``" in text
    assert text.count("<img") == text.count("\\<img") == 1


def test_escape_helpers() -> None:
    assert escape("a|b_c*d") == "a\\|b\\_c\\*d"
    assert escape("line1\nline2") == "line1 line2"
    assert code("plain") == "`plain`"
    assert code("a`b") == "``a`b``"
    assert code("`edge`") == "`` `edge` ``"
    assert cell(code("x|y")) == "`x\\|y`"
