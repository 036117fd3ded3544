"""One effective setting and the parsing rules of the components' flag values."""

from typing import Any

import msgspec

from kubeward.findings import Evidence, EvidenceSource
from kubeward.inventory.provenance import Provenance

_TRUE = frozenset({"1", "t", "T", "TRUE", "true", "True"})
_FALSE = frozenset({"0", "f", "F", "FALSE", "false", "False"})


class Setting(msgspec.Struct, frozen=True, omit_defaults=True):
    """The effective value of one setting of one component instance.

    ``known`` is False when the value cannot be determined from the inputs (e.g. the kubelet reads a
    ``--config`` file that was not provided); rules then report ``not_assessable``.
    """

    component: str
    name: str
    value: Any
    source: EvidenceSource
    provenance: Provenance | None = None
    detail: str = ""
    known: bool = True

    @property
    def label(self) -> str:
        """``component name``, as ``evidence.setting`` shows it."""
        return f"{self.component} {self.name}"

    def evidence(self, detail: str = "") -> Evidence:
        """The evidence record of this setting."""
        return Evidence(
            setting=self.label,
            value=self.value,
            source=self.source,
            detail=detail or self.detail,
            provenance=self.provenance,
        )


def parse_bool(text: str) -> bool | None:
    """Go's ``strconv.ParseBool``: None for anything else (the component would refuse to start)."""
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    return None


def parse_int(text: str) -> int | None:
    """A decimal integer flag value, or None."""
    try:
        return int(text.strip())
    except ValueError:
        return None


def split_list(text: str) -> list[str]:
    """Pflag ``StringSlice``: comma separated, surrounding spaces dropped, empty items kept out."""
    return [item.strip() for item in text.split(",") if item.strip()]


def minor_version(git_version: str) -> int | None:
    """``v1.30.2`` -> 30."""
    parts = git_version.lstrip("v").split(".")
    if len(parts) >= 2 and parts[0] == "1":
        digits = "".join(ch for ch in parts[1] if ch.isdigit())
        return int(digits) if digits else None
    return None
