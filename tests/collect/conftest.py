"""Fixtures: the fixture API server over tests/fixtures/live-cluster, with a fresh CA per test."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from kubeward.testing.fixture_apiserver import FixtureCluster
from kubeward.testing.harness import FixtureEnvironment, fixture_environment

LIVE_CLUSTER = Path(__file__).resolve().parent.parent / "fixtures" / "live-cluster"


@pytest.fixture(scope="session")
def live_cluster() -> FixtureCluster:
    # Loaded once: requests never change it.
    return FixtureCluster.load(LIVE_CLUSTER)


@pytest.fixture
def fixture_env(live_cluster: FixtureCluster, tmp_path: Path) -> Iterator[FixtureEnvironment]:
    with fixture_environment(live_cluster, tmp_path) as env:
        yield env
