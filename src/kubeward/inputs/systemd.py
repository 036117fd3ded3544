"""Kubelet command lines from systemd units and environment files, as systemd would assemble them.

kubeadm's layout splits the kubelet command line over three files: the unit's drop-in
``10-kubeadm.conf`` (``ExecStart=/usr/bin/kubelet $KUBELET_KUBECONFIG_ARGS $KUBELET_CONFIG_ARGS
$KUBELET_KUBEADM_ARGS $KUBELET_EXTRA_ARGS`` and ``Environment=...``), ``/var/lib/kubelet/kubeadm-flags.env``
and ``/etc/default/kubelet`` (or ``/etc/sysconfig/kubelet``). Following systemd's rules: drop-ins
are applied in file-name order, an empty ``ExecStart=`` resets the list, ``$VAR`` expands to several
words and ``${VAR}`` to one.
"""

import re
import shlex
from dataclasses import dataclass, field

from kubeward.inventory.provenance import Provenance, file_at


@dataclass
class Word:
    """One word of an assembled command line, with the file and line it came from."""

    text: str
    provenance: Provenance


@dataclass
class EnvValue:
    """An environment variable's value and where it was set."""

    value: str
    provenance: Provenance


@dataclass
class UnitFile:
    """The parts of a ``[Service]`` section that build the command line."""

    path: str
    exec_start: list[tuple[str, int]] | None = None  # (command line, line); None = not set here
    environment: list[tuple[str, str, int]] = field(default_factory=list)  # (name, value, line)
    environment_files: list[tuple[str, int]] = field(default_factory=list)  # (path, line)
    # An empty ``Environment=`` / ``EnvironmentFile=`` here drops what earlier files (the unit,
    # earlier drop-ins) assigned; the lists above then hold only what follows the reset.
    environment_reset: bool = False
    environment_files_reset: bool = False


def _logical_lines(text: str) -> list[tuple[str, int]]:
    """Join backslash continuations; return (line, first line number).

    As systemd's parser (``conf-parser.c``), comment lines and blank lines inside a continuation
    are skipped, so a flag commented out in the middle of a wrapped ``ExecStart=`` stays off.
    """
    out: list[tuple[str, int]] = []
    buffer = ""
    start = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.rstrip()
        first = stripped.lstrip()[:1]
        if buffer:
            if first in ("", "#", ";"):
                continue
        else:
            start = number
            if first in ("#", ";"):
                continue
        if stripped.endswith("\\"):
            buffer += stripped[:-1] + " "
            continue
        buffer += stripped
        out.append((buffer.strip(), start))
        buffer = ""
    if buffer:
        out.append((buffer.strip(), start))
    return out


def parse_unit(text: str, path: str) -> UnitFile:
    """Read ``ExecStart``, ``Environment`` and ``EnvironmentFile`` of a unit or drop-in."""
    unit = UnitFile(path=path)
    section = ""
    for line, number in _logical_lines(text):
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1]
            continue
        if section != "Service" or "=" not in line:
            continue
        key, value = (part.strip() for part in line.split("=", 1))
        if key == "ExecStart":
            if unit.exec_start is None:
                unit.exec_start = []
            if value:
                unit.exec_start.append((value, number))
            else:
                unit.exec_start = []  # an empty assignment resets the list
        elif key == "Environment":
            if not value:  # systemd.exec(5): the empty string resets the list
                unit.environment = []
                unit.environment_reset = True
            for assignment in _split_quoted(value):
                if "=" in assignment:
                    name, val = assignment.split("=", 1)
                    unit.environment.append((name, val, number))
        elif key == "EnvironmentFile":
            if not value:  # systemd.exec(5): the empty string resets the list of files
                unit.environment_files = []
                unit.environment_files_reset = True
            else:
                unit.environment_files.append((value, number))
    return unit


def _split_quoted(value: str) -> list[str]:
    try:
        return shlex.split(value, comments=False, posix=True)
    except ValueError:
        return value.split()


def split_words(value: str) -> list[str]:
    """A variable's value as the words ``$VAR`` gives: split at whitespace, quotes removed (systemd)."""
    return _split_quoted(value)


def looks_like_unit(text: str) -> bool:
    """True for a systemd unit or drop-in with a ``[Service]`` section."""
    return "[Service]" in text and ("ExecStart" in text or "Environment" in text)


def parse_env_file(text: str, path: str) -> dict[str, EnvValue]:
    """Parse an ``EnvironmentFile`` (``NAME=value`` lines, optional quotes, ``#`` comments)."""
    values: dict[str, EnvValue] = {}
    for line, number in _logical_lines(text):
        if not line or "=" not in line:
            continue
        if line.startswith("export "):
            line = line[len("export ") :]
        name, raw = line.split("=", 1)
        name = name.strip()
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
            continue
        words = _split_quoted(raw)
        values[name] = EnvValue(" ".join(words) if words else "", file_at(path, number))
    return values


_ENV_FILE_LINE = re.compile(r"^\s*(export\s+)?[A-Za-z_][A-Za-z0-9_]*=", re.MULTILINE)


def looks_like_env_file(text: str) -> bool:
    """True when most non-comment lines are ``NAME=value`` assignments."""
    lines = [ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    if not lines:
        return False
    assignments = len(_ENV_FILE_LINE.findall(text))
    return assignments >= max(1, len(lines) // 2)


_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)")


def assemble_command(exec_start: tuple[str, int], unit_path: str, env: dict[str, EnvValue]) -> list[Word]:
    """Expand one ``ExecStart`` line into words, each with the file and line it came from.

    ``$VAR`` becomes the variable's words (provenance: where the variable was set); ``${VAR}`` becomes
    one word. Unset variables expand to nothing, as in systemd.
    """
    command, number = exec_start
    command = command.lstrip("-@:+!")  # systemd exec prefixes
    words: list[Word] = []
    here = file_at(unit_path, number)
    for token in _split_quoted(command):
        whole = _VAR.fullmatch(token)
        if whole:
            name = whole.group(1) or whole.group(2)
            value = env.get(name)
            if value is None:
                continue
            if whole.group(1):
                words.append(Word(value.value, value.provenance))
            else:
                # systemd splits at whitespace and removes quotes (EXTRACT_UNQUOTE).
                words.extend(Word(part, value.provenance) for part in split_words(value.value))
            continue
        expanded = _VAR.sub(
            lambda m: env[m.group(1) or m.group(2)].value if (m.group(1) or m.group(2)) in env else "", token
        )
        words.append(Word(expanded, here))
    return words
