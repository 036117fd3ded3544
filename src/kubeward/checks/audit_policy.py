"""Audit policy content: whether the policy kube-apiserver uses records what an investigation needs.

The policy named by ``--audit-policy-file`` is found among the node files through the static pod's
mounts (``kubeward.resolve.config_files``) and linted with ``kubeward.audit.policy.lint``, which runs the
API server's own checker (``staging/src/k8s.io/apiserver/pkg/audit/policy/checker.go``) on representative
requests. The rule fails on the linter's high findings; medium and info findings are for
``kubeward audit policy lint``.
"""

from collections.abc import Iterator

from kubeward.audit.policy.lint import lint
from kubeward.audit.policy.model import PolicyError, policy_from_value
from kubeward.checks.common import apiservers
from kubeward.checks.context import RuleContext
from kubeward.checks.registry import rule
from kubeward.checks.rule import SELF_MANAGED_PLATFORMS, Objective, Severity
from kubeward.findings import Evidence, Result
from kubeward.resolve.config_files import config_file

POLICY_KIND = "Policy"


@rule(
    id="KW-AUDIT-008",
    title="Audit policy does not record what an investigation needs",
    objective=Objective.AUDITABILITY,
    severity=Severity.HIGH,
    seed_step="Enable audit logging",
    applies_to=SELF_MANAGED_PLATFORMS,
    rationale=(
        "An audit policy decides per request what is logged; the first matching rule wins and unmatched requests "
        "are not logged. A policy can look complete and still drop Secret reads, RBAC changes, exec/attach/"
        "port-forward or failed logins (401s are emitted only at stage ResponseStarted, so omitting that stage "
        "loses all of them), or write Secret values into the log by logging their bodies. The linter evaluates "
        "the policy with the API server's checker on representative requests, so each finding is exact."
    ),
    remediation=(
        "Fix the rules 'kubeward audit policy lint FILE' names, or start from "
        "'kubeward audit policy generate --profile recommended'."
    ),
    references=("https://kubernetes.io/docs/tasks/debug/debug-cluster/audit/#audit-policy",),
    provider_managed=(
        "EKS, GKE and AKS choose the audit policy of the API servers they run; it cannot be changed or read."
    ),
)
def audit_policy_content(ctx: RuleContext) -> Iterator[Result]:
    """Lint the policy file kube-apiserver reads; fail on high findings."""
    for api in apiservers(ctx):
        if isinstance(api, Result):
            yield api
            continue
        found = config_file(ctx.inventory, api, "audit-policy-file", POLICY_KIND)
        if found is None:
            yield ctx.not_applicable(api.resource, "no --audit-policy-file (KW-AUDIT-001 reports it)")
            continue
        if found.doc is None:
            yield ctx.not_assessable(api.resource, found.reason, found.flag.evidence())
            continue
        doc = found.doc
        source = doc.provenance.describe()
        evidence = Evidence(
            setting="kube-apiserver audit Policy",
            source="config-file",
            detail=f"from --audit-policy-file={found.flag.value}",
            provenance=doc.provenance,
        )
        try:
            policy = policy_from_value(doc.data, source, doc.lines, doc.provenance.line or 1)
        except PolicyError as exc:
            yield ctx.fail(api.resource, f"the audit policy cannot be decoded: {exc}", evidence)
            continue
        high = [f for f in lint(policy) if f.severity == "high"]
        if not high:
            yield ctx.passed(api.resource, "the audit policy records Secrets, RBAC, exec and 401s without values",
                             evidence)  # fmt: skip
            continue
        first = high[0]
        more = f" (and {len(high) - 1} more high findings)" if len(high) > 1 else ""
        where = f" at line {first.line}" if first.line else ""
        yield ctx.fail(api.resource, f"{first.id}{where}: {first.message}{more}", evidence)
