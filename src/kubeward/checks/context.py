"""What a rule sees: the Inventory, the analyzers over it, and constructors for its results."""

from kubeward.analysis import Analysis
from kubeward.checks.rule import RuleMeta
from kubeward.findings import Evidence, Resource, Result
from kubeward.inventory.model import Inventory


class RuleContext:
    """Bound to one rule, so results need no rule id passed around."""

    def __init__(self, meta: RuleMeta, analysis: Analysis) -> None:
        self.meta = meta
        self.analysis = analysis

    @property
    def inventory(self) -> Inventory:
        """The Inventory under analysis."""
        return self.analysis.inventory

    def fail(self, resource: Resource, message: str, evidence: Evidence | None = None) -> Result:
        """The rule fails on ``resource``."""
        return Result(self.meta.id, "fail", resource, message, evidence or Evidence())

    def passed(self, resource: Resource, message: str, evidence: Evidence | None = None) -> Result:
        """The rule passes on ``resource``."""
        return Result(self.meta.id, "pass", resource, message, evidence or Evidence())

    def not_assessable(self, resource: Resource, message: str, evidence: Evidence | None = None) -> Result:
        """The inputs the rule needs are missing: never reported as a pass."""
        return Result(self.meta.id, "not_assessable", resource, message, evidence or Evidence())

    def not_applicable(self, resource: Resource, message: str, evidence: Evidence | None = None) -> Result:
        """The rule does not apply here (e.g. the provider manages the setting)."""
        return Result(self.meta.id, "not_applicable", resource, message, evidence or Evidence())
