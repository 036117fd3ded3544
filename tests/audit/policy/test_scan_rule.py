"""KW-AUDIT-008 on every kube-apiserver input path: pass, fail on high lint findings, not_assessable."""

from pathlib import Path

import pytest
from tests.support.inventories import run_rule
from tests.support.paths import APISERVER_PATHS, apiserver_inventory

from kubeward.audit.policy.profiles import render

POLICY = "/etc/kubernetes/audit/policy.yaml"
FLAGS = [f"--audit-policy-file={POLICY}"]
BODIES = "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: RequestResponse\n"


@pytest.mark.parametrize("path", APISERVER_PATHS)
def test_audit_policy_content(tmp_path: Path, path: str) -> None:
    good = apiserver_inventory(tmp_path / "good", path, FLAGS, {POLICY: render("recommended")})
    [passed] = run_rule(good, "KW-AUDIT-008")
    assert passed.status == "pass"
    bad = apiserver_inventory(tmp_path / "bad", path, FLAGS, {POLICY: BODIES})
    [failed] = run_rule(bad, "KW-AUDIT-008")
    assert failed.status == "fail"
    assert failed.message.startswith("AP002 at line 4: create secrets in namespace apps by jane;")
    assert "writes Secret values and tokens into the audit log" in failed.message
    missing = apiserver_inventory(tmp_path / "missing", path, FLAGS)
    [unknown] = run_rule(missing, "KW-AUDIT-008")
    assert unknown.status == "not_assessable"
    assert "is not among the inputs" in unknown.message
    [none] = run_rule(apiserver_inventory(tmp_path / "none", path, []), "KW-AUDIT-008")
    assert none.status == "not_applicable"
