import pytest

from kubeward.probe.targets import TargetError, expand


def test_host_gives_the_default_port_set() -> None:
    requests = expand("10.0.0.1")
    ports = {(r.port, r.scheme, r.endpoint.component) for r in requests}
    assert ports == {
        (6443, "https", "apiserver"),
        (10250, "https", "kubelet"),
        (10255, "http", "kubelet-readonly"),
        (2379, "auto", "etcd"),
        (8080, "http", "insecure-port"),
    }
    paths = {r.endpoint.path for r in requests if r.port == 6443}
    assert paths == {
        "/api/v1/namespaces",
        "/api",
        "/version",
        "/healthz",
        "/livez",
        "/readyz",
        "/.well-known/openid-configuration",
        "/openid/v1/jwks",
    }
    assert {r.endpoint.path for r in requests if r.port == 10250} == {"/pods", "/runningpods/", "/configz", "/metrics"}


def test_url_with_path_is_that_endpoint() -> None:
    [request] = expand("https://kube.example.com:6443/api/v1/namespaces")
    assert request.url == "https://kube.example.com:6443/api/v1/namespaces"
    assert not request.endpoint.public
    [kubelet] = expand("https://10.0.0.2:31000/pods")
    assert kubelet.endpoint.component == "kubelet"


def test_url_without_path_and_host_port_use_the_port_catalog() -> None:
    assert {r.endpoint.component for r in expand("https://kube.example.com")} == {"apiserver"}
    assert {r.port for r in expand("https://kube.example.com")} == {443}
    assert {r.endpoint.component for r in expand("10.0.0.3:10250")} == {"kubelet"}
    assert {r.scheme for r in expand("10.0.0.3:10255")} == {"http"}
    assert {r.url.split("/")[2] for r in expand("[::1]:6443")} == {"[::1]:6443"}


@pytest.mark.parametrize("bad", ["", "ftp://x", "https://", "host:99999"])
def test_bad_targets(bad: str) -> None:
    with pytest.raises(TargetError):
        expand(bad)
