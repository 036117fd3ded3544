"""The commands about one cluster's configuration: ``scan``, ``collect``, ``rules``, ``baseline``."""

import datetime as dt
import os
import sys
from pathlib import Path

import click
import msgspec
from rich.console import Console

from kubeward.checks.catalog import load_rules
from kubeward.checks.rule import OBJECTIVE_ORDER, Severity
from kubeward.cli.errors import LiveError
from kubeward.cli.options import SEVERITY_CHOICES, KubeFlags, input_options, kube_options
from kubeward.inventory.builder import InventoryBuilder
from kubeward.inventory.bundle import BundleError, BundleWriter
from kubeward.report.exit_codes import ExitCode, decide_exit
from kubeward.report.model import OUTPUT_FORMATS, ScanReport
from kubeward.report.render import render_report
from kubeward.scan import (
    OfflineSources,
    ScanSettings,
    analyze,
    fill_offline,
    now,
    offline_target,
    selected_rules,
    with_version,
)
from kubeward.scan import load_inventory as _inventory
from kubeward.suppress import (
    BaselineError,
    IgnoreFileError,
    create_baseline,
    find_ignore_file,
    load_baseline,
    load_ignore_file,
)

stderr = Console(stderr=True, highlight=False, soft_wrap=True)


def _settings(
    ignore_file: str | None, baseline: str | None, honor_annotations: bool, rules: tuple[str, ...]
) -> ScanSettings:
    ignore = None
    if ignore_file is not None:
        ignore = load_ignore_file(Path(ignore_file))
    else:
        found = find_ignore_file(Path.cwd())
        if found is not None:
            ignore = load_ignore_file(found)
    return ScanSettings(
        ignore_file=ignore,
        baseline=load_baseline(Path(baseline)) if baseline else None,
        honor_annotations=honor_annotations,
        rule_ids=rules,
        today=dt.date.today(),
    )


def _summary_line(report: ScanReport) -> str:
    counts = report.counts()
    failed = counts.get("fail", 0)
    parts = [f"{failed} failing finding{'s' if failed != 1 else ''}"]
    for status in ("suppressed", "not_assessable", "not_applicable", "pass"):
        if counts.get(status):
            parts.append(f"{counts[status]} {status.replace('_', ' ')}")
    line = f"kubeward: {', '.join(parts)} on {report.scan.target.name}"
    if report.scan.incomplete:
        missing = [f"{rec.part} ({rec.status})" for rec in report.scan.missing if rec.status != "absent"]
        errors = [issue.describe() for issue in report.scan.issues if issue.level == "error"]
        detail = "; ".join([*missing, *errors][:5])
        line += f"\nkubeward: scan incomplete: {detail}" if detail else "\nkubeward: scan incomplete"
    return line


@click.command()
@input_options
@kube_options
@click.option(
    "-o",
    "--output",
    "fmt",
    type=click.Choice(OUTPUT_FORMATS),
    default="table",
    show_default=True,
    help="Report format.",
)
@click.option("--output-file", type=click.Path(dir_okay=False, writable=True), help="Write the report to this file.")
@click.option(
    "--fail-on",
    type=click.Choice(SEVERITY_CHOICES),
    help="Exit 1 when an unsuppressed failure of this severity or worse exists.",
)
@click.option(
    "--ignore-file",
    type=click.Path(exists=True, dir_okay=False),
    help="Ignore file (default: ./.kubewardignore.yaml if present).",
)
@click.option(
    "--baseline",
    type=click.Path(exists=True, dir_okay=False),
    help="Baseline file: findings in it are suppressed.",
)
@click.option(
    "--no-annotation-ignores",
    is_flag=True,
    help="Do not honour ignore-check.kubeward.dev/* object annotations.",
)
@click.option("--show-suppressed", is_flag=True, help="List suppressed findings in table and markdown output.")
@click.option("--include-passed", is_flag=True, help="Include passing checks in JUnit output.")
@click.option("--rule", "rules", multiple=True, metavar="ID", help="Run only this rule (repeatable).")
@click.option(
    "--kubernetes-version",
    metavar="VERSION",
    help="Kubernetes version whose defaults apply (e.g. v1.31.2), when the inputs do not tell.",
)
@click.option(
    "--kubeconfigs",
    "kubeconfig_paths",
    multiple=True,
    type=click.Path(),
    metavar="PATH",
    help="Credential section: search PATH (file, folder, git repository with history) for kubeconfigs; repeatable.",
)
@click.option(
    "--probe",
    "probe_endpoints",
    is_flag=True,
    help="Probe the cluster's API server (and node kubelets) without credentials; see 'kubeward probe'.",
)
def scan(
    paths: tuple[str, ...],
    bundles: tuple[str, ...],
    demo: str | None,
    kube: KubeFlags,
    fmt: str,
    output_file: str | None,
    fail_on: str | None,
    ignore_file: str | None,
    baseline: str | None,
    no_annotation_ignores: bool,
    show_suppressed: bool,
    include_passed: bool,
    rules: tuple[str, ...],
    kubernetes_version: str | None,
    kubeconfig_paths: tuple[str, ...],
    probe_endpoints: bool,
) -> None:
    """Scan a live cluster (kubeconfig), a bundle, files and folders, or the bundled --demo.

    PATH may be static pod manifests, kubelet config files and drop-ins, systemd units and
    kubeadm-flags.env, k3s/RKE2 config.yaml, kubeadm configuration, 'kubectl get -o yaml|json'
    dumps, or EKS/GKE/AKS cluster descriptions; folders are walked and file types detected from
    their content. --kubeconfigs adds the credential section (kubeconfigs found under those paths);
    --probe probes the scanned cluster's endpoints without credentials and correlates the answers
    with the configuration.
    """
    started = now()
    try:
        settings = _settings(ignore_file, baseline, not no_annotation_ignores, rules)
        sources = OfflineSources(paths=paths, bundles=bundles, demo=demo, kubeconfigs=kubeconfig_paths)
        inventory = with_version(_inventory(sources, kube), kubernetes_version)
        if probe_endpoints:
            from kubeward.cli.probe import probe_scanned_cluster

            inventory = probe_scanned_cluster(inventory, kube)
        report = analyze(inventory, settings, started)
    except (IgnoreFileError, BaselineError, ValueError) as exc:
        raise click.UsageError(str(exc)) from exc
    except LiveError as exc:
        stderr.print(f"kubeward: error: {exc}")
        sys.exit(ExitCode.ERROR)
    text = render_report(
        report,
        fmt,  # type: ignore[arg-type]
        width=_width(output_file),
        color=output_file is None and fmt == "table" and sys.stdout.isatty(),
        show_suppressed=show_suppressed,
        include_passed=include_passed,
    )
    _write(text, output_file)
    stderr.print(_summary_line(report))
    sys.exit(decide_exit(report, Severity(fail_on) if fail_on else None))


def _width(output_file: str | None) -> int:
    if output_file is None and sys.stdout.isatty():
        return max(100, min(os.get_terminal_size().columns, 200))
    return 120


def _write(text: str, output_file: str | None) -> None:
    if output_file:
        Path(output_file).write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
    else:
        click.echo(text, nl=not text.endswith("\n"))


@click.command()
@input_options
@kube_options
@click.option(
    "-o",
    "--output",
    "destination",
    required=True,
    type=click.Path(),
    help="Bundle to write: a directory, or a file ending in .tar.gz.",
)
def collect(
    paths: tuple[str, ...], bundles: tuple[str, ...], demo: str | None, kube: KubeFlags, destination: str
) -> None:
    """Collect a cluster (live, or from offline inputs) into a bundle to analyse anywhere with
    'kubeward scan --bundle'.
    """
    sources = OfflineSources(paths=paths, bundles=bundles, demo=demo)
    try:
        if sources.empty:
            from kubeward.cli.live import live_target

            target = live_target(kube)
        else:
            target = offline_target(sources)
    except LiveError as exc:
        stderr.print(f"kubeward: error: {exc}")
        sys.exit(ExitCode.ERROR)
    try:
        writer = BundleWriter(destination, target)
    except (BundleError, OSError) as exc:
        stderr.print(f"kubeward: error: cannot write bundle: {exc}")
        sys.exit(ExitCode.ERROR)
    try:
        if sources.empty:
            from kubeward.cli.live import collect_live_into

            collect_live_into(kube, writer)
            incomplete = writer.incomplete
        else:
            builder = InventoryBuilder(target)
            fill_offline(sources, builder)
            inventory = builder.build()
            writer.write_inventory(inventory)
            incomplete = inventory.incomplete
        path = writer.close()
    except LiveError as exc:
        writer.abort()
        stderr.print(f"kubeward: error: {exc}")
        sys.exit(ExitCode.ERROR)
    except BaseException:
        writer.abort()
        raise
    stderr.print(f"kubeward: wrote bundle {path}")
    if incomplete:
        stderr.print("kubeward: collection incomplete; the bundle records what is missing and why")
        sys.exit(ExitCode.INCOMPLETE)


@click.group()
def rules() -> None:
    """The rule catalog."""


@rules.command("list")
@click.option(
    "-o", "--output", "fmt", type=click.Choice(["table", "json", "markdown"]), default="table", show_default=True
)
def rules_list(fmt: str) -> None:
    """List every rule with its objective, severity and CIS ids (markdown: the whole catalog, as docs/rules.md)."""
    registry = list(load_rules())
    if fmt == "markdown":
        from kubeward.checks.docs import render_catalog

        click.echo(render_catalog(), nl=False)
        return
    if fmt == "json":
        click.echo(msgspec.json.format(msgspec.json.encode([r.meta for r in registry])).decode())
        return
    from rich.table import Table

    table = Table(box=None, pad_edge=False, show_edge=False)
    for column in ("ID", "SEVERITY", "OBJECTIVE", "CIS", "TITLE"):
        table.add_column(column, no_wrap=column != "TITLE")
    order = {objective: index for index, objective in enumerate(OBJECTIVE_ORDER)}
    for registered in sorted(registry, key=lambda r: (order[r.meta.objective], r.meta.id)):
        meta = registered.meta
        table.add_row(meta.id, meta.severity, meta.objective, ",".join(meta.cis), meta.title)
    Console(width=_width(None), highlight=False).print(table)


@rules.command("explain")
@click.argument("rule_id")
def rules_explain(rule_id: str) -> None:
    """Explain one rule: why it matters, how to fix it, where it applies."""
    try:
        registered = selected_rules([rule_id.upper()])[0]
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc
    meta = registered.meta
    lines = [
        f"{meta.id}: {meta.title}",
        f"  objective:   {meta.objective}",
        f"  severity:    {meta.severity}",
        f"  CIS:         {', '.join(meta.cis) or '-'}",
        f"  applies to:  {', '.join(meta.applies_to)}",
        f"  plan step:   {int(meta.step)}. {meta.step.title}",
    ]
    if meta.seed_step:
        lines.append(f"  seed step:   {meta.seed_step}")
    lines += ["", "Why:", f"  {meta.rationale}", "", "Fix:", f"  {meta.remediation}"]
    if meta.fix:
        lines.append(f"  Generated by: {meta.fix}")
    if registered.provider_managed:
        lines += ["", "Managed clusters (EKS, GKE, AKS):", f"  {registered.provider_managed}"]
    if meta.references:
        lines += ["", "References:", *(f"  {ref}" for ref in meta.references)]
    click.echo("\n".join(lines))


@click.group()
def baseline() -> None:
    """Baselines: accept today's findings so only new ones fail the build."""


@baseline.command("create")
@input_options
@kube_options
@click.option(
    "-o",
    "--output",
    "destination",
    default=".kubeward-baseline.json",
    show_default=True,
    type=click.Path(dir_okay=False),
)
@click.option("--no-annotation-ignores", is_flag=True, help="Do not honour ignore annotations while creating it.")
def baseline_create(
    paths: tuple[str, ...],
    bundles: tuple[str, ...],
    demo: str | None,
    kube: KubeFlags,
    destination: str,
    no_annotation_ignores: bool,
) -> None:
    """Scan, then write the fingerprints of every current failure to a baseline file."""
    started = now()
    try:
        inventory = _inventory(OfflineSources(paths=paths, bundles=bundles, demo=demo), kube)
    except LiveError as exc:
        stderr.print(f"kubeward: error: {exc}")
        sys.exit(ExitCode.ERROR)
    report = analyze(inventory, ScanSettings(honor_annotations=not no_annotation_ignores), started)
    data = create_baseline(report.findings)
    Path(destination).write_bytes(data)
    failed = sum(1 for f in report.findings if f.status == "fail")
    stderr.print(f"kubeward: baseline of {failed} finding(s) written to {destination}")
    if report.scan.incomplete:
        sys.exit(ExitCode.INCOMPLETE)
