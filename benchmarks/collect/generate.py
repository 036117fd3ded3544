"""Generate a large synthetic cluster as fixture files for the fixture API server.

Default scale: 5,000 namespaces, 100,000 pods, 20,000 Roles, 100,000 RoleBindings, 50,000
ServiceAccounts, plus nodes with /configz answers and the usual cluster-scoped RBAC. Objects have
realistic sizes: pods carry labels, annotations, ownerReferences, two containers with probes and
resources, a projected token volume, a full status and managedFields (~5 KB of JSON each, like a
real Deployment's pod). Files are JSON ``List``s written as a stream, so generating needs little
memory. Output is deterministic for a given scale.

    python benchmarks/collect/generate.py --out /tmp/kubeward-bench/cluster [--scale 1.0]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import time
import uuid
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import msgspec

NAMESPACES = 5_000
PODS_PER_NS = 20
ROLES_PER_NS = 4
ROLEBINDINGS_PER_NS = 20
SAS_PER_NS = 10
APPS_PER_NS = 4
NODES = 50
T = "2025-01-06T10:00:00Z"

_encode = msgspec.json.Encoder().encode


def uid(seed: str) -> str:
    return str(uuid.UUID(hashlib.md5(seed.encode(), usedforsecurity=False).hexdigest()))


def short_hash(seed: str, length: int = 10) -> str:
    return hashlib.sha1(seed.encode(), usedforsecurity=False).hexdigest()[:length]


def write_list(path: Path, items: Iterator[dict[str, Any]]) -> int:
    count = 0
    with path.open("wb") as handle:
        handle.write(b'{"apiVersion":"v1","kind":"List","metadata":{"resourceVersion":""},"items":[')
        for item in items:
            if count:
                handle.write(b",")
            handle.write(_encode(item))
            count += 1
        handle.write(b"]}")
    return count


def namespace_names(count: int) -> list[str]:
    return [f"team-{i:05d}" for i in range(count)]


def namespaces(names: list[str]) -> Iterator[dict[str, Any]]:
    for ns in names:
        yield {
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": {
                "name": ns,
                "uid": uid("ns/" + ns),
                "resourceVersion": "100",
                "creationTimestamp": T,
                "labels": {"kubernetes.io/metadata.name": ns, "pod-security.kubernetes.io/enforce": "baseline"},
                "managedFields": [
                    {
                        "apiVersion": "v1",
                        "fieldsType": "FieldsV1",
                        "manager": "kubectl-create",
                        "operation": "Update",
                        "time": T,
                        "fieldsV1": {"f:metadata": {"f:labels": {".": {}, "f:kubernetes.io/metadata.name": {}}}},
                    }
                ],
            },
            "spec": {"finalizers": ["kubernetes"]},
            "status": {"phase": "Active"},
        }


def _container(name: str, image: str, port: int) -> dict[str, Any]:
    return {
        "name": name,
        "image": image,
        "imagePullPolicy": "IfNotPresent",
        "ports": [{"containerPort": port, "name": "http", "protocol": "TCP"}],
        "env": [
            {"name": "POD_NAME", "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.name"}}},
            {
                "name": "POD_NAMESPACE",
                "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.namespace"}},
            },
            {"name": "LOG_LEVEL", "value": "info"},
        ],
        "resources": {"limits": {"cpu": "500m", "memory": "256Mi"}, "requests": {"cpu": "100m", "memory": "128Mi"}},
        "livenessProbe": {
            "httpGet": {"path": "/healthz", "port": port, "scheme": "HTTP"},
            "initialDelaySeconds": 10,
            "periodSeconds": 10,
            "timeoutSeconds": 1,
            "successThreshold": 1,
            "failureThreshold": 3,
        },
        "readinessProbe": {
            "httpGet": {"path": "/ready", "port": port, "scheme": "HTTP"},
            "periodSeconds": 5,
            "timeoutSeconds": 1,
            "successThreshold": 1,
            "failureThreshold": 3,
        },
        "securityContext": {
            "allowPrivilegeEscalation": False,
            "runAsNonRoot": True,
            "runAsUser": 10001,
            "capabilities": {"drop": ["ALL"]},
            "readOnlyRootFilesystem": True,
        },
        "terminationMessagePath": "/dev/termination-log",
        "terminationMessagePolicy": "File",
        "volumeMounts": [
            {"mountPath": "/var/run/secrets/kubernetes.io/serviceaccount", "name": "kube-api-access", "readOnly": True},
            {"mountPath": "/tmp", "name": "tmp"},
        ],
    }


def pods(names: list[str], per_ns: int, nodes: int) -> Iterator[dict[str, Any]]:
    per_app = max(1, per_ns // APPS_PER_NS)
    for ns in names:
        for index in range(per_ns):
            app = f"app-{index // per_app}"
            rs_hash = short_hash(ns + app)
            rs = f"{app}-{rs_hash}"
            name = f"{rs}-{short_hash(ns + str(index), 5)}"
            node = f"node-{zlib.crc32(name.encode()) % nodes:03d}" if nodes else ""
            ip = f"10.{(index * 7) % 250}.{len(ns) % 250}.{index % 250}"
            labels = {"app.kubernetes.io/name": app, "app.kubernetes.io/part-of": ns, "pod-template-hash": rs_hash}
            yield {
                "apiVersion": "v1",
                "kind": "Pod",
                "metadata": {
                    "name": name,
                    "generateName": rs + "-",
                    "namespace": ns,
                    "uid": uid(f"pod/{ns}/{name}"),
                    "resourceVersion": "200",
                    "creationTimestamp": T,
                    "labels": labels,
                    "annotations": {
                        "kubectl.kubernetes.io/restartedAt": T,
                        "prometheus.io/scrape": "true",
                        "prometheus.io/port": "8080",
                    },
                    "ownerReferences": [
                        {
                            "apiVersion": "apps/v1",
                            "kind": "ReplicaSet",
                            "name": rs,
                            "uid": uid(f"rs/{ns}/{rs}"),
                            "controller": True,
                            "blockOwnerDeletion": True,
                        }
                    ],
                    "managedFields": [
                        {
                            "apiVersion": "v1",
                            "fieldsType": "FieldsV1",
                            "manager": "kube-controller-manager",
                            "operation": "Update",
                            "time": T,
                            "fieldsV1": {
                                "f:metadata": {
                                    "f:generateName": {},
                                    "f:labels": {".": {}, "f:app.kubernetes.io/name": {}, "f:pod-template-hash": {}},
                                    "f:ownerReferences": {".": {}, f'k:{{"uid":"{uid(rs)}"}}': {}},
                                },
                                "f:spec": {
                                    "f:containers": {
                                        'k:{"name":"app"}': {".": {}, "f:image": {}, "f:env": {}},
                                        'k:{"name":"proxy"}': {".": {}, "f:image": {}},
                                    },
                                    "f:dnsPolicy": {},
                                    "f:securityContext": {},
                                    "f:volumes": {},
                                },
                            },
                        },
                        {
                            "apiVersion": "v1",
                            "fieldsType": "FieldsV1",
                            "manager": "kubelet",
                            "operation": "Update",
                            "subresource": "status",
                            "time": T,
                            "fieldsV1": {
                                "f:status": {
                                    "f:conditions": {'k:{"type":"Ready"}': {".": {}, "f:status": {}}},
                                    "f:containerStatuses": {},
                                    "f:hostIP": {},
                                    "f:phase": {},
                                    "f:podIP": {},
                                    "f:podIPs": {},
                                    "f:startTime": {},
                                }
                            },
                        },
                    ],
                },
                "spec": {
                    "containers": [
                        _container("app", f"registry.example.com/{app}:1.{index % 9}.0", 8080),
                        _container("proxy", "registry.example.com/envoy:1.31.2", 15001),
                    ],
                    "dnsPolicy": "ClusterFirst",
                    "enableServiceLinks": True,
                    "nodeName": node,
                    "preemptionPolicy": "PreemptLowerPriority",
                    "priority": 0,
                    "restartPolicy": "Always",
                    "schedulerName": "default-scheduler",
                    "securityContext": {"fsGroup": 10001, "seccompProfile": {"type": "RuntimeDefault"}},
                    "serviceAccount": app,
                    "serviceAccountName": app,
                    "terminationGracePeriodSeconds": 30,
                    "tolerations": [
                        {
                            "effect": "NoExecute",
                            "key": "node.kubernetes.io/not-ready",
                            "operator": "Exists",
                            "tolerationSeconds": 300,
                        },
                        {
                            "effect": "NoExecute",
                            "key": "node.kubernetes.io/unreachable",
                            "operator": "Exists",
                            "tolerationSeconds": 300,
                        },
                    ],
                    "volumes": [
                        {"name": "tmp", "emptyDir": {}},
                        {
                            "name": "kube-api-access",
                            "projected": {
                                "defaultMode": 420,
                                "sources": [
                                    {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
                                    {
                                        "configMap": {
                                            "items": [{"key": "ca.crt", "path": "ca.crt"}],
                                            "name": "kube-root-ca.crt",
                                        }
                                    },
                                    {
                                        "downwardAPI": {
                                            "items": [
                                                {
                                                    "fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.namespace"},
                                                    "path": "namespace",
                                                }
                                            ]
                                        }
                                    },
                                ],
                            },
                        },
                    ],
                },
                "status": {
                    "conditions": [
                        {"lastProbeTime": None, "lastTransitionTime": T, "status": "True", "type": t}
                        for t in (
                            "PodReadyToStartContainers",
                            "Initialized",
                            "Ready",
                            "ContainersReady",
                            "PodScheduled",
                        )
                    ],
                    "containerStatuses": [
                        {
                            "containerID": "containerd://" + short_hash(name + c, 64),
                            "image": f"registry.example.com/{c}",
                            "imageID": "registry.example.com/" + c + "@sha256:" + short_hash(c, 64),
                            "lastState": {},
                            "name": c,
                            "ready": True,
                            "restartCount": 0,
                            "started": True,
                            "state": {"running": {"startedAt": T}},
                        }
                        for c in ("app", "proxy")
                    ],
                    "hostIP": "192.168.1.10",
                    "hostIPs": [{"ip": "192.168.1.10"}],
                    "phase": "Running",
                    "podIP": ip,
                    "podIPs": [{"ip": ip}],
                    "qosClass": "Burstable",
                    "startTime": T,
                },
            }


def roles(names: list[str], per_ns: int) -> Iterator[dict[str, Any]]:
    for ns in names:
        for index in range(per_ns):
            yield {
                "apiVersion": "rbac.authorization.k8s.io/v1",
                "kind": "Role",
                "metadata": {
                    "name": f"role-{index}",
                    "namespace": ns,
                    "uid": uid(f"role/{ns}/{index}"),
                    "resourceVersion": "300",
                    "creationTimestamp": T,
                    "labels": {"app.kubernetes.io/managed-by": "Helm"},
                    "annotations": {"meta.helm.sh/release-name": f"app-{index}", "meta.helm.sh/release-namespace": ns},
                },
                "rules": [
                    {"apiGroups": [""], "resources": ["configmaps", "secrets"], "verbs": ["get", "list", "watch"]},
                    {"apiGroups": ["apps"], "resources": ["deployments", "replicasets"], "verbs": ["get", "list"]},
                    {"apiGroups": [""], "resources": ["pods/exec"], "verbs": ["create"]}
                    if index == 0
                    else {"apiGroups": ["batch"], "resources": ["jobs"], "verbs": ["*"]},
                ],
            }


def rolebindings(names: list[str], per_ns: int, roles_per_ns: int) -> Iterator[dict[str, Any]]:
    for ns in names:
        for index in range(per_ns):
            to_cluster_role = index % 5 == 4
            yield {
                "apiVersion": "rbac.authorization.k8s.io/v1",
                "kind": "RoleBinding",
                "metadata": {
                    "name": f"binding-{index}",
                    "namespace": ns,
                    "uid": uid(f"rb/{ns}/{index}"),
                    "resourceVersion": "400",
                    "creationTimestamp": T,
                    "labels": {"app.kubernetes.io/managed-by": "Helm"},
                },
                "roleRef": {
                    "apiGroup": "rbac.authorization.k8s.io",
                    "kind": "ClusterRole" if to_cluster_role else "Role",
                    "name": "edit" if to_cluster_role else f"role-{index % roles_per_ns}",
                },
                "subjects": [
                    {"kind": "ServiceAccount", "name": f"app-{index % APPS_PER_NS}", "namespace": ns},
                    {"apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": f"{ns}-developers"},
                ],
            }


def serviceaccounts(names: list[str], per_ns: int) -> Iterator[dict[str, Any]]:
    for ns in names:
        for index in range(per_ns):
            name = "default" if index == 0 else f"app-{index - 1}" if index <= APPS_PER_NS else f"robot-{index}"
            item: dict[str, Any] = {
                "apiVersion": "v1",
                "kind": "ServiceAccount",
                "metadata": {
                    "name": name,
                    "namespace": ns,
                    "uid": uid(f"sa/{ns}/{name}"),
                    "resourceVersion": "500",
                    "creationTimestamp": T,
                    "labels": {"app.kubernetes.io/part-of": ns},
                },
            }
            if index > APPS_PER_NS:
                item["automountServiceAccountToken"] = False
            yield item


def nodes(count: int) -> Iterator[dict[str, Any]]:
    for index in range(count):
        name = f"node-{index:03d}"
        yield {
            "apiVersion": "v1",
            "kind": "Node",
            "metadata": {
                "name": name,
                "uid": uid("node/" + name),
                "resourceVersion": "600",
                "creationTimestamp": T,
                "labels": {"kubernetes.io/hostname": name, "kubernetes.io/os": "linux"},
            },
            "spec": {"podCIDR": f"10.{index}.0.0/24"},
            "status": {
                "addresses": [{"address": f"192.168.1.{index}", "type": "InternalIP"}],
                "nodeInfo": {
                    "kubeletVersion": "v1.31.4",
                    "osImage": "Ubuntu 22.04.5 LTS",
                    "containerRuntimeVersion": "containerd://1.7.24",
                },
            },
        }


def cluster_rbac() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    api = "rbac.authorization.k8s.io/v1"
    crs = [
        {
            "apiVersion": api,
            "kind": "ClusterRole",
            "metadata": {"name": name, "uid": uid("cr/" + name)},
            "rules": [{"apiGroups": ["*"], "resources": ["*"], "verbs": verbs}],
        }
        for name, verbs in (
            ("cluster-admin", ["*"]),
            ("edit", ["create", "update", "patch", "delete"]),
            ("view", ["get", "list", "watch"]),
        )
    ]
    crbs = [
        {
            "apiVersion": api,
            "kind": "ClusterRoleBinding",
            "metadata": {"name": "cluster-admin", "uid": uid("crb")},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "cluster-admin"},
            "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": "system:masters"}],
        }
    ]
    return crs, crbs


def configz() -> dict[str, Any]:
    return {
        "kubeletconfig": {
            "enableServer": True,
            "port": 10250,
            "readOnlyPort": 0,
            "staticPodPath": "/etc/kubernetes/manifests",
            "authentication": {
                "anonymous": {"enabled": False},
                "webhook": {"enabled": True, "cacheTTL": "2m0s"},
                "x509": {"clientCAFile": "/etc/kubernetes/pki/ca.crt"},
            },
            "authorization": {"mode": "Webhook"},
            "rotateCertificates": True,
            "cgroupDriver": "systemd",
        }
    }


def generate(out: Path, scale: float = 1.0) -> dict[str, int]:
    """Write the synthetic cluster into ``out``; returns object counts per file."""
    out.mkdir(parents=True, exist_ok=True)
    names = namespace_names(max(1, int(NAMESPACES * scale)))
    node_count = max(1, int(NODES * min(1.0, scale * 10)))
    crs, crbs = cluster_rbac()
    counts = {
        "namespaces": write_list(out / "namespaces.json", namespaces(names)),
        "pods": write_list(out / "pods.json", pods(names, PODS_PER_NS, node_count)),
        "roles": write_list(out / "roles.json", roles(names, ROLES_PER_NS)),
        "rolebindings": write_list(out / "rolebindings.json", rolebindings(names, ROLEBINDINGS_PER_NS, ROLES_PER_NS)),
        "serviceaccounts": write_list(out / "serviceaccounts.json", serviceaccounts(names, SAS_PER_NS)),
        "nodes": write_list(out / "nodes.json", nodes(node_count)),
        "clusterroles": write_list(out / "clusterroles.json", iter(crs)),
        "clusterrolebindings": write_list(out / "clusterrolebindings.json", iter(crbs)),
    }
    (out / "configz").mkdir(exist_ok=True)
    for index in range(node_count):
        (out / "configz" / f"node-{index:03d}.json").write_text(json.dumps(configz()))
    (out / "COUNTS.txt").write_text(json.dumps(counts, indent=2) + "\n")
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of the default size (1.0 = 100k pods)")
    args = parser.parse_args()
    started = time.monotonic()
    counts = generate(args.out, args.scale)
    size = sum(p.stat().st_size for p in args.out.glob("*.json"))
    print(f"{counts} in {args.out} ({size / 2**20:.0f} MiB, {time.monotonic() - started:.1f}s)")


if __name__ == "__main__":
    main()
