"""Results of unauthenticated network probes, as the Inventory keeps them.

Exposure is relative to where the probe ran from, so every result set records its vantage point.
A verdict comes from a fixed vocabulary (``Verdict``) and says what the answer means for that
endpoint; the HTTP status (or the error) is kept next to it so the verdict can be checked.
"""

from typing import Literal

import msgspec

Verdict = Literal["authn-required", "anonymous-forbidden", "anonymous-allowed", "public-by-design", "closed", "error"]
VERDICTS: tuple[Verdict, ...] = (
    "authn-required",
    "anonymous-forbidden",
    "anonymous-allowed",
    "public-by-design",
    "closed",
    "error",
)
Component = Literal["apiserver", "kubelet", "kubelet-readonly", "etcd", "insecure-port"]
ProbeSeverity = Literal["critical", "high", "medium", "low", "info", "none"]


class EndpointProbe(msgspec.Struct, frozen=True, omit_defaults=True):
    """One unauthenticated GET and what its answer means."""

    url: str
    component: Component
    verdict: Verdict
    meaning: str
    severity: ProbeSeverity = "none"
    status: int | None = None
    error: str = ""
    elapsed_ms: int | None = None
    tls: bool = False


class TlsFacts(msgspec.Struct, frozen=True, omit_defaults=True):
    """The TLS face of one host:port: certificate and which protocol versions the server accepts."""

    endpoint: str
    protocol: str = ""
    subject: str = ""
    issuer: str = ""
    not_after: str = ""
    expired: bool = False
    self_signed: bool = False
    accepted: tuple[str, ...] = ()
    refused: tuple[str, ...] = ()
    untested: tuple[str, ...] = ()
    error: str = ""


class Vantage(msgspec.Struct, frozen=True):
    """Where the probes ran from: exposure is relative to it."""

    host: str
    source_addresses: tuple[str, ...] = ()
    note: str = (
        "exposure is relative to this vantage point: an endpoint closed from here may be open from another network"
    )


class ProbeRun(msgspec.Struct, frozen=True, omit_defaults=True):
    """One probe run: the vantage point, every endpoint probed, and the TLS facts per host:port."""

    vantage: Vantage
    started: str
    finished: str
    targets: tuple[str, ...] = ()
    endpoints: tuple[EndpointProbe, ...] = ()
    tls: tuple[TlsFacts, ...] = ()
