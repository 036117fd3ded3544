"""KW-ADM-009: namespaces where Pod Security admission (the only pod policy) enforces nothing.

Expectations follow pod-security-admission ``PolicyToEvaluate``: label, else the configuration's
defaults.enforce, else privileged; invalid label values fail closed (restricted); exempt namespaces
are not evaluated.
"""

from pathlib import Path

import pytest
from tests.support.cluster_objects import inventory_with, namespace, validating_webhook
from tests.support.inventories import run_rule

RULE = "KW-ADM-009"
ENFORCE = "pod-security.kubernetes.io/enforce"
# A webhook that does not look at pods: makes "webhook configurations collected" true offline.
UNRELATED = validating_webhook("configmap-check", ["configmaps"])
ADMISSION = "/etc/kubernetes/admission/admission.yaml"
ADMISSION_CONFIG = """
apiVersion: apiserver.config.k8s.io/v1
kind: AdmissionConfiguration
plugins:
- name: PodSecurity
  configuration:
    apiVersion: pod-security.admission.config.k8s.io/v1
    kind: PodSecurityConfiguration
    defaults:
      enforce: baseline
    exemptions:
      namespaces: [kube-system]
"""
PATHS = ("command", "args", "k3s", "rke2", "kubeadm", "mirror-pod", "live")


def by_namespace(findings: list) -> dict[str, tuple[str, object, str | None]]:  # type: ignore[type-arg]
    return {f.resource.name: (f.status, f.evidence.value, f.evidence.source) for f in findings}


@pytest.mark.parametrize("path", PATHS)
def test_labels_and_built_in_default(tmp_path: Path, path: str) -> None:
    objects = [
        namespace("apps"),
        namespace("web", {ENFORCE: "baseline"}),
        namespace("legacy", {ENFORCE: "privileged"}),
        namespace("typo", {ENFORCE: "restriced"}),
        UNRELATED,
    ]
    findings = run_rule(inventory_with(tmp_path, path, [], objects), RULE)
    assert by_namespace(findings) == {
        "apps": ("fail", "privileged", "default"),
        "web": ("pass", "baseline", "api-object"),
        "legacy": ("pass", "privileged", "api-object"),
        "typo": ("pass", "restriced", "api-object"),
    }
    messages = {f.resource.name: f.message for f in findings}
    assert "no pod-security.kubernetes.io/enforce label; cluster default enforce=privileged" in messages["apps"]
    assert "fails closed to restricted" in messages["typo"]


@pytest.mark.parametrize("path", PATHS)
def test_admission_configuration_defaults_and_exemptions(tmp_path: Path, path: str) -> None:
    objects = [namespace("apps"), namespace("kube-system"), UNRELATED]
    flags = [f"--admission-control-config-file={ADMISSION}"]
    inventory = inventory_with(tmp_path, path, flags, objects, extra={ADMISSION: ADMISSION_CONFIG})
    findings = run_rule(inventory, RULE)
    assert by_namespace(findings) == {
        "apps": ("pass", "baseline", "config-file"),
        "kube-system": ("pass", "baseline", "config-file"),
    }
    assert "exempted" in {f.resource.name: f.message for f in findings}["kube-system"]


@pytest.mark.parametrize("path", PATHS)
def test_admission_configuration_missing_is_not_assessable_for_unlabelled(tmp_path: Path, path: str) -> None:
    objects = [namespace("apps"), namespace("web", {ENFORCE: "restricted"}), UNRELATED]
    inventory = inventory_with(tmp_path, path, [f"--admission-control-config-file={ADMISSION}"], objects)
    findings = run_rule(inventory, RULE)
    assert {k: v[0] for k, v in by_namespace(findings).items()} == {"apps": "not_assessable", "web": "pass"}
    assert f"{ADMISSION} is not among the inputs" in findings[0].message


def test_separate_pod_security_file_relative_to_admission_config(tmp_path: Path) -> None:
    config = (
        "apiVersion: apiserver.config.k8s.io/v1\nkind: AdmissionConfiguration\n"
        "plugins:\n- name: PodSecurity\n  path: pss.yaml\n"
    )
    pss = (
        "apiVersion: pod-security.admission.config.k8s.io/v1\nkind: PodSecurityConfiguration\n"
        "defaults:\n  enforce: restricted\n"
    )
    extra = {ADMISSION: config, "/etc/kubernetes/admission/pss.yaml": pss}
    inventory = inventory_with(
        tmp_path, "command", [f"--admission-control-config-file={ADMISSION}"], [namespace("apps"), UNRELATED], extra
    )
    assert by_namespace(run_rule(inventory, RULE)) == {"apps": ("pass", "restricted", "config-file")}


@pytest.mark.parametrize("path", ("command", "live"))
def test_policy_webhook_makes_namespaces_not_applicable(tmp_path: Path, path: str) -> None:
    selector = {"matchExpressions": [{"key": "policy.example.com/ignore", "operator": "DoesNotExist"}]}
    objects = [
        namespace("apps"),
        namespace("ignored", {"policy.example.com/ignore": "true"}),
        validating_webhook("gatekeeper", ["*"], selector),
    ]
    findings = run_rule(inventory_with(tmp_path, path, [], objects), RULE)
    assert {k: v[0] for k, v in by_namespace(findings).items()} == {"apps": "not_applicable", "ignored": "fail"}
    labelled = [namespace("web", {ENFORCE: "baseline"}), validating_webhook("gatekeeper", ["*"])]
    assert by_namespace(run_rule(inventory_with(tmp_path / "l", path, [], labelled), RULE)) == {
        "web": ("pass", "baseline", "api-object")
    }


def test_missing_inputs_are_not_assessable(tmp_path: Path) -> None:
    objects = [namespace("apps"), namespace("web", {ENFORCE: "baseline"})]
    no_webhooks = run_rule(inventory_with(tmp_path / "a", "command", [], objects), RULE)
    assert {k: v[0] for k, v in by_namespace(no_webhooks).items()} == {"apps": "not_assessable", "web": "pass"}
    assert "webhookconfigurations" in no_webhooks[0].message
    no_namespaces = run_rule(inventory_with(tmp_path / "b", "command", [], [UNRELATED]), RULE)
    assert [f.status for f in no_namespaces] == ["not_assessable"]
    no_apiserver = run_rule(inventory_with(tmp_path / "c", "mirror-pod", [], [namespace("apps"), UNRELATED]), RULE)
    assert [f.status for f in no_apiserver] == ["fail"]  # the mirror pod is there: built-in defaults


def test_pod_security_disabled_is_not_applicable(tmp_path: Path) -> None:
    inventory = inventory_with(
        tmp_path, "command", ["--disable-admission-plugins=PodSecurity"], [namespace("apps"), UNRELATED]
    )
    [finding] = run_rule(inventory, RULE)
    assert finding.status == "not_applicable"
    assert "KW-ADM-005" in finding.message


def test_without_apiserver_configuration(tmp_path: Path) -> None:
    import json

    from tests.support.inventories import inventory_from_files
    from tests.support.paths import dump

    objects = dump([namespace("apps"), namespace("web", {ENFORCE: "baseline"}), UNRELATED])
    unknown = run_rule(inventory_from_files(tmp_path / "self", {"dump/objects.json": objects}), RULE)
    assert {k: v[0] for k, v in by_namespace(unknown).items()} == {"apps": "not_assessable", "web": "pass"}
    assert "kube-apiserver configuration unknown" in {f.resource.name: f.message for f in unknown}["apps"]
    eks = {"cluster": {"name": "prod", "arn": "arn:aws:eks:eu-west-1:1:cluster/prod", "version": "1.30"}}
    files = {"dump/objects.json": objects, "eks.json": json.dumps(eks)}
    managed = run_rule(inventory_from_files(tmp_path / "eks", files), RULE)
    assert {k: v[0] for k, v in by_namespace(managed).items()} == {"apps": "fail", "web": "pass"}
