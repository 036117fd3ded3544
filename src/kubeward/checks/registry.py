"""The rule registry: rules register themselves with ``@rule(...)`` next to their code."""

from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any, NamedTuple

from kubeward.checks.rule import RuleMeta

if TYPE_CHECKING:
    from kubeward.checks.context import RuleContext
    from kubeward.findings import Result

CheckFunction = Callable[["RuleContext"], Iterable["Result"]]


class RegisteredRule(NamedTuple):
    """A rule's metadata, the function that evaluates it and, for control-plane rules, what a
    managed provider (EKS, GKE, AKS) handles for you and what stays yours to control.

    ``provider_managed`` is kept here rather than in ``RuleMeta`` so the published report schema
    does not change; the docs and the rule's own not_applicable verdicts read it from the registry.
    """

    meta: RuleMeta
    check: CheckFunction
    provider_managed: str = ""


class Registry:
    """All rules by id. Registering an id twice is a programming error."""

    def __init__(self) -> None:
        self._rules: dict[str, RegisteredRule] = {}

    def register(self, meta: RuleMeta, check: CheckFunction, provider_managed: str = "") -> None:
        """Add a rule."""
        if meta.id in self._rules:
            raise ValueError(f"rule {meta.id} registered twice")
        self._rules[meta.id] = RegisteredRule(meta, check, provider_managed)

    def get(self, rule_id: str) -> RegisteredRule | None:
        """The rule with this id, if any."""
        return self._rules.get(rule_id)

    def __iter__(self) -> Iterator[RegisteredRule]:
        return iter(sorted(self._rules.values(), key=lambda r: r.meta.id))

    def __len__(self) -> int:
        return len(self._rules)


REGISTRY = Registry()


def rule(*, provider_managed: str = "", **metadata: Any) -> Callable[[CheckFunction], CheckFunction]:
    """Register the decorated function as a rule with the given ``RuleMeta`` fields.

    ``provider_managed`` (control-plane rules) says what EKS, GKE and AKS set for you and what you
    still control; the rule reports it in its ``not_applicable`` verdict on those platforms.
    """
    meta = RuleMeta(**metadata)

    def register(check: CheckFunction) -> CheckFunction:
        REGISTRY.register(meta, check, provider_managed)
        return check

    return register
