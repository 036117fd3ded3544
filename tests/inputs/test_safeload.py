"""Bounded YAML/JSON loading: values as Kubernetes reads them, key lines, and hostile-input limits."""

import textwrap
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from kubeward.inputs import safeload
from kubeward.inputs.safeload import LoadError, YamlDocument, load_json, load_yaml


def one(text: str) -> YamlDocument:
    docs = load_yaml(textwrap.dedent(text).lstrip("\n"))
    assert len(docs) == 1
    return docs[0]


# --- values ---------------------------------------------------------------------------------------


def test_mapping_values_and_key_lines() -> None:
    doc = one(
        """
        apiVersion: v1
        kind: Pod
        metadata:
          name: kube-apiserver
          labels:
            tier: control-plane
        spec:
          containers:
          - name: kube-apiserver
            command:
            - kube-apiserver
            - --anonymous-auth=false
        """
    )
    assert doc.value == {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "kube-apiserver", "labels": {"tier": "control-plane"}},
        "spec": {"containers": [{"name": "kube-apiserver", "command": ["kube-apiserver", "--anonymous-auth=false"]}]},
    }
    assert doc.line == 1
    assert doc.lines == {
        "apiVersion": 1,
        "kind": 2,
        "metadata": 3,
        "metadata.name": 4,
        "metadata.labels": 5,
        "metadata.labels.tier": 6,
        "spec": 7,
        "spec.containers": 8,
        "spec.containers.0": 9,
        "spec.containers.0.name": 9,
        "spec.containers.0.command": 10,
        "spec.containers.0.command.0": 11,
        "spec.containers.0.command.1": 12,
    }


def test_scalars_resolve_like_sigs_k8s_yaml() -> None:
    doc = one(
        """
        plain: text
        quoted: "true"
        yes11: yes
        off11: off
        number: 10255
        octal: 0644
        float: 0.5
        empty:
        tilde: ~
        date: 2024-05-01
        stamp: 2024-05-01T10:00:00Z
        block: |
          line one
          line two
        """
    )
    assert doc.value == {
        "plain": "text",
        "quoted": "true",
        "yes11": True,
        "off11": False,
        "number": 10255,
        "octal": 420,
        "float": 0.5,
        "empty": None,
        "tilde": None,
        # go-yaml keeps timestamp-like scalars as strings when decoding into untyped values.
        "date": "2024-05-01",
        "stamp": "2024-05-01T10:00:00Z",
        "block": "line one\nline two\n",
    }


def test_non_string_keys_become_their_json_text() -> None:
    doc = one(
        """
        1: one
        on: yes
        ~: nothing
        """
    )
    assert doc.value == {"1": "one", "true": True, "null": "nothing"}


def test_multi_document_stream_lines_and_empty_documents() -> None:
    docs = load_yaml("---\n# only a comment\n---\na: 1\n---\nb:\n  c: 2\n...\n")
    assert [(d.value, d.line, d.lines) for d in docs] == [
        ({"a": 1}, 3, {"a": 4}),
        ({"b": {"c": 2}}, 5, {"b": 6, "b.c": 7}),
    ]


def test_bytes_input_with_bom() -> None:
    docs = load_yaml("\ufeffkind: List\n".encode())
    assert docs[0].value == {"kind": "List"}


def test_anchors_and_aliases_within_limits() -> None:
    doc = one(
        """
        base: &args
          - --profiling=false
          - --anonymous-auth=false
        copy: *args
        """
    )
    assert doc.value["copy"] == ["--profiling=false", "--anonymous-auth=false"]


def test_key_lines_only_for_top_levels_when_disabled() -> None:
    text = "kind: List\nitems:\n- kind: Pod\n  metadata:\n    name: a\n- kind: Pod\n"
    docs = load_yaml(text, key_lines=False)
    assert docs[0].lines == {"kind": 1, "items": 2, "items.0": 3, "items.1": 6}
    assert load_yaml(text)[0].lines["items.0.metadata.name"] == 5


def test_large_inputs_record_only_top_level_lines(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(safeload, "KEY_LINES_MAX_BYTES", 5)
    docs = load_yaml("a:\n  b: 1\n")
    assert docs[0].lines == {"a": 1}


# --- errors ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message", "line"),
    [
        ("a: b\n  c: d\n", "invalid YAML: mapping values are not allowed in this context", 2),
        ("a: [1, 2\nb: 3\n", "invalid YAML: did not find expected ',' or ']'", 2),
        ("a: *nothing\n", "unknown alias *nothing", 1),
        ("a: 1\nb: 2\na: 3\n", "duplicate key 'a'", 3),
        ("'1': x\n1: y\n", "duplicate key '1'", 2),
        ("? [a, b]\n: c\n", "complex mapping keys are not supported", 1),
        (
            "cmd: !!python/name:os.system ''\n",
            "cannot read scalar '': could not determine a constructor for the tag "
            "'tag:yaml.org,2002:python/name:os.system'",
            1,
        ),
        ("a: !vault x\n", "cannot read scalar 'x': could not determine a constructor for the tag '!vault'", 1),
    ],
)
def test_errors_name_the_line(text: str, message: str, line: int) -> None:
    with pytest.raises(LoadError) as caught:
        load_yaml(text)
    assert (caught.value.message, caught.value.line) == (message, line)


def test_python_tags_on_collections_are_never_constructed() -> None:
    # A tag on a sequence is ignored (the value stays a plain list): nothing is ever executed.
    doc = one("x: !!python/object/apply:os.system [echo]\n")
    assert doc.value == {"x": ["echo"]}


def test_non_utf8_and_control_characters() -> None:
    with pytest.raises(LoadError) as caught:
        load_yaml(b"a: \xff\xfe\n")
    assert caught.value.message.startswith("invalid YAML: ")
    assert "invalid leading UTF-8 octet" in caught.value.message
    with pytest.raises(LoadError) as caught:
        load_yaml(b"\x00\x01")
    assert "control characters are not allowed" in caught.value.message


def billion_laughs(levels: int = 9) -> str:
    lines = ['lol0: &lol0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for level in range(1, levels + 1):
        refs = ", ".join([f"*lol{level - 1}"] * 10)
        lines.append(f"lol{level}: &lol{level} [{refs}]")
    return "\n".join(lines) + "\n"


def test_alias_bomb_is_refused_early() -> None:
    with pytest.raises(LoadError) as caught:
        load_yaml(billion_laughs())
    assert caught.value.message == "aliases expand to more nodes than allowed (a YAML alias bomb?)"
    # About 10**6 expanded nodes are allowed: level 5 (1,111,110 nodes, line 6) is the one that trips.
    assert caught.value.line == 6


def test_alias_expansion_allowance(monkeypatch: pytest.MonkeyPatch) -> None:
    # Without the allowance, aliases may repeat ten times the nodes the text holds: here 13 nodes
    # (the document mapping, key a, the list and its 9 items, key b, its list = 14), so 14 repeats of
    # the 10-node list pass and the 15th trips.
    monkeypatch.setattr(safeload, "ALIAS_EXPANSION_ALLOWANCE", 0)
    anchor = "a: &a [1, 2, 3, 4, 5, 6, 7, 8, 9]\n"
    assert load_yaml(anchor + "b: [" + ", ".join(["*a"] * 14) + "]\n")[0].value["b"][13] == list(range(1, 10))
    with pytest.raises(LoadError, match="alias bomb"):
        load_yaml(anchor + "b: [" + ", ".join(["*a"] * 15) + "]\n")


def test_depth_limit_is_exact() -> None:
    depth = safeload.MAX_DEPTH
    ok = "[" * depth + "]" * depth
    assert load_yaml(ok)[0].value is not None
    with pytest.raises(LoadError) as caught:
        load_yaml("[" * (depth + 1) + "]" * (depth + 1))
    assert caught.value.message == f"nesting deeper than {depth} levels"
    assert caught.value.line == 1


def test_deep_block_nesting_names_the_line() -> None:
    text = "".join("  " * level + "a:\n" for level in range(2000))
    with pytest.raises(LoadError) as caught:
        load_yaml(text)
    assert caught.value.line == safeload.MAX_DEPTH + 1


def test_hundred_thousand_levels_do_not_crash() -> None:
    # PyYAML's C composer recurses per level and segfaults here; the event builder does not.
    with pytest.raises(LoadError, match="nesting deeper than 512 levels"):
        load_yaml("a: " + "[" * 100_000 + "]" * 100_000)


def test_size_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(safeload, "MAX_YAML_BYTES", 2 * 1024 * 1024)
    with pytest.raises(LoadError) as caught:
        load_yaml("a: " + "x" * (3 * 1024 * 1024))
    assert caught.value.message == ("YAML input of 3 MiB exceeds the 2 MiB limit; export large dumps as JSON (-o json)")


# --- JSON -----------------------------------------------------------------------------------------


def test_json_values() -> None:
    assert load_json(b'{"a": [1, true, null, "x"], "b": {"c": 1.5}}') == {"a": [1, True, None, "x"], "b": {"c": 1.5}}


def test_json_errors() -> None:
    with pytest.raises(LoadError) as caught:
        load_json(b'{"a": 1,}')
    assert caught.value.message.startswith("invalid JSON: ")
    with pytest.raises(LoadError) as caught:
        load_json(b"[" * 10_000 + b"]" * 10_000)
    assert caught.value.message == "JSON nested too deeply"
    with pytest.raises(LoadError) as caught:
        load_json(b'{"a":' * 10_000 + b"1" + b"}" * 10_000)
    assert caught.value.message == "JSON nested too deeply"


def test_json_syntax_errors_name_the_line() -> None:
    with pytest.raises(LoadError) as caught:
        load_json(b'{\n  "a": 1,\n}\n')
    assert (caught.value.message, caught.value.line) == (
        "invalid JSON: JSON is malformed: trailing comma in object (byte 12)",
        3,
    )
    with pytest.raises(LoadError) as caught:
        load_json(b'{"a": ')
    assert (caught.value.message, caught.value.line) == ("invalid JSON: Input data was truncated", None)


def test_json_size_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(safeload, "MAX_JSON_BYTES", 1024 * 1024)
    with pytest.raises(LoadError) as caught:
        load_json(b'"' + b"x" * (2 * 1024 * 1024) + b'"')
    assert caught.value.message == "JSON input of 2 MiB exceeds the 1 MiB limit"


# --- key lines against PyYAML's own composer --------------------------------------------------------

_KEY = st.from_regex(r"[a-z][a-z0-9_-]{0,8}", fullmatch=True).filter(lambda k: isinstance(yaml.safe_load(k), str))
_SCALAR = st.one_of(
    st.integers(-(10**6), 10**6),
    st.booleans(),
    st.none(),
    st.text(st.characters(codec="ascii", categories=("L", "N", "P", "Zs")), max_size=12),
)
_VALUE = st.recursive(
    _SCALAR,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(_KEY, children, max_size=4),
    ),
    max_leaves=25,
)
_DOCUMENT = st.dictionaries(_KEY, _VALUE, min_size=1, max_size=6)


def composed_lines(node: yaml.Node, path: str, out: dict[str, int]) -> None:
    """Key and item lines as PyYAML's composer (an independent reading) sees them."""
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            child = f"{path}.{key.value}" if path else key.value
            out[child] = key.start_mark.line + 1
            composed_lines(value, child, out)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            child = f"{path}.{index}" if path else str(index)
            out[child] = item.start_mark.line + 1
            composed_lines(item, child, out)


@pytest.mark.slow
@settings(max_examples=150, deadline=None)
@given(_DOCUMENT, st.booleans())
def test_key_lines_match_where_the_key_text_is(data: dict[str, Any], flow: bool) -> None:
    text = yaml.safe_dump(data, sort_keys=False, default_flow_style=None if flow else False, width=60)
    [doc] = load_yaml(text)
    assert doc.value == data
    expected: dict[str, int] = {}
    composed_lines(yaml.compose(text, Loader=yaml.SafeLoader), "", expected)
    assert doc.lines == expected
    source = text.splitlines()
    for path, line in doc.lines.items():
        last = path.rsplit(".", 1)[-1]
        if not last.isdigit():
            assert last in source[line - 1]
