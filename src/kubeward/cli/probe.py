"""``kubeward probe``: unauthenticated, read-only probes of API server, kubelet, etcd and legacy ports;
and ``scan --probe``, which probes the scanned cluster and lets the rules correlate the answers with
the configuration.

Exit codes: 0 probed; 1 an endpoint verdict at or above ``--fail-on``; 2 a target that cannot be
probed (usage); 3 some endpoint could not be assessed (timeout, TLS failure, deadline): exposure
from this vantage point is then partly unknown.
"""

import sys
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import urlsplit

import click
import msgspec
from rich.console import Console

from kubeward.checks.rule import Severity
from kubeward.cli.options import SEVERITY_CHOICES, KubeFlags
from kubeward.inventory.model import Inventory
from kubeward.inventory.probes import ProbeRun
from kubeward.probe.catalog import KUBELET, KUBELET_READONLY
from kubeward.probe.render import render_json, render_table
from kubeward.probe.run import DEFAULT_CONCURRENCY, DEFAULT_DEADLINE, DEFAULT_TIMEOUT, ProbeOptions, run_probe
from kubeward.probe.targets import Request, TargetError, expand
from kubeward.report.exit_codes import ExitCode

stderr = Console(stderr=True, highlight=False, soft_wrap=True)


def probe_options(timeout: float, concurrency: int, deadline: float, tls_versions: bool) -> ProbeOptions:
    """Bounds from the command line."""
    return ProbeOptions(timeout=timeout, concurrency=concurrency, deadline=deadline, tls_versions=tls_versions)


def exit_code(run: ProbeRun, fail_on: Severity | None) -> ExitCode:
    """1 when a verdict's severity is at or above ``fail_on``; else 3 when an endpoint errored; else 0."""
    if fail_on is not None and any(
        p.severity != "none" and Severity(p.severity).at_least(fail_on) for p in run.endpoints
    ):
        return ExitCode.FINDINGS
    if any(p.verdict == "error" for p in run.endpoints):
        return ExitCode.INCOMPLETE
    return ExitCode.OK


@click.command("probe")
@click.argument("targets", nargs=-1, required=True, metavar="TARGET...")
@click.option("-o", "--output", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.option("--output-file", type=click.Path(dir_okay=False, writable=True), help="Write the output to this file.")
@click.option(
    "--timeout",
    type=click.FloatRange(min=0.05),
    default=DEFAULT_TIMEOUT,
    show_default=True,
    help="Seconds per request (connect, TLS, answer).",
)
@click.option("--concurrency", type=click.IntRange(min=1, max=1024), default=DEFAULT_CONCURRENCY, show_default=True)
@click.option(
    "--deadline",
    type=click.FloatRange(min=0.1),
    default=DEFAULT_DEADLINE,
    show_default=True,
    help="Seconds for the whole run; what is unfinished is reported as error.",
)
@click.option("--no-tls-versions", is_flag=True, help="Do not test which TLS versions each port accepts.")
@click.option("--fail-on", type=click.Choice(SEVERITY_CHOICES), help="Exit 1 when a verdict is this severe or worse.")
def probe(
    targets: tuple[str, ...],
    fmt: str,
    output_file: str | None,
    timeout: float,
    concurrency: int,
    deadline: float,
    no_tls_versions: bool,
    fail_on: str | None,
) -> None:
    """Probe TARGETs without credentials: GET requests only, never a write or an exploit.

    TARGET is a host (probes API server 6443, kubelet 10250, read-only 10255, etcd 2379 and the
    legacy insecure port 8080), host:port (the catalog of that port's component), or a URL (with a
    path: that endpoint only). Verdicts: authn-required (401), anonymous-forbidden (403: anonymous
    requests are accepted, authorization said no), anonymous-allowed (2xx with data),
    public-by-design (health and discovery endpoints meant to answer anonymously), closed, error.
    Exposure is relative to the vantage point: the report says where it probed from.
    """
    try:
        requests = [r for t in targets for r in expand(t)]
    except TargetError as exc:
        raise click.UsageError(str(exc)) from exc
    run = run_probe(targets, probe_options(timeout, concurrency, deadline, not no_tls_versions), requests=requests)
    text = render_json(run) if fmt == "json" else render_table(run)
    if output_file:
        Path(output_file).write_text(text, encoding="utf-8")
    else:
        click.echo(text, nl=False)
    counts: dict[str, int] = {}
    for endpoint in run.endpoints:
        counts[endpoint.verdict] = counts.get(endpoint.verdict, 0) + 1
    summary = ", ".join(f"{n} {verdict}" for verdict, n in sorted(counts.items()))
    stderr.print(f"kubeward: probed {len(run.endpoints)} endpoint(s) from {run.vantage.host}: {summary}")
    sys.exit(exit_code(run, Severity(fail_on) if fail_on else None))


def scanned_cluster_requests(inventory: Inventory, kube: KubeFlags) -> list[Request]:
    """What ``scan --probe`` probes: the API server (the live target's server, ``--server``, or the
    advertise address and secure port of the configured kube-apiserver) and, for every node whose
    address the inventory knows, its kubelet ports 10250 and 10255.
    """
    requests: list[Request] = []
    server = inventory.target.server or kube.server or ""
    if not server:
        from kubeward.analysis import Analysis

        for api in Analysis(inventory).apiservers:
            address = api.flag("advertise-address").value
            port = api.flag("secure-port").value
            if isinstance(address, str) and address:
                server = f"https://{address}:{port or 6443}"
                break
    if server:
        parts = urlsplit(server)
        base = f"{parts.scheme}://{parts.netloc}"
        requests.extend(expand(base))
    seen: set[str] = set()
    for node in inventory.nodes:
        for address in node.status.addresses:
            if address.type != "InternalIP" or not address.address or address.address in seen:
                continue
            seen.add(address.address)
            host = address.address
            requests.extend(Request("https", host, 10250, endpoint) for endpoint in KUBELET)
            requests.extend(Request("http", host, 10255, endpoint) for endpoint in KUBELET_READONLY)
    return requests


def probe_scanned_cluster(inventory: Inventory, kube: KubeFlags, options: ProbeOptions | None = None) -> Inventory:
    """The inventory with a probe run of the scanned cluster added (``scan --probe``)."""
    requests = scanned_cluster_requests(inventory, kube)
    if not requests:
        raise click.UsageError(
            "--probe: no API server address to probe (scan a live cluster, pass --server, or give the "
            "kube-apiserver manifest with --advertise-address)"
        )
    targets: Sequence[str] = sorted({f"{r.host}:{r.port}" for r in requests})
    run = run_probe(targets, options or ProbeOptions(), requests=requests)
    return msgspec.structs.replace(inventory, probes=(*inventory.probes, run))
