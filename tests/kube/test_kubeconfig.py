"""Kubeconfig loading, merging, overrides and in-cluster fallback, following kubectl's documented rules."""

import os
from pathlib import Path
from typing import Any

import pytest
import yaml

from kubeward.kube.kubeconfig import (
    ConnectionOptions,
    InClusterPaths,
    KubeconfigError,
    Secret,
    kubeconfig_paths,
    load_kubeconfig,
    parse_duration,
    resolve_connection,
)

CA_DATA = "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCmNhCi0tLS0tRU5EIENFUlRJRklDQVRFLS0tLS0K"


def write(directory: Path, name: str, doc: Any) -> Path:
    path = directory / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(doc if isinstance(doc, str) else yaml.safe_dump(doc))
    return path


def config(
    clusters: dict[str, dict[str, Any]] | None = None,
    users: dict[str, dict[str, Any]] | None = None,
    contexts: dict[str, dict[str, Any]] | None = None,
    current: str | None = None,
) -> dict[str, Any]:
    doc: dict[str, Any] = {"apiVersion": "v1", "kind": "Config"}
    doc["clusters"] = [{"name": n, "cluster": c} for n, c in (clusters or {}).items()]
    doc["users"] = [{"name": n, "user": u} for n, u in (users or {}).items()]
    doc["contexts"] = [{"name": n, "context": c} for n, c in (contexts or {}).items()]
    if current is not None:
        doc["current-context"] = current
    return doc


def env_for(*paths: Path, **extra: str) -> dict[str, str]:
    return {"KUBECONFIG": os.pathsep.join(str(p) for p in paths), **extra}


NO_POD = InClusterPaths(token="/nonexistent/token", ca="/nonexistent/ca.crt", namespace="/nonexistent/ns")


def resolve(opts: ConnectionOptions | None = None, env: dict[str, str] | None = None, **kw: Any) -> Any:
    kw.setdefault("in_cluster", NO_POD)
    return resolve_connection(opts or ConnectionOptions(), env or {}, **kw)


# --- precedence of files ---------------------------------------------------------------------------


def test_first_file_wins_whole_entries_and_current_context(tmp_path: Path) -> None:
    a = write(
        tmp_path,
        "a/config",
        config(
            clusters={"red": {"server": "https://a.example:6443"}},
            users={"red-user": {"token": "token-a"}},
            contexts={"red": {"cluster": "red", "user": "red-user"}},
            current="red",
        ),
    )
    b = write(
        tmp_path,
        "b/config",
        config(
            # Same names: discarded entirely, even the non-conflicting tls-server-name / namespace.
            clusters={"red": {"server": "https://b.example:6443", "tls-server-name": "b.internal"}},
            users={"red-user": {"token": "token-b", "as": "someone"}},
            contexts={"red": {"cluster": "red", "user": "red-user", "namespace": "from-b"}, "blue": {"cluster": "red"}},
            current="blue",
        ),
    )
    conn = resolve(env=env_for(a, b))
    assert conn.context_name == "red"
    assert conn.server == "https://a.example:6443"
    assert conn.cluster.tls_server_name == ""
    assert conn.user.token == Secret("token-a")
    assert conn.user.impersonate == ""
    assert conn.namespace == "default"
    assert conn.files == (str(a), str(b))
    merged = load_kubeconfig([str(a), str(b)])
    assert sorted(merged.contexts) == ["blue", "red"]
    assert merged.contexts["blue"].origin == str(b)
    assert merged.clusters["red"].origin == str(a)


def test_first_non_empty_current_context_wins(tmp_path: Path) -> None:
    a = write(tmp_path, "a", config(clusters={"c": {"server": "https://a:1"}}, contexts={"x": {"cluster": "c"}}))
    b = write(tmp_path, "b", config(contexts={"y": {"cluster": "c"}}, current="y"))
    c = write(tmp_path, "c", config(current="x"))
    assert resolve(env=env_for(a, b, c)).context_name == "y"


def test_missing_and_empty_entries_are_skipped(tmp_path: Path) -> None:
    good = write(
        tmp_path,
        "good",
        config(clusters={"c": {"server": "https://good:1"}}, contexts={"g": {"cluster": "c"}}, current="g"),
    )
    missing = tmp_path / "missing"
    env = {"KUBECONFIG": f"{missing}{os.pathsep}{os.pathsep}{good}{os.pathsep}{good}"}
    paths, explicit = kubeconfig_paths(None, env)
    assert paths == [str(missing), str(good)]
    assert explicit is False
    merged = load_kubeconfig(paths)
    assert merged.missing == (str(missing),)
    assert resolve(env=env).server == "https://good:1"


def test_unparseable_file_is_an_error_naming_it(tmp_path: Path) -> None:
    good = write(tmp_path, "good", config(current="x"))
    bad = write(tmp_path, "bad", "clusters: [\n  - name: x\n   cluster: {")
    with pytest.raises(KubeconfigError) as info:
        resolve(env=env_for(good, bad))
    assert str(bad) in str(info.value)


def test_wrong_field_type_is_an_error_naming_file_and_entry(tmp_path: Path) -> None:
    bad = write(
        tmp_path, "bad", config(clusters={"c": {"server": "https://x", "insecure-skip-tls-verify": "yes please"}})
    )
    with pytest.raises(KubeconfigError, match=r"bad: clusters\[0\].cluster: field 'insecure-skip-tls-verify'"):
        resolve(env=env_for(bad))


def test_invalid_base64_names_field_but_not_value(tmp_path: Path) -> None:
    bad = write(tmp_path, "bad", config(users={"u": {"client-key-data": "not*base64*SECRETVALUE"}}))
    with pytest.raises(KubeconfigError) as info:
        load_kubeconfig([str(bad)])
    assert "client-key-data" in str(info.value)
    assert "SECRETVALUE" not in str(info.value)


def test_duplicate_names_within_one_file_are_an_error(tmp_path: Path) -> None:
    doc = config(clusters={"c": {"server": "https://x"}})
    doc["clusters"].append({"name": "c", "cluster": {"server": "https://y"}})
    bad = write(tmp_path, "dup", doc)
    with pytest.raises(KubeconfigError, match="duplicate name 'c' in clusters"):
        load_kubeconfig([str(bad)])


def test_explicit_kubeconfig_is_the_only_file(tmp_path: Path) -> None:
    a = write(
        tmp_path, "a", config(clusters={"c": {"server": "https://a:1"}}, contexts={"x": {"cluster": "c"}}, current="x")
    )
    b = write(
        tmp_path, "b", config(clusters={"c": {"server": "https://b:1"}}, contexts={"x": {"cluster": "c"}}, current="x")
    )
    conn = resolve(ConnectionOptions(kubeconfig=str(b)), env_for(a))
    assert conn.server == "https://b:1"
    assert conn.files == (str(b),)
    with pytest.raises(KubeconfigError, match="no such file"):
        resolve(ConnectionOptions(kubeconfig=str(tmp_path / "nope")), env_for(a))


def test_home_config_when_kubeconfig_unset(tmp_path: Path) -> None:
    write(
        tmp_path,
        ".kube/config",
        config(clusters={"c": {"server": "https://home:1"}}, contexts={"h": {"cluster": "c"}}, current="h"),
    )
    assert resolve(env={"HOME": str(tmp_path)}).server == "https://home:1"
    assert resolve(env={"KUBECONFIG": "", "HOME": str(tmp_path)}).server == "https://home:1"
    assert kubeconfig_paths(None, {}, home="/h") == (["/h/.kube/config"], False)


# --- relative paths --------------------------------------------------------------------------------


def test_relative_paths_resolve_against_the_defining_file(tmp_path: Path) -> None:
    kc = write(
        tmp_path,
        "conf/kubeconfig",
        config(
            clusters={"c": {"server": "https://x:1", "certificate-authority": "pki/ca.crt"}},
            users={
                "cert": {"client-certificate": "pki/user.crt", "client-key": "../keys/user.key"},
                "tok": {"tokenFile": "token"},
                "exec-rel": {
                    "exec": {
                        "apiVersion": "client.authentication.k8s.io/v1",
                        "command": "./bin/plugin",
                        "interactiveMode": "Never",
                    }
                },
                "exec-path": {
                    "exec": {
                        "apiVersion": "client.authentication.k8s.io/v1",
                        "command": "gke-gcloud-auth-plugin",
                        "interactiveMode": "Never",
                    }
                },
                "abs": {"tokenFile": "/var/run/token"},
            },
        ),
    )
    merged = load_kubeconfig([str(kc)])
    base = tmp_path / "conf"
    assert merged.clusters["c"].certificate_authority == str(base / "pki" / "ca.crt")
    assert merged.users["cert"].client_certificate == str(base / "pki" / "user.crt")
    assert merged.users["cert"].client_key == str(tmp_path / "keys" / "user.key")
    assert merged.users["tok"].token_file == str(base / "token")
    exec_rel = merged.users["exec-rel"].exec
    exec_path = merged.users["exec-path"].exec
    assert exec_rel is not None and exec_rel.command == str(base / "bin" / "plugin")
    assert exec_path is not None and exec_path.command == "gke-gcloud-auth-plugin"
    assert merged.users["abs"].token_file == "/var/run/token"


def test_command_line_paths_are_relative_to_cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    kc = write(
        tmp_path,
        "k/config",
        config(clusters={"c": {"server": "https://x:1"}}, contexts={"x": {"cluster": "c"}}, current="x"),
    )
    monkeypatch.chdir(tmp_path)
    conn = resolve(
        ConnectionOptions(
            kubeconfig=str(kc), certificate_authority="ca.pem", client_certificate="u.crt", client_key="u.key"
        )
    )
    assert conn.cluster.certificate_authority == str(tmp_path / "ca.pem")
    assert conn.user.client_certificate == str(tmp_path / "u.crt")
    assert conn.user.client_key == str(tmp_path / "u.key")


# --- overrides ---------------------------------------------------------------------------------------


@pytest.fixture
def two_contexts(tmp_path: Path) -> Path:
    return write(
        tmp_path,
        "kc",
        config(
            clusters={
                "prod": {
                    "server": "https://prod:6443",
                    "certificate-authority-data": CA_DATA,
                    "tls-server-name": "prod.internal",
                },
                "dev": {"server": "https://dev:6443", "insecure-skip-tls-verify": True},
            },
            users={"alice": {"token": "alice-token"}, "bob": {"tokenFile": "/run/bob"}},
            contexts={
                "prod": {"cluster": "prod", "user": "alice", "namespace": "payments"},
                "dev": {"cluster": "dev", "user": "bob"},
            },
            current="prod",
        ),
    )


def test_context_cluster_and_user_overrides(two_contexts: Path) -> None:
    conn = resolve(ConnectionOptions(kubeconfig=str(two_contexts)))
    assert (conn.context_name, conn.cluster_name, conn.user_name, conn.namespace) == (
        "prod",
        "prod",
        "alice",
        "payments",
    )
    conn = resolve(ConnectionOptions(kubeconfig=str(two_contexts), context="dev"))
    assert (conn.server, conn.user_name, conn.namespace) == ("https://dev:6443", "bob", "default")
    conn = resolve(ConnectionOptions(kubeconfig=str(two_contexts), cluster="dev", user="bob", namespace="ops"))
    assert (conn.context_name, conn.server, conn.user.token_file, conn.namespace) == (
        "prod",
        "https://dev:6443",
        "/run/bob",
        "ops",
    )
    assert conn.namespace_explicit is True


def test_unknown_context_cluster_user_are_errors(two_contexts: Path) -> None:
    with pytest.raises(KubeconfigError, match="context was not found for specified context: nope"):
        resolve(ConnectionOptions(kubeconfig=str(two_contexts), context="nope"))
    with pytest.raises(KubeconfigError, match="cluster 'nope' does not exist"):
        resolve(ConnectionOptions(kubeconfig=str(two_contexts), cluster="nope"))
    with pytest.raises(KubeconfigError, match="auth info 'nope' does not exist"):
        resolve(ConnectionOptions(kubeconfig=str(two_contexts), user="nope"))


def test_server_override_drops_file_tls_server_name(two_contexts: Path) -> None:
    conn = resolve(ConnectionOptions(kubeconfig=str(two_contexts), server="https://10.0.0.1:6443"))
    assert conn.server == "https://10.0.0.1:6443"
    assert conn.cluster.tls_server_name == ""
    assert conn.cluster.certificate_authority_data  # the CA still applies
    conn = resolve(
        ConnectionOptions(kubeconfig=str(two_contexts), server="https://10.0.0.1:6443", tls_server_name="api")
    )
    assert conn.cluster.tls_server_name == "api"


def test_tls_overrides(two_contexts: Path, tmp_path: Path) -> None:
    conn = resolve(ConnectionOptions(kubeconfig=str(two_contexts), insecure_skip_tls_verify=True))
    assert conn.cluster.insecure_skip_tls_verify is True
    assert conn.cluster.certificate_authority_data == b""
    conn = resolve(
        ConnectionOptions(kubeconfig=str(two_contexts), context="dev", certificate_authority=str(tmp_path / "ca"))
    )
    assert conn.cluster.insecure_skip_tls_verify is False
    assert conn.cluster.certificate_authority == str(tmp_path / "ca")


def test_token_override_replaces_token_file(two_contexts: Path) -> None:
    conn = resolve(ConnectionOptions(kubeconfig=str(two_contexts), context="dev", token="cli-token"))
    assert conn.user.token == Secret("cli-token")
    assert conn.user.token_file == ""


def test_server_flag_alone_needs_no_kubeconfig(tmp_path: Path) -> None:
    conn = resolve(ConnectionOptions(server="https://1.2.3.4:6443", token="t"), env={"HOME": str(tmp_path)})
    assert conn.server == "https://1.2.3.4:6443"
    assert conn.in_cluster is False
    bare = resolve(ConnectionOptions(server="10.0.0.1:6443", token="t"), env={"HOME": str(tmp_path)})
    assert bare.server == "https://10.0.0.1:6443"


# --- in-cluster fallback ------------------------------------------------------------------------------


@pytest.fixture
def pod_files(tmp_path: Path) -> InClusterPaths:
    sa = tmp_path / "sa"
    sa.mkdir()
    (sa / "token").write_text("projected-token")
    (sa / "ca.crt").write_text("ca")
    (sa / "namespace").write_text("team-a\n")
    return InClusterPaths(token=str(sa / "token"), ca=str(sa / "ca.crt"), namespace=str(sa / "namespace"))


POD_ENV = {"KUBERNETES_SERVICE_HOST": "10.96.0.1", "KUBERNETES_SERVICE_PORT": "443"}


def test_in_cluster_only_when_no_kubeconfig(tmp_path: Path, pod_files: InClusterPaths) -> None:
    env = {"HOME": str(tmp_path / "home"), **POD_ENV}
    conn = resolve(env=env, in_cluster=pod_files)
    assert conn.in_cluster is True
    assert conn.server == "https://10.96.0.1:443"
    assert conn.cluster.certificate_authority == pod_files.ca
    assert conn.user.token_file == pod_files.token
    assert conn.namespace == "team-a"
    assert resolve(env={**env, "POD_NAMESPACE": "from-env"}, in_cluster=pod_files).namespace == "from-env"
    assert resolve(ConnectionOptions(namespace="cli"), env, in_cluster=pod_files).namespace == "cli"

    kc = write(
        tmp_path,
        "home/.kube/config",
        config(clusters={"c": {"server": "https://kc:1"}}, contexts={"x": {"cluster": "c"}}, current="x"),
    )
    assert kc.exists()
    conn = resolve(env=env, in_cluster=pod_files)
    assert conn.in_cluster is False
    assert conn.server == "https://kc:1"


def test_in_cluster_when_kubeconfig_selects_nothing(tmp_path: Path, pod_files: InClusterPaths) -> None:
    # A kubeconfig without a current context resolves to an empty cluster: client-go then tries in-cluster.
    kc = write(tmp_path, "kc", config(clusters={"c": {"server": "https://kc:1"}}))
    conn = resolve(env={**env_for(kc), **POD_ENV}, in_cluster=pod_files)
    assert conn.in_cluster is True


def test_in_cluster_ipv6_and_overrides(tmp_path: Path, pod_files: InClusterPaths) -> None:
    env = {"HOME": str(tmp_path), "KUBERNETES_SERVICE_HOST": "fd00::1", "KUBERNETES_SERVICE_PORT": "6443"}
    conn = resolve(ConnectionOptions(token="override"), env, in_cluster=pod_files)
    assert conn.server == "https://[fd00::1]:6443"
    assert conn.user.token == Secret("override")
    assert conn.user.token_file == ""


def test_no_configuration_at_all_is_an_error(tmp_path: Path, pod_files: InClusterPaths) -> None:
    with pytest.raises(KubeconfigError, match="no configuration has been provided"):
        resolve(env={"HOME": str(tmp_path)}, in_cluster=pod_files)  # no KUBERNETES_SERVICE_HOST
    with pytest.raises(KubeconfigError, match="no configuration has been provided"):
        resolve(env={"HOME": str(tmp_path), **POD_ENV})  # no token file


# --- validation of users and clusters --------------------------------------------------------------------


def kc_with_user(tmp_path: Path, user: dict[str, Any], cluster: dict[str, Any] | None = None) -> ConnectionOptions:
    kc = write(
        tmp_path,
        "kc",
        config(
            clusters={"c": cluster or {"server": "https://x:1"}},
            users={"u": user},
            contexts={"x": {"cluster": "c", "user": "u"}},
            current="x",
        ),
    )
    return ConnectionOptions(kubeconfig=str(kc))


def test_two_auth_techniques_in_one_user_is_an_error(tmp_path: Path) -> None:
    opts = kc_with_user(tmp_path, {"token": "SECRET-TOKEN", "username": "admin", "password": "SECRET-PASSWORD"})
    with pytest.raises(KubeconfigError) as info:
        resolve(opts)
    message = str(info.value)
    assert "more than one authentication method found for user 'u'" in message
    assert "['token', 'basicAuth']" in message
    assert "SECRET" not in message


def test_cert_without_key_and_exec_with_auth_provider_are_errors(tmp_path: Path) -> None:
    with pytest.raises(KubeconfigError, match="client-key-data or client-key must be specified"):
        resolve(kc_with_user(tmp_path, {"client-certificate": "/c.crt"}))
    exec_cfg = {"apiVersion": "client.authentication.k8s.io/v1", "command": "p", "interactiveMode": "Never"}
    with pytest.raises(KubeconfigError, match="authProvider cannot be provided in combination with an exec plugin"):
        resolve(kc_with_user(tmp_path, {"exec": exec_cfg, "auth-provider": {"name": "oidc", "config": {}}}))


def test_exec_validation(tmp_path: Path) -> None:
    with pytest.raises(KubeconfigError, match="interactiveMode must be specified"):
        resolve(kc_with_user(tmp_path, {"exec": {"apiVersion": "client.authentication.k8s.io/v1", "command": "p"}}))
    with pytest.raises(KubeconfigError, match=r"unsupported apiVersion 'client\.authentication\.k8s\.io/v1alpha1'"):
        resolve(
            kc_with_user(
                tmp_path,
                {
                    "exec": {
                        "apiVersion": "client.authentication.k8s.io/v1alpha1",
                        "command": "p",
                        "interactiveMode": "Never",
                    }
                },
            )
        )
    with pytest.raises(KubeconfigError, match="invalid interactiveMode"):
        resolve(
            kc_with_user(
                tmp_path,
                {
                    "exec": {
                        "apiVersion": "client.authentication.k8s.io/v1",
                        "command": "p",
                        "interactiveMode": "Sometimes",
                    }
                },
            )
        )
    conn = resolve(
        kc_with_user(tmp_path, {"exec": {"apiVersion": "client.authentication.k8s.io/v1beta1", "command": "p"}})
    )
    assert conn.user.exec is not None and conn.user.exec.interactive_mode == "IfAvailable"


def test_insecure_with_ca_is_an_error(tmp_path: Path) -> None:
    opts = kc_with_user(
        tmp_path, {}, {"server": "https://x:1", "insecure-skip-tls-verify": True, "certificate-authority-data": CA_DATA}
    )
    with pytest.raises(KubeconfigError, match="insecure flag is not allowed"):
        resolve(opts)


def test_no_server_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(KubeconfigError, match="no server found for cluster 'c'"):
        resolve(kc_with_user(tmp_path, {}, {"certificate-authority-data": CA_DATA}))


def test_basic_auth_and_auth_provider_are_accepted_with_warnings(tmp_path: Path) -> None:
    conn = resolve(kc_with_user(tmp_path, {"username": "admin", "password": "pw"}))
    assert conn.warnings and "basic authentication" in conn.warnings[0]
    conn = resolve(
        kc_with_user(tmp_path, {"auth-provider": {"name": "oidc", "config": {"id-token": "jwt", "client-id": "k"}}})
    )
    assert conn.warnings and "legacy auth-provider 'oidc'" in conn.warnings[0]


def test_credentials_never_appear_in_reprs(tmp_path: Path) -> None:
    opts = kc_with_user(
        tmp_path,
        {
            "token": "TOKEN-VALUE-1",
            "client-certificate-data": "Q0VSVC1EQVRBLTI=",
            "client-key-data": "S0VZLURBVEEtMw==",
            "exec": {"apiVersion": "client.authentication.k8s.io/v1", "command": "p", "interactiveMode": "Never",
                     "env": [{"name": "SECRET_ENV", "value": "ENV-VALUE-4"}]},
        },
    )  # fmt: skip
    conn = resolve(opts)
    text = repr(conn) + str(conn) + repr(ConnectionOptions(token="TOKEN-VALUE-5"))
    for needle in ("TOKEN-VALUE", "CERT-DATA", "KEY-DATA", "ENV-VALUE", "Q0VSVC", "S0VZ"):
        assert needle not in text
    assert conn.user.client_key_data is not None and conn.user.client_key_data.reveal() == b"KEY-DATA-3"


def test_parse_duration() -> None:
    assert parse_duration("0") is None
    assert parse_duration("30") == 30.0
    assert parse_duration("1m30s") == 90.0
    assert parse_duration("500ms") == 0.5
    assert parse_duration("1h") == 3600.0
    with pytest.raises(ValueError, match="invalid duration"):
        parse_duration("10 minutes")
