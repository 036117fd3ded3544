"""One entry point from an output format name to text, so the CLI needs no per-format branching.

Reporter modules are imported on use: a SARIF run in CI should not pay for importing rich.
"""

from kubeward.report.model import OutputFormat, ScanReport

DEFAULT_WIDTH = 120


def render_report(
    report: ScanReport,
    fmt: OutputFormat,
    *,
    width: int = DEFAULT_WIDTH,
    color: bool = False,
    show_suppressed: bool = False,
    include_passed: bool = False,
) -> str:
    """Render ``report`` as ``fmt``; options a format does not use are ignored."""
    if fmt == "table":
        from kubeward.report.table import render_table

        return render_table(report, width=width, color=color, show_suppressed=show_suppressed)
    if fmt == "json":
        from kubeward.report.json import render_json

        return render_json(report)
    if fmt == "sarif":
        from kubeward.report.sarif import render_sarif

        return render_sarif(report)
    if fmt == "junit":
        from kubeward.report.junit import render_junit

        return render_junit(report, include_passed=include_passed)
    if fmt == "markdown":
        from kubeward.report.markdown import render_markdown

        return render_markdown(report, show_suppressed=show_suppressed)
    raise ValueError(f"unknown output format {fmt!r}")
