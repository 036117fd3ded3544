"""The fixture API server speaks kube-apiserver's wire format, authenticates, authorizes and fails on demand."""

import base64
import json
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2
import pytest

from kubeward.testing.fixture_apiserver import FixtureCluster, FixtureError, UserInfo
from kubeward.testing.harness import ADMIN_TOKEN, FixtureEnvironment, fixture_environment
from kubeward.testing.pki import KeyPair

LIVE_CLUSTER = Path(__file__).resolve().parent.parent / "fixtures" / "live-cluster"
AGGREGATED = (
    "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,"
    "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json"
)


@pytest.fixture(scope="module")
def cluster() -> FixtureCluster:
    return FixtureCluster.load(LIVE_CLUSTER)


@pytest.fixture
def env(cluster: FixtureCluster, tmp_path: Path) -> Iterator[FixtureEnvironment]:
    tokens = {"viewer-token": UserInfo("viewer")}
    permissions = {"viewer": {("list", "pods"), ("get", "nodes/proxy")}}
    with fixture_environment(cluster, tmp_path, tokens=tokens, permissions=permissions) as environment:
        yield environment


def http(env: FixtureEnvironment, token: str | None = ADMIN_TOKEN, cert: KeyPair | None = None) -> httpx2.Client:
    context = ssl.create_default_context(cadata=env.ca.cert_pem.decode())
    if cert is not None:
        directory = env.workdir / "client"
        directory.mkdir(exist_ok=True)
        cert_path, key_path = cert.write(directory, "client")
        context.load_cert_chain(cert_path, key_path)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx2.Client(base_url=env.url, verify=context, headers=headers, timeout=5)


def get(env: FixtureEnvironment, path: str, **kwargs: Any) -> httpx2.Response:
    token = kwargs.pop("token", ADMIN_TOKEN)
    with http(env, token) as client:
        return client.get(path, **kwargs)


# --- wire format -----------------------------------------------------------------------------------


def test_list_items_have_no_kind_and_keep_everything_else(env: FixtureEnvironment) -> None:
    response = get(env, "/api/v1/namespaces/app/pods")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert (body["kind"], body["apiVersion"]) == ("PodList", "v1")
    assert body["metadata"] == {"resourceVersion": str(env.server.cluster.resource_version)}
    assert [i["metadata"]["name"] for i in body["items"]] == [
        "legacy-batch-28938520-rv6tq",
        "web-6d4cf56db6-2xv9k",
        "web-6d4cf56db6-8cfzl",
    ]
    item = body["items"][1]
    assert "kind" not in item and "apiVersion" not in item
    assert item["status"]["phase"] == "Running"
    assert item["metadata"]["managedFields"][0]["manager"] == "kube-controller-manager"


def test_single_get_has_kind_and_api_version(env: FixtureEnvironment) -> None:
    body = get(env, "/apis/apps/v1/namespaces/app/deployments/web").json()
    assert (body["kind"], body["apiVersion"], body["metadata"]["name"]) == ("Deployment", "apps/v1", "web")
    missing = get(env, "/apis/apps/v1/namespaces/app/deployments/nope")
    assert missing.status_code == 404
    assert missing.json() == {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": 'deployments.apps "nope" not found',
        "reason": "NotFound",
        "details": {"name": "nope", "group": "apps", "kind": "deployments"},
        "code": 404,
    }


def test_discovery_is_legacy_even_when_aggregated_is_asked(env: FixtureEnvironment) -> None:
    apis = get(env, "/apis", headers={"Accept": AGGREGATED})
    assert apis.headers["content-type"] == "application/json"
    body = apis.json()
    assert body["kind"] == "APIGroupList"
    flowcontrol = next(g for g in body["groups"] if g["name"] == "flowcontrol.apiserver.k8s.io")
    assert flowcontrol["versions"] == [
        {"groupVersion": "flowcontrol.apiserver.k8s.io/v1", "version": "v1"},
        {"groupVersion": "flowcontrol.apiserver.k8s.io/v1beta3", "version": "v1beta3"},
    ]
    assert get(env, "/api").json()["versions"] == ["v1"]
    core = get(env, "/api/v1").json()
    pods = next(r for r in core["resources"] if r["name"] == "pods")
    assert pods == {
        "name": "pods",
        "singularName": "pod",
        "namespaced": True,
        "kind": "Pod",
        "verbs": ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"],
        "shortNames": ["po"],
        "categories": ["all"],
    }
    assert any(r["name"] == "nodes/proxy" for r in core["resources"])
    assert get(env, "/version").json()["gitVersion"] == "v1.31.4"


def test_paging_tokens_are_opaque_and_consistent(env: FixtureEnvironment) -> None:
    with http(env) as client:
        first = client.get("/api/v1/pods", params={"limit": 5}).json()
        second = client.get("/api/v1/pods", params={"limit": 5, "continue": first["metadata"]["continue"]}).json()
        bad = client.get("/api/v1/pods", params={"limit": 5, "continue": "garbage"})
    assert len(first["items"]) == 5
    assert first["metadata"]["remainingItemCount"] == 7
    assert second["metadata"]["resourceVersion"] == first["metadata"]["resourceVersion"]
    assert second["items"][0]["metadata"]["name"] == "etcd-cp-1"
    assert json.loads(base64.urlsafe_b64decode(first["metadata"]["continue"]))["start"] == (
        "kube-system/coredns-7c65d6cfc9-zq4wn\x00"
    )
    assert bad.status_code == 400


def test_metadata_only_lists(env: FixtureEnvironment) -> None:
    accept = "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1"
    body = get(env, "/api/v1/secrets", headers={"Accept": accept}).json()
    assert (body["kind"], body["apiVersion"]) == ("PartialObjectMetadataList", "meta.k8s.io/v1")
    assert {tuple(i) for i in body["items"]} == {("kind", "apiVersion", "metadata")}
    assert {i["kind"] for i in body["items"]} == {"PartialObjectMetadata"}
    assert not any("data" in i or "type" in i for i in body["items"])


def test_field_and_label_selectors(env: FixtureEnvironment) -> None:
    def names(path: str, **params: str) -> list[str]:
        return [i["metadata"]["name"] for i in get(env, path, params=params).json()["items"]]

    assert names("/api/v1/secrets", fieldSelector="type=kubernetes.io/service-account-token") == ["legacy-bot-token"]
    assert names("/api/v1/secrets", fieldSelector="type!=Opaque,metadata.namespace=app") == [
        "legacy-bot-token",
        "web-tls",
    ]
    assert names("/api/v1/pods", fieldSelector="spec.nodeName=cp-1,metadata.name==etcd-cp-1") == ["etcd-cp-1"]
    assert names("/api/v1/pods", labelSelector="tier=control-plane,component!=etcd") == [
        "kube-apiserver-cp-1",
        "kube-controller-manager-cp-1",
        "kube-scheduler-cp-1",
    ]
    assert names("/api/v1/pods", labelSelector="k8s-app", limit="1") == ["coredns-7c65d6cfc9-x8k2p"]
    bad = get(env, "/api/v1/pods", params={"fieldSelector": "spec.secret=x"})
    assert (bad.status_code, bad.json()["message"]) == (400, "field label not supported: spec.secret")


def test_node_proxy_configz(env: FixtureEnvironment) -> None:
    body = get(env, "/api/v1/nodes/worker-1/proxy/configz").json()
    assert set(body) == {"kubeletconfig"}
    assert body["kubeletconfig"]["readOnlyPort"] == 10255
    assert get(env, "/api/v1/nodes/nope/proxy/configz").status_code == 404
    assert get(env, "/api/v1/nodes/cp-1/proxy/metrics").status_code == 404


def test_node_without_configz_is_unreachable(cluster: FixtureCluster, tmp_path: Path) -> None:
    partial = FixtureCluster.load(LIVE_CLUSTER)
    del partial.configz["cp-1"]
    with fixture_environment(partial, tmp_path) as environment:
        response = get(environment, "/api/v1/nodes/cp-1/proxy/configz")
    assert response.status_code == 503
    assert response.json()["reason"] == "ServiceUnavailable"


# --- authentication and authorization -----------------------------------------------------------------


def test_unauthenticated_is_401(env: FixtureEnvironment) -> None:
    for token in (None, "unknown-token"):
        response = get(env, "/api/v1/pods", token=token)
        assert response.status_code == 401
        assert response.json() == {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": "Unauthorized",
            "reason": "Unauthorized",
            "code": 401,
        }


def test_client_certificate_identity(env: FixtureEnvironment) -> None:
    with http(env, token=None, cert=env.client_cert("jane", ("devs", "ops"))) as client:
        review = client.post("/apis/authentication.k8s.io/v1/selfsubjectreviews", json={})
    assert review.status_code == 201
    assert review.json()["status"]["userInfo"] == {
        "username": "jane",
        "groups": ["devs", "ops", "system:authenticated"],
    }
    assert env.server.requests[-1].auth == "cert"


def test_forbidden_status_like_rbac(env: FixtureEnvironment) -> None:
    assert get(env, "/api/v1/pods", token="viewer-token").status_code == 200
    assert get(env, "/api/v1/nodes/cp-1/proxy/configz", token="viewer-token").status_code == 200
    response = get(env, "/api/v1/namespaces/app/secrets/db-credentials", token="viewer-token")
    assert response.status_code == 403
    assert response.json() == {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": 'secrets "db-credentials" is forbidden: User "viewer" cannot get resource "secrets" in API group "" '
        'in the namespace "app"',
        "reason": "Forbidden",
        "details": {"name": "db-credentials", "kind": "secrets"},
        "code": 403,
    }
    assert get(env, "/version", token="viewer-token").status_code == 200  # discovery is for everyone


def test_read_only(env: FixtureEnvironment) -> None:
    with http(env) as client:
        response = client.delete("/api/v1/namespaces/app/pods/web-6d4cf56db6-2xv9k")
    assert response.status_code == 405


# --- faults and records ----------------------------------------------------------------------------------


def test_gone_on_nth_continue(env: FixtureEnvironment) -> None:
    env.server.inject_gone("pods", nth_continue=2)
    with http(env) as client:
        token = ""
        statuses = []
        for _ in range(4):
            params: dict[str, Any] = {"limit": 3}
            if token:
                params["continue"] = token
            response = client.get("/api/v1/pods", params=params)
            statuses.append(response.status_code)
            if response.status_code != 200:
                assert response.json()["reason"] == "Expired"
                break
            token = response.json()["metadata"]["continue"]
    assert statuses == [200, 200, 410]


def test_throttle_with_retry_after(env: FixtureEnvironment) -> None:
    env.server.inject_throttle(2, retry_after=7)
    responses = [get(env, "/version") for _ in range(3)]
    assert [r.status_code for r in responses] == [429, 429, 200]
    assert responses[0].headers["retry-after"] == "7"
    assert responses[0].json()["details"] == {"retryAfterSeconds": 7}


def test_hang_is_released_on_stop(cluster: FixtureCluster, tmp_path: Path) -> None:
    with fixture_environment(cluster, tmp_path) as environment:
        environment.server.inject_hang("/api/v1/pods", seconds=30)
        with http(environment) as client, pytest.raises(httpx2.ReadTimeout):
            client.get("/api/v1/pods", timeout=0.2)
        started = time.monotonic()
    assert time.monotonic() - started < 2


def test_requests_are_recorded(env: FixtureEnvironment) -> None:
    get(env, "/api/v1/pods", params={"limit": "2"}, headers={"Accept": "application/json", "User-Agent": "probe/1"})
    [request] = env.server.requests
    assert (request.method, request.path, request.query, request.user, request.status) == (
        "GET",
        "/api/v1/pods",
        {"limit": ["2"]},
        "kubernetes-admin",
        200,
    )
    assert (request.auth, request.user_agent, request.param("limit")) == ("bearer", "probe/1", "2")


# --- loading fixtures and running as a process -------------------------------------------------------------


def test_unknown_kind_is_a_fixture_error(tmp_path: Path) -> None:
    (tmp_path / "odd.yaml").write_text("apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\n")
    with pytest.raises(FixtureError, match=r"odd.yaml: kind Widget \(example.com/v1\) is not served"):
        FixtureCluster.load(tmp_path)


def test_json_lists_and_multi_document_yaml(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_text(json.dumps({
        "apiVersion": "v1", "kind": "List",
        "items": [{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "x"}}],
    }))  # fmt: skip
    (tmp_path / "b.yaml").write_text(
        "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: s, namespace: x}\n---\n"
        "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: t}\n"
    )
    loaded = FixtureCluster.load(tmp_path)
    assert loaded.collections[("", "namespaces")].keys == ["x"]
    assert loaded.collections[("", "serviceaccounts")].keys == ["default/t", "x/s"]


def test_runs_as_a_subprocess(tmp_path: Path) -> None:
    from kubeward.testing.pki import TestCA

    ca = TestCA()
    cert, key = ca.issue_server("127.0.0.1").write(tmp_path, "server")
    process = subprocess.Popen(
        [sys.executable, "-m", "kubeward.testing.fixture_apiserver", "--data", str(LIVE_CLUSTER), "--port", "0",
         "--cert", str(cert), "--key", str(key), "--token", "tok=admin:system:masters"],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line.startswith("ready https://127.0.0.1:")
        url = line.split()[1]
        context = ssl.create_default_context(cadata=ca.cert_pem.decode())
        with httpx2.Client(verify=context, timeout=5) as client:
            response = client.get(url + "/api/v1/namespaces", headers={"Authorization": "Bearer tok"})
        assert len(response.json()["items"]) == 6
    finally:
        process.terminate()
        process.wait(timeout=10)
