import datetime
from pathlib import Path

import pytest

from kubeward.findings import Evidence, Suppression
from kubeward.inventory.model import InputIssue
from kubeward.inventory.provenance import Provenance, file_at
from kubeward.suppress import (
    IgnoreFile,
    IgnoreFileError,
    apply_suppressions,
    find_ignore_file,
    load_ignore_file,
    parse_ignore_file,
)
from kubeward.suppress.ignorefile import IgnoreEntry

from .factories import finding

TODAY = datetime.date(2025, 3, 1)

FULL = """\
# exceptions reviewed by the platform team
ignore:
  - id: KW-RBAC-001
    match:
      namespace: ""
      kind: ClusterRoleBinding
      name: "argo-*"
    statement: Argo CD needs cluster-admin (SEC-42)
    expired_at: 2025-06-30
  - id: KW-KUBELET-002
    paths: ["./nodes/*/kubelet/config.yaml"]
    statement: "read-only port is firewalled"
"""


def parse(text: str) -> IgnoreFile:
    return parse_ignore_file(text, source=".kubewardignore.yaml")


def test_parse_full_file() -> None:
    parsed = parse(FULL)
    assert parsed == IgnoreFile(
        path=".kubewardignore.yaml",
        entries=(
            IgnoreEntry(
                index=0,
                line=3,
                id="KW-RBAC-001",
                statement="Argo CD needs cluster-admin (SEC-42)",
                namespace="",
                kind="ClusterRoleBinding",
                name="argo-*",
                expired_at=datetime.date(2025, 6, 30),
            ),
            IgnoreEntry(
                index=1,
                line=10,
                id="KW-KUBELET-002",
                statement="read-only port is firewalled",
                paths=("nodes/*/kubelet/config.yaml",),
            ),
        ),
    )


def test_empty_file_and_empty_list_have_no_entries() -> None:
    assert parse("").entries == ()
    assert parse("# nothing yet\n").entries == ()
    assert parse("ignore:\n").entries == ()
    assert parse("ignore: []\n").entries == ()


def test_match_globs_on_namespace_kind_and_name() -> None:
    ignore_file = parse(FULL)
    outcome = apply_suppressions(
        [
            finding(name="argo-admin"),
            finding(name="argo-server"),
            finding(name="ci-admin"),
            finding(name="argo-admin", kind="RoleBinding"),
            finding(name="argo-admin", namespace="argocd"),
            finding("KW-RBAC-002", name="argo-admin"),
        ],
        ignore_file=ignore_file,
        baseline=None,
        honor_annotations=True,
        today=TODAY,
    )
    assert [f.status for f in outcome.findings] == ["suppressed", "suppressed", "fail", "fail", "fail", "fail"]
    assert outcome.findings[0].suppression == Suppression(
        kind="ignore-file",
        reason="Argo CD needs cluster-admin (SEC-42)",
        source=".kubewardignore.yaml:3 ignore[0]",
        expires="2025-06-30",
    )
    assert outcome.warnings == ()


def test_globs_are_case_sensitive() -> None:
    ignore_file = parse("ignore:\n  - id: KW-RBAC-001\n    match: {name: Argo-*}\n    statement: x\n")
    outcome = apply_suppressions(
        [finding(name="argo-admin")], ignore_file=ignore_file, baseline=None, honor_annotations=True, today=TODAY
    )
    assert outcome.findings[0].status == "fail"


def test_paths_match_resource_or_evidence_provenance() -> None:
    ignore_file = parse(FULL)
    on_resource = finding(
        "KW-KUBELET-002", kind="kubelet", name="node-1", provenance=file_at("nodes/node-1/kubelet/config.yaml", 1)
    )
    on_evidence = finding(
        "KW-KUBELET-002",
        kind="kubelet",
        name="node-2",
        evidence=Evidence(
            setting="kubelet readOnlyPort",
            value=10255,
            source="config-file",
            provenance=Provenance(kind="file", source="./nodes/node-2/kubelet/config.yaml", line=7),
        ),
    )
    elsewhere = finding(
        "KW-KUBELET-002", kind="kubelet", name="node-3", provenance=file_at("other/node-3/kubelet/config.yaml", 1)
    )
    outcome = apply_suppressions(
        [on_resource, on_evidence, elsewhere],
        ignore_file=ignore_file,
        baseline=None,
        honor_annotations=True,
        today=TODAY,
    )
    assert [f.status for f in outcome.findings] == ["suppressed", "suppressed", "fail"]


def test_entry_with_only_an_id_suppresses_the_rule_everywhere() -> None:
    ignore_file = parse("ignore:\n  - id: KW-RBAC-001\n    statement: accepted org-wide\n")
    outcome = apply_suppressions(
        [finding(name="a"), finding(name="b", namespace="x"), finding("KW-RBAC-002")],
        ignore_file=ignore_file,
        baseline=None,
        honor_annotations=True,
        today=TODAY,
    )
    assert [f.status for f in outcome.findings] == ["suppressed", "suppressed", "fail"]


@pytest.mark.parametrize(
    ("today", "suppressed"),
    [
        (datetime.date(2025, 6, 29), True),
        (datetime.date(2025, 6, 30), False),
        (datetime.date(2026, 1, 1), False),
    ],
)
def test_expiry(today: datetime.date, suppressed: bool) -> None:
    outcome = apply_suppressions(
        [finding(name="argo-admin")], ignore_file=parse(FULL), baseline=None, honor_annotations=True, today=today
    )
    assert (outcome.findings[0].status == "suppressed") is suppressed
    if suppressed:
        assert outcome.warnings == ()
    else:
        assert outcome.warnings == (
            InputIssue(
                input=".kubewardignore.yaml",
                line=3,
                level="warning",
                message=(
                    "ignore[0] (KW-RBAC-001) expired on 2025-06-30 and no longer suppresses "
                    "(1 matching finding); renew it with a new statement or remove it"
                ),
            ),
        )


def test_expired_entry_warns_even_without_matches() -> None:
    outcome = apply_suppressions(
        [], ignore_file=parse(FULL), baseline=None, honor_annotations=True, today=datetime.date(2025, 7, 1)
    )
    assert [w.message.split(" and ")[0] for w in outcome.warnings] == ["ignore[0] (KW-RBAC-001) expired on 2025-06-30"]
    assert "(0 matching findings)" in outcome.warnings[0].message


def test_first_matching_entry_is_recorded() -> None:
    ignore_file = parse(
        "ignore:\n"
        "  - id: KW-RBAC-001\n    match: {name: ci-*}\n    statement: first\n"
        "  - id: KW-RBAC-001\n    statement: second\n"
    )
    outcome = apply_suppressions(
        [finding(name="ci-admin")], ignore_file=ignore_file, baseline=None, honor_annotations=True, today=TODAY
    )
    assert outcome.findings[0].suppression is not None
    assert outcome.findings[0].suppression.reason == "first"


def test_string_dates_are_accepted() -> None:
    parsed = parse('ignore:\n  - id: KW-RBAC-001\n    statement: s\n    expired_at: "2025-01-02"\n')
    assert parsed.entries[0].expired_at == datetime.date(2025, 1, 2)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "- id: KW-RBAC-001\n  statement: x\n",
            ".kubewardignore.yaml:1: expected a mapping with an 'ignore' list; "
            "put the entries under a top-level 'ignore:' key",
        ),
        ("just text\n", ".kubewardignore.yaml:1: expected a mapping with an 'ignore' list"),
        (
            "ignore: []\nversion: 2\n",
            ".kubewardignore.yaml:2: unknown top-level key 'version' (only 'ignore' is allowed)",
        ),
        ("ignore:\n  id: KW-RBAC-001\n", ".kubewardignore.yaml:1: 'ignore' must be a list"),
        (
            "ignore:\n  - statement: why\n",
            ".kubewardignore.yaml:2: ignore[0]: 'id' is required (a rule id such as KW-RBAC-001)",
        ),
        (
            "ignore:\n  - id: KW-RBAC-001\n    statement: ok\n  - id: KW-RBAC-002\n",
            ".kubewardignore.yaml:4: ignore[1]: 'statement' is required: say why this finding is accepted",
        ),
        (
            "ignore:\n  - id: KW-RBAC-001\n    statement: '  '\n",
            ".kubewardignore.yaml:3: ignore[0]: 'statement' is required: say why this finding is accepted",
        ),
        (
            "ignore:\n  - id: RBAC-1\n    statement: s\n",
            ".kubewardignore.yaml:2: ignore[0]: 'id' 'RBAC-1' is not a rule id of the form KW-<AREA>-NNN",
        ),
        (
            "ignore:\n  - id: KW-RBAC-001\n    statement: s\n    reason: r\n",
            ".kubewardignore.yaml:4: ignore[0]: unknown key 'reason' "
            "(allowed: expired_at, id, match, paths, statement)",
        ),
        (
            "ignore:\n  - id: KW-RBAC-001\n    statement: s\n    expired_at: next week\n",
            ".kubewardignore.yaml:4: ignore[0]: 'expired_at' 'next week' is not a date of the form YYYY-MM-DD",
        ),
        (
            "ignore:\n  - id: KW-RBAC-001\n    statement: s\n    match: argo\n",
            ".kubewardignore.yaml:4: ignore[0]: 'match' must be a mapping of namespace, kind and name globs",
        ),
        (
            "ignore:\n  - id: KW-RBAC-001\n    statement: s\n    match:\n      labels: {a: b}\n",
            ".kubewardignore.yaml:5: ignore[0]: 'match' has unknown key 'labels' (allowed: namespace, kind, name)",
        ),
        (
            "ignore:\n  - id: KW-RBAC-001\n    statement: s\n    match:\n      name: 3\n",
            ".kubewardignore.yaml:5: ignore[0]: 'match.name' must be a string glob",
        ),
        (
            "ignore:\n  - id: KW-RBAC-001\n    statement: s\n    paths: a/*.yaml\n",
            ".kubewardignore.yaml:4: ignore[0]: 'paths' must be a list of non-empty glob strings",
        ),
        (
            "ignore:\n  - KW-RBAC-001\n",
            ".kubewardignore.yaml:2: ignore[0]: each entry must be a mapping with 'id' and 'statement'",
        ),
        ("ignore: [\n", ".kubewardignore.yaml:2: invalid YAML: did not find expected node content"),
        ("ignore: []\n---\nignore: []\n", ".kubewardignore.yaml:2: an ignore file holds one YAML document"),
    ],
)
def test_invalid_files_name_file_entry_and_line(text: str, message: str) -> None:
    with pytest.raises(IgnoreFileError) as caught:
        parse(text)
    assert str(caught.value) == message


def test_load_from_disk_and_default_lookup(tmp_path: Path) -> None:
    assert find_ignore_file(tmp_path) is None
    path = tmp_path / ".kubewardignore.yaml"
    path.write_text(FULL, encoding="utf-8")
    assert find_ignore_file(tmp_path) == path
    loaded = load_ignore_file(path)
    assert loaded.path == str(path)
    assert [e.id for e in loaded.entries] == ["KW-RBAC-001", "KW-KUBELET-002"]


def test_unreadable_file_is_a_clear_error(tmp_path: Path) -> None:
    missing = tmp_path / "nope.yaml"
    with pytest.raises(IgnoreFileError) as caught:
        load_ignore_file(missing)
    assert str(caught.value) == f"{missing}: cannot read ignore file: No such file or directory"
