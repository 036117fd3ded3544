"""The store answers as the logs do: ingest + ``hunt --store`` == ``hunt LOG``; bodies of Secrets and tokens
never enter it; bad stores and corrupt files are named; ``sql`` is read-only."""

import datetime as dt
import json
import tempfile
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kubeward.audit.events.hunt import HuntFilter, hunt
from kubeward.audit.events.output import as_document
from kubeward.audit.events.reader import ReadStats, read_events
from kubeward.audit.store.ingest import ingest
from kubeward.audit.store.query import read_store
from kubeward.audit.store.schema import SCHEMA_VERSION, VERSION_KEY
from kubeward.cli.audit import _demo_log, audit

DEMO = _demo_log()


def run(*args: str) -> Any:
    return CliRunner().invoke(audit, list(args))


def questions(output: str) -> dict[str, Any]:
    return dict(json.loads(output)["questions"])


def test_demo_hunt_over_store_equals_hunt_over_log(tmp_path: Path) -> None:
    store = tmp_path / "store"
    ingested = run("ingest", str(DEMO), "--store", str(store))
    assert ingested.exit_code == 0, ingested.output
    assert "ingested 62 event(s)" in ingested.output
    from_log = run("hunt", str(DEMO), "-o", "json")
    from_store = run("hunt", "--store", str(store), "-o", "json")
    assert from_log.exit_code == from_store.exit_code == 0, from_store.output
    assert questions(from_store.output) == questions(from_log.output)
    assert sum(q["requests"] for q in questions(from_store.output).values()) == 27
    for args in (("--user", "bob@example.com"), ("--namespace", "payments"), ("--since", "2026-03-02T08:30:00Z")):
        log_answer = run("hunt", str(DEMO), "-o", "json", *args)
        store_answer = run("hunt", "--store", str(store), "-o", "json", *args)
        assert questions(store_answer.output) == questions(log_answer.output), args
    # ingesting again stores every row twice; the hunt still counts each request once
    assert run("ingest", str(DEMO), "--store", str(store)).exit_code == 0
    assert len(list(store.glob("day=2026-03-02/*.parquet"))) == 2
    twice = run("hunt", "--store", str(store), "-o", "json")
    assert questions(twice.output) == questions(from_log.output)
    csv_out = run("hunt", "--store", str(store), "-o", "csv")
    assert csv_out.output == run("hunt", str(DEMO), "-o", "csv").output


def test_small_batches_keep_every_row_in_log_order(tmp_path: Path, monkeypatch: Any) -> None:
    from kubeward.audit.store import ingest as ingest_module
    from kubeward.audit.store import query

    monkeypatch.setattr(ingest_module, "CHUNK_ROWS", 2)
    monkeypatch.setattr(ingest_module, "BATCH_ROWS", 5)
    monkeypatch.setattr(ingest_module, "MAX_BUFFERED", 7)
    monkeypatch.setattr(query, "FETCH_ROWS", 3)
    store = tmp_path / "store"
    result = ingest(read_events([DEMO], ReadStats()), store)
    assert result.rows == 62 and result.days == {"2026-03-01": 2, "2026-03-02": 60}
    (path,) = store.glob("day=2026-03-02/*.parquet")
    assert pq.ParquetFile(path).metadata.num_row_groups > 5
    logged = [(e.auditID, e.stage) for e in read_events([DEMO], ReadStats())]
    assert [(e.auditID, e.stage) for e in read_store(store, ReadStats())] == logged


def test_hunt_arguments() -> None:
    assert run("hunt").exit_code == 2
    assert run("hunt", str(DEMO), "--store", "/nonexistent").exit_code == 2


def base(audit_id: str, stage: str, verb: str, resource: str, group: str = "", **extra: Any) -> dict[str, Any]:
    sub = ""
    if "/" in resource:
        resource, sub = resource.split("/")
    event: dict[str, Any] = {
        "kind": "Event",
        "apiVersion": "audit.k8s.io/v1",
        "level": "RequestResponse",
        "auditID": audit_id,
        "stage": stage,
        "requestURI": f"/api/v1/namespaces/payments/{resource}",
        "verb": verb,
        "user": {"username": "bob", "groups": ["system:authenticated"]},
        "sourceIPs": ["203.0.113.10"],
        "userAgent": "kubectl/v1.31.2",
        "objectRef": {"resource": resource, "subresource": sub, "namespace": "payments", "apiGroup": group},
        "responseStatus": {"metadata": {}, "code": 201},
        "requestReceivedTimestamp": "2026-03-02T08:00:00.002174Z",
        "stageTimestamp": "2026-03-02T08:00:00.002174Z",
    }
    event.update(extra)
    return event


def test_secret_and_token_bodies_never_enter_the_store(tmp_path: Path) -> None:
    secret = {"kind": "Secret", "data": {"password": "U0VDUkVULVZBTFVFLTE="}}
    token_response = {"status": {"token": "eyJTOKEN-VALUE-2"}}
    review = {"spec": {"token": "eyJTOKEN-VALUE-3"}}
    pod = {"kind": "Pod", "spec": {"hostPID": True, "containers": [{"name": "c"}]}}
    binding = {"kind": "ClusterRoleBinding", "roleRef": {"kind": "ClusterRole", "name": "cluster-admin"}}
    events = [
        base("s1", "ResponseComplete", "create", "secrets", requestObject=secret, responseObject=secret),
        base("s2", "ResponseComplete", "update", "secrets", requestObject=secret),
        base("t1", "ResponseComplete", "create", "serviceaccounts/token", requestObject={"spec": {}},
             responseObject=token_response),
        base("r1", "ResponseComplete", "create", "tokenreviews", "authentication.k8s.io", requestObject=review),
        base("c1", "ResponseComplete", "create", "configmaps", requestObject={"data": {"k": "CONFIG-VALUE-4"}}),
        base("p1", "ResponseComplete", "create", "pods", requestObject=pod),
        base("p2", "ResponseComplete", "create", "pods/ephemeralcontainers", requestObject={"x": "EPHEMERAL-5"}),
        base("b1", "ResponseComplete", "create", "clusterrolebindings", "rbac.authorization.k8s.io",
             requestObject=binding),
    ]  # fmt: skip
    log = tmp_path / "audit.log"
    log.write_text("".join(json.dumps(e) + "\n" for e in events))
    store = tmp_path / "store"
    stats = ReadStats()
    ingest(read_events([log], stats), store)
    (path,) = store.glob("day=2026-03-02/*.parquet")
    table = pq.read_table(path)
    dump = json.dumps(table.to_pylist(), default=str)
    for value in ("U0VDUkVULVZBTFVFLTE=", "TOKEN-VALUE", "CONFIG-VALUE-4", "EPHEMERAL-5"):
        assert value not in dump
    assert path.read_bytes().find(b"TOKEN-VALUE") < 0
    bodies = {r["audit_id"]: r["request_object"] for r in table.to_pylist() if r["request_object"] is not None}
    assert set(bodies) == {"p1", "b1"}
    assert json.loads(bodies["b1"]) == binding
    assert table.schema.metadata[VERSION_KEY] == SCHEMA_VERSION.encode()
    assert str(table.schema.field("time").type) == "timestamp[us, tz=UTC]"
    result = hunt(read_store(store, ReadStats()))
    assert {q: len(a.matches) for q, a in result.answers.items() if a.matches} == {
        "secret-writes": 2, "cluster-admin-bindings": 1, "rbac-changes": 1, "privileged-workloads": 1,
        "token-requests": 1,
    }  # fmt: skip


def test_partitions_by_utc_day_and_unknown(tmp_path: Path) -> None:
    late = base("d1", "RequestReceived", "get", "pods", requestReceivedTimestamp="2026-03-02T23:59:59.999999Z")
    late_done = base("d1", "ResponseComplete", "get", "pods", requestReceivedTimestamp="2026-03-02T23:59:59.999999Z",
                     stageTimestamp="2026-03-03T00:00:00.1Z")  # fmt: skip
    offset = base("d2", "ResponseComplete", "get", "pods", requestReceivedTimestamp="2026-03-03T01:00:00+02:00")
    undated = base("d3", "ResponseComplete", "get", "pods")
    del undated["requestReceivedTimestamp"]
    log = tmp_path / "audit.log"
    log.write_text("".join(json.dumps(e) + "\n" for e in (late, late_done, offset, undated)))
    store = tmp_path / "store"
    result = ingest(read_events([log], ReadStats()), store)
    assert result.days == {"2026-03-02": 3, "unknown": 1}
    assert sorted(p.name for p in store.iterdir()) == ["day=2026-03-02", "day=unknown", "kubeward-store.json"]
    # --since/--until prune days and never read undated events
    since = dt.datetime(2026, 3, 2, 23, 30, tzinfo=dt.UTC)
    events = list(read_store(store, ReadStats(), HuntFilter(since=since)))
    assert [e.auditID for e in events] == ["d1", "d1"]


def test_bad_stores_and_corrupt_files(tmp_path: Path) -> None:
    not_store = tmp_path / "other"
    not_store.mkdir()
    (not_store / "notes.txt").write_text("x")
    result = run("hunt", "--store", str(not_store))
    assert result.exit_code == 2 and "not a kubeward audit store" in result.output
    result = run("ingest", str(DEMO), "--store", str(not_store))
    assert result.exit_code == 2 and "refusing to write" in result.output
    assert run("sql", "SELECT 1", "--store", str(tmp_path / "missing")).exit_code == 2

    store = tmp_path / "store"
    assert run("ingest", str(DEMO), "--store", str(store)).exit_code == 0
    day = store / "day=2026-03-02"
    (good,) = day.glob("*.parquet")
    bad = day / "part-00000000T000000000000-bad.parquet"
    bad.write_bytes(good.read_bytes()[:500])
    result = run("hunt", "--store", str(store), "-o", "json")
    assert result.exit_code == 3
    assert f"{bad}: corrupt or unreadable Parquet file" in result.output
    assert questions(result.output.split("\nkubeward:")[0]) == questions(run("hunt", "--demo", "-o", "json").output)
    result = run("sql", "SELECT count(*) AS n FROM events", "--store", str(store), "-o", "csv")
    assert result.exit_code == 3 and result.output.startswith("n\n62\n") and str(bad) in result.output


def test_ingest_reads_gzip_reports_bad_lines_and_checks_the_schema_version(tmp_path: Path) -> None:
    import gzip

    logs = tmp_path / "logs"
    logs.mkdir()
    log = logs / "audit-2026-03-01T00-00-00.000.log.gz"
    log.write_bytes(gzip.compress(DEMO.read_bytes() + b"{broken\n"))
    store = tmp_path / "store"
    result = run("ingest", str(logs), "--store", str(store))
    assert result.exit_code == 3 and "ingested 62 event(s)" in result.output
    assert f"{log}:63: not a valid audit event" in result.output
    result = run("ingest", str(logs), "--store", str(logs / "store"))
    assert result.exit_code == 2 and "inside the log folder" in result.output
    (store / "kubeward-store.json").write_text('{"schema_version": "0"}')
    result = run("ingest", str(DEMO), "--store", str(store))
    assert result.exit_code == 2 and "store schema version 0" in result.output


def test_sql_is_read_only_and_answers_the_help_examples(tmp_path: Path) -> None:
    store = tmp_path / "store"
    assert run("ingest", str(DEMO), "--store", str(store)).exit_code == 0
    target = tmp_path / "out.csv"
    for query in (
        f"COPY (SELECT * FROM events) TO '{target}'",  # noqa: S608
        f"EXPLAIN ANALYZE COPY (SELECT 1) TO '{target}'",
        f"ATTACH '{tmp_path / 'x.db'}'",
        "SELECT 1; SELECT 2",
        "SET threads = 1",
        "CREATE TABLE t AS SELECT 1",
        "INSTALL httpfs",
    ):
        result = run("sql", query, "--store", str(store))
        assert result.exit_code == 2, (query, result.output)
    assert not target.exists()
    hunted = questions(run("hunt", "--demo", "-o", "json").output)
    by_user: dict[str, int] = {}
    for e in hunted["secret-reads"]["events"]:
        by_user[e["user"]] = by_user.get(e["user"], 0) + 1
    from_events = run(
        "sql",
        "SELECT user, count(*) AS reads FROM (SELECT audit_id, any_value(user) AS user, max(coalesce(code, 0)) AS code "
        "FROM events WHERE resource = 'secrets' AND subresource = '' AND verb IN ('get', 'list', 'watch') "
        "GROUP BY audit_id) WHERE code < 400 AND user NOT LIKE 'system:node:%' GROUP BY user ORDER BY reads DESC",
        "--store",
        str(store),
        "-o",
        "json",
    )
    assert from_events.exit_code == 0, from_events.output
    assert {r["user"]: r["reads"] for r in json.loads(from_events.output)} == by_user
    # the help's examples, over the requests view
    readers = run(
        "sql",
        "SELECT user, count(*) AS reads FROM requests WHERE resource = 'secrets' AND subresource = '' "
        "AND verb IN ('get', 'list', 'watch') AND coalesce(code, 0) < 400 AND user NOT LIKE 'system:node:%' "
        "GROUP BY user ORDER BY reads DESC",
        "--store",
        str(store),
        "-o",
        "json",
    )
    assert {r["user"]: r["reads"] for r in json.loads(readers.output)} == by_user
    rbac = run(
        "sql",
        "SELECT day, count(*) AS changes FROM requests WHERE api_group = 'rbac.authorization.k8s.io' "
        "AND subresource = '' AND verb IN ('create', 'update', 'patch', 'delete', 'deletecollection') "
        "AND coalesce(code, 0) < 400 GROUP BY day ORDER BY day",
        "--store",
        str(store),
        "-o",
        "csv",
    )
    assert rbac.output == f"day,changes\n2026-03-01,1\n2026-03-02,{hunted['rbac-changes']['requests'] - 1}\n"
    # a request has one row whatever its stages and however often its log was ingested
    assert run("ingest", str(DEMO), "--store", str(store)).exit_code == 0
    counts = run("sql", "SELECT count(*) AS requests, sum(events) AS events FROM requests", "--store", str(store))
    assert counts.output.splitlines()[1].split() == ["31", "124"]
    table = run("sql", "DESCRIBE events", "--store", str(store))
    assert table.exit_code == 0 and "request_object" in table.output and "(22 row(s))" in table.output
    explain = run("sql", "EXPLAIN SELECT * FROM events", "--store", str(store))
    assert explain.exit_code == 0, explain.output


# --- the same answers from logs and from the store, on generated traffic -------------------------------------------

_RESOURCES: list[tuple[str, str] | None] = [
    None, ("secrets", ""), ("pods", ""), ("pods/exec", ""), ("nodes/proxy", ""), ("deployments", "apps"),
    ("clusterrolebindings", "rbac.authorization.k8s.io"), ("roles", "rbac.authorization.k8s.io"),
    ("serviceaccounts/token", ""), ("certificatesigningrequests/approval", "certificates.k8s.io"),
    ("mutatingwebhookconfigurations", "admissionregistration.k8s.io"), ("", ""),
]  # fmt: skip
_BODIES = [
    None,
    {"spec": {"hostNetwork": True, "containers": [{"name": "c", "securityContext": {"privileged": True}}]}},
    {"spec": {"template": {"spec": {"hostPID": True}}}},
    {"roleRef": {"kind": "ClusterRole", "name": "cluster-admin"}},
    [{"op": "add", "path": "/x", "value": 1}],
]


@st.composite
def generated_event(draw: st.DrawFn) -> dict[str, Any]:
    request = draw(st.integers(0, 7))
    resource = draw(st.sampled_from(_RESOURCES))
    event: dict[str, Any] = {
        "kind": "Event",
        "level": draw(st.sampled_from(["Metadata", "Request", "RequestResponse"])),
        "auditID": f"id-{request}",
        "stage": draw(st.sampled_from(["RequestReceived", "ResponseStarted", "ResponseComplete", "Panic"])),
        "requestURI": draw(st.sampled_from(["/api/v1/pods", "/healthz?verbose", "/x\u001b[31m"])),
        "verb": draw(st.sampled_from(["get", "list", "watch", "create", "update", "patch", "delete"])),
        "user": draw(st.sampled_from([{}, {"username": "bob", "groups": ["dev"]}, {"username": "system:anonymous"},
                                      {"username": "system:node:w1"}, {"username": "al\u00efce"}])),
        "sourceIPs": draw(st.lists(st.sampled_from(["10.0.0.1", "2001:db8::1"]), max_size=2)),
        "userAgent": draw(st.sampled_from(["", "kubectl/v1.31", "curl/8"])),
    }  # fmt: skip
    if request != 0:  # one request without a timestamp: day=unknown
        day = 2 + request % 2
        event["requestReceivedTimestamp"] = f"2026-03-0{day}T0{request}:00:00.{request:06d}Z"
    if resource is not None:
        name, group = resource
        res, _, sub = name.partition("/")
        event["objectRef"] = {
            "resource": res,
            "subresource": sub,
            "apiGroup": group,
            "namespace": draw(st.sampled_from(["", "payments", "kube-system"])),
            "name": draw(st.sampled_from(["", "x"])),
        }
    code = draw(st.sampled_from([None, 101, 200, 201, 401, 403, 500]))
    if code is not None:
        event["responseStatus"] = {"metadata": {}, "code": code}
    annotations = draw(
        st.sampled_from([None, {}, {"authorization.k8s.io/decision": "forbid"},
                         {"authorization.k8s.io/decision": "allow", "other": "v"},
                         {"pod-security.kubernetes.io/audit-violations": "would violate PodSecurity"}])
    )  # fmt: skip
    if annotations is not None:
        event["annotations"] = annotations
    imp = draw(st.sampled_from([None, {}, {"username": "alice"}, {"groups": ["system:masters"]}]))
    if imp is not None:
        event["impersonatedUser"] = imp
    body = draw(st.sampled_from(_BODIES))
    if body is not None:
        event["requestObject"] = body
    return event


_FILTERS = [
    HuntFilter(),
    HuntFilter(users=frozenset({"bob", "alice"})),
    HuntFilter(namespaces=frozenset({"", "payments"})),
    HuntFilter(since=dt.datetime(2026, 3, 2, 3, tzinfo=dt.UTC), until=dt.datetime(2026, 3, 3, 5, tzinfo=dt.UTC)),
]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(generated_event(), max_size=40), st.sampled_from(_FILTERS))
def test_generated_traffic_same_answers_from_log_and_store(events: list[dict[str, Any]], where: HuntFilter) -> None:
    # a log is written in time order: day by day (undated last); within a day any interleaving of stages
    events.sort(key=lambda e: e.get("requestReceivedTimestamp", "9")[:10])
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "audit.log"
        log.write_text("".join(json.dumps(e) + "\n" for e in events))
        stats = ReadStats()
        from_log = as_document(hunt(read_events([log], stats), where=where), stats)["questions"]
        ingest(read_events([log], ReadStats()), Path(tmp) / "store")
        stored = ReadStats()
        from_store = as_document(hunt(read_store(Path(tmp) / "store", stored, where), where=where), stored)
        assert from_store["questions"] == from_log
        assert not stored.incomplete


def test_kubeward_starts_without_importing_duckdb_or_pyarrow() -> None:
    import subprocess
    import sys

    code = "import sys, kubeward.cli.main; print('duckdb' in sys.modules, 'pyarrow' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["False", "False"]
