"""Benchmark ``kubeward kubeconfig scan`` on a 50,000-file folder tree, against ``grep -rl``.

    python benchmarks/kubeconfig/run.py [--files 50000] [--keep DIR]

Generates a tree that looks like a monorepo checkout: source files, Kubernetes manifests (many with
``users:``/``clusters:``-free YAML, some with a ``users:`` key to defeat the cheapest prefilter),
JSON, binaries, a few large files, 20 kubeconfigs under unremarkable names and 5 CI files with a
base64-embedded kubeconfig. Then times, in the same run and on the same warm page cache, the CLI
(subprocess, interpreter start included; no git history since the tree is not a repository) and
``grep -rl 'kind: Config'`` — which finds only the plain kubeconfigs that spell ``kind: Config``
exactly, none of the embedded ones. Target (issue 6 item 6): <= 20 s on 2 cores.
Not a timed test: it prints, it does not assert.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from kubeward.testing.kubeconfigs import kubeconfig

SOURCE = "".join(
    f"def function_{i}(value):\n    return value * {i}  # users and clusters are mentioned here\n" for i in range(30)
)
MANIFEST = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: app-{n}
  namespace: web
spec:
  replicas: 2
  template:
    spec:
      containers:
      - name: app
        image: registry.example.com/app:{n}
"""
USERS_YAML = "users:\n  - name: alice\n    email: alice@example.com\ngroups: [dev]\n"


def generate(root: Path, files: int, seed: int = 6) -> dict[str, int]:
    rng = random.Random(seed)
    per_dir = 100
    counts = {"kubeconfig": 0, "embedded": 0, "binary": 0, "large": 0}
    special = set(rng.sample(range(files), 25))
    embedded_at = set(sorted(special)[:5])
    for index in range(files):
        directory = root / f"svc-{index // (per_dir * 10):03d}" / f"pkg-{(index // per_dir) % 10}"
        if index % per_dir == 0:
            directory.mkdir(parents=True, exist_ok=True)
        if index in embedded_at:
            blob = base64.b64encode(kubeconfig(user={"token": f"ci-{index}"}, name=f"ci{index}").encode()).decode()
            (directory / f"pipeline-{index}.yml").write_text(f"variables:\n  KUBECONFIG_DATA: {blob}\n")
            counts["embedded"] += 1
        elif index in special:
            (directory / f"settings-{index}").write_text(kubeconfig(user={"token": f"tok-{index}"}, name=f"c{index}"))
            counts["kubeconfig"] += 1
        elif index % 97 == 0:
            (directory / f"asset-{index}.bin").write_bytes(os.urandom(4096))
            counts["binary"] += 1
        elif index % 4999 == 0:
            (directory / f"dump-{index}.log").write_text("x" * (6 * 1024 * 1024))
            counts["large"] += 1
        elif index % 5 == 0:
            (directory / f"deploy-{index}.yaml").write_text(MANIFEST.format(n=index))
        elif index % 7 == 0:
            (directory / f"users-{index}.yaml").write_text(USERS_YAML)
        elif index % 11 == 0:
            (directory / f"data-{index}.json").write_text(json.dumps({"id": index, "tags": ["a", "b"]}))
        else:
            (directory / f"module_{index}.py").write_text(SOURCE)
    return counts


def timed(argv: list[str]) -> tuple[float, subprocess.CompletedProcess[bytes]]:
    started = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, check=False)
    return time.perf_counter() - started, done


def history(root: Path) -> None:
    """Commit the tree, delete three kubeconfigs, and time the scan with git history."""
    env = {**os.environ, "GIT_AUTHOR_NAME": "b", "GIT_AUTHOR_EMAIL": "b@x", "GIT_COMMITTER_NAME": "b"}
    env["GIT_COMMITTER_EMAIL"] = "b@x"

    def git(*argv: str) -> None:
        subprocess.run(["git", "-C", str(root), *argv], check=True, capture_output=True, env=env)

    started = time.perf_counter()
    git("init", "-q")
    git("add", "-A")
    git("commit", "-q", "-m", "tree")
    deleted = sorted(root.rglob("settings-*"))[:3]
    for path in deleted:
        path.unlink()
    git("add", "-A")
    git("commit", "-q", "-m", "delete three kubeconfigs")
    print(f"git: committed the tree and deleted 3 kubeconfigs in {time.perf_counter() - started:.1f} s")
    scan_s, scan = timed([sys.executable, "-m", "kubeward.cli.main", "kubeconfig", "scan", str(root), "-o", "json"])
    report = json.loads(scan.stdout)
    in_history = {f["resource"]["name"].split("#")[0] for f in report["findings"] if "@" in f["resource"]["name"]}
    print(
        f"kubeward kubeconfig scan with git history: {scan_s:.2f} s, {len(in_history)} kubeconfigs found only "
        f"in history ({scan.stderr.decode().strip().splitlines()[0]})"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=50_000)
    parser.add_argument("--keep", help="generate into this folder and keep it")
    parser.add_argument(
        "--git",
        action="store_true",
        help="also commit the tree, delete 3 kubeconfigs in a second commit, and time a scan with history",
    )
    args = parser.parse_args()
    root = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="kubeward-kc-bench-"))
    try:
        started = time.perf_counter()
        counts = generate(root, args.files)
        print(f"generated {args.files} files in {time.perf_counter() - started:.1f} s: {counts}")
        subprocess.run(["grep", "-rl", "kind: Config", str(root)], capture_output=True, check=False)  # warm the cache
        grep_s, grep = timed(["grep", "-rl", "kind: Config", str(root)])
        scan_s, scan = timed(
            [sys.executable, "-m", "kubeward.cli.main", "kubeconfig", "scan", str(root), "-o", "json", "--no-history"]
        )
        report = json.loads(scan.stdout)
        kubeconfigs = len({f["resource"]["name"].split("#")[0] for f in report["findings"]})
        print(f"grep -rl 'kind: Config': {grep_s:.2f} s, {len(grep.stdout.splitlines())} files")
        print(
            f"kubeward kubeconfig scan: {scan_s:.2f} s, {kubeconfigs} kubeconfigs "
            f"(exit {scan.returncode}; {scan.stderr.decode().strip().splitlines()[0]})"
        )
        print(f"ratio kubeward / grep: {scan_s / grep_s:.1f}x")
        if args.git:
            history(root)
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
