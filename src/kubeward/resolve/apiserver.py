"""Effective kube-apiserver flags.

A flag on the command line decides (for scalar flags the last occurrence wins; list flags
accumulate across occurrences, as pflag's ``StringSlice``/``StringArray`` do); otherwise the
kube-apiserver default for the version at hand. A flag an installer put on the command line by
itself (k3s, kubeadm) is reported with source ``default`` and the installer named, since the user
did not choose it.
"""

from dataclasses import dataclass
from functools import cached_property
from posixpath import normpath
from typing import Any

from kubeward.findings import Resource
from kubeward.inventory.components import ApiServerInstance, Flag
from kubeward.inventory.objects import Volume, VolumeMount
from kubeward.inventory.provenance import default_of
from kubeward.resolve.setting import Setting, minor_version, parse_bool, parse_int, split_list

COMPONENT = "kube-apiserver"

# Flags whose repeated occurrences accumulate (pflag StringSlice: comma separated; StringArray: not).
SLICE_FLAGS = frozenset(
    {
        "authorization-mode",
        "enable-admission-plugins",
        "disable-admission-plugins",
        "admission-control",
        "tls-cipher-suites",
        "api-audiences",
        "kubelet-preferred-address-types",
        "requestheader-allowed-names",
        "requestheader-username-headers",
        "requestheader-group-headers",
        "requestheader-extra-headers-prefix",
        "oidc-signing-algs",
        "cors-allowed-origins",
        "etcd-servers",
    }
)
ARRAY_FLAGS = frozenset({"service-account-issuer", "service-account-key-file"})
BOOL_FLAGS = frozenset(
    {
        "anonymous-auth",
        "profiling",
        "enable-priority-and-fairness",
        "service-account-lookup",
        "allow-privileged",
        "enable-bootstrap-token-auth",
        "audit-log-compress",
    }
)
INT_FLAGS = frozenset(
    {
        "max-requests-inflight",
        "max-mutating-requests-inflight",
        "audit-log-maxage",
        "audit-log-maxbackup",
        "audit-log-maxsize",
        "secure-port",
        "insecure-port",
    }
)

# kube-apiserver defaults that matter for access (pkg/kubeapiserver/options and
# staging/src/k8s.io/apiserver/pkg/server/options of each release). A flag missing here has no
# default (unset). Version-dependent defaults list (first minor, last minor, value) ranges; None = open.
VersionedDefault = tuple[int | None, int | None, Any]
DEFAULTS: dict[str, tuple[VersionedDefault, ...]] = {
    "anonymous-auth": ((None, None, True),),
    "profiling": ((None, None, True),),
    # API Priority and Fairness: beta and on by default from 1.20, off before.
    "enable-priority-and-fairness": ((None, 19, False), (20, None, True)),
    "max-requests-inflight": ((None, None, 400),),
    "max-mutating-requests-inflight": ((None, None, 200),),
    "service-account-lookup": ((None, None, True),),
    "secure-port": ((None, None, 6443),),
    "bind-address": ((None, None, "0.0.0.0"),),
    # The insecure port served unauthenticated HTTP on 8080 until 1.20 made 0 the default (and the
    # only accepted value); the flag was removed in 1.24.
    "insecure-port": ((None, 19, 8080), (20, 23, 0)),
    "insecure-bind-address": ((None, 23, "127.0.0.1"),),
    # 0 = lumberjack's own behaviour: keep files of any age, keep every rotated file, rotate at 100 MB.
    "audit-log-maxage": ((None, None, 0),),
    "audit-log-maxbackup": ((None, None, 0),),
    "audit-log-maxsize": ((None, None, 0),),
    "authorization-mode": ((None, None, ["AlwaysAllow"]),),
    "allow-privileged": ((None, None, False),),
    "oidc-username-claim": ((None, None, "sub"),),
}
# The release whose defaults apply when the version is unknown (stated in the verdict's detail).
ASSUMED_MINOR = 34

# Flags k3s and RKE2 put on kube-apiserver's command line themselves, beyond the access flags the
# distro loader models (k3s ``pkg/daemons/control/server.go`` ``apiServer``: serving and client
# certificates under ``<data-dir>/server/tls``, service-account keys and issuer). They decide the
# TLS rules the same way the flags would in a static pod; a user ``kube-apiserver-arg`` of the same
# name overrides them.
_DISTRO_TLS = "{data}/server/tls"
_INSTALLER_TEMPLATE: tuple[tuple[str, str], ...] = (
    ("tls-cert-file", f"{_DISTRO_TLS}/serving-kube-apiserver.crt"),
    ("tls-private-key-file", f"{_DISTRO_TLS}/serving-kube-apiserver.key"),
    ("client-ca-file", f"{_DISTRO_TLS}/client-ca.crt"),
    ("kubelet-certificate-authority", f"{_DISTRO_TLS}/server-ca.crt"),
    ("kubelet-client-certificate", f"{_DISTRO_TLS}/client-kube-apiserver.crt"),
    ("kubelet-client-key", f"{_DISTRO_TLS}/client-kube-apiserver.key"),
    ("service-account-key-file", f"{_DISTRO_TLS}/service.key"),
    ("service-account-signing-key-file", f"{_DISTRO_TLS}/service.key"),
    ("service-account-issuer", "https://kubernetes.default.svc.cluster.local"),
)
INSTALLER_FLAGS: dict[str, tuple[tuple[str, str], ...]] = {
    distro: tuple((name, value.format(data=data_dir)) for name, value in _INSTALLER_TEMPLATE)
    for distro, data_dir in (("k3s", "/var/lib/rancher/k3s"), ("rke2", "/var/lib/rancher/rke2"))
}


def default_for(name: str, minor: int | None) -> Any:
    """The kube-apiserver default of ``--name`` for a minor version (None = assume ASSUMED_MINOR)."""
    version = ASSUMED_MINOR if minor is None else minor
    for first, last, value in DEFAULTS.get(name, ()):
        if (first is None or version >= first) and (last is None or version <= last):
            return list(value) if isinstance(value, list) else value
    return None


@dataclass(frozen=True)
class EffectiveApiServer:
    """One kube-apiserver instance with its flags resolved."""

    instance: ApiServerInstance
    cluster_version: str = ""

    @cached_property
    def resource(self) -> Resource:
        """How findings name this instance."""
        return Resource(
            kind="kube-apiserver",
            name=self.instance.name,
            namespace="",
            provenance=self.instance.provenance,
        )

    @cached_property
    def minor(self) -> int | None:
        """Kubernetes minor version of this instance (image tag, else the cluster's), if known."""
        return minor_version(self.version) if self.version else None

    @property
    def version(self) -> str:
        """The instance's version, falling back to the cluster's."""
        return self.instance.version or self.cluster_version

    @property
    def version_known(self) -> bool:
        """True when the Kubernetes minor version of this instance is known."""
        return self.minor is not None

    @property
    def effective_minor(self) -> int:
        """The minor version whose defaults apply: the known one, else ``ASSUMED_MINOR``."""
        return self.minor if self.minor is not None else ASSUMED_MINOR

    def version_note(self) -> str:
        """`` (v1.30.4)``, or the statement that the version is unknown and which defaults are assumed."""
        return _version_note(self)

    @cached_property
    def _user(self) -> dict[str, list[Flag]]:
        grouped: dict[str, list[Flag]] = {}
        for flag in self.instance.flags:
            grouped.setdefault(flag.name, []).append(flag)
        return grouped

    def host_path(self, container_path: str) -> str:
        """Where a path the API server reads lives on its node, following the static pod's
        hostPath mounts (identity for distro and kubeadm configurations, which run on the host).
        """
        found = self.mount_of(container_path, host_path_only=True)
        if found is None:
            return container_path
        mount, volume = found
        assert volume is not None and volume.hostPath is not None  # host_path_only guarantees it
        return volume.hostPath.path.rstrip("/") + container_path[len(mount.mountPath.rstrip("/")) :]

    def mount_of(
        self, container_path: str, *, host_path_only: bool = False
    ) -> tuple[VolumeMount, Volume | None] | None:
        """The deepest volume mount of the kube-apiserver container that contains ``container_path``,
        with its volume (``host_path_only``: only mounts of hostPath volumes count).
        """
        target = normpath(container_path)
        volumes = {v.name: v for v in self.instance.volumes}
        best: tuple[VolumeMount, Volume | None] | None = None
        best_length = -1
        for mount in self.instance.volume_mounts:
            mount_path = normpath(mount.mountPath) if mount.mountPath else ""
            if not mount_path or not (target == mount_path or target.startswith(mount_path.rstrip("/") + "/")):
                continue
            volume = volumes.get(mount.name)
            if host_path_only and (volume is None or volume.hostPath is None):
                continue
            if len(mount_path) > best_length:
                best, best_length = (mount, volume), len(mount_path)
        return best

    def is_set(self, name: str) -> bool:
        """True when the flag is on the command line (including flags the installer puts there)."""
        return name in self._user or name in self._installer

    @cached_property
    def _installer(self) -> dict[str, str]:
        """Flags k3s/RKE2 pass that the distro loader does not model (see ``INSTALLER_FLAGS``)."""
        if self.instance.origin not in ("k3s", "rke2"):
            return {}
        return dict(INSTALLER_FLAGS.get(self.instance.origin, ()))

    def flag(self, name: str) -> Setting:
        """The effective value of ``--name`` and what decided it."""
        label = f"--{name}"
        if name in self._user:
            occurrences = self._user[name]
            deciding = occurrences[-1]
            by_installer = deciding.provenance.kind == "default"
            installer = self.instance.installer or "the installer"
            return Setting(
                component=COMPONENT,
                name=label,
                value=_typed(name, occurrences),
                source="default" if by_installer else "flag",
                provenance=deciding.provenance,
                detail=(
                    f"{installer} passes {label}={deciding.value}" if by_installer else _repeat_note(name, occurrences)
                ),
            )
        if name in self._installer:
            installer = self.instance.installer or self.instance.origin
            value = _typed(name, [Flag(name=name, value=self._installer[name], provenance=self.instance.provenance)])
            return Setting(
                component=COMPONENT,
                name=label,
                value=value,
                source="default",
                provenance=default_of(f"{installer} built-in argument"),
                detail=f"{installer} passes {label}={self._installer[name]}",
            )
        value = _default(name, self)
        return Setting(
            component=COMPONENT,
            name=label,
            value=value,
            source="default",
            provenance=default_of(f"kube-apiserver default{_version_note(self)}"),
            detail="not set; kube-apiserver default" + (f" is {_show(value)}" if value is not None else ": unset"),
        )


def _default(name: str, api: EffectiveApiServer) -> Any:
    if name == "authorization-mode" and api.is_set("authorization-config"):
        return []
    return default_for(name, api.minor)


def _typed(name: str, occurrences: list[Flag]) -> Any:
    if name in SLICE_FLAGS:
        values: list[str] = []
        for flag in occurrences:
            values.extend(split_list(flag.value))
        return values
    if name in ARRAY_FLAGS:
        return [flag.value for flag in occurrences]
    raw = occurrences[-1].value
    if name in BOOL_FLAGS:
        parsed = parse_bool(raw)
        return raw if parsed is None else parsed
    if name in INT_FLAGS:
        number = parse_int(raw)
        return raw if number is None else number
    return raw


def _repeat_note(name: str, occurrences: list[Flag]) -> str:
    if len(occurrences) < 2:
        return ""
    if name in SLICE_FLAGS or name in ARRAY_FLAGS:
        return f"given {len(occurrences)} times; the values accumulate"
    return f"given {len(occurrences)} times; the last one wins"


def _version_note(api: EffectiveApiServer) -> str:
    if api.minor is not None:
        return f" ({api.version})"
    return f" (version unknown; 1.{ASSUMED_MINOR} defaults assumed)"


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(value) if value else "(empty)"
    return str(value)
