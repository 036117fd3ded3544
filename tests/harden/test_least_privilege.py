"""Least-privilege roles from audit logs, proven with kubeward's own RBAC evaluator: every logged
authorized request is allowed by the generated roles, and nothing else is (beyond what a rule
without resourceNames must allow for a logged list/watch/create)."""

from __future__ import annotations

import itertools
import json
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.harden.roundtrip import DEMO_VERSION
from tests.support.openapi import assert_valid

from kubeward.harden._access import HardenInputError
from kubeward.harden.least_privilege import NAMED_VERBS, AuditSubject, build_roles, collect_usage, least_privilege
from kubeward.inventory.builder import InventoryBuilder
from kubeward.inventory.model import CollectionRecord, Target
from kubeward.inventory.objects import ClusterRole, ClusterRoleBinding, Role, RoleBinding
from kubeward.rbac.identity import AUTHENTICATED, Identity, service_account_identity
from kubeward.rbac.index import RbacIndex
from kubeward.rbac.policy import RbacPolicy
from kubeward.rbac.request import Request, non_resource_request, resource_request
from kubeward.scan import demo_root

DEMO_LOG = demo_root().parent / "audit" / "audit.log"
KINDS = {
    "ClusterRole": (ClusterRole, "clusterroles"),
    "ClusterRoleBinding": (ClusterRoleBinding, "clusterrolebindings"),
    "Role": (Role, "roles"),
    "RoleBinding": (RoleBinding, "rolebindings"),
}


def index_of(objects: Iterable[Mapping[str, Any]]) -> RbacIndex:
    """The RBAC engine over exactly these objects (every RBAC part collected)."""
    grouped: dict[str, list[Any]] = {part: [] for _, part in KINDS.values()}
    for obj in objects:
        cls, part = KINDS[obj["kind"]]
        grouped[part].append(msgspec.convert(obj, cls))
    builder = InventoryBuilder(Target(kind="offline", name="test"))
    for part, items in grouped.items():
        builder.add_objects(part, items)
        builder.record(CollectionRecord(part=part, status="collected", count=len(items)))
    return RbacIndex(RbacPolicy.from_inventory(builder.build()))


# --- audit events of real shape -----------------------------------------------------------------------

_counter = itertools.count(1)


def event_pair(
    user: str,
    verb: str,
    *,
    resource: str = "",
    subresource: str = "",
    namespace: str = "",
    name: str = "",
    group: str = "",
    path: str = "",
    code: int = 200,
    decision: str | None = "allow",
    impersonated: Mapping[str, Any] | None = None,
    groups: Sequence[str] = (AUTHENTICATED,),
) -> list[str]:
    """RequestReceived + ResponseComplete lines of one request, as kube-apiserver logs them."""
    audit_id = f"00000000-0000-4000-8000-{next(_counter):012d}"
    base: dict[str, Any] = {
        "kind": "Event",
        "apiVersion": "audit.k8s.io/v1",
        "level": "Metadata",
        "auditID": audit_id,
        "requestURI": path or f"/api/v1/namespaces/{namespace}/{resource}",
        "verb": verb,
        "user": {"username": user, "groups": list(groups)},
        "sourceIPs": ["10.0.0.1"],
        "userAgent": "kubectl/v1.31.2",
        "requestReceivedTimestamp": "2026-03-02T08:00:00.000001Z",
        "stageTimestamp": "2026-03-02T08:00:00.000001Z",
    }
    if impersonated is not None:
        base["impersonatedUser"] = dict(impersonated)
    if resource:
        ref: dict[str, Any] = {"resource": resource, "apiVersion": "v1"}
        for key, value in (("namespace", namespace), ("name", name), ("apiGroup", group), ("subresource", subresource)):
            if value:
                ref[key] = value
        base["objectRef"] = ref
    received = {**base, "stage": "RequestReceived"}
    complete = {**base, "stage": "ResponseComplete", "responseStatus": {"metadata": {}, "code": code}}
    if decision is not None:
        complete["annotations"] = {"authorization.k8s.io/decision": decision, "authorization.k8s.io/reason": ""}
    return [json.dumps(received), json.dumps(complete)]


def write_log(path: Path, lines: Iterable[str]) -> Path:
    path.write_text("\n".join(lines) + "\n")
    return path


# --- the demo log --------------------------------------------------------------------------------------


def test_demo_deployer_roles_follow_upstream_semantics() -> None:
    subject = AuditSubject.parse_service_account("ci/deployer")
    result = least_privilege([DEMO_LOG], subject)
    by_key = {(o["kind"], o["metadata"].get("namespace", "")): o for o in result.objects}
    assert set(by_key) == {
        ("ClusterRole", ""),
        ("ClusterRoleBinding", ""),
        ("Role", "ci"),
        ("RoleBinding", "ci"),
        ("Role", "monitoring"),
        ("RoleBinding", "monitoring"),
        ("Role", "payments"),
        ("RoleBinding", "payments"),
    }
    payments = by_key[("Role", "payments")]["rules"]
    # create carries no name for authorization: no resourceNames, even though the event back-fills one
    assert {"apiGroups": [""], "resources": ["pods"], "verbs": ["create"]} in payments
    # the demo's stolen-token list of payments Secrets is in the log too: roles learnt from a log learn
    # what an intruder did with the identity — review them against `kubeward audit anomalies`
    assert {"apiGroups": [""], "resources": ["secrets"], "verbs": ["create", "list"]} in payments
    assert {"apiGroups": ["apps"], "resources": ["deployments"], "resourceNames": ["api"], "verbs": ["get"]} in payments
    # watch: never resourceNames; the request was in ci only
    assert {"apiGroups": [""], "resources": ["secrets"], "verbs": ["watch"]} in by_key[("Role", "ci")]["rules"]
    # alice impersonated the deployer to read a ConfigMap: authorized as the deployer, so it counts
    assert {"apiGroups": [""], "resources": ["configmaps"], "resourceNames": ["pipeline-config"], "verbs": ["get"]} in (
        by_key[("Role", "ci")]["rules"]
    )
    assert by_key[("ClusterRoleBinding", "")]["subjects"] == [
        {"kind": "ServiceAccount", "name": "deployer", "namespace": "ci"}
    ]
    assert_valid(result.objects, DEMO_VERSION)


def test_demo_roles_allow_every_logged_request_and_nothing_broader() -> None:
    result = least_privilege([DEMO_LOG], AuditSubject.parse_service_account("ci/deployer"))
    index = index_of(result.objects)
    me = service_account_identity("ci", "deployer")
    allowed = [
        resource_request("watch", "secrets", namespace="ci"),
        resource_request("create", "secrets", namespace="payments"),
        resource_request(
            "patch", "roles", api_group="rbac.authorization.k8s.io", name="payments-editor", namespace="payments"
        ),
        resource_request("create", "daemonsets", api_group="apps", namespace="monitoring"),
        resource_request("create", "pods", namespace="payments"),
        resource_request(
            "patch",
            "validatingwebhookconfigurations",
            api_group="admissionregistration.k8s.io",
            name="policy-controller",
        ),
        resource_request("get", "deployments", api_group="apps", name="api", namespace="payments"),
        resource_request("get", "configmaps", name="pipeline-config", namespace="ci"),
    ]
    for request in allowed:
        assert index.can_i(me, request).allowed, request
    broader = [
        resource_request("get", "secrets", name="x", namespace="ci"),  # other verb on the same resource
        resource_request("list", "secrets", namespace="ci"),
        resource_request("watch", "secrets", namespace="payments"),  # other namespace
        resource_request("watch", "secrets"),  # cluster-wide
        resource_request("create", "pods", namespace="ci"),
        resource_request("create", "pods", subresource="exec", name="web", namespace="payments"),
        resource_request("get", "deployments", api_group="apps", name="other", namespace="payments"),
        resource_request("patch", "roles", api_group="rbac.authorization.k8s.io", name="admin", namespace="payments"),
        resource_request(
            "delete",
            "validatingwebhookconfigurations",
            api_group="admissionregistration.k8s.io",
            name="policy-controller",
        ),
        non_resource_request("get", "/metrics"),
    ]
    for request in broader:
        assert not index.can_i(me, request).allowed, request


def test_impersonation_is_granted_by_name(tmp_path: Path) -> None:
    result = least_privilege([DEMO_LOG], AuditSubject.user("alice@example.com"))
    index = index_of(result.objects)
    alice = Identity("alice@example.com", frozenset({AUTHENTICATED}))
    assert index.can_i(
        alice, resource_request("impersonate", "serviceaccounts", name="deployer", namespace="ci")
    ).allowed
    assert not index.can_i(
        alice, resource_request("impersonate", "serviceaccounts", name="default", namespace="ci")
    ).allowed
    # what alice did as the deployer is the deployer's, not hers
    assert not index.can_i(alice, resource_request("get", "configmaps", name="pipeline-config", namespace="ci")).allowed
    # subresources are kept: pods/portforward, nodes/proxy and CSR approval, never the parent resource
    assert index.can_i(
        alice, resource_request("create", "pods", subresource="portforward", name="x", namespace="payments")
    ).allowed
    assert not index.can_i(alice, resource_request("create", "pods", namespace="payments")).allowed
    assert index.can_i(alice, resource_request("get", "nodes", subresource="proxy", name="worker-1")).allowed
    assert not index.can_i(alice, resource_request("get", "nodes", name="worker-1")).allowed


def test_denied_unauthenticated_and_throttled_requests_are_left_out(tmp_path: Path) -> None:
    lines = [
        *event_pair("u", "get", resource="pods", namespace="a", name="p"),
        *event_pair("u", "list", resource="secrets", namespace="a", code=403, decision="forbid"),
        *event_pair("u", "list", resource="configmaps", namespace="a", code=429, decision=None),
        *event_pair("u", "get", resource="services", namespace="a", name="s", code=404, decision=None),
        *event_pair("v", "delete", resource="pods", namespace="a", name="p"),
    ]
    usage = collect_usage([write_log(tmp_path / "audit.log", lines)], "u")
    assert usage.requests == 2  # the pod get, and the 404 get (authorized, then not found)
    assert usage.skipped_unauthorized == 2
    assert {u.resource for u in usage.resources} == {"pods", "services"}


def test_stages_of_one_request_count_once_and_exec_is_create_on_the_subresource(tmp_path: Path) -> None:
    exec_lines = event_pair("u", "create", resource="pods", subresource="exec", namespace="a", name="p", code=101)
    started = json.loads(exec_lines[1]) | {"stage": "ResponseStarted"}
    lines = [exec_lines[0], json.dumps(started), exec_lines[1], exec_lines[1]]
    usage = collect_usage([write_log(tmp_path / "audit.log", lines)], "u")
    assert usage.requests == 1
    objects = build_roles(usage, AuditSubject.user("u"))
    assert objects[0]["rules"] == [{"apiGroups": [""], "resources": ["pods/exec"], "verbs": ["create"]}]


def test_no_events_of_the_subject_is_an_input_error(tmp_path: Path) -> None:
    log = write_log(tmp_path / "audit.log", event_pair("someone", "get", resource="pods", namespace="a", name="p"))
    with pytest.raises(HardenInputError, match=r"no authorized request of nobody"):
        least_privilege([log], AuditSubject.user("nobody"))
    with pytest.raises(HardenInputError, match="no audit events"):
        least_privilege([write_log(tmp_path / "empty.log", ["{}"])], AuditSubject.user("nobody"))
    with pytest.raises(HardenInputError, match="no such file"):
        least_privilege([tmp_path / "missing.log"], AuditSubject.user("nobody"))


def test_many_names_drop_resource_names_and_names_can_be_turned_off(tmp_path: Path) -> None:
    lines = [line for i in range(4) for line in event_pair("u", "get", resource="pods", namespace="a", name=f"p{i}")]
    usage = collect_usage([write_log(tmp_path / "audit.log", lines)], "u")
    assert build_roles(usage, AuditSubject.user("u"), max_names=3)[0]["rules"] == [
        {"apiGroups": [""], "resources": ["pods"], "verbs": ["get"]}
    ]
    assert "resourceNames" in build_roles(usage, AuditSubject.user("u"))[0]["rules"][0]
    assert "resourceNames" not in build_roles(usage, AuditSubject.user("u"), resource_names=False)[0]["rules"][0]


# --- the property --------------------------------------------------------------------------------------

RESOURCES = [  # (group, resource, subresource, namespaced)
    ("", "pods", "", True),
    ("", "pods", "log", True),
    ("", "pods", "exec", True),
    ("", "secrets", "", True),
    ("apps", "deployments", "", True),
    ("apps", "deployments", "scale", True),
    ("", "nodes", "", False),
    ("rbac.authorization.k8s.io", "clusterroles", "", False),
]
VERBS = ["get", "list", "watch", "create", "update", "patch", "delete", "deletecollection"]
NAMES = ["x", "y"]
NAMESPACES = ["a", "b"]
URLS = [("get", "/healthz"), ("get", "/metrics"), ("post", "/api/v1/x")]


@st.composite
def logged_request(draw: st.DrawFn) -> dict[str, Any]:
    if draw(st.integers(0, 9)) == 0:
        verb, path = draw(st.sampled_from(URLS))
        return {"verb": verb, "path": path, "allowed": draw(st.booleans())}
    group, resource, sub, namespaced = draw(st.sampled_from(RESOURCES))
    verb = draw(st.sampled_from(VERBS))
    namespace = draw(st.sampled_from([*NAMESPACES, ""])) if namespaced else ""
    # subresource requests name their object (POST /pods/NAME/exec included)
    if sub or verb in ("get", "update", "patch", "delete"):
        name = draw(st.sampled_from(NAMES))
    elif verb == "create":
        name = draw(st.sampled_from(["", *NAMES]))  # back-filled from the body: not seen by the authorizer
    elif verb in ("list", "watch"):
        name = draw(st.sampled_from(["", "", *NAMES]))  # fieldSelector metadata.name
    else:
        name = ""
    return {
        "verb": verb,
        "group": group,
        "resource": resource,
        "sub": sub,
        "namespace": namespace,
        "name": name,
        "allowed": draw(st.integers(0, 4)) > 0,
    }


def _authz_name(r: Mapping[str, Any]) -> str:
    """The name the authorizer saw: a collection create has none whatever the event back-filled."""
    return "" if r["verb"] == "create" and not r["sub"] else str(r["name"])


def _as_request(r: Mapping[str, Any], name: str | None = None) -> Request:
    if "path" in r:
        return non_resource_request(r["verb"], r["path"])
    return resource_request(
        r["verb"],
        r["resource"],
        api_group=r["group"],
        subresource=r["sub"],
        name=_authz_name(r) if name is None else name,
        namespace=r["namespace"],
    )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(logged_request(), min_size=1, max_size=25))
def test_generated_roles_allow_exactly_the_logged_requests(requests: list[dict[str, Any]]) -> None:
    user = "dev@example.com"
    lines: list[str] = []
    for r in requests:
        code, decision = (200, "allow") if r["allowed"] else (403, "forbid")
        if "path" in r:
            lines += event_pair(user, r["verb"], path=r["path"], code=code, decision=decision)
        else:
            lines += event_pair(
                user,
                r["verb"],
                resource=r["resource"],
                subresource=r["sub"],
                namespace=r["namespace"],
                name=r["name"],
                group=r["group"],
                code=code,
                decision=decision,
            )
    allowed_log = [r for r in requests if r["allowed"]]
    with tempfile.TemporaryDirectory() as folder:
        log = write_log(Path(folder) / "audit.log", lines)
        usage = collect_usage([log], user)
    if not allowed_log:
        assert usage.empty
        return
    objects = build_roles(usage, AuditSubject.user(user), max_names=len(NAMES))
    index = index_of(objects)
    me = Identity(user, frozenset({AUTHENTICATED}))
    # 1. every logged authorized request is allowed
    for r in allowed_log:
        assert index.can_i(me, _as_request(r)).allowed, r
    # 2. every allowed request of the universe is a logged one, or implied by a rule without names
    #    from a logged list/watch/create/deletecollection (or an unnamed request), in its namespace or
    #    cluster-wide (a ClusterRoleBinding rule applies in every namespace)
    logged = {
        (r["verb"], r["group"], r["resource"], r["sub"], r["namespace"], _authz_name(r))
        for r in allowed_log
        if "path" not in r
    }
    urls = {(r["verb"], r["path"]) for r in allowed_log if "path" in r}
    for verb, path in URLS:
        assert index.can_i(me, non_resource_request(verb, path)).allowed == ((verb, path) in urls)
    for (group, resource, sub, namespaced), verb in itertools.product(RESOURCES, VERBS):
        for namespace in [*NAMESPACES, ""] if namespaced else [""]:
            for name in ["", *NAMES, "z"]:
                request = resource_request(
                    verb, resource, api_group=group, subresource=sub, name=name, namespace=namespace
                )
                if not index.can_i(me, request).allowed:
                    continue
                scopes = {namespace, ""}
                exact = any((verb, group, resource, sub, ns, name) in logged for ns in scopes)
                unnamed = any(
                    (verb, group, resource, sub, ns) == (v, g, res, s, lns) and (verb not in NAMED_VERBS or not n)
                    for (v, g, res, s, lns, n) in logged
                    for ns in scopes
                )
                assert exact or unnamed, f"{request} is allowed but was never logged"


def test_rotated_and_gzipped_logs_are_read(tmp_path: Path) -> None:
    import gzip

    folder = tmp_path / "audit"
    folder.mkdir()
    with gzip.open(folder / "audit-2026-03-01T00-00-00.000.log.gz", "wt") as handle:
        handle.write("\n".join(event_pair("u", "list", resource="pods", namespace="a")) + "\n")
    write_log(folder / "audit.log", event_pair("u", "get", resource="configmaps", namespace="a", name="c"))
    result = least_privilege([folder], AuditSubject.user("u"))
    assert result.usage.stats.files == 2
    (role,) = [o for o in result.objects if o["kind"] == "Role"]
    assert role["rules"] == [
        {"apiGroups": [""], "resources": ["configmaps"], "resourceNames": ["c"], "verbs": ["get"]},
        {"apiGroups": [""], "resources": ["pods"], "verbs": ["list"]},
    ]
