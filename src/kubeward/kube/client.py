"""A thin, thread-safe, read-only Kubernetes API client: ``httpx2`` for HTTP, ``msgspec`` for decoding.

Why not the official client: its typed models cost ~20 s and 2 GB for 100,000 pods, while decoding
straight into msgspec Structs that declare only the fields we analyse costs well under a second and
a few hundred MB (measurements in ``spec/conventions.md`` §A2.1). This client therefore does only
what a scanner needs, the way kubectl does it:

* lists are paged with ``limit``/``continue`` (``chunk_size``, 500 by default like ``kubectl get``)
  and handed out page by page, so callers can stream them to disk with flat memory;
* an expired continue token (``410 Gone``) restarts the list from scratch a bounded number of times;
  items already handed out are skipped by key (the API returns lists in etcd key order,
  ``namespace/name``), so a restart neither duplicates nor needs memory for what was seen;
* ``429`` and ``503`` answers with ``Retry-After`` are retried after the advised wait (bounded in count
  and length), like client-go;
* ``--request-timeout`` bounds each request as a whole, not just each socket read;
* a ``401`` gives the credential source one chance to refresh (exec plugin, rotated token file);
* errors are typed (``Unauthorized``, ``Forbidden``, ``NotFound``, ``Gone``, ``ApiError``,
  ``ConnectionFailed``/``RequestTimedOut``) and carry the server's reason, never a credential.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any, Generic, TypeVar
from urllib.parse import urlsplit

import httpx2
import msgspec

from kubeward import __version__
from kubeward.kube.auth import Authenticator, RequestCredentials, impersonation_header_list
from kubeward.kube.kubeconfig import ClusterConnection

T = TypeVar("T")

JSON = "application/json"
METADATA_LIST = "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1"
DEFAULT_CONNECT_TIMEOUT = 30.0
DEFAULT_READ_TIMEOUT = 300.0
MAX_RESPONSE_BYTES = 1024 * 1024 * 1024
USER_AGENT = f"kubeward/{__version__} ({sys.platform}) python/{sys.version_info.major}.{sys.version_info.minor}"


# --- errors ----------------------------------------------------------------------------------------


class KubeError(Exception):
    """Base of every error this client raises."""


class ConnectionFailed(KubeError):
    """The API server could not be reached, TLS failed, or the connection broke."""


class RequestTimedOut(ConnectionFailed):
    """A request did not complete within the request timeout."""


class ResponseError(KubeError):
    """The server answered with something that is not the expected JSON (or is too large)."""


class ApiError(KubeError):
    """The API server answered with an error status. ``reason`` is the Status reason (e.g. Forbidden)."""

    def __init__(self, status_code: int, reason: str, message: str, path: str) -> None:
        self.status_code = status_code
        self.reason = reason
        self.message = message
        self.path = path
        super().__init__(f"{status_code} {reason}: {message} (GET {path})")


class Unauthorized(ApiError):
    """401: no or rejected credentials."""


class Forbidden(ApiError):
    """403: authenticated but not allowed (RBAC)."""


class NotFound(ApiError):
    """404: object or resource does not exist (or is not served)."""


class Gone(ApiError):
    """410: the continue token (or resource version) expired."""


_ERRORS: dict[int, type[ApiError]] = {401: Unauthorized, 403: Forbidden, 404: NotFound, 410: Gone}


class _Status(msgspec.Struct):
    kind: str = ""
    message: str = ""
    reason: str = ""
    code: int = 0


_status_decoder = msgspec.json.Decoder(_Status)


def _api_error(status_code: int, body: bytes, path: str, default_reason: str) -> ApiError:
    reason, message = default_reason, ""
    try:
        status = _status_decoder.decode(body)
        reason = status.reason or default_reason
        message = status.message
    except (msgspec.DecodeError, msgspec.ValidationError):
        text = body[:300].decode("utf-8", "replace")
        message = "".join(ch if ch.isprintable() else " " for ch in text).strip()
    return _ERRORS.get(status_code, ApiError)(status_code, reason, message[:1000], path)


# --- list wire format ---------------------------------------------------------------------------------


class ListMeta(msgspec.Struct, frozen=True):
    """``metadata`` of a list response."""

    resourceVersion: str = ""
    continue_: str = msgspec.field(default="", name="continue")
    remainingItemCount: int | None = None


class WireList(msgspec.Struct, Generic[T], frozen=True):
    """A list response decoded with only the item fields of ``T``."""

    metadata: ListMeta = ListMeta()
    items: list[T] | None = None


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a list: its items and list metadata.

    ``restarted`` is True on the first page after a ``410 Gone`` restart (items already handed out
    before the restart are not repeated).
    """

    items: list[T]
    resource_version: str = ""
    continue_token: str = ""
    remaining_item_count: int | None = None
    number: int = 0
    restarted: bool = False


_decoders: dict[Any, msgspec.json.Decoder[Any]] = {}
_decoders_lock = threading.Lock()


def decoder_for(type_: Any) -> msgspec.json.Decoder[Any]:
    """One msgspec decoder per type for the whole process (building one is not free)."""
    decoder = _decoders.get(type_)
    if decoder is None:
        with _decoders_lock:
            decoder = _decoders.get(type_)
            if decoder is None:
                decoder = msgspec.json.Decoder(type_)
                _decoders[type_] = decoder
    return decoder


def item_key(item: object) -> str | None:
    """The etcd ordering key of a list item (``namespace/name`` or ``name``), if it has metadata."""
    metadata = getattr(item, "metadata", None)
    name = getattr(metadata, "name", None)
    if not isinstance(name, str):
        return None
    namespace = getattr(metadata, "namespace", "")
    return f"{namespace}/{name}" if namespace else name


# --- the client ------------------------------------------------------------------------------------------


def _retry_after(value: str | None) -> float | None:
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _env_proxy(server: str, environ: Mapping[str, str] | None = None) -> str | None:
    """The proxy Go's ``http.ProxyFromEnvironment`` would use; loopback is never proxied."""
    env = os.environ if environ is None else environ
    parts = urlsplit(server)
    host = (parts.hostname or "").lower()
    if host in ("localhost", "::1") or host.startswith("127."):
        return None
    name = "https_proxy" if parts.scheme == "https" else "http_proxy"
    proxy = env.get(name.upper()) or env.get(name)
    if not proxy:
        return None
    for entry in (env.get("NO_PROXY") or env.get("no_proxy") or "").split(","):
        entry = entry.strip().lower()
        if not entry:
            continue
        if entry == "*":
            return None
        bare = entry.split(":", 1)[0] if entry.count(":") == 1 else entry
        if host == bare.lstrip(".") or host.endswith("." + bare.lstrip(".")):
            return None
    return proxy


class KubeClient:
    """Read-only API client for one connection. Safe to share between threads."""

    def __init__(
        self,
        connection: ClusterConnection,
        *,
        authenticator: Authenticator | None = None,
        max_retries: int = 10,
        max_retry_wait: float = 60.0,
        max_relists: int = 3,
        max_response_bytes: int = MAX_RESPONSE_BYTES,
        pool_size: int = 16,
        user_agent: str = USER_AGENT,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._connection = connection
        self._auth = authenticator or Authenticator(connection)
        self._base = connection.server.rstrip("/")
        self._max_retries = max_retries
        self._max_retry_wait = max_retry_wait
        self._max_relists = max_relists
        self._max_response_bytes = max_response_bytes
        self._pool_size = pool_size
        self._user_agent = user_agent
        self._sleep = sleep
        self._timeout = connection.request_timeout
        self._lock = threading.Lock()
        self._http: httpx2.Client | None = None
        self._http_generation = -1
        self._retired: list[httpx2.Client] = []
        self._closed = False
        self._extensions: dict[str, Any] = {}
        if connection.cluster.tls_server_name:
            self._extensions["sni_hostname"] = connection.cluster.tls_server_name
        self._static_headers: list[tuple[str, str]] = [("User-Agent", user_agent)]
        if connection.cluster.disable_compression:
            self._static_headers.append(("Accept-Encoding", "identity"))
        self._static_headers.extend(impersonation_header_list(connection.user))

    @property
    def connection(self) -> ClusterConnection:
        """The connection this client talks to."""
        return self._connection

    @property
    def chunk_size(self) -> int:
        """Default page size for lists (``--chunk-size``; 0 = unpaged)."""
        return self._connection.chunk_size

    def __enter__(self) -> KubeClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close pooled connections."""
        with self._lock:
            self._closed = True
            clients = [*self._retired, *([self._http] if self._http is not None else [])]
            self._http = None
            self._retired = []
        for client in clients:
            client.close()

    # --- transport ----------------------------------------------------------------------------------

    def _client_for(self, tls_generation: int) -> httpx2.Client:
        with self._lock:
            if self._closed:
                raise ConnectionFailed("client is closed")
            if self._http is not None and self._http_generation == tls_generation:
                return self._http
            ssl_context, generation = self._auth.ssl_context()
            if self._timeout is not None:
                timeout = httpx2.Timeout(self._timeout)
            else:
                timeout = httpx2.Timeout(DEFAULT_READ_TIMEOUT, connect=DEFAULT_CONNECT_TIMEOUT)
            proxy = self._connection.cluster.proxy_url or _env_proxy(self._base)
            client = httpx2.Client(
                verify=ssl_context,
                timeout=timeout,
                limits=httpx2.Limits(max_connections=self._pool_size, max_keepalive_connections=self._pool_size),
                trust_env=False,
                proxy=proxy or None,
                follow_redirects=False,
            )
            if self._http is not None:
                self._retired.append(self._http)
            self._http = client
            self._http_generation = generation
            return client

    def _send(
        self, client: httpx2.Client, url: str, params: Mapping[str, str], headers: list[tuple[str, str]]
    ) -> tuple[int, httpx2.Headers, bytes]:
        deadline = time.monotonic() + self._timeout if self._timeout is not None else None
        with client.stream("GET", url, params=params, headers=headers, extensions=self._extensions) as response:
            chunks: list[bytes] = []
            size = 0
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > self._max_response_bytes:
                    raise ResponseError(f"response larger than {self._max_response_bytes} bytes")
                chunks.append(chunk)
                if deadline is not None and time.monotonic() > deadline:
                    raise httpx2.ReadTimeout("request deadline exceeded")
            return response.status_code, response.headers, b"".join(chunks)

    def request(self, path: str, *, params: Mapping[str, str] | None = None, accept: str | None = None) -> bytes:
        """GET ``path`` and return the body of a successful answer; raise a typed error otherwise."""
        url = self._base + path
        query = dict(params or {})
        retries = 0
        refreshed = False
        while True:
            credentials: RequestCredentials = self._auth.credentials()
            client = self._client_for(credentials.tls_generation)
            headers = [*self._static_headers, ("Accept", accept or JSON), *credentials.headers.items()]
            try:
                status, response_headers, body = self._send(client, url, query, headers)
            except httpx2.TimeoutException:
                limit = f" after {self._timeout:g}s" if self._timeout is not None else ""
                raise RequestTimedOut(f"GET {path}: request to {self._base} timed out{limit}") from None
            except httpx2.TransportError as exc:
                raise ConnectionFailed(f"GET {path}: cannot reach {self._base}: {exc}") from None
            if status < 400:
                return body
            if status == 401 and not refreshed and self._auth.unauthorized(credentials):
                refreshed = True
                continue
            if status in (429, 503) and retries < self._max_retries:
                wait = _retry_after(response_headers.get("Retry-After"))
                if wait is not None:
                    retries += 1
                    self._sleep(min(wait, self._max_retry_wait))
                    continue
            raise _api_error(status, body, path, httpx2.codes.get_reason_phrase(status) or "Error")

    # --- typed helpers -------------------------------------------------------------------------------

    def get_json(
        self,
        path: str,
        type: type[T],
        *,
        params: Mapping[str, str] | None = None,
        accept: str | None = None,
    ) -> T:
        """GET ``path`` and decode it as ``type`` (unknown fields are dropped while decoding)."""
        body = self.request(path, params=params, accept=accept)
        try:
            value: T = decoder_for(type).decode(body)
        except (msgspec.DecodeError, msgspec.ValidationError) as exc:
            raise ResponseError(f"GET {path}: unexpected response: {exc}") from None
        return value

    def list_pages(
        self,
        path: str,
        item_type: type[T],
        *,
        limit: int | None = None,
        accept: str | None = None,
        field_selector: str | None = None,
        label_selector: str | None = None,
    ) -> Iterator[Page[T]]:
        """List ``path`` page by page, each page decoded as ``WireList[item_type]``.

        ``limit`` defaults to the connection's chunk size (0 = one unpaged request). On ``410 Gone``
        for a continue token the list restarts (at most ``max_relists`` times) and skips the items
        already yielded; a 410 on the first request is raised.
        """
        decoder = decoder_for(WireList[item_type])  # type: ignore[valid-type]
        chunk = self.chunk_size if limit is None else limit
        continue_token = ""
        relists = 0
        number = 0
        restarted = False
        last_key: str | None = None
        skip_through: str | None = None
        while True:
            params: dict[str, str] = {}
            if chunk > 0:
                params["limit"] = str(chunk)
            if continue_token:
                params["continue"] = continue_token
            if field_selector:
                params["fieldSelector"] = field_selector
            if label_selector:
                params["labelSelector"] = label_selector
            try:
                body = self.request(path, params=params, accept=accept)
            except Gone:
                if not continue_token or relists >= self._max_relists:
                    raise
                relists += 1
                continue_token = ""
                restarted = True
                skip_through = last_key
                continue
            try:
                wire: WireList[T] = decoder.decode(body)
            except (msgspec.DecodeError, msgspec.ValidationError) as exc:
                raise ResponseError(f"GET {path}: unexpected list response: {exc}") from None
            items = wire.items or []
            if skip_through is not None:
                kept: list[T] = []
                for item in items:
                    key = item_key(item)
                    if skip_through is not None and key is not None and key <= skip_through:
                        continue
                    skip_through = None
                    kept.append(item)
                items = kept
            if items:
                key = item_key(items[-1])
                if key is not None:
                    last_key = key
            number += 1
            yield Page(
                items=items,
                resource_version=wire.metadata.resourceVersion,
                continue_token=wire.metadata.continue_,
                remaining_item_count=wire.metadata.remainingItemCount,
                number=number,
                restarted=restarted,
            )
            restarted = False
            continue_token = wire.metadata.continue_
            if not continue_token:
                return
