"""Assembling each node's kubelet from the files found for that node.

The kubelet's command line comes from its systemd unit and drop-ins (with ``Environment=`` and
``EnvironmentFile=`` expanded as systemd does), or, when no unit was provided, from kubeadm's
``kubeadm-flags.env`` and ``/etc/default/kubelet``. Its ``--config`` file and ``--config-dir``
drop-ins are looked up among the files of the same node by their node path.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from kubeward.inputs.flags import parse_flags
from kubeward.inputs.systemd import EnvValue, UnitFile, Word, assemble_command, split_words
from kubeward.inventory.components import ConfigDoc, Flag, KubeletInstance
from kubeward.inventory.model import InputIssue
from kubeward.inventory.provenance import Provenance, default_of, file_at

KUBEADM_DEFAULT_CONFIG = "/var/lib/kubelet/config.yaml"
_KUBEADM_DROPIN = "kubeadm's kubelet drop-in 10-kubeadm.conf (KUBELET_CONFIG_ARGS)"
_UNIT_DIRS_BY_PRIORITY = (
    "/etc/systemd/system",
    "/run/systemd/system",
    "/usr/lib/systemd/system",
    "/lib/systemd/system",
)


@dataclass
class NodeFiles:
    """Everything found for one node that concerns its kubelet."""

    node: str
    units: list[tuple[str, UnitFile]] = field(default_factory=list)  # (node path, unit)
    env_files: dict[str, dict[str, EnvValue]] = field(default_factory=dict)  # node path -> values
    kubelet_docs: list[ConfigDoc] = field(default_factory=list)
    cmdlines: list[list[Word]] = field(default_factory=list)


def _is_kubelet_unit(node_path: str) -> bool:
    path = PurePosixPath(node_path)
    return path.name == "kubelet.service" or path.parent.name == "kubelet.service.d"


def _unit_order(units: list[tuple[str, UnitFile]]) -> list[UnitFile]:
    """The main unit (highest-priority directory) followed by drop-ins sorted by file name."""
    mains = [(p, u) for p, u in units if PurePosixPath(p).name == "kubelet.service"]
    mains.sort(key=lambda pu: _dir_priority(pu[0]))
    dropins: dict[str, tuple[int, UnitFile]] = {}
    for path, unit in units:
        pure = PurePosixPath(path)
        if pure.parent.name != "kubelet.service.d" or pure.suffix != ".conf":
            continue
        priority = _dir_priority(path)
        current = dropins.get(pure.name)
        if current is None or priority < current[0]:
            dropins[pure.name] = (priority, unit)
    ordered = [mains[0][1]] if mains else []
    ordered.extend(unit for _, (_, unit) in sorted(dropins.items()))
    return ordered


def _dir_priority(path: str) -> int:
    for index, prefix in enumerate(_UNIT_DIRS_BY_PRIORITY):
        if path.startswith(prefix + "/"):
            return index
    return len(_UNIT_DIRS_BY_PRIORITY)


def _command_from_units(files: NodeFiles, issues: list[InputIssue]) -> list[Word] | None:
    units = _unit_order([(p, u) for p, u in files.units if _is_kubelet_unit(p)])
    if not units:
        return None
    exec_start: tuple[str, int] | None = None
    exec_unit = ""
    env: dict[str, EnvValue] = {}
    file_env: dict[str, EnvValue] = {}
    for unit in units:
        if unit.exec_start is not None:
            if unit.exec_start:
                exec_start = unit.exec_start[-1]
                exec_unit = unit.path
            else:
                exec_start = None
        if unit.environment_reset:
            env.clear()
        if unit.environment_files_reset:
            file_env.clear()
        for name, value, line in unit.environment:
            env[name] = EnvValue(value, file_at(unit.path, line))
        for raw_path, line in unit.environment_files:
            optional = raw_path.startswith("-")
            node_path = raw_path.lstrip("-")
            values = files.env_files.get(node_path)
            if values is None:
                if not optional:
                    issues.append(
                        InputIssue(
                            input=unit.path,
                            line=line,
                            message=f"EnvironmentFile={node_path} is not among the inputs; its flags are unknown",
                            level="warning",
                        )
                    )
                continue
            file_env.update(values)
    env.update(file_env)  # EnvironmentFile= overrides Environment= (systemd.exec(5))
    if exec_start is None:
        return None
    return assemble_command(exec_start, exec_unit, env)


def _command_from_env_files(files: NodeFiles) -> list[Word] | None:
    """The command line kubeadm's drop-in (10-kubeadm.conf) builds from its environment files.

    The drop-in also passes ``--config=/var/lib/kubelet/config.yaml`` (``KUBELET_CONFIG_ARGS``),
    so that flag is part of the line even when neither the drop-in nor the file is among the
    inputs: the kubelet's settings are then unknown, not the legacy flags-only defaults
    (anonymous on, AlwaysAllow) that would make false findings.
    """
    words: list[Word] = []
    for path in ("/var/lib/kubelet/kubeadm-flags.env", "/etc/default/kubelet", "/etc/sysconfig/kubelet"):
        values = files.env_files.get(path, {})
        for name in ("KUBELET_KUBEADM_ARGS", "KUBELET_EXTRA_ARGS"):
            value = values.get(name)
            if value is not None:
                words.extend(Word(part, value.provenance) for part in split_words(value.value))
    if not words:
        return None
    config = Word(f"--config={KUBEADM_DEFAULT_CONFIG}", default_of(_KUBEADM_DROPIN))
    return [Word("kubelet", words[0].provenance), config, *words]


def assemble_kubelets(files: NodeFiles, issues: list[InputIssue]) -> list[KubeletInstance]:
    """The node's kubelet(s): from its unit or env files, its process command line, or a lone config."""
    instances: list[KubeletInstance] = []
    used: set[int] = set()
    # (words, whether they are a running process's command line)
    commands: list[tuple[list[Word], bool]] = [(cmd, True) for cmd in files.cmdlines]
    from_units = _command_from_units(files, issues)
    if from_units is not None:
        commands.append((from_units, False))
    elif not files.cmdlines:
        from_env = _command_from_env_files(files)
        if from_env is not None:
            commands.append((from_env, False))
    for words, is_process in commands:
        flags, _ = parse_flags([w.text for w in words], lambda i, ws=words: ws[i].provenance)  # type: ignore[misc]
        instances.append(_instance(files, flags, words[0].provenance, is_process, used))
    if not commands:
        for index, doc in enumerate(files.kubelet_docs):
            if doc.node_path.endswith(".conf") and PurePosixPath(doc.node_path).parent.name.endswith(".d"):
                continue  # a drop-in without its kubelet: nothing to attach it to
            used.add(index)
            instances.append(
                KubeletInstance(
                    node=files.node,
                    origin="node-files",
                    provenance=doc.provenance,
                    config=doc,
                    started_with_config=True,
                )
            )
    for index, doc in enumerate(files.kubelet_docs):
        if index not in used:
            issues.append(
                InputIssue(
                    input=doc.provenance.describe(),
                    message="KubeletConfiguration not used by any kubelet command line found for this node",
                    level="warning",
                )
            )
    return instances


def _instance(
    files: NodeFiles,
    flags: list[Flag],
    provenance: Provenance,
    is_process: bool,
    used: set[int],
) -> KubeletInstance:
    by_name = {flag.name: flag for flag in flags}
    config_flag = by_name.get("config")
    config_path = config_flag.value if config_flag is not None else ""
    config: ConfigDoc | None = None
    if config_path:
        index = _find(files, config_path)
        if index is not None:
            config = files.kubelet_docs[index]
            used.add(index)
    dropins: list[ConfigDoc] = []
    dropin_flag = by_name.get("config-dir")
    if dropin_flag is not None and dropin_flag.value:
        directory = dropin_flag.value.rstrip("/") + "/"
        found = sorted(
            (doc.node_path, i)
            for i, doc in enumerate(files.kubelet_docs)
            if doc.node_path.startswith(directory) and doc.node_path.endswith(".conf")
        )
        for _, i in found:
            dropins.append(files.kubelet_docs[i])
            used.add(i)
    return KubeletInstance(
        node=files.node,
        origin="process" if is_process else "node-files",
        provenance=provenance,
        flags=tuple(flags),
        config=config,
        dropins=tuple(dropins),
        started_with_config=bool(config_path),
    )


def _find(files: NodeFiles, node_path: str) -> int | None:
    for index, doc in enumerate(files.kubelet_docs):
        if doc.node_path == node_path:
            return index
    return None


def kubelet_docs_without_node(docs: Iterable[ConfigDoc]) -> list[KubeletInstance]:
    """A KubeletConfiguration found outside any node layout: judged on its own, as if used with --config."""
    return [
        KubeletInstance(
            node=doc.provenance.source,
            origin="node-files",
            provenance=doc.provenance,
            config=doc,
            started_with_config=True,
        )
        for doc in docs
    ]
