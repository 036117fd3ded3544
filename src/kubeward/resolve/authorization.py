"""The kube-apiserver authorizer chain, from ``--authorization-mode`` or ``--authorization-config``.

Facts (``pkg/kubeapiserver/options/authorization.go``, ``staging/src/k8s.io/apiserver/pkg/apis/apiserver``
``AuthorizationConfiguration`` and its validation, v1.29-v1.34):

* Without either flag the chain is ``AlwaysAllow`` (the ``--authorization-mode`` default).
* ``--authorization-config`` (StructuredAuthorizationConfiguration: alpha 1.29, on from 1.30, GA 1.32)
  lists ``authorizers[]`` in order, each with a ``type`` (Node, RBAC, Webhook, AlwaysAllow,
  AlwaysDeny) and a ``name``; it cannot be combined with ``--authorization-mode`` or the
  ``--authorization-webhook-*`` flags (kube-apiserver exits), and must list at least one authorizer.
* A ``Webhook`` authorizer has ``failurePolicy`` ``NoOpinion`` (an unreachable or failing webhook
  is skipped and the next authorizer decides) or ``Deny``, and optional CEL ``matchConditions``
  choosing which requests reach it.
"""

from dataclasses import dataclass
from typing import Any

from kubeward.findings import Evidence
from kubeward.inventory.model import Inventory
from kubeward.resolve.apiserver import EffectiveApiServer
from kubeward.resolve.config_files import config_file
from kubeward.resolve.feature_gates import STRUCTURED_AUTHORIZATION, gate_problem

WEBHOOK_FLAGS = (
    "authorization-webhook-config-file",
    "authorization-webhook-version",
    "authorization-webhook-cache-authorized-ttl",
    "authorization-webhook-cache-unauthorized-ttl",
)


@dataclass(frozen=True)
class Authorizer:
    """One link of the chain."""

    type: str
    name: str = ""
    failure_policy: str = ""
    match_conditions: int = 0
    pointer: str = ""


@dataclass(frozen=True)
class AuthorizerChain:
    """The authorizers of one API server in order, what decided them (``evidence``) and, when the
    configuration file is missing, why the chain is unknown (``known`` False, ``reason``).

    ``problems`` says why kube-apiserver would refuse this configuration (conflicting flags, a gate
    that is off, an empty list): the chain as written is still judged by the other rules.
    """

    authorizers: tuple[Authorizer, ...]
    evidence: Evidence
    structured: bool = False
    known: bool = True
    reason: str = ""
    problems: tuple[str, ...] = ()

    @property
    def types(self) -> list[str]:
        """The authorizer types in chain order."""
        return [a.type for a in self.authorizers]

    def describe(self) -> str:
        """``Node,RBAC`` or ``(none)``."""
        return ",".join(self.types) or "(none)"


def authorizer_chain(inventory: Inventory, api: EffectiveApiServer) -> AuthorizerChain:
    """The authorizer chain of ``api``."""
    config = config_file(inventory, api, "authorization-config", "AuthorizationConfiguration")
    if config is None:
        setting = api.flag("authorization-mode")
        modes = setting.value if isinstance(setting.value, list) else []
        return AuthorizerChain(tuple(Authorizer(type=str(m)) for m in modes), setting.evidence())
    problems: list[str] = []
    if api.is_set("authorization-mode"):
        problems.append("--authorization-mode and --authorization-config are both set; kube-apiserver refuses to start")
    webhook_flags = [f"--{name}" for name in WEBHOOK_FLAGS if api.is_set(name)]
    if webhook_flags:
        problems.append(f"{', '.join(webhook_flags)} cannot be combined with --authorization-config")
    gate = gate_problem(api, STRUCTURED_AUTHORIZATION, "--authorization-config")
    if gate:
        problems.append(gate)
    if config.doc is None:
        return AuthorizerChain(
            (), config.flag.evidence(), structured=True, known=False, reason=config.reason, problems=tuple(problems)
        )
    present, raw = config.doc.field("authorizers")
    entries = raw if present and isinstance(raw, list) else []
    authorizers = tuple(_authorizer(index, entry) for index, entry in enumerate(entries))
    if not authorizers:
        problems.append("the AuthorizationConfiguration lists no authorizers; kube-apiserver refuses it")
    evidence = Evidence(
        setting="kube-apiserver AuthorizationConfiguration authorizers",
        value=[a.type for a in authorizers],
        source="config-file",
        detail=f"from --authorization-config={config.flag.value}",
        provenance=config.doc.provenance_of("authorizers"),
    )
    return AuthorizerChain(authorizers, evidence, structured=True, problems=tuple(problems))


def _authorizer(index: int, entry: Any) -> Authorizer:
    item = entry if isinstance(entry, dict) else {}
    webhook = item.get("webhook") if isinstance(item.get("webhook"), dict) else {}
    conditions = webhook.get("matchConditions") if isinstance(webhook, dict) else None
    return Authorizer(
        type=str(item.get("type") or ""),
        name=str(item.get("name") or ""),
        failure_policy=str(webhook.get("failurePolicy") or "") if isinstance(webhook, dict) else "",
        match_conditions=len(conditions) if isinstance(conditions, list) else 0,
        pointer=f"authorizers.{index}",
    )
