import json

import pytest

from kubeward.findings import Evidence, Resource
from kubeward.report.build import build_report
from kubeward.report.model import OUTPUT_FORMATS, OutputFormat
from kubeward.report.render import render_report

from .factories import RULES, make_finding, sample_report, sample_scan


@pytest.mark.parametrize("fmt", OUTPUT_FORMATS)
def test_every_format_renders(fmt: OutputFormat) -> None:
    text = render_report(sample_report(), fmt)
    assert text.endswith("\n")
    assert "KW-AUTHN-001" in text


def test_unknown_format_is_an_error() -> None:
    with pytest.raises(ValueError, match="unknown output format 'yaml'"):
        render_report(sample_report(), "yaml")  # type: ignore[arg-type]


@pytest.mark.parametrize("fmt", ["table", "sarif", "junit", "markdown"])
def test_text_formats_never_dump_evidence_objects(fmt: OutputFormat) -> None:
    finding = make_finding(
        "KW-RBAC-001",
        "fail",
        Resource(kind="ClusterRoleBinding", name="x"),
        "bound",
        Evidence(setting="subjects", value={"token": "s3cr3t-value"}, source="api-object"),
    )
    report = build_report([finding], list(RULES.values()), sample_scan(incomplete=False))
    text = render_report(report, fmt, include_passed=True, show_suppressed=True)
    assert "s3cr3t-value" not in text
    assert "subjects=(1 fields)" in text


def test_json_keeps_evidence_value_as_given() -> None:
    finding = make_finding(
        "KW-RBAC-001",
        "fail",
        Resource(kind="ClusterRoleBinding", name="x"),
        "bound",
        Evidence(setting="verbs", value=["get", "list"], source="api-object"),
    )
    report = build_report([finding], list(RULES.values()), sample_scan(incomplete=False))
    document = json.loads(render_report(report, "json"))
    assert document["findings"][0]["evidence"]["value"] == ["get", "list"]
