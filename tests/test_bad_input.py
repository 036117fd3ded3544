"""Hostile and broken inputs: each one gives a clear issue naming it (and its line where there is
one), the rest of the scan goes on, and the run exits 3 ("incomplete")."""

import errno
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from kubeward import __version__
from kubeward.cli.main import cli
from kubeward.collect import offline

KUBEWARD = Path(sys.executable).parent / "kubeward"
INCOMPLETE = 3
GOOD = {"good.yaml": "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: still-read\n"}


def write(root: Path, files: dict[str, str | bytes]) -> None:
    for relative, content in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)


def scan(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *args: str) -> tuple[int, dict[str, Any], str]:
    """Run ``kubeward scan ARGS good.yaml -o json`` in-process from ``tmp_path``."""
    write(tmp_path, GOOD)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["scan", *args, "good.yaml", "-o", "json"], catch_exceptions=False)
    return result.exit_code, json.loads(result.stdout), result.stderr


def issues(report: dict[str, Any]) -> list[dict[str, Any]]:
    return report["scan"]["issues"]


def assert_rest_was_read(report: dict[str, Any]) -> None:
    assert {"path": "good.yaml", "detected": "Namespace", "documents": 1} in report["scan"]["inputs"]
    assert report["scan"]["incomplete"] is True


def billion_laughs() -> str:
    lines = ['lol0: &lol0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"lol{i}: &lol{i} [{', '.join([f'*lol{i - 1}'] * 10)}]" for i in range(1, 10)]
    return "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: laughs\ndata:\n  " + "\n  ".join(lines) + "\n"


def test_yaml_alias_bomb(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, {"bomb.yaml": billion_laughs()})
    code, report, stderr = scan(tmp_path, monkeypatch, "bomb.yaml")
    assert code == INCOMPLETE
    assert issues(report) == [
        {"input": "bomb.yaml", "message": "aliases expand to more nodes than allowed (a YAML alias bomb?)", "line": 11}
    ]
    assert_rest_was_read(report)
    assert "kubeward: scan incomplete: bomb.yaml:11: aliases expand to more nodes than allowed" in stderr


def test_deep_yaml(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(
        tmp_path,
        {
            "deep-flow.yaml": "kind: List\napiVersion: v1\nitems: " + "[" * 10_000 + "]" * 10_000 + "\n",
            "deep-block.yaml": "".join(" " * level + "k:\n" for level in range(1_000)),
        },
    )
    code, report, _ = scan(tmp_path, monkeypatch, "deep-flow.yaml", "deep-block.yaml")
    assert code == INCOMPLETE
    assert issues(report) == [
        {"input": "deep-flow.yaml", "message": "nesting deeper than 512 levels", "line": 3},
        {"input": "deep-block.yaml", "message": "nesting deeper than 512 levels", "line": 513},
    ]
    assert_rest_was_read(report)


@pytest.mark.parametrize(
    "document",
    [
        '{"apiVersion": "v1", "kind": "ConfigMap", "data": ' + "[" * 10_000 + "]" * 10_000 + "}",
        "[" * 10_000 + "]" * 10_000,
        '{"kind": "List", "items": [{"kind": "Pod", "metadata": {"x": ' + "[" * 10_000 + "]" * 10_000 + "}}]}",
        '{"kind": "List", "items": [{"kind": "Widget", "spec": ' + '{"a": ' * 10_000 + "1" + "}" * 10_000 + "}]}",
    ],
    ids=["object", "array", "in-list-item", "in-unknown-item"],
)
def test_deep_json(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, document: str) -> None:
    write(tmp_path, {"deep.json": document})
    code, report, _ = scan(tmp_path, monkeypatch, "deep.json")
    assert code == INCOMPLETE
    assert issues(report) == [{"input": "deep.json", "message": "JSON nested too deeply"}]
    assert_rest_was_read(report)


def test_hundred_thousand_levels_of_yaml_do_not_crash_the_process(tmp_path: Path) -> None:
    # PyYAML's C composer segfaults on this; a crash would show as a negative return code here.
    write(tmp_path, {"deep.yaml": "a: " + "[" * 100_000 + "]" * 100_000 + "\n", **GOOD})
    result = subprocess.run(
        [str(KUBEWARD), "scan", "deep.yaml", "good.yaml", "-o", "json"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == INCOMPLETE, result.stderr
    report = json.loads(result.stdout)
    assert issues(report) == [{"input": "deep.yaml", "message": "nesting deeper than 512 levels", "line": 1}]
    assert_rest_was_read(report)


def test_invalid_yaml_and_json(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(
        tmp_path,
        {
            "broken.yaml": "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: x\n   labels: {}\n",
            "broken.json": '{\n  "apiVersion": "v1",\n  "kind": "Namespace",\n  "metadata": {"name": "x",}\n}\n',
            "truncated.json": '{"apiVersion": "v1", "kind": "List", "items": [',
            "notyaml.yaml": "\tkey: value\n",
        },
    )
    code, report, _ = scan(tmp_path, monkeypatch, "broken.yaml", "broken.json", "truncated.json", "notyaml.yaml")
    assert code == INCOMPLETE
    assert issues(report) == [
        {"input": "broken.yaml", "message": "invalid YAML: mapping values are not allowed in this context", "line": 5},
        {
            "input": "broken.json",
            "message": "invalid JSON: JSON is malformed: trailing comma in object (byte 74)",
            "line": 4,
        },
        {"input": "truncated.json", "message": "invalid JSON: Input data was truncated"},
        {"input": "notyaml.yaml", "message": "invalid YAML: found character that cannot start any token", "line": 1},
    ]
    assert_rest_was_read(report)


def test_unknown_kinds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(
        tmp_path,
        {
            "crs.yaml": textwrap.dedent(
                """\
                apiVersion: example.com/v1
                kind: Widget
                metadata: {name: a}
                ---
                apiVersion: example.com/v1
                kind: Widget
                metadata: {name: b}
                ---
                apiVersion: v1
                kind: Namespace
                metadata: {name: mixed-in}
                """
            ),
            "gadgets.json": json.dumps(
                {"apiVersion": "v1", "kind": "List", "items": [{"apiVersion": "x.io/v1", "kind": "Gadget"}]}
            ),
            "nokind.yaml": "apiVersion: v1\nmetadata:\n  name: x\n",
            "notes.txt": "# only a comment\n",
        },
    )
    code, report, _ = scan(tmp_path, monkeypatch, "crs.yaml", "gadgets.json", "nokind.yaml", "notes.txt")
    assert code == INCOMPLETE
    assert issues(report) == [
        {
            "input": "crs.yaml",
            "message": "2 objects of unknown kind Widget skipped (not a Kubernetes kind kubeward reads)",
            "line": 1,
        },
        {
            "input": "gadgets.json",
            "message": "an object of unknown kind Gadget skipped (not a Kubernetes kind kubeward reads)",
        },
        {"input": "nokind.yaml", "message": "YAML document without apiVersion and kind", "line": 1},
        {
            "input": "notes.txt",
            "message": "not a recognised input (no Kubernetes object, node configuration or provider JSON)",
        },
    ]
    # The known object in the same file is kept.
    assert {"path": "crs.yaml", "detected": "Namespace", "documents": 1} in report["scan"]["inputs"]
    assert_rest_was_read(report)


def test_unreadable_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, {"secret-dump.yaml": GOOD["good.yaml"]})
    target = tmp_path / "secret-dump.yaml"
    if os.geteuid() != 0:
        target.chmod(0)
    else:
        # root reads through chmod 000 (as in CI): make the read fail the way the kernel would.
        real = offline._read_head

        def refuse(path: str) -> bytes:
            if Path(path).name == "secret-dump.yaml":
                raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), path)
            return real(path)

        monkeypatch.setattr(offline, "_read_head", refuse)
    try:
        code, report, stderr = scan(tmp_path, monkeypatch, "secret-dump.yaml")
    finally:
        target.chmod(0o600)
    assert code == INCOMPLETE
    assert issues(report) == [{"input": "secret-dump.yaml", "message": "cannot read: Permission denied"}]
    assert_rest_was_read(report)
    assert "secret-dump.yaml: cannot read: Permission denied" in stderr


def test_missing_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    code, report, _ = scan(tmp_path, monkeypatch, "nowhere.yaml")
    assert code == INCOMPLETE
    assert issues(report) == [{"input": "nowhere.yaml", "message": "no such file or directory"}]
    assert_rest_was_read(report)


def test_binary_file_named_explicitly_and_in_a_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    elf = b"\x7fELF\x02\x01\x01\x00" + bytes(range(256)) * 4
    write(tmp_path, {"kubelet-binary": elf, "folder/blob.bin": elf})
    code, report, _ = scan(tmp_path, monkeypatch, "kubelet-binary", "folder")
    assert code == INCOMPLETE
    # Named explicitly: the user expected it read. Met in a folder walk: skipped quietly.
    assert issues(report) == [{"input": "kubelet-binary", "message": "binary file, not a recognised input"}]
    assert {"path": "folder/blob.bin", "detected": "skipped (binary)"} in report["scan"]["inputs"]
    assert_rest_was_read(report)


def test_bundle_of_a_newer_schema(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bundle = tmp_path / "from-the-future"
    (bundle / "objects").mkdir(parents=True)
    (bundle / "manifest.json").write_text(
        json.dumps(
            {
                "bundleSchema": "2.0",
                "kubeward": "9.0.0",
                "createdAt": "2030-01-01T00:00:00+00:00",
                "target": {"kind": "live", "name": "prod"},
                "parts": {"pods": {"file": "objects/pods.json", "count": 0}},
                "somethingNew": True,
            }
        )
    )
    code, report, stderr = scan(tmp_path, monkeypatch, "--bundle", "from-the-future")
    assert code == INCOMPLETE
    message = f"bundle schema 2.0 is newer than this kubeward {__version__} reads (1.x); upgrade kubeward to analyse it"
    assert issues(report) == [{"input": "from-the-future", "message": message}]
    assert_rest_was_read(report)
    assert f"from-the-future: {message}" in stderr


def test_exit_code_is_clean_without_bad_input(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The contrast: the same scan of good input alone is complete.
    write(tmp_path, GOOD)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["scan", "good.yaml", "-o", "json"], catch_exceptions=False)
    report = json.loads(result.stdout)
    assert issues(report) == [] and report["scan"]["incomplete"] is False
    assert result.exit_code == 0


# --- a 200 MB input, in a child process whose peak memory is measured ---------------------------------

_MEASURE = """
import resource, subprocess, sys
result = subprocess.run(sys.argv[2:], cwd=sys.argv[1], capture_output=True, text=True)
print(result.returncode)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
sys.stderr.write(result.stderr)
sys.stdout.write(result.stdout)
"""


def sparse_file(path: Path, header: bytes, size: int) -> None:
    """A file of ``size`` bytes: ``header`` padded with spaces past the sniffed head, then a hole."""
    with path.open("wb") as handle:
        handle.write(header.ljust(16 * 1024, b" "))
        handle.truncate(size)


@pytest.mark.slow
def test_200_mb_inputs_use_bounded_memory(tmp_path: Path) -> None:
    size = 200 * 1024 * 1024
    sparse_file(tmp_path / "huge.yaml", b"apiVersion: v1\nkind: List\nitems:\n# padding\n", size)
    sparse_file(tmp_path / "huge.json", b'{"apiVersion": "v1", "kind": "List", "items": [\n', size)
    write(tmp_path, GOOD)
    # The measuring wrapper is a fresh process, so RUSAGE_CHILDREN covers exactly the one scan (not
    # every child this test session ever waited for).
    measured = subprocess.run(
        [
            sys.executable,
            "-c",
            _MEASURE,
            str(tmp_path),
            str(KUBEWARD),
            "scan",
            "huge.yaml",
            "huge.json",
            "good.yaml",
            "-o",
            "json",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    returncode, max_rss_kib, output = measured.stdout.split("\n", 2)
    assert int(returncode) == INCOMPLETE, measured.stderr
    assert int(max_rss_kib) * 1024 < 1024**3, f"peak RSS {int(max_rss_kib) // 1024} MiB"
    report = json.loads(output)
    assert issues(report) == [
        {
            "input": "huge.yaml",
            "message": (
                "file of 200 MiB is too large to read as YAML (limit 64 MiB); export large dumps as JSON (-o json)"
            ),
        },
        {"input": "huge.json", "message": "invalid JSON: JSON is malformed: invalid character (byte 16384)", "line": 2},
    ]
    assert_rest_was_read(report)
