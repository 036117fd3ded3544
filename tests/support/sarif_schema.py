"""The official SARIF 2.1.0 JSON Schema, fetched once with ``npm pack`` into ``<repo>/.cache/sarif/``.

The schema ships inside the npm package ``@microsoft/jest-sarif`` (``lib/schemas/sarif-2.1.0-rtm.5.json``).
It is not committed (third-party file, ``.cache`` is git-ignored); tests fetch it on first use. A
missing npm is an error, not a skip: CI installs npm, and a SARIF test that silently skips proves
nothing. The file is pinned by digest so every run validates against the same schema.
"""

import hashlib
import os
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

SARIF_NPM_PACKAGE = "@microsoft/jest-sarif@1.0.0-beta.0"
SCHEMA_MEMBER = "package/lib/schemas/sarif-2.1.0-rtm.5.json"
SCHEMA_SHA256 = "2d99159ae54a3eea97f81781cff48780548657c35949f4b7f25e99a2ba4de4f8"
REPO_ROOT = Path(__file__).resolve().parents[2]
CACHE_DIR = REPO_ROOT / ".cache" / "sarif"
SCHEMA_FILE = CACHE_DIR / "sarif-2.1.0-rtm.5.json"


class SarifSchemaUnavailable(RuntimeError):
    """npm is missing or the package could not be fetched."""


def sarif_schema_path() -> Path:
    """Return the cached schema, fetching it with npm the first time."""
    if SCHEMA_FILE.is_file() and _digest(SCHEMA_FILE.read_bytes()) == SCHEMA_SHA256:
        return SCHEMA_FILE
    npm = shutil.which("npm")
    if npm is None:
        raise SarifSchemaUnavailable(
            "npm is required to fetch the SARIF 2.1.0 schema (npm pack " + SARIF_NPM_PACKAGE + ")"
        )
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=CACHE_DIR) as work:
        try:
            subprocess.run(
                [npm, "pack", SARIF_NPM_PACKAGE, "--ignore-scripts", "--silent"],
                cwd=work,
                check=True,
                capture_output=True,
                timeout=300,
            )
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
            stderr = getattr(exc, "stderr", b"") or b""
            raise SarifSchemaUnavailable(
                f"npm pack {SARIF_NPM_PACKAGE} failed: {stderr.decode(errors='replace')}"
            ) from exc
        tarballs = sorted(Path(work).glob("*.tgz"))
        if not tarballs:
            raise SarifSchemaUnavailable(f"npm pack {SARIF_NPM_PACKAGE} produced no tarball")
        with tarfile.open(tarballs[0], "r:gz") as tar:
            member = tar.extractfile(SCHEMA_MEMBER)
            if member is None:
                raise SarifSchemaUnavailable(f"{SCHEMA_MEMBER} is not in {tarballs[0].name}")
            data = member.read()
        if _digest(data) != SCHEMA_SHA256:
            raise SarifSchemaUnavailable(f"{SCHEMA_MEMBER} does not have the pinned sha256 {SCHEMA_SHA256}")
        partial = Path(work) / "schema.json"
        partial.write_bytes(data)
        os.replace(partial, SCHEMA_FILE)
    return SCHEMA_FILE


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
