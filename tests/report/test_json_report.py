import json

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from kubeward.findings import Evidence, Resource
from kubeward.report.build import build_report
from kubeward.report.json import render_json
from kubeward.report.model import ScanReport
from kubeward.report.schema import SCHEMA_DIALECT, generate_schema, load_schema, render_schema, schema_path
from kubeward.report.schema.__main__ import main as schema_main

from .factories import RULES, make_finding, sample_report, sample_scan


@pytest.fixture(scope="module")
def validator() -> Draft202012Validator:
    schema = load_schema()
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def test_committed_schema_is_what_the_generator_produces_now() -> None:
    committed = schema_path().read_text(encoding="utf-8")
    assert committed == render_schema(), "run: python -m kubeward.report.schema"
    assert load_schema() == json.loads(json.dumps(generate_schema()))


def test_schema_check_command() -> None:
    assert schema_main(["--check"]) == 0


def test_schema_metadata() -> None:
    schema = load_schema()
    assert schema["$schema"] == SCHEMA_DIALECT == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == "urn:kubeward:schema:report:v1"
    assert schema["title"] == "kubeward scan report"
    report_def = schema["$defs"]["ScanReport"]
    assert report_def["properties"]["schema_version"]["pattern"] == r"^1\.[0-9]+$"
    assert "schema_version" in report_def["required"]
    # Descriptions are dedented, so the file is the same whichever Python generated it.
    assert all("\n    " not in d.get("description", "") for d in schema["$defs"].values())


def test_rendered_report_validates(validator: Draft202012Validator) -> None:
    document = json.loads(render_json(sample_report()))
    assert list(validator.iter_errors(document)) == []


def test_schema_rejects_wrong_shapes(validator: Draft202012Validator) -> None:
    document = json.loads(render_json(sample_report()))
    bad_version = {**document, "schema_version": "2.0"}
    assert not validator.is_valid(bad_version)
    bad_severity = json.loads(json.dumps(document))
    bad_severity["findings"][0]["severity"] = "urgent"
    assert not validator.is_valid(bad_severity)
    bad_count_key = json.loads(json.dumps(document))
    bad_count_key["summary"][0]["failed_by_severity"]["urgent"] = 1
    assert not validator.is_valid(bad_count_key)
    missing = {k: v for k, v in document.items() if k != "findings"}
    assert not validator.is_valid(missing)


def test_key_order_follows_the_structs_and_enums_are_values() -> None:
    document = json.loads(render_json(sample_report()))
    assert list(document) == ["schema_version", "tool", "scan", "summary", "findings", "plan", "rules"]
    assert document["schema_version"] == "1.1"
    first = document["findings"][0]
    assert list(first)[:6] == ["rule_id", "title", "objective", "severity", "status", "resource"]
    assert first["objective"] == "authentication"
    assert first["severity"] == "critical"
    assert first["evidence"] == {
        "setting": "kube-apiserver --anonymous-auth",
        "value": True,
        "source": "flag",
        "provenance": {
            "kind": "file",
            "source": "nodes/cp-1/etc/kubernetes/manifests/kube-apiserver.yaml",
            "line": 23,
            "pointer": "/spec/containers/0/command",
        },
    }
    assert document["summary"][0]["failed_by_severity"] == {
        "critical": 1,
        "high": 0,
        "medium": 0,
        "low": 0,
        "info": 0,
    }
    suppressed = next(f for f in document["findings"] if f["status"] == "suppressed")
    assert suppressed["original_status"] == "fail"
    assert suppressed["suppression"]["kind"] == "annotation"


def test_json_round_trips_into_the_model() -> None:
    report = sample_report()
    text = render_json(report)
    assert msgspec.json.decode(text, type=ScanReport) == report
    assert render_json(report) == text
    assert text.endswith("}\n")
    compact = render_json(report, indent=0)
    assert "\n" not in compact.rstrip("\n")


scalar = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=20))
values = st.recursive(
    scalar,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=6,
)


@settings(max_examples=60, deadline=None)
@given(value=values, name=st.text(min_size=1, max_size=30), message=st.text(max_size=60))
def test_any_evidence_value_still_validates(value: object, name: str, message: str) -> None:
    schema = load_schema()
    finding = make_finding(
        "KW-RBAC-001",
        "fail",
        Resource(kind="ClusterRoleBinding", name=name),
        message,
        Evidence(setting="subjects", value=value, source="api-object"),
    )
    report = build_report([finding], list(RULES.values()), sample_scan())
    document = json.loads(render_json(report))
    assert document["findings"][0]["evidence"].get("value") == value  # None is omitted (omit_defaults)
    assert Draft202012Validator(schema).is_valid(document)
