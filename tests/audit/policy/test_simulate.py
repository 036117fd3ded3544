"""``audit policy simulate``: exact events and bytes per day by rule on small logs of real event shapes."""

import json
import tempfile
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from kubeward.audit.policy.model import parse_policy
from kubeward.audit.policy.simulate import simulate
from kubeward.cli.audit_policy import policy

POLICY = b"""
apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived]
rules:
- level: Metadata
  resources: [{group: "", resources: [secrets]}]
- level: None
  nonResourceURLs: ["/healthz*"]
- level: RequestResponse
  resources: [{group: rbac.authorization.k8s.io}]
- level: Request
"""

KEEP_RECEIVED = b"""
apiVersion: audit.k8s.io/v1
kind: Policy
rules:
- level: None
  users: [system:kube-proxy]
- level: Metadata
"""

DAY1, DAY2 = "2026-03-02T08:00:00.002174Z", "2026-03-03T09:30:00.000100Z"


def ev(audit_id: str, stage: str, verb: str, uri: str, when: str, level: str = "RequestResponse",
       ref: dict[str, str] | None = None, user: dict[str, Any] | None = None, code: int | None = None,
       **bodies: Any) -> dict[str, Any]:  # fmt: skip
    event: dict[str, Any] = {
        "kind": "Event",
        "apiVersion": "audit.k8s.io/v1",
        "level": level,
        "auditID": audit_id,
        "stage": stage,
        "requestURI": uri,
        "verb": verb,
        "user": {"username": "bob", "groups": ["developers", "system:authenticated"]} if user is None else user,
        "sourceIPs": ["203.0.113.10"],
        "userAgent": "kubectl/v1.31.2 (linux/amd64) kubernetes/5864a46",
    }
    if ref is not None:
        event["objectRef"] = {**ref, "apiVersion": "v1"}
    if code is not None:
        event["responseStatus"] = {"metadata": {}, "code": code}
    event["requestObject"] = bodies.get("request")
    event["responseObject"] = bodies.get("response")
    event.update({"requestReceivedTimestamp": when, "stageTimestamp": when})
    if code is not None and code < 400:
        event["annotations"] = {"authorization.k8s.io/decision": "allow", "authorization.k8s.io/reason": ""}
    return {k: v for k, v in event.items() if v is not None}


def line(event: dict[str, Any]) -> str:
    return json.dumps(event, separators=(",", ":"))


def size(event: dict[str, Any], level: str, *keep: str, received: bool = False) -> int:
    """The apiserver's line for this event at ``level`` keeping the ``keep`` bodies, plus its newline; with
    ``received``, its RequestReceived event (no response status, no annotations)."""
    dropped = ("requestObject", "responseObject", *(("responseStatus", "annotations") if received else ()))
    at = {k: v for k, v in event.items() if k not in dropped or k in keep}
    if received:
        at["stage"] = "RequestReceived"
    at["level"] = level
    return len(line(at)) + 1


SECRET = {"kind": "Secret", "apiVersion": "v1", "metadata": {"name": "db"}, "data": {"password": "c2VjcmV0"}}
BINDING = {"kind": "RoleBinding", "roleRef": {"kind": "Role", "name": "edit"}, "subjects": [{"kind": "User"}]}
SECRETS = {"resource": "secrets", "namespace": "payments", "name": "db"}
BINDINGS = {"resource": "rolebindings", "namespace": "payments", "apiGroup": "rbac.authorization.k8s.io"}
PODS = {"resource": "pods", "namespace": "payments"}
EXEC = {"resource": "pods", "subresource": "exec", "namespace": "payments", "name": "api"}
SECRETS_URI = "/api/v1/namespaces/payments/secrets/db"
EXEC_URI = "/api/v1/namespaces/payments/pods/api/exec?command=sh&stdin=true"

TRAFFIC = [
    # day 1: a Secret read logged with its value, a health check, a RoleBinding created with both bodies
    ev("a1", "RequestReceived", "get", SECRETS_URI, DAY1, ref=SECRETS),
    ev("a1", "ResponseComplete", "get", SECRETS_URI, DAY1, ref=SECRETS, code=200, response=SECRET),
    ev("a2", "RequestReceived", "get", "/healthz?verbose=1", DAY1, "Metadata"),
    ev("a2", "ResponseComplete", "get", "/healthz?verbose=1", DAY1, "Metadata", code=200),
    ev("a3", "RequestReceived", "create", "/apis/rbac.authorization.k8s.io/v1/namespaces/payments/rolebindings", DAY1,
       ref=BINDINGS),
    ev("a3", "ResponseComplete", "create", "/apis/rbac.authorization.k8s.io/v1/namespaces/payments/rolebindings", DAY1,
       ref=BINDINGS, code=201, request=BINDING, response=BINDING),
    # day 2: a pod created but logged at Metadata, a failed login, an exec session
    ev("a4", "RequestReceived", "create", "/api/v1/namespaces/payments/pods", DAY2, "Metadata", ref=PODS),
    ev("a4", "ResponseComplete", "create", "/api/v1/namespaces/payments/pods", DAY2, "Metadata", ref=PODS, code=201),
    ev("a5", "ResponseStarted", "list", "/api/v1/namespaces/payments/secrets", DAY2, "Metadata",
       ref={"resource": "secrets", "namespace": "payments"}, user={}, code=401),
    ev("a6", "RequestReceived", "create", EXEC_URI, DAY2, "Metadata", ref=EXEC),
    ev("a6", "ResponseStarted", "create", EXEC_URI, DAY2, "Metadata", ref=EXEC, code=101),
    ev("a6", "ResponseComplete", "create", EXEC_URI, DAY2, "Metadata", ref=EXEC, code=101),
]  # fmt: skip


def write(path: Path, events: list[dict[str, Any]]) -> Path:
    path.write_text("".join(line(e) + "\n" for e in events))
    return path


def rows(doc: dict[str, Any]) -> dict[tuple[str, int | None], tuple[int, int, bool, int, int]]:
    return {
        (r["day"], r["rule"]): (r["events"], r["bytes"], r["bytes_lower_bound"], r["synthesized_request_received"],
                                r["dropped"])
        for r in doc["rows"]
    }  # fmt: skip


def invoke(tmp_path: Path, policy_text: bytes, events: list[dict[str, Any]], *args: str) -> Any:
    (tmp_path / "policy.yaml").write_bytes(policy_text)
    log = write(tmp_path / "audit.log", events)
    return CliRunner().invoke(policy, ["simulate", str(tmp_path / "policy.yaml"), "--log", str(log), *args])


def test_exact_events_and_bytes_per_day_by_rule(tmp_path: Path) -> None:
    result = invoke(tmp_path, POLICY, TRAFFIC, "-o", "json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    a1, a3, a4, a5, a6s, a6c = TRAFFIC[1], TRAFFIC[5], TRAFFIC[7], TRAFFIC[8], TRAFFIC[10], TRAFFIC[11]
    assert rows(doc) == {
        # Secrets at Metadata: the logged Secret value is not counted; RequestReceived omitted
        ("2026-03-02", 0): (1, size(a1, "Metadata"), False, 0, 1),
        ("2026-03-02", 1): (0, 0, False, 0, 2),  # /healthz: level None
        ("2026-03-02", 2): (1, size(a3, "RequestResponse", "requestObject", "responseObject"), False, 0, 1),
        # the catch-all logs the pod's body, which the source (Metadata) did not record: lower bound
        ("2026-03-03", 3): (3, size(a4, "Request") + size(a6s, "Request") + size(a6c, "Request"), True, 0, 2),
        ("2026-03-03", 0): (1, size(a5, "Metadata"), False, 0, 0),  # the 401 (no user) matches the Secrets rule
    }
    assert doc["totals"] == {
        "events_read": 12, "events_kept": 6, "events_synthesized": 0, "events_written": 6,
        "bytes_written": sum(r["bytes"] for r in doc["rows"]), "bytes_lower_bound": True, "dropped": 6,
        "dropped_level_none": 2, "dropped_omitted_stage": 4,
    }  # fmt: skip
    assert doc["days"]["2026-03-02"]["events"] == 2
    # only the pod create: the exec stream has no bodies to miss
    assert doc["notes"] == [
        "2026-03-03 rule 3: bytes are a lower bound, bodies not in source (1 event(s) logged below level Request)"
    ]
    assert "c2VjcmV0" not in result.output
    table = invoke(tmp_path, POLICY, TRAFFIC)
    assert table.exit_code == 0
    assert "dropped by policy: 6 (level None: 2, omitted stage: 4)" in table.output
    assert ">=" in table.output
    csv_out = invoke(tmp_path, POLICY, TRAFFIC, "-o", "csv")
    assert csv_out.output.splitlines()[0].startswith("day,rule,level,events,bytes,bytes_lower_bound")
    assert len(csv_out.output.splitlines()) == 6


def test_request_received_synthesized_when_the_source_omitted_it(tmp_path: Path) -> None:
    without = [e for e in TRAFFIC if e["stage"] != "RequestReceived"]
    result = invoke(tmp_path, KEEP_RECEIVED, without, "-o", "json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    by_id = {e["auditID"]: e for e in without if e["stage"] == "ResponseComplete"}
    logged = {day: [e for e in without if e["requestReceivedTimestamp"] == when] for day, when in
              (("2026-03-02", DAY1), ("2026-03-03", DAY2))}  # fmt: skip
    # one RequestReceived per request, sized from its last stage without what RequestReceived lacks; none for the
    # 401 (a5)
    synthetic1 = sum(size(by_id[i], "Metadata", received=True) for i in ("a1", "a2", "a3"))
    synthetic2 = sum(size(by_id[i], "Metadata", received=True) for i in ("a4", "a6"))
    # ... which is exactly the size of the RequestReceived events the source had
    received = {e["auditID"]: size(e, "Metadata") for e in TRAFFIC if e["stage"] == "RequestReceived"}
    assert synthetic1 + synthetic2 == sum(received.values())
    assert rows(doc) == {
        ("2026-03-02", 1): (3 + 3, sum(size(e, "Metadata") for e in logged["2026-03-02"]) + synthetic1, False, 3, 0),
        ("2026-03-03", 1): (4 + 2, sum(size(e, "Metadata") for e in logged["2026-03-03"]) + synthetic2, False, 2, 0),
    }
    assert doc["totals"]["events_synthesized"] == 5
    assert any("no RequestReceived events" in note for note in doc["notes"])
    # with RequestReceived in the source, nothing is synthesized
    doc = json.loads(invoke(tmp_path, KEEP_RECEIVED, TRAFFIC, "-o", "json").output)
    assert doc["totals"]["events_synthesized"] == 0 and doc["totals"]["events_kept"] == 12


def test_bad_lines_and_bad_policy(tmp_path: Path) -> None:
    (tmp_path / "policy.yaml").write_bytes(POLICY)
    log = tmp_path / "audit.log"
    log.write_text(line(TRAFFIC[1]) + "\n{broken\n" + '{"kind":"EventList","items":[]}\n')
    result = CliRunner().invoke(policy, ["simulate", str(tmp_path / "policy.yaml"), "--log", str(log), "-o", "json"])
    assert result.exit_code == 3
    assert f"{log}:2: not a valid audit event" in result.output
    assert f"{log}:3: EventList lines are not simulated" in result.output
    (tmp_path / "bad.yaml").write_text("rules: 3\n")
    result = CliRunner().invoke(policy, ["simulate", str(tmp_path / "bad.yaml"), "--log", str(log)])
    assert result.exit_code == 2


@st.composite
def logged(draw: st.DrawFn) -> dict[str, Any]:
    resource = draw(st.sampled_from([None, SECRETS, BINDINGS, PODS, EXEC]))
    level = draw(st.sampled_from(["Metadata", "Request", "RequestResponse"]))
    bodies = {}
    if resource is not None and level != "Metadata" and draw(st.booleans()):
        bodies["request"] = draw(st.sampled_from([BINDING, {"a": "é" * draw(st.integers(0, 50))}]))
    if resource is not None and level == "RequestResponse" and draw(st.booleans()):
        bodies["response"] = SECRET
    return ev(
        f"id{draw(st.integers(0, 9))}",
        draw(st.sampled_from(["RequestReceived", "ResponseStarted", "ResponseComplete", "Panic"])),
        draw(st.sampled_from(["get", "list", "create", "delete"])),
        draw(st.sampled_from(["/api/v1/x", "/healthz", "/metrics?x=1"])),
        draw(st.sampled_from([DAY1, DAY2])),
        level,
        ref=resource,
        user=draw(st.sampled_from([None, {}, {"username": "system:kube-proxy"}])),
        code=draw(st.sampled_from([None, 101, 200, 401, 403])),
        **bodies,
    )


def _policy(level: str) -> bytes:
    return b"apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: " + level.encode() + b"\n"


@settings(max_examples=60, deadline=None)
@given(st.lists(logged(), max_size=30), st.sampled_from([POLICY, KEEP_RECEIVED, _policy("None")]))
def test_every_event_is_kept_or_dropped_and_metadata_is_smallest(events: list[dict[str, Any]], text: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        log = write(Path(tmp) / "audit.log", events)
        result = simulate(parse_policy(text, "p").policy, [log])
        assert result.kept + result.dropped == result.events_read == len(events)
        metadata = simulate(parse_policy(_policy("Metadata"), "p").policy, [log])
        request = simulate(parse_policy(_policy("Request"), "p").policy, [log])
        full = simulate(parse_policy(_policy("RequestResponse"), "p").policy, [log])
        assert metadata.kept == request.kept == full.kept == len(events)
        # "Request" is one letter shorter than "Metadata": only RequestResponse is always the largest
        assert metadata.bytes <= full.bytes and request.bytes <= full.bytes
        synthesized = sum(r.synthesized_bytes for r in metadata.rows.values())
        assert metadata.bytes - synthesized == sum(size(e, "Metadata") for e in events)


def test_rules_are_described_by_level_and_selectors() -> None:
    from kubeward.audit.policy.simulate import describe_rule

    rules = parse_policy(POLICY + b"- level: None\n  users: [a]\n  namespaces: ['']\n  omitStages: [Panic]\n", "p")
    assert [describe_rule(r) for r in rules.policy.rules] == [
        "Metadata: core: secrets",
        "None: urls /healthz*",
        "RequestResponse: rbac.authorization.k8s.io: *",
        "Request: everything",
        'None: users a; namespaces ""; omit Panic',
    ]
    long = parse_policy(b"rules:\n- level: Metadata\n  users: [" + b",".join([b"user-x"] * 30) + b"]\n", "p")
    assert describe_rule(long.policy.rules[0]).endswith("...") and len(describe_rule(long.policy.rules[0])) == 90
