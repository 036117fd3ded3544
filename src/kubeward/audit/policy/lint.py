"""Lint an audit policy for what an investigation needs, exactly, by running the checker on probes.

Each finding names the rule that decided (its index and YAML line; none when no rule matched). Why each
check exists is in ``../shared/spec/audit.md`` §1.3-1.5: 401s are emitted only at ResponseStarted
(``authn_audit.go``), unmatched requests are not logged (``DefaultAuditLevel = None``), and levels
Request/RequestResponse copy request/response bodies — for Secrets, their values — into the log.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from kubeward.audit.policy import probes
from kubeward.audit.policy.checker import NO_MATCH, Decision, Request, evaluate
from kubeward.audit.policy.model import PolicyFile, PolicyRule, level_rank
from kubeward.audit.policy.shadow import covers
from kubeward.audit.policy.validate import validate

SEVERITY_ORDER = ("high", "medium", "low", "info")


@dataclass(frozen=True)
class Finding:
    """One lint result. ``rule`` is the 0-based rule index (None when the finding is not about one rule)."""

    id: str
    severity: str
    message: str
    rule: int | None
    line: int | None


CHECKS: dict[str, tuple[str, str]] = {
    "AP000": ("high", "Policy is invalid or holds fields the API server ignores"),
    "AP001": ("high", "Secrets, ConfigMaps or ServiceAccount tokens are not logged"),
    "AP002": ("high", "Secret or token values are written into the audit log"),
    "AP003": ("high", "RBAC changes are not logged"),
    "AP004": ("high", "exec, attach, port-forward or nodes/proxy are not logged"),
    "AP005": ("high", "Failed authentication (401) is not logged"),
    "AP006": ("medium", "No catch-all rule: requests matching no rule are not logged"),
    "AP007": ("medium", "Rule is shadowed by an earlier rule and never applies"),
    "AP008": ("info", "Noisy system traffic is logged"),
}


def lint(doc: PolicyFile) -> list[Finding]:
    """Every finding for one policy, validation problems first, then by check id and rule."""
    out = [_finding(doc, "AP000", p.message, None, p.line) for p in validate(doc)]
    check = _Checker(doc)
    check.not_logged("AP001", probes.sensitive(), "is not logged: who read or changed it cannot be answered")
    check.leaks()
    check.not_logged("AP003", probes.rbac_changes(), "is not logged: who changed RBAC cannot be answered")
    check.not_logged("AP004", probes.remote_access(), "is not logged: who ran commands in pods cannot be answered")
    check.failed_authn()
    check.catch_all()
    check.shadowed()
    check.noise()
    return out + check.findings


def _finding(doc: PolicyFile, check: str, message: str, rule: int | None, line: int | None = None) -> Finding:
    if line is None and rule is not None and rule < len(doc.rule_lines):
        line = doc.rule_lines[rule]
    return Finding(check, CHECKS[check][0], message, rule, line)


class _Checker:
    """Runs the probes once each and groups findings by the deciding rule, so one bad rule is one finding."""

    def __init__(self, doc: PolicyFile) -> None:
        self.doc = doc
        self.findings: list[Finding] = []

    def _grouped(self, check: str, requests: Iterable[Request], bad: Callable[[Decision], bool], why: str) -> None:
        by_rule: dict[int, list[Request]] = {}
        for request in requests:
            decision = evaluate(self.doc.policy, request)
            if bad(decision):
                by_rule.setdefault(decision.rule, []).append(request)
        for rule, hits in sorted(by_rule.items()):
            examples = _examples(hits)
            where = (
                "no rule matches" if rule == NO_MATCH else f"rule {rule} (level {self.doc.policy.rules[rule].level})"
            )
            self.findings.append(_finding(self.doc, check, f"{examples}: {where} — {why}", _idx(rule)))

    def not_logged(self, check: str, requests: list[Request], why: str) -> None:
        self._grouped(check, requests, lambda d: level_rank(d.level) < 1, why)

    def leaks(self) -> None:
        pairs = probes.body_leaks()
        minimum = {req: level for req, level in pairs}
        leaking = [req for req, _ in pairs]
        by_rule: dict[int, list[Request]] = {}
        for request in leaking:
            decision = evaluate(self.doc.policy, request)
            if level_rank(decision.level) >= level_rank(minimum[request]):
                by_rule.setdefault(decision.rule, []).append(request)
        for rule, hits in sorted(by_rule.items()):
            level = self.doc.policy.rules[rule].level
            examples = _examples(hits)
            message = (
                f"{examples}: rule {rule} logs at {level}, which writes Secret values and tokens into the audit log — "
                "anyone who can read the log (or the system it is shipped to) can read them. The trade-off: bodies "
                "show what was changed; Metadata still shows who, what and when. Log these at Metadata."
            )
            self.findings.append(_finding(self.doc, "AP002", message, rule))

    def failed_authn(self) -> None:
        for request in probes.unauthenticated():
            decision = evaluate(self.doc.policy, request)
            if level_rank(decision.level) < 1:
                reason = "its level is None"
            elif "ResponseStarted" in decision.omit_stages:
                reason = "it omits stage ResponseStarted, the only stage at which a 401 is emitted"
            else:
                continue
            who = "no rule matches it" if decision.rule == NO_MATCH else f"rule {decision.rule} decides"
            where = f"{who} and {reason}"
            message = f"{request.describe()} (a 401): {where}; failed logins and token guessing leave no trace"
            self.findings.append(_finding(self.doc, "AP005", message, _idx(decision.rule)))
            return

    def catch_all(self) -> None:
        rules = self.doc.policy.rules
        if any(_selects_all(rule) for rule in rules):
            return
        unmatched = [r.describe() for r in probes.catch_all() if evaluate(self.doc.policy, r).rule == NO_MATCH]
        detail = f" (e.g. {'; '.join(unmatched)})" if unmatched else ""
        message = f"no rule without selectors ends the policy: requests no rule names are not logged{detail}"
        self.findings.append(_finding(self.doc, "AP006", message, None, self.doc.line_of("rules")))

    def shadowed(self) -> None:
        rules = self.doc.policy.rules
        for later in range(1, len(rules)):
            for earlier in range(later):
                if covers(rules[earlier], rules[later]):
                    note = "" if rules[earlier].level == rules[later].level else (
                        f"; its level {rules[later].level} is never used, {rules[earlier].level} applies instead"
                    )  # fmt: skip
                    message = f"rule {later} never applies: rule {earlier} matches every request it matches{note}"
                    self.findings.append(_finding(self.doc, "AP007", message, later))
                    break

    def noise(self) -> None:
        self._grouped(
            "AP008",
            probes.noise(),
            lambda d: level_rank(d.level) >= 1,
            "high-volume control-plane traffic with little forensic value; level None saves volume",
        )


def _selects_all(rule: PolicyRule) -> bool:
    """A rule without selectors matches every request (checker.go's final ``return true``)."""
    return not (
        rule.users or rule.user_groups or rule.verbs or rule.resources or rule.namespaces or rule.non_resource_urls
    )


def _idx(rule: int) -> int | None:
    return None if rule == NO_MATCH else rule


def _examples(hits: list[Request]) -> str:
    more = f" (+{len(hits) - 3} more)" if len(hits) > 3 else ""
    return "; ".join(r.describe() for r in hits[:3]) + more
