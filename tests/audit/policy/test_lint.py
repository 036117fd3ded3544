"""Lint findings on small policies: exact ids, rules and lines."""

from kubeward.audit.policy.lint import lint
from kubeward.audit.policy.model import parse_policy

HEAD = "apiVersion: audit.k8s.io/v1\nkind: Policy\n"


def ids(text: str) -> list[tuple[str, int | None, int | None]]:
    return [(f.id, f.rule, f.line) for f in lint(parse_policy((HEAD + text).encode(), "p.yaml"))]


def test_metadata_everywhere_is_clean_but_noisy() -> None:
    assert ids("rules:\n- level: Metadata\n") == [("AP008", 0, 4)]


def test_global_response_started_omission_loses_401s() -> None:
    assert ids("omitStages: [ResponseStarted]\nrules:\n- level: Metadata\n") == [("AP005", 0, 5), ("AP008", 0, 5)]


def test_secret_bodies_are_leaks_and_say_so() -> None:
    text = "rules:\n- level: RequestResponse\n"
    findings = lint(parse_policy((HEAD + text).encode(), "p.yaml"))
    assert [(f.id, f.rule) for f in findings] == [("AP002", 0), ("AP008", 0)]
    assert "writes Secret values and tokens into the audit log" in findings[0].message


def test_request_level_leaks_secret_writes_and_token_reviews_only() -> None:
    findings = lint(parse_policy((HEAD + "rules:\n- level: Request\n").encode(), "p.yaml"))
    leak = next(f for f in findings if f.id == "AP002")
    assert leak.message.startswith("create secrets in namespace apps by jane;")
    assert "(+5 more)" in leak.message  # 3 write verbs + 1 TokenReview, for 2 callers = 8


def test_missing_coverage_and_catch_all() -> None:
    text = """\
rules:
- level: None
  resources:
  - group: ""
    resources: [secrets]
- level: Metadata
  resources:
  - group: ""
    resources: ["pods/*"]
- level: Request
  verbs: [create]
  resources:
  - group: ""
    resources: [pods]
"""
    assert ids(text) == [
        ("AP001", None, None),  # configmaps, tokens: nothing matches
        ("AP001", 0, 4),  # secrets at None
        ("AP003", None, None),
        ("AP004", None, None),  # nodes/proxy
        ("AP005", 0, 4),  # the unauthenticated secret list hits rule 0 (None)
        ("AP006", None, 3),
        ("AP007", 2, 12),  # pods/* also matches pods
    ]


def test_unknown_field_is_a_high_finding() -> None:
    assert ids("rules:\n- level: Metadata\n  verb: [get]\n")[0] == ("AP000", None, 5)
