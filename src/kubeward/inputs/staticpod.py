"""Control-plane components from pod specs: static pod manifests and their mirror pods.

The component's command line is ``command`` followed by ``args`` (Kubernetes' entrypoint rule).
Peers that read only ``command`` miss every flag RKE2 and others put in ``args``.
"""

import re
from collections.abc import Callable

from kubeward.inputs.flags import parse_flags
from kubeward.inventory.components import ApiServerInstance, ApiServerOrigin
from kubeward.inventory.objects import Container, Pod
from kubeward.inventory.provenance import Provenance

# Word provenance: (container index, "command" or "args", word index) -> Provenance.
WordProvenance = Callable[[int, str, int], Provenance]

_VERSION_IN_TAG = re.compile(r"v?(\d+\.\d+\.\d+)")


def find_container(pod: Pod, program: str) -> tuple[int, Container] | None:
    """The container that runs ``program`` (by command word or container name)."""
    for index, container in enumerate(pod.spec.containers):
        first = container.command[0] if container.command else ""
        if first.rsplit("/", 1)[-1] == program or container.name == program:
            return index, container
    return None


def version_from_image(image: str) -> str:
    """``registry.k8s.io/kube-apiserver:v1.30.2`` -> ``v1.30.2``; RKE2's ``v1.30.2-rke2r1`` too.

    A digest (``...:v1.30.2@sha256:...``, as pinned images are written) is not part of the tag.
    """
    name = image.split("@", 1)[0]
    tag = name.rsplit(":", 1)[-1] if ":" in name.rsplit("/", 1)[-1] else ""
    match = _VERSION_IN_TAG.match(tag)
    return f"v{match.group(1)}" if match else ""


def apiserver_from_pod(
    pod: Pod,
    origin: ApiServerOrigin,
    provenance: Provenance,
    word_provenance: WordProvenance,
    node: str = "",
) -> ApiServerInstance | None:
    """Read a kube-apiserver configuration from a pod spec, or None if no container runs it."""
    found = find_container(pod, "kube-apiserver")
    if found is None:
        return None
    index, container = found
    words: list[str] = list(container.command)
    origins: list[tuple[str, int]] = [("command", i) for i in range(len(container.command))]
    if not words:
        # No command: the image's entrypoint is the program and every word of args is an argument.
        words = ["kube-apiserver"]
        origins = [("command", 0)]
    words.extend(container.args)
    origins.extend(("args", i) for i in range(len(container.args)))

    def provenance_of(i: int) -> Provenance:
        field, j = origins[i]
        return word_provenance(index, field, j)

    flags, _positional = parse_flags(words, provenance_of)
    return ApiServerInstance(
        name=pod.metadata.name or "kube-apiserver",
        origin=origin,
        provenance=provenance,
        flags=tuple(flags),
        node=node or pod.spec.nodeName,
        image=container.image,
        version=version_from_image(container.image),
        volumes=pod.spec.volumes,
        volume_mounts=container.volumeMounts,
    )


def is_control_plane_pod(pod: Pod) -> bool:
    """True for a pod that runs a control-plane component (kube-apiserver, etcd, ...)."""
    return any(
        find_container(pod, program) is not None
        for program in ("kube-apiserver", "kube-controller-manager", "kube-scheduler", "etcd")
    )
