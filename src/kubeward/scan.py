"""The scan pipeline: inputs -> Inventory -> rules -> findings -> suppression -> report.

The CLI parses options and calls these functions; tests call them directly.
"""

import datetime as dt
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

import msgspec

from kubeward.analysis import Analysis
from kubeward.checks.catalog import load_rules
from kubeward.checks.registry import RegisteredRule
from kubeward.collect.offline import OfflineCollector
from kubeward.engine import run_rules
from kubeward.findings import Finding
from kubeward.inventory.builder import InventoryBuilder
from kubeward.inventory.bundle import BundleError, load_bundle, read_manifest
from kubeward.inventory.model import InputIssue, Inventory, Target, VersionInfo
from kubeward.inventory.provenance import default_of
from kubeward.report.build import build_report
from kubeward.report.model import AccessReview, ScanInfo, ScanReport
from kubeward.suppress import apply_suppressions
from kubeward.suppress.baseline import Baseline
from kubeward.suppress.ignorefile import IgnoreFile

if TYPE_CHECKING:
    from kubeward.cli.options import KubeFlags

DEMO_NAME = "demo"
HARDENED_DEMO = "hardened"


def demo_kubeconfigs() -> Path:
    """The demo's kubeconfigs: one file per credential-hygiene finding (fake credentials)."""
    return Path(str(resources.files("kubeward") / "demo" / "kubeconfigs"))


def demo_root(which: str = "vulnerable") -> Path:
    """A bundled example cluster: the kubeadm-style demo with the misconfigurations real clusters
    have, or (``hardened``) the same cluster configured as kubeward recommends.
    """
    folder = "hardened" if which == HARDENED_DEMO else "cluster"
    return Path(str(resources.files("kubeward") / "demo" / folder))


def _demo_name(which: bool | str | None) -> str:
    return f"{DEMO_NAME}-{HARDENED_DEMO}" if which == HARDENED_DEMO else DEMO_NAME


def now() -> str:
    """UTC timestamp for reports."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


@dataclass
class OfflineSources:
    """Offline inputs of one scan: files and folders, bundles, and/or the demo."""

    paths: Sequence[str] = ()
    bundles: Sequence[str] = ()
    demo: bool | str | None = False  # True or "vulnerable": the demo; "hardened": the hardened example
    kubeconfigs: Sequence[str] = ()  # files, folders or repositories searched for kubeconfigs (credential section)

    @property
    def empty(self) -> bool:
        """True when no offline input was given (the scan is then of a live cluster)."""
        return not (self.paths or self.bundles or self.demo)


def offline_target(sources: OfflineSources) -> Target:
    """Name the scan target after its inputs."""
    if sources.demo and not sources.paths and not sources.bundles:
        return Target(kind="demo", name=_demo_name(sources.demo))
    if sources.bundles and not sources.paths and len(sources.bundles) == 1:
        try:
            manifest = read_manifest(sources.bundles[0])
        except BundleError:
            return Target(kind="bundle", name=os.path.basename(sources.bundles[0].rstrip("/")) or "bundle")
        return Target(
            kind="bundle",
            name=manifest.target.name,
            server=manifest.target.server,
            context=manifest.target.context,
        )
    names = [*sources.paths, *sources.bundles]
    return Target(kind="offline", name=", ".join(names) if len(names) <= 3 else f"{len(names)} inputs")


def load_inventory(sources: OfflineSources, kube: "KubeFlags", *, live_if_empty: bool = True) -> Inventory:
    """Collect the Inventory from offline inputs or, when none are given, the live cluster.

    Shared by every command that reads a cluster (scan, baseline, rbac); the live collector is
    imported only when a live cluster is read, so offline runs do not load the HTTP stack.
    """
    if sources.empty and live_if_empty:
        from kubeward.cli.live import collect_live_into, live_target

        builder = InventoryBuilder(live_target(kube))
        collect_live_into(kube, builder)
        fill_kubeconfigs(sources, builder)
        return builder.build()
    builder = InventoryBuilder(offline_target(sources))
    fill_offline(sources, builder)
    return builder.build()


def load_offline_inventory(sources: OfflineSources, target: Target | None = None) -> Inventory:
    """Build an Inventory from offline inputs (files, folders, bundles, the demo)."""
    builder = InventoryBuilder(target or offline_target(sources))
    fill_offline(sources, builder)
    return builder.build()


def fill_offline(sources: OfflineSources, builder: InventoryBuilder) -> None:
    """Add offline inputs to ``builder`` (shared by scan and collect)."""
    for bundle in sources.bundles:
        try:
            load_bundle(bundle, builder)
        except BundleError as exc:
            builder.add_issue(InputIssue(input=bundle, message=str(exc).removeprefix(f"{bundle}: ")))
    if sources.paths:
        OfflineCollector(builder).load(list(sources.paths))
    if sources.demo:
        root = demo_root(str(sources.demo))
        OfflineCollector(builder, display=_relative_to(root, _demo_name(sources.demo))).load([str(root)])
    fill_kubeconfigs(sources, builder)


def fill_kubeconfigs(sources: OfflineSources, builder: InventoryBuilder) -> None:
    """The credential section: kubeconfigs under ``--kubeconfigs`` paths, and the demo's own.

    Kubeconfigs met among the offline PATHs (e.g. a node's admin.conf) are not judged here: node
    kubeconfigs are meant to hold node credentials, and which folders hold user kubeconfigs is the
    user's call (``--kubeconfigs``).
    """
    from kubeward.credentials.scan import scan_kubeconfigs

    jobs: list[tuple[list[str], Callable[[str], str] | None]] = []
    if sources.kubeconfigs:
        jobs.append((list(sources.kubeconfigs), None))
    if sources.demo and sources.demo != HARDENED_DEMO:
        root = demo_kubeconfigs()
        jobs.append(([str(root)], _relative_to(root, f"{DEMO_NAME}/kubeconfigs")))
    for paths, display in jobs:
        found = scan_kubeconfigs(paths, display=display)
        for record in found.records:
            builder.add_kubeconfig(record)
        for issue in found.issues:
            builder.add_issue(issue)


def _relative_to(root: Path, prefix: str) -> Callable[[str], str]:
    def display(path: str) -> str:
        try:
            return f"{prefix}/{Path(path).relative_to(root).as_posix()}"
        except ValueError:
            return path

    return display


def with_version(inventory: Inventory, version: str | None) -> Inventory:
    """Set the Kubernetes version when the inputs do not tell it (``--kubernetes-version``)."""
    if not version or inventory.version is not None:
        return inventory
    text = version if version.startswith("v") else f"v{version}"
    parts = text.lstrip("v").split(".")
    info = VersionInfo(
        gitVersion=text,
        major=parts[0],
        minor=parts[1] if len(parts) > 1 else "",
        provenance=default_of("--kubernetes-version"),
    )
    return msgspec.structs.replace(inventory, version=info)


@dataclass
class ScanSettings:
    """What to do with findings: suppression sources and which rules run."""

    ignore_file: IgnoreFile | None = None
    baseline: Baseline | None = None
    honor_annotations: bool = True
    rule_ids: Sequence[str] = ()
    today: dt.date = field(default_factory=dt.date.today)


def selected_rules(rule_ids: Sequence[str]) -> list[RegisteredRule]:
    """All rules, or the ones named (unknown ids raise ValueError)."""
    registry = load_rules()
    if not rule_ids:
        return list(registry)
    chosen: list[RegisteredRule] = []
    for rule_id in rule_ids:
        found = registry.get(rule_id)
        if found is None:
            raise ValueError(f"unknown rule id {rule_id}")
        chosen.append(found)
    return chosen


def analyze(inventory: Inventory, settings: ScanSettings, started: str) -> ScanReport:
    """Run the rules, apply suppressions and build the report.

    Suppression warnings (expired ignore entries, annotations without a reason) and rule errors are
    part of the report's issues; a rule error makes the scan incomplete.
    """
    rules = selected_rules(settings.rule_ids)
    analysis = Analysis(inventory)
    findings, rule_errors = run_rules(analysis, rules)
    review = None
    try:
        review = access_review(analysis, rules)
    except Exception as exc:  # a review failure must not lose the findings; it is reported as an issue
        rule_errors.append(f"access review: {type(exc).__name__}: {exc}")
    outcome = apply_suppressions(
        findings,
        ignore_file=settings.ignore_file,
        baseline=settings.baseline,
        honor_annotations=settings.honor_annotations,
        today=settings.today,
    )
    issues = [*inventory.issues, *outcome.warnings]
    issues.extend(
        InputIssue(input=f"rule {err.split(':', 1)[0]}", message=err.split(":", 1)[1].strip()) for err in rule_errors
    )
    scan = ScanInfo(
        target=inventory.target,
        started=started,
        finished=now(),
        kubernetes_version=inventory.version.gitVersion if inventory.version else "",
        platform=analysis.platform.label,
        inputs=inventory.inputs,
        incomplete=inventory.incomplete or bool(rule_errors),
        missing=tuple(rec for rec in inventory.collection if not rec.ok),
        issues=tuple(issues),
    )
    return build_report(outcome.findings, [r.meta for r in rules], scan, access_review=review)


def access_review(analysis: Analysis, rules: Sequence[RegisteredRule]) -> AccessReview | None:
    """The access review section, when an RBAC rule ran and some RBAC object was collected."""
    if not any(r.meta.area == "RBAC" for r in rules) or not analysis.rbac.available:
        return None
    from kubeward.rbac.review import build_access_review

    return build_access_review(analysis.rbac)


def count_failures(findings: Sequence[Finding]) -> int:
    """Number of unsuppressed failures."""
    return sum(1 for f in findings if f.status == "fail")
