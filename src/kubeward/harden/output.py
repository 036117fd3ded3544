"""What every ``kubeward harden`` command does with its result: show a unified diff, or write in place
with a backup.

Backups go to a ``.kubeward-backup/`` directory next to the edited file, never beside it: the
kubelet starts every file of its static pod directory as a pod (only names starting with ``.`` are
skipped, and it does not descend into sub-directories), so a ``kube-apiserver.yaml.bak`` there would
run a second API server. kubeward's own offline walker skips that directory too.
"""

from __future__ import annotations

import difflib
import os
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

BACKUP_DIR = ".kubeward-backup"


@dataclass(frozen=True)
class FileChange:
    """One file a generator edits (``old`` is its current text) or creates (``old`` is None)."""

    path: str
    new: str
    old: str | None = None

    @property
    def changed(self) -> bool:
        """True when writing would change the file."""
        return self.old != self.new


def unified_diff(change: FileChange) -> str:
    """``diff -u`` of the change (``/dev/null`` as the old side of a new file); "" when unchanged."""
    if not change.changed:
        return ""
    old_name = "/dev/null" if change.old is None else f"a/{change.path.lstrip('/')}"
    lines = difflib.unified_diff(
        (change.old or "").splitlines(keepends=True),
        change.new.splitlines(keepends=True),
        fromfile=old_name,
        tofile=f"b/{change.path.lstrip('/')}",
    )
    text = "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines)
    return text


def write_with_backup(path: Path, text: str, *, now: datetime | None = None) -> Path | None:
    """Replace ``path`` with ``text`` atomically, keeping its mode; return the backup (None for a new file)."""
    backup: Path | None = None
    mode = 0o600
    if path.exists():
        stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
        backup_dir = path.parent / BACKUP_DIR
        backup_dir.mkdir(mode=0o700, exist_ok=True)
        backup = backup_dir / f"{path.name}.{stamp}"
        original = path.read_bytes()
        backup.write_bytes(original)
        mode = path.stat().st_mode & 0o7777
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return backup
