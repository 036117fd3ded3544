import datetime
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kubeward.findings import Evidence, Suppression
from kubeward.inventory.provenance import Provenance, file_at
from kubeward.suppress import BaselineError, apply_suppressions, create_baseline, load_baseline, parse_baseline

from .factories import finding

TODAY = datetime.date(2025, 3, 1)
CREATED = datetime.datetime(2025, 3, 1, 12, 30, 5, 123456, tzinfo=datetime.UTC)


def test_create_lists_current_failures_sorted_and_unique() -> None:
    failures = [finding(name="b"), finding(name="a"), finding("KW-RBAC-002", name="a"), finding(name="a")]
    others = [
        finding(name="c", status="pass"),
        finding(name="d", status="not_assessable"),
        finding(name="e", status="suppressed"),
    ]
    data = create_baseline(failures + others, created_at=CREATED)
    assert data.endswith(b"\n")
    document = json.loads(data)
    assert list(document) == ["kubewardBaseline", "createdAt", "fingerprints"]
    assert document["kubewardBaseline"] == 1
    assert document["createdAt"] == "2025-03-01T12:30:05Z"
    assert document["fingerprints"] == [
        {"fingerprint": failures[1].fingerprint, "rule_id": "KW-RBAC-001", "resource": "ClusterRoleBinding/a"},
        {"fingerprint": failures[0].fingerprint, "rule_id": "KW-RBAC-001", "resource": "ClusterRoleBinding/b"},
        {"fingerprint": failures[2].fingerprint, "rule_id": "KW-RBAC-002", "resource": "ClusterRoleBinding/a"},
    ]


def test_created_at_is_normalised_to_utc() -> None:
    cet = datetime.timezone(datetime.timedelta(hours=1))
    data = create_baseline([], created_at=datetime.datetime(2025, 3, 1, 13, 0, tzinfo=cet))
    assert json.loads(data)["createdAt"] == "2025-03-01T12:00:00Z"


def test_round_trip_suppresses_known_and_keeps_new(tmp_path: Path) -> None:
    known = [finding(name="ci-admin"), finding(name="ops-admin")]
    path = tmp_path / ".kubeward-baseline.json"
    path.write_bytes(create_baseline(known, created_at=CREATED))
    baseline = load_baseline(path)
    assert baseline.path == str(path)
    assert baseline.fingerprints == frozenset(f.fingerprint for f in known)

    rescan = [finding(name="ops-admin"), finding(name="new-admin"), finding(name="ci-admin")]
    outcome = apply_suppressions(rescan, ignore_file=None, baseline=baseline, honor_annotations=True, today=TODAY)
    assert [(f.resource.name, f.status) for f in outcome.findings] == [
        ("ops-admin", "suppressed"),
        ("new-admin", "fail"),
        ("ci-admin", "suppressed"),
    ]
    assert outcome.findings[0].suppression == Suppression(
        kind="baseline", reason="accepted in baseline created 2025-03-01T12:30:05Z", source=str(path)
    )
    assert outcome.findings[0].original_status == "fail"


@settings(max_examples=60, deadline=None)
@given(before=st.integers(1, 5000), after=st.integers(1, 5000), column=st.none() | st.integers(1, 80))
def test_baseline_survives_line_changes(before: int, after: int, column: int | None) -> None:
    """Reformatting a manifest moves the flag; the finding must stay known."""

    def at(line: int, col: int | None) -> object:
        return finding(
            "KW-AUTHN-001",
            kind="kube-apiserver",
            name="cp-1",
            provenance=file_at("manifests/kube-apiserver.yaml", 1),
            evidence=Evidence(
                setting="kube-apiserver --anonymous-auth",
                value=True,
                source="flag",
                provenance=Provenance(kind="file", source="manifests/kube-apiserver.yaml", line=line, column=col),
            ),
        )

    baseline = parse_baseline(create_baseline([at(before, None)], created_at=CREATED), source="b.json")  # type: ignore[list-item]
    outcome = apply_suppressions(
        [at(after, column)],  # type: ignore[list-item]
        ignore_file=None,
        baseline=baseline,
        honor_annotations=True,
        today=TODAY,
    )
    assert outcome.findings[0].status == "suppressed"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"not json", "b.json: not a kubeward baseline: JSON is malformed: invalid character (byte 4)"),
        (b"[]", "b.json: not a kubeward baseline: Expected `object`, got `array`"),
        (b'{"fingerprints": []}', "b.json: not a kubeward baseline (no 'kubewardBaseline' version)"),
        (
            b'{"kubewardBaseline": 2, "createdAt": "x", "fingerprints": []}',
            "b.json: baseline format 2 is not supported (this kubeward reads format 1)",
        ),
        (
            b'{"kubewardBaseline": 1, "createdAt": "x", "fingerprints": [{"fingerprint": 3}]}',
            "b.json: invalid baseline: Expected `str`, got `int` - at `$.fingerprints[0].fingerprint`",
        ),
        (
            b'{"kubewardBaseline": 1, "fingerprints": []}',
            "b.json: invalid baseline: Object missing required field `createdAt`",
        ),
    ],
)
def test_invalid_baselines(data: bytes, message: str) -> None:
    with pytest.raises(BaselineError) as caught:
        parse_baseline(data, source="b.json")
    assert str(caught.value) == message


def test_missing_baseline_file(tmp_path: Path) -> None:
    with pytest.raises(BaselineError) as caught:
        load_baseline(tmp_path / "none.json")
    assert str(caught.value) == f"{tmp_path / 'none.json'}: cannot read baseline: No such file or directory"
