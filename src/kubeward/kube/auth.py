"""Credentials for live API access: TLS trust, client certificates, bearer tokens and exec plugins.

This turns a resolved ``ClusterConnection`` into what each request needs (an ``ssl.SSLContext`` and
auth headers), following client-go's ``rest``/``transport`` and ``plugin/pkg/client/auth/exec``:

* CA from ``certificate-authority-data`` (in memory) or ``certificate-authority`` (file) replaces the
  system trust store; ``insecure-skip-tls-verify`` disables verification; ``tls-server-name`` is used
  for SNI and certificate verification (the client passes it per request).
* Client certificates come from files or from base64 data. Key data is loaded through an anonymous
  in-memory file (``memfd_create``) where the OS has it, else through a private 0700 directory with
  0600 files that is deleted right after loading: key material never lands anywhere others can read.
* The ``Authorization`` header comes from, in client-go's order: ``token`` / ``tokenFile`` (re-read
  when the file changes, e.g. projected service-account tokens), basic auth (discouraged), a legacy
  ``auth-provider``'s stored ``id-token``/``access-token`` (never refreshed), or an exec plugin.
* Exec plugins (``client.authentication.k8s.io/v1`` and ``v1beta1``) run with their args and env plus
  ``KUBERNETES_EXEC_INFO``; stdin is passed through only in interactive mode. The answer is cached
  until ``expirationTimestamp``; after a 401 the plugin is run again once.

Nothing here logs or formats a credential: tokens, keys and certificate data live in ``Secret``
objects and error messages name only users, files and commands.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import json
import os
import shutil
import ssl
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import msgspec

from kubeward.kube.kubeconfig import ClusterConnection, ExecConfig, KubeconfigError, Secret, UserEntry

EXEC_INFO_ENV = "KUBERNETES_EXEC_INFO"
MAX_EXEC_OUTPUT = 1024 * 1024


class AuthError(KubeconfigError):
    """Credentials could not be obtained (unreadable file, failing exec plugin, bad key pair)."""


# --- TLS -------------------------------------------------------------------------------------------


@contextlib.contextmanager
def private_files(*contents: bytes) -> Iterator[list[str]]:
    """Expose byte strings as file paths only this process can read, and remove them afterwards.

    Linux: anonymous memory files (``memfd_create``), reachable as ``/proc/self/fd/N`` by this
    process only and never written to disk. Elsewhere: a 0700 temporary directory with 0600 files,
    deleted as soon as the caller is done.
    """
    memfd_create = getattr(os, "memfd_create", None)
    if memfd_create is not None and os.path.isdir("/proc/self/fd"):
        fds: list[int] = []
        try:
            for content in contents:
                fd = memfd_create("kubeward-credential", getattr(os, "MFD_CLOEXEC", 0))
                fds.append(fd)
                os.write(fd, content)
            yield [f"/proc/self/fd/{fd}" for fd in fds]
        finally:
            for fd in fds:
                os.close(fd)
        return
    directory = tempfile.mkdtemp(prefix="kubeward-")  # created 0700
    try:
        paths: list[str] = []
        for index, content in enumerate(contents):
            path = os.path.join(directory, f"{index}.pem")
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as handle:
                handle.write(content)
            paths.append(path)
        yield paths
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def _read_file(path: str, what: str, whose: str) -> bytes:
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except OSError as exc:
        raise AuthError(f"unable to read {what} {path} for {whose}: {exc.strerror}") from None


def build_ssl_context(
    connection: ClusterConnection, client_cert: tuple[Secret, Secret] | None = None
) -> ssl.SSLContext:
    """The TLS context for ``connection``: its CA (or the system store), and a client certificate.

    ``client_cert`` (certificate, key) replaces the kubeconfig's certificate; exec plugins use it.
    """
    cluster = connection.cluster
    whose = f"cluster {connection.cluster_name!r}" if connection.cluster_name else "the cluster"
    if cluster.insecure_skip_tls_verify:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    elif cluster.certificate_authority_data:
        try:
            context = ssl.create_default_context(cadata=cluster.certificate_authority_data.decode("ascii", "replace"))
        except ssl.SSLError as exc:
            raise AuthError(
                f"certificate-authority-data of {whose} is not a valid PEM CA bundle ({exc.reason})"
            ) from None
    elif cluster.certificate_authority:
        ca = _read_file(cluster.certificate_authority, "certificate-authority", whose)
        try:
            context = ssl.create_default_context(cadata=ca.decode("ascii", "replace"))
        except ssl.SSLError as exc:
            raise AuthError(
                f"certificate-authority {cluster.certificate_authority} of {whose} is not a valid PEM CA bundle "
                f"({exc.reason})"
            ) from None
    else:
        context = ssl.create_default_context()
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    pair = client_cert if client_cert is not None else _kubeconfig_client_cert(connection)
    if pair is not None:
        _load_client_cert(context, pair, connection.user_name)
    return context


def _kubeconfig_client_cert(connection: ClusterConnection) -> tuple[Secret, Secret] | None:
    user = connection.user
    whose = f"user {connection.user_name!r}" if connection.user_name else "the user"
    if user.client_certificate_data is not None:
        cert = user.client_certificate_data
    elif user.client_certificate:
        cert = Secret(_read_file(user.client_certificate, "client-certificate", whose))
    else:
        return None
    if user.client_key_data is not None:
        key = user.client_key_data
    elif user.client_key:
        key = Secret(_read_file(user.client_key, "client-key", whose))
    else:
        return None
    return cert, key


def _load_client_cert(context: ssl.SSLContext, pair: tuple[Secret, Secret], user_name: str) -> None:
    whose = f"user {user_name!r}" if user_name else "the user"
    with private_files(pair[0].reveal(), pair[1].reveal()) as (cert_path, key_path):
        try:
            context.load_cert_chain(cert_path, key_path)
        except ssl.SSLError as exc:
            raise AuthError(
                f"client certificate and key of {whose} cannot be used ({exc.reason or 'invalid PEM data'})"
            ) from None


# --- token sources ---------------------------------------------------------------------------------


class _FileToken:
    """A ``tokenFile`` re-read whenever it changes (projected SA tokens rotate under our feet)."""

    def __init__(self, path: str, whose: str) -> None:
        self._path = path
        self._whose = whose
        self._stamp: tuple[int, int, int] | None = None
        self._token: Secret | None = None

    def get(self, force: bool = False) -> Secret:
        try:
            st = os.stat(self._path)
        except OSError as exc:
            raise AuthError(f"unable to read tokenFile {self._path} for {self._whose}: {exc.strerror}") from None
        stamp = (st.st_mtime_ns, st.st_size, st.st_ino)
        if force or self._token is None or stamp != self._stamp:
            raw = _read_file(self._path, "tokenFile", self._whose).strip()
            if not raw:
                raise AuthError(f"tokenFile {self._path} for {self._whose} is empty")
            self._token = Secret(raw)
            self._stamp = stamp
        return self._token


class ExecStatus(msgspec.Struct, frozen=True, omit_defaults=True):
    """``status`` of an ExecCredential."""

    token: str = ""
    clientCertificateData: str = ""
    clientKeyData: str = ""
    expirationTimestamp: str | None = None


class ExecCredential(msgspec.Struct, frozen=True, omit_defaults=True):
    """What an exec plugin prints on stdout."""

    kind: str = ""
    apiVersion: str = ""
    status: ExecStatus | None = None


@dataclass(frozen=True)
class ExecResult:
    """Credentials from one exec plugin run."""

    token: Secret | None = field(default=None, repr=False)
    client_cert: tuple[Secret, Secret] | None = field(default=None, repr=False)
    expiry: dt.datetime | None = None


ExecRunner = Callable[[list[str], Mapping[str, str], bool], bytes]


def _default_runner(argv: list[str], env: Mapping[str, str], interactive: bool) -> bytes:
    """Run the plugin: stdout captured, stderr passed through (prompts), stdin only when interactive."""
    try:
        completed = subprocess.run(
            argv,
            env=dict(env),
            stdin=None if interactive else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=None,
            check=False,
        )
    except FileNotFoundError:
        raise _ExecNotFound from None
    except PermissionError:
        raise AuthError(f"exec plugin {argv[0]} is not executable") from None
    if completed.returncode != 0:
        raise AuthError(f"exec plugin {argv[0]} failed with exit code {completed.returncode}")
    if len(completed.stdout) > MAX_EXEC_OUTPUT:
        raise AuthError(f"exec plugin {argv[0]} printed more than {MAX_EXEC_OUTPUT} bytes")
    return completed.stdout


class _ExecNotFound(Exception):
    pass


def _stdin_is_terminal() -> bool:
    try:
        return sys.stdin is not None and sys.stdin.isatty()
    except (ValueError, OSError):
        return False


def _parse_time(text: str) -> dt.datetime:
    value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value


class ExecPlugin:
    """A client-go compatible exec credential plugin, cached until its credentials expire."""

    def __init__(
        self,
        config: ExecConfig,
        connection: ClusterConnection,
        *,
        runner: ExecRunner | None = None,
        stdin_is_terminal: Callable[[], bool] | None = None,
        environ: Mapping[str, str] | None = None,
        clock: Callable[[], dt.datetime] | None = None,
    ) -> None:
        self._config = config
        self._connection = connection
        self._runner = runner or _default_runner
        self._is_terminal = stdin_is_terminal or _stdin_is_terminal
        self._environ = environ
        self._clock = clock or (lambda: dt.datetime.now(dt.UTC))
        self._cached: ExecResult | None = None
        self._runs = 0

    @property
    def runs(self) -> int:
        """How often the plugin was run (for tests and diagnostics)."""
        return self._runs

    def exec_info(self, interactive: bool) -> str:
        """The ``KUBERNETES_EXEC_INFO`` value, shaped like client-go's ExecCredential encoding."""
        spec: dict[str, Any] = {"interactive": interactive}
        if self._config.provide_cluster_info:
            cluster = self._connection.cluster
            info: dict[str, Any] = {"server": self._connection.server}
            if cluster.tls_server_name:
                info["tls-server-name"] = cluster.tls_server_name
            if cluster.insecure_skip_tls_verify:
                info["insecure-skip-tls-verify"] = True
            ca = cluster.certificate_authority_data
            if not ca and cluster.certificate_authority:
                ca = _read_file(cluster.certificate_authority, "certificate-authority", "the exec plugin")
            if ca:
                info["certificate-authority-data"] = base64.b64encode(ca).decode()
            if cluster.proxy_url:
                info["proxy-url"] = cluster.proxy_url
            if cluster.disable_compression:
                info["disable-compression"] = True
            if cluster.exec_extension is not None:
                info["config"] = cluster.exec_extension
            spec["cluster"] = info
        return json.dumps({"kind": "ExecCredential", "apiVersion": self._config.api_version, "spec": spec})

    def _interactive(self) -> bool:
        mode = self._config.interactive_mode
        if mode == "Never":
            return False
        terminal = self._is_terminal()
        if mode == "Always" and not terminal:
            raise AuthError(
                f"exec plugin {self._config.command} requires interactive mode (interactiveMode: Always) "
                "but standard input is not a terminal"
            )
        return terminal

    def _run(self) -> ExecResult:
        config = self._config
        interactive = self._interactive()
        env = dict(os.environ if self._environ is None else self._environ)
        env.update(dict(config.env))
        env[EXEC_INFO_ENV] = self.exec_info(interactive)
        argv = [config.command, *config.args]
        self._runs += 1
        try:
            output = self._runner(argv, env, interactive)
        except _ExecNotFound:
            hint = f"\n\n{config.install_hint}" if config.install_hint else ""
            raise AuthError(f"exec plugin: executable {config.command} not found{hint}") from None
        try:
            credential = msgspec.json.decode(output, type=ExecCredential)
        except msgspec.DecodeError:
            raise AuthError(f"exec plugin {config.command} did not print a valid ExecCredential") from None
        if credential.kind != "ExecCredential" or credential.apiVersion != config.api_version:
            raise AuthError(
                f"exec plugin {config.command} is configured to use API version {config.api_version}, "
                f"plugin returned version {credential.apiVersion or '(none)'}"
            )
        status = credential.status
        if status is None:
            raise AuthError(f"exec plugin {config.command} didn't return a status field")
        if not status.token and not status.clientCertificateData and not status.clientKeyData:
            raise AuthError(f"exec plugin {config.command} didn't return a token or cert/key pair")
        if bool(status.clientCertificateData) != bool(status.clientKeyData):
            raise AuthError(f"exec plugin {config.command} returned only certificate or key, not both")
        expiry: dt.datetime | None = None
        if status.expirationTimestamp:
            try:
                expiry = _parse_time(status.expirationTimestamp)
            except ValueError:
                raise AuthError(f"exec plugin {config.command} returned an invalid expirationTimestamp") from None
        pair = None
        if status.clientCertificateData:
            pair = (Secret(status.clientCertificateData), Secret(status.clientKeyData))
        return ExecResult(token=Secret(status.token) if status.token else None, client_cert=pair, expiry=expiry)

    def current(self) -> ExecResult:
        """Cached credentials, re-running the plugin when they have expired."""
        cached = self._cached
        if cached is None or (cached.expiry is not None and self._clock() >= cached.expiry):
            cached = self._run()
            self._cached = cached
        return cached

    def refresh(self) -> ExecResult:
        """Run the plugin again (after a 401)."""
        self._cached = self._run()
        return self._cached


# --- the authenticator ---------------------------------------------------------------------------


@dataclass(frozen=True)
class RequestCredentials:
    """What one request carries: headers (may hold a secret) and the credential generation used."""

    headers: Mapping[str, str] = field(repr=False)
    generation: int = 0
    tls_generation: int = 0


class Authenticator:
    """Thread-safe source of TLS contexts and auth headers for one connection."""

    def __init__(
        self,
        connection: ClusterConnection,
        *,
        exec_runner: ExecRunner | None = None,
        stdin_is_terminal: Callable[[], bool] | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self._connection = connection
        self._lock = threading.RLock()
        self._generation = 0
        self._tls_generation = 0
        user = connection.user
        whose = f"user {connection.user_name!r}" if connection.user_name else "the user"
        # Credentials are only sent over TLS, like client-go (``IsConfigTransportTLS``).
        self._secure = connection.server.lower().startswith("https://")
        self._file_token = _FileToken(user.token_file, whose) if user.token_file and not user.token else None
        self._exec: ExecPlugin | None = None
        if user.exec is not None:
            self._exec = ExecPlugin(
                user.exec, connection, runner=exec_runner, stdin_is_terminal=stdin_is_terminal, environ=environ
            )
        self._provider_token = _auth_provider_token(user, whose)
        self._exec_cert: tuple[Secret, Secret] | None = None
        self._ssl: ssl.SSLContext | None = None
        self._last_token: Secret | None = None

    @property
    def exec_plugin(self) -> ExecPlugin | None:
        """The exec plugin, if the user has one."""
        return self._exec

    def ssl_context(self) -> tuple[ssl.SSLContext, int]:
        """The current TLS context and its generation (it changes when an exec plugin rotates certs).

        Call ``credentials()`` first: that is what runs an exec plugin that supplies the certificate.
        """
        with self._lock:
            if self._ssl is None:
                self._ssl = build_ssl_context(self._connection, self._exec_cert)
            return self._ssl, self._tls_generation

    def _needs_exec(self) -> bool:
        """Whether the exec plugin supplies the Authorization header or the client certificate."""
        user = self._connection.user
        return not (user.token or self._file_token or user.username or self._provider_token)

    def _exec_credentials(self, refresh: bool = False) -> ExecResult:
        assert self._exec is not None
        result = self._exec.refresh() if refresh else self._exec.current()
        if result.client_cert is not None and result.client_cert != self._exec_cert:
            self._exec_cert = result.client_cert
            self._ssl = None
            self._tls_generation += 1
        return result

    def credentials(self) -> RequestCredentials:
        """Headers for the next request."""
        with self._lock:
            headers = _impersonation_headers(self._connection.user)
            if self._secure:
                token = self._bearer()
                if token is not None:
                    if token != self._last_token:
                        self._last_token = token
                        self._generation += 1
                    headers["Authorization"] = "Bearer " + token.text()
                elif self._connection.user.username or self._connection.user.password:
                    user = self._connection.user
                    password = user.password.text() if user.password is not None else ""
                    basic = base64.b64encode(f"{user.username}:{password}".encode()).decode()
                    headers["Authorization"] = "Basic " + basic
            return RequestCredentials(headers=headers, generation=self._generation, tls_generation=self._tls_generation)

    def _bearer(self) -> Secret | None:
        user = self._connection.user
        if user.token:
            return user.token
        if self._file_token is not None:
            return self._file_token.get()
        if user.username or user.password:
            return None
        if self._provider_token is not None:
            return self._provider_token
        if self._exec is not None:
            return self._exec_credentials().token
        return None

    def unauthorized(self, used: RequestCredentials) -> bool:
        """Handle a 401: refresh what can be refreshed; True when a retry may succeed."""
        with self._lock:
            if used.generation != self._generation or used.tls_generation != self._tls_generation:
                return True  # another thread already refreshed
            if self._file_token is not None:
                before = self._last_token
                token = self._file_token.get(force=True)
                return token != before
            if self._exec is not None and self._needs_exec():
                before_token, before_tls = self._last_token, self._tls_generation
                result = self._exec_credentials(refresh=True)
                changed = result.token != before_token or self._tls_generation != before_tls
                if result.token is not None and result.token != self._last_token:
                    self._last_token = result.token
                    self._generation += 1
                return changed
            return False


def _auth_provider_token(user: UserEntry, whose: str) -> Secret | None:
    provider = user.auth_provider
    if provider is None:
        return None
    for key in ("id-token", "access-token"):
        value = provider.config.get(key)
        if value:
            return value
    raise AuthError(
        f"{whose}: auth-provider {provider.name!r} has no stored id-token or access-token; legacy auth providers "
        "are not refreshed by kubeward (use an exec credential plugin)"
    )


def _impersonation_headers(user: UserEntry) -> dict[str, str]:
    headers: dict[str, str] = {}
    if user.impersonate:
        headers["Impersonate-User"] = user.impersonate
    if user.impersonate_uid:
        headers["Impersonate-Uid"] = user.impersonate_uid
    return headers


def impersonation_header_list(user: UserEntry) -> list[tuple[str, str]]:
    """Repeated impersonation headers (groups, extras), which a dict cannot hold."""
    pairs: list[tuple[str, str]] = [("Impersonate-Group", group) for group in user.impersonate_groups]
    for key, values in user.impersonate_extra:
        pairs.extend((f"Impersonate-Extra-{key}", value) for value in values)
    return pairs
