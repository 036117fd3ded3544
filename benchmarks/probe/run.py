"""Benchmark ``kubeward probe`` on 256 loopback endpoints.

    python benchmarks/probe/run.py [--endpoints 256] [--concurrency 64]

Starts one real server per endpoint on 127.0.0.1 (a quarter each: API server with anonymous on
but forbidden over TLS, kubelet with Webhook over TLS, the read-only port over plain HTTP, an API
server that lets anonymous requests read, over TLS), then times the CLI (a subprocess, interpreter
start included) probing one URL on each, with and without the per-port TLS version checks (4 extra
handshakes per TLS port). Target (issue 6 item 6): <= 10 s on 2 cores. Not a timed test: it prints, it does not assert.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from collections import Counter

import trustme

from kubeward.testing import exposure
from kubeward.testing.pki import KeyPair

KINDS = (
    ("apiserver", "https", "/api/v1/namespaces"),
    ("kubelet", "https", "/pods"),
    ("read-only", "http", "/pods"),
    ("apiserver-open", "https", "/api/v1/namespaces"),
)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--endpoints", type=int, default=256)
    parser.add_argument("--concurrency", type=int, default=64)
    args = parser.parse_args()
    ca = trustme.CA()
    issued = ca.issue_cert("127.0.0.1")
    pair = KeyPair(issued.cert_chain_pems[0].bytes(), issued.private_key_pem.bytes())
    context = exposure.server_context(pair)
    responders = {
        "apiserver": exposure.apiserver("forbidden"),
        "kubelet": exposure.kubelet(True, "Webhook"),
        "read-only": exposure.read_only_port(),
        "apiserver-open": exposure.apiserver("allowed"),
    }
    servers = []
    urls = []
    for index in range(args.endpoints):
        kind, scheme, path = KINDS[index % len(KINDS)]
        server = exposure.serve(responders[kind], context if scheme == "https" else None)
        servers.append(server)
        urls.append(f"{scheme}://127.0.0.1:{server.port}{path}")
    try:
        for label, extra in (("with TLS version checks", []), ("without TLS version checks", ["--no-tls-versions"])):
            started = time.perf_counter()
            done = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "kubeward.cli.main",
                    "probe",
                    *urls,
                    "-o",
                    "json",
                    "--timeout",
                    "5",
                    "--concurrency",
                    str(args.concurrency),
                    *extra,
                ],
                capture_output=True,
                check=False,
            )
            elapsed = time.perf_counter() - started
            run = json.loads(done.stdout)["run"]
            verdicts = Counter(p["verdict"] for p in run["endpoints"])
            print(
                f"probe {len(run['endpoints'])} loopback endpoints ({label}): {elapsed:.2f} s wall, "
                f"exit {done.returncode}, {len(run['tls'])} TLS ports, verdicts {dict(sorted(verdicts.items()))}"
            )
    finally:
        for server in servers:
            server.stop()


if __name__ == "__main__":
    main()
