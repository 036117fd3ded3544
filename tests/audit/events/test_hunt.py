"""Hunt over small logs built from real audit event shapes; expected answers are exact."""

import gzip
import json
from pathlib import Path
from typing import Any

import msgspec
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from kubeward.audit.events.detections import DETECTIONS
from kubeward.audit.events.hunt import HuntFilter, hunt
from kubeward.audit.events.model import Event
from kubeward.audit.events.reader import ReadStats, expand, read_events
from kubeward.cli.audit import audit

ALLOW = {"authorization.k8s.io/decision": "allow", "authorization.k8s.io/reason": ""}
FORBID = {"authorization.k8s.io/decision": "forbid", "authorization.k8s.io/reason": ""}


def event(audit_id: str, stage: str, verb: str, user: str, resource: str = "", **extra: Any) -> dict[str, Any]:
    e: dict[str, Any] = {
        "kind": "Event",
        "apiVersion": "audit.k8s.io/v1",
        "level": "Metadata",
        "auditID": audit_id,
        "stage": stage,
        "requestURI": "/api/v1/x",
        "verb": verb,
        "user": {"username": user, "groups": ["system:authenticated"]} if user else {},
        "sourceIPs": ["203.0.113.10"],
        "userAgent": "kubectl/v1.31.2",
        "requestReceivedTimestamp": "2026-03-02T08:00:00.002174Z",
        "stageTimestamp": "2026-03-02T08:00:00.002174Z",
    }
    if resource:
        e["objectRef"] = {"resource": resource, "namespace": "payments", "apiVersion": "v1"}
    e.update(extra)
    return e


def write(path: Path, events: list[dict[str, Any]], extra_lines: tuple[str, ...] = ()) -> Path:
    path.write_text("\n".join([*(json.dumps(e) for e in events), *extra_lines]) + "\n")
    return path


def counts(paths: list[Path], where: HuntFilter | None = None) -> dict[str, int]:
    stats = ReadStats()
    result = hunt(read_events(paths, stats), where=where)
    return {qid: len(a.matches) for qid, a in result.answers.items() if a.matches}


def test_stages_count_once_and_403_withdraws_a_provisional_read(tmp_path: Path) -> None:
    log = write(
        tmp_path / "audit.log",
        [
            event("a1", "RequestReceived", "get", "bob", "secrets"),
            event("a1", "ResponseComplete", "get", "bob", "secrets", responseStatus={"code": 200}, annotations=ALLOW),
            event("a2", "RequestReceived", "list", "bob", "secrets"),
            event("a2", "ResponseComplete", "list", "bob", "secrets", responseStatus={"code": 403}, annotations=FORBID),
        ],
    )
    assert counts([log]) == {"secret-reads": 1, "authz-denials": 1}


def test_401_at_response_started_with_empty_user(tmp_path: Path) -> None:
    log = write(
        tmp_path / "audit.log",
        [event("f1", "ResponseStarted", "list", "", "secrets", responseStatus={"metadata": {}, "code": 401})],
    )
    assert counts([log]) == {"failed-authn": 1}


def test_cluster_admin_binding_from_body_and_kubelet_reads_excluded(tmp_path: Path) -> None:
    body = {"kind": "ClusterRoleBinding", "roleRef": {"kind": "ClusterRole", "name": "cluster-admin"}}
    binding = event("b1", "ResponseComplete", "create", "alice", "clusterrolebindings", responseStatus={"code": 201})
    binding["objectRef"]["apiGroup"] = "rbac.authorization.k8s.io"
    binding["requestObject"] = body
    node_read = event("n1", "ResponseComplete", "get", "system:node:w1", "secrets", responseStatus={"code": 200})
    log = write(tmp_path / "audit.log", [binding, node_read])
    assert counts([log]) == {"rbac-changes": 1, "cluster-admin-bindings": 1}


def test_privileged_pod_exec_and_filters(tmp_path: Path) -> None:
    pod = {"spec": {"hostPID": True, "containers": [{"name": "c", "securityContext": {"privileged": True}}]}}
    exec_ref = {"resource": "pods", "subresource": "exec", "namespace": "payments", "name": "api"}
    log = write(
        tmp_path / "audit.log",
        [
            event("p1", "ResponseComplete", "create", "bob", "pods", responseStatus={"code": 201}, requestObject=pod),
            event("e1", "ResponseStarted", "create", "alice", objectRef=exec_ref, responseStatus={"code": 101}),
            event("e1", "ResponseComplete", "create", "alice", objectRef=exec_ref, responseStatus={"code": 101}),
        ],
    )
    assert counts([log]) == {"privileged-workloads": 1, "exec-attach-portforward": 1}
    assert counts([log], HuntFilter(users=frozenset({"bob"}))) == {"privileged-workloads": 1}
    assert counts([log], HuntFilter(namespaces=frozenset({"other"}))) == {}


def test_bad_lines_non_audit_and_truncated_gzip(tmp_path: Path) -> None:
    write(
        tmp_path / "audit.log",
        [event("i1", "ResponseComplete", "get", "alice", "pods", impersonatedUser={"username": "bob"})],
        ('{"not": "audit"}', "{broken", ""),
    )
    data = gzip.compress(
        b"\n".join(json.dumps(event(f"g{i}", "RequestReceived", "get", "x")).encode() for i in range(50))
    )
    (tmp_path / "audit-2026-03-01T00-00-00.000.log.gz").write_bytes(data[: len(data) // 2])
    stats = ReadStats()
    result = hunt(read_events([tmp_path], stats))
    assert len(result.answers["impersonation"].matches) == 1
    assert (stats.bad_lines, stats.non_audit, stats.truncated_files) == (1, 1, 1)
    assert any(":3: not a valid audit event" in issue.describe() for issue in stats.issues)


def test_rotation_order(tmp_path: Path) -> None:
    names = [
        "audit.log",
        "audit.log.1",
        "audit.log.2",
        "audit-2026-03-01T10-00-00.000.log.gz",
        "audit-2026-02-01T10-00-00.000.log",
    ]
    for name in names:
        (tmp_path / name).write_text("")
    order = [p.name for p in expand([tmp_path])]
    assert order == [
        "audit-2026-02-01T10-00-00.000.log",
        "audit-2026-03-01T10-00-00.000.log.gz",
        "audit.log.2",
        "audit.log.1",
        "audit.log",
    ]


@given(st.sampled_from(["get", "list", "watch", "create", "patch", "delete"]), st.integers(100, 599))
def test_secret_reads_are_exactly_successful_reads(verb: str, code: int) -> None:
    ev = event("h", "ResponseComplete", verb, "bob", "secrets", responseStatus={"code": code})
    stats = ReadStats()
    del stats

    decoded = msgspec.json.decode(json.dumps(ev), type=Event)
    by_id = {d.id: d.matches(decoded) for d in DETECTIONS}
    assert by_id["secret-reads"] == (verb in ("get", "list", "watch") and code < 400)
    assert by_id["secret-writes"] == (verb in ("create", "patch", "delete") and code < 400)


def test_demo_cli_answers_every_question_and_never_prints_bodies() -> None:
    result = CliRunner().invoke(audit, ["hunt", "--demo", "-o", "json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert {qid: q["requests"] for qid, q in doc["questions"].items()} == {
        "secret-reads": 4, "secret-writes": 2, "rbac-changes": 3, "cluster-admin-bindings": 1,
        "exec-attach-portforward": 3, "privileged-workloads": 2, "failed-authn": 3, "authz-denials": 4,
        "anonymous-allowed": 1, "impersonation": 1, "token-requests": 1, "csr-approvals": 1, "webhook-changes": 1,
    }  # fmt: skip
    assert "roleRef" not in result.output and "securityContext" not in result.output
    rules = CliRunner().invoke(audit, ["rules"])
    assert rules.exit_code == 0 and "webhook-changes" in rules.output


def test_cli_exit_3_on_skipped_lines(tmp_path: Path) -> None:
    log = write(tmp_path / "audit.log", [], ("{broken",))
    result = CliRunner().invoke(audit, ["hunt", str(log), "-o", "csv"])
    assert result.exit_code == 3
