"""Explain one request against a policy: the rule that matches, its level and the stages that are logged."""

from dataclasses import dataclass

from kubeward.audit.policy.checker import NO_MATCH, Request, evaluate
from kubeward.audit.policy.model import STAGES, PolicyFile


@dataclass(frozen=True)
class Explanation:
    """The checker's decision with where the rule is, in a form the CLI prints or dumps as JSON."""

    request: str
    rule: int | None
    line: int | None
    level: str
    logged_stages: list[str]
    omitted_stages: list[str]
    omit_managed_fields: bool
    note: str


def explain(doc: PolicyFile, request: Request) -> Explanation:
    """Run the checker; add what a reader needs to know (401s, long-running stages)."""
    decision = evaluate(doc.policy, request)
    rule = None if decision.rule == NO_MATCH else decision.rule
    line = doc.rule_lines[rule] if rule is not None else None
    omitted = [s for s in STAGES if s in decision.omit_stages]
    logged = [] if decision.level == "None" else [s for s in STAGES if s not in decision.omit_stages]
    notes = []
    if rule is None:
        notes.append("no rule matches: the request is not logged (the checker's default level is None)")
    if request.user is None:
        notes.append("unauthenticated: only a ResponseStarted event (code 401) is ever emitted for it")
    return Explanation(
        request.describe(), rule, line, decision.level, logged, omitted, decision.omit_managed_fields, "; ".join(notes)
    )
