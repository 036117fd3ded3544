"""``kubeward probe`` output: the verdict table with the vantage point and TLS facts, or JSON."""

import io

import msgspec
from rich.console import Console
from rich.table import Table

from kubeward.inventory.probes import ProbeRun

PROBE_SCHEMA_VERSION = "1.0"


class ProbeDocument(msgspec.Struct, frozen=True):
    """The JSON document: versioned, one entry per endpoint probed."""

    schema_version: str
    run: ProbeRun


def render_json(run: ProbeRun) -> str:
    """``{"schema_version", "run": {"vantage", "endpoints": [{url, status|error, verdict, ...}], "tls"}}``."""
    return msgspec.json.format(msgspec.json.encode(ProbeDocument(PROBE_SCHEMA_VERSION, run))).decode() + "\n"


def render_table(run: ProbeRun, width: int = 120) -> str:
    """Verdict table, TLS table, vantage note."""
    buffer = io.StringIO()
    console = Console(file=buffer, width=width, highlight=False, color_system=None)
    vantage = run.vantage
    addresses = ", ".join(vantage.source_addresses) or "none (nothing answered)"
    console.print(f"kubeward probe from {vantage.host} (source addresses: {addresses})")
    console.print(f"note: {vantage.note}")
    console.print()
    table = Table(box=None, pad_edge=False, show_edge=False)
    for column in ("URL", "STATUS", "VERDICT", "SEVERITY", "MEANING"):
        table.add_column(column, no_wrap=column in ("URL", "VERDICT", "SEVERITY"))
    for probe in run.endpoints:
        status = str(probe.status) if probe.status is not None else (probe.error or "-")
        severity = "" if probe.severity == "none" else probe.severity
        table.add_row(probe.url, status, probe.verdict, severity, probe.meaning)
    console.print(table)
    if run.tls:
        console.print()
        tls = Table(box=None, pad_edge=False, show_edge=False)
        for column in ("ENDPOINT", "PROTOCOL", "ACCEPTS", "SUBJECT", "ISSUER", "NOT AFTER", "SELF-SIGNED"):
            tls.add_column(column)
        for facts in run.tls:
            if facts.error:
                tls.add_row(facts.endpoint, "-", "-", facts.error, "", "", "")
                continue
            accepts = ", ".join(facts.accepted) + (
                f" (untested: {', '.join(facts.untested)})" if facts.untested else ""
            )
            expiry = facts.not_after + (" EXPIRED" if facts.expired else "")
            tls.add_row(
                facts.endpoint,
                facts.protocol,
                accepts,
                facts.subject,
                facts.issuer,
                expiry,
                "yes" if facts.self_signed else "no",
            )
        console.print(tls)
    return buffer.getvalue()
