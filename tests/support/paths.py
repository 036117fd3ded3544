"""The same kube-apiserver or kubelet settings written in every form kubeward reads, so one rule test
can be parametrized over all input paths and must give the same verdict on each.

Issue 3's "done when": every control-plane rule has pass, fail and not_assessable tests on each
input path where it applies. The paths:

* ``command`` / ``args``: a kubeadm-style static pod manifest with the flags in ``command`` or in
  ``args`` (RKE2 and some hand-made manifests use ``args``);
* ``k3s`` / ``rke2``: ``config.yaml`` ``kube-apiserver-arg`` / ``kubelet-arg`` lists;
* ``kubeadm``: ``ClusterConfiguration.apiServer.extraArgs`` (v1beta4 name/value list);
* ``mirror-pod``: the mirror pod of the static pod in a ``kubectl get -o yaml`` dump;
* ``live``: the same mirror pod (or the kubelet's ``/configz``) served by the fixture API server
  over HTTPS and collected by the thin client.

Files the flags point at (``extra``: absolute host path -> text) are placed on the control-plane
node; the static pod mounts their directories with hostPath volumes, as kubeadm does, so rules
that read them follow the same mounts they would on a real node. k3s and RKE2 put their own
defaults on the command line (anonymous auth off, Node,RBAC, profiling off, ...), so a test that
means "flag absent" must expect those distros' verdicts separately.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml
from tests.support.inventories import inventory_from_files, write_files

from kubeward.collect.live import collect_live
from kubeward.collect.offline import OfflineCollector
from kubeward.inventory.builder import InventoryBuilder
from kubeward.inventory.model import Inventory, Target
from kubeward.kube.client import KubeClient
from kubeward.kube.kubeconfig import ConnectionOptions, resolve_connection
from kubeward.testing.fixture_apiserver import FixtureCluster
from kubeward.testing.harness import fixture_environment

APISERVER_PATHS = ("command", "args", "k3s", "rke2", "kubeadm", "mirror-pod", "live")
# Paths where an absent flag means the kube-apiserver default (k3s/RKE2 add their own flags).
UPSTREAM_DEFAULT_PATHS = ("command", "args", "kubeadm", "mirror-pod", "live")
NODE = "cp-1"
MANIFEST = f"nodes/{NODE}/etc/kubernetes/manifests/kube-apiserver.yaml"
IMAGE = "registry.k8s.io/kube-apiserver:v1.31.2"
KUBERNETES_VERSION = "v1.31.2"


def _split(flag: str) -> tuple[str, str]:
    """``--name=value`` (or ``--name``) as (name, value)."""
    body = flag[2:] if flag.startswith("--") else flag
    name, _, value = body.partition("=")
    return name, value if "=" in body else "true"


def apiserver_pod(
    flags: Sequence[str], *, in_args: bool = False, mirror: bool = False, extra_dirs: Sequence[str] = ()
) -> dict[str, Any]:
    """The kube-apiserver static pod (or its mirror pod) as an object."""
    container: dict[str, Any] = {"name": "kube-apiserver", "image": IMAGE, "command": ["kube-apiserver"]}
    if in_args:
        container["args"] = list(flags)
    else:
        container["command"] += list(flags)
    volumes = []
    mounts = []
    for index, directory in enumerate(sorted(set(extra_dirs))):
        name = f"host-{index}"
        volumes.append({"name": name, "hostPath": {"path": directory, "type": "DirectoryOrCreate"}})
        mounts.append({"name": name, "mountPath": directory, "readOnly": True})
    if mounts:
        container["volumeMounts"] = mounts
    metadata: dict[str, Any] = {
        "name": "kube-apiserver",
        "namespace": "kube-system",
        "labels": {"component": "kube-apiserver", "tier": "control-plane"},
    }
    spec: dict[str, Any] = {"containers": [container], "hostNetwork": True}
    if volumes:
        spec["volumes"] = volumes
    if mirror:
        metadata["name"] = f"kube-apiserver-{NODE}"
        metadata["annotations"] = {
            "kubernetes.io/config.mirror": "0123456789abcdef",
            "kubernetes.io/config.source": "file",
        }
        metadata["uid"] = "00000000-0000-0000-0000-00000000a001"
        spec["nodeName"] = NODE
    return {"apiVersion": "v1", "kind": "Pod", "metadata": metadata, "spec": spec}


def apiserver_files(path: str, flags: Sequence[str], extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The offline files that configure kube-apiserver with ``flags`` on input path ``path``."""
    extra = dict(extra or {})
    dirs = [str(Path(p).parent) for p in extra]
    node_root = f"nodes/{NODE}"
    files: dict[str, str] = {f"{node_root}{p}": text for p, text in extra.items()}
    if path in ("command", "args"):
        files[MANIFEST] = yaml.safe_dump(apiserver_pod(flags, in_args=path == "args", extra_dirs=dirs), sort_keys=False)
    elif path in ("k3s", "rke2"):
        args = [f"{name}={value}" for name, value in map(_split, flags)]
        files[f"{node_root}/etc/rancher/{path}/config.yaml"] = yaml.safe_dump(
            {"kube-apiserver-arg": args}, sort_keys=False
        )
    elif path == "kubeadm":
        config = {
            "apiVersion": "kubeadm.k8s.io/v1beta4",
            "kind": "ClusterConfiguration",
            "kubernetesVersion": KUBERNETES_VERSION,
            "apiServer": {"extraArgs": [{"name": n, "value": v} for n, v in map(_split, flags)]},
        }
        if dirs:  # mounted as the static pod paths mount them
            config["apiServer"]["extraVolumes"] = [  # type: ignore[index]
                {"name": f"host-{i}", "hostPath": d, "mountPath": d, "readOnly": True, "pathType": "DirectoryOrCreate"}
                for i, d in enumerate(sorted(set(dirs)))
            ]
        files[f"{node_root}/etc/kubernetes/kubeadm-config.yaml"] = yaml.safe_dump(config, sort_keys=False)
    elif path == "mirror-pod":
        pod = apiserver_pod(flags, mirror=True, extra_dirs=dirs)
        files["dump/pods.yaml"] = yaml.safe_dump({"apiVersion": "v1", "kind": "List", "items": [pod]}, sort_keys=False)
    else:
        raise ValueError(f"no offline files for input path {path!r}")
    return files


def apiserver_inventory(
    tmp_path: Path, path: str, flags: Sequence[str], extra: Mapping[str, str] | None = None
) -> Inventory:
    """An Inventory whose kube-apiserver runs with ``flags``, read through input path ``path``.

    On the ``live`` path the mirror pod is served by the fixture API server; files in ``extra`` are
    then given as offline inputs next to the live collection (a live cluster does not expose them,
    which is what users combine ``scan --bundle`` with node files for).
    """
    if path != "live":
        return inventory_from_files(tmp_path, apiserver_files(path, flags, extra))
    cluster = FixtureCluster()
    cluster.add(apiserver_pod(flags, mirror=True, extra_dirs=[str(Path(p).parent) for p in extra or {}]))
    cluster.add({"apiVersion": "v1", "kind": "Node", "metadata": {"name": NODE}, "spec": {}})
    node_files = {f"nodes/{NODE}{p}": text for p, text in (extra or {}).items()}
    return live_inventory(tmp_path, cluster, node_files)


def kubelet_configz_cluster(configz: Mapping[str, Mapping[str, Any]]) -> FixtureCluster:
    """A fixture cluster with one Node per entry, each answering ``/configz`` with that kubeletconfig."""
    cluster = FixtureCluster()
    for node, config in configz.items():
        cluster.add({"apiVersion": "v1", "kind": "Node", "metadata": {"name": node}, "spec": {}})
        cluster.set_configz(node, {"kubeletconfig": dict(config)})
    return cluster


def live_inventory(tmp_path: Path, cluster: FixtureCluster, files: Mapping[str, str] | None = None) -> Inventory:
    """Collect ``cluster`` from the fixture API server over HTTPS with the thin client, plus the
    offline ``files`` (relative path -> text) in the same Inventory, as a scan of both would.
    """
    cluster.freeze()
    with fixture_environment(cluster, tmp_path / "live") as env:
        connection = resolve_connection(ConnectionOptions(kubeconfig=str(env.kubeconfig())))
        builder = InventoryBuilder(Target(kind="live", name="fixture", server=env.url))
        with KubeClient(connection) as client:
            collect_live(client, builder, concurrency=2)
    if files:
        root = tmp_path / "files"
        write_files(root, dict(files))
        OfflineCollector(builder, display=lambda p: str(Path(p).relative_to(root))).load([str(root)])
    return builder.build()


def dump(objects: Sequence[Mapping[str, Any]]) -> str:
    """``kubectl get -o json`` output for ``objects``."""
    return json.dumps({"apiVersion": "v1", "kind": "List", "items": list(objects)}, indent=2)
