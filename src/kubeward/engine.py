"""Running rules over an Inventory.

Each rule runs in isolation: a rule that raises becomes a ``not_assessable`` result naming the
error (never a silent pass), and the other rules go on. Rules that do not apply to the detected
platform give one ``not_applicable`` result.
"""

from collections.abc import Iterable

from kubeward.analysis import Analysis
from kubeward.checks.common import provider_managed
from kubeward.checks.context import RuleContext
from kubeward.checks.registry import RegisteredRule
from kubeward.checks.rule import MANAGED_PLATFORMS, RuleMeta
from kubeward.findings import Finding, Resource, Result, to_finding


def run_rules(analysis: Analysis, rules: Iterable[RegisteredRule]) -> tuple[list[Finding], list[str]]:
    """Evaluate ``rules``; return the findings and the internal errors (rule id: error)."""
    findings: list[Finding] = []
    errors: list[str] = []
    platform = analysis.platform
    cluster = Resource(kind="Cluster", name=analysis.inventory.target.name)
    for registered in rules:
        meta = registered.meta
        ctx = RuleContext(meta, analysis)
        if platform.platform is not None and platform.platform not in meta.applies_to:
            if platform.managed and registered.provider_managed and not _is_provider_rule(meta):
                result = provider_managed(ctx)  # says what the provider runs and what stays yours
            else:
                result = ctx.not_applicable(cluster, f"does not apply to {platform.label} clusters")
            findings.append(to_finding(result, meta))
            continue
        try:
            results: list[Result] = list(registered.check(ctx))
        except Exception as exc:
            errors.append(f"{meta.id}: {type(exc).__name__}: {exc}")
            results = [ctx.not_assessable(cluster, f"internal error while evaluating the rule: {type(exc).__name__}")]
        findings.extend(to_finding(result, meta) for result in results)
    return findings, errors


def _is_provider_rule(meta: RuleMeta) -> bool:
    """True for the rules of one managed provider (KW-EKS-..., KW-GKE-..., KW-AKS-...): on another
    platform they simply do not apply, while a control-plane rule there is provider-managed.
    """
    return any(platform in MANAGED_PLATFORMS for platform in meta.applies_to)
