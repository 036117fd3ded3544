"""``kubeward harden flowcontrol``: a limited priority level and a FlowSchema for automation service accounts.

CI pipelines, deployers and GitOps agents burst; without a FlowSchema of their own they share the
built-in levels with everyone (KW-APF-004), and one routed to ``exempt`` is never limited
(KW-APF-003). The generator writes one ``PriorityLevelConfiguration`` (type ``Limited``, queuing)
and one ``FlowSchema`` naming the accounts with ``distinguisherMethod: ByUser`` (each account its own
flow), matched before any user FlowSchema that names them. From a scan it also re-routes the
user-made FlowSchemas that send subjects to an exempt level (KW-APF-003) to the new level, keeping
their rules: applied with ``kubectl apply`` they replace the originals.

API versions: ``flowcontrol.apiserver.k8s.io/v1`` from 1.29, ``v1beta3`` for 1.26-1.28 (same
fields); older releases are refused.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from kubeward.harden.apiserver import HardenError
from kubeward.inventory.objects import FlowSchema
from kubeward.resolve.flowcontrol import FlowControl, exempt_routes, is_builtin, names_service_account

DEFAULT_LEVEL = "kubeward-automation"
DEFAULT_SCHEMA = "kubeward-automation"
DEFAULT_PRECEDENCE = 1000
_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
LABELS = {"app.kubernetes.io/managed-by": "kubeward"}


@dataclass(frozen=True)
class FlowOptions:
    """Names and sizes of the generated objects."""

    level: str = DEFAULT_LEVEL
    schema: str = DEFAULT_SCHEMA
    shares: int = 10
    queues: int = 16
    queue_length: int = 50
    hand_size: int = 4
    precedence: int = DEFAULT_PRECEDENCE


def parse_account(text: str) -> tuple[str, str]:
    """``ns/name`` (or ``system:serviceaccount:ns:name``) -> (ns, name)."""
    body = text.removeprefix("system:serviceaccount:")
    sep = "/" if "/" in body else ":"
    namespace, _, name = body.partition(sep)
    if not (namespace and name and _NAME.match(namespace) and _NAME.match(name)):
        raise HardenError(f"{text!r} is not a service account as NAMESPACE/NAME")
    return namespace, name


def api_version(minor: int) -> str:
    """The flowcontrol API version to write for a Kubernetes minor."""
    if minor >= 29:
        return "flowcontrol.apiserver.k8s.io/v1"
    if minor >= 26:
        return "flowcontrol.apiserver.k8s.io/v1beta3"
    raise HardenError(f"Kubernetes 1.{minor}: kubeward writes FlowSchemas for 1.26 and later (v1beta3/v1)")


def _all_rules() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    resource = [{"verbs": ["*"], "apiGroups": ["*"], "resources": ["*"], "namespaces": ["*"], "clusterScope": True}]
    non_resource = [{"verbs": ["*"], "nonResourceURLs": ["*"]}]
    return resource, non_resource


def flow_objects(
    accounts: Sequence[tuple[str, str]],
    minor: int,
    options: FlowOptions = FlowOptions(),
    existing: FlowControl | None = None,
    reroute: Iterable[FlowSchema] = (),
) -> list[dict[str, Any]]:
    """The PriorityLevelConfiguration, the FlowSchema for ``accounts``, and re-routed exempt schemas."""
    for name in (options.level, options.schema):
        if not _NAME.match(name):
            raise HardenError(f"{name!r} is not a valid object name")
    if options.shares < 1 or options.queues < 1 or options.hand_size < 1 or options.hand_size > options.queues:
        raise HardenError("shares, queues and hand size must be positive, with hand size <= queues")
    version = api_version(minor)
    unique = sorted(dict.fromkeys(accounts))
    reroute = list(reroute)
    if not unique and not reroute:
        raise HardenError("no service account to route: give --service-account NS/NAME or --from-scan")
    level = {
        "apiVersion": version,
        "kind": "PriorityLevelConfiguration",
        "metadata": {"name": options.level, "labels": dict(LABELS)},
        "spec": {
            "type": "Limited",
            "limited": {
                "nominalConcurrencyShares": options.shares,
                "lendablePercent": 0,
                "limitResponse": {
                    "type": "Queue",
                    "queuing": {
                        "queues": options.queues,
                        "queueLengthLimit": options.queue_length,
                        "handSize": options.hand_size,
                    },
                },
            },
        },
    }
    objects: list[dict[str, Any]] = [level]
    if unique:
        precedence = options.precedence
        if existing is not None:
            earlier = [
                s.spec.matchingPrecedence
                for s in existing.user_schemas
                if s.metadata.name != options.schema and any(names_service_account(s, ns, n) for ns, n in unique)
            ]
            if earlier and min(earlier) <= precedence:
                precedence = max(2, min(earlier) - 1)
        resource, non_resource = _all_rules()
        objects.append(
            {
                "apiVersion": version,
                "kind": "FlowSchema",
                "metadata": {"name": options.schema, "labels": dict(LABELS)},
                "spec": {
                    "priorityLevelConfiguration": {"name": options.level},
                    "matchingPrecedence": precedence,
                    "distinguisherMethod": {"type": "ByUser"},
                    "rules": [
                        {
                            "subjects": [
                                {"kind": "ServiceAccount", "serviceAccount": {"namespace": ns, "name": n}}
                                for ns, n in unique
                            ],
                            "resourceRules": resource,
                            "nonResourceRules": non_resource,
                        }
                    ],
                },
            }
        )
    for schema in reroute:
        objects.append(_rerouted(schema, version, options.level))
    return objects


def _rerouted(schema: FlowSchema, version: str, level: str) -> dict[str, Any]:
    spec = schema.spec
    rules = []
    for rule in spec.rules:
        entry: dict[str, Any] = {"subjects": [_plain(s) for s in rule.subjects]}
        if rule.resourceRules:
            entry["resourceRules"] = [_plain(r) for r in rule.resourceRules]
        if rule.nonResourceRules:
            entry["nonResourceRules"] = [_plain(r) for r in rule.nonResourceRules]
        rules.append(entry)
    body: dict[str, Any] = {
        "priorityLevelConfiguration": {"name": level},
        "matchingPrecedence": spec.matchingPrecedence,
        "distinguisherMethod": {"type": "ByUser"},
        "rules": rules,
    }
    return {
        "apiVersion": version,
        "kind": "FlowSchema",
        "metadata": {"name": schema.metadata.name, "labels": dict(LABELS)},
        "spec": body,
    }


def _plain(value: Any) -> Any:
    """An inventory struct as plain data without empty fields."""
    import msgspec

    data = msgspec.to_builtins(value)
    return _strip(data)


def _strip(data: Any) -> Any:
    if isinstance(data, dict):
        return {k: _strip(v) for k, v in data.items() if v not in (None, [], {}, "") and not k.startswith("@")}
    if isinstance(data, list | tuple):
        return [_strip(v) for v in data]
    return data


def exempt_user_schemas(control: FlowControl) -> list[FlowSchema]:
    """User-made FlowSchemas routing non-system subjects to an exempt level (what KW-APF-003 reports)."""
    return [schema for schema, _ in exempt_routes(control) if not is_builtin(schema)]
