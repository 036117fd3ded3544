"""The ``audit.k8s.io/v1`` Policy, decoded with msgspec from YAML or JSON, with the line of every rule.

Field names and meaning follow ``staging/src/k8s.io/apiserver/pkg/apis/audit/v1/types.go`` (Kubernetes
1.31-1.36). The API server decodes policies strictly and, on unknown or duplicate fields, falls back to
lenient decoding with only a log line (``pkg/audit/policy/reader.go``), so a typo such as ``resource:``
silently widens a rule; we keep the lenient result too, and report every unknown field (see validate.py).
"""

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import msgspec

from kubeward.inputs.safeload import LoadError, load_json, load_yaml

LEVELS = ("None", "Metadata", "Request", "RequestResponse")
STAGES = ("RequestReceived", "ResponseStarted", "ResponseComplete", "Panic")


def level_rank(level: str) -> int:
    """Levels are ordered (``Level.Less`` in types.go); unknown levels rank below None."""
    return LEVELS.index(level) if level in LEVELS else -1


class GroupResources(msgspec.Struct, rename="camel"):
    """One ``resources:`` entry: an API group ("" = core) and resources in it (empty = all of them)."""

    group: str = ""
    resources: list[str] = []
    resource_names: list[str] = []


class PolicyRule(msgspec.Struct, rename="camel"):
    """One rule; every non-empty selector must match (an intersection), an empty rule matches everything."""

    level: str = ""
    users: list[str] = []
    user_groups: list[str] = []
    verbs: list[str] = []
    resources: list[GroupResources] = []
    namespaces: list[str] = []
    non_resource_urls: list[str] = msgspec.field(default_factory=list, name="nonResourceURLs")
    omit_stages: list[str] = []
    omit_managed_fields: bool | None = None


class Policy(msgspec.Struct, rename="camel"):
    """The policy document: the rules in order, and the policy-wide omitStages / omitManagedFields."""

    api_version: str = ""
    kind: str = ""
    rules: list[PolicyRule] = []
    omit_stages: list[str] = []
    omit_managed_fields: bool = False


@dataclass
class PolicyFile:
    """A decoded policy with where things are: the document's line and each rule's line (None when unknown)."""

    policy: Policy
    raw: dict[str, Any]
    source: str
    line: int = 1
    rule_lines: list[int | None] = field(default_factory=list)
    key_lines: dict[str, int] = field(default_factory=dict)

    def line_of(self, path: str) -> int | None:
        """Line of a dotted path (``rules.2.level``), falling back to its nearest recorded parent."""
        while path:
            if path in self.key_lines:
                return self.key_lines[path]
            path = path.rpartition(".")[0]
        return self.line


class PolicyError(Exception):
    """The input is not a policy we can evaluate; the message names the input and the line."""


def parse_policy(data: bytes, source: str) -> PolicyFile:
    """Decode one policy from YAML or JSON text (JSON is YAML, but msgspec reads it faster and stricter)."""
    lines: dict[str, int] = {}
    first_line = 1
    try:
        if data.lstrip()[:1] == b"{":
            value = load_json(data)
        else:
            docs = [doc for doc in load_yaml(data, key_lines=True) if doc.value is not None]
            if len(docs) != 1:
                raise PolicyError(f"{source}: expected one YAML document with the Policy, found {len(docs)}")
            value, lines, first_line = docs[0].value, docs[0].lines, docs[0].line
    except LoadError as exc:
        where = f":{exc.line}" if exc.line else ""
        raise PolicyError(f"{source}{where}: {exc.message}") from exc
    return policy_from_value(value, source, lines, first_line)


def policy_from_value(value: Any, source: str, lines: dict[str, int], first_line: int = 1) -> PolicyFile:
    """Decode an already-loaded document (e.g. a scan's ConfigDoc), keeping ``lines`` for positions."""
    if not isinstance(value, dict):
        raise PolicyError(f"{source}:{first_line}: expected a mapping (kind: Policy), found {type(value).__name__}")
    try:
        policy = msgspec.convert(value, Policy, strict=True)
    except msgspec.ValidationError as exc:
        path = _error_path(str(exc))
        line = lines.get(path, first_line) if path else first_line
        raise PolicyError(f"{source}:{line}: {exc}") from exc
    rule_lines = [lines.get(f"rules.{index}") for index in range(len(policy.rules))]
    return PolicyFile(policy, value, source, first_line, rule_lines, lines)


def read_policy(path: Path) -> PolicyFile:
    """Read and decode a policy file; I/O problems become PolicyError naming the file."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise PolicyError(f"{path}: cannot read: {exc.strerror}") from exc
    return parse_policy(data, str(path))


def _error_path(message: str) -> str:
    """``$.rules[2].level`` in a msgspec error → ``rules.2.level`` (the safeload key-line path)."""
    start = message.find("`$")
    if start < 0:
        return ""
    end = message.find("`", start + 1)
    text = message[start + 2 : end]
    return text.replace("[", ".").replace("]", "").lstrip(".")
