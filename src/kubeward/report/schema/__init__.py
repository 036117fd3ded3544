"""The published JSON Schema of the JSON report, generated from the report Structs.

The schema is derived, never hand-edited, so it cannot describe a report we do not write. The
committed copy (``report-v1.json``) is what users pin; a test compares it with ``generate_schema()``
so a model change that forgets to regenerate it fails CI. Regenerate with
``python -m kubeward.report.schema``.

The schema does not forbid unknown properties: additive (minor) versions add fields, and a consumer
validating a 1.1 report against the 1.0 schema must still succeed.
"""

import inspect
import json
from importlib import resources
from pathlib import Path
from typing import Any

import msgspec

from kubeward.report.model import REPORT_SCHEMA_VERSION, ScanReport

SCHEMA_FILE = "report-v1.json"
SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
SCHEMA_ID = "urn:kubeward:schema:report:v1"
# Any 1.x report: minor versions are additive, so the v1 schema describes them all.
SCHEMA_VERSION_PATTERN = r"^1\.[0-9]+$"

_MAJOR = REPORT_SCHEMA_VERSION.split(".", 1)[0]
assert f"report-v{_MAJOR}.json" == SCHEMA_FILE, "bump SCHEMA_FILE with the report's major version"


def generate_schema() -> dict[str, Any]:
    """Return the schema of ``ScanReport`` as msgspec derives it, plus what a published schema needs.

    Post-processing: ``$schema``/``$id``/title at the top; descriptions dedented (Python 3.13 strips
    docstring indentation, 3.11 does not, and the schema must not depend on which one ran this);
    ``schema_version`` required and constrained to 1.x; the count maps' keys restricted to severities
    and statuses.
    """
    generated = msgspec.json.schema(ScanReport)
    _clean_descriptions(generated)
    defs = generated["$defs"]
    report = defs["ScanReport"]
    report["properties"]["schema_version"]["pattern"] = SCHEMA_VERSION_PATTERN
    if "schema_version" not in report["required"]:
        report["required"].insert(0, "schema_version")
    summary = defs["ObjectiveSummary"]["properties"]
    summary["failed_by_severity"]["propertyNames"] = {"$ref": "#/$defs/Severity"}
    summary["by_status"]["propertyNames"] = dict(defs["Finding"]["properties"]["status"])
    return {
        "$schema": SCHEMA_DIALECT,
        "$id": SCHEMA_ID,
        "title": "kubeward scan report",
        "description": (
            f"The JSON report of kubeward (schema_version {_MAJOR}.x). Generated from the report "
            "model by `python -m kubeward.report.schema`; do not edit."
        ),
        **generated,
    }


def render_schema() -> str:
    """Render the schema as the committed file holds it: two-space indent, trailing newline."""
    return json.dumps(generate_schema(), indent=2, ensure_ascii=False) + "\n"


def load_schema() -> dict[str, Any]:
    """Read the committed schema from the installed package."""
    text = resources.files(__name__).joinpath(SCHEMA_FILE).read_text(encoding="utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


def schema_path() -> Path:
    """Where the committed schema lives in a source checkout (what regeneration writes)."""
    return Path(__file__).with_name(SCHEMA_FILE)


def _clean_descriptions(node: Any) -> None:
    if isinstance(node, dict):
        description = node.get("description")
        if isinstance(description, str):
            node["description"] = inspect.cleandoc(description)
        for value in node.values():
            _clean_descriptions(value)
    elif isinstance(node, list):
        for item in node:
            _clean_descriptions(item)
