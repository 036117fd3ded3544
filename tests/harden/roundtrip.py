"""Round-trip helpers: a writable copy of the demo cluster, applying generated output to its dumps,
and the failing findings of a scan of it (with kubeward's own scan API)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml

from kubeward.scan import OfflineSources, ScanSettings, analyze, demo_root, load_offline_inventory, now
from kubeward.suppress.ignorefile import load_ignore_file

DEMO_VERSION = "1.30"
"""The demo cluster's Kubernetes version (its kube-apiserver image tag): generated objects are validated
against the OpenAPI schemas of that version."""


def demo_copy(tmp_path: Path) -> Path:
    """A copy of the vulnerable demo cluster."""
    target = tmp_path / "cluster"
    shutil.copytree(demo_root(), target)
    return target


def failures(root: Path, ignore_file: Path | None = None) -> set[tuple[str, str]]:
    """(rule id, resource key) of every unsuppressed failure of a scan of ``root``."""
    inventory = load_offline_inventory(OfflineSources(paths=[str(root)]))
    settings = ScanSettings(ignore_file=load_ignore_file(ignore_file) if ignore_file else None)
    report = analyze(inventory, settings, now())
    return {(f.rule_id, f.resource.key()) for f in report.findings if f.status == "fail"}


def edit_list(path: Path, edit: Callable[[list[dict[str, Any]]], list[dict[str, Any]]]) -> None:
    """Rewrite the items of a ``kind: List`` dump."""
    data = yaml.safe_load(path.read_text())
    data["items"] = edit(data["items"])
    path.write_text(yaml.safe_dump(data, sort_keys=False))


def remove_objects(path: Path, keys: Iterable[tuple[str, str, str]]) -> None:
    """Drop the (kind, namespace, name) objects from a List dump."""
    wanted = set(keys)

    def keep(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [
            i for i in items if (i["kind"], i["metadata"].get("namespace", ""), i["metadata"]["name"]) not in wanted
        ]

    edit_list(path, keep)


def add_objects(root: Path, name: str, objects: Iterable[Mapping[str, Any]]) -> None:
    """Add objects as a new dump file under api/."""
    (root / "api" / name).write_text(json.dumps({"apiVersion": "v1", "kind": "List", "items": list(objects)}))
