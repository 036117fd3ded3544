"""The README's hardening walkthrough runs as written, and says what really happens."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner

from kubeward.cli.main import cli

README = Path(__file__).resolve().parents[2] / "README.md"


def walkthrough() -> list[str]:
    text = README.read_text()
    block = text[text.index("<!-- walkthrough:start -->") : text.index("<!-- walkthrough:end -->")]
    lines = [line.split("  #", 1)[0].strip() for line in block.splitlines()]
    return [line for line in lines if line.startswith("kubeward ")]


def test_walkthrough_commands_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    commands = walkthrough()
    assert len(commands) == 8
    scans: list[str] = []
    for command in commands:
        result = CliRunner().invoke(cli, shlex.split(command)[1:], catch_exceptions=False)
        assert result.exit_code == 0, (command, result.stderr)
        if command.startswith("kubeward scan"):
            scans.append(result.stderr)
    counts = [int(re.search(r"(\d+) failing findings", err).group(1)) for err in scans]  # type: ignore[union-attr]
    claimed = [int(n) for n in re.findall(r"# (\d+) failing findings", README.read_text())]
    assert counts == claimed == [68, 41]
    report = json.loads(CliRunner().invoke(cli, ["scan", "demo", "-o", "json"], catch_exceptions=False).stdout)
    left = {f["rule_id"] for f in report["findings"] if f["status"] == "fail"}
    assert {rule for rule in left if rule.split("-")[1] not in ("RBAC", "CRED")} == {"KW-APF-003"}
