"""Audit policies to start from, each one linting clean of high findings.

- ``recommended``: what an investigation needs at a moderate volume. Secrets, ConfigMaps and tokens at
  Metadata (who/what/when, never values — GCE's production policy does the same); RBAC writes at
  RequestResponse (the object granted); exec/attach/port-forward and nodes/proxy at Metadata (the command
  line is in the URI); workload writes at Request (the pod spec shows privileged settings); noisy system
  traffic at None; everything else at Metadata; RequestReceived omitted (ResponseStarted is kept: 401s).
- ``low-volume``: for clusters where log volume or cost rules: the same sensitive coverage at Metadata
  only, reads of non-sensitive resources and all noise dropped, every write at Metadata.
- ``seed``: the project seed's policy, which is ``recommended``.
"""

from typing import Any

import yaml

_RBAC_WRITES = ["create", "update", "patch", "delete", "deletecollection"]
_WRITES = ["create", "update", "patch", "delete", "deletecollection"]
_SENSITIVE: list[dict[str, Any]] = [
    {"group": "", "resources": ["secrets", "configmaps", "serviceaccounts/token"]},
    {"group": "authentication.k8s.io", "resources": ["tokenreviews"]},
]
_REMOTE: list[dict[str, Any]] = [
    {"group": "", "resources": ["pods/exec", "pods/attach", "pods/portforward", "nodes/proxy"]}
]
_NOISE: list[dict[str, Any]] = [
    {
        "level": "None",
        "users": ["system:kube-proxy"],
        "verbs": ["watch"],
        "resources": [
            {"group": "", "resources": ["endpoints", "services", "services/status"]},
            {"group": "discovery.k8s.io", "resources": ["endpointslices"]},
        ],
    },
    {
        "level": "None",
        "userGroups": ["system:nodes"],
        "verbs": ["get", "update"],
        "namespaces": ["kube-node-lease"],
        "resources": [{"group": "coordination.k8s.io", "resources": ["leases"]}],
    },
    {"level": "None", "nonResourceURLs": ["/healthz*", "/livez*", "/readyz*", "/version"]},
]


def _header(rules: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "apiVersion": "audit.k8s.io/v1",
        "kind": "Policy",
        "omitStages": ["RequestReceived"],
        "omitManagedFields": True,
        "rules": rules,
    }


def recommended() -> dict[str, Any]:
    """The recommended profile as a Policy document."""
    return _header(
        [
            {"level": "Metadata", "resources": _SENSITIVE},
            {"level": "RequestResponse", "verbs": _RBAC_WRITES, "resources": [{"group": "rbac.authorization.k8s.io"}]},
            {"level": "Metadata", "resources": _REMOTE},
            *_NOISE,
            {
                "level": "Request",
                "verbs": _WRITES,
                "resources": [
                    {"group": "", "resources": ["pods", "pods/ephemeralcontainers"]},
                    {"group": "apps"},
                    {"group": "batch"},
                ],
            },
            {"level": "Metadata"},
        ]
    )


def low_volume() -> dict[str, Any]:
    """The low-volume profile: sensitive access and every write at Metadata, other reads not logged.

    Reads of non-resource URLs and of ordinary resources go unlogged, so "who looked at what" is
    answerable only for Secrets, ConfigMaps and tokens; failed logins (no user, ResponseStarted) are kept
    by the final Metadata rule, which only requests that no earlier rule names reach.
    """
    return _header(
        [
            {"level": "Metadata", "resources": _SENSITIVE},
            {"level": "Metadata", "resources": _REMOTE},
            *_NOISE,
            {"level": "None", "userGroups": ["system:authenticated"], "verbs": ["get", "list", "watch"]},
            {"level": "Metadata"},
        ]
    )


PROFILES = {"recommended": recommended, "low-volume": low_volume, "seed": recommended}


def render(name: str) -> str:
    """The profile as YAML with a comment naming it; KeyError for an unknown profile."""
    document = PROFILES[name]()
    body = yaml.safe_dump(document, sort_keys=False, default_flow_style=False)
    return f"# kubeward audit policy profile {name!r}: see 'kubeward audit policy generate --help'.\n{body}"
