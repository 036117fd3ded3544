"""Command-line parsing with spf13/pflag's rules, checked against a small model of pflag."""

from hypothesis import given, settings
from hypothesis import strategies as st

from kubeward.inputs.flags import BOOLEAN_FLAGS, is_boolean, parse_arg_list, parse_flags
from kubeward.inventory.components import Flag
from kubeward.inventory.provenance import Provenance, file_at


def at(index: int) -> Provenance:
    return file_at("cmd", pointer=f"argv[{index}]")


def parse(*argv: str) -> tuple[list[tuple[str, str, str | None]], list[str]]:
    flags, positional = parse_flags(list(argv), at)
    return [(f.name, f.value, f.provenance.pointer) for f in flags], positional


def test_equals_form_and_separate_value() -> None:
    assert parse(
        "kube-apiserver",
        "--authorization-mode=Node,RBAC",
        "--audit-log-path",
        "/var/log/audit.log",
        "--secure-port=6443",
    ) == (
        [
            ("authorization-mode", "Node,RBAC", "argv[1]"),
            ("audit-log-path", "/var/log/audit.log", "argv[2]"),
            ("secure-port", "6443", "argv[4]"),
        ],
        [],
    )


def test_boolean_never_consumes_the_next_word() -> None:
    # pflag: `--anonymous-auth false` sets the flag to true; "false" is a stray argument.
    assert parse("kubelet", "--anonymous-auth", "false", "--read-only-port", "0") == (
        [("anonymous-auth", "true", "argv[1]"), ("read-only-port", "0", "argv[3]")],
        ["false"],
    )
    assert parse("kube-apiserver", "--profiling=false", "--anonymous-auth=0") == (
        [("profiling", "false", "argv[1]"), ("anonymous-auth", "0", "argv[2]")],
        [],
    )


def test_value_edge_cases() -> None:
    assert parse("x", "--token-auth-file=", "--feature-gates=A=true,B=false", "--a==b") == (
        [("token-auth-file", "", "argv[1]"), ("feature-gates", "A=true,B=false", "argv[2]"), ("a", "=b", "argv[3]")],
        [],
    )


def test_value_flag_without_value() -> None:
    # At the end: pflag refuses ("flag needs an argument"); the flag is kept with an empty value.
    assert parse("x", "--audit-policy-file") == ([("audit-policy-file", "", "argv[1]")], [])
    # Followed by another flag: kept empty as well, so an unknown boolean never swallows the next flag.
    assert parse("x", "--seccomp-default", "--anonymous-auth=false") == (
        [("seccomp-default", "", "argv[1]"), ("anonymous-auth", "false", "argv[2]")],
        [],
    )


def test_value_starting_with_a_single_dash_is_a_value() -> None:
    assert parse("x", "--oom-score-adj", "-999") == ([("oom-score-adj", "-999", "argv[1]")], [])


def test_shorthand_and_verbosity() -> None:
    assert not is_boolean("v")
    assert "v" in BOOLEAN_FLAGS  # listed, but overridden: -v is a level
    assert parse("x", "-v", "2", "-v=4", "--v=6") == (
        [("v", "2", "argv[1]"), ("v", "4", "argv[3]"), ("v", "6", "argv[4]")],
        [],
    )


def test_double_dash_ends_the_flags() -> None:
    assert parse("x", "--a=1", "--", "--b=2", "c") == ([("a", "1", "argv[1]")], ["--b=2", "c"])


def test_positional_words_and_lone_dash() -> None:
    assert parse("x", "serve", "-", "--a=1", "extra") == ([("a", "1", "argv[3]")], ["serve", "-", "extra"])


def test_program_name_only_skipped_when_asked_and_present() -> None:
    flags, _ = parse_flags(["--a=1", "--b=2"], at)
    assert [f.name for f in flags] == ["a", "b"]
    flags, positional = parse_flags(["kubelet", "--a=1"], at, skip_program=False)
    assert ([f.name for f in flags], positional) == (["a"], ["kubelet"])
    assert parse_flags([], at) == ([], [])


def test_parse_arg_list_k3s_entries() -> None:
    flags, problems = parse_arg_list(
        ["audit-log-path=/var/log/a.log", "--profiling=false", "anonymous-auth", "", 7, " v=2 "],
        lambda i: file_at("config.yaml", line=10 + i),
    )
    assert flags == [
        Flag(name="audit-log-path", value="/var/log/a.log", provenance=file_at("config.yaml", 10)),
        Flag(name="profiling", value="false", provenance=file_at("config.yaml", 11)),
        Flag(name="anonymous-auth", value="true", provenance=file_at("config.yaml", 12)),
        Flag(name="v", value="2", provenance=file_at("config.yaml", 15)),
    ]
    assert problems == ["entry 3 is not a 'name=value' string: ''", "entry 4 is not a 'name=value' string: 7"]


# --- a model of pflag, and generated command lines ------------------------------------------------

_BOOLS = sorted(BOOLEAN_FLAGS - {"v"})
_VALUE_FLAGS = ["authorization-mode", "audit-log-path", "read-only-port", "config", "tls-cipher-suites", "v"]
_WORD = st.from_regex(r"[A-Za-z0-9/.,:_=+-]{0,12}", fullmatch=True).filter(lambda w: not w.startswith("-"))

# One generated piece of a command line: (argv words, flags the model expects, positional words).
Piece = tuple[list[str], list[tuple[str, str]], list[str]]


@st.composite
def piece(draw: st.DrawFn) -> Piece:
    kind = draw(st.sampled_from(["equals", "bool", "bool-then-word", "value", "positional"]))
    if kind == "equals":
        name = draw(st.sampled_from(_BOOLS + _VALUE_FLAGS))
        value = draw(_WORD)
        return [f"--{name}={value}"], [(name, value)], []
    if kind == "bool":
        name = draw(st.sampled_from(_BOOLS))
        return [f"--{name}"], [(name, "true")], []
    if kind == "bool-then-word":
        # The classic mistake: `--anonymous-auth false` leaves the flag on.
        name = draw(st.sampled_from(_BOOLS))
        word = draw(st.sampled_from(["false", "true", "0"]))
        return [f"--{name}", word], [(name, "true")], [word]
    if kind == "value":
        name = draw(st.sampled_from(_VALUE_FLAGS))
        value = draw(_WORD.filter(bool))
        return [f"--{name}", value], [(name, value)], []
    word = draw(_WORD.filter(bool))
    return [word], [], [word]


@settings(max_examples=100, deadline=None)
@given(st.lists(piece(), max_size=12))
def test_parser_matches_pflag_model(pieces: list[Piece]) -> None:
    argv = ["/usr/bin/kubelet"]
    expected_flags: list[tuple[str, str, int]] = []
    expected_positional: list[str] = []
    for words, flags, positional in pieces:
        start = len(argv)
        argv.extend(words)
        expected_flags.extend((name, value, start) for name, value in flags)
        expected_positional.extend(positional)
    flags, positional = parse_flags(argv, lambda i: file_at("cmd", pointer=str(i)))
    assert [(f.name, f.value, int(f.provenance.pointer or -1)) for f in flags] == expected_flags
    assert positional == expected_positional
