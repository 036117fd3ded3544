"""harden kubeconfig: an OIDC exec kubeconfig that kubeward's loader and real kubectl both read, with no
credential in it; and real kubectl agreeing with the workload merge patches (``kubectl patch --local``)."""

from __future__ import annotations

import base64
import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import trustme
import yaml
from click.testing import CliRunner
from tests.harden.roundtrip import DEMO_VERSION
from tests.support.openapi import assert_valid

from kubeward.cli.main import cli
from kubeward.harden._access import HardenInputError, to_yaml
from kubeward.harden.kubeconfig import (
    ClusterSource,
    cluster_from_flags,
    cluster_from_kubeconfig,
    oidc_kubeconfig,
    viewers_binding,
)
from kubeward.harden.workloads import merge, plan_workloads
from kubeward.kube.kubeconfig import load_kubeconfig
from kubeward.scan import OfflineSources, demo_root, load_offline_inventory

ISSUER = "https://login.example.com/realms/platform"


def _kubectl() -> str | None:
    for candidate in (str(Path(sys.executable).parent / "kubectl"), shutil.which("kubectl")):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


KUBECTL = _kubectl()
needs_kubectl = pytest.mark.skipif(KUBECTL is None, reason="no kubectl binary (the test extra installs one)")


def run_kubectl(*args: str) -> Any:
    assert KUBECTL is not None
    env = {"PATH": os.environ.get("PATH", ""), "HOME": "/nonexistent", "KUBECONFIG": "/dev/null"}
    done = subprocess.run([KUBECTL, *args], capture_output=True, text=True, timeout=60, env=env, check=False)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.fixture
def ca_file(tmp_path: Path) -> Path:
    path = tmp_path / "ca.crt"
    path.write_bytes(trustme.CA().cert_pem.bytes())
    return path


def test_kubeconfig_uses_the_exec_plugin_and_embeds_the_ca(tmp_path: Path, ca_file: Path) -> None:
    source = cluster_from_flags("https://api.prod.example.com:6443", ca_file)
    config = oidc_kubeconfig("prod", source, issuer_url=ISSUER, client_id="kubernetes", namespace="shop")
    path = tmp_path / "kubeconfig"
    path.write_text(to_yaml(config))
    loaded = load_kubeconfig([str(path)], explicit=True)
    assert loaded.current_context == "prod"
    user = loaded.users["oidc@prod"]
    assert user.exec is not None
    assert user.exec.command == "kubectl"
    assert user.exec.api_version == "client.authentication.k8s.io/v1"
    assert user.exec.interactive_mode == "IfAvailable"
    assert user.exec.provide_cluster_info is False
    assert user.exec.args == (
        "oidc-login",
        "get-token",
        f"--oidc-issuer-url={ISSUER}",
        "--oidc-client-id=kubernetes",
        "--oidc-extra-scope=email",
        "--oidc-extra-scope=groups",
    )
    assert not (user.token or user.token_file or user.client_key_data or user.client_certificate_data or user.password)
    assert loaded.clusters["prod"].certificate_authority_data == ca_file.read_bytes()
    assert loaded.contexts["prod"].namespace == "shop"


@needs_kubectl
def test_kubectl_reads_the_kubeconfig_without_running_the_plugin(tmp_path: Path, ca_file: Path) -> None:
    out = tmp_path / "out"
    result = CliRunner().invoke(
        cli,
        [
            "harden",
            "kubeconfig",
            "--cluster",
            "prod",
            "--server",
            "https://api.prod.example.com:6443",
            "--certificate-authority",
            str(ca_file),
            "--issuer-url",
            ISSUER,
            "--client-id",
            "kubernetes",
            "--output-dir",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    path = out / "kubeconfig"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    view = run_kubectl("config", "view", "--kubeconfig", str(path), "--raw", "-o", "json")
    assert view["current-context"] == "prod"
    (user,) = view["users"]
    assert user["user"]["exec"]["command"] == "kubectl"
    assert user["user"]["exec"]["args"][:2] == ["oidc-login", "get-token"]
    assert base64.b64decode(view["clusters"][0]["cluster"]["certificate-authority-data"]) == ca_file.read_bytes()


def test_read_only_variant_and_its_binding(tmp_path: Path, ca_file: Path) -> None:
    out = tmp_path / "out"
    result = CliRunner().invoke(
        cli,
        [
            "harden",
            "kubeconfig",
            "--demo",
            "--cluster",
            "prod",
            "--server",
            "https://api.prod.example.com:6443",
            "--certificate-authority",
            str(ca_file),
            "--issuer-url",
            ISSUER,
            "--client-id",
            "kubernetes",
            "--read-only",
            "--groups-prefix",
            "oidc:",
            "--output-dir",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    config = yaml.safe_load((out / "kubeconfig").read_text())
    assert config["current-context"] == "prod-read-only"
    (binding,) = yaml.safe_load_all((out / "viewers-binding.yaml").read_text())
    assert binding["roleRef"]["name"] == "view"
    assert binding["subjects"] == [
        {"apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": "oidc:kubernetes-viewers"}
    ]
    assert_valid([binding], DEMO_VERSION)


def test_from_an_admin_kubeconfig_keeps_server_and_ca_and_drops_the_key(tmp_path: Path) -> None:
    ca = trustme.CA()
    client = ca.issue_cert("kubernetes-admin")
    admin = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [
            {
                "name": "kubernetes",
                "cluster": {
                    "server": "https://10.0.0.1:6443",
                    "certificate-authority-data": base64.b64encode(ca.cert_pem.bytes()).decode(),
                },
            }
        ],
        "users": [
            {
                "name": "admin",
                "user": {
                    "client-certificate-data": base64.b64encode(client.cert_chain_pems[0].bytes()).decode(),
                    "client-key-data": base64.b64encode(client.private_key_pem.bytes()).decode(),
                },
            }
        ],
        "contexts": [{"name": "admin@kubernetes", "context": {"cluster": "kubernetes", "user": "admin"}}],
        "current-context": "admin@kubernetes",
    }
    path = tmp_path / "admin.conf"
    path.write_text(yaml.safe_dump(admin))
    source = cluster_from_kubeconfig(path, None)
    assert source == ClusterSource("https://10.0.0.1:6443", ca.cert_pem.bytes())
    text = to_yaml(oidc_kubeconfig("kubernetes", source, issuer_url=ISSUER, client_id="k8s"))
    assert admin["users"][0]["user"]["client-key-data"] not in text
    assert "client-certificate" not in text
    with pytest.raises(HardenInputError, match="no context 'other'"):
        cluster_from_kubeconfig(path, "other")


@pytest.mark.parametrize(
    ("server", "ca_text", "issuer", "message"),
    [
        ("http://api:6443", "ca", ISSUER, "must be https"),
        ("https://api:6443", "not a certificate", ISSUER, "not a PEM certificate"),
        ("https://api:6443", "ca", "http://login.example.com", "issuer must be an https URL"),
    ],
)
def test_bad_kubeconfig_inputs_exit_2_and_write_nothing(
    tmp_path: Path, ca_file: Path, server: str, ca_text: str, issuer: str, message: str
) -> None:
    if ca_text != "ca":
        ca_file.write_text(ca_text)
    out = tmp_path / "out"
    result = CliRunner().invoke(
        cli,
        [
            "harden",
            "kubeconfig",
            "--cluster",
            "prod",
            "--server",
            server,
            "--certificate-authority",
            str(ca_file),
            "--issuer-url",
            issuer,
            "--client-id",
            "kubernetes",
            "--output-dir",
            str(out),
        ],
    )
    assert result.exit_code == 2
    assert message in result.stderr
    assert not out.exists()


def test_viewers_binding_refuses_system_groups() -> None:
    with pytest.raises(HardenInputError, match="system:"):
        viewers_binding("system:authenticated", "")


@needs_kubectl
def test_kubectl_applies_the_merge_patches_as_kubeward_does(tmp_path: Path) -> None:
    """The JSON merge patches, applied by real kubectl (``patch --local``) to the demo's dumped objects,
    give the same objects as kubeward's own merge (used by the round-trip scan)."""
    demo = load_offline_inventory(OfflineSources(demo=True))
    plan = plan_workloads(demo)
    patches = plan.merge_patches()
    items = yaml.safe_load((demo_root() / "api" / "workloads.yaml").read_text())["items"]
    for fix in plan.fixes:
        (obj,) = [
            i
            for i in items
            if (i["kind"], i["metadata"]["namespace"], i["metadata"]["name"]) == (fix.kind, fix.namespace, fix.name)
        ]
        source = tmp_path / f"{fix.name}.json"
        source.write_text(json.dumps(obj))
        patch = tmp_path / f"{fix.name}.patch.json"
        patch.write_text(patches[f"{fix.kind.lower()}-{fix.namespace}-{fix.name}.json"])
        by_kubectl = run_kubectl(
            "patch", "--local", "-f", str(source), "--type", "merge", "--patch-file", str(patch), "-o", "json"
        )
        assert by_kubectl == merge(json.loads(json.dumps(obj)), json.loads(patch.read_text()))
