"""Validate generated Kubernetes objects against the OpenAPI (JSON) schemas of a target version, offline.

The schemas come from the ``kubernetes-validate`` package, which bundles the upstream OpenAPI
definitions for every minor version; validation is strict (unknown fields are errors), as the API
server's field validation is when ``kubectl apply --validate=strict`` is used.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from kubernetes_validate import utils as _kv


def schema_errors(obj: Mapping[str, Any], kubernetes_version: str) -> list[str]:
    """Return the schema violations of ``obj`` for ``kubernetes_version`` (``"1.33"`` or ``"1.33.5"``)."""
    version = _minor(kubernetes_version)
    try:
        _kv.validate(dict(obj), version, strict=True)
    except _kv.ValidationError as error:
        return [f"{obj.get('kind')}/{obj.get('metadata', {}).get('name')}: {error.message}"]
    return []


def assert_valid(objects: Iterable[Mapping[str, Any]], kubernetes_version: str) -> None:
    """Fail with every violation when any object does not validate."""
    problems = [problem for obj in objects for problem in schema_errors(obj, kubernetes_version)]
    assert not problems, "\n".join(problems)


def _minor(version: str) -> str:
    parts = version.lstrip("v").split(".")
    return f"{parts[0]}.{parts[1]}.0"
