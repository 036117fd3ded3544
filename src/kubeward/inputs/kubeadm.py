"""kubeadm configuration: ``ClusterConfiguration`` / ``InitConfiguration`` / ``JoinConfiguration``.

kubeadm generates the kube-apiserver static pod from its own default flags plus
``apiServer.extraArgs`` (a user value replaces kubeadm's value of the same flag). The defaults below
are the flags kubeadm writes that matter for access (``getAPIServerCommand`` in kubernetes
``cmd/kubeadm/app/phases/controlplane/manifests.go``); kubeadm does not set ``--anonymous-auth``,
``--profiling`` or any audit flag, so those keep the kube-apiserver defaults.
``extraArgs`` is a map in ``kubeadm.k8s.io/v1beta3`` and a list of ``{name, value}`` in ``v1beta4``.
The generated command line is kubeadm's flags the user did not override plus the user's, sorted
by flag name with repeated user flags in their order (``ArgumentsToCommand`` in
``cmd/kubeadm/app/util/arguments.go``), so the instance shows the line kubeadm writes.
"""

from typing import Any

from kubeward.inventory.components import ApiServerInstance, ConfigDoc, Flag, KubeletInstance
from kubeward.inventory.objects import HostPathVolumeSource, Volume, VolumeMount
from kubeward.inventory.provenance import Provenance, default_of

KUBEADM_GROUP = "kubeadm.k8s.io/"
KUBEADM_KINDS = frozenset({"ClusterConfiguration", "InitConfiguration", "JoinConfiguration"})

_PKI = "/etc/kubernetes/pki"
KUBEADM_APISERVER_FLAGS: tuple[tuple[str, str], ...] = (
    ("authorization-mode", "Node,RBAC"),
    ("enable-admission-plugins", "NodeRestriction"),
    ("allow-privileged", "true"),
    ("enable-bootstrap-token-auth", "true"),
    ("secure-port", "6443"),
    ("client-ca-file", f"{_PKI}/ca.crt"),
    ("tls-cert-file", f"{_PKI}/apiserver.crt"),
    ("tls-private-key-file", f"{_PKI}/apiserver.key"),
    ("kubelet-client-certificate", f"{_PKI}/apiserver-kubelet-client.crt"),
    ("kubelet-client-key", f"{_PKI}/apiserver-kubelet-client.key"),
    ("service-account-key-file", f"{_PKI}/sa.pub"),
    ("service-account-signing-key-file", f"{_PKI}/sa.key"),
    ("service-account-issuer", "https://kubernetes.default.svc.cluster.local"),
    ("etcd-servers", "https://127.0.0.1:2379"),
    ("etcd-cafile", f"{_PKI}/etcd/ca.crt"),
    ("etcd-certfile", f"{_PKI}/apiserver-etcd-client.crt"),
    ("etcd-keyfile", f"{_PKI}/apiserver-etcd-client.key"),
    ("kubelet-preferred-address-types", "InternalIP,ExternalIP,Hostname"),
    ("requestheader-client-ca-file", f"{_PKI}/front-proxy-ca.crt"),
    ("requestheader-allowed-names", "front-proxy-client"),
    ("proxy-client-cert-file", f"{_PKI}/front-proxy-client.crt"),
    ("proxy-client-key-file", f"{_PKI}/front-proxy-client.key"),
)
_KUBEADM_DEFAULTS = default_of(
    "kubeadm generated kube-apiserver flags (cmd/kubeadm/app/phases/controlplane/manifests.go)"
)


def extra_args(value: Any, base: str, doc: ConfigDoc) -> tuple[list[Flag], list[str]]:
    """Read ``extraArgs`` in either form, with the line of each entry."""
    flags: list[Flag] = []
    problems: list[str] = []
    if value is None:
        return flags, problems
    if isinstance(value, dict):
        for name, arg in value.items():
            flags.append(Flag(name=str(name), value=_text(arg), provenance=doc.provenance_of(f"{base}.{name}")))
    elif isinstance(value, list):
        for index, entry in enumerate(value):
            if isinstance(entry, dict) and "name" in entry:
                flags.append(
                    Flag(
                        name=str(entry["name"]),
                        value=_text(entry.get("value", "")),
                        provenance=doc.provenance_of(f"{base}.{index}"),
                    )
                )
            else:
                problems.append(f"{base}[{index}] is not a {{name, value}} entry")
    else:
        problems.append(f"{base} is neither a map nor a list")
    return flags, problems


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def apiserver_from_cluster_configuration(doc: ConfigDoc, name: str) -> tuple[ApiServerInstance, list[str]]:
    """The kube-apiserver kubeadm would generate from this ClusterConfiguration."""
    api = doc.data.get("apiServer") or {}
    if not isinstance(api, dict):
        api = {}
    flags, problems = extra_args(api.get("extraArgs"), "apiServer.extraArgs", doc)
    version = str(doc.data.get("kubernetesVersion") or "")
    if version and not version.startswith("v") and version[:1].isdigit():
        version = "v" + version
    user_names = {flag.name for flag in flags}
    generated = [
        Flag(name=n, value=v, provenance=_KUBEADM_DEFAULTS) for n, v in KUBEADM_APISERVER_FLAGS if n not in user_names
    ]
    volumes, mounts, volume_problems = kubeadm_mounts(doc.data, api)
    instance = ApiServerInstance(
        name=name,
        origin="kubeadm-config",
        provenance=doc.provenance,
        flags=tuple(sorted((*generated, *flags), key=lambda flag: flag.name)),
        installer="kubeadm",
        node=doc.node,
        version=version if version.startswith("v") else "",
        volumes=volumes,
        volume_mounts=mounts,
    )
    return instance, [*problems, *volume_problems]


# The hostPath mounts kubeadm gives the kube-apiserver pod (``cmd/kubeadm/app/phases/controlplane/
# volumes.go``): the certificates directory and the system CA bundle, read-only. kubeadm adds the
# other CA directories (/etc/pki, /usr/share/ca-certificates, ...) only when they exist on the
# host; they are read-only and never hold audit files, so they are not modelled.
_KUBEADM_MOUNTS = (("k8s-certs", "{pki}"), ("ca-certs", "/etc/ssl/certs"))


def kubeadm_mounts(
    config: dict[str, Any], api: dict[str, Any]
) -> tuple[tuple[Volume, ...], tuple[VolumeMount, ...], list[str]]:
    """The kube-apiserver pod's volumes as kubeadm generates them: its own read-only mounts plus
    ``apiServer.extraVolumes`` (``hostPath``, ``mountPath``, ``readOnly`` — false unless set).
    """
    pki = str(config.get("certificatesDir") or "/etc/kubernetes/pki")
    volumes: list[Volume] = []
    mounts: list[VolumeMount] = []
    for volume_name, host in _KUBEADM_MOUNTS:
        path = host.format(pki=pki)
        volumes.append(Volume(name=volume_name, hostPath=HostPathVolumeSource(path=path, type="DirectoryOrCreate")))
        mounts.append(VolumeMount(name=volume_name, mountPath=path, readOnly=True))
    problems: list[str] = []
    extra = api.get("extraVolumes") or []
    if not isinstance(extra, list):
        return tuple(volumes), tuple(mounts), ["apiServer.extraVolumes is not a list"]
    for index, entry in enumerate(extra):
        if (
            not isinstance(entry, dict)
            or not entry.get("name")
            or not entry.get("hostPath")
            or not entry.get("mountPath")
        ):
            problems.append(f"apiServer.extraVolumes[{index}] needs name, hostPath and mountPath")
            continue
        volume_name = str(entry["name"])
        volumes.append(
            Volume(
                name=volume_name,
                hostPath=HostPathVolumeSource(path=str(entry["hostPath"]), type=str(entry.get("pathType") or "")),
            )
        )
        mounts.append(
            VolumeMount(name=volume_name, mountPath=str(entry["mountPath"]), readOnly=entry.get("readOnly") is True)
        )
    return tuple(volumes), tuple(mounts), problems


def kubelet_from_kubeadm(
    node_registration_doc: ConfigDoc | None, kubelet_doc: ConfigDoc | None, provenance: Provenance, node: str
) -> tuple[KubeletInstance, list[str]]:
    """The kubelet kubeadm sets up: its KubeletConfiguration (kubeadm always starts the kubelet with
    ``--config``) and ``nodeRegistration.kubeletExtraArgs`` as flags.
    """
    flags: list[Flag] = []
    problems: list[str] = []
    if node_registration_doc is not None:
        registration = node_registration_doc.data.get("nodeRegistration") or {}
        if isinstance(registration, dict):
            flags, problems = extra_args(
                registration.get("kubeletExtraArgs"),
                "nodeRegistration.kubeletExtraArgs",
                node_registration_doc,
            )
    instance = KubeletInstance(
        node=node,
        origin="kubeadm-config",
        provenance=provenance,
        flags=tuple(flags),
        installer="kubeadm",
        config=kubelet_doc,
        started_with_config=True,
    )
    return instance, problems
