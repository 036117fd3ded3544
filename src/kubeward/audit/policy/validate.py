"""Validation as the API server does it, plus the unknown fields it only logs.

Rules from ``staging/src/k8s.io/apiserver/pkg/apis/audit/validation/validation.go`` (Kubernetes 1.35):
at least one rule; a valid level on every rule; omitStages among the four stages; nonResourceURLs start
with ``/`` (or are ``*``) and hold ``*`` only as their last character; nonResourceURLs exclude resources
and namespaces; a group is a DNS subdomain without a version (``*`` from 1.36); resourceNames need
resources. ``reader.go`` accepts only ``audit.k8s.io/v1``. Unknown fields are accepted by the API server
after a warning, so a misspelt selector silently widens the rule: we report those as errors too.
"""

import re
from dataclasses import dataclass
from typing import Any

from kubeward.audit.policy.model import LEVELS, STAGES, PolicyFile

_DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_TOP_FIELDS = {"apiVersion", "kind", "metadata", "rules", "omitStages", "omitManagedFields"}
_RULE_FIELDS = {
    "level", "users", "userGroups", "verbs", "resources", "namespaces",
    "nonResourceURLs", "omitStages", "omitManagedFields",
}  # fmt: skip
_GR_FIELDS = {"group", "resources", "resourceNames"}


@dataclass(frozen=True)
class Problem:
    """One validation error: the dotted path (``rules.2.level``), its line and what is wrong."""

    path: str
    line: int | None
    message: str


def validate(doc: PolicyFile) -> list[Problem]:
    """Every problem the API server would reject or silently ignore, in document order."""
    out: list[Problem] = []

    def add(path: str, message: str) -> None:
        out.append(Problem(path, doc.line_of(path), message))

    policy = doc.policy
    if policy.api_version != "audit.k8s.io/v1" or policy.kind != "Policy":
        add("apiVersion", f"expected apiVersion audit.k8s.io/v1, kind Policy; found {policy.api_version or '(none)'}"
            f", {policy.kind or '(none)'} (the API server accepts only audit.k8s.io/v1)")  # fmt: skip
    _unknown(doc.raw, _TOP_FIELDS, "", add)
    if not policy.rules:
        add("rules", "a policy must have at least one rule")
    _stages(policy.omit_stages, "omitStages", add)
    raw_rules = _list(doc.raw.get("rules"))
    for index, rule in enumerate(policy.rules):
        base = f"rules.{index}"
        raw = raw_rules[index] if index < len(raw_rules) and isinstance(raw_rules[index], dict) else {}
        _unknown(raw, _RULE_FIELDS, base, add)
        if rule.level not in LEVELS:
            add(f"{base}.level", f"level {rule.level!r} is not one of {', '.join(LEVELS)}")
        _stages(rule.omit_stages, f"{base}.omitStages", add)
        if rule.non_resource_urls and (rule.resources or rule.namespaces):
            add(base, "a rule cannot combine nonResourceURLs with resources or namespaces")
        for u, url in enumerate(rule.non_resource_urls):
            if url != "*" and not url.startswith("/"):
                add(f"{base}.nonResourceURLs.{u}", f"nonResourceURL {url!r} must start with '/'")
            if "*" in url[:-1]:
                add(f"{base}.nonResourceURLs.{u}", f"nonResourceURL {url!r} may hold '*' only as its last character")
        raw_gr = _list(raw.get("resources"))
        for g, entry in enumerate(rule.resources):
            path = f"{base}.resources.{g}"
            if g < len(raw_gr) and isinstance(raw_gr[g], dict):
                _unknown(raw_gr[g], _GR_FIELDS, path, add)
            if entry.group not in ("", "*") and (not _DNS_SUBDOMAIN.match(entry.group) or len(entry.group) > 253):
                add(
                    f"{path}.group", f"group {entry.group!r} is not a DNS subdomain (no version: 'apps', not 'apps/v1')"
                )
            if entry.group == "*":
                add(f"{path}.group", "group '*' is accepted only from Kubernetes 1.36 on; older API servers reject it")
            if entry.resource_names and not entry.resources:
                add(f"{path}.resourceNames", "resourceNames require resources")
    return out


def _unknown(raw: dict[str, Any], known: set[str], base: str, add: Any) -> None:
    for key in raw:
        if key not in known:
            path = f"{base}.{key}" if base else key
            add(path, f"unknown field {key!r}: the API server ignores it after a warning, so the rule matches more")


def _stages(stages: list[str], path: str, add: Any) -> None:
    for stage in stages:
        if stage not in STAGES:
            add(path, f"stage {stage!r} is not one of {', '.join(STAGES)}")


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []
