"""Offline collection: files and folders given on the command line, their type detected from content.

Each file is read once, classified, and turned into Inventory facts. Files of one node (found by
``kubeward.inputs.layout``) are assembled together at the end, because a kubelet's unit, its
environment files and its config file only make sense as a whole.

Bad input never stops the run: every unreadable, malformed, oversized or unknown input becomes an
``InputIssue`` naming the file (and line), and the scan goes on. Files met while walking a folder
that are not recognisable inputs (READMEs, binaries) are skipped quietly; the same file named
explicitly is an error, because the user expected it to be read.
"""

import os
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import msgspec

from kubeward.inputs import distro, kubeadm, objects, providers
from kubeward.inputs.layout import NodeLocation, locate
from kubeward.inputs.nodes import NodeFiles, assemble_kubelets, kubelet_docs_without_node
from kubeward.inputs.redact import redact
from kubeward.inputs.safeload import (
    MAX_JSON_BYTES,
    MAX_YAML_BYTES,
    LoadError,
    YamlDocument,
    invalid_json,
    load_json,
    load_yaml,
)
from kubeward.inputs.staticpod import apiserver_from_pod, is_control_plane_pod
from kubeward.inputs.systemd import Word, looks_like_env_file, looks_like_unit, parse_env_file, parse_unit
from kubeward.inventory.builder import Sink
from kubeward.inventory.components import ConfigDoc, KubeletInstance
from kubeward.inventory.model import InputIssue, InputRecord
from kubeward.inventory.objects import KubeObject, Pod
from kubeward.inventory.provenance import Provenance, file_at

MAX_FILE_BYTES = MAX_JSON_BYTES
# A single JSON document without ``items`` is decoded into Python values; bound it like YAML.
MAX_SINGLE_JSON_BYTES = MAX_YAML_BYTES
_SNIFF_BYTES = 8192
_DUMP_SUFFIXES = (".yaml", ".yml", ".json")
_SKIPPED_DIRS = frozenset({".git", ".hg", ".svn", "__pycache__", "node_modules", ".venv", ".kubeward-backup"})
_PROGRAMS = ("kube-apiserver", "kubelet")
_NON_SPACE = re.compile(rb"\S")
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


@dataclass
class _FileResult:
    """What one file produced, before it is handed to the sink."""

    detected: Counter[str] = field(default_factory=Counter)
    objects: dict[str, list[KubeObject]] = field(default_factory=lambda: defaultdict(list))
    unknown_kinds: Counter[str] = field(default_factory=Counter)
    unknown_first_line: dict[str, int | None] = field(default_factory=dict)


class OfflineCollector:
    """Reads files and folders into a sink. Call ``load`` once; it assembles each node at the end."""

    def __init__(self, sink: Sink, display: Callable[[str], str] | None = None) -> None:
        """``display`` maps a real path to the name reports show (the demo shows ``demo/...``)."""
        self._sink = sink
        self._display = display or (lambda path: path)
        self._nodes: dict[str, NodeFiles] = {}
        self._loose_kubelet_docs: list[ConfigDoc] = []
        self._distro_docs: dict[tuple[str, str], list[tuple[str, ConfigDoc]]] = defaultdict(list)
        self._kubeadm_kubelets: list[KubeletInstance] = []

    # --- walking --------------------------------------------------------------------------------

    def load(self, paths: Sequence[str]) -> None:
        """Load every path (file or folder); then assemble node-level components."""
        for path in paths:
            for file_path, explicit in self._walk(path):
                self._load_file(file_path, explicit)
        self._finish()

    def _walk(self, path: str) -> Iterator[tuple[str, bool]]:
        if not os.path.lexists(path):
            self._issue(self._display(path), "no such file or directory")
            return
        if os.path.isfile(path):
            yield path, True
            return
        if not os.path.isdir(path):
            self._issue(self._display(path), "not a regular file or directory")
            return
        for root, dirs, files in os.walk(
            path, onerror=lambda exc: self._issue(self._display(str(exc.filename)), _os_reason(exc))
        ):
            dirs[:] = sorted(d for d in dirs if d not in _SKIPPED_DIRS and not os.path.islink(os.path.join(root, d)))
            for name in sorted(files):
                full = os.path.join(root, name)
                if os.path.islink(full) and not os.path.isfile(full):
                    continue
                yield full, False

    def _issue(self, source: str, message: str, line: int | None = None, level: str = "error") -> None:
        self._sink.add_issue(InputIssue(input=source, message=message, line=line, level=level))  # type: ignore[arg-type]

    # --- one file -------------------------------------------------------------------------------

    def _load_file(self, real_path: str, explicit: bool) -> None:
        path = self._display(real_path)
        try:
            size = os.path.getsize(real_path)
            if size > MAX_FILE_BYTES:
                self._issue(path, f"file of {size / 2**20:.0f} MiB exceeds the {MAX_FILE_BYTES // 2**20} MiB limit")
                return
            head = _read_head(real_path)
            utf16 = head.startswith(_UTF16_BOMS)
            if not utf16 and _is_binary(head) and not _looks_like_cmdline(head):
                if explicit:
                    self._issue(path, "binary file, not a recognised input")
                else:
                    self._sink.add_input(InputRecord(path=path, detected="skipped (binary)"))
                return
            suffix = PurePosixPath(path).suffix.lower()
            if not _looks_like_json(head) and size > MAX_YAML_BYTES:
                self._issue(
                    path,
                    f"file of {size / 2**20:.0f} MiB is too large to read as YAML "
                    f"(limit {MAX_YAML_BYTES // 2**20} MiB); export large dumps as JSON (-o json)",
                )
                return
            data = Path(real_path).read_bytes()
        except OSError as exc:
            self._issue(path, f"cannot read: {_os_reason(exc)}")
            return
        location = locate(path)
        result = _FileResult()
        try:
            if utf16:
                data = _utf16_to_utf8(data)
            if _looks_like_cmdline(data):
                self._cmdline(path, data, location, result)
            elif _looks_like_json(data):
                self._json(path, data, location, result)
            else:
                self._text(path, data, location, result, explicit or suffix in _DUMP_SUFFIXES)
        except LoadError as exc:
            if explicit or suffix in _DUMP_SUFFIXES:
                self._issue(path, exc.message, exc.line)
            else:
                self._sink.add_input(InputRecord(path=path, detected="skipped (not a recognised input)"))
            return
        self._flush(path, result, explicit)

    def _flush(self, path: str, result: _FileResult, explicit: bool) -> None:
        for part, items in result.objects.items():
            self._sink.add_objects(part, items)
        for kind, count in sorted(result.unknown_kinds.items()):
            plural = f"{count} objects" if count > 1 else "an object"
            self._issue(
                path,
                f"{plural} of unknown kind {kind} skipped (not a Kubernetes kind kubeward reads)",
                result.unknown_first_line.get(kind),
            )
        if not result.detected:
            if explicit:
                # Objects of unknown kinds were reported above; "no Kubernetes object" would be wrong.
                if not result.unknown_kinds:
                    self._issue(
                        path, "not a recognised input (no Kubernetes object, node configuration or provider JSON)"
                    )
            else:
                self._sink.add_input(InputRecord(path=path, detected="skipped (not a recognised input)"))
            return
        detected = ", ".join(f"{name} x{count}" if count > 1 else name for name, count in result.detected.items())
        self._sink.add_input(InputRecord(path=path, detected=detected, documents=sum(result.detected.values())))

    # --- text: YAML, systemd units, env files ------------------------------------------------------

    def _text(self, path: str, data: bytes, location: NodeLocation | None, result: _FileResult, strict: bool) -> None:
        text = _decode(data)
        name = PurePosixPath(path).name
        if looks_like_unit(text) or name.endswith(".service"):
            unit = parse_unit(text, path)
            node = self._node(location, path)
            node.units.append((location.node_path if location else f"/etc/systemd/system/{name}", unit))
            result.detected["systemd unit"] += 1
            return
        if name in ("kubeadm-flags.env", "kubelet") or (name.endswith(".env") and looks_like_env_file(text)):
            values = parse_env_file(text, path)
            node_path = location.node_path if location else _loose_env_path(name)
            self._node(location, path).env_files[node_path] = values
            result.detected["environment file"] += 1
            return
        try:
            documents = load_yaml(text)
        except LoadError:
            if not strict and looks_like_env_file(text):
                return
            raise
        kubeadm_docs: list[tuple[str, ConfigDoc]] = []
        for doc in documents:
            self._yaml_document(path, doc, location, result, kubeadm_docs)
        if kubeadm_docs:
            self._kubeadm(path, kubeadm_docs, location)

    def _yaml_document(
        self,
        path: str,
        doc: YamlDocument,
        location: NodeLocation | None,
        result: _FileResult,
        kubeadm_docs: list[tuple[str, ConfigDoc]],
    ) -> None:
        value = doc.value
        if not isinstance(value, dict):
            raise LoadError("document is not a mapping", doc.line)
        if distro.looks_like_distro_config(value):
            self._distro(path, value, doc, location)
            result.detected["k3s/RKE2 config"] += 1
            return
        kind = _text_field(value, "kind")
        api_version = _text_field(value, "apiVersion")
        if not kind or not api_version:
            provider = providers.detect_provider(value, file_at(path, doc.line))
            if provider is not None:
                self._sink.add_provider(provider)
                result.detected[f"{provider.provider} cluster description"] += 1
                return
            raise LoadError("YAML document without apiVersion and kind", doc.line)
        if kind == "List" or (kind.endswith("List") and isinstance(value.get("items"), list)):
            items = value.get("items") or []
            if not isinstance(items, list):
                raise LoadError("List items is not a sequence", doc.line)
            for index, item in enumerate(items):
                if not isinstance(item, dict):
                    raise LoadError(f"List item {index} is not a mapping", doc.lines.get(f"items.{index}", doc.line))
                line = doc.lines.get(f"items.{index}", doc.line)
                item_kind = objects.item_kind(kind, _text_field(item, "kind"))
                prefix = f"items.{index}."
                item_lines = {k[len(prefix) :]: v for k, v in doc.lines.items() if k.startswith(prefix)}
                self._object(
                    path,
                    item_kind,
                    _text_field(item, "apiVersion"),
                    item,
                    line,
                    item_lines,
                    location,
                    result,
                    kubeadm_docs,
                )
            return
        self._object(path, kind, api_version, value, doc.line, doc.lines, location, result, kubeadm_docs)

    def _object(
        self,
        path: str,
        kind: str,
        api_version: str,
        value: dict[str, Any],
        line: int | None,
        lines: dict[str, int],
        location: NodeLocation | None,
        result: _FileResult,
        kubeadm_docs: list[tuple[str, ConfigDoc]],
    ) -> None:
        provenance = file_at(path, line)
        node, node_path = (location.node, location.node_path) if location else ("", "")
        if api_version.startswith(kubeadm.KUBEADM_GROUP) and kind in kubeadm.KUBEADM_KINDS:
            kubeadm_docs.append(
                (
                    kind,
                    ConfigDoc(
                        kind=kind,
                        data=value,
                        provenance=provenance,
                        lines=lines,
                        node=node,
                        node_path=node_path,
                    ),
                )
            )
            result.detected[f"kubeadm {kind}"] += 1
            return
        if kind in objects.CONFIG_KINDS or (
            api_version.startswith(objects.AUDIT_POLICY[0]) and kind == objects.AUDIT_POLICY[1]
        ):
            data = redact(value) if kind == "EncryptionConfiguration" else value
            doc = ConfigDoc(kind=kind, data=data, provenance=provenance, lines=lines, node=node, node_path=node_path)
            if kind == "KubeletConfiguration":
                if location is None:
                    self._loose_kubelet_docs.append(doc)
                else:
                    self._node(location, path).kubelet_docs.append(doc)
            else:
                self._sink.add_config_doc(doc)
            result.detected["audit policy" if kind == "Policy" else kind] += 1
            return
        if kind == "Config" and api_version == "v1":
            # A kubeconfig: credentials. Never stored here; `kubeward kubeconfig scan` reviews them.
            result.detected["kubeconfig (not stored; see kubeward kubeconfig scan)"] += 1
            return
        if api_version.startswith("audit.k8s.io/") and kind in ("Event", "EventList"):
            result.detected["audit event (see kubeward audit hunt)"] += 1
            return
        if kind in objects.KEPT_KINDS:
            self._kept_object(path, kind, value, provenance, lines, location, result)
            return
        if kind in objects.KNOWN_UNUSED_KINDS:
            result.detected[f"{kind} (not analysed)"] += 1
            return
        result.unknown_kinds[kind] += 1
        result.unknown_first_line.setdefault(kind, line)

    def _kept_object(
        self,
        path: str,
        kind: str,
        value: dict[str, Any],
        provenance: Provenance,
        lines: dict[str, int],
        location: NodeLocation | None,
        result: _FileResult,
    ) -> None:
        try:
            part, obj = objects.from_dict(kind, value, msgspec.to_builtins(provenance))
        except objects.ConversionError as exc:
            raise LoadError(str(exc), provenance.line) from exc
        if isinstance(obj, Pod) and not obj.is_mirror and is_control_plane_pod(obj):
            self._static_pod(path, obj, provenance, lines, location)
            result.detected["static pod manifest"] += 1
            return
        result.objects[part].append(obj)
        result.detected[kind] += 1

    def _static_pod(
        self,
        path: str,
        pod: Pod,
        provenance: Provenance,
        lines: dict[str, int],
        location: NodeLocation | None,
    ) -> None:
        def word(container: int, field_name: str, index: int) -> Provenance:
            key = f"spec.containers.{container}.{field_name}.{index}"
            return file_at(
                path,
                lines.get(key, provenance.line),
                pointer=f"/spec/containers/{container}/{field_name}/{index}",
            )

        node = location.node if location else ""
        instance = apiserver_from_pod(pod, "static-pod", provenance, word, node=node)
        if instance is None:
            return  # controller-manager, scheduler, etcd: not analysed yet
        name = f"kube-apiserver ({node})" if node else f"kube-apiserver ({path})"
        self._sink.add_apiserver(msgspec.structs.replace(instance, name=name))

    # --- JSON -----------------------------------------------------------------------------------

    def _json(self, path: str, data: bytes, location: NodeLocation | None, result: _FileResult) -> None:
        """Read a JSON input. msgspec raises ``RecursionError`` (not a decode error) when even the
        undecoded parts it skips nest too deeply, so that is turned into this file's error here
        instead of ending the run.
        """
        try:
            self._json_document(path, data, location, result)
        except RecursionError as exc:
            raise LoadError("JSON nested too deeply") from exc

    def _json_document(self, path: str, data: bytes, location: NodeLocation | None, result: _FileResult) -> None:
        if data.lstrip()[:1] == b"[":
            try:
                raws = msgspec.json.decode(data, type=list[msgspec.Raw])
            except msgspec.DecodeError as exc:
                raise invalid_json(exc, data) from exc
            self._raw_items(path, "", raws, location, result)
            return
        try:
            _, kind, items = objects.split_json_envelope(data)
        except msgspec.DecodeError as exc:
            if self._json_lines(data, result):
                return
            raise invalid_json(exc, data) from exc
        if items is not None:
            self._raw_items(path, kind, items, location, result)
            return
        if len(data) > MAX_SINGLE_JSON_BYTES:
            raise LoadError(
                f"JSON document of {len(data) / 2**20:.0f} MiB without items exceeds the "
                f"{MAX_SINGLE_JSON_BYTES // 2**20} MiB limit"
            )
        value = load_json(data)
        if isinstance(value, dict) and isinstance(value.get("kubeletconfig"), dict):
            self._configz(path, value["kubeletconfig"], location)
            result.detected["kubelet configz"] += 1
            return
        document = YamlDocument(value=value, line=1, lines={})
        self._yaml_document(path, document, location, result, [])

    def _raw_items(
        self,
        path: str,
        list_kind: str,
        raws: list[msgspec.Raw],
        location: NodeLocation | None,
        result: _FileResult,
    ) -> None:
        for index, raw in enumerate(raws):
            try:
                api_version, own_kind = objects.raw_header(raw)
            except msgspec.DecodeError as exc:
                raise LoadError(f"item {index} is not a JSON object: {exc}") from exc
            kind = objects.item_kind(list_kind, own_kind)
            provenance = {"kind": "file", "source": path, "pointer": f"/items/{index}"}
            if kind in objects.KEPT_KINDS and kind != "Pod":
                try:
                    part, obj = objects.from_raw_json(kind, raw, provenance)
                except objects.ConversionError as exc:
                    raise LoadError(f"item {index}: {exc}") from exc
                result.objects[part].append(obj)
                result.detected[kind] += 1
                continue
            if kind == "Pod":
                try:
                    _, obj = objects.from_raw_json(kind, raw, provenance)
                except objects.ConversionError as exc:
                    raise LoadError(f"item {index}: {exc}") from exc
                assert isinstance(obj, Pod)
                if not obj.is_mirror and is_control_plane_pod(obj):
                    self._static_pod(path, obj, file_at(path, pointer=f"/items/{index}"), {}, location)
                    result.detected["static pod manifest"] += 1
                else:
                    result.objects["pods"].append(obj)
                    result.detected["Pod"] += 1
                continue
            if kind in objects.KNOWN_UNUSED_KINDS:
                result.detected[f"{kind} (not analysed)"] += 1
                continue
            value = load_json(bytes(raw))
            if isinstance(value, dict):
                self._object(path, kind, api_version, value, None, {}, location, result, [])

    def _json_lines(self, data: bytes, result: _FileResult) -> bool:
        """Recognise JSON-lines audit logs (their analysis is ``kubeward audit hunt``).

        Only the first line is sliced out: splitting or stripping the whole input would copy it,
        doubling the memory a large (possibly hostile) file costs.
        """
        first = _NON_SPACE.search(data)
        start = first.start() if first is not None else len(data)
        end = data.find(b"\n", start)
        first_line = data[start : end if end >= 0 else len(data)]
        try:
            value = msgspec.json.decode(first_line)
        except msgspec.DecodeError:
            return False
        if isinstance(value, dict) and str(value.get("apiVersion", "")).startswith("audit.k8s.io/"):
            result.detected["audit log (see kubeward audit hunt)"] += 1
            return True
        return False

    def _configz(self, path: str, config: dict[str, Any], location: NodeLocation | None) -> None:
        stem = PurePosixPath(path).stem
        node = location.node if location else stem
        provenance = file_at(path)
        doc = ConfigDoc(kind="KubeletConfiguration", data=config, provenance=provenance, node=node)
        self._sink.add_kubelet(KubeletInstance(node=node, origin="configz", provenance=provenance, configz=doc))

    # --- other formats --------------------------------------------------------------------------

    def _cmdline(self, path: str, data: bytes, location: NodeLocation | None, result: _FileResult) -> None:
        words = [w.decode("utf-8", "replace") for w in data.rstrip(b"\0").split(b"\0")]
        program = PurePosixPath(words[0]).name if words else ""
        provenance = [file_at(path, pointer=f"argv[{i}]") for i in range(len(words))]
        if program == "kubelet":
            self._node(location, path).cmdlines.append([Word(w, p) for w, p in zip(words, provenance, strict=True)])
        else:
            from kubeward.inputs.flags import parse_flags
            from kubeward.inventory.components import ApiServerInstance

            flags, _ = parse_flags(words, lambda i: provenance[i])
            node = location.node if location else ""
            self._sink.add_apiserver(
                ApiServerInstance(
                    name=f"kube-apiserver ({node or path})",
                    origin="process",
                    provenance=file_at(path),
                    flags=tuple(flags),
                    node=node,
                )
            )
        result.detected[f"{program} process command line"] += 1

    def _distro(self, path: str, value: dict[str, Any], doc: YamlDocument, location: NodeLocation | None) -> None:
        node = location.node if location else _loose_distro_node(path)
        flavour = distro.distro_of(path, value)
        stored = ConfigDoc(
            kind=f"{flavour}-config",
            data=redact(value),
            provenance=file_at(path, doc.line),
            lines=doc.lines,
            node=node,
            node_path=location.node_path if location else "",
        )
        self._distro_docs[(node, flavour)].append((path, stored))

    def _kubeadm(self, path: str, docs: list[tuple[str, ConfigDoc]], location: NodeLocation | None) -> None:
        registration: ConfigDoc | None = None
        for kind, doc in docs:
            if kind == "ClusterConfiguration":
                api, problems = kubeadm.apiserver_from_cluster_configuration(doc, f"kube-apiserver (kubeadm {path})")
                self._sink.add_apiserver(api)
                for problem in problems:
                    self._issue(path, problem, doc.provenance.line)
            elif kind in ("InitConfiguration", "JoinConfiguration"):
                registration = doc
        # A KubeletConfiguration in the same file is what kubeadm installs on every node it sets up.
        kubelet_docs = self._take_kubelet_docs(location, path)
        kubelet_doc = kubelet_docs[-1] if kubelet_docs else None
        origin = registration or kubelet_doc
        if origin is None:
            return
        node = location.node if location else path
        kubelet, problems = kubeadm.kubelet_from_kubeadm(
            registration, kubelet_doc, origin.provenance, f"kubeadm nodes ({node})"
        )
        self._kubeadm_kubelets.append(kubelet)
        for problem in problems:
            self._issue(path, problem)

    def _take_kubelet_docs(self, location: NodeLocation | None, path: str) -> list[ConfigDoc]:
        """Remove and return the KubeletConfiguration documents that came from ``path``."""
        pool = self._node(location, path).kubelet_docs if location else self._loose_kubelet_docs
        taken = [doc for doc in pool if doc.provenance.source == path]
        pool[:] = [doc for doc in pool if doc.provenance.source != path]
        return taken

    def _node(self, location: NodeLocation | None, path: str) -> NodeFiles:
        name = location.node if location else str(PurePosixPath(path).parent) or "."
        files = self._nodes.get(name)
        if files is None:
            files = self._nodes[name] = NodeFiles(node=name)
        return files

    # --- assembly -------------------------------------------------------------------------------

    def _finish(self) -> None:
        issues: list[InputIssue] = []
        distro_nodes = {node for node, _ in self._distro_docs}
        for (node, flavour), entries in sorted(self._distro_docs.items()):
            ordered = [doc for _, doc in sorted(entries, key=lambda e: (_is_dropin(e[0]), e[0]))]
            merged = distro.merge_configs(flavour, node, ordered)  # type: ignore[arg-type]
            if distro.is_server(merged):
                api, problems = distro.apiserver_from_distro(merged)
                self._sink.add_apiserver(api)
                issues.extend(problems)
            kubelet, problems = distro.kubelet_from_distro(merged)
            self._sink.add_kubelet(kubelet)
            issues.extend(problems)
            for _, doc in entries:
                self._sink.add_config_doc(doc)
        for name, files in sorted(self._nodes.items()):
            if name in distro_nodes and not files.units and not files.cmdlines:
                continue
            for instance in assemble_kubelets(files, issues):
                self._sink.add_kubelet(instance)
        for instance in self._kubeadm_kubelets:
            self._sink.add_kubelet(instance)
        for instance in kubelet_docs_without_node(self._loose_kubelet_docs):
            self._sink.add_kubelet(instance)
        for issue in issues:
            self._sink.add_issue(issue)


def load_offline(paths: Sequence[str], sink: Sink) -> None:
    """Load files and folders into ``sink``."""
    OfflineCollector(sink).load(paths)


def _text_field(value: dict[str, Any], key: str) -> str:
    """A string field such as ``kind``; anything else (``"kind": null`` in provider JSON) is absent."""
    field_value = value.get(key)
    return field_value if isinstance(field_value, str) else ""


def _is_dropin(path: str) -> bool:
    return PurePosixPath(path).parent.name.endswith(".yaml.d")


def _loose_distro_node(path: str) -> str:
    """Outside a node layout, a distro config belongs to the folder it is in; its drop-ins (in
    ``config.yaml.d/`` next to it) to the same one, so the two are merged.
    """
    parent = PurePosixPath(path).parent
    if _is_dropin(path):
        parent = parent.parent
    return parent.name or "node"


def _loose_env_path(name: str) -> str:
    """The node path an environment file found outside a node layout stands for.

    A file named ``kubelet`` is ``/etc/default/kubelet`` (or ``/etc/sysconfig/kubelet``, read the
    same way), where ``KUBELET_EXTRA_ARGS`` lives; anything else is taken for kubeadm's
    ``/var/lib/kubelet/<name>``.
    """
    return "/etc/default/kubelet" if name == "kubelet" else f"/var/lib/kubelet/{name}"


def _read_head(path: str) -> bytes:
    with open(path, "rb") as handle:
        return handle.read(_SNIFF_BYTES)


def _looks_like_json(data: bytes) -> bool:
    """An object, or an array whose first element starts like a JSON value (``[Service]`` is not)."""
    stripped = data.lstrip()
    if stripped[:1] == b"{":
        return True
    if stripped[:1] != b"[":
        return False
    rest = stripped[1:].lstrip()
    return rest[:1] in (b"{", b"[", b'"', b"]", b"-", b"t", b"f", b"n") or rest[:1].isdigit()


def _is_binary(head: bytes) -> bool:
    return b"\0" in head


def _looks_like_cmdline(data: bytes) -> bool:
    """``/proc/<pid>/cmdline`` of kube-apiserver or the kubelet: NUL-separated argv."""
    if b"\0" not in data[:4096]:
        return False
    program = data.split(b"\0", 1)[0].rsplit(b"/", 1)[-1]
    return program.decode("utf-8", "replace") in _PROGRAMS


def _utf16_to_utf8(data: bytes) -> bytes:
    """Re-encode a UTF-16 file (with BOM) as UTF-8.

    Windows PowerShell 5's ``kubectl get -o yaml > dump.yaml`` writes UTF-16LE: its NUL bytes must
    not make a dump "binary", and JSON is only read as UTF-8.
    """
    try:
        return data.decode("utf-16").encode("utf-8")
    except UnicodeDecodeError as exc:
        raise LoadError(f"not UTF-16 text despite its byte order mark (byte {exc.start})") from exc


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise LoadError(f"not UTF-8 text (byte {exc.start})") from exc


def _os_reason(exc: OSError) -> str:
    return exc.strerror or type(exc).__name__
