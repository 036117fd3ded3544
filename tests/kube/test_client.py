"""The thin client against the fixture API server: paging, relists, throttling, timeouts, typed errors."""

import socket
import threading
import time
from pathlib import Path

import msgspec
import pytest

from kubeward.inventory.model import VersionInfo
from kubeward.inventory.objects import Pod, RoleBinding, SecretMeta
from kubeward.kube.client import (
    METADATA_LIST,
    ApiError,
    ConnectionFailed,
    Forbidden,
    Gone,
    KubeClient,
    NotFound,
    RequestTimedOut,
    ResponseError,
    item_key,
)
from kubeward.kube.kubeconfig import ClusterConnection, ConnectionOptions, resolve_connection
from kubeward.testing.fixture_apiserver import FixtureCluster, UserInfo
from kubeward.testing.harness import FixtureEnvironment, fixture_environment

ALL_PODS = [
    "app/legacy-batch-28938520-rv6tq",
    "app/web-6d4cf56db6-2xv9k",
    "app/web-6d4cf56db6-8cfzl",
    "kube-system/coredns-7c65d6cfc9-x8k2p",
    "kube-system/coredns-7c65d6cfc9-zq4wn",
    "kube-system/etcd-cp-1",
    "kube-system/kube-apiserver-cp-1",
    "kube-system/kube-controller-manager-cp-1",
    "kube-system/kube-proxy-7tq8h",
    "kube-system/kube-proxy-m2xfn",
    "kube-system/kube-scheduler-cp-1",
    "monitoring/prometheus-0",
]


def connection(env: FixtureEnvironment, **options: object) -> ClusterConnection:
    return resolve_connection(ConnectionOptions(kubeconfig=str(env.kubeconfig()), **options), env={})  # type: ignore[arg-type]


class Sleeps:
    def __init__(self) -> None:
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


def test_get_json_decodes_only_declared_fields(fixture_env: FixtureEnvironment) -> None:
    with KubeClient(connection(fixture_env)) as client:
        version = client.get_json("/version", VersionInfo)
        pod = client.get_json("/api/v1/namespaces/app/pods/web-6d4cf56db6-2xv9k", Pod)
    assert version == VersionInfo(gitVersion="v1.31.4", major="1", minor="31", platform="linux/amd64")
    assert pod.metadata.name == "web-6d4cf56db6-2xv9k"
    assert pod.spec.serviceAccountName == "web"
    assert not hasattr(pod, "status")


def test_paging_with_limit_and_continue(fixture_env: FixtureEnvironment) -> None:
    with KubeClient(connection(fixture_env)) as client:
        pages = list(client.list_pages("/api/v1/pods", Pod, limit=5))
    assert [len(p.items) for p in pages] == [5, 5, 2]
    assert [item_key(i) for p in pages for i in p.items] == ALL_PODS
    assert [p.remaining_item_count for p in pages] == [7, 2, None]
    assert len({p.resource_version for p in pages}) == 1
    requests = fixture_env.server.requests
    assert [r.param("limit") for r in requests] == ["5", "5", "5"]
    assert requests[0].param("continue") is None
    assert requests[1].param("continue") == pages[0].continue_token
    assert requests[2].param("continue") == pages[1].continue_token
    assert pages[2].continue_token == ""


def test_chunk_size_zero_lists_in_one_request(fixture_env: FixtureEnvironment) -> None:
    with KubeClient(connection(fixture_env, chunk_size=0)) as client:
        pages = list(client.list_pages("/api/v1/pods", Pod))
    assert [len(p.items) for p in pages] == [12]
    assert fixture_env.server.requests[0].param("limit") is None


def test_namespaced_list_and_field_selector(fixture_env: FixtureEnvironment) -> None:
    with KubeClient(connection(fixture_env)) as client:
        app = [i for p in client.list_pages("/api/v1/namespaces/app/pods", Pod) for i in p.items]
        named = [
            i for p in client.list_pages("/api/v1/pods", Pod, field_selector="metadata.name=etcd-cp-1") for i in p.items
        ]
    assert [item_key(p) for p in app] == ALL_PODS[:3]
    assert [item_key(p) for p in named] == ["kube-system/etcd-cp-1"]


def test_metadata_only_secret_list(fixture_env: FixtureEnvironment) -> None:
    with KubeClient(connection(fixture_env)) as client:
        pages = list(client.list_pages("/api/v1/secrets", SecretMeta, accept=METADATA_LIST))
        raw = client.request("/api/v1/secrets", accept=METADATA_LIST)
    assert [item_key(s) for p in pages for s in p.items] == [
        "app/db-credentials",
        "app/legacy-bot-token",
        "app/web-tls",
        "kube-system/bootstrap-token-abcdef",
    ]
    # Secret values (base64 on the wire) are absent; only db-credentials' last-applied annotation embeds one,
    # as it does on real clusters, and the decoded objects drop that annotation.
    for value in (b"a3ViZXdhcmQtc2VjcmV0LWNhbmFyeS1ib290c3RyYXA=", b"LS0tLS1CRUdJTiBQUklWQVRFIEtFWS0tLS0tCmt1YmV3YXJk"):
        assert value not in raw
    assert b'"data":{' not in raw
    assert all(
        "kubectl.kubernetes.io/last-applied-configuration" not in s.metadata.annotations for p in pages for s in p.items
    )
    assert fixture_env.server.requests[0].accept == METADATA_LIST


def test_410_on_continue_restarts_without_duplicates(fixture_env: FixtureEnvironment) -> None:
    fixture_env.server.inject_gone("pods", nth_continue=1)
    with KubeClient(connection(fixture_env)) as client:
        pages = list(client.list_pages("/api/v1/pods", Pod, limit=5))
    assert [item_key(i) for p in pages for i in p.items] == ALL_PODS
    assert [(len(p.items), p.restarted) for p in pages] == [(5, False), (0, True), (5, False), (2, False)]
    statuses = [(r.param("continue") is not None, r.status) for r in fixture_env.server.requests]
    assert statuses == [(False, 200), (True, 410), (False, 200), (True, 200), (True, 200)]


def test_410_restarts_are_bounded(fixture_env: FixtureEnvironment) -> None:
    fixture_env.server.inject_gone("pods", nth_continue=1, times=10)
    with KubeClient(connection(fixture_env), max_relists=2) as client, pytest.raises(Gone) as info:
        list(client.list_pages("/api/v1/pods", Pod, limit=5))
    assert info.value.reason == "Expired"
    assert sum(1 for r in fixture_env.server.requests if r.status == 410) == 3


@pytest.mark.parametrize("status", [429, 503])
def test_retry_after_is_honoured(fixture_env: FixtureEnvironment, status: int) -> None:
    fixture_env.server.inject_throttle(2, retry_after=3, status=status)
    sleeps = Sleeps()
    with KubeClient(connection(fixture_env), sleep=sleeps) as client:
        assert client.get_json("/version", VersionInfo).gitVersion == "v1.31.4"
    assert sleeps.waits == [3.0, 3.0]
    assert [r.status for r in fixture_env.server.requests] == [status, status, 200]


def test_retry_after_wait_and_count_are_bounded(fixture_env: FixtureEnvironment) -> None:
    fixture_env.server.inject_throttle(5, retry_after=3600)
    sleeps = Sleeps()
    client = KubeClient(connection(fixture_env), sleep=sleeps, max_retries=3, max_retry_wait=0.5)
    with client, pytest.raises(ApiError) as info:
        client.get_json("/version", VersionInfo)
    assert sleeps.waits == [0.5, 0.5, 0.5]
    assert (info.value.status_code, info.value.reason) == (429, "TooManyRequests")


def test_real_retry_after_sleep(fixture_env: FixtureEnvironment) -> None:
    fixture_env.server.inject_throttle(1, retry_after=1)
    started = time.monotonic()
    with KubeClient(connection(fixture_env), max_retry_wait=0.2) as client:
        client.get_json("/version", VersionInfo)
    assert 0.2 <= time.monotonic() - started < 1.5


def test_hanging_endpoint_times_out(fixture_env: FixtureEnvironment) -> None:
    fixture_env.server.inject_hang("/api/v1/pods", seconds=10)
    started = time.monotonic()
    with KubeClient(connection(fixture_env, request_timeout=0.3)) as client, pytest.raises(RequestTimedOut) as info:
        list(client.list_pages("/api/v1/pods", Pod))
    assert time.monotonic() - started < 1.5
    assert "timed out after 0.3s" in str(info.value)
    assert isinstance(info.value, ConnectionFailed)


def test_unreachable_server(tmp_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    conn = resolve_connection(
        ConnectionOptions(server=f"https://127.0.0.1:{port}", token="t", insecure_skip_tls_verify=True),
        env={"HOME": str(tmp_path)},
    )
    with KubeClient(conn) as client, pytest.raises(ConnectionFailed, match=f"cannot reach https://127.0.0.1:{port}"):
        client.request("/version")


def test_typed_errors_carry_status_and_reason(live_cluster: FixtureCluster, tmp_path: Path) -> None:
    permissions = {"viewer": {("list", "pods"), ("get", "pods")}}
    with fixture_environment(
        live_cluster, tmp_path, tokens={"viewer-token": UserInfo("viewer")}, permissions=permissions
    ) as env:
        conn = resolve_connection(ConnectionOptions(kubeconfig=str(env.kubeconfig(token="viewer-token"))), env={})
        with KubeClient(conn) as client:
            with pytest.raises(Forbidden) as forbidden:
                list(client.list_pages("/api/v1/namespaces/kube-system/secrets", SecretMeta, accept=METADATA_LIST))
            with pytest.raises(NotFound) as missing:
                client.get_json("/api/v1/namespaces/app/pods/nope", Pod)
            with pytest.raises(Forbidden) as rbac:
                client.get_json("/apis/rbac.authorization.k8s.io/v1/rolebindings", RoleBinding)
    assert (forbidden.value.status_code, forbidden.value.reason) == (403, "Forbidden")
    assert forbidden.value.message == (
        'secrets is forbidden: User "viewer" cannot list resource "secrets" in API group "" '
        'in the namespace "kube-system"'
    )
    assert (missing.value.status_code, missing.value.message) == (404, 'pods "nope" not found')
    assert rbac.value.message == (
        'rolebindings.rbac.authorization.k8s.io is forbidden: User "viewer" cannot list resource "rolebindings" '
        'in API group "rbac.authorization.k8s.io" at the cluster scope'
    )


def test_unexpected_response_shape(fixture_env: FixtureEnvironment) -> None:
    class Strict(msgspec.Struct):
        major: int

    with KubeClient(connection(fixture_env)) as client, pytest.raises(ResponseError, match="Expected `int`, got `str`"):
        client.get_json("/version", Strict)


def test_concurrent_lists_share_one_client(fixture_env: FixtureEnvironment) -> None:
    results: list[list[str]] = []
    errors: list[BaseException] = []

    with KubeClient(connection(fixture_env)) as client:

        def worker() -> None:
            try:
                keys = [item_key(i) or "" for p in client.list_pages("/api/v1/pods", Pod, limit=2) for i in p.items]
                results.append(keys)
            except BaseException as exc:  # pragma: no cover - reported below
                errors.append(exc)

        threads = [threading.Thread(target=worker) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=10)
    assert errors == []
    assert results == [ALL_PODS] * 8
    assert len(fixture_env.server.requests) == 8 * 6
