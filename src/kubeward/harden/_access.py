"""Small helpers shared by the access generators (RBAC, workloads, kubeconfig): the input error that
maps to exit 2, YAML rendering of generated objects, and writing all outputs only once all succeeded.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

RBAC_API_VERSION = "rbac.authorization.k8s.io/v1"
RBAC_GROUP = "rbac.authorization.k8s.io"
GENERATED_BY = "app.kubernetes.io/managed-by"
GENERATOR = "kubeward"


class HardenInputError(Exception):
    """An input the generator cannot use. The message names the input; nothing has been written."""


class _Dumper(yaml.SafeDumper):
    """Block style, no aliases (generated objects share lists), keys in the order they were built."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _str_presenter(dumper: yaml.SafeDumper, data: str) -> yaml.ScalarNode:
    if "\n" in data:
        return dumper.represent_scalar("tag:yaml.org,2002:str", data, style="|")
    return dumper.represent_scalar("tag:yaml.org,2002:str", data)


_Dumper.add_representer(str, _str_presenter)


def to_yaml(obj: Any) -> str:
    """One object as YAML."""
    return yaml.dump(obj, Dumper=_Dumper, sort_keys=False, default_flow_style=False, width=120)


def documents(objects: Iterable[Mapping[str, Any]], header: str = "") -> str:
    """A multi-document YAML stream; ``header`` lines become comments at the top."""
    parts = [to_yaml(dict(obj)) for obj in objects]
    lead = "".join(f"# {line}\n" if line else "#\n" for line in header.splitlines()) if header else ""
    return lead + "---\n".join(parts)


def slug(text: str, limit: int = 50) -> str:
    """A DNS-1123 label made from ``text`` (lower case, ``[a-z0-9-]``), for object names."""
    value = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return (value[:limit].rstrip("-")) or "subject"


def labels() -> dict[str, str]:
    """Labels every generated object carries."""
    return {GENERATED_BY: GENERATOR}


def write_all(files: Sequence[tuple[Path, str]], mode: int | None = None) -> None:
    """Write every file, each atomically (temp file + rename); directories are created.

    Files get ``mode``, else the mode an ordinary ``open`` would give (0666 minus the umask); an edited
    file keeps its own mode.
    """
    umask = os.umask(0)
    os.umask(umask)
    for path, text in files:
        target_mode = mode if mode is not None else (path.stat().st_mode & 0o7777 if path.exists() else 0o666 & ~umask)
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                out.write(text)
            os.chmod(temp, target_mode)
            os.replace(temp, path)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
