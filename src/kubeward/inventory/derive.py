"""Facts the Inventory derives from what was collected, in one place for every input path.

* kube-apiserver configuration from the mirror pods of static control-plane pods (live clusters
  and dumps), when no node file gave it;
* failing that, from kubeadm's ``kube-system/kubeadm-config`` ConfigMap (the ClusterConfiguration
  kubeadm generated the static pod from);
* the cluster-wide kubelet configuration from kubeadm's ``kube-system/kubelet-config`` ConfigMap,
  when no node's own kubelet configuration is known;
* the Kubernetes version from the API server image tag when ``/version`` was not available;
* collection records for the component parts.

Deriving in the builder (not in the collectors) means a bundle written by ``collect`` and read back
gives exactly the Inventory a direct scan gives.
"""

import msgspec

from kubeward.inputs.kubeadm import apiserver_from_cluster_configuration, kubelet_from_kubeadm
from kubeward.inputs.safeload import LoadError, load_yaml
from kubeward.inputs.staticpod import apiserver_from_pod
from kubeward.inventory.components import ApiServerInstance, ConfigDoc, KubeletInstance
from kubeward.inventory.model import CollectionRecord, InputIssue, Inventory, VersionInfo
from kubeward.inventory.objects import ConfigMap, Pod
from kubeward.inventory.provenance import Provenance, api_at


def complete(inventory: Inventory) -> Inventory:
    """Return ``inventory`` with derived component configurations, version and part records.

    Derivation runs again when a bundle is read back (its Inventory is rebuilt), so a problem it
    reports that the inventory already carries is not added twice.
    """
    derived_issues: list[InputIssue] = []
    apiservers = list(inventory.apiservers)
    kubelets = list(inventory.kubelets)
    if not apiservers:
        apiservers = _apiservers_from_mirror_pods(inventory.pods)
    if not apiservers:
        apiservers = _apiserver_from_kubeadm_configmap(inventory.config_maps, derived_issues)
    if not kubelets:
        kubelets = _kubelet_from_kubeadm_configmap(inventory.config_maps, derived_issues)
    known = set(inventory.issues)
    issues = [*inventory.issues, *(issue for issue in derived_issues if issue not in known)]

    version = inventory.version
    if version is None:
        version = _version_from_components(apiservers, inventory)

    records = {rec.part: rec for rec in inventory.collection}
    _record_component(records, "apiserver", len(apiservers), "no kube-apiserver configuration in the inputs")
    _record_component(records, "kubelet", len(kubelets), "no kubelet configuration in the inputs")
    if inventory.providers:
        _record_component(records, "provider", len(inventory.providers), "")
    if version is not None and "version" not in records:
        records["version"] = CollectionRecord(part="version", status="collected", count=1)

    return msgspec.structs.replace(
        inventory,
        apiservers=tuple(apiservers),
        kubelets=tuple(kubelets),
        version=version,
        collection=tuple(records.values()),
        issues=tuple(issues),
    )


def _record_component(records: dict[str, CollectionRecord], part: str, count: int, absent_reason: str) -> None:
    existing = records.get(part)
    if existing is not None and not existing.ok:
        return
    if count:
        records[part] = CollectionRecord(part=part, status="collected", count=count)
    elif existing is None:
        records[part] = CollectionRecord(part=part, status="absent", reason=absent_reason)


def _apiservers_from_mirror_pods(pods: tuple[Pod, ...]) -> list[ApiServerInstance]:
    found: list[ApiServerInstance] = []
    for pod in pods:
        if pod.metadata.namespace != "kube-system" or not pod.is_mirror:
            continue
        path = pod.api_path()

        def word(container: int, field: str, index: int, _path: str = path) -> Provenance:
            return api_at(_path, pointer=f"/spec/containers/{container}/{field}/{index}")

        instance = apiserver_from_pod(pod, "mirror-pod", pod.origin(), word)
        if instance is not None:
            found.append(instance)
    return found


def _embedded_doc(cm: ConfigMap, key: str, kind: str, issues: list[InputIssue]) -> ConfigDoc | None:
    text = cm.data.get(key)
    if not text:
        return None
    origin = cm.origin()
    try:
        docs = load_yaml(text, key_lines=True)
    except LoadError as exc:
        issues.append(InputIssue(input=f"{origin.describe()} data.{key}", message=exc.message, line=exc.line))
        return None
    if not docs or not isinstance(docs[0].value, dict):
        issues.append(InputIssue(input=f"{origin.describe()} data.{key}", message=f"not a {kind} document"))
        return None
    provenance = msgspec.structs.replace(origin, pointer=f"/data/{key}")
    # Lines count from the start of the embedded text. From the API that is the only reference
    # there is; in a dump file they are not the file's lines (the text starts somewhere below the
    # object), so there the evidence points at the ConfigMap and its data key instead.
    lines = docs[0].lines if origin.kind != "file" else {}
    return ConfigDoc(kind=kind, data=docs[0].value, provenance=provenance, lines=lines)


def _find_configmap(config_maps: tuple[ConfigMap, ...], name: str) -> ConfigMap | None:
    for cm in config_maps:
        if cm.metadata.namespace == "kube-system" and cm.metadata.name == name:
            return cm
    return None


def _apiserver_from_kubeadm_configmap(
    config_maps: tuple[ConfigMap, ...], issues: list[InputIssue]
) -> list[ApiServerInstance]:
    cm = _find_configmap(config_maps, "kubeadm-config")
    if cm is None:
        return []
    doc = _embedded_doc(cm, "ClusterConfiguration", "ClusterConfiguration", issues)
    if doc is None:
        return []
    instance, problems = apiserver_from_cluster_configuration(doc, "kube-apiserver (kubeadm-config)")
    issues.extend(InputIssue(input=doc.provenance.describe(), message=p) for p in problems)
    return [instance]


def _kubelet_from_kubeadm_configmap(
    config_maps: tuple[ConfigMap, ...], issues: list[InputIssue]
) -> list[KubeletInstance]:
    cm = _find_configmap(config_maps, "kubelet-config")
    if cm is None:
        return []
    doc = _embedded_doc(cm, "kubelet", "KubeletConfiguration", issues)
    if doc is None:
        return []
    instance, _ = kubelet_from_kubeadm(None, doc, doc.provenance, "all kubeadm nodes (kubelet-config)")
    return [instance]


def _version_from_components(apiservers: list[ApiServerInstance], inventory: Inventory) -> VersionInfo | None:
    for api in apiservers:
        if api.version:
            return _version(api.version, api.provenance)
    for provider in inventory.providers:
        if provider.version:
            return _version(provider.version, provider.provenance)
    return None


def _version(git_version: str, provenance: Provenance) -> VersionInfo:
    parts = git_version.lstrip("v").split(".")
    return VersionInfo(
        gitVersion=git_version if git_version.startswith("v") else "v" + git_version,
        major=parts[0] if parts else "",
        minor=parts[1] if len(parts) > 1 else "",
        provenance=provenance,
    )
