"""Building Inventories from small hand-written inputs, and running single rules on them."""

import textwrap
from pathlib import Path

from kubeward.analysis import Analysis
from kubeward.checks.catalog import load_rules
from kubeward.collect.offline import OfflineCollector
from kubeward.engine import run_rules
from kubeward.findings import Finding
from kubeward.inventory.builder import InventoryBuilder
from kubeward.inventory.model import Inventory, Target


def write_files(root: Path, files: dict[str, str]) -> list[str]:
    """Write ``files`` (relative path -> text, dedented) under ``root``; return their paths."""
    written = []
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"))
        written.append(str(path))
    return written


def inventory_from_files(root: Path, files: dict[str, str]) -> Inventory:
    """Load ``files`` as an offline scan of the folder ``root`` (paths shown relative to it)."""
    write_files(root, files)
    builder = InventoryBuilder(Target(kind="offline", name="test"))
    OfflineCollector(builder, display=lambda p: str(Path(p).relative_to(root))).load([str(root)])
    return builder.build()


def run_rule(inventory: Inventory, rule_id: str) -> list[Finding]:
    """Findings of one rule."""
    registered = load_rules().get(rule_id)
    assert registered is not None, rule_id
    findings, errors = run_rules(Analysis(inventory), [registered])
    assert errors == []
    return findings


def verdicts(findings: list[Finding]) -> list[tuple[str, str]]:
    """(status, resource key) pairs, sorted, for exact comparisons."""
    return sorted((f.status, f.resource.key()) for f in findings)
