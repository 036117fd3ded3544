"""``can-i --list`` output as kubectl prints it.

kubectl breaks every rule of a ``SelfSubjectRulesReview`` into one rule per (group, resource, verb,
name) and per (URL, verb), merges the verbs of rules that differ only in verbs, sorts them by their
text and prints ``Resources``, ``Non-Resource URLs``, ``Resource Names`` and ``Verbs`` columns
(``k8s:staging/src/k8s.io/kubectl/pkg/cmd/auth/cani.go@08ea6733`` ``printStatus``; the breakdown
and compaction helpers of ``k8s.io/component-helpers/auth/rbac``). Lists print the way Go's ``%v``
prints a string slice: ``[get list]``.
"""

from collections.abc import Iterable, Sequence

from kubeward.inventory.objects import PolicyRule

_HEADERS = ("Resources", "Non-Resource URLs", "Resource Names", "Verbs")


def breakdown(rule: PolicyRule) -> list[PolicyRule]:
    """One rule per (group, resource, verb[, name]) and per (URL, verb)."""
    out: list[PolicyRule] = []
    for group in rule.apiGroups:
        for resource in rule.resources:
            for verb in rule.verbs:
                names: tuple[tuple[str, ...], ...] = tuple((n,) for n in rule.resourceNames) or ((),)
                out.extend(
                    PolicyRule(verbs=(verb,), apiGroups=(group,), resources=(resource,), resourceNames=name)
                    for name in names
                )
    out.extend(PolicyRule(verbs=(verb,), nonResourceURLs=(url,)) for url in rule.nonResourceURLs for verb in rule.verbs)
    return out


def compact(rules: Iterable[PolicyRule]) -> list[PolicyRule]:
    """Merge the verbs of single-group, single-resource rules with the same names; sort by text."""
    merged: dict[tuple[str, str, tuple[str, ...]], list[str]] = {}
    others: list[PolicyRule] = []
    for rule in rules:
        if len(rule.apiGroups) == 1 and len(rule.resources) == 1 and len(rule.resourceNames) <= 1:
            verbs = merged.setdefault((rule.apiGroups[0], rule.resources[0], rule.resourceNames), [])
            verbs.extend(v for v in rule.verbs if v not in verbs)
        else:
            others.append(rule)
    out = [
        PolicyRule(verbs=tuple(verbs), apiGroups=(group,), resources=(resource,), resourceNames=names)
        for (group, resource, names), verbs in merged.items()
    ]
    out += others
    out.sort(key=_sort_text)
    return out


def _go_quoted(values: Sequence[str]) -> str:
    return "[" + " ".join('"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"' for v in values) + "]"


def _sort_text(rule: PolicyRule) -> str:
    """The ``PolicyRule{...}`` text kubectl sorts by (``CompactString``)."""
    parts = []
    for label, values in (
        ("APIGroups", rule.apiGroups),
        ("Resources", rule.resources),
        ("NonResourceURLs", rule.nonResourceURLs),
        ("ResourceNames", rule.resourceNames),
        ("Verbs", rule.verbs),
    ):
        if values:
            parts.append(f"{label}:{_go_quoted(values)}")
    return "PolicyRule{" + ", ".join(parts) + "}"


def _resource_column(rule: PolicyRule) -> str:
    """``resource.group[/subresource]`` (``CombineResourceGroup``)."""
    if not rule.resources:
        return ""
    base, _, sub = rule.resources[0].partition("/")
    if rule.apiGroups and rule.apiGroups[0]:
        base += f".{rule.apiGroups[0]}"
    return f"{base}/{sub}" if sub else base


def render(rules: Iterable[PolicyRule], *, headers: bool = True) -> str:
    """The table kubectl prints for ``auth can-i --list``."""
    compacted = compact(r for rule in rules for r in breakdown(rule))
    rows: list[tuple[str, ...]] = [_HEADERS] if headers else []
    rows += [
        (
            _resource_column(rule),
            f"[{' '.join(rule.nonResourceURLs)}]",
            f"[{' '.join(rule.resourceNames)}]",
            f"[{' '.join(rule.verbs)}]",
        )
        for rule in compacted
    ]
    if not rows:
        return ""
    widths = [max(len(row[i]) for row in rows) for i in range(len(_HEADERS) - 1)]
    lines = []
    for row in rows:
        padded = "".join(cell.ljust(width + 3) for cell, width in zip(row[:-1], widths, strict=True))
        lines.append(padded + row[-1])
    return "\n".join(lines) + "\n"
