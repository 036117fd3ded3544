"""Reporters: table, JSON (versioned schema), SARIF 2.1.0, JUnit XML, Markdown.

``build.build_report`` turns suppressed findings into the one ``model.ScanReport`` every reporter
renders; ``render.render_report`` picks the reporter by format name; ``exit_codes.decide_exit``
maps a report to the process exit code. Each reporter is its own module so the CLI imports only
the one it needs (rich is loaded only for the table).
"""
