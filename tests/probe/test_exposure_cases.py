"""Each exposure case against a real server on loopback: verdicts, meanings, TLS facts, timeouts,
and that only GET requests are ever sent."""

import time
from collections.abc import Callable

import pytest

from kubeward.inventory.probes import VERDICTS, EndpointProbe
from kubeward.probe.catalog import ETCD, INSECURE, KUBELET
from kubeward.probe.run import ProbeOptions, run_probe
from kubeward.probe.targets import Request
from kubeward.testing import exposure

Start = Callable[..., exposure.Running]
FAST = ProbeOptions(timeout=2.0, deadline=20.0)


def by_path(run_endpoints: tuple[EndpointProbe, ...]) -> dict[str, tuple[int | None, str, str]]:
    return {p.url.split("/", 3)[3]: (p.status, p.verdict, p.severity) for p in run_endpoints}


def test_apiserver_anonymous_off(start: Start) -> None:
    server = start(exposure.apiserver("off"))
    run = run_probe([f"https://127.0.0.1:{server.port}"], FAST)
    assert {p.verdict for p in run.endpoints} == {"authn-required"}
    assert {p.status for p in run.endpoints} == {401}
    assert all(method == "GET" for method, _ in server.requests)


def test_apiserver_anonymous_on_but_forbidden(start: Start) -> None:
    server = start(exposure.apiserver("forbidden"))
    run = run_probe([f"https://127.0.0.1:{server.port}"], FAST)
    got = by_path(run.endpoints)
    assert got["api/v1/namespaces"] == (403, "anonymous-forbidden", "medium")
    assert got["api"] == (403, "anonymous-forbidden", "medium")
    for public in ("version", "healthz", "livez", "readyz", ".well-known/openid-configuration", "openid/v1/jwks"):
        assert got[public] == (200, "public-by-design", "info"), public
    namespaces = next(p for p in run.endpoints if p.url.endswith("/namespaces"))
    assert "anonymous authentication is ON" in namespaces.meaning


def test_apiserver_anonymous_on_and_allowed(start: Start) -> None:
    server = start(exposure.apiserver("allowed"))
    run = run_probe([f"https://127.0.0.1:{server.port}"], FAST)
    got = by_path(run.endpoints)
    assert got["api/v1/namespaces"] == (200, "anonymous-allowed", "critical")
    assert got["api"] == (200, "anonymous-allowed", "medium")
    assert got["version"] == (200, "public-by-design", "info")


@pytest.mark.parametrize(
    ("anonymous", "authorization", "verdict", "status"),
    [
        (False, "Webhook", "authn-required", 401),
        (True, "Webhook", "anonymous-forbidden", 403),
        (True, "AlwaysAllow", "anonymous-allowed", 200),
    ],
)
def test_kubelet_each_auth_setting(
    start: Start, anonymous: bool, authorization: str, verdict: str, status: int
) -> None:
    server = start(exposure.kubelet(anonymous, authorization))
    requests = [Request("https", "127.0.0.1", server.port, endpoint) for endpoint in KUBELET]
    run = run_probe([], FAST, requests=requests)
    assert [(p.status, p.verdict, p.component) for p in run.endpoints] == [(status, verdict, "kubelet")] * 4
    if verdict == "anonymous-forbidden":
        # the peers' mistake: a 403 is not access
        assert all(p.severity == "medium" and "not access" in p.meaning for p in run.endpoints)
    if verdict == "anonymous-allowed":
        assert all(p.severity == "critical" for p in run.endpoints)


def test_read_only_port_open(start: Start) -> None:
    server = start(exposure.read_only_port(), tls=False)
    run = run_probe([f"http://127.0.0.1:{server.port}/pods"], FAST)
    [probe] = run.endpoints
    assert (probe.component, probe.status, probe.verdict, probe.severity) == (
        "kubelet-readonly",
        200,
        "anonymous-allowed",
        "high",
    )
    assert run.tls == ()


def test_etcd_with_and_without_client_certificates(start: Start, ca: object) -> None:
    from kubeward.testing.pki import TestCA

    client_ca = TestCA().cert_pem
    mtls = start(exposure.etcd(), client_ca=client_ca)
    open_tls = start(exposure.etcd())
    plain = start(exposure.etcd(), tls=False)
    requests = [Request("auto", "127.0.0.1", server.port, ETCD[0]) for server in (mtls, open_tls, plain)]
    run = run_probe([], FAST, requests=requests)
    assert [(p.verdict, p.url.split(":")[0]) for p in run.endpoints] == [
        ("authn-required", "https"),
        ("anonymous-allowed", "https"),
        ("anonymous-allowed", "http"),
    ]
    assert run.endpoints[0].meaning == "etcd requires a TLS client certificate"
    assert run.endpoints[2].severity == "critical"


def test_insecure_port_needs_kubernetes_content(start: Start) -> None:
    kube = start(exposure.always(200, b'{"kind":"APIVersions","versions":["v1"]}'), tls=False)
    other = start(exposure.always(200, b"<html>welcome to nginx</html>"), tls=False)
    requests = [Request("http", "127.0.0.1", s.port, INSECURE[0]) for s in (kube, other)]
    run = run_probe([], FAST, requests=requests)
    assert [p.verdict for p in run.endpoints] == ["anonymous-allowed", "closed"]
    assert run.endpoints[0].severity == "critical"


def test_closed_port_and_unreachable_host() -> None:
    port = exposure.closed_port()
    run = run_probe([f"https://127.0.0.1:{port}/version", "https://no-such-host.invalid:6443/version"], FAST)
    assert [p.verdict for p in run.endpoints] == ["closed", "error"]
    assert run.endpoints[0].error == "connection refused"
    assert run.endpoints[1].error.startswith("unreachable")


def test_hanging_server_is_bounded_by_the_timeout() -> None:
    hanging = exposure.serve_hanging()
    try:
        started = time.monotonic()
        run = run_probe(
            [f"https://127.0.0.1:{hanging.port}/version", f"http://127.0.0.1:{hanging.port}/pods"],
            ProbeOptions(timeout=0.5, deadline=10),
        )
        elapsed = time.monotonic() - started
    finally:
        hanging.stop()
    assert elapsed < 3.0
    assert [p.verdict for p in run.endpoints] == ["error", "error"]
    assert all("0.5s" in p.error for p in run.endpoints)


def test_global_deadline_reports_unfinished_endpoints() -> None:
    hanging = exposure.serve_hanging()
    try:
        started = time.monotonic()
        run = run_probe(
            [f"http://127.0.0.1:{hanging.port}/pods"] * 4, ProbeOptions(timeout=5, deadline=0.5, concurrency=2)
        )
        elapsed = time.monotonic() - started
    finally:
        hanging.stop()
    assert elapsed < 2.0
    assert {p.verdict for p in run.endpoints} == {"error"}
    assert any("deadline" in p.meaning for p in run.endpoints)


def test_tls_failures_are_errors(start: Start) -> None:
    plain = start(exposure.apiserver("off"), tls=False)
    tls = start(exposure.apiserver("off"))
    run = run_probe([f"https://127.0.0.1:{plain.port}/version", f"http://127.0.0.1:{tls.port}/version"], FAST)
    assert [p.verdict for p in run.endpoints] == ["error", "error"]
    assert run.endpoints[0].error.startswith("TLS handshake failed")


def test_tls_facts(start: Start) -> None:
    server = start(exposure.apiserver("off"))
    run = run_probe([f"https://127.0.0.1:{server.port}/version"], FAST)
    [facts] = run.tls
    assert facts.endpoint == f"127.0.0.1:{server.port}"
    assert facts.protocol == "TLSv1.3"
    assert "TLSv1.2" in facts.accepted and "TLSv1.3" in facts.accepted
    assert "TLSv1.0" not in facts.accepted
    assert facts.issuer and facts.subject and facts.not_after
    assert facts.self_signed is False and facts.expired is False
    assert run.vantage.source_addresses == ("127.0.0.1",)
    assert "relative" in run.vantage.note


def test_verdicts_come_from_the_fixed_vocabulary(start: Start) -> None:
    server = start(exposure.apiserver("forbidden"))
    run = run_probe([f"127.0.0.1:{server.port}", "127.0.0.1"], ProbeOptions(timeout=1, deadline=10))
    assert {p.verdict for p in run.endpoints} <= set(VERDICTS)
    assert all(method == "GET" for method, _ in server.requests)
