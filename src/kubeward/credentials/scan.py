"""Find kubeconfigs in files, folders and git histories, and turn them into ``KubeconfigRecord``s.

Bad input never stops the run: an unreadable file, a file over the size cap, a kubeconfig that
does not parse or a repository git cannot read becomes an ``InputIssue`` naming it, and the scan
goes on. Binary files are counted and skipped. Symbolic links are not followed (a link into
``/`` must not turn a repository scan into a host scan).
"""

import os
import stat
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from kubeward.credentials import detect, git
from kubeward.credentials.facts import parse_config, record_from
from kubeward.inputs.safeload import LoadError
from kubeward.inventory.credentials import AccessFacts, KubeconfigRecord, KubeconfigSource
from kubeward.inventory.model import InputIssue
from kubeward.kube.kubeconfig import Kubeconfig, KubeconfigError

DEFAULT_MAX_BYTES = 4 * 1024 * 1024
_BINARY_SNIFF = 8192
_VCS_DIRS = frozenset({".git", ".hg", ".svn"})
AccessChecker = Callable[[str, Kubeconfig], tuple[AccessFacts, ...]]


@dataclass
class ScanStats:
    """Counts for the summary line and the benchmark."""

    files: int = 0
    bytes: int = 0
    binary: int = 0
    too_large: int = 0
    unreadable: int = 0
    repositories: int = 0
    history_blobs: int = 0


@dataclass
class CredentialScan:
    """Everything one credential scan found."""

    records: list[KubeconfigRecord] = field(default_factory=list)
    issues: list[InputIssue] = field(default_factory=list)
    stats: ScanStats = field(default_factory=ScanStats)


class KubeconfigScanner:
    """Walks paths; ``display`` maps real paths to the names reports show."""

    def __init__(
        self,
        max_bytes: int = DEFAULT_MAX_BYTES,
        display: Callable[[str], str] | None = None,
        access: AccessChecker | None = None,
    ) -> None:
        """``access``, when given, is asked what each context of a kubeconfig file on disk may do."""
        self.max_bytes = max_bytes
        self._access = access
        self._display = display or (lambda path: path)
        self.result = CredentialScan()

    # --- entry point ----------------------------------------------------------------------------

    def scan(self, paths: Sequence[str], *, history: bool = True) -> CredentialScan:
        """Scan files and folders (and, with ``history``, the git history of repositories met)."""
        repos: list[Path] = []
        for raw in paths:
            path = Path(raw)
            try:
                info = path.lstat()
            except OSError as exc:
                self._issue(raw, f"cannot read: {exc.strerror or exc}")
                continue
            if stat.S_ISDIR(info.st_mode):
                repos.extend(self._walk(path))
            elif stat.S_ISREG(info.st_mode):
                self._file(str(path), explicit=True, tracked=frozenset())
            else:
                self._issue(raw, "not a regular file or folder")
        if history:
            for repo in repos:
                self._history(repo)
        return self.result

    # --- working tree ---------------------------------------------------------------------------

    def _walk(self, root: Path) -> list[Path]:
        repos: list[Path] = []
        tracked_by_repo: dict[str, frozenset[str]] = {}
        for dirpath, dirnames, filenames in os.walk(root, onerror=self._walk_error):
            if ".git" in dirnames or ".git" in filenames:
                repo = Path(dirpath)
                repos.append(repo)
                try:
                    tracked_by_repo[dirpath] = frozenset(tracked_files_abs(repo))
                except git.GitError as exc:
                    self._issue(dirpath, f"git repository not readable: {exc}", level="warning")
            dirnames[:] = [d for d in dirnames if d not in _VCS_DIRS]
            tracked = _tracked_for(dirpath, tracked_by_repo)
            for name in filenames:
                self._file(os.path.join(dirpath, name), explicit=False, tracked=tracked)
        return repos

    def _walk_error(self, exc: OSError) -> None:
        self._issue(str(exc.filename), f"cannot read folder: {exc.strerror or exc}")

    def _file(self, path: str, *, explicit: bool, tracked: frozenset[str]) -> None:
        try:
            fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
        except OSError as exc:
            if not explicit and os.path.islink(path):
                return  # symbolic links are not followed
            self.result.stats.unreadable += 1
            self._issue(path, f"cannot read: {exc.strerror or exc}")
            return
        try:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode):
                return
            self.result.stats.files += 1
            if info.st_size > self.max_bytes:
                self.result.stats.too_large += 1
                self._issue(
                    path,
                    f"skipped: {info.st_size} bytes is over the {self.max_bytes}-byte cap (--max-file-size)",
                    level="warning",
                )
                return
            data = _read_all(fd, info.st_size, self.max_bytes)
        except OSError as exc:
            self.result.stats.unreadable += 1
            self._issue(path, f"cannot read: {exc.strerror or exc}")
            return
        finally:
            os.close(fd)
        self.result.stats.bytes += len(data)
        if b"\0" in data[:_BINARY_SNIFF]:
            self.result.stats.binary += 1
            return
        if not (detect.plain_candidate(data) or detect.base64_candidate(data)):
            return
        source = KubeconfigSource(
            kind="file",
            path=self._display(path),
            mode=stat.S_IMODE(info.st_mode),
            tracked=os.path.abspath(path) in tracked,
        )
        self._content(data, source, report_errors=explicit, origin=path)

    # --- content --------------------------------------------------------------------------------

    def _content(self, data: bytes, source: KubeconfigSource, *, report_errors: bool, origin: str = "") -> None:
        if detect.plain_candidate(data):
            strong = report_errors or detect.strongly_kubeconfig(data)
            self._documents(data, source, report_errors=strong, origin=origin)
        if detect.base64_candidate(data):
            for found in detect.embedded_kubeconfigs(data):
                embedded = KubeconfigSource(
                    kind="embedded" if source.kind == "file" else source.kind,
                    path=source.path,
                    line=found.line,
                    mode=source.mode,
                    repo=source.repo,
                    commit=source.commit,
                    removed_in=source.removed_in,
                    tracked=source.tracked,
                )
                self._documents(found.data, embedded, report_errors=True)

    def _documents(self, data: bytes, source: KubeconfigSource, *, report_errors: bool, origin: str = "") -> None:
        try:
            documents = detect.kubeconfig_documents(data)
        except LoadError as exc:
            if report_errors:
                self._issue(source.describe(), f"malformed kubeconfig: {exc.message}", line=exc.line)
            return
        for doc in documents:
            where = KubeconfigSource(
                kind=source.kind,
                path=source.path,
                line=source.line if source.line is not None else doc.line if doc.index else None,
                mode=source.mode,
                repo=source.repo,
                commit=source.commit,
                removed_in=source.removed_in,
                tracked=source.tracked,
                document=doc.index,
            )
            try:
                config = parse_config(doc.text, where)
            except KubeconfigError as exc:
                self._issue(where.describe(), f"malformed kubeconfig: {_without_origin(str(exc))}")
                continue
            access: tuple[AccessFacts, ...] = ()
            if self._access is not None and origin and doc.index == 0 and where.kind == "file":
                access = self._access(origin, config)
            self.result.records.append(record_from(config, where, access))

    # --- history --------------------------------------------------------------------------------

    def _history(self, repo: Path) -> None:
        self.result.stats.repositories += 1
        stats = git.HistoryStats()
        display_repo = self._display(str(repo))
        try:
            for blob in git.history_blobs(repo, self.max_bytes, stats):
                if b"\0" in blob.data[:_BINARY_SNIFF]:
                    continue
                if not (detect.plain_candidate(blob.data) or detect.base64_candidate(blob.data)):
                    continue
                before = len(self.result.records)
                self._content(
                    blob.data, KubeconfigSource(kind="git", path=blob.path, repo=display_repo), report_errors=False
                )
                if len(self.result.records) > before:
                    added, removed = git.blob_commits(repo, blob.sha)
                    for index in range(before, len(self.result.records)):
                        record = self.result.records[index]
                        source = record.source
                        self.result.records[index] = KubeconfigRecord(
                            source=KubeconfigSource(
                                kind="git",
                                path=source.path,
                                line=source.line,
                                repo=source.repo,
                                commit=added,
                                removed_in=removed,
                                tracked=True,
                                document=source.document,
                            ),
                            clusters=record.clusters,
                            users=record.users,
                            contexts=record.contexts,
                            current_context=record.current_context,
                        )
        except git.GitError as exc:
            self._issue(display_repo, f"git history not scanned: {exc}", level="warning")
        self.result.stats.history_blobs += stats.blobs

    # --- issues ---------------------------------------------------------------------------------

    def _issue(self, where: str, message: str, *, line: int | None = None, level: str = "error") -> None:
        self.result.issues.append(
            InputIssue(
                input=self._display(where),
                message=message,
                line=line,
                level="warning" if level == "warning" else "error",
            )
        )


def _read_all(fd: int, size: int, cap: int) -> bytes:
    """Read a regular file through its descriptor: one ``read`` for the usual small file."""
    chunks = [os.read(fd, min(size, cap) + 1)]
    total = len(chunks[0])
    while chunks[-1] and total <= cap and total < size:
        chunk = os.read(fd, cap + 1 - total)
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
    return b"".join(chunks)


def tracked_files_abs(repo: Path) -> Iterator[str]:
    """Absolute paths of the files ``repo`` tracks."""
    base = os.path.abspath(repo)
    for rel in git.tracked_files(repo):
        yield os.path.join(base, *rel.split("/"))


def _tracked_for(dirpath: str, tracked_by_repo: dict[str, frozenset[str]]) -> frozenset[str]:
    """The tracked set of the innermost repository containing ``dirpath``."""
    best = ""
    for repo in tracked_by_repo:
        if (dirpath == repo or dirpath.startswith(repo + os.sep)) and len(repo) > len(best):
            best = repo
    return tracked_by_repo.get(best, frozenset())


def _without_origin(message: str) -> str:
    """``parse_kubeconfig`` messages start with the origin, which the issue already names."""
    return message.split(": ", 1)[1] if message.startswith(("/", "error loading")) and ": " in message else message


def scan_kubeconfigs(
    paths: Sequence[str],
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    history: bool = True,
    display: Callable[[str], str] | None = None,
    access: AccessChecker | None = None,
) -> CredentialScan:
    """Scan ``paths`` for kubeconfigs."""
    return KubeconfigScanner(max_bytes, display, access).scan(paths, history=history)
