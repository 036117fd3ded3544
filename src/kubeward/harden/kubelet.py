"""``kubeward harden kubelet``: the kubelet settings that clear KW-KUBELET-001..010, written where they decide.

A kubelet's setting is decided by the last of: its ``--config`` file, ``--config-dir`` drop-ins,
command-line flags (from systemd units, drop-ins, ``kubeadm-flags.env``, ``/etc/default/kubelet``,
k3s/RKE2 ``kubelet-arg``). A fix in the config file is useless while a flag says otherwise, so each
failing setting is fixed where the resolver says it is decided:

* a flag with an insecure value is rewritten in the file it comes from (and the config file's own
  insecure value, which the flag hid, is fixed too);
* a config file or drop-in value is changed in that file (comments and order kept);
* an absent field takes the default of how the kubelet starts: with ``--config`` the secure v1beta1
  defaults for authentication, authorization and the read-only port; the fields whose default is
  insecure (``rotateCertificates``, ``serverTLSBootstrap``) are added to the main config file; a
  kubelet run from flags alone (legacy defaults: anonymous, AlwaysAllow, port 10255) gets the flags
  appended to its ``ExecStart``.

Only failing settings are touched, so a hardened node gives an empty diff. Drop-ins (``*.conf``) are
only edited where they set a failing value.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from kubeward.harden.apiserver import FlagEdit, HardenError, edit_arg_list
from kubeward.harden.yamledit import RoundTrip, YamlEditError, set_path
from kubeward.inventory.components import ConfigDoc
from kubeward.resolve.kubelet import FIELDS, EffectiveKubelet, parse_duration


@dataclass(frozen=True)
class Secure:
    """A KubeletConfiguration field, the value the rules need, and its flag form."""

    path: str
    value: Any
    flag_value: str
    rule: str

    @property
    def flag(self) -> str:
        """The command-line flag of the field."""
        return FIELDS[self.path].flag

    def ok(self, value: Any) -> bool:
        """True when ``value`` satisfies the rule."""
        if self.path == "streamingConnectionIdleTimeout":
            seconds = parse_duration(value)
            return seconds is None or seconds > 0
        return bool(value == self.value)


SECURE: tuple[Secure, ...] = (
    Secure("authentication.anonymous.enabled", False, "false", "KW-KUBELET-001"),
    Secure("authorization.mode", "Webhook", "Webhook", "KW-KUBELET-002"),
    Secure("readOnlyPort", 0, "0", "KW-KUBELET-003"),
    Secure("authentication.webhook.enabled", True, "true", "KW-KUBELET-006"),
    Secure("rotateCertificates", True, "true", "KW-KUBELET-007"),
    Secure("serverTLSBootstrap", True, "true", "KW-KUBELET-008"),
    Secure("streamingConnectionIdleTimeout", "4h0m0s", "4h0m0s", "KW-KUBELET-009"),
    Secure("makeIPTablesUtilChains", True, "true", "KW-KUBELET-010"),
)


@dataclass(frozen=True)
class KubeletOptions:
    """What ``harden kubelet`` may decide: the client CA for x509 authentication when none is set."""

    client_ca_file: str = ""


@dataclass
class KubeletResult:
    """New texts by file path, and what was done."""

    files: dict[str, str] = field(default_factory=dict)
    changes: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def harden_kubelet(kubelet: EffectiveKubelet, texts: Mapping[str, str], options: KubeletOptions) -> KubeletResult:
    """The edits for one kubelet. ``texts`` holds the current text of each file by the path its
    provenance names (config file, drop-ins, the files flags come from).
    """
    instance = kubelet.instance
    if instance.configz is not None:
        raise HardenError(f"kubelet {instance.node} was read from /configz; harden its files on the node instead")
    result = KubeletResult()
    current = dict(texts)
    config_edits: dict[str, dict[str, Any]] = {}
    flag_edits: dict[str, list[tuple[str, str]]] = {}
    appended: list[FlagEdit] = []
    distro = instance.origin in ("k3s", "rke2")
    wanted = list(SECURE)
    if kubelet.setting("authentication.x509.clientCAFile").value in ("", None):
        if options.client_ca_file:
            wanted.append(
                Secure(
                    "authentication.x509.clientCAFile", options.client_ca_file, options.client_ca_file, "KW-KUBELET-005"
                )
            )
        else:
            result.notes.append(
                f"kubelet {instance.node} has no client CA (KW-KUBELET-005): give --client-ca-file "
                "(kubeadm: /etc/kubernetes/pki/ca.crt) so the API server's client certificate is accepted"
            )
    for secure in wanted:
        setting = kubelet.setting(secure.path)
        if secure.path != "authentication.x509.clientCAFile" and secure.ok(setting.value):
            continue
        if distro and secure.path in ("rotateCertificates", "serverTLSBootstrap"):
            continue  # k3s/RKE2 issue and rotate the kubelet certificates themselves
        flag = next((f for f in reversed(instance.flags) if f.name == secure.flag), None)
        source = setting.provenance.source if setting.provenance is not None else ""
        if flag is not None and distro:
            appended.append(FlagEdit(secure.flag, secure.flag_value, secure.rule))
            continue
        if flag is not None and flag.provenance.kind == "file":
            flag_edits.setdefault(flag.provenance.source, []).append((secure.flag, secure.flag_value))
            result.changes.append(f"{flag.provenance.source}: --{secure.flag}={secure.flag_value} ({secure.rule})")
            for doc in _docs(kubelet):
                present, value = doc.field(secure.path)
                if present and not secure.ok(value):
                    config_edits.setdefault(doc.provenance.source, {})[secure.path] = secure.value
            continue
        if setting.source == "config-file" and source:
            config_edits.setdefault(source, {})[secure.path] = secure.value
            result.changes.append(f"{source}: {secure.path}: {_show(secure.value)} ({secure.rule})")
            continue
        if distro:
            appended.append(FlagEdit(secure.flag, secure.flag_value, secure.rule))
        elif instance.started_with_config and instance.config is not None:
            path = instance.config.provenance.source
            config_edits.setdefault(path, {})[secure.path] = secure.value
            result.changes.append(f"{path}: {secure.path}: {_show(secure.value)} ({secure.rule})")
        elif instance.started_with_config:
            raise HardenError(
                f"kubelet {instance.node} reads --config {_config_path(kubelet)}, which is not among the inputs; "
                "give the node's files (or the config file) too"
            )
        else:
            appended.append(FlagEdit(secure.flag, secure.flag_value, secure.rule))
    for path, edits in config_edits.items():
        current[path] = _edit_config(path, _text(current, path), edits)
    for path, flags in flag_edits.items():
        text = _text(current, path)
        for name, value in flags:
            text = rewrite_flag(text, name, value)
        current[path] = text
    if appended:
        if distro:
            path = instance.provenance.source
            try:
                document = RoundTrip(_text(current, path))
            except YamlEditError as exc:
                raise HardenError(f"{path}: {exc}") from exc
            config = next(iter(document.mappings()), None)
            if config is None:
                raise HardenError(f"{path} is not a mapping")
            edit_arg_list(config, "kubelet-arg", appended)
            current[path] = document.dump()
        else:
            path = instance.provenance.source
            line = instance.provenance.line or 0
            current[path] = append_exec_start_flags(_text(current, path), line, appended)
        result.changes += [f"{path}: --{e.name}={e.value} ({e.why})" for e in appended]
        if not distro:
            result.notes.append(
                f"kubelet {instance.node} runs from flags alone; the flags fix it now, and moving them into a "
                "KubeletConfiguration file (--config) is the lasting fix (several are deprecated as flags)"
            )
    if any(s.path == "serverTLSBootstrap" for s in wanted) and any(
        "serverTLSBootstrap" in c or "rotate-server" in c for c in result.changes
    ):
        result.notes.append(
            f"kubelet {instance.node} now requests its serving certificate from the cluster: approve its "
            "kubelet-serving CSRs (kubectl get csr; kubectl certificate approve ...) or run an approver"
        )
    result.files = {path: text for path, text in current.items() if text != texts.get(path)}
    return result


def _docs(kubelet: EffectiveKubelet) -> list[ConfigDoc]:
    instance = kubelet.instance
    return [doc for doc in (instance.config, *instance.dropins) if doc is not None]


def _config_path(kubelet: EffectiveKubelet) -> str:
    flag = kubelet.config_flag
    return flag.value if flag is not None else "?"


def _text(texts: Mapping[str, str], path: str) -> str:
    if path not in texts:
        raise HardenError(f"{path} is needed to harden this kubelet but was not given")
    return texts[path]


def _show(value: Any) -> str:
    return "true" if value is True else "false" if value is False else str(value)


def _edit_config(path: str, text: str, edits: Mapping[str, Any]) -> str:
    try:
        document = RoundTrip(text)
    except YamlEditError as exc:
        raise HardenError(f"{path}: {exc}") from exc
    config = next((d for d in document.mappings() if d.get("kind") == "KubeletConfiguration"), None)
    if config is None:
        raise HardenError(f"{path} is not a KubeletConfiguration")
    changed = False
    for field_path, value in edits.items():
        changed = set_path(config, field_path, value) or changed
    return document.dump() if changed else text


def rewrite_flag(text: str, name: str, value: str) -> str:
    """Replace every ``--name=V`` / ``--name V`` word in a command line or env file by ``--name=value``."""
    pattern = re.compile(rf"(?<![\w-])--{re.escape(name)}(?:=[^\s\"'\\]*|\s+(?!-)[^\s\"'\\]+)?(?=[\s\"'\\]|$)")
    return pattern.sub(f"--{name}={value}", text)


def append_exec_start_flags(text: str, line: int, flags: list[FlagEdit]) -> str:
    """Append flags to the ``ExecStart=`` that starts on ``line`` (1-based), following its
    backslash continuations and their indentation.
    """
    lines = text.splitlines(keepends=True)
    index = line - 1
    if not (0 <= index < len(lines)) or not lines[index].lstrip().startswith("ExecStart="):
        index = next(
            (
                i
                for i, text in enumerate(lines)
                if text.lstrip().startswith("ExecStart=") and text.strip() != "ExecStart="
            ),
            -1,
        )
        if index < 0:
            raise HardenError("no ExecStart= line to add the kubelet flags to")
    last = index
    while lines[last].rstrip("\n").rstrip().endswith("\\") and last + 1 < len(lines):
        last += 1
    indent = "  "
    if last > index:
        match = re.match(r"\s*", lines[last])
        indent = match.group(0) if match else indent
    body = lines[last].rstrip("\n")
    newline = "\n" if lines[last].endswith("\n") else ""
    added = "".join(f" \\\n{indent}--{f.name}={f.value}" for f in flags)
    lines[last] = body + added + newline
    return "".join(lines)
