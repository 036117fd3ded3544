"""Kubeconfig loading, merging and connection resolution, the way kubectl (client-go) does it.

Users point kubeward at a cluster exactly as they point kubectl at it, so every rule here follows
client-go's ``clientcmd`` package (``loader.go``, ``client_config.go``, ``merged_client_builder.go``)
and the kubeconfig documentation, not the looser habits of other Python clients:

* ``--kubeconfig`` names the only file read (it must exist); otherwise ``KUBECONFIG`` is a list split
  on ``os.pathsep`` (empty entries and duplicates dropped, missing files skipped, a file that cannot
  be parsed is an error naming it); otherwise ``~/.kube/config``.
* Merging: the first file to define a cluster, user or context name wins *the whole entry* (a later
  file's entry of the same name is discarded, even its non-conflicting keys); the first non-empty
  ``current-context`` wins.
* Relative paths inside a kubeconfig (``certificate-authority``, ``client-certificate``,
  ``client-key``, ``tokenFile``, an ``exec`` command containing a path separator) are relative to the
  directory of the file that defined them; paths given on the command line are relative to the CWD.
* Command-line overrides (``--context --cluster --user --server --token --certificate-authority
  --client-certificate --client-key --insecure-skip-tls-verify --tls-server-name --namespace``) win
  over the file, with client-go's clean-ups (``--server`` drops a file's ``tls-server-name``,
  ``--insecure-skip-tls-verify`` alone drops the file's CA, a CLI CA drops CA data).
* In-cluster configuration is only the fallback when the kubeconfig resolves to nothing at all.

Nothing here executes anything or contacts the network; ``kubeward.kube.auth`` turns the resolved
``ClusterConnection`` into credentials. Credential values are wrapped in ``Secret`` so that no
``repr``, log line or exception message can show them.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from kubeward.inputs.safeload import LoadError, load_yaml

EXEC_API_VERSIONS = frozenset({"client.authentication.k8s.io/v1", "client.authentication.k8s.io/v1beta1"})
INTERACTIVE_MODES = frozenset({"Never", "IfAvailable", "Always"})
EXEC_EXTENSION_NAME = "client.authentication.k8s.io/exec"
MAX_KUBECONFIG_BYTES = 16 * 1024 * 1024


class KubeconfigError(Exception):
    """The connection configuration is unusable. The message names the file, context, cluster or user.

    Messages never contain credential values: only names, paths and what is wrong.
    """


class Secret:
    """A credential value (token, password, key or certificate data) that never prints itself.

    ``repr``/``str`` show a placeholder, so an accidental f-string, log call or dataclass repr cannot
    leak it; code that needs the value calls ``reveal()`` at the last moment.
    """

    __slots__ = ("_value",)

    def __init__(self, value: bytes | str) -> None:
        self._value = value.encode() if isinstance(value, str) else bytes(value)

    def reveal(self) -> bytes:
        """The raw value."""
        return self._value

    def text(self) -> str:
        """The value as text (tokens, passwords)."""
        return self._value.decode("utf-8", "replace")

    def __bool__(self) -> bool:
        return bool(self._value)

    def __repr__(self) -> str:
        return "Secret(<redacted>)"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Secret):
            return NotImplemented
        return hmac.compare_digest(self._value, other._value)

    def __hash__(self) -> int:
        return hash(self._value)

    def __reduce__(self) -> Any:
        raise TypeError("Secret values are not picklable")


# --- the kubeconfig model ----------------------------------------------------------------------


@dataclass(frozen=True)
class ExecConfig:
    """An ``exec`` credential plugin (``client.authentication.k8s.io/v1`` or ``v1beta1``)."""

    command: str
    api_version: str
    args: tuple[str, ...] = ()
    env: tuple[tuple[str, str], ...] = field(default=(), repr=False)
    install_hint: str = ""
    provide_cluster_info: bool = False
    interactive_mode: str = ""


@dataclass(frozen=True)
class AuthProviderConfig:
    """A legacy ``auth-provider`` block (oidc, gcp, azure). Only its stored token is ever used."""

    name: str
    config: Mapping[str, Secret] = field(default_factory=dict, repr=False)


@dataclass(frozen=True)
class ClusterEntry:
    """One ``clusters[].cluster`` entry, with file paths already made absolute."""

    server: str = ""
    certificate_authority: str = ""
    certificate_authority_data: bytes = field(default=b"", repr=False)
    insecure_skip_tls_verify: bool = False
    tls_server_name: str = ""
    proxy_url: str = ""
    disable_compression: bool = False
    exec_extension: Any = field(default=None, repr=False)
    origin: str = ""

    def is_empty(self) -> bool:
        """True when nothing was set (client-go's ``ErrEmptyCluster``, which allows in-cluster fallback)."""
        return not (
            self.server
            or self.certificate_authority
            or self.certificate_authority_data
            or self.insecure_skip_tls_verify
            or self.tls_server_name
            or self.proxy_url
        )


@dataclass(frozen=True)
class UserEntry:
    """One ``users[].user`` entry (client-go's ``AuthInfo``), with file paths already made absolute."""

    token: Secret | None = None
    token_file: str = ""
    client_certificate: str = ""
    client_certificate_data: Secret | None = None
    client_key: str = ""
    client_key_data: Secret | None = None
    username: str = ""
    password: Secret | None = None
    exec: ExecConfig | None = None
    auth_provider: AuthProviderConfig | None = None
    impersonate: str = ""
    impersonate_uid: str = ""
    impersonate_groups: tuple[str, ...] = ()
    impersonate_extra: tuple[tuple[str, tuple[str, ...]], ...] = ()
    origin: str = ""

    def methods(self) -> list[str]:
        """Authentication methods that client-go counts as mutually exclusive (token, basic auth)."""
        found: list[str] = []
        if self.token or self.token_file:
            found.append("token")
        if self.username or self.password:
            found.append("basicAuth")
        return found


@dataclass(frozen=True)
class ContextEntry:
    """One ``contexts[].context`` entry."""

    cluster: str = ""
    user: str = ""
    namespace: str = ""
    origin: str = ""


@dataclass(frozen=True)
class Kubeconfig:
    """A merged kubeconfig: the first file to define each name wins, as in kubectl."""

    clusters: Mapping[str, ClusterEntry] = field(default_factory=dict)
    users: Mapping[str, UserEntry] = field(default_factory=dict)
    contexts: Mapping[str, ContextEntry] = field(default_factory=dict)
    current_context: str = ""
    files: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()


# --- parsing one file --------------------------------------------------------------------------


class _Fields:
    """Typed access to one mapping of a kubeconfig, with errors naming file and entry (never values)."""

    def __init__(self, data: Any, where: str) -> None:
        if data is None:
            data = {}
        if not isinstance(data, dict):
            raise KubeconfigError(f"{where}: expected a mapping, got {type(data).__name__}")
        self.data: dict[str, Any] = data
        self.where = where

    def text(self, key: str) -> str:
        value = self.data.get(key)
        if value is None:
            return ""
        if not isinstance(value, str):
            raise KubeconfigError(f"{self.where}: field {key!r} must be a string, got {type(value).__name__}")
        return value

    def flag(self, key: str) -> bool:
        value = self.data.get(key)
        if value is None:
            return False
        if not isinstance(value, bool):
            raise KubeconfigError(f"{self.where}: field {key!r} must be a boolean, got {type(value).__name__}")
        return value

    def data_field(self, key: str) -> bytes:
        value = self.text(key)
        if not value:
            return b""
        try:
            return base64.b64decode(value.strip(), validate=True)
        except (binascii.Error, ValueError):
            raise KubeconfigError(f"{self.where}: field {key!r} is not valid base64") from None

    def strings(self, key: str) -> tuple[str, ...]:
        value = self.data.get(key)
        if value is None:
            return ()
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise KubeconfigError(f"{self.where}: field {key!r} must be a list of strings")
        return tuple(value)

    def sub(self, key: str) -> _Fields | None:
        value = self.data.get(key)
        if value is None:
            return None
        return _Fields(value, f"{self.where}.{key}")


def _resolve(path: str, base: str) -> str:
    """client-go ``ResolvePaths``: empty and absolute paths stay; others are joined to ``base``."""
    if not path or os.path.isabs(path):
        return path
    return os.path.normpath(os.path.join(base, path))


def _parse_cluster(f: _Fields, origin: str, base: str) -> ClusterEntry:
    extension: Any = None
    raw_extensions = f.data.get("extensions")
    if raw_extensions is not None:
        if not isinstance(raw_extensions, list):
            raise KubeconfigError(f"{f.where}: field 'extensions' must be a list")
        for item in raw_extensions:
            if isinstance(item, dict) and item.get("name") == EXEC_EXTENSION_NAME:
                extension = item.get("extension")
    return ClusterEntry(
        server=f.text("server"),
        certificate_authority=_resolve(f.text("certificate-authority"), base),
        certificate_authority_data=f.data_field("certificate-authority-data"),
        insecure_skip_tls_verify=f.flag("insecure-skip-tls-verify"),
        tls_server_name=f.text("tls-server-name"),
        proxy_url=f.text("proxy-url"),
        disable_compression=f.flag("disable-compression"),
        exec_extension=extension,
        origin=origin,
    )


def _secret(f: _Fields, key: str) -> Secret | None:
    value = f.text(key)
    return Secret(value) if value else None


def _data_secret(f: _Fields, key: str) -> Secret | None:
    value = f.data_field(key)
    return Secret(value) if value else None


def _parse_exec(f: _Fields, base: str) -> ExecConfig:
    env: list[tuple[str, str]] = []
    raw_env = f.data.get("env")
    if raw_env is not None:
        if not isinstance(raw_env, list):
            raise KubeconfigError(f"{f.where}: field 'env' must be a list")
        for index, item in enumerate(raw_env):
            entry = _Fields(item, f"{f.where}.env[{index}]")
            env.append((entry.text("name"), entry.text("value")))
    command = f.text("command")
    if os.sep in command or (os.altsep and os.altsep in command):
        command = _resolve(command, base)
    api_version = f.text("apiVersion")
    interactive = f.text("interactiveMode")
    if not interactive and api_version == "client.authentication.k8s.io/v1beta1":
        # client-go's v1 kubeconfig defaulting: v1beta1 plugins default to IfAvailable.
        interactive = "IfAvailable"
    return ExecConfig(
        command=command,
        api_version=api_version,
        args=f.strings("args"),
        env=tuple(env),
        install_hint=f.text("installHint"),
        provide_cluster_info=f.flag("provideClusterInfo"),
        interactive_mode=interactive,
    )


def _parse_user(f: _Fields, origin: str, base: str) -> UserEntry:
    exec_fields = f.sub("exec")
    provider_fields = f.sub("auth-provider")
    provider: AuthProviderConfig | None = None
    if provider_fields is not None:
        config_fields = provider_fields.sub("config")
        config: dict[str, Secret] = {}
        if config_fields is not None:
            for key in config_fields.data:
                config[str(key)] = Secret(config_fields.text(str(key)))
        provider = AuthProviderConfig(name=provider_fields.text("name"), config=config)
    extra: list[tuple[str, tuple[str, ...]]] = []
    extra_fields = f.sub("as-user-extra")
    if extra_fields is not None:
        for key in extra_fields.data:
            extra.append((str(key), extra_fields.strings(str(key))))
    return UserEntry(
        token=_secret(f, "token"),
        token_file=_resolve(f.text("tokenFile"), base),
        client_certificate=_resolve(f.text("client-certificate"), base),
        client_certificate_data=_data_secret(f, "client-certificate-data"),
        client_key=_resolve(f.text("client-key"), base),
        client_key_data=_data_secret(f, "client-key-data"),
        username=f.text("username"),
        password=_secret(f, "password"),
        exec=_parse_exec(exec_fields, base) if exec_fields is not None else None,
        auth_provider=provider,
        impersonate=f.text("as"),
        impersonate_uid=f.text("as-uid"),
        impersonate_groups=f.strings("as-groups"),
        impersonate_extra=tuple(extra),
        origin=origin,
    )


def _parse_context(f: _Fields, origin: str) -> ContextEntry:
    return ContextEntry(cluster=f.text("cluster"), user=f.text("user"), namespace=f.text("namespace"), origin=origin)


def _named(doc: _Fields, section: str, inner: str) -> list[tuple[str, _Fields]]:
    raw = doc.data.get(section)
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise KubeconfigError(f"{doc.where}: field {section!r} must be a list")
    seen: set[str] = set()
    named: list[tuple[str, _Fields]] = []
    for index, item in enumerate(raw):
        entry = _Fields(item, f"{doc.where}: {section}[{index}]")
        name = entry.text("name")
        if name in seen:
            raise KubeconfigError(f"{doc.where}: duplicate name {name!r} in {section}")
        seen.add(name)
        body = entry.sub(inner)
        named.append((name, body if body is not None else _Fields({}, f"{doc.where}: {section}[{name!r}]")))
    return named


def parse_kubeconfig(text: bytes | str, origin: str) -> Kubeconfig:
    """Parse one kubeconfig file's content; relative paths are resolved against ``origin``'s directory.

    An empty file is an empty kubeconfig (as in client-go). Errors name ``origin`` and the entry.
    """
    try:
        docs = load_yaml(text, key_lines=False)
    except LoadError as exc:
        where = f"{origin}:{exc.line}" if exc.line else origin
        raise KubeconfigError(f"error loading config file {where}: {exc.message}") from None
    value = docs[0].value if docs else None
    doc = _Fields(value, origin)
    base = os.path.abspath(os.path.dirname(origin) or ".")
    clusters = {name: _parse_cluster(f, origin, base) for name, f in _named(doc, "clusters", "cluster")}
    users = {name: _parse_user(f, origin, base) for name, f in _named(doc, "users", "user")}
    contexts = {name: _parse_context(f, origin) for name, f in _named(doc, "contexts", "context")}
    return Kubeconfig(
        clusters=clusters,
        users=users,
        contexts=contexts,
        current_context=doc.text("current-context"),
        files=(origin,),
    )


# --- finding and merging files -----------------------------------------------------------------


def kubeconfig_paths(explicit: str | None, env: Mapping[str, str], home: str | None = None) -> tuple[list[str], bool]:
    """The files to read and whether they were named explicitly (``--kubeconfig``).

    Mirrors ``ClientConfigLoadingRules``: explicit path, else ``KUBECONFIG`` (split on
    ``os.pathsep``, empty entries and duplicates dropped), else ``~/.kube/config``.
    """
    if explicit:
        return [explicit], True
    listed = env.get("KUBECONFIG", "")
    if listed:
        paths: list[str] = []
        for entry in listed.split(os.pathsep):
            if entry and entry not in paths:
                paths.append(entry)
        return paths, False
    home_dir = home if home is not None else env.get("HOME") or str(Path.home())
    return [os.path.join(home_dir, ".kube", "config")], False


def _read(path: str) -> bytes | None:
    try:
        size = os.path.getsize(path)
        if size > MAX_KUBECONFIG_BYTES:
            raise KubeconfigError(f"error loading config file {path}: larger than {MAX_KUBECONFIG_BYTES} bytes")
        with open(path, "rb") as handle:
            return handle.read()
    except FileNotFoundError:
        return None
    except IsADirectoryError:
        raise KubeconfigError(f"error loading config file {path}: is a directory") from None
    except OSError as exc:
        raise KubeconfigError(f"error loading config file {path}: {exc.strerror}") from None


def merge(configs: Sequence[Kubeconfig]) -> Kubeconfig:
    """Merge parsed files in precedence order: the first to define a name or value wins."""
    clusters: dict[str, ClusterEntry] = {}
    users: dict[str, UserEntry] = {}
    contexts: dict[str, ContextEntry] = {}
    current = ""
    files: list[str] = []
    for config in configs:
        for name, cluster in config.clusters.items():
            clusters.setdefault(name, cluster)
        for name, user in config.users.items():
            users.setdefault(name, user)
        for name, context in config.contexts.items():
            contexts.setdefault(name, context)
        if not current:
            current = config.current_context
        files.extend(config.files)
    return Kubeconfig(clusters=clusters, users=users, contexts=contexts, current_context=current, files=tuple(files))


def load_kubeconfig(paths: Sequence[str], *, explicit: bool = False) -> Kubeconfig:
    """Read and merge ``paths``. Missing files are skipped unless ``explicit``; bad files are errors."""
    configs: list[Kubeconfig] = []
    missing: list[str] = []
    for path in paths:
        content = _read(path)
        if content is None:
            if explicit:
                raise KubeconfigError(f"stat {path}: no such file or directory")
            missing.append(path)
            continue
        configs.append(parse_kubeconfig(content, path))
    return replace(merge(configs), missing=tuple(missing))


# --- connection options and the resolved connection ---------------------------------------------


@dataclass(frozen=True)
class ConnectionOptions:
    """kubectl's global connection flags, as the CLI parsed them (``None``/empty = not given)."""

    kubeconfig: str | None = None
    context: str | None = None
    cluster: str | None = None
    user: str | None = None
    server: str | None = None
    token: str | None = field(default=None, repr=False)
    certificate_authority: str | None = None
    client_certificate: str | None = None
    client_key: str | None = None
    insecure_skip_tls_verify: bool | None = None
    tls_server_name: str | None = None
    namespace: str | None = None
    impersonate: str | None = None
    impersonate_groups: tuple[str, ...] = ()
    impersonate_uid: str | None = None
    request_timeout: float | None = None
    chunk_size: int = 500


@dataclass(frozen=True)
class InClusterPaths:
    """Where a pod finds its service-account credentials (injectable for tests)."""

    token: str = "/var/run/secrets/kubernetes.io/serviceaccount/token"  # noqa: S105 - a path
    ca: str = "/var/run/secrets/kubernetes.io/serviceaccount/ca.crt"
    namespace: str = "/var/run/secrets/kubernetes.io/serviceaccount/namespace"


@dataclass(frozen=True)
class ClusterConnection:
    """Everything needed to talk to one API server: endpoint, TLS trust, credentials, defaults."""

    server: str
    cluster: ClusterEntry
    user: UserEntry
    context_name: str = ""
    cluster_name: str = ""
    user_name: str = ""
    namespace: str = "default"
    namespace_explicit: bool = False
    in_cluster: bool = False
    files: tuple[str, ...] = ()
    request_timeout: float | None = None
    chunk_size: int = 500
    warnings: tuple[str, ...] = ()

    @property
    def display_name(self) -> str:
        """A name for reports: the context, else the server."""
        return self.context_name or self.server


def _cwd_path(path: str | None) -> str:
    """Paths given on the command line are relative to the working directory."""
    return os.path.abspath(path) if path else ""


def _apply_cluster_overrides(cluster: ClusterEntry, opts: ConnectionOptions) -> ClusterEntry:
    changes: dict[str, Any] = {}
    if opts.server:
        changes["server"] = opts.server
        # A tls-server-name from the file belongs to the file's server, not to the override.
        changes["tls_server_name"] = opts.tls_server_name or ""
    elif opts.tls_server_name:
        changes["tls_server_name"] = opts.tls_server_name
    if opts.certificate_authority:
        changes["certificate_authority"] = _cwd_path(opts.certificate_authority)
        changes["certificate_authority_data"] = b""
        changes["insecure_skip_tls_verify"] = bool(opts.insecure_skip_tls_verify)
    elif opts.insecure_skip_tls_verify is not None:
        changes["insecure_skip_tls_verify"] = opts.insecure_skip_tls_verify
        if opts.insecure_skip_tls_verify:
            changes["certificate_authority"] = ""
            changes["certificate_authority_data"] = b""
    return replace(cluster, **changes) if changes else cluster


def _apply_user_overrides(user: UserEntry, opts: ConnectionOptions) -> UserEntry:
    changes: dict[str, Any] = {}
    if opts.token:
        changes["token"] = Secret(opts.token)
        changes["token_file"] = ""
    if opts.client_certificate:
        changes["client_certificate"] = _cwd_path(opts.client_certificate)
        changes["client_certificate_data"] = None
    if opts.client_key:
        changes["client_key"] = _cwd_path(opts.client_key)
        changes["client_key_data"] = None
    if opts.impersonate:
        changes["impersonate"] = opts.impersonate
    if opts.impersonate_groups:
        changes["impersonate_groups"] = tuple(opts.impersonate_groups)
    if opts.impersonate_uid:
        changes["impersonate_uid"] = opts.impersonate_uid
    return replace(user, **changes) if changes else user


def _with_scheme(cluster: ClusterEntry) -> ClusterEntry:
    """``host:port`` without a scheme means HTTPS (client-go picks https when TLS is configured; we always do)."""
    if cluster.server and "://" not in cluster.server:
        return replace(cluster, server="https://" + cluster.server)
    return cluster


def _validate_cluster(name: str, cluster: ClusterEntry) -> None:
    label = f"cluster {name!r}" if name else "the cluster"
    where = f" (from {cluster.origin})" if cluster.origin else ""
    if not cluster.server:
        raise KubeconfigError(f"no server found for {label}{where}")
    if cluster.insecure_skip_tls_verify and (cluster.certificate_authority or cluster.certificate_authority_data):
        raise KubeconfigError(
            f"{label}{where}: specifying a root certificates file with the insecure flag is not allowed"
        )


def _validate_user(name: str, user: UserEntry) -> list[str]:
    """client-go's ``validateAuthInfo``; returns warnings for discouraged but working set-ups."""
    label = f"user {name!r}" if name else "the user"
    where = f" (from {user.origin})" if user.origin else ""
    methods = user.methods()
    if len(methods) > 1:
        raise KubeconfigError(
            f"more than one authentication method found for {label}{where}; found {methods}, only one is allowed"
        )
    has_cert = bool(user.client_certificate or user.client_certificate_data)
    has_key = bool(user.client_key or user.client_key_data)
    if has_cert and not has_key:
        raise KubeconfigError(
            f"client-key-data or client-key must be specified for {label}{where} to use the clientCert "
            "authentication method"
        )
    if has_key and not has_cert:
        raise KubeconfigError(
            f"client-certificate-data or client-certificate must be specified for {label}{where} to use the "
            "clientCert authentication method"
        )
    if user.exec is not None:
        if user.auth_provider is not None:
            raise KubeconfigError(
                f"authProvider cannot be provided in combination with an exec plugin for {label}{where}"
            )
        if not user.exec.command:
            raise KubeconfigError(f"command must be specified for {label}{where} to use exec authentication plugin")
        if not user.exec.api_version:
            raise KubeconfigError(f"apiVersion must be specified for {label}{where} to use exec authentication plugin")
        if user.exec.api_version not in EXEC_API_VERSIONS:
            raise KubeconfigError(
                f"exec plugin for {label}{where}: unsupported apiVersion {user.exec.api_version!r} "
                f"(supported: {', '.join(sorted(EXEC_API_VERSIONS))})"
            )
        if any(not env_name for env_name, _ in user.exec.env):
            raise KubeconfigError(
                f"env variable name must be specified for {label}{where} to use exec authentication plugin"
            )
        if not user.exec.interactive_mode:
            raise KubeconfigError(
                f"interactiveMode must be specified for {label}{where} to use exec authentication plugin"
            )
        if user.exec.interactive_mode not in INTERACTIVE_MODES:
            raise KubeconfigError(
                f"invalid interactiveMode for {label}{where}: {user.exec.interactive_mode!r} "
                "(valid: Never, IfAvailable, Always)"
            )
    warnings: list[str] = []
    if "basicAuth" in methods:
        warnings.append(
            f"{label} uses basic authentication (username/password); it was removed from kube-apiserver in 1.19 "
            "and sends a static password with every request"
        )
    if user.auth_provider is not None:
        warnings.append(
            f"{label} uses the legacy auth-provider {user.auth_provider.name!r}; its stored token is used as is "
            "and never refreshed (use an exec credential plugin)"
        )
    return warnings


def _in_cluster(
    opts: ConnectionOptions, env: Mapping[str, str], paths: InClusterPaths, files: tuple[str, ...]
) -> ClusterConnection | None:
    host = env.get("KUBERNETES_SERVICE_HOST", "")
    port = env.get("KUBERNETES_SERVICE_PORT", "")
    if not host or not port or not os.path.isfile(paths.token):
        return None
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    cluster = ClusterEntry(server=f"https://{host}:{port}", certificate_authority=paths.ca, origin="in-cluster")
    user = UserEntry(token_file=paths.token, origin="in-cluster")
    cluster = _with_scheme(_apply_cluster_overrides(cluster, opts))
    user = _apply_user_overrides(user, opts)
    namespace = opts.namespace or env.get("POD_NAMESPACE", "")
    if not namespace:
        try:
            namespace = Path(paths.namespace).read_text().strip()
        except OSError:
            namespace = ""
    _validate_cluster("in-cluster", cluster)
    warnings = _validate_user("in-cluster", user)
    return ClusterConnection(
        server=cluster.server,
        cluster=cluster,
        user=user,
        namespace=namespace or "default",
        namespace_explicit=bool(opts.namespace),
        in_cluster=True,
        files=files,
        request_timeout=opts.request_timeout,
        chunk_size=opts.chunk_size,
        warnings=tuple(warnings),
    )


def resolve_connection(
    opts: ConnectionOptions,
    env: Mapping[str, str] | None = None,
    *,
    in_cluster: InClusterPaths | None = None,
    home: str | None = None,
) -> ClusterConnection:
    """Resolve kubectl flags + kubeconfig files (+ in-cluster fallback) into one connection.

    ``env`` defaults to ``os.environ`` (``KUBECONFIG``, ``HOME``, ``KUBERNETES_SERVICE_HOST/PORT``,
    ``POD_NAMESPACE``). Raises ``KubeconfigError`` with a message naming the file or entry at fault.
    """
    environ: Mapping[str, str] = os.environ if env is None else env
    paths, explicit = kubeconfig_paths(opts.kubeconfig, environ, home)
    config = load_kubeconfig(paths, explicit=explicit)
    in_cluster_paths = in_cluster or InClusterPaths()
    where = ", ".join(config.files) if config.files else "no kubeconfig file found (tried " + ", ".join(paths) + ")"

    context_name = opts.context or config.current_context
    context = ContextEntry()
    if context_name:
        found_context = config.contexts.get(context_name)
        if found_context is None:
            raise KubeconfigError(f"context was not found for specified context: {context_name} ({where})")
        context = found_context
    cluster_name = opts.cluster or context.cluster
    user_name = opts.user or context.user
    if cluster_name and cluster_name not in config.clusters:
        raise KubeconfigError(f"cluster {cluster_name!r} does not exist ({where})")
    if user_name and user_name not in config.users:
        raise KubeconfigError(f"auth info {user_name!r} does not exist ({where})")

    cluster = _apply_cluster_overrides(config.clusters.get(cluster_name, ClusterEntry()), opts)
    if cluster.is_empty():
        fallback = _in_cluster(opts, environ, in_cluster_paths, config.files)
        if fallback is not None:
            return fallback
        raise KubeconfigError(
            "invalid configuration: no configuration has been provided "
            f"({where}; not running in a cluster: KUBERNETES_SERVICE_HOST/PORT or the service-account token "
            "are missing); use --kubeconfig, KUBECONFIG or --server"
        )
    cluster = _with_scheme(cluster)
    _validate_cluster(cluster_name, cluster)
    user = _apply_user_overrides(config.users.get(user_name, UserEntry()), opts)
    warnings = _validate_user(user_name, user)
    return ClusterConnection(
        server=cluster.server,
        cluster=cluster,
        user=user,
        context_name=context_name,
        cluster_name=cluster_name,
        user_name=user_name,
        namespace=opts.namespace or context.namespace or "default",
        namespace_explicit=bool(opts.namespace),
        files=config.files,
        request_timeout=opts.request_timeout,
        chunk_size=opts.chunk_size,
        warnings=tuple(warnings),
    )


_DURATION = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)")
_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}


def parse_duration(text: str) -> float | None:
    """Parse kubectl's ``--request-timeout`` (``0``, ``30``, ``1m30s``, ``500ms``) into seconds.

    ``0`` (kubectl's default) means no timeout and returns ``None``; a bare number is seconds.
    """
    text = text.strip()
    if not text:
        raise ValueError("empty duration")
    if re.fullmatch(r"\d+(\.\d+)?", text):
        seconds = float(text)
    else:
        pos = 0
        seconds = 0.0
        for match in _DURATION.finditer(text):
            if match.start() != pos:
                break
            seconds += float(match.group(1)) * _UNITS[match.group(2)]
            pos = match.end()
        if pos != len(text):
            raise ValueError(f"invalid duration {text!r} (examples: 30s, 1m, 1h30m)")
    return seconds if seconds > 0 else None
