"""A repository's history, read with the ``git`` CLI: every blob any ref ever reached.

A kubeconfig deleted in a later commit is still in every clone. ``git rev-list --all --objects``
lists each reachable blob once (with the first path it was seen at); ``git cat-file --batch-check``
keeps the blobs under the size cap, and one ``git cat-file --batch`` streams their contents. Blobs
that HEAD still holds are skipped: the working-tree walk reads those files. For the few blobs that
turn out to be kubeconfigs, ``git log --find-object`` names the commits that added and removed them.
"""

import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

GIT_TIMEOUT = 300.0


class GitError(Exception):
    """git is missing or failed on this repository."""


def _git(repo: Path, *args: str, stdin: bytes | None = None) -> bytes:
    try:
        done = subprocess.run(
            ["git", "-C", str(repo), *args],
            input=stdin,
            capture_output=True,
            timeout=GIT_TIMEOUT,
            check=False,
        )
    except FileNotFoundError as exc:
        raise GitError("git is not installed") from exc
    except subprocess.TimeoutExpired as exc:
        raise GitError(f"git {args[0]} timed out") from exc
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise GitError(f"git {args[0]} failed: {message[-1] if message else done.returncode}")
    return done.stdout


def is_repository(path: Path) -> bool:
    """True when ``path`` is the top of a git working tree (has a ``.git``)."""
    return (path / ".git").exists()


def tracked_files(repo: Path) -> set[str]:
    """Paths (relative, POSIX) the index tracks."""
    return {line for line in _git(repo, "ls-files", "-z").decode("utf-8", "replace").split("\0") if line}


def _head_blobs(repo: Path) -> set[str]:
    try:
        out = _git(repo, "ls-tree", "-r", "-z", "HEAD")
    except GitError:
        return set()  # no commit yet
    blobs: set[str] = set()
    for entry in out.split(b"\0"):
        meta = entry.split(b"\t", 1)[0].split()
        if len(meta) == 3 and meta[1] == b"blob":
            blobs.add(meta[2].decode())
    return blobs


@dataclass(frozen=True)
class Blob:
    """One historical file version."""

    sha: str
    path: str
    data: bytes


@dataclass
class HistoryStats:
    """What the history walk saw."""

    blobs: int = 0
    too_large: int = 0


def history_blobs(repo: Path, max_bytes: int, stats: HistoryStats) -> Iterator[Blob]:
    """Every blob reachable from any ref and absent from HEAD, up to ``max_bytes`` each."""
    listing = _git(repo, "rev-list", "--all", "--objects")
    paths: dict[str, str] = {}
    for line in listing.decode("utf-8", "replace").splitlines():
        sha, _, path = line.partition(" ")
        if path:
            paths.setdefault(sha, path)
    if not paths:
        return
    head = _head_blobs(repo)
    wanted = [sha for sha in paths if sha not in head]
    if not wanted:
        return
    checked = _git(
        repo,
        "cat-file",
        "--batch-check=%(objectname) %(objecttype) %(objectsize)",
        stdin="\n".join(wanted).encode() + b"\n",
    )
    blobs: list[str] = []
    for line in checked.decode().splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[1] == "blob":
            if int(parts[2]) > max_bytes:
                stats.too_large += 1
                continue
            blobs.append(parts[0])
    if not blobs:
        return
    stats.blobs += len(blobs)
    for sha, data in _cat_blobs(repo, blobs):
        yield Blob(sha=sha, path=paths.get(sha, ""), data=data)


def _cat_blobs(repo: Path, blobs: list[str]) -> Iterator[tuple[str, bytes]]:
    """Stream blob contents from one ``git cat-file --batch``: memory for one blob at a time.

    A thread feeds the object names so the pipe cannot deadlock; a timer kills git if the whole
    stream takes longer than ``GIT_TIMEOUT``.
    """
    try:
        process = subprocess.Popen(
            ["git", "-C", str(repo), "cat-file", "--batch"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
    except FileNotFoundError as exc:
        raise GitError("git is not installed") from exc
    assert process.stdin is not None and process.stdout is not None
    stdin, stdout = process.stdin, process.stdout

    def feed() -> None:
        try:
            for sha in blobs:
                stdin.write(sha.encode() + b"\n")
            stdin.close()
        except OSError:
            return

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    timer = threading.Timer(GIT_TIMEOUT, process.kill)
    timer.start()
    try:
        for _ in blobs:
            header = stdout.readline().split()
            if len(header) != 3:
                if process.poll() is not None and process.returncode:
                    raise GitError("git cat-file failed or timed out")
                continue  # "<sha> missing"
            size = int(header[2])
            data = stdout.read(size)
            stdout.read(1)  # the newline after each object
            yield header[0].decode(), data
    finally:
        timer.cancel()
        process.kill()
        process.wait()
        writer.join(timeout=1)


def blob_commits(repo: Path, sha: str) -> tuple[str, str]:
    """(commit that added the blob, commit that removed it or "")."""
    try:
        out = _git(repo, "log", "--all", "--format=%H", f"--find-object={sha}").decode().split()
    except GitError:
        return "", ""
    if not out:
        return "", ""
    added = out[-1]
    removed = out[0] if len(out) > 1 else ""
    return added, removed
