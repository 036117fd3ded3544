"""Provenance: where a value came from.

Every value in the Inventory carries one, so that a finding can say exactly where its evidence is
(file and line for node files and dumps, API path for live objects, URL for probes) and SARIF can
point at it.
"""

from typing import Literal

import msgspec

ProvenanceKind = Literal["file", "api", "probe", "default", "provider"]


class Provenance(msgspec.Struct, frozen=True, omit_defaults=True):
    """The origin of one value or object.

    ``source`` is a file path as the user gave it (never made absolute, so reports stay stable across
    machines), an API path such as ``/api/v1/namespaces/kube-system/pods/x``, a probe URL, or a
    description of a built-in default.
    """

    kind: ProvenanceKind
    source: str
    line: int | None = None
    column: int | None = None
    pointer: str | None = None

    def describe(self) -> str:
        """Return ``source:line`` (or just the source) for humans."""
        if self.line is not None:
            return f"{self.source}:{self.line}"
        return self.source


def file_at(path: str, line: int | None = None, pointer: str | None = None) -> Provenance:
    """Provenance for something read from a file."""
    return Provenance(kind="file", source=path, line=line, pointer=pointer)


def api_at(path: str, pointer: str | None = None) -> Provenance:
    """Provenance for something read from the API server at ``path``."""
    return Provenance(kind="api", source=path, pointer=pointer)


def default_of(description: str) -> Provenance:
    """Provenance for a built-in default (e.g. ``kubelet v1beta1 defaults``)."""
    return Provenance(kind="default", source=description)
