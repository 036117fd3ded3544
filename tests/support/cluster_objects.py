"""kube-apiserver flags on every input path (``tests.support.paths``) together with API objects
(namespaces, FlowSchemas, webhooks, RBAC), for rules that read both.

Offline paths get the objects as a ``kubectl get -o json`` dump next to the node files; the ``live``
path serves them, and the kube-apiserver mirror pod, from the fixture API server.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml
from tests.support.inventories import inventory_from_files
from tests.support.paths import MANIFEST, NODE, apiserver_files, apiserver_pod, dump, live_inventory

from kubeward.inventory.model import Inventory
from kubeward.testing.fixture_apiserver import FixtureCluster

POD_PATHS = ("command", "args", "mirror-pod", "live")


def inventory_with(
    tmp_path: Path,
    path: str,
    flags: Sequence[str],
    objects: Sequence[Mapping[str, Any]] = (),
    extra: Mapping[str, str] | None = None,
    pod: Mapping[str, Any] | None = None,
) -> Inventory:
    """An Inventory with kube-apiserver ``flags`` read through ``path`` plus ``objects``.

    ``pod`` replaces the generated kube-apiserver pod on the pod paths (``POD_PATHS``), for tests
    that need particular volumes; it is used as the static pod, or as the mirror pod.
    """
    extra = dict(extra or {})
    if path == "live":
        cluster = FixtureCluster()
        mirror = dict(pod) if pod is not None else apiserver_pod(flags, mirror=True, extra_dirs=_dirs(extra))
        if pod is not None:
            mirror = _as_mirror(mirror)
        cluster.add(mirror)
        cluster.add({"apiVersion": "v1", "kind": "Node", "metadata": {"name": NODE}, "spec": {}})
        for obj in objects:
            cluster.add(dict(obj))
        return live_inventory(tmp_path, cluster, {f"nodes/{NODE}{p}": text for p, text in extra.items()})
    files = apiserver_files(path, flags, extra)
    if pod is not None and path in ("command", "args"):
        files[MANIFEST] = yaml.safe_dump(dict(pod), sort_keys=False)
    elif pod is not None and path == "mirror-pod":
        files["dump/pods.yaml"] = dump([_as_mirror(dict(pod))])
    if objects:
        files["dump/objects.json"] = dump(objects)
    return inventory_from_files(tmp_path, files)


def _dirs(extra: Mapping[str, str]) -> list[str]:
    return [str(Path(p).parent) for p in extra]


def _as_mirror(pod: dict[str, Any]) -> dict[str, Any]:
    """The mirror pod of a static pod dict (name suffixed with the node, mirror annotation, nodeName)."""
    if "config.mirror" in str(pod.get("metadata", {}).get("annotations", {})):
        return pod
    mirror = apiserver_pod([], mirror=True)
    result = dict(pod)
    result["metadata"] = mirror["metadata"]
    result["spec"] = {**pod["spec"], "nodeName": NODE}
    return result


def namespace(name: str, labels: Mapping[str, str] | None = None) -> dict[str, Any]:
    """A Namespace object."""
    all_labels = {"kubernetes.io/metadata.name": name, **dict(labels or {})}
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name, "labels": all_labels}}


def validating_webhook(
    name: str, resources: Sequence[str], namespace_selector: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """A ValidatingWebhookConfiguration with one webhook on CREATE/UPDATE of ``resources``."""
    hook: dict[str, Any] = {
        "name": f"{name}.example.com",
        "admissionReviewVersions": ["v1"],
        "sideEffects": "None",
        "clientConfig": {"service": {"name": name, "namespace": "policy", "path": "/validate"}},
        "rules": [
            {
                "apiGroups": [""],
                "apiVersions": ["v1"],
                "operations": ["CREATE", "UPDATE"],
                "resources": list(resources),
            }
        ],
    }
    if namespace_selector is not None:
        hook["namespaceSelector"] = dict(namespace_selector)
    return {
        "apiVersion": "admissionregistration.k8s.io/v1",
        "kind": "ValidatingWebhookConfiguration",
        "metadata": {"name": name},
        "webhooks": [hook],
    }


def flow_schema(
    name: str,
    level: str,
    subjects: Sequence[Mapping[str, Any]],
    *,
    precedence: int = 1000,
    builtin: bool = False,
    health_only: bool = False,
) -> dict[str, Any]:
    """A FlowSchema routing ``subjects`` to priority level ``level``."""
    rule: dict[str, Any] = {"subjects": list(subjects)}
    if health_only:
        rule["nonResourceRules"] = [{"verbs": ["get"], "nonResourceURLs": ["/healthz", "/livez", "/readyz"]}]
    else:
        rule["resourceRules"] = [
            {"verbs": ["*"], "apiGroups": ["*"], "resources": ["*"], "clusterScope": True, "namespaces": ["*"]}
        ]
    metadata: dict[str, Any] = {"name": name}
    if builtin:
        metadata["annotations"] = {"apf.kubernetes.io/autoupdate-spec": "true"}
    return {
        "apiVersion": "flowcontrol.apiserver.k8s.io/v1",
        "kind": "FlowSchema",
        "metadata": metadata,
        "spec": {"matchingPrecedence": precedence, "priorityLevelConfiguration": {"name": level}, "rules": [rule]},
    }


def priority_level(name: str, kind: str = "Limited") -> dict[str, Any]:
    """A PriorityLevelConfiguration of type ``kind``."""
    spec: dict[str, Any] = {"type": kind}
    spec["limited" if kind == "Limited" else "exempt"] = {"nominalConcurrencyShares": 10}
    return {
        "apiVersion": "flowcontrol.apiserver.k8s.io/v1",
        "kind": "PriorityLevelConfiguration",
        "metadata": {"name": name},
        "spec": spec,
    }


def group(name: str) -> dict[str, Any]:
    """A FlowSchema Group subject."""
    return {"kind": "Group", "group": {"name": name}}


def service_account(namespace_name: str, name: str) -> dict[str, Any]:
    """A FlowSchema ServiceAccount subject."""
    return {"kind": "ServiceAccount", "serviceAccount": {"namespace": namespace_name, "name": name}}
