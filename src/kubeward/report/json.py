"""The JSON report: the ``ScanReport`` Structs encoded by msgspec, nothing added or renamed.

Keys come out in the order the Structs declare them and enums as their values, so the output is
stable across runs and matches the published schema (``report/schema/report-v1.json``) by
construction.
"""

import msgspec

from kubeward.report.model import ScanReport


def render_json(report: ScanReport, *, indent: int = 2) -> str:
    """Render the report as JSON text, indented for humans and diffs (``indent=0`` for one compact line)."""
    encoded = msgspec.json.encode(report)
    if indent > 0:
        encoded = msgspec.json.format(encoded, indent=indent)
    return encoded.decode() + "\n"
