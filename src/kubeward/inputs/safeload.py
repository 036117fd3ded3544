"""Bounded YAML and JSON loading for hostile input.

PyYAML's C composer recurses per nesting level and crashes the process on very deep documents, and
alias expansion ("billion laughs") is exponential once anything walks the result. So YAML is built
here from libyaml's event stream (C speed, no recursion), with three bounds checked as it goes:
nesting depth, expanded node count (aliases count for the size of what they repeat) and input size.
The same pass records the line of every key, which is how findings point at ``file:line``.
JSON goes through msgspec, whose recursion limit turns deep nesting into an error we report.
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import msgspec
import yaml
from yaml import events as ev

MAX_DEPTH = 512
MAX_YAML_BYTES = 64 * 1024 * 1024
MAX_JSON_BYTES = 1024 * 1024 * 1024
# Aliases may repeat at most this many nodes beyond what the text itself holds.
ALIAS_EXPANSION_ALLOWANCE = 1_000_000
# Key lines are recorded for every key in documents of files up to this size, and only for the top
# levels (document, List items) in larger ones: per-key paths cost time on large dumps.
KEY_LINES_MAX_BYTES = 2 * 1024 * 1024

_STR_TAG = "tag:yaml.org,2002:str"
_TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"
_resolver = yaml.resolver.Resolver()
_constructor = yaml.constructor.SafeConstructor()


class LoadError(Exception):
    """An input could not be loaded; ``line`` is 1-based when known."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


@dataclass
class YamlDocument:
    """One YAML document: its value, its first line, and the line of each key by dotted path."""

    value: Any
    line: int
    lines: dict[str, int] = field(default_factory=dict)


@dataclass
class _Frame:
    container: dict[str, Any] | list[Any]
    path: str
    anchor: str | None
    weight: int = 1
    key: Any = None
    has_key: bool = False


def _line(event: Any) -> int:
    """1-based line where an event starts (libyaml always sets the mark; 1 if it did not)."""
    mark = event.start_mark
    return mark.line + 1 if mark is not None else 1


def _scalar(event: Any) -> Any:
    """The value of a scalar, resolved as Kubernetes' YAML reader (sigs.k8s.io/yaml) resolves it.

    Timestamp-like scalars stay strings: go-yaml keeps them as strings when decoding into untyped
    values, so ``creationTimestamp: 2024-05-01T10:00:00Z`` or an annotation ``reviewed: 2024-05-01``
    are strings to every Kubernetes component (and must be for our string-typed Structs).
    """
    tag = event.tag
    if tag is None or tag == "!":
        plain = event.implicit[0]
        tag = _resolver.resolve(yaml.ScalarNode, event.value, event.implicit) if plain else _STR_TAG  # type: ignore[no-untyped-call]
    if tag in (_STR_TAG, _TIMESTAMP_TAG):
        return event.value
    try:
        return _constructor.construct_object(yaml.ScalarNode(tag, event.value, style=event.style))
    except yaml.YAMLError as exc:
        raise LoadError(f"cannot read scalar {event.value[:40]!r}: {exc}", _line(event)) from exc


def load_yaml(text: str | bytes, *, key_lines: bool | None = None) -> list[YamlDocument]:
    """Load every document of a YAML stream within the bounds above.

    Raises ``LoadError`` naming the line for syntax errors, excessive nesting, alias bombs and
    unsupported tags. ``key_lines`` defaults to "only for small inputs".
    """
    size = len(text)
    if size > MAX_YAML_BYTES:
        raise LoadError(
            f"YAML input of {size / 2**20:.0f} MiB exceeds the {MAX_YAML_BYTES // 2**20} MiB limit; "
            "export large dumps as JSON (-o json)"
        )
    if key_lines is None:
        key_lines = size <= KEY_LINES_MAX_BYTES
    try:
        return list(_build(text, key_lines))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc)
        raise LoadError(f"invalid YAML: {problem}", line) from exc


def _build(text: str | bytes, key_lines: bool) -> Iterator[YamlDocument]:
    stack: list[_Frame] = []
    anchors: dict[str, tuple[Any, int]] = {}
    lines: dict[str, int] = {}
    doc_line = 1
    root: Any = None
    nodes = 0
    expanded = 0
    event: Any
    for event in yaml.parse(text, Loader=yaml.CSafeLoader):
        cls = event.__class__
        weight = 1
        if cls is ev.ScalarEvent:
            value = _scalar(event)
            nodes += 1
            if stack:
                _note_item_line(stack, lines, key_lines, _line(event))
            if event.anchor:
                anchors[event.anchor] = (value, 1)
        elif cls is ev.MappingStartEvent or cls is ev.SequenceStartEvent:
            nodes += 1
            if len(stack) >= MAX_DEPTH:
                raise LoadError(f"nesting deeper than {MAX_DEPTH} levels", _line(event))
            path = _child_path(stack) if stack else ""
            if stack:
                _note_item_line(stack, lines, key_lines, _line(event))
            container: dict[str, Any] | list[Any] = {} if cls is ev.MappingStartEvent else []
            stack.append(_Frame(container, path, event.anchor))
            continue
        elif cls is ev.MappingEndEvent or cls is ev.SequenceEndEvent:
            frame = stack.pop()
            value = frame.container
            weight = frame.weight
            if frame.anchor:
                anchors[frame.anchor] = (value, weight)
        elif cls is ev.AliasEvent:
            if event.anchor not in anchors:
                raise LoadError(f"unknown alias *{event.anchor}", _line(event))
            value, weight = anchors[event.anchor]
            expanded += weight
            if expanded > ALIAS_EXPANSION_ALLOWANCE + 10 * nodes:
                raise LoadError(
                    "aliases expand to more nodes than allowed (a YAML alias bomb?)",
                    _line(event),
                )
        elif cls is ev.DocumentStartEvent:
            doc_line = _line(event)
            lines = {}
            root = None
            continue
        elif cls is ev.DocumentEndEvent:
            if root is not None:
                yield YamlDocument(root, doc_line, lines)
            anchors = {}
            continue
        else:
            continue

        if not stack:
            root = value
            continue
        top = stack[-1]
        top.weight += weight
        if isinstance(top.container, dict):
            if not top.has_key:
                if isinstance(value, (dict, list)):
                    raise LoadError("complex mapping keys are not supported", _line(event))
                top.key = _key_text(value)
                top.has_key = True
                if top.key in top.container:
                    raise LoadError(f"duplicate key {top.key!r}", _line(event))
                if key_lines or len(stack) <= 1:
                    lines[_join(top.path, top.key)] = _line(event)
            else:
                top.container[top.key] = value
                top.has_key = False
        else:
            top.container.append(value)


def _key_text(key: Any) -> str:
    """A mapping key as the JSON object key Kubernetes' YAML-to-JSON conversion makes of it.

    Keys are compared in this form, so ``1:`` and ``"1":`` are the duplicate they are after
    conversion, and ``on:`` (a YAML 1.1 boolean) becomes ``"true"`` as in sigs.k8s.io/yaml.
    """
    if isinstance(key, str):
        return key
    if isinstance(key, bool):
        return "true" if key else "false"
    if key is None:
        return "null"
    return str(key)


def _note_item_line(stack: list[_Frame], lines: dict[str, int], key_lines: bool, line: int) -> None:
    """Record the line where a sequence item starts (mapping keys record their own line)."""
    top = stack[-1]
    if isinstance(top.container, list) and (key_lines or len(stack) <= 2):
        lines[_join(top.path, len(top.container))] = line


def _child_path(stack: list[_Frame]) -> str:
    top = stack[-1]
    if isinstance(top.container, dict):
        return _join(top.path, top.key)
    return _join(top.path, len(top.container))


def _join(path: str, key: Any) -> str:
    return f"{path}.{key}" if path else str(key)


def load_json(data: bytes) -> Any:
    """Decode JSON into Python values, turning size and nesting problems into ``LoadError``."""
    if len(data) > MAX_JSON_BYTES:
        raise LoadError(f"JSON input of {len(data) / 2**20:.0f} MiB exceeds the {MAX_JSON_BYTES // 2**20} MiB limit")
    try:
        return msgspec.json.decode(data)
    except RecursionError as exc:
        raise LoadError("JSON nested too deeply") from exc
    except msgspec.DecodeError as exc:
        raise invalid_json(exc, data) from exc


_JSON_ERROR_BYTE = re.compile(r"\(byte (\d+)\)")


def invalid_json(exc: msgspec.DecodeError, data: bytes) -> LoadError:
    """``LoadError`` for a JSON syntax error, at the line of the byte msgspec names when it does."""
    match = _JSON_ERROR_BYTE.search(str(exc))
    line = data.count(b"\n", 0, int(match.group(1))) + 1 if match else None
    return LoadError(f"invalid JSON: {exc}", line)
