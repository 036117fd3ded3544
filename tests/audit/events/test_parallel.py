"""Hunting a log cut into parts in several processes gives exactly the answers of one pass."""

import contextlib
import gzip
import json
import os
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kubeward.audit.events.hunt import Hunt, hunt
from kubeward.audit.events.output import as_document
from kubeward.audit.events.parallel import Part, hunt_paths, plan
from kubeward.audit.events.prefilter import PURE_PYTHON_ENV, HyperscanPrefilter, Prefilter
from kubeward.audit.events.reader import ReadStats, read_events

from .test_hunt import ALLOW, FORBID, event

# verb, user, resource/subresource (or a non-resource path), code; chosen to sit on both sides of every hint
SHAPES = (
    ("get", "bob", "secrets", 200),
    ("list", "bob", "secrets", 403),
    ("get", "system:node:w1", "secrets", 200),
    ("delete", "system:node:w1", "secrets", 200),
    ("create", "alice", "rolebindings", 201),
    ("get", "alice", "rolebindings", 200),
    ("create", "alice", "pods/exec", 101),
    ("get", "alice", "pods/exec", 101),
    ("get", "alice", "pods/log", 200),
    ("list", "carol", "pods", 200),
    ("create", "carol", "pods", 201),
    ("get", "alice", "nodes/proxy", 200),
    ("create", "system:node:w1", "serviceaccounts/token", 201),
    ("create", "bob", "serviceaccounts/token", 201),
    ("get", "bob", "serviceaccounts", 200),
    ("update", "alice", "certificatesigningrequests/approval", 200),
    ("get", "system:anonymous", "pods", 200),
    ("get", "system:anonymous", "/healthz", 200),
    ("get", "system:anonymous", "/healthz/etcd", 200),
    ("get", "system:anonymous", "/version?timeout=32s", 200),
    ("get", "system:anonymous", "/metrics", 200),
    ("get", "", "configmaps", 401),
    ("update", "carol", "leases", 200),
    ("watch", "carol", "secrets", 200),
    ("patch", "carol", "validatingwebhookconfigurations", 200),
)


GROUPS = {
    "rolebindings": "rbac.authorization.k8s.io",
    "certificatesigningrequests": "certificates.k8s.io",
    "validatingwebhookconfigurations": "admissionregistration.k8s.io",
    "leases": "coordination.k8s.io",
}
PSA = "pod-security.kubernetes.io/audit-violations"


def log_lines(seed: int, requests: int) -> list[str]:
    """Requests whose stages interleave, as the log backend writes them (stage order, not request order)."""
    rng = random.Random(seed)
    pending: list[list[dict[str, Any]]] = []
    lines: list[str] = []
    for n in range(requests):
        verb, user, target, code = rng.choice(SHAPES)
        resource, _, subresource = ("", "", "") if target.startswith("/") else target.partition("/")
        audit_id = f"r{n}"
        extra: dict[str, Any] = {"responseStatus": {"code": code}}
        if user:
            extra["annotations"] = FORBID if code == 403 else ALLOW
        if resource == "pods" and verb == "create" and rng.random() < 0.5:
            extra["annotations"] = {**extra.get("annotations", {}), PSA: "privileged"}
        acting_as = rng.choice(["system:node:w2", "carol"]) if rng.random() < 0.1 else ""
        if code == 401:
            stages = [event(audit_id, "ResponseStarted", verb, "", resource, **extra)]
        else:
            stages = [event(audit_id, "RequestReceived", verb, user, resource)]
            if verb == "watch" or code == 101:
                stages.append(event(audit_id, "ResponseStarted", verb, user, resource, **extra))
            if rng.random() < 0.9:  # some requests never complete within the log
                stages.append(event(audit_id, "ResponseComplete", verb, user, resource, **extra))
        for stage in stages:
            if acting_as and stage["user"]:
                stage["impersonatedUser"] = {"username": acting_as}
            if target.startswith("/"):
                stage["requestURI"] = target
            if subresource:
                stage["objectRef"]["subresource"] = subresource
            if resource in GROUPS:
                stage["objectRef"]["apiGroup"] = GROUPS[resource]
        pending.append(stages)
        while pending and rng.random() < 0.6:
            lines.append(json.dumps(pending[0].pop(0), separators=(",", ":")))
            pending = [p for p in pending if p]
            rng.shuffle(pending)
    lines.extend(json.dumps(stage, separators=(",", ":")) for stages in pending for stage in stages)
    return lines


@contextlib.contextmanager
def prefilter_mode(pure_python: bool) -> Iterator[None]:
    """Choose the prefilter for the hunts (and the worker processes they fork) inside the block."""
    saved = os.environ.pop(PURE_PYTHON_ENV, None)
    if pure_python:
        os.environ[PURE_PYTHON_ENV] = "1"
    try:
        yield
    finally:
        os.environ.pop(PURE_PYTHON_ENV, None)
        if saved is not None:
            os.environ[PURE_PYTHON_ENV] = saved


def test_hyperscan_is_used_where_installed() -> None:
    with prefilter_mode(pure_python=False):
        assert isinstance(Hunt().prefilter, HyperscanPrefilter)
    with prefilter_mode(pure_python=True):
        assert isinstance(Hunt().prefilter, Prefilter)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.integers(0, 10_000), st.integers(1, 120), st.integers(200, 4000))
def test_parts_merge_to_the_single_pass_answer(tmp_path: Path, seed: int, requests: int, part_size: int) -> None:
    log = tmp_path / f"audit-{seed}-{requests}.log"
    log.write_text("\n".join(log_lines(seed, requests)) + "\n")
    single_stats = ReadStats()
    single = as_document(hunt(read_events([log], single_stats)), single_stats)
    for pure_python in (False, True):  # the Hyperscan prefilter and the pure-Python one
        with prefilter_mode(pure_python):
            parts_stats = ReadStats()
            merged = as_document(hunt_paths([log], parts_stats, workers=2, part_size=part_size), parts_stats)
        assert merged["questions"] == single["questions"], pure_python
        assert merged["input"] == single["input"]
    assert len(plan([log], part_size)) >= 1
    packed = log.with_suffix(".log.gz")
    packed.write_bytes(gzip.compress(log.read_bytes()))
    gz_stats = ReadStats()
    from_gzip = as_document(hunt_paths([packed], gz_stats, workers=2, part_size=part_size), gz_stats)
    assert from_gzip["questions"] == single["questions"]
    assert from_gzip["input"] | {"issues": []} == single["input"] | {"issues": []}


def test_bad_lines_keep_their_line_numbers_across_parts(tmp_path: Path) -> None:
    lines = log_lines(1, 200)
    lines[150] = lines[150][:40]
    log = tmp_path / "audit.log"
    log.write_text("\n".join(lines) + "\n")
    stats = ReadStats()
    hunt_paths([log], stats, workers=2, part_size=2000)
    assert stats.bad_lines == 1
    assert [issue.line for issue in stats.issues] == [151]
    packed = tmp_path / "audit.log.1.gz"
    packed.write_bytes(gzip.compress(log.read_bytes()))
    log.unlink()
    stats = ReadStats()
    hunt_paths([packed], stats, workers=2, part_size=2000)
    assert [(issue.path, issue.line) for issue in stats.issues] == [(str(packed), 151)]


def test_requests_beyond_the_limit_are_counted_once_not_kept(tmp_path: Path) -> None:
    lines = []
    for n in range(30):
        lines.append(event(f"s{n}", "RequestReceived", "get", "bob", "secrets"))
        lines.append(
            event(f"s{n}", "ResponseComplete", "get", "bob", "secrets", responseStatus={"code": 200}, annotations=ALLOW)
        )
    lines.append(event("d1", "RequestReceived", "get", "bob", "secrets"))  # withdrawn beyond the limit
    lines.append(
        event("d1", "ResponseComplete", "get", "bob", "secrets", responseStatus={"code": 403}, annotations=FORBID)
    )
    log = tmp_path / "audit.log"
    log.write_text("\n".join(json.dumps(e, separators=(",", ":")) for e in lines) + "\n")
    for workers, part_size in ((1, 1 << 20), (2, 3000)):
        stats = ReadStats()
        answer = hunt_paths([log], stats, workers=workers, part_size=part_size, limit=10).answers["secret-reads"]
        assert (answer.requests, len(answer.matches), answer.overflow) == (30, 10, 20)


def test_ranges_without_final_newline_and_with_overlong_lines(tmp_path: Path, monkeypatch: Any) -> None:
    from kubeward.audit.events import parallel

    lines = log_lines(3, 150)
    log = tmp_path / "audit.log"
    log.write_text("\n".join(lines))  # no newline after the last line
    single_stats = ReadStats()
    single = as_document(hunt(read_events([log], single_stats)), single_stats)
    stats = ReadStats()
    mapped = as_document(hunt_paths([log], stats, workers=2, part_size=5000), stats)
    assert mapped["questions"] == single["questions"] and mapped["input"] == single["input"]
    monkeypatch.setattr(parallel, "MAX_LINE", 100)  # every line is "overlong" for the map: the stream takes over
    stats = ReadStats()
    streamed = as_document(hunt_paths([log], stats, workers=2, part_size=5000), stats)
    assert streamed["questions"] == single["questions"] and streamed["input"] == single["input"]


def test_a_large_pretty_printed_export_is_one_part(tmp_path: Path) -> None:
    events = [json.loads(line) for line in log_lines(5, 60)]
    document = tmp_path / "filter-log-events.json"
    document.write_text(json.dumps({"events": [{"message": json.dumps(e)} for e in events]}, indent=4))
    assert plan([document], part_size=1000) == [Part(document)]
    single_stats = ReadStats()
    single = as_document(hunt(read_events([document], single_stats)), single_stats)
    stats = ReadStats()
    assert (
        as_document(hunt_paths([document], stats, workers=2, part_size=1000), stats)["questions"] == single["questions"]
    )
    assert single_stats.events == len(events) and single_stats.bad_lines == 0
