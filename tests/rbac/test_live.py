"""``kubeward rbac`` against a live cluster (the fixture API server over HTTPS): the same answers as the
offline dump of the same objects, and ``--as`` is evaluated, never used to impersonate while reading.
"""

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from kubeward.cli.main import cli
from kubeward.testing.fixture_apiserver import FixtureCluster
from kubeward.testing.harness import FixtureEnvironment, fixture_environment

LIVE_CLUSTER = Path(__file__).resolve().parents[1] / "fixtures" / "live-cluster"
RBAC_FILES = [
    arg
    for name in ("clusterroles", "clusterrolebindings", "roles", "rolebindings", "serviceaccounts")
    for arg in ("-f", str(LIVE_CLUSTER / f"{name}.yaml"))
]


@pytest.fixture(scope="module")
def cluster() -> FixtureCluster:
    return FixtureCluster.load(LIVE_CLUSTER)


@pytest.fixture
def env(cluster: FixtureCluster, tmp_path: Path) -> Iterator[FixtureEnvironment]:
    with fixture_environment(cluster, tmp_path) as environment:
        yield environment


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, ["rbac", *args], catch_exceptions=False)


QUESTIONS = [
    ("get", "secrets", "-n", "kube-system", "--as", "system:serviceaccount:app:legacy-bot"),
    ("create", "rolebindings.rbac.authorization.k8s.io", "-n", "app", "--as", "dev", "--as-group", "app-admins"),
    ("create", "rolebindings.rbac.authorization.k8s.io", "-n", "web", "--as", "dev", "--as-group", "app-admins"),
    ("get", "/healthz", "--as", "system:anonymous", "--as-group", "system:unauthenticated"),
    ("list", "nodes", "--as", "someone"),
]


@pytest.mark.slow
def test_live_answers_equal_offline_answers(env: FixtureEnvironment) -> None:
    kubeconfig = str(env.kubeconfig())
    for question in QUESTIONS:
        live = run("can-i", *question, "--kubeconfig", kubeconfig)
        offline = run("can-i", *question, *RBAC_FILES)
        assert live.exit_code in (0, 1), live.stderr
        assert (live.exit_code, live.stdout) == (offline.exit_code, offline.stdout), question
    assert [run("can-i", *q, *RBAC_FILES).stdout for q in QUESTIONS] == [
        "yes\n",
        "yes\n",
        "no\n",
        "yes\n",
        "no\n",
    ]
    who = run("who-can", "create", "secrets", "-n", "app", "--kubeconfig", kubeconfig, "-o", "json")
    assert who.exit_code == 0, who.stderr
    names = {s["subject"]["name"] for s in json.loads(who.stdout)["subjects"]}
    assert {"system:masters", "legacy-bot", "app-admins"} <= names
