"""Benchmark ``kubeward audit hunt`` against what people run today: one ``jq`` pipeline per question.

    python benchmarks/audit/run.py [--size-mb 1024] [--workdir /tmp/kubeward-audit-bench]

Targets on 2 cores (issue 5 item 8): on 1 GiB, the hunt answering all 13 questions in one pass is >= 10x faster
than three jq queries (Secret reads, RBAC changes, failed authentication) run one after another, reads
>= 400 MB/s, and peaks at <= 1 GB RSS whatever the size; on gzip input it takes <= 1.5x the time of ``zcat``
alone. Everything is measured in this run on the same generated files; jq and zcat must be on PATH
(``apt-get install jq``), psutil installed (the test extra has it). Peak RSS is the sum over the hunt's
processes. Not a timed test: it prints, it does not assert.
"""

from __future__ import annotations

import argparse
import gzip
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import generate  # noqa: E402
import psutil  # noqa: E402

JQ_QUERIES = {
    "secret reads": (
        'select(.objectRef.resource == "secrets" and (.verb == "get" or .verb == "list" or .verb == "watch"))'
    ),
    "RBAC changes": (
        'select(.objectRef.apiGroup == "rbac.authorization.k8s.io" and '
        '(.verb == "create" or .verb == "update" or .verb == "patch" or .verb == "delete"))'
    ),
    "failed authentication": "select(.responseStatus.code == 401)",
}


def run(command: list[str]) -> tuple[float, float]:
    """Wall seconds and the peak RSS (MB) of the command's whole process tree (its workers included), sampled
    every 100 ms."""
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
    peak = 0
    tree = psutil.Process(process.pid)
    while process.poll() is None:
        try:
            members = [tree, *tree.children(recursive=True)]
            peak = max(peak, sum(m.memory_info().rss for m in members))
        except psutil.Error:
            pass
        time.sleep(0.1)
    elapsed = time.perf_counter() - start
    if process.returncode not in (0, 1, 3):
        raise subprocess.CalledProcessError(process.returncode, command)
    return elapsed, peak / 1e6


def ensure_logs(workdir: Path, size_mb: int) -> tuple[Path, Path]:
    plain = workdir / f"audit-{size_mb}mb.log"
    packed = workdir / f"audit-{size_mb}mb.log.gz"
    if not plain.exists():
        print(f"generating {plain} ...", file=sys.stderr)
        with plain.open("wb") as out:
            generate.generate(out, size_mb << 20, seed=7)
    if not packed.exists():
        print(f"compressing {packed} (gzip -6, as lumberjack's compress does by default) ...", file=sys.stderr)
        with plain.open("rb") as source, gzip.open(packed, "wb", compresslevel=6) as out:
            shutil.copyfileobj(source, out, 1 << 20)
    return plain, packed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=int, default=1024)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/kubeward-audit-bench"))
    args = parser.parse_args()
    for tool in ("jq", "zcat"):
        if shutil.which(tool) is None:
            sys.exit(f"{tool} not found: apt-get install {'jq' if tool == 'jq' else 'gzip'}")
    args.workdir.mkdir(parents=True, exist_ok=True)
    plain, packed = ensure_logs(args.workdir, args.size_mb)
    size_mb = plain.stat().st_size / 1e6
    kubeward = [sys.executable, "-m", "kubeward.cli.main", "audit", "hunt", "-o", "json"]
    print(f"log: {plain} ({size_mb:,.0f} MB, {packed.stat().st_size / 1e6:,.0f} MB gzip); {os.cpu_count()} cores")

    hunt_s, hunt_rss = run([*kubeward, str(plain)])
    print(f"kubeward audit hunt (13 questions, one pass): {hunt_s:6.2f} s  {size_mb / hunt_s:6.0f} MB/s  "
          f"peak RSS {hunt_rss:,.0f} MB")  # fmt: skip
    jq_total = 0.0
    for name, query in JQ_QUERIES.items():
        seconds, _ = run(["jq", "-c", query, str(plain)])
        jq_total += seconds
        print(f"jq {name:<24}: {seconds:6.2f} s  {size_mb / seconds:6.0f} MB/s")
    print(f"jq, three queries one after another: {jq_total:6.2f} s")
    zcat_s, _ = run(["zcat", str(packed)])
    gz_s, gz_rss = run([*kubeward, str(packed)])
    print(f"zcat alone: {zcat_s:6.2f} s; kubeward audit hunt on gzip: {gz_s:6.2f} s  peak RSS {gz_rss:,.0f} MB")
    small, _ = ensure_logs(args.workdir, max(args.size_mb // 4, 16))
    _, small_rss = run([*kubeward, str(small)])
    print(f"memory flat in size: {small.stat().st_size / 1e6:,.0f} MB -> peak RSS {small_rss:,.0f} MB; "
          f"{size_mb:,.0f} MB -> {hunt_rss:,.0f} MB")  # fmt: skip
    print()
    print(f"ratio jq (3 queries) / kubeward hunt (13 questions): {jq_total / hunt_s:5.1f}x   (target >= 10x)")
    print(f"kubeward hunt throughput: {size_mb / hunt_s:5.0f} MB/s                    (target >= 400 MB/s)")
    print(f"kubeward hunt on gzip / zcat alone: {gz_s / zcat_s:5.2f}x                (target <= 1.5x)")
    print(f"peak RSS: {max(hunt_rss, gz_rss):,.0f} MB                                (target <= 1,000 MB)")


if __name__ == "__main__":
    main()
