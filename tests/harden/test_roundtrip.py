"""Item 10, the proof: scan the vulnerable demo, harden it with the generators, scan the output.

Every failure of a rule the generators claim to fix (``kubeward.harden.plan``) must be gone, and no
failure may appear that was not there before (compared as (rule id, resource) fingerprints). The
generated Kubernetes objects — the hardened static pod and the APF objects — validate against the
OpenAPI schemas of the demo's version, offline.
"""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from tests.support.openapi import assert_valid

from kubeward.cli.main import cli
from kubeward.harden.plan import (
    APISERVER_RULES,
    AUDIT_POLICY_RULES,
    FLOWCONTROL_RULES,
    KUBELET_RULES,
    POD_SECURITY_RULES,
)
from kubeward.report.model import ScanReport
from kubeward.scan import OfflineSources, ScanSettings, analyze, demo_root, load_offline_inventory, now

DEMO_VERSION = "1.30"
CLAIMED = APISERVER_RULES | KUBELET_RULES | FLOWCONTROL_RULES | AUDIT_POLICY_RULES | POD_SECURITY_RULES
MANIFEST = "nodes/cp-1/etc/kubernetes/manifests/kube-apiserver.yaml"


def scan(root: Path) -> ScanReport:
    inventory = load_offline_inventory(OfflineSources(paths=[str(root)]))
    return analyze(inventory, ScanSettings(), now())


def failing(report: ScanReport) -> set[tuple[str, str]]:
    return {(f.rule_id, f.resource.key()) for f in report.findings if f.status == "fail"}


def run(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout


def apply(dump_dir: Path, objects: list[dict[str, Any]]) -> None:
    """What ``kubectl apply`` does to the dumped objects: same kind and name replaced, others added."""
    names = {(o["kind"], o["metadata"]["name"]) for o in objects}
    for path in dump_dir.glob("*.yaml"):
        document = yaml.safe_load(path.read_text())
        if not isinstance(document, dict) or document.get("kind") != "List":
            continue
        items = [i for i in document["items"] if (i.get("kind"), i.get("metadata", {}).get("name")) not in names]
        if len(items) != len(document["items"]):
            document["items"] = items
            path.write_text(yaml.safe_dump(document, sort_keys=False))
    (dump_dir / "kubeward-flowcontrol.yaml").write_text(yaml.safe_dump_all(objects, sort_keys=False))


@pytest.fixture(scope="module")
def hardened(tmp_path_factory: pytest.TempPathFactory) -> tuple[ScanReport, ScanReport, Path, list[dict[str, Any]]]:
    root = tmp_path_factory.mktemp("roundtrip") / "demo"
    shutil.copytree(demo_root(), root)
    before = scan(root)
    run("harden", "apiserver", str(root / MANIFEST), "--pod-security-default", "baseline", "--write")
    run("harden", "kubelet", *(str(p) for p in sorted((root / "nodes").iterdir())), "--write")
    objects = list(yaml.safe_load_all(run("harden", "flowcontrol", "--from-scan", str(root))))
    apply(root / "api", objects)
    return before, scan(root), root, objects


def test_every_claimed_finding_is_gone(hardened: tuple[ScanReport, ScanReport, Path, list[dict[str, Any]]]) -> None:
    before, after, _, _ = hardened
    claimed_before = {key for key in failing(before) if key[0] in CLAIMED}
    assert len(claimed_before) == 28  # the demo is broken where the generators work
    left = {key for key in failing(after) if key[0] in CLAIMED}
    assert left == set()


def test_nothing_new_fails(hardened: tuple[ScanReport, ScanReport, Path, list[dict[str, Any]]]) -> None:
    before, after, _, _ = hardened
    assert failing(after) - failing(before) == set()
    # What is left is the other engineer's part (RBAC, token mounts) only.
    assert {rule.split("-")[1] for rule, _ in failing(after)} <= {"RBAC", "CRED"}


def test_counts_and_newly_assessed_rules_pass(
    hardened: tuple[ScanReport, ScanReport, Path, list[dict[str, Any]]],
) -> None:
    before, after, _, _ = hardened
    statuses = Counter((f.rule_id, f.status) for f in after.findings)
    assert statuses[("KW-AUDIT-006", "pass")] == 1  # the policy file is mounted
    assert statuses[("KW-AUDIT-008", "pass")] == 1  # and lints clean
    assert sum(1 for f in after.findings if f.status == "fail") < sum(1 for f in before.findings if f.status == "fail")


def test_generated_objects_validate_against_openapi(
    hardened: tuple[ScanReport, ScanReport, Path, list[dict[str, Any]]],
) -> None:
    _, _, root, objects = hardened
    assert_valid(objects, DEMO_VERSION)
    assert_valid([yaml.safe_load((root / MANIFEST).read_text())], DEMO_VERSION)
    assert {o["kind"] for o in objects} == {"PriorityLevelConfiguration", "FlowSchema"}


def test_generated_files_are_readable_configuration(
    hardened: tuple[ScanReport, ScanReport, Path, list[dict[str, Any]]],
) -> None:
    _, _, root, _ = hardened
    policy = yaml.safe_load((root / "nodes/cp-1/etc/kubernetes/audit/policy.yaml").read_text())
    assert policy["kind"] == "Policy"
    admission = yaml.safe_load((root / "nodes/cp-1/etc/kubernetes/admission/admission.yaml").read_text())
    assert admission["plugins"][0]["configuration"]["defaults"]["enforce"] == "baseline"
    backups = list(root.rglob(".kubeward-backup/*"))
    assert len(backups) == 5  # the manifest and four kubelet files, none of them in the manifests folder itself
    assert not list((root / "nodes/cp-1/etc/kubernetes/manifests").glob("*.yaml.*"))
