"""Is there a kubeconfig in these bytes? A byte prefilter first, YAML only for candidates.

Most files of a repository are not kubeconfigs, so the common path must be a few substring
searches: a kubeconfig has a top-level ``clusters:`` or ``users:`` key (or ``"clusters":`` in JSON),
and a kubeconfig pasted into a CI variable as base64 contains the base64 of ``apiVersion: v1``,
``clusters:`` or ``kind: Config`` at one of three alignments. Only then is YAML parsed.
"""

import base64
import binascii
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import yaml

from kubeward.inputs.safeload import LoadError, load_yaml

# A kubeconfig has clusters and users (or contexts); one with kind: Config may have fewer.
_KEYS = (b"clusters:", b'"clusters"', b"users:", b'"users"')
_TOP_KEY = re.compile(rb'(?m)^[ \t]*"?(?:clusters|users|contexts)"?[ \t]*:|"(?:clusters|users)"[ \t]*:')
_STRONG = re.compile(rb"(?m)^[ \t]*[\"']?kind[\"']?[ \t]*:[ \t]*[\"']?Config\b|current-context")
# A base64 run, possibly wrapped over lines (``base64`` wraps at 76): continuation lines must be
# nothing but base64, so the next YAML key is never glued on.
_B64_RUN = re.compile(rb"[A-Za-z0-9+/]{40,}={0,2}(?:[ \t]*\r?\n[ \t]*[A-Za-z0-9+/]{4,}={0,2}(?=[ \t]*(?:\r?\n|$)))*")
_SPACE = re.compile(rb"\s+")
MAX_DECODED_BYTES = 1024 * 1024


def _b64_needles(text: bytes) -> tuple[bytes, ...]:
    """The base64 characters that encode ``text`` whatever its offset in the encoded stream."""
    found = []
    for shift in range(3):
        encoded = base64.b64encode(b"\0" * shift + text)
        start = (4 * shift + 2) // 3
        end = ((shift + len(text)) // 3) * 4
        found.append(encoded[start:end])
    return tuple(found)


_NEEDLES = tuple(
    n for word in (b"apiVersion: v1", b"clusters:", b"kind: Config", b'"clusters"') for n in _b64_needles(word)
)


def plain_candidate(data: bytes) -> bool:
    """True when ``data`` may be a kubeconfig in YAML or JSON: substring tests first (fast), the
    top-level-key regex only when they pass.
    """
    if not any(map(data.__contains__, _KEYS)):
        return False
    has_clusters = b"clusters" in data
    if not (has_clusters and (b"users" in data or b"contexts" in data)) and _STRONG.search(data) is None:
        return False
    return _TOP_KEY.search(data) is not None


def strongly_kubeconfig(data: bytes) -> bool:
    """True when ``data`` says it is a kubeconfig (``kind: Config``, ``current-context``): a parse
    error is then worth reporting, while a random YAML file with a ``users:`` key is not.
    """
    return _STRONG.search(data) is not None


def base64_candidate(data: bytes) -> bool:
    """True when ``data`` may hold a base64-encoded kubeconfig."""
    return any(map(data.__contains__, _NEEDLES))


@dataclass(frozen=True)
class Embedded:
    """A base64 run that decodes to something that may be a kubeconfig."""

    line: int
    data: bytes


def embedded_kubeconfigs(data: bytes) -> Iterator[Embedded]:
    """Decode the base64 runs of ``data`` that contain a kubeconfig marker."""
    for match in _B64_RUN.finditer(data):
        compact = _SPACE.sub(b"", match.group(0))
        if not any(needle in compact for needle in _NEEDLES):
            continue
        compact = compact[: len(compact) - len(compact) % 4]
        if len(compact) * 3 // 4 > MAX_DECODED_BYTES:
            continue
        try:
            decoded = base64.b64decode(compact, validate=True)
        except (binascii.Error, ValueError):
            continue
        if plain_candidate(decoded):
            yield Embedded(line=data.count(b"\n", 0, match.start()) + 1, data=decoded)


def looks_like_kubeconfig(value: Any) -> bool:
    """A mapping with ``kind: Config``, or with ``clusters`` and ``users`` or ``contexts`` lists."""
    if not isinstance(value, dict):
        return False
    if value.get("kind") == "Config":
        return True
    return isinstance(value.get("clusters"), list) and (
        isinstance(value.get("users"), list) or isinstance(value.get("contexts"), list)
    )


@dataclass(frozen=True)
class Document:
    """One kubeconfig document of a file, as text for ``parse_kubeconfig``, and its index."""

    index: int
    line: int | None
    text: bytes


def kubeconfig_documents(data: bytes) -> list[Document]:
    """The kubeconfig documents in ``data`` (raises ``LoadError`` for invalid YAML)."""
    docs = load_yaml(data, key_lines=False)
    if len(docs) == 1:
        return [Document(0, None, data)] if looks_like_kubeconfig(docs[0].value) else []
    found: list[Document] = []
    for index, doc in enumerate(docs):
        if looks_like_kubeconfig(doc.value):
            text = yaml.safe_dump(doc.value, sort_keys=False).encode()
            found.append(Document(index, doc.line, text))
    return found


__all__ = [
    "Document",
    "Embedded",
    "LoadError",
    "base64_candidate",
    "embedded_kubeconfigs",
    "kubeconfig_documents",
    "plain_candidate",
    "strongly_kubeconfig",
]
