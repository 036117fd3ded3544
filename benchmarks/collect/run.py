"""Benchmark live collection: kubeward vs the official Python client vs kubectl, same server, same run.

Steps: generate the synthetic cluster (``generate.py``, cached per scale), serve it with the fixture
API server in a separate process over real TLS, then time, each as its own subprocess:

* ``kubeward collect --kubeconfig K -o BUNDLE`` (or, until that CLI command exists,
  ``python -m kubeward.collect.live --kubeconfig K -o BUNDLE``);
* the official ``kubernetes`` client listing the same big object types, typed, paged with
  ``limit=500`` as a user would, keeping the items;
* ``kubectl get <type> -A -o json`` per type (when kubectl is installed).

Wall time and peak RSS come from ``os.wait4`` on each child (its own ``ru_maxrss``). Targets for
kubeward on 2 cores: <= 10 s wall, <= 500 MB peak RSS.

    python benchmarks/collect/run.py [--scale 1.0] [--data DIR] [--skip-official] [--skip-kubectl]
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import generate  # noqa: E402

TOKEN = "bench-token-0123456789"  # noqa: S105 - the fixture server's benchmark token
BIG_TYPES = ("pods", "roles", "rolebindings", "serviceaccounts", "namespaces")

OFFICIAL_CLIENT = """
import sys
from kubernetes import client, config

config.load_kube_config(config_file=sys.argv[1])
core = client.CoreV1Api()
rbac = client.RbacAuthorizationV1Api()
calls = {
    "pods": core.list_pod_for_all_namespaces,
    "serviceaccounts": core.list_service_account_for_all_namespaces,
    "namespaces": core.list_namespace,
    "roles": rbac.list_role_for_all_namespaces,
    "rolebindings": rbac.list_role_binding_for_all_namespaces,
}
kept = {}
for name, call in calls.items():
    items, token = [], None
    while True:
        page = call(limit=500, _continue=token) if token else call(limit=500)
        items.extend(page.items)
        token = page.metadata._continue
        if not token:
            break
    kept[name] = items
print({k: len(v) for k, v in kept.items()})
"""


@dataclass
class Run:
    name: str
    wall: float
    rss_mb: float
    ok: bool
    note: str = ""


def timed(name: str, argv: list[str], *, env: dict[str, str] | None = None, timeout: float = 900) -> Run:
    """Run ``argv`` as a child; wall time and that child's own peak RSS (``os.wait4``).

    Output goes to temporary files, not pipes: a child printing more than a pipe buffer (kubectl's JSON)
    would otherwise block while we wait for it.
    """
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.monotonic()
        process = subprocess.Popen(argv, stdout=out, stderr=err, env=env)
        deadline = started + timeout
        timed_out = False
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() > deadline:
                process.kill()
                pid, status, usage = os.wait4(process.pid, 0)
                timed_out = True
                break
            time.sleep(0.005)
        wall = time.monotonic() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        # Only the tails matter (kubectl's JSON can be hundreds of MB).
        out.seek(max(0, os.fstat(out.fileno()).st_size - 4096))
        err.seek(max(0, os.fstat(err.fileno()).st_size - 4096))
        stdout = out.read().decode(errors="replace")
        stderr = err.read().decode(errors="replace")
    ok = process.returncode == 0 and not timed_out
    if timed_out:
        note = f"timed out after {timeout:g}s"
    elif ok:
        note = (stdout.strip().splitlines() or stderr.strip().splitlines() or [""])[-1][:200]
    else:
        note = f"exit {process.returncode}: {stderr.strip()[-300:]}"
    return Run(name, wall, usage.ru_maxrss / 1024, ok, note)


def kubeward_command(kubeconfig: Path, bundle: Path) -> tuple[list[str], str]:
    """Prefer the CLI (``kubeward collect``); fall back to the library's driver module."""
    cli = shutil.which("kubeward") or str(Path(sys.executable).parent / "kubeward")
    if os.access(cli, os.X_OK):
        probe = subprocess.run([cli, "collect", "--help"], capture_output=True, timeout=60)
        if probe.returncode == 0:
            return [cli, "collect", "--kubeconfig", str(kubeconfig), "-o", str(bundle)], "kubeward collect"
    module = [sys.executable, "-m", "kubeward.collect.live", "--kubeconfig", str(kubeconfig), "-o", str(bundle)]
    return module, "python -m kubeward.collect.live"


def start_server(data: Path, workdir: Path) -> tuple[subprocess.Popen[str], str, bytes]:
    from kubeward.testing.pki import TestCA

    ca = TestCA()
    cert, key = ca.issue_server("127.0.0.1").write(workdir, "server")
    process = subprocess.Popen(
        [sys.executable, "-m", "kubeward.testing.fixture_apiserver", "--data", str(data), "--port", "0",
         "--cert", str(cert), "--key", str(key), "--token", f"{TOKEN}=bench:system:masters"],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert process.stdout is not None
    line = process.stdout.readline()
    if not line.startswith("ready "):
        process.kill()
        raise SystemExit(f"fixture server did not start: {line!r}")
    print(f"server: {line.strip()}")
    return process, line.split()[1], ca.cert_pem


def write_kubeconfig(path: Path, url: str, ca_pem: bytes) -> Path:
    document = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "bench", "cluster": {"server": url,
                                                   "certificate-authority-data": base64.b64encode(ca_pem).decode()}}],
        "users": [{"name": "bench", "user": {"token": TOKEN}}],
        "contexts": [{"name": "bench", "context": {"cluster": "bench", "user": "bench"}}],
        "current-context": "bench",
    }  # fmt: skip
    path.write_text(json.dumps(document))
    path.chmod(0o600)
    return path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--data", type=Path, help="cluster directory (generated if missing)")
    parser.add_argument("--repeat", type=int, default=1, help="kubeward runs (best is reported)")
    parser.add_argument("--skip-official", action="store_true")
    parser.add_argument("--skip-kubectl", action="store_true")
    args = parser.parse_args()

    data = args.data or Path(tempfile.gettempdir()) / "kubeward-bench" / f"cluster-{args.scale:g}"
    if not (data / "COUNTS.txt").exists():
        started = time.monotonic()
        counts = generate.generate(data, args.scale)
        print(f"generated {counts} in {time.monotonic() - started:.1f}s")
    counts = json.loads((data / "COUNTS.txt").read_text())
    size = sum(p.stat().st_size for p in data.glob("*.json")) / 2**20
    print(f"cluster: {data} ({size:.0f} MiB of JSON): {counts}")

    workdir = Path(tempfile.mkdtemp(prefix="kubeward-bench-"))
    server, url, ca_pem = start_server(data, workdir)
    runs: list[Run] = []
    try:
        kubeconfig = write_kubeconfig(workdir / "kubeconfig", url, ca_pem)
        env = {**os.environ, "KUBECONFIG": str(kubeconfig), "HOME": str(workdir)}
        best: Run | None = None
        for attempt in range(args.repeat):
            bundle = workdir / f"bundle-{attempt}"
            argv, label = kubeward_command(kubeconfig, bundle)
            run = timed(f"kubeward ({label})", argv, env=env)
            print(f"  {run.name}: {run.wall:.2f}s, {run.rss_mb:.0f} MB, {run.note}")
            if run.ok:
                manifest = json.loads((bundle / "manifest.json").read_text())
                parts = {k: v["count"] for k, v in manifest["parts"].items()}
                missing = {k: (parts.get(k), v) for k, v in counts.items() if parts.get(k) != v}
                if missing:
                    run.ok, run.note = False, f"counts differ: {missing}"
            best = run if best is None or (run.ok and run.wall < best.wall) else best
        assert best is not None
        runs.append(best)

        if not args.skip_official:
            run = timed(
                "kubernetes client (typed, limit=500)",
                [sys.executable, "-c", OFFICIAL_CLIENT, str(kubeconfig)],
                env=env,
            )
            print(f"  {run.name}: {run.wall:.2f}s, {run.rss_mb:.0f} MB, {run.note}")
            runs.append(run)

        kubectl = shutil.which("kubectl") or ("/usr/bin/kubectl" if os.access("/usr/bin/kubectl", os.X_OK) else None)
        if kubectl and not args.skip_kubectl:
            total, peak, ok = 0.0, 0.0, True
            for kind in BIG_TYPES:
                argv = [kubectl, "--kubeconfig", str(kubeconfig), "--cache-dir", str(workdir / "kcache"),
                        "get", kind, "-A", "-o", "json"]  # fmt: skip
                run = timed(f"kubectl get {kind}", argv, env=env)
                print(f"  {run.name}: {run.wall:.2f}s, {run.rss_mb:.0f} MB")
                total += run.wall
                peak = max(peak, run.rss_mb)
                ok = ok and run.ok
            runs.append(Run(f"kubectl get -o json ({len(BIG_TYPES)} types)", total, peak, ok, "sum of walls, max RSS"))
        elif not args.skip_kubectl:
            print("  kubectl: not found, skipped")
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(workdir, ignore_errors=True)

    reference = runs[0]
    print()
    print(f"{'tool':<48} {'wall s':>8} {'peak RSS MB':>12} {'x wall':>8} {'x RSS':>7}  ok")
    for run in runs:
        print(
            f"{run.name:<48} {run.wall:>8.2f} {run.rss_mb:>12.0f} {run.wall / reference.wall:>8.1f} "
            f"{run.rss_mb / reference.rss_mb:>7.1f}  {'yes' if run.ok else 'NO: ' + run.note}"
        )
    target_ok = reference.ok and reference.wall <= 10 and reference.rss_mb <= 500
    print(f"\nkubeward target (<= 10 s, <= 500 MB on 2 cores): {'met' if target_ok else 'MISSED'}")
    return 0 if reference.ok else 1


if __name__ == "__main__":
    sys.exit(main())
