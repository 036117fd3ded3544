"""k3s and RKE2 ``config.yaml``: the components' command lines as the distribution builds them.

k3s (and RKE2, which embeds it) starts kube-apiserver and the kubelet with its own arguments and
merges the user's ``kube-apiserver-arg`` / ``kubelet-arg`` entries into them (``GetArgs`` in
k3s-io/k3s ``pkg/util/args.go``): ``name=value`` replaces the built-in value, ``name+=value``
appends to it and ``name-=value`` prepends; an entry without ``=`` means ``true``; the result is
sorted by flag name. ``config.yaml.d/*.yaml`` files override ``config.yaml`` key by key in name
order, and a key ending in ``+`` appends to a list instead.

The built-in arguments below are those that matter for access, from k3s ``pkg/daemons/control/
server.go`` (apiserver) and ``pkg/daemons/agent/agent_linux.go`` (kubelet); they are marked as
defaults so verdicts can say that k3s, not the user, chose them.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from kubeward.inventory.components import ApiServerInstance, ConfigDoc, Flag, KubeletInstance
from kubeward.inventory.model import InputIssue
from kubeward.inventory.provenance import Provenance, default_of

Distro = Literal["k3s", "rke2"]

# Keys that only a k3s/RKE2 config file has; any of them makes a plain mapping one.
DISTRO_KEYS = frozenset(
    {
        "kube-apiserver-arg",
        "kubelet-arg",
        "kube-controller-manager-arg",
        "kube-scheduler-arg",
        "kube-proxy-arg",
        "write-kubeconfig-mode",
        "write-kubeconfig",
        "tls-san",
        "cluster-init",
        "node-label",
        "node-taint",
        "disable",
        "secrets-encryption",
        "protect-kernel-defaults",
        "cluster-cidr",
        "service-cidr",
        "flannel-backend",
        "cni",
        "profile",
        "etcd-expose-metrics",
        "datastore-endpoint",
        "agent-token",
        "server",
        "token",
        "node-name",
    }
)
# A mapping needs at least one of these to count as a distro config (``server``/``token`` alone are
# too generic to decide).
_STRONG_KEYS = DISTRO_KEYS - {"server", "token", "node-name", "disable", "profile", "cni"}

_APISERVER_DEFAULTS: tuple[tuple[str, str], ...] = (
    ("anonymous-auth", "false"),
    ("profiling", "false"),
    ("enable-admission-plugins", "NodeRestriction"),
    ("authorization-mode", "Node,RBAC"),
    ("allow-privileged", "true"),
    ("enable-bootstrap-token-auth", "true"),
)
_KUBELET_DEFAULTS: tuple[tuple[str, str], ...] = (
    ("anonymous-auth", "false"),
    ("authentication-token-webhook", "true"),
    ("authorization-mode", "Webhook"),
    ("read-only-port", "0"),
)


def looks_like_distro_config(data: Any) -> bool:
    """True for a YAML mapping with k3s/RKE2 configuration keys and no apiVersion/kind."""
    if not isinstance(data, dict) or "apiVersion" in data or "kind" in data:
        return False
    keys = {str(k).rstrip("+") for k in data}
    return bool(keys & _STRONG_KEYS)


def distro_of(path: str, data: dict[str, Any]) -> Distro:
    """RKE2 when the path says so (``/etc/rancher/rke2``) or an RKE2-only key is present."""
    if "/rke2/" in path.replace("\\", "/") or "rke2" in path.rsplit("/", 1)[-1]:
        return "rke2"
    if "cni" in data or "profile" in data:
        return "rke2"
    return "k3s"


@dataclass
class MergedConfig:
    """A distro configuration merged from ``config.yaml`` and its drop-ins, with provenance per entry."""

    distro: Distro
    node: str
    provenance: Provenance
    values: dict[str, Any] = field(default_factory=dict)
    origins: dict[str, list[Provenance]] = field(default_factory=dict)


def merge_configs(distro: Distro, node: str, docs: Sequence[ConfigDoc]) -> MergedConfig:
    """Merge ``config.yaml`` then drop-ins (already in order): later keys override, ``key+`` appends.

    As k3s ``pkg/configfilearg`` ``readConfigFile``: ``key+`` appends to whatever an earlier file
    set, a single string included (``toSlice`` makes it a one-item list), so a drop-in's
    ``kube-apiserver-arg+`` keeps a ``kube-apiserver-arg: "..."`` string from ``config.yaml``.
    """
    merged = MergedConfig(distro=distro, node=node, provenance=docs[0].provenance)
    for doc in docs:
        for raw_key, value in doc.data.items():
            key = str(raw_key)
            append = key.endswith("+")
            name = key.rstrip("+")
            entry_provenance = doc.provenance_of(key)
            items = value if isinstance(value, list) else [value]
            origins = [_item_provenance(doc, key, i, entry_provenance) for i in range(len(items))]
            if append and name in merged.values:
                old_items = _to_slice(merged.values[name])
                old_origins = merged.origins.get(name, [])[: len(old_items)]
                new_items = _to_slice(value)
                merged.values[name] = [*old_items, *new_items]
                merged.origins[name] = [*old_origins, *origins[: len(new_items)]]
            else:
                merged.values[name] = list(items) if isinstance(value, list) or append else value
                merged.origins[name] = origins
    return merged


def _to_slice(value: Any) -> list[Any]:
    """k3s ``toSlice``: a list as is, nothing for an empty value, else a one-item list."""
    if isinstance(value, list):
        return value
    return [] if value is None else [value]


def _item_provenance(doc: ConfigDoc, key: str, index: int, fallback: Provenance) -> Provenance:
    line = doc.lines.get(f"{key}.{index}")
    if line is None:
        return fallback
    return Provenance(kind=doc.provenance.kind, source=doc.provenance.source, line=line, pointer=f"{key}[{index}]")


def build_args(
    defaults: Sequence[tuple[str, str]],
    entries: Sequence[tuple[str, Provenance]],
    installer: str,
    skip_defaults: frozenset[str] = frozenset(),
) -> list[Flag]:
    """The command line k3s builds from its built-in arguments and the user's entries (GetArgs)."""
    default_provenance = default_of(f"{installer} built-in argument")
    initial = {name: value for name, value in defaults if name not in skip_defaults}
    multi: dict[str, list[Flag]] = {}
    for text, provenance in entries:
        body = text.strip()
        if body.startswith("--"):
            body = body[2:]
        name, sep, value = body.partition("=")
        if not sep:
            value = "true"
        clean = name.rstrip("+-")
        new: list[Flag] = []
        user = Flag(name=clean, value=value, provenance=provenance)
        existing = multi.get(clean, [])
        initial_flag = (
            [Flag(name=clean, value=initial[clean], provenance=default_provenance)] if clean in initial else []
        )
        if name.endswith("+"):
            new = [*initial_flag, *existing, user]
        elif name.endswith("-"):
            new = [user, *initial_flag, *existing]
        else:
            new = [*existing, user]
        initial.pop(clean, None)
        multi[clean] = new
    for name, value in initial.items():
        multi[name] = [Flag(name=name, value=value, provenance=default_provenance)]
    return [flag for name in sorted(multi) for flag in multi[name]]


def _entries(merged: MergedConfig, key: str) -> tuple[list[tuple[str, Provenance]], list[InputIssue]]:
    """The entries of ``key`` with their provenance, and an issue for each unusable one.

    An issue names the file and line the entry came from (a drop-in, maybe), not ``config.yaml``.
    """
    value = merged.values.get(key)
    if value is None:
        return [], []
    items = value if isinstance(value, list) else [value]
    origins = merged.origins.get(key, [])
    entries: list[tuple[str, Provenance]] = []
    problems: list[InputIssue] = []
    for index, item in enumerate(items):
        provenance = origins[index] if index < len(origins) else merged.provenance
        if not isinstance(item, str) or not item.strip():
            problems.append(
                InputIssue(
                    input=provenance.source,
                    line=provenance.line,
                    message=f"{key} entry {item!r} is not a 'name=value' string",
                )
            )
            continue
        entries.append((item, provenance))
    return entries, problems


def is_server(merged: MergedConfig) -> bool:
    """Whether this node runs the API server: a server has no ``server:`` to join, or has apiserver args."""
    return (
        "server" not in merged.values
        or "kube-apiserver-arg" in merged.values
        or bool(merged.values.get("cluster-init"))
    )


def apiserver_from_distro(merged: MergedConfig) -> tuple[ApiServerInstance, list[InputIssue]]:
    """kube-apiserver as k3s/RKE2 would start it on this node."""
    entries, problems = _entries(merged, "kube-apiserver-arg")
    names = {text.lstrip("-").partition("=")[0].rstrip("+-") for text, _ in entries}
    skip = set()
    if "authentication-config" in names:
        skip.add("anonymous-auth")
    if "authorization-config" in names:
        skip.add("authorization-mode")
    flags = build_args(_APISERVER_DEFAULTS, entries, merged.distro, frozenset(skip))
    instance = ApiServerInstance(
        name=f"kube-apiserver ({merged.distro} {merged.node})",
        origin=merged.distro,
        provenance=merged.provenance,
        flags=tuple(flags),
        installer=merged.distro,
        node=merged.node,
    )
    return instance, problems


def kubelet_from_distro(merged: MergedConfig) -> tuple[KubeletInstance, list[InputIssue]]:
    """The kubelet as k3s/RKE2 would start it on this node (flags only, no config file)."""
    entries, problems = _entries(merged, "kubelet-arg")
    flags = build_args(_KUBELET_DEFAULTS, entries, merged.distro)
    has_config = any(flag.name == "config" for flag in flags)
    instance = KubeletInstance(
        node=merged.node,
        origin=merged.distro,
        provenance=merged.provenance,
        flags=tuple(flags),
        installer=merged.distro,
        started_with_config=has_config,
    )
    return instance, problems
