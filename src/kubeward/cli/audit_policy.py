"""``kubeward audit policy``: lint, explain and generate audit policies with the API server's checker semantics.

``simulate`` replays a log through a policy: events and bytes per day by rule.
Exit codes: 0 clean, 1 findings at or above ``--fail-on`` (lint), 2 unreadable or undecodable policy or log,
3 (simulate) lines of the log skipped.
"""

import dataclasses
import json
import sys
from pathlib import Path

import click

from kubeward.audit.policy.checker import Request
from kubeward.audit.policy.explain import explain as explain_request
from kubeward.audit.policy.lint import CHECKS, SEVERITY_ORDER
from kubeward.audit.policy.lint import lint as lint_policy
from kubeward.audit.policy.model import PolicyError, PolicyFile, read_policy
from kubeward.audit.policy.profiles import PROFILES, render
from kubeward.audit.policy.simulate import as_document, render_csv, render_table, simulate
from kubeward.report.exit_codes import ExitCode


@click.group()
def policy() -> None:
    """What an audit policy records: lint, explain, generate, simulate."""


def _load(file: str) -> PolicyFile:
    try:
        return read_policy(Path(file))
    except PolicyError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(ExitCode.ERROR)


@policy.command()
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("-o", "--output", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.option(
    "--fail-on",
    type=click.Choice(SEVERITY_ORDER),
    default="high",
    show_default=True,
    help="Exit 1 when a finding has this severity or higher.",
)
def lint(file: str, output: str, fail_on: str) -> None:
    """Check FILE for what an investigation needs: Secrets, RBAC, exec and 401s logged, no values leaked."""
    doc = _load(file)
    findings = lint_policy(doc)
    if output == "json":
        click.echo(json.dumps({"file": file, "findings": [dataclasses.asdict(f) for f in findings]}, indent=2))
    elif not findings:
        click.echo(f"{file}: no findings")
    else:
        for f in findings:
            where = f"{file}:{f.line}" if f.line else file
            rule = f" rule {f.rule}" if f.rule is not None else ""
            click.echo(f"{where}: {f.severity.upper()} {f.id}{rule} {CHECKS[f.id][1]}\n    {f.message}")
    limit = SEVERITY_ORDER.index(fail_on)
    if any(SEVERITY_ORDER.index(f.severity) <= limit for f in findings):
        sys.exit(ExitCode.FINDINGS)


@policy.command()
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--verb", required=True, help="Request verb as the API server sees it (get, list, watch, create...).")
@click.option("--resource", "resource", default=None, help="RESOURCE or RESOURCE/SUBRESOURCE, e.g. pods/exec.")
@click.option("--group", "api_group", default="", help="API group of the resource ('' = core).")
@click.option("--namespace", default="", help="Namespace ('' = cluster-scoped).")
@click.option("--name", default="", help="Object name (for resourceNames rules).")
@click.option("--user", default=None, help="Authenticated user name; omit both user options for a failed login.")
@click.option("--group-of-user", "user_groups", multiple=True, help="A group of the user (repeatable).")
@click.option("--non-resource-url", default=None, help="Path of a non-resource request, e.g. /healthz.")
@click.option("-o", "--output", type=click.Choice(["text", "json"]), default="text", show_default=True)
def explain(
    file: str,
    verb: str,
    resource: str | None,
    api_group: str,
    namespace: str,
    name: str,
    user: str | None,
    user_groups: tuple[str, ...],
    non_resource_url: str | None,
    output: str,
) -> None:
    """Which rule of FILE matches a request, its level and the stages logged."""
    if (resource is None) == (non_resource_url is None):
        raise click.UsageError("give exactly one of --resource and --non-resource-url")
    doc = _load(file)
    res, _, sub = (resource or "").partition("/")
    authenticated = user is not None or bool(user_groups)
    request = Request(
        verb=verb,
        resource=res,
        subresource=sub,
        group=api_group,
        namespace=namespace,
        name=name,
        user=(user or "") if authenticated else None,
        user_groups=user_groups,
        path=non_resource_url or "",
    )
    result = explain_request(doc, request)
    if output == "json":
        click.echo(json.dumps(dataclasses.asdict(result), indent=2))
        return
    where = f"rule {result.rule} ({file}:{result.line})" if result.rule is not None else "no rule"
    click.echo(f"{result.request}: {where}, level {result.level}")
    click.echo(f"  stages not omitted: {', '.join(result.logged_stages) or 'none'}")
    if result.omitted_stages:
        click.echo(f"  omitted stages: {', '.join(result.omitted_stages)}")
    if result.note:
        click.echo(f"  note: {result.note}")


@policy.command()
@click.option("--profile", type=click.Choice(sorted(PROFILES)), required=True, help="Which policy to write.")
def generate(profile: str) -> None:
    """Print an audit policy: recommended, low-volume, or seed (= recommended). Each lints clean."""
    click.echo(render(profile), nl=False)


@policy.command("simulate")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option(
    "--log",
    "logs",
    multiple=True,
    required=True,
    type=click.Path(exists=True, path_type=Path),
    help="Audit log: JSON lines, gzip, rotated set or folder (repeatable).",
)
@click.option("-o", "--output", type=click.Choice(["table", "json", "csv"]), default="table", show_default=True)
def simulate_command(file: str, logs: tuple[Path, ...], output: str) -> None:
    """What FILE would have logged for the traffic in LOG: events and bytes per day by rule.

    Every logged event is matched as the API server would (first rule wins, omitStages); bytes are estimated from
    the logged line at the rule's level. Bytes marked '>=' are lower bounds: the rule logs bodies the source log
    did not record. When the log has no RequestReceived events, those a rule would keep are synthesized (one per
    request, at Metadata size) and the output says so. Native JSON-lines logs only (not EKS/GKE/AKS exports).
    Exit 3 when lines were skipped, 2 when the policy or a log is unreadable.
    """
    doc = _load(file)
    result = simulate(doc.policy, logs)
    stats = result.stats
    if output == "json":
        click.echo(json.dumps(as_document(result, file), indent=2))
    elif output == "csv":
        click.echo(render_csv(result), nl=False)
    else:
        click.echo(render_table(result, file), nl=False)
    for issue in stats.issues:
        click.echo(f"kubeward: {issue.describe()}", err=True)
    if stats.unreadable_files:
        sys.exit(ExitCode.ERROR)
    if stats.incomplete:
        click.echo(f"kubeward: simulation incomplete: {stats.bad_lines} malformed line(s), "
                   f"{stats.truncated_files} truncated file(s)", err=True)  # fmt: skip
        sys.exit(ExitCode.INCOMPLETE)
