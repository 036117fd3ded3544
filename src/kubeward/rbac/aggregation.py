"""ClusterRole aggregation, computed offline to a fixpoint.

In a live cluster the clusterrole-aggregation controller rewrites every ClusterRole that has an
``aggregationRule``; dumps of the default policy (and objects written by hand or by GitOps tools)
carry ``rules: null`` instead. The controller's semantics
(``k8s:pkg/controller/clusterroleaggregation/clusterroleaggregation_controller.go@e52383c4``,
spec ``rbac.md`` §1.4):

- the rules of an aggregated role are REPLACED by the union, dead rules written in it are dropped;
- for each selector in order, the selected ClusterRoles sorted by name, skipping the role itself,
  each rule appended unless an equal rule is already there;
- a selector that selects nothing contributes nothing (an aggregated role can end up empty).

Aggregation chains through labels (``edit`` carries ``aggregate-to-admin`` and is itself aggregated
from ``aggregate-to-edit``), so the controller converges over several passes; here the passes are
repeated until nothing changes. Each pass only adds rules, so this terminates, cycles included.

A role whose selectors are invalid keeps the rules it was stored with: the controller errors on it
and never rewrites it. That is reported as an issue.

The authorizer itself never aggregates: it reads the rules stored in the object, which the
controller keeps equal to the union. So an aggregated ClusterRole read from an API server (it carries
a ``uid``: live collection, bundles, ``kubectl get`` dumps) keeps its stored rules — a partial dump
lacking the selected roles must not empty ``admin`` — and only a role with ``rules: null`` (not yet
aggregated) or a manifest (no ``uid``; the controller will replace what is written) is computed.
Where stored and computed rules differ, that is reported.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field

from kubeward.inventory.objects import ClusterRole, PolicyRule
from kubeward.rbac.selectors import InvalidSelector, matches, validate


@dataclass
class AggregationResult:
    """Effective rules of every ClusterRole, and what could not be aggregated."""

    rules: dict[str, tuple[PolicyRule, ...]]
    aggregated: frozenset[str]
    issues: list[str] = field(default_factory=list)
    passes: int = 0


def aggregate(cluster_roles: Sequence[ClusterRole]) -> AggregationResult:
    """Compute the effective rules of every ClusterRole (by name; the first object of a name wins)."""
    by_name: dict[str, ClusterRole] = {}
    for role in cluster_roles:
        by_name.setdefault(role.name, role)
    rules: dict[str, tuple[PolicyRule, ...]] = {name: role.rules or () for name, role in by_name.items()}
    issues: list[str] = []
    # For each aggregated role: the names selected, per selector in order, sorted by name.
    plan: dict[str, list[list[str]]] = {}
    stored: dict[str, list[list[str]]] = {}  # aggregated roles read from an API server: rules kept
    ordered_names = sorted(by_name)
    for name in ordered_names:
        role = by_name[name]
        if role.aggregationRule is None:
            continue
        try:
            for selector in role.aggregationRule.clusterRoleSelectors:
                validate(selector)
        except InvalidSelector as exc:
            issues.append(f"ClusterRole {name}: aggregationRule not applied ({exc}); its stored rules are kept")
            continue
        selections = [
            [other for other in ordered_names if other != name and matches(selector, by_name[other].metadata.labels)]
            for selector in role.aggregationRule.clusterRoleSelectors
        ]
        if role.rules is not None and role.metadata.uid:
            stored[name] = selections
            continue
        plan[name] = selections
        rules[name] = ()
    passes = 0
    changed = True
    # Rule sets only grow, so they settle within one pass per role; the order of rules (which only
    # decides which rule is cited as evidence) settles within as many passes again.
    limit = 2 * len(plan) + 2
    while changed and passes < limit:
        passes += 1
        changed = False
        for name, selections in plan.items():
            union: dict[PolicyRule, None] = {}
            for selected in selections:
                for other in selected:
                    for rule in rules[other]:
                        union.setdefault(rule, None)
            computed = tuple(union)
            if computed != rules[name]:
                rules[name] = computed
                changed = True
    if changed:
        issues.append(f"ClusterRole aggregation did not settle after {passes} passes; rule order may differ")
    for name, selections in stored.items():
        selected_rules = {rule for selected in selections for other in selected for rule in rules[other]}
        if selected_rules != set(rules[name]):
            issues.append(
                f"ClusterRole {name}: its stored rules ({len(rules[name])}) differ from the union of the roles it "
                f"aggregates in these inputs ({len(selected_rules)}); the stored rules are used, as the API server does"
            )
    return AggregationResult(rules=rules, aggregated=frozenset(plan) | frozenset(stored), issues=issues, passes=passes)
