import io

from rich.console import Console

from kubeward.findings import Evidence, Resource
from kubeward.report.build import build_report
from kubeward.report.table import print_table, render_table

from .factories import RULES, make_finding, sample_report, sample_scan


def lines_of(text: str) -> list[str]:
    return text.split("\n")


def test_header_names_target_version_platform_and_vantage() -> None:
    lines = lines_of(render_table(sample_report(), width=160))
    assert lines[:4] == [
        "kubeward 0.1.0: target prod-eu (live) at https://10.0.0.1:6443",
        "Kubernetes v1.30.2, platform self-managed, vantage live API as context prod-eu-admin",
        "scanned 2025-03-01T10:00:00Z to 2025-03-01T10:00:07Z",
        "INCOMPLETE: some inputs could not be collected (see 'Not collected'); checks that needed them are "
        "not assessable, never passed.",
    ]


def test_objectives_appear_in_order_with_counts() -> None:
    text = render_table(sample_report(), width=160)
    positions = [
        text.index(f"\n{name} ─")
        for name in (
            "authentication",
            "authorization",
            "network-exposure",
            "kubelet",
            "auditability",
            "credential-hygiene",
            "admission-control",
            "api-availability",
        )
    ]
    assert positions == sorted(positions)
    lines = lines_of(text)
    assert "1 failed (1 critical), 1 passed, 0 not assessable, 0 not applicable, 0 suppressed" in lines
    assert "2 failed (1 high, 1 medium), 0 passed, 0 not assessable, 0 not applicable, 1 suppressed" in lines
    assert "0 failed, 0 passed, 0 not assessable, 1 not applicable, 0 suppressed" in lines
    after_hygiene = lines[lines.index("credential-hygiene " + "─" * (160 - len("credential-hygiene "))) + 1]
    assert after_hygiene == "no results"


def test_failing_rows_show_severity_rule_resource_message_where_and_evidence() -> None:
    lines = lines_of(render_table(sample_report(), width=160))
    row = lines.index("CRITICAL   KW-AUTHN-001   kube-apiserver/cp-1   Anonymous requests are accepted")
    assert lines[row + 1].strip() == "where: nodes/cp-1/etc/kubernetes/manifests/kube-apiserver.yaml:23"
    assert lines[row + 2].strip() == "evidence: kube-apiserver --anonymous-auth=true (flag)"
    api_row = lines.index(
        "HIGH       KW-RBAC-001   ClusterRoleBinding/ci-admin   ServiceAccount ci/deployer is bound to cluster-admin"
    )
    assert lines[api_row + 1].strip() == "where: /apis/rbac.authorization.k8s.io/v1/clusterrolebindings/ci-admin"
    default_row = lines.index("CRITICAL   KW-KUBELET-001   kubelet/node-1   Anonymous requests reach the kubelet API")
    # The value came from a default: the kubelet's own config file is where the fix goes.
    assert lines[default_row + 1].strip() == "where: nodes/node-1/var/lib/kubelet/config.yaml:1"
    assert lines[default_row + 2].strip() == "evidence: kubelet authentication.anonymous.enabled=true (default)"


def test_not_assessable_listed_with_reason_never_as_pass() -> None:
    lines = lines_of(render_table(sample_report(), width=160))
    index = lines.index("Not assessable (not a pass):")
    assert lines[index + 1] == (
        "  KW-KUBELET-002 kubelet/node-2: the kubelet reads --config=/var/lib/kubelet/config.yaml, "
        "which is not among the inputs"
    )
    kubelet_counts = "1 failed (1 critical), 0 passed, 1 not assessable, 0 not applicable, 0 suppressed"
    assert kubelet_counts in lines


def test_suppressed_hidden_by_default_and_shown_on_request() -> None:
    report = sample_report()
    assert "argo-admin" not in render_table(report, width=160)
    shown = lines_of(render_table(report, width=200, show_suppressed=True))
    index = shown.index("Suppressed:")
    assert shown[index + 1] == (
        "  HIGH KW-RBAC-001 ClusterRoleBinding/argo-admin: annotation: Argo CD manages the cluster (SEC-42) "
        "(ClusterRoleBinding/argo-admin annotation ignore-check.kubeward.dev/KW-RBAC-001)"
    )


def test_rollout_plan_then_not_collected_then_totals() -> None:
    lines = lines_of(render_table(sample_report(), width=160))
    start = lines.index("Rollout plan " + "─" * (160 - len("Rollout plan ")))
    assert lines[start + 1 : start + 7] == [
        "1. Close public or broad API exposure: 1 finding (KW-AUTHN-001)",
        "   - --anonymous-auth=false",
        "   $ kubeward harden apiserver nodes/cp-1/etc/kubernetes/manifests/kube-apiserver.yaml  # KW-AUTHN-001",
        "   * KW-AUTHN-001 kube-apiserver/cp-1",
        "2. Reduce cluster-admin sprawl and risky RBAC: 2 findings (KW-RBAC-001, KW-RBAC-002)",
        "   - Bind a narrower role, e.g. a namespaced admin.",
    ]
    gaps = lines.index("Not collected " + "─" * (160 - len("Not collected ")))
    assert gaps > start
    assert lines[gaps + 1 : gaps + 3] == [
        '  secrets: forbidden - secrets is forbidden: User "scanner" cannot list resource "secrets"',
        "  error: nodes/cp-1/etc/kubernetes/manifests/etcd.yaml:4: invalid YAML",
    ]
    assert lines[-2:] == ["6 failed, 1 suppressed, 1 not assessable, 1 passed, 1 not applicable.", ""]


def test_fixed_width_without_tty_or_ansi() -> None:
    for width in (60, 80, 120):
        text = render_table(sample_report(), width=width)
        assert "\x1b[" not in text
        assert max(len(line) for line in text.split("\n")) <= width
        assert all(line == line.rstrip() for line in text.split("\n"))


def test_color_output_keeps_ansi_styles() -> None:
    assert "\x1b[" in render_table(sample_report(), width=120, color=True)


def test_ascii_only_uses_no_box_drawing_characters() -> None:
    text = render_table(sample_report(), width=100, ascii_only=True)
    assert text.isascii()
    assert "authentication ---" in text


def test_markup_in_finding_text_is_printed_verbatim() -> None:
    finding = make_finding(
        "KW-RBAC-001",
        "fail",
        Resource(kind="ClusterRoleBinding", name="[bold]x[/bold]"),
        "bound [red]via[/red] group system:masters",
        Evidence(setting="roleRef", value="[link=http://e]cluster-admin", source="api-object"),
    )
    report = build_report([finding], [RULES["KW-RBAC-001"]], sample_scan(incomplete=False))
    text = render_table(report, width=200)
    assert "ClusterRoleBinding/[bold]x[/bold]" in text
    assert "bound [red]via[/red] group system:masters" in text
    assert "evidence: roleRef=[link=http://e]cluster-admin (api-object)" in text
    assert "INCOMPLETE" not in text
    assert "Not collected" not in text


def test_evidence_objects_are_never_dumped() -> None:
    finding = make_finding(
        "KW-RBAC-001",
        "fail",
        Resource(kind="ClusterRoleBinding", name="x"),
        "bound",
        Evidence(setting="subjects", value={"token": "should-not-print"}, source="api-object"),
    )
    report = build_report([finding], [RULES["KW-RBAC-001"]], sample_scan(incomplete=False))
    text = render_table(report, width=200)
    assert "should-not-print" not in text
    assert "evidence: subjects=(1 fields) (api-object)" in text


def test_print_table_uses_the_callers_console() -> None:
    buffer = io.StringIO()
    console = Console(file=buffer, width=100, force_terminal=False, color_system=None)
    print_table(sample_report(), console)
    assert "Rollout plan" in buffer.getvalue()
