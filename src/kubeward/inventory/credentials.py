"""Kubeconfig facts: what a kubeconfig found on disk or in a repository's history holds.

A kubeconfig is credentials plus routing metadata. The Inventory keeps only what rules judge —
names, servers, certificate subjects and expiry, JWT claims that matter, file modes, where the file
was found — and for every credential a *fingerprint* (truncated SHA-256), never its value, so a
bundle or a report can never leak what the scanned file held.
"""

from typing import Literal

import msgspec

SourceKind = Literal["file", "git", "embedded"]


class KubeconfigSource(msgspec.Struct, frozen=True, omit_defaults=True):
    """Where one kubeconfig was found.

    ``file``: a file on disk (``mode`` is its permission bits, ``tracked`` whether the enclosing git
    repository tracks it). ``git``: a blob of a repository's history that the working tree no longer
    holds (``commit`` added it, ``removed_in`` deleted it). ``embedded``: base64 inside another file
    (a CI definition), at ``line``.
    """

    kind: SourceKind
    path: str
    line: int | None = None
    mode: int | None = None
    repo: str = ""
    commit: str = ""
    removed_in: str = ""
    tracked: bool = False
    document: int = 0

    def describe(self) -> str:
        """Human location: ``path``, ``path:line``, or ``repo@commit:path``."""
        if self.kind == "git":
            return f"{self.repo}@{self.commit[:12]}:{self.path}"
        if self.line is not None:
            return f"{self.path}:{self.line}"
        return self.path


class CertificateFacts(msgspec.Struct, frozen=True, omit_defaults=True):
    """A client certificate as kube-apiserver reads it: CN is the user, each O a group."""

    fingerprint: str
    subject: str
    common_name: str = ""
    groups: tuple[str, ...] = ()
    issuer: str = ""
    not_before: str = ""
    not_after: str = ""
    self_signed: bool = False


class TokenFacts(msgspec.Struct, frozen=True, omit_defaults=True):
    """A bearer token: its fingerprint and, for a JWT, the claims decoded without verification."""

    fingerprint: str
    jwt: bool = False
    issuer: str = ""
    subject: str = ""
    expires: str = ""
    legacy_service_account: bool = False


class UserFacts(msgspec.Struct, frozen=True, omit_defaults=True):
    """One ``users[]`` entry. Referenced files are named, never read; exec commands never run."""

    name: str
    client_certificate: CertificateFacts | None = None
    client_certificate_file: str = ""
    embedded_key: str = ""  # fingerprint of client-key-data
    client_key_file: str = ""
    token: TokenFacts | None = None
    token_file: str = ""
    basic_auth: str = ""  # fingerprint of username:password
    username: str = ""
    auth_provider: str = ""
    auth_provider_secrets: tuple[str, ...] = ()  # names of the config keys holding secrets
    exec_command: str = ""
    exec_api_version: str = ""
    problems: tuple[str, ...] = ()

    def fingerprints(self) -> tuple[str, ...]:
        """Fingerprints of the credentials this user carries (for reuse detection)."""
        found = [
            self.client_certificate.fingerprint if self.client_certificate else "",
            self.embedded_key,
            self.token.fingerprint if self.token else "",
            self.basic_auth,
        ]
        return tuple(f for f in found if f)

    @property
    def stored_credential(self) -> bool:
        """True when the file itself holds a usable credential (not an exec plugin)."""
        return bool(self.fingerprints() or self.auth_provider_secrets or self.token_file or self.client_key_file)


class ClusterFacts(msgspec.Struct, frozen=True, omit_defaults=True):
    """One ``clusters[]`` entry."""

    name: str
    server: str = ""
    insecure_skip_tls_verify: bool = False
    has_ca: bool = False


class ContextFacts(msgspec.Struct, frozen=True, omit_defaults=True):
    """One ``contexts[]`` entry."""

    name: str
    cluster: str = ""
    user: str = ""
    namespace: str = ""


AccessLevel = Literal["write", "read-only", "none", "unknown"]


class AccessFacts(msgspec.Struct, frozen=True, omit_defaults=True):
    """What a context's credential may do, from a SelfSubjectRulesReview (opt-in, live)."""

    context: str
    namespace: str
    level: AccessLevel
    write_verbs: tuple[str, ...] = ()
    detail: str = ""


class KubeconfigRecord(msgspec.Struct, frozen=True, omit_defaults=True):
    """One kubeconfig found by ``kubeward.credentials``."""

    source: KubeconfigSource
    clusters: tuple[ClusterFacts, ...] = ()
    users: tuple[UserFacts, ...] = ()
    contexts: tuple[ContextFacts, ...] = ()
    current_context: str = ""
    access: tuple[AccessFacts, ...] = ()
