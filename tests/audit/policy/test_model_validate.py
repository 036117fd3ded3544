"""Decoding errors name the input and line; validation reproduces the API server's and adds unknown fields."""

import pytest

from kubeward.audit.policy.model import PolicyError, parse_policy
from kubeward.audit.policy.validate import validate


def test_type_error_names_file_and_line() -> None:
    with pytest.raises(PolicyError, match=r"^p\.yaml:5: .*\$\.rules\[0\]\.verbs"):
        parse_policy(b"apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Metadata\n  verbs: get\n", "p.yaml")


def test_syntax_error_names_line() -> None:
    with pytest.raises(PolicyError, match=r"^p\.yaml:4: invalid YAML: did not find expected key"):
        parse_policy(b"kind: Policy\nrules:\n  - a\n b: c\nx: 1\n", "p.yaml")


def test_json_policy_is_read() -> None:
    doc = parse_policy(b'{"apiVersion":"audit.k8s.io/v1","kind":"Policy","rules":[{"level":"Metadata"}]}', "p.json")
    assert doc.policy.rules[0].level == "Metadata"
    assert validate(doc) == []


def test_validation_problems_with_lines() -> None:
    text = b"""\
apiVersion: audit.k8s.io/v1beta1
kind: Policy
omitStages: [ResponseBegun]
rules:
- level: Verbose
  nonResourceURLs: ["healthz", "/a*b"]
  namespaces: [x]
- level: None
  resources:
  - group: apps/v1
    resourceNames: [x]
  - group: ""
    resource: [pods]
"""
    doc = parse_policy(text, "p.yaml")
    assert [(p.line, p.message.split(":")[0].split(" (")[0]) for p in validate(doc)] == [
        (1, "expected apiVersion audit.k8s.io/v1, kind Policy; found audit.k8s.io/v1beta1, Policy"),
        (3, "stage 'ResponseBegun' is not one of RequestReceived, ResponseStarted, ResponseComplete, Panic"),
        (5, "level 'Verbose' is not one of None, Metadata, Request, RequestResponse"),
        (5, "a rule cannot combine nonResourceURLs with resources or namespaces"),
        (6, "nonResourceURL 'healthz' must start with '/'"),
        (6, "nonResourceURL '/a*b' may hold '*' only as its last character"),
        (10, "group 'apps/v1' is not a DNS subdomain"),
        (11, "resourceNames require resources"),
        (13, "unknown field 'resource'"),
    ]


def test_empty_rules_is_invalid() -> None:
    doc = parse_policy(b"apiVersion: audit.k8s.io/v1\nkind: Policy\nrules: []\n", "p.yaml")
    assert [p.message for p in validate(doc)] == ["a policy must have at least one rule"]
