"""Admission plugin rules (KW-ADM-001..008) on every kube-apiserver input path.

Expectations follow ``pkg/kubeapiserver/options/plugins.go`` / ``admission.go``: the default-on set
of the version plus --enable minus --disable, or exactly --admission-control. k3s and kubeadm put
--enable-admission-plugins=NodeRestriction on the command line themselves.
"""

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.support.inventories import inventory_from_files, run_rule, verdicts
from tests.support.paths import APISERVER_PATHS, MANIFEST, UPSTREAM_DEFAULT_PATHS, apiserver_files, apiserver_inventory

from kubeward.resolve.admission import DEFAULT_ON, default_on

INSTALLER_NODE_RESTRICTION = ("k3s", "rke2", "kubeadm")
PLUGIN_RULES = {
    "KW-ADM-003": "ServiceAccount",
    "KW-ADM-004": "NamespaceLifecycle",
    "KW-ADM-005": "PodSecurity",
    "KW-ADM-006": "ResourceQuota",
    "KW-ADM-007": "LimitRanger",
}
ALL_RULES = ("KW-ADM-001", "KW-ADM-002", *PLUGIN_RULES, "KW-ADM-008")


@pytest.mark.parametrize("path", APISERVER_PATHS)
def test_node_restriction_enabled_passes(tmp_path: Path, path: str) -> None:
    inventory = apiserver_inventory(tmp_path, path, ["--enable-admission-plugins=NodeRestriction"])
    [finding] = run_rule(inventory, "KW-ADM-001")
    assert finding.status == "pass"
    assert finding.evidence.setting == "kube-apiserver --enable-admission-plugins"
    assert finding.evidence.source == "flag"
    assert "NodeRestriction is enabled by --enable-admission-plugins" in finding.message


@pytest.mark.parametrize("path", APISERVER_PATHS)
def test_node_restriction_disabled_fails(tmp_path: Path, path: str) -> None:
    inventory = apiserver_inventory(tmp_path, path, ["--disable-admission-plugins=NodeRestriction"])
    [finding] = run_rule(inventory, "KW-ADM-001")
    assert finding.status == "fail"
    assert (finding.evidence.setting, finding.evidence.value, finding.evidence.source) == (
        "kube-apiserver --disable-admission-plugins",
        ["NodeRestriction"],
        "flag",
    )
    assert "disabled by --disable-admission-plugins" in finding.message


@pytest.mark.parametrize("path", APISERVER_PATHS)
def test_node_restriction_absent_flag(tmp_path: Path, path: str) -> None:
    [finding] = run_rule(apiserver_inventory(tmp_path, path, []), "KW-ADM-001")
    if path in INSTALLER_NODE_RESTRICTION:
        # The installer enables it: pass, reported as the installer's default.
        assert (finding.status, finding.evidence.source) == ("pass", "default")
    else:
        assert (finding.status, finding.evidence.source) == ("fail", "default")
        assert "not on by default in kube-apiserver (v1.31.2)" in finding.message


@pytest.mark.parametrize("path", APISERVER_PATHS)
def test_always_admit(tmp_path: Path, path: str) -> None:
    on = apiserver_inventory(tmp_path / "on", path, ["--enable-admission-plugins=NodeRestriction,AlwaysAdmit"])
    [finding] = run_rule(on, "KW-ADM-002")
    assert (finding.status, finding.evidence.value, finding.evidence.source) == (
        "fail",
        ["NodeRestriction", "AlwaysAdmit"],
        "flag",
    )
    off = apiserver_inventory(tmp_path / "off", path, ["--enable-admission-plugins=NodeRestriction"])
    assert [f.status for f in run_rule(off, "KW-ADM-002")] == ["pass"]


@pytest.mark.parametrize("path", APISERVER_PATHS)
@pytest.mark.parametrize(("rule_id", "plugin"), PLUGIN_RULES.items())
def test_default_on_plugins_pass_by_default_and_fail_when_disabled(
    tmp_path: Path, path: str, rule_id: str, plugin: str
) -> None:
    [default] = run_rule(apiserver_inventory(tmp_path / "default", path, []), rule_id)
    assert (default.status, default.evidence.source) == ("pass", "default")
    version = "(version unknown; 1.34 defaults assumed)" if path in ("k3s", "rke2") else "(v1.31.2)"
    assert f"{plugin} is on by default in kube-apiserver {version}" in default.message
    assert plugin in default.evidence.value

    disabled = apiserver_inventory(tmp_path / "disabled", path, [f"--disable-admission-plugins={plugin}"])
    [finding] = run_rule(disabled, rule_id)
    assert (finding.status, finding.evidence.value, finding.evidence.source) == ("fail", [plugin], "flag")


@pytest.mark.parametrize("path", UPSTREAM_DEFAULT_PATHS)
def test_legacy_admission_control_replaces_the_defaults(tmp_path: Path, path: str) -> None:
    inventory = apiserver_inventory(tmp_path, path, ["--admission-control=NamespaceLifecycle,NodeRestriction"])
    statuses = {rule_id: [f.status for f in run_rule(inventory, rule_id)] for rule_id in ALL_RULES}
    if path == "kubeadm":  # kubeadm adds --enable-admission-plugins: the server refuses the combination
        assert statuses["KW-ADM-008"] == ["fail"]
    else:
        assert statuses["KW-ADM-008"] == ["pass"]
    assert statuses["KW-ADM-001"] == statuses["KW-ADM-004"] == ["pass"]
    for rule_id in ("KW-ADM-003", "KW-ADM-005", "KW-ADM-006", "KW-ADM-007"):
        assert statuses[rule_id] == ["fail"], rule_id
    [service_account] = run_rule(inventory, "KW-ADM-003")
    assert service_account.evidence.setting == "kube-apiserver --admission-control"
    assert "replaces the default set and does not list ServiceAccount" in service_account.message


@pytest.mark.parametrize("path", APISERVER_PATHS)
def test_start_up_problems(tmp_path: Path, path: str) -> None:
    flags = ["--enable-admission-plugins=NodeRestriction,PodSecurity", "--disable-admission-plugins=PodSecurity"]
    [finding] = run_rule(apiserver_inventory(tmp_path / "both", path, flags), "KW-ADM-008")
    assert finding.status == "fail"
    assert "PodSecurity both enabled and disabled; kube-apiserver refuses to start" in finding.message
    removed = ["--enable-admission-plugins=NodeRestriction,PodSecurityPolicy"]
    [finding] = run_rule(apiserver_inventory(tmp_path / "psp", path, removed), "KW-ADM-008")
    assert finding.status == "fail"
    assert "PodSecurityPolicy was removed in 1.25" in finding.message
    clean = ["--enable-admission-plugins=NodeRestriction"]
    assert [f.status for f in run_rule(apiserver_inventory(tmp_path / "ok", path, clean), "KW-ADM-008")] == ["pass"]


def test_pod_security_is_not_default_before_1_23(tmp_path: Path) -> None:
    files = apiserver_files("command", [])
    files[MANIFEST] = files[MANIFEST].replace("v1.31.2", "v1.22.17")
    [finding] = run_rule(inventory_from_files(tmp_path, files), "KW-ADM-005")
    assert finding.status == "fail"
    assert "not on by default in kube-apiserver (v1.22.17)" in finding.message


def test_unknown_version_states_the_assumed_defaults(tmp_path: Path) -> None:
    files = apiserver_files("command", [])
    files[MANIFEST] = files[MANIFEST].replace("registry.k8s.io/kube-apiserver:v1.31.2", "my-registry/apiserver")
    [finding] = run_rule(inventory_from_files(tmp_path, files), "KW-ADM-003")
    assert finding.status == "pass"
    assert "version unknown; 1.34 defaults assumed" in finding.message


def test_no_input_is_not_assessable_and_managed_is_not_applicable(tmp_path: Path) -> None:
    namespace = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n"
    empty = inventory_from_files(tmp_path / "none", {"dump/ns.yaml": namespace})
    eks = {"cluster": {"name": "prod", "arn": "arn:aws:eks:eu-west-1:1:cluster/prod", "version": "1.30"}}
    managed = inventory_from_files(tmp_path / "eks", {"eks.json": json.dumps(eks)})
    for rule_id in ALL_RULES:
        assert verdicts(run_rule(empty, rule_id)) == [("not_assessable", "Cluster/test")], rule_id
        [finding] = run_rule(managed, rule_id)
        assert finding.status == "not_applicable", rule_id
        assert "eks" in finding.message


PLUGINS = sorted({name for name, *_ in DEFAULT_ON} | {"NodeRestriction", "AlwaysAdmit", "EventRateLimit"})


@settings(max_examples=60, deadline=None)
@given(
    enable=st.lists(st.sampled_from(PLUGINS), max_size=4, unique=True),
    disable=st.lists(st.sampled_from(PLUGINS), max_size=4, unique=True),
    minor=st.integers(min_value=20, max_value=34),
)
def test_effective_set_matches_upstream_semantics(enable: list[str], disable: list[str], minor: int) -> None:
    """Default-on plus --enable minus --disable, whatever the combination (the rules read this set)."""
    from kubeward.inventory.components import ApiServerInstance, Flag
    from kubeward.inventory.provenance import file_at
    from kubeward.resolve.admission import AdmissionChain
    from kubeward.resolve.apiserver import EffectiveApiServer

    origin = file_at("manifest.yaml")
    flags = []
    if enable:
        flags.append(Flag(name="enable-admission-plugins", value=",".join(enable), provenance=origin))
    if disable:
        flags.append(Flag(name="disable-admission-plugins", value=",".join(disable), provenance=origin))
    instance = ApiServerInstance(name="a", origin="static-pod", provenance=origin, flags=tuple(flags))
    chain = AdmissionChain(EffectiveApiServer(instance, f"v1.{minor}.0"))
    expected = (default_on(minor) | set(enable)) - set(disable)
    assert chain.enabled == expected
    for plugin in PLUGINS:
        assert chain.state(plugin).on == (plugin in expected)
    assert bool(set(enable) & set(disable)) == any("both enabled and disabled" in p for p in chain.problems)
