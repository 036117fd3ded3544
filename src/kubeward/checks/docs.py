"""``docs/rules.md``: the rule catalog as a document, generated from the rules' own metadata.

The metadata lives next to each rule's code (DESIGN §5), so the document is generated rather than
written: it cannot drift from what the scanner does. ``python -m kubeward.checks.docs`` rewrites it;
a test fails when the committed file is stale.
"""

import sys
from pathlib import Path

from kubeward.checks.catalog import load_rules
from kubeward.checks.registry import RegisteredRule
from kubeward.checks.rule import OBJECTIVE_ORDER

HEADER = """# kubeward rule catalog

Generated from the rule metadata by `python -m kubeward.checks.docs`; do not edit by hand.
`kubeward rules explain ID` prints one entry.

Every rule reports `pass`, `fail`, `not_assessable` (an input it needs is missing: never a pass)
or `not_applicable` (e.g. the setting is provider-managed on EKS, GKE and AKS), and names the
setting, its effective value and what decided it (flag, config file, default of which version).
"""


def render_catalog() -> str:
    """The whole catalog as Markdown, grouped by control objective, rules by id."""
    rules = sorted(load_rules(), key=lambda r: (OBJECTIVE_ORDER.index(r.meta.objective), r.meta.id))
    lines = [HEADER, "| ID | Severity | CIS | Title |", "|---|---|---|---|"]
    lines += [
        f"| [{r.meta.id}](#{r.meta.id.lower()}) | {r.meta.severity} | {', '.join(r.meta.cis) or '-'} | "
        f"{_cell(r.meta.title)} |"
        for r in rules
    ]
    current = None
    for registered in rules:
        if registered.meta.objective != current:
            current = registered.meta.objective
            lines += ["", f"## {current.replace('-', ' ').capitalize()}"]
        lines += ["", *_entry(registered)]
    return "\n".join(lines) + "\n"


def _entry(registered: RegisteredRule) -> list[str]:
    meta = registered.meta
    lines = [
        f"### {meta.id}",
        "",
        f"**{meta.title}** — severity {meta.severity}; CIS {', '.join(meta.cis) or '-'}; "
        f"applies to {', '.join(meta.applies_to)}; rollout step {int(meta.step)} ({meta.step.title}).",
        "",
        f"Why: {meta.rationale}",
        "",
        f"Fix: {meta.remediation}",
    ]
    if registered.provider_managed:
        lines += ["", f"Managed clusters: {registered.provider_managed}"]
    if meta.seed_step:
        lines += ["", f"Hardening step: {meta.seed_step}"]
    if meta.references:
        lines += ["", "References: " + ", ".join(f"<{ref}>" for ref in meta.references)]
    return lines


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def main() -> None:
    """Write the catalog to the path given (default ``docs/rules.md``)."""
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/rules.md")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(render_catalog())


if __name__ == "__main__":
    main()
