"""``kubeward kubeconfig scan``: credential hygiene of kubeconfigs found in files, folders and git
history — the same rules and report formats as the credential section of ``kubeward scan``.
"""

import datetime as dt
import os
import sys
from pathlib import Path

import click
import msgspec
from rich.console import Console

from kubeward.checks.catalog import load_rules
from kubeward.checks.rule import Severity
from kubeward.cli.options import SEVERITY_CHOICES
from kubeward.credentials.scan import DEFAULT_MAX_BYTES, CredentialScan, scan_kubeconfigs
from kubeward.inventory.builder import InventoryBuilder
from kubeward.inventory.credentials import AccessFacts
from kubeward.inventory.model import InputRecord, Target
from kubeward.kube.kubeconfig import Kubeconfig
from kubeward.report.exit_codes import decide_exit
from kubeward.report.model import OUTPUT_FORMATS
from kubeward.report.render import render_report
from kubeward.scan import DEMO_NAME, ScanSettings, _relative_to, analyze, demo_kubeconfigs, now
from kubeward.suppress import IgnoreFileError, find_ignore_file, load_ignore_file
from kubeward.suppress.ignorefile import IgnoreFile

stderr = Console(stderr=True, highlight=False, soft_wrap=True)


def kubeconfig_rule_ids() -> list[str]:
    """The ids of the kubeconfig rules (``kubeward.checks.kubeconfig``)."""
    return [r.meta.id for r in load_rules() if r.check.__module__ == "kubeward.checks.kubeconfig"]


@click.group()
def kubeconfig() -> None:
    """Kubeconfig credential hygiene."""


@kubeconfig.command("scan")
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--demo", is_flag=True, help="Scan the bundled demo kubeconfigs (one per finding).")
@click.option("--no-history", is_flag=True, help="Do not read the git history of repositories met.")
@click.option(
    "--max-file-size",
    type=click.IntRange(min=1),
    default=DEFAULT_MAX_BYTES,
    show_default=True,
    metavar="BYTES",
    help="Skip (and report) files larger than this.",
)
@click.option("-o", "--output", "fmt", type=click.Choice(OUTPUT_FORMATS), default="table", show_default=True)
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
@click.option("--show-suppressed", is_flag=True, help="List suppressed findings in table and markdown output.")
@click.option(
    "--check-access",
    is_flag=True,
    help=(
        "Ask each reachable cluster what each context's embedded credential may do (one "
        "SelfSubjectRulesReview per context; exec plugins are never run, referenced files never read)."
    ),
)
@click.option("--request-timeout", type=click.FloatRange(min=0.1), default=10.0, show_default=True, metavar="SECONDS")
def scan_command(
    paths: tuple[str, ...],
    demo: bool,
    no_history: bool,
    max_file_size: int,
    fmt: str,
    output_file: str | None,
    fail_on: str | None,
    ignore_file: str | None,
    show_suppressed: bool,
    check_access: bool,
    request_timeout: float,
) -> None:
    """Find kubeconfigs in PATHs (files, folders, git repositories with their history; any file
    name, also base64-embedded in CI files) and report their credential hygiene.

    Credentials are fingerprinted, never printed; exec commands are never run and files a
    kubeconfig references are never read.
    """
    if not paths and not demo:
        raise click.UsageError("give PATH... or --demo")
    started = now()
    try:
        ignore = load_ignore_file(Path(ignore_file)) if ignore_file else _auto_ignore()
    except IgnoreFileError as exc:
        raise click.UsageError(str(exc)) from exc
    name = ", ".join(paths) if 0 < len(paths) <= 3 else f"{len(paths)} paths" if paths else f"{DEMO_NAME} kubeconfigs"
    builder = InventoryBuilder(Target(kind="demo" if demo and not paths else "offline", name=name))
    scans: list[CredentialScan] = []
    if paths:
        access = None
        if check_access:
            from kubeward.credentials.access import check_access as checker

            def access(path: str, config: Kubeconfig) -> tuple[AccessFacts, ...]:
                return checker(path, config, request_timeout)

        scans.append(scan_kubeconfigs(paths, max_bytes=max_file_size, history=not no_history, access=access))
    if demo:
        root = demo_kubeconfigs()
        display = _relative_to(root, f"{DEMO_NAME}/kubeconfigs")
        scans.append(scan_kubeconfigs([str(root)], max_bytes=max_file_size, history=False, display=display))
    for found in scans:
        for record in found.records:
            builder.add_kubeconfig(record)
            builder.add_input(InputRecord(path=record.source.describe(), detected="kubeconfig", documents=1))
        for issue in found.issues:
            builder.add_issue(issue)
    built = builder.build()
    # Only kubeconfigs were asked for: the cluster parts no input provided are not news here.
    inventory = msgspec.structs.replace(built, collection=tuple(r for r in built.collection if r.status != "absent"))
    settings = ScanSettings(ignore_file=ignore, rule_ids=kubeconfig_rule_ids(), today=dt.date.today())
    report = analyze(inventory, settings, started)
    text = render_report(
        report,
        fmt,  # type: ignore[arg-type]
        width=120 if output_file or not sys.stdout.isatty() else max(100, min(os.get_terminal_size().columns, 200)),
        color=output_file is None and fmt == "table" and sys.stdout.isatty(),
        show_suppressed=show_suppressed,
    )
    if output_file:
        Path(output_file).write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
    else:
        click.echo(text, nl=not text.endswith("\n"))
    files = sum(s.stats.files for s in scans)
    skipped = sum(s.stats.binary for s in scans)
    large = sum(s.stats.too_large for s in scans)
    blobs = sum(s.stats.history_blobs for s in scans)
    failed = sum(1 for f in report.findings if f.status == "fail")
    stderr.print(
        f"kubeward: {len(inventory.kubeconfigs)} kubeconfig(s) in {files} file(s) and {blobs} history blob(s) "
        f"({skipped} binary, {large} over the size cap); {failed} failing finding(s)"
    )
    for issue in inventory.issues[:5]:
        stderr.print(f"kubeward: {issue.level}: {issue.describe()}")
    if len(inventory.issues) > 5:
        stderr.print(f"kubeward: ... and {len(inventory.issues) - 5} more input issue(s) (see the report)")
    sys.exit(decide_exit(report, Severity(fail_on) if fail_on else None))


def _auto_ignore() -> IgnoreFile | None:
    found = find_ignore_file(Path.cwd())
    return load_ignore_file(found) if found is not None else None
