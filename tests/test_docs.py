"""docs/rules.md is generated from the rule metadata and must match the catalog."""

from pathlib import Path

from click.testing import CliRunner

from kubeward.checks.catalog import load_rules
from kubeward.checks.docs import render_catalog
from kubeward.cli.main import cli

DOC = Path(__file__).resolve().parents[1] / "docs" / "rules.md"


def test_committed_catalog_is_current() -> None:
    assert DOC.read_text() == render_catalog(), "regenerate with: python -m kubeward.checks.docs"


def test_every_rule_has_an_entry() -> None:
    text = render_catalog()
    for registered in load_rules():
        assert f"### {registered.meta.id}\n" in text
        assert registered.meta.remediation in text


def test_rules_list_markdown_is_the_document() -> None:
    result = CliRunner().invoke(cli, ["rules", "list", "-o", "markdown"])
    assert result.exit_code == 0
    assert result.stdout == render_catalog()
