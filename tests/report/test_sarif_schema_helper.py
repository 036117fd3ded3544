import shutil
from pathlib import Path

import pytest
from tests.support import sarif_schema


def test_cached_schema_is_pinned_and_inside_the_ignored_cache() -> None:
    path = sarif_schema.sarif_schema_path()
    assert path == sarif_schema.REPO_ROOT / ".cache" / "sarif" / "sarif-2.1.0-rtm.5.json"
    assert ".cache/" in (sarif_schema.REPO_ROOT / ".gitignore").read_text(encoding="utf-8").split("\n")


def test_missing_npm_is_an_error_not_a_skip(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(sarif_schema, "SCHEMA_FILE", tmp_path / "absent.json")
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(sarif_schema.SarifSchemaUnavailable, match="npm is required"):
        sarif_schema.sarif_schema_path()


def test_tampered_cache_is_refetched_or_rejected(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    tampered = tmp_path / "schema.json"
    tampered.write_text("{}", encoding="utf-8")
    monkeypatch.setattr(sarif_schema, "SCHEMA_FILE", tampered)
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(sarif_schema.SarifSchemaUnavailable):
        sarif_schema.sarif_schema_path()
