"""Comment-, order- and quote-preserving YAML edits (ruamel.yaml round-trip mode).

A generator loads the file, changes only the nodes it must, and dumps it with the indentation the
file already uses, so the diff a reviewer reads holds only the hardening.
"""

from __future__ import annotations

import io
from collections.abc import Iterator, MutableMapping, MutableSequence
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError
from ruamel.yaml.util import load_yaml_guess_indent


class YamlEditError(ValueError):
    """The text is not YAML the editor can round-trip."""


class RoundTrip:
    """One YAML stream (one or more documents) loaded for editing."""

    def __init__(self, text: str) -> None:
        try:
            _, indent, block_seq_indent = load_yaml_guess_indent(text) if text.strip() else (None, 2, 0)
        except YAMLError as exc:
            raise YamlEditError(f"not valid YAML: {exc}") from exc
        self._yaml = YAML(typ="rt")
        self._yaml.preserve_quotes = True
        self._yaml.width = 4096
        offset = block_seq_indent or 0
        self._yaml.indent(mapping=indent or 2, sequence=(indent or 2) + offset, offset=offset)
        self._yaml.representer.add_representer(type(None), _represent_null)
        try:
            self.documents: list[Any] = list(self._yaml.load_all(text))
        except YAMLError as exc:
            raise YamlEditError(f"not valid YAML: {exc}") from exc
        self._explicit_start = text.lstrip().startswith("---")

    def dump(self) -> str:
        """The documents as text, in the file's style."""
        stream = io.StringIO()
        self._yaml.explicit_start = self._explicit_start or len(self.documents) > 1
        if len(self.documents) == 1:
            self._yaml.explicit_start = self._explicit_start
            self._yaml.dump(self.documents[0], stream)
        else:
            self._yaml.dump_all(self.documents, stream)
        return stream.getvalue()

    def mappings(self) -> Iterator[CommentedMap]:
        """The documents that are mappings."""
        return (doc for doc in self.documents if isinstance(doc, CommentedMap))


def _represent_null(representer: Any, _data: None) -> Any:
    return representer.represent_scalar("tag:yaml.org,2002:null", "null")


def child_map(parent: MutableMapping[str, Any], key: str) -> CommentedMap:
    """``parent[key]`` as a mapping, created (at the end) when absent or null."""
    value = parent.get(key)
    if not isinstance(value, CommentedMap):
        value = CommentedMap()
        parent[key] = value
    return value


def child_seq(parent: MutableMapping[str, Any], key: str) -> CommentedSeq:
    """``parent[key]`` as a sequence, created (at the end) when absent or null."""
    value = parent.get(key)
    if not isinstance(value, CommentedSeq):
        value = CommentedSeq()
        parent[key] = value
    return value


def set_path(root: MutableMapping[str, Any], path: str, value: Any) -> bool:
    """Set a dotted field (``authentication.anonymous.enabled``); True when the value changed."""
    *parents, last = path.split(".")
    node = root
    for key in parents:
        node = child_map(node, key)
    if last in node and node[last] == value and type(node[last]) is type(value):
        return False
    node[last] = value
    return True


def get_path(root: MutableMapping[str, Any], path: str) -> tuple[bool, Any]:
    """(present, value) of a dotted field."""
    node: Any = root
    for key in path.split("."):
        if not isinstance(node, MutableMapping) or key not in node:
            return False, None
        node = node[key]
    return True, node


def replace_item(seq: MutableSequence[Any], index: int, value: Any) -> None:
    """Replace one sequence item, keeping the comments attached to it."""
    seq[index] = value
