"""Component configuration as found: flags, configuration files and live ``/configz`` answers.

These records keep what the inputs said, with provenance, and nothing more. Turning them into
effective values (flag over file over the default of that component and version) is the job of
``kubeward.resolve``, so that the rule lives in one place.
"""

from typing import Any, Literal

import msgspec

from kubeward.inventory.objects import Volume, VolumeMount
from kubeward.inventory.provenance import Provenance


class Flag(msgspec.Struct, frozen=True, omit_defaults=True):
    """One command-line flag occurrence. ``name`` has no leading dashes; bare booleans read "true"."""

    name: str
    value: str
    provenance: Provenance


class ConfigDoc(msgspec.Struct, frozen=True, omit_defaults=True):
    """A parsed configuration document (KubeletConfiguration, AuthenticationConfiguration, ...).

    ``lines`` maps a dotted field path (``authentication.anonymous.enabled``) to the line of its key,
    so evidence can point at the exact line. ``node_path`` is the path the file has on its node
    (``/var/lib/kubelet/config.yaml``) when the layout of the scanned folder tells it.
    """

    kind: str
    data: dict[str, Any]
    provenance: Provenance
    lines: dict[str, int] = {}
    node: str = ""
    node_path: str = ""

    def field(self, path: str) -> tuple[bool, Any]:
        """Look up a dotted field path; returns (present, value)."""
        current: Any = self.data
        for part in path.split("."):
            if not isinstance(current, dict) or part not in current:
                return False, None
            current = current[part]
        return True, current

    def provenance_of(self, path: str) -> Provenance:
        """Provenance of one field: the file, at the field's line when known."""
        line = self.lines.get(path)
        if line is None:
            return self.provenance
        return msgspec.structs.replace(self.provenance, line=line, pointer=path)


ApiServerOrigin = Literal["static-pod", "mirror-pod", "process", "k3s", "rke2", "kubeadm-config"]


class ApiServerInstance(msgspec.Struct, frozen=True, omit_defaults=True):
    """One kube-apiserver as configured.

    ``flags`` is the command line the component runs with, in order (``command`` then ``args`` of a
    static pod). Where an installer builds the command line (k3s/RKE2 from ``kube-apiserver-arg``,
    kubeadm from ``extraArgs``), it is the line the installer generates, and flags the installer adds
    by itself carry a ``default`` provenance naming the installer, so a verdict can say "k3s sets
    this" rather than "you set this".
    """

    name: str
    origin: ApiServerOrigin
    provenance: Provenance
    flags: tuple[Flag, ...] = ()
    installer: str = ""
    node: str = ""
    image: str = ""
    version: str = ""
    volumes: tuple[Volume, ...] = ()
    volume_mounts: tuple[VolumeMount, ...] = ()


KubeletOrigin = Literal["node-files", "configz", "process", "k3s", "rke2", "kubeadm-config"]


class KubeletInstance(msgspec.Struct, frozen=True, omit_defaults=True):
    """One kubelet as configured: flags, ``--config`` file, ``--config-dir`` drop-ins, ``/configz``.

    ``started_with_config`` decides which defaults apply to fields nobody set: the kubelet binary's
    legacy defaults when it runs from flags alone (anonymous on, AlwaysAllow, read-only port 10255),
    the ``kubelet.config.k8s.io/v1beta1`` defaults when a config file is given. ``None`` = unknown.
    """

    node: str
    origin: KubeletOrigin
    provenance: Provenance
    flags: tuple[Flag, ...] = ()
    installer: str = ""
    config: ConfigDoc | None = None
    dropins: tuple[ConfigDoc, ...] = ()
    configz: ConfigDoc | None = None
    started_with_config: bool | None = None
    version: str = ""


class ProviderCluster(msgspec.Struct, frozen=True, omit_defaults=True):
    """A managed cluster's description (``aws eks describe-cluster``, ``gcloud ... describe``, ``az aks show``).

    ``data`` is the provider's JSON with credential-like fields replaced by ``[REDACTED]`` on the way
    in; their presence is still visible (a GKE ``masterAuth.password`` means basic auth is on).
    """

    provider: Literal["eks", "gke", "aks"]
    name: str
    provenance: Provenance
    data: dict[str, Any] = {}
    version: str = ""
    location: str = ""
