"""Credentials against the fixture API server: tokens, token files, client certificates, exec plugins."""

import json
import os
import stat
import sys
import tempfile
import textwrap
from pathlib import Path
from typing import Any

import pytest

from kubeward.kube.auth import Authenticator, AuthError, ExecPlugin, private_files
from kubeward.kube.client import ConnectionFailed, KubeClient, Unauthorized
from kubeward.kube.kubeconfig import ClusterConnection, ConnectionOptions, ExecConfig, resolve_connection
from kubeward.testing.fixture_apiserver import FixtureCluster, UserInfo
from kubeward.testing.harness import FixtureEnvironment, b64, fixture_environment
from kubeward.testing.pki import TestCA

POD = "/api/v1/namespaces/app/pods/web-6d4cf56db6-2xv9k"


def connect(kubeconfig: Path, **options: Any) -> ClusterConnection:
    return resolve_connection(ConnectionOptions(kubeconfig=str(kubeconfig), **options), env={})


def whoami(env: FixtureEnvironment, conn: ClusterConnection, **client_kwargs: Any) -> tuple[str, str]:
    """GET a pod; return (user, credential kind) as the server saw them."""
    with KubeClient(conn, **client_kwargs) as client:
        client.request(POD)
    last = env.server.requests[-1]
    assert last.status == 200
    return last.user, last.auth


# --- bearer tokens ------------------------------------------------------------------------------------


def test_bearer_token(fixture_env: FixtureEnvironment) -> None:
    assert whoami(fixture_env, connect(fixture_env.kubeconfig())) == ("kubernetes-admin", "bearer")


def test_bad_token_is_unauthorized_without_leaking_it(fixture_env: FixtureEnvironment) -> None:
    conn = connect(fixture_env.kubeconfig(token="wrong-token-SECRET"))
    with KubeClient(conn) as client, pytest.raises(Unauthorized) as info:
        client.request(POD)
    assert info.value.status_code == 401
    assert info.value.reason == "Unauthorized"
    assert "SECRET" not in str(info.value)


def test_token_file_is_reread_when_it_changes(fixture_env: FixtureEnvironment, tmp_path: Path) -> None:
    fixture_env.server.tokens["alice-token-1"] = UserInfo("alice")
    fixture_env.server.tokens["bob-token-22"] = UserInfo("bob")
    token_file = tmp_path / "token"
    token_file.write_text("alice-token-1\n")
    kubeconfig = fixture_env.kubeconfig(user={"tokenFile": "token"})  # relative to the kubeconfig
    with KubeClient(connect(kubeconfig)) as client:
        client.request(POD)
        assert fixture_env.server.requests[-1].user == "alice"
        token_file.write_text("bob-token-22\n")  # projected tokens are rotated in place
        client.request(POD)
        assert fixture_env.server.requests[-1].user == "bob"


def test_unreadable_token_file_names_the_file(fixture_env: FixtureEnvironment, tmp_path: Path) -> None:
    conn = connect(fixture_env.kubeconfig(user={"tokenFile": str(tmp_path / "missing")}))
    with KubeClient(conn) as client, pytest.raises(AuthError, match=r"unable to read tokenFile .*missing"):
        client.request(POD)


def test_basic_auth_is_sent_only_as_basic(fixture_env: FixtureEnvironment) -> None:
    conn = connect(fixture_env.kubeconfig(user={"username": "admin", "password": "pw"}))
    with KubeClient(conn) as client, pytest.raises(Unauthorized):
        client.request(POD)  # kube-apiserver >= 1.19 (and the fixture server) reject basic auth
    assert fixture_env.server.requests[-1].auth == "basic"


def test_auth_provider_stored_token_is_used_as_bearer(fixture_env: FixtureEnvironment) -> None:
    fixture_env.server.tokens["oidc-id-token"] = UserInfo("oidc:jane")
    user = {
        "auth-provider": {
            "name": "oidc",
            "config": {"id-token": "oidc-id-token", "refresh-token": "r", "client-id": "k"},
        }
    }
    assert whoami(fixture_env, connect(fixture_env.kubeconfig(user=user))) == ("oidc:jane", "bearer")


def test_auth_provider_without_token_is_an_error(fixture_env: FixtureEnvironment) -> None:
    user = {"auth-provider": {"name": "gcp", "config": {"cmd-path": "/usr/bin/gcloud"}}}
    with pytest.raises(AuthError, match="auth-provider 'gcp' has no stored id-token or access-token"):
        Authenticator(connect(fixture_env.kubeconfig(user=user)))


def test_no_credentials_over_plain_http(fixture_env: FixtureEnvironment) -> None:
    conn = connect(fixture_env.kubeconfig(), server="http://127.0.0.1:1")
    assert "Authorization" not in Authenticator(conn).credentials().headers


def test_impersonation_headers(fixture_env: FixtureEnvironment) -> None:
    conn = connect(fixture_env.kubeconfig(), impersonate="jane", impersonate_groups=("devs",))
    assert whoami(fixture_env, conn) == ("jane", "bearer")


# --- client certificates ----------------------------------------------------------------------------------


def test_client_certificate_data(fixture_env: FixtureEnvironment) -> None:
    pair = fixture_env.client_cert("carol", ("devs",))
    user = {"client-certificate-data": b64(pair.cert_pem), "client-key-data": b64(pair.key_pem)}
    assert whoami(fixture_env, connect(fixture_env.kubeconfig(user=user))) == ("carol", "cert")


def test_client_certificate_files_relative_to_kubeconfig(fixture_env: FixtureEnvironment, tmp_path: Path) -> None:
    (tmp_path / "pki").mkdir()
    fixture_env.client_cert("dave").write(tmp_path / "pki", "dave")
    kubeconfig = fixture_env.kubeconfig(user={"client-certificate": "pki/dave.crt", "client-key": "pki/dave.key"})
    assert whoami(fixture_env, connect(kubeconfig)) == ("dave", "cert")


def test_client_key_data_via_private_directory_when_no_memfd(
    fixture_env: FixtureEnvironment, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delattr(os, "memfd_create", raising=False)
    created: list[str] = []
    real_mkdtemp = tempfile.mkdtemp

    def mkdtemp(*args: Any, **kwargs: Any) -> str:
        path = str(real_mkdtemp(*args, **kwargs))
        created.append(path)
        return path

    monkeypatch.setattr(tempfile, "mkdtemp", mkdtemp)
    pair = fixture_env.client_cert("erin")
    user = {"client-certificate-data": b64(pair.cert_pem), "client-key-data": b64(pair.key_pem)}
    assert whoami(fixture_env, connect(fixture_env.kubeconfig(user=user))) == ("erin", "cert")
    assert created and not any(os.path.exists(path) for path in created)


def test_private_files_are_private_and_removed(monkeypatch: pytest.MonkeyPatch) -> None:
    with private_files(b"cert", b"key") as paths:
        if hasattr(os, "memfd_create"):
            assert all(p.startswith("/proc/self/fd/") for p in paths)
        assert [Path(p).read_bytes() for p in paths] == [b"cert", b"key"]
    monkeypatch.delattr(os, "memfd_create", raising=False)
    with private_files(b"cert", b"key") as paths:
        directory = os.path.dirname(paths[0])
        assert stat.S_IMODE(os.stat(directory).st_mode) == 0o700
        assert [stat.S_IMODE(os.stat(p).st_mode) for p in paths] == [0o600, 0o600]
    assert not os.path.exists(directory)


def test_mismatched_certificate_and_key(fixture_env: FixtureEnvironment) -> None:
    cert = fixture_env.client_cert("frank")
    key = fixture_env.client_cert("gina")
    user = {"client-certificate-data": b64(cert.cert_pem), "client-key-data": b64(key.key_pem)}
    conn = connect(fixture_env.kubeconfig(user=user))
    with KubeClient(conn) as client, pytest.raises(AuthError) as info:
        client.request(POD)
    assert "client certificate and key of user 'fixture-user' cannot be used" in str(info.value)
    assert "PRIVATE KEY" not in str(info.value)


# --- server verification ------------------------------------------------------------------------------------


def test_wrong_ca_fails_verification(fixture_env: FixtureEnvironment) -> None:
    # A CA the serving certificate does not chain to.
    kubeconfig = fixture_env.kubeconfig(cluster_extra={"certificate-authority-data": b64(TestCA().cert_pem)})
    with KubeClient(connect(kubeconfig)) as client, pytest.raises(ConnectionFailed, match="CERTIFICATE_VERIFY_FAILED"):
        client.request(POD)


def test_insecure_skip_tls_verify(fixture_env: FixtureEnvironment) -> None:
    conn = connect(fixture_env.kubeconfig(), insecure_skip_tls_verify=True)
    assert conn.cluster.certificate_authority_data == b""
    assert whoami(fixture_env, conn) == ("kubernetes-admin", "bearer")


def test_tls_server_name(live_cluster: FixtureCluster, tmp_path: Path) -> None:
    # The serving certificate names only the in-cluster DNS name, as when reaching an API server by IP.
    with fixture_environment(live_cluster, tmp_path, server_hosts=("kubernetes.default.svc",)) as env:
        kubeconfig = env.kubeconfig()
        with (
            KubeClient(connect(kubeconfig)) as client,
            pytest.raises(ConnectionFailed, match="CERTIFICATE_VERIFY_FAILED"),
        ):
            client.request(POD)
        conn = connect(kubeconfig, tls_server_name="kubernetes.default.svc")
        assert whoami(env, conn) == ("kubernetes-admin", "bearer")


# --- exec credential plugins -----------------------------------------------------------------------------------

PLUGIN = textwrap.dedent(
    """
    import json, os, sys
    state = sys.argv[1]
    responses = json.load(open(os.path.join(state, "responses.json")))
    log = os.path.join(state, "runs.jsonl")
    runs = sum(1 for _ in open(log)) if os.path.exists(log) else 0
    record = {"argv": sys.argv[2:], "exec_info": json.loads(os.environ["KUBERNETES_EXEC_INFO"]),
              "mode": os.environ.get("MODE"), "stdin_tty": sys.stdin is not None and sys.stdin.isatty()}
    with open(log, "a") as handle:
        handle.write(json.dumps(record) + "\\n")
    response = responses[min(runs, len(responses) - 1)]
    sys.stdout.write(response["stdout"])
    sys.exit(response.get("exit", 0))
    """
)


def plugin_user(
    tmp_path: Path,
    responses: list[dict[str, Any]],
    *,
    api_version: str = "client.authentication.k8s.io/v1",
    interactive_mode: str | None = "Never",
    provide_cluster_info: bool = False,
) -> tuple[dict[str, Any], Path]:
    state = tmp_path / "plugin"
    state.mkdir(exist_ok=True)
    (state / "plugin.py").write_text(PLUGIN)
    (state / "responses.json").write_text(json.dumps(responses))
    exec_cfg: dict[str, Any] = {
        "apiVersion": api_version,
        "command": sys.executable,
        "args": [str(state / "plugin.py"), str(state), "--region", "eu"],
        "env": [{"name": "MODE", "value": "ci"}],
        "installHint": "install the fixture plugin",
        "provideClusterInfo": provide_cluster_info,
    }
    if interactive_mode is not None:
        exec_cfg["interactiveMode"] = interactive_mode
    return {"exec": exec_cfg}, state


def credential(api_version: str = "client.authentication.k8s.io/v1", **status: Any) -> dict[str, Any]:
    return {"stdout": json.dumps({"kind": "ExecCredential", "apiVersion": api_version, "status": status})}


def runs(state: Path) -> list[dict[str, Any]]:
    log = state / "runs.jsonl"
    return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []


def not_a_terminal() -> bool:
    return False


def test_exec_plugin_v1_with_cluster_info(fixture_env: FixtureEnvironment, tmp_path: Path) -> None:
    fixture_env.server.tokens["exec-token-v1"] = UserInfo("exec-user")
    user, state = plugin_user(tmp_path, [credential(token="exec-token-v1")], provide_cluster_info=True)
    extension = {"name": "client.authentication.k8s.io/exec", "extension": {"audience": "fixture"}}
    kubeconfig = fixture_env.kubeconfig(user=user, cluster_extra={"extensions": [extension]})
    conn = connect(kubeconfig)
    auth = Authenticator(conn, stdin_is_terminal=not_a_terminal)
    assert whoami(fixture_env, conn, authenticator=auth) == ("exec-user", "bearer")
    [run] = runs(state)
    assert run["argv"] == ["--region", "eu"]
    assert run["mode"] == "ci"
    assert run["stdin_tty"] is False
    assert run["exec_info"] == {
        "kind": "ExecCredential",
        "apiVersion": "client.authentication.k8s.io/v1",
        "spec": {
            "interactive": False,
            "cluster": {
                "server": fixture_env.url,
                "certificate-authority-data": b64(fixture_env.ca.cert_pem),
                "config": {"audience": "fixture"},
            },
        },
    }


def test_exec_plugin_v1beta1_is_cached_until_expiry(fixture_env: FixtureEnvironment, tmp_path: Path) -> None:
    fixture_env.server.tokens["exec-token-beta"] = UserInfo("beta-user")
    beta = "client.authentication.k8s.io/v1beta1"
    response = credential(beta, token="exec-token-beta", expirationTimestamp="2999-01-01T00:00:00Z")
    user, state = plugin_user(tmp_path, [response], api_version=beta, interactive_mode=None)
    conn = connect(fixture_env.kubeconfig(user=user))
    with KubeClient(conn, authenticator=Authenticator(conn, stdin_is_terminal=not_a_terminal)) as client:
        for _ in range(3):
            client.request(POD)
    assert [r.user for r in fixture_env.server.requests] == ["beta-user"] * 3
    [run] = runs(state)
    assert run["exec_info"] == {"kind": "ExecCredential", "apiVersion": beta, "spec": {"interactive": False}}


def test_exec_plugin_reruns_after_expiry(fixture_env: FixtureEnvironment, tmp_path: Path) -> None:
    fixture_env.server.tokens["short-lived"] = UserInfo("exec-user")
    user, state = plugin_user(tmp_path, [credential(token="short-lived", expirationTimestamp="2001-01-01T00:00:00Z")])
    conn = connect(fixture_env.kubeconfig(user=user))
    with KubeClient(conn) as client:
        client.request(POD)
        client.request(POD)
    assert len(runs(state)) == 2


def test_exec_plugin_refreshes_once_on_401(fixture_env: FixtureEnvironment, tmp_path: Path) -> None:
    fixture_env.server.tokens["fresh-token"] = UserInfo("exec-user")
    user, state = plugin_user(tmp_path, [credential(token="revoked-token"), credential(token="fresh-token")])
    assert whoami(fixture_env, connect(fixture_env.kubeconfig(user=user))) == ("exec-user", "bearer")
    assert [r.status for r in fixture_env.server.requests] == [401, 200]
    assert len(runs(state)) == 2


def test_exec_plugin_refresh_gives_up_after_one_retry(fixture_env: FixtureEnvironment, tmp_path: Path) -> None:
    user, state = plugin_user(
        tmp_path, [credential(token="bad-1"), credential(token="bad-2"), credential(token="bad-3")]
    )
    conn = connect(fixture_env.kubeconfig(user=user))
    with KubeClient(conn) as client, pytest.raises(Unauthorized):
        client.request(POD)
    assert [r.status for r in fixture_env.server.requests] == [401, 401]
    assert len(runs(state)) == 2


def test_exec_plugin_client_certificate(fixture_env: FixtureEnvironment, tmp_path: Path) -> None:
    pair = fixture_env.client_cert("exec-cert-user", ("ops",))
    response = credential(clientCertificateData=pair.cert_pem.decode(), clientKeyData=pair.key_pem.decode())
    user, _ = plugin_user(tmp_path, [response])
    assert whoami(fixture_env, connect(fixture_env.kubeconfig(user=user))) == ("exec-cert-user", "cert")


@pytest.mark.parametrize(
    ("response", "message"),
    [
        ({"stdout": json.dumps({"kind": "ExecCredential", "apiVersion": "client.authentication.k8s.io/v1",
                                "status": {"token": "LEAKED-TOKEN"}}), "exit": 3}, "failed with exit code 3"),
        ({"stdout": "not json LEAKED-TOKEN"}, "did not print a valid ExecCredential"),
        (credential("client.authentication.k8s.io/v1beta1", token="LEAKED-TOKEN"),
         "is configured to use API version client.authentication.k8s.io/v1, plugin returned version "
         "client.authentication.k8s.io/v1beta1"),
        ({"stdout": json.dumps({"kind": "ExecCredential", "apiVersion": "client.authentication.k8s.io/v1"})},
         "didn't return a status field"),
        (credential(), "didn't return a token or cert/key pair"),
        (credential(clientCertificateData="LEAKED-CERT"), "returned only certificate or key, not both"),
    ],
)  # fmt: skip
def test_exec_plugin_errors_never_show_output(
    response: dict[str, Any], message: str, fixture_env: FixtureEnvironment, tmp_path: Path
) -> None:
    user, _ = plugin_user(tmp_path, [response])
    conn = connect(fixture_env.kubeconfig(user=user))
    with KubeClient(conn) as client, pytest.raises(AuthError) as info:
        client.request(POD)
    assert message in str(info.value)
    assert "LEAKED" not in str(info.value)
    assert fixture_env.server.requests == []


def test_exec_plugin_not_found_shows_install_hint(fixture_env: FixtureEnvironment) -> None:
    user = {"exec": {"apiVersion": "client.authentication.k8s.io/v1", "command": "kubeward-no-such-plugin",
                     "interactiveMode": "Never", "installHint": "brew install the-plugin"}}  # fmt: skip
    conn = connect(fixture_env.kubeconfig(user=user))
    with KubeClient(conn) as client, pytest.raises(AuthError) as info:
        client.request(POD)
    assert str(info.value) == "exec plugin: executable kubeward-no-such-plugin not found\n\nbrew install the-plugin"


def test_interactive_modes_decide_stdin_passthrough(fixture_env: FixtureEnvironment) -> None:
    conn = connect(fixture_env.kubeconfig())
    seen: list[tuple[bool, bool]] = []

    def runner(argv: list[str], env: Any, interactive: bool) -> bytes:
        seen.append((interactive, json.loads(env["KUBERNETES_EXEC_INFO"])["spec"]["interactive"]))
        return str(credential(token="t")["stdout"]).encode()

    def config(mode: str) -> ExecConfig:
        return ExecConfig(command="p", api_version="client.authentication.k8s.io/v1", interactive_mode=mode)

    ExecPlugin(config("Never"), conn, runner=runner, stdin_is_terminal=lambda: True).current()
    ExecPlugin(config("IfAvailable"), conn, runner=runner, stdin_is_terminal=lambda: True).current()
    ExecPlugin(config("IfAvailable"), conn, runner=runner, stdin_is_terminal=lambda: False).current()
    ExecPlugin(config("Always"), conn, runner=runner, stdin_is_terminal=lambda: True).current()
    assert seen == [(False, False), (True, True), (False, False), (True, True)]
    with pytest.raises(AuthError, match="standard input is not a terminal"):
        ExecPlugin(config("Always"), conn, runner=runner, stdin_is_terminal=lambda: False).current()
