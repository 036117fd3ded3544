"""Running a probe: every request and every TLS check on a bounded thread pool.

Each request has its own timeout (connect, handshake, send and every read share it); the whole
run has a global deadline after which what did not finish is reported as ``error`` (``not probed
within the deadline``). Threads rather than asyncio: the work is a few hundred short socket
exchanges, the standard library's blocking ``ssl`` is the simplest faithful client, and a pool
bounds the concurrency.
"""

import datetime as dt
import socket
import time
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Any

from kubeward.inventory.probes import EndpointProbe, ProbeRun, TlsFacts, Vantage
from kubeward.probe.classify import classify
from kubeward.probe.targets import Request, expand
from kubeward.probe.tls import tls_facts
from kubeward.probe.wire import Answer, get

DEFAULT_TIMEOUT = 5.0
DEFAULT_CONCURRENCY = 64
DEFAULT_DEADLINE = 120.0


@dataclass(frozen=True)
class ProbeOptions:
    """Bounds of one run."""

    timeout: float = DEFAULT_TIMEOUT
    concurrency: int = DEFAULT_CONCURRENCY
    deadline: float = DEFAULT_DEADLINE
    tls_versions: bool = True


def _utc() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _probe_one(request: Request, timeout: float) -> tuple[EndpointProbe, Answer]:
    endpoint = request.endpoint
    if request.scheme == "auto":
        answer = get(request.host, request.port, endpoint.path, tls=True, timeout=timeout, tls12=True)
        if answer.tls_error and "VERSION" in answer.tls_error.upper() and not answer.plain_http_on_tls_port:
            answer = get(request.host, request.port, endpoint.path, tls=True, timeout=timeout)  # TLS 1.3 only
        if answer.plain_http_on_tls_port:
            plain = get(request.host, request.port, endpoint.path, tls=False, timeout=timeout)
            url = request.url.replace("https://", "http://", 1)
            return classify(url, endpoint, plain), plain
        return classify(request.url, endpoint, answer), answer
    answer = get(request.host, request.port, endpoint.path, tls=request.scheme == "https", timeout=timeout)
    return classify(request.url, endpoint, answer), answer


def run_probe(
    targets: Sequence[str],
    options: ProbeOptions = ProbeOptions(),
    *,
    requests: Sequence[Request] | None = None,
    on_result: Callable[[EndpointProbe], None] | None = None,
) -> ProbeRun:
    """Probe ``targets`` (see ``kubeward.probe.targets``); raises ``TargetError`` for a bad target."""
    planned = list(requests) if requests is not None else [r for t in targets for r in expand(t)]
    started = _utc()
    clock = time.monotonic()
    results: dict[int, EndpointProbe] = {}
    sources: set[str] = set()
    tls_ports = sorted({(r.host, r.port) for r in planned if r.scheme in ("https", "auto")})
    tls_results: dict[tuple[str, int], TlsFacts] = {}
    pool = ThreadPoolExecutor(max_workers=max(1, options.concurrency), thread_name_prefix="kubeward-probe")
    try:
        request_futures: dict[Future[tuple[EndpointProbe, Answer]], int] = {
            pool.submit(_probe_one, request, options.timeout): index for index, request in enumerate(planned)
        }
        tls_futures: dict[Future[TlsFacts], tuple[str, int]] = {
            pool.submit(tls_facts, host, port, options.timeout, versions=options.tls_versions): (host, port)
            for host, port in tls_ports
        }
        pending: set[Future[Any]] = {*request_futures, *tls_futures}
        while pending:
            left = options.deadline - (time.monotonic() - clock)
            if left <= 0:
                break
            done, pending = wait(pending, timeout=left, return_when=FIRST_COMPLETED)
            for future in done:
                if future in request_futures:
                    probe, answer = future.result()
                    results[request_futures[future]] = probe
                    if answer.source_address:
                        sources.add(answer.source_address)
                    if on_result is not None:
                        on_result(probe)
                else:
                    tls_results[tls_futures[future]] = future.result()
        for future in pending:
            future.cancel()
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
    endpoints = []
    for index, request in enumerate(planned):
        probe = results.get(index)
        if probe is None:
            probe = EndpointProbe(
                url=request.url,
                component=request.endpoint.component,
                verdict="error",
                meaning=f"not probed within the {options.deadline:g}s deadline",
                error="deadline",
            )
        endpoints.append(probe)
    answered_tls = {(r.host, r.port) for r, e in zip(planned, endpoints, strict=True) if e.tls}
    tls = tuple(tls_results[key] for key in tls_ports if key in tls_results and key in answered_tls)
    return ProbeRun(
        vantage=Vantage(host=socket.gethostname(), source_addresses=tuple(sorted(sources))),
        started=started,
        finished=_utc(),
        targets=tuple(targets),
        endpoints=tuple(endpoints),
        tls=tls,
    )
