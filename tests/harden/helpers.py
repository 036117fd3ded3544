"""Loading one input the way ``kubeward harden`` does, and running the generators on it."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

from kubeward.collect.offline import OfflineCollector
from kubeward.harden.apiserver import ApiServerOptions, HardenedFile, harden_apiserver
from kubeward.inventory.builder import InventoryBuilder
from kubeward.inventory.model import Inventory, Target
from kubeward.resolve.apiserver import EffectiveApiServer


def load(*paths: Path) -> Inventory:
    builder = InventoryBuilder(Target(kind="offline", name="test"))
    OfflineCollector(builder).load([str(p) for p in paths])
    return builder.build()


def write(root: Path, relative: str, text: str) -> Path:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"))
    return path


def harden_file(
    path: Path, options: ApiServerOptions | None = None, files: dict[str, str] | None = None
) -> HardenedFile:
    """Harden the kube-apiserver read from ``path``; ``files`` are the node's files by host path."""
    inventory = load(path)
    assert inventory.apiservers, inventory.issues
    api = EffectiveApiServer(inventory.apiservers[0])
    host = dict(files or {})
    return harden_apiserver(path.read_text(), api, options or ApiServerOptions(), host.get)


def pod(flags: list[str], image: str = "registry.k8s.io/kube-apiserver:v1.30.4", extra: str = "") -> str:
    lines = "\n".join(f"    - {json.dumps(flag)}" for flag in flags)
    return (
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: kube-apiserver\n  namespace: kube-system\nspec:\n"
        f"  containers:\n  - name: kube-apiserver\n    image: {image}\n    command:\n    - kube-apiserver\n"
        f"{lines}\n{extra}"
    )
