"""Effective kubelet settings.

Precedence, per field:

1. ``/configz`` when collected live: the running kubelet's own answer, flags and files applied
   (a field it leaves out has the zero value: the answer omits empty fields);
2. command-line flags (the user's, then those an installer such as k3s passes itself);
3. ``--config-dir`` drop-ins, in file-name order, the last one setting a field wins;
4. the ``--config`` file;
5. the default that applies to how the kubelet was started: with ``--config`` the
   ``kubelet.config.k8s.io/v1beta1`` defaults (anonymous off, Webhook, read-only port 0); from flags
   alone the binary's legacy defaults (anonymous on, AlwaysAllow, read-only port 10255)
   (``cmd/kubelet/app/options/options.go`` ``applyLegacyDefaults``;
   ``pkg/kubelet/apis/config/v1beta1/defaults.go``).

k3s and RKE2 put more flags on the kubelet's command line than the distro loader models
(``INSTALLER_FLAGS``: the client CA and the serving certificate the agent writes, k3s
``pkg/daemons/agent/agent_linux.go`` ``kubeletArgs``); they decide like a flag the installer passes.

The v1beta1 defaulting replaces some zero values in a config file by the default
(``SetDefaults_KubeletConfiguration`` checks ``== zeroDuration``): ``streamingConnectionIdleTimeout: 0s``
in a file runs as 4h, while ``--streaming-connection-idle-timeout=0`` (applied after defaulting) runs
as 0. ``KubeletField.zero_is_default`` marks those fields.

When the kubelet reads a ``--config`` file that is not among the inputs, a field no flag sets is
unknown, and rules say ``not_assessable`` rather than guess.
"""

import re
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Literal

from kubeward.findings import Resource
from kubeward.inventory.components import ConfigDoc, Flag, KubeletInstance
from kubeward.inventory.provenance import default_of
from kubeward.resolve.setting import Setting, parse_bool, parse_int, split_list

COMPONENT = "kubelet"

FieldType = Literal["bool", "int", "str", "list"]


@dataclass(frozen=True)
class KubeletField:
    """A KubeletConfiguration field, its flag, and its two defaults."""

    path: str
    flag: str
    type: FieldType
    default: Any
    legacy_default: Any
    zero_is_default: bool = False


_FIELDS: tuple[KubeletField, ...] = (
    KubeletField("authentication.anonymous.enabled", "anonymous-auth", "bool", False, True),
    KubeletField("authentication.webhook.enabled", "authentication-token-webhook", "bool", True, False),
    KubeletField("authentication.x509.clientCAFile", "client-ca-file", "str", "", ""),
    KubeletField("authorization.mode", "authorization-mode", "str", "Webhook", "AlwaysAllow"),
    KubeletField("readOnlyPort", "read-only-port", "int", 0, 10255),
    KubeletField("port", "port", "int", 10250, 10250),
    KubeletField("address", "address", "str", "0.0.0.0", "0.0.0.0"),
    KubeletField("tlsCertFile", "tls-cert-file", "str", "", ""),
    KubeletField("tlsPrivateKeyFile", "tls-private-key-file", "str", "", ""),
    KubeletField("tlsCipherSuites", "tls-cipher-suites", "list", [], []),
    KubeletField("tlsMinVersion", "tls-min-version", "str", "", ""),
    KubeletField("rotateCertificates", "rotate-certificates", "bool", False, False),
    KubeletField("serverTLSBootstrap", "rotate-server-certificates", "bool", False, False),
    KubeletField("protectKernelDefaults", "protect-kernel-defaults", "bool", False, False),
    KubeletField("makeIPTablesUtilChains", "make-iptables-util-chains", "bool", True, True),
    KubeletField(
        "streamingConnectionIdleTimeout", "streaming-connection-idle-timeout", "str", "4h0m0s", "4h0m0s", True
    ),
    KubeletField("eventRecordQPS", "event-qps", "int", 50, 50),
    KubeletField("enableDebuggingHandlers", "enable-debugging-handlers", "bool", True, True),
    KubeletField("staticPodPath", "pod-manifest-path", "str", "", ""),
)
FIELDS: dict[str, KubeletField] = {f.path: f for f in _FIELDS}

# Flags k3s/RKE2 pass to the kubelet beyond those ``kubeward.inputs.distro`` models: the agent's client
# CA and the serving certificate the server signs for it (k3s ``kubeletArgs``: ``client-ca-file``,
# ``tls-cert-file``, ``tls-private-key-file``). A user ``kubelet-arg`` of the same name overrides them.
_AGENT_FILES: tuple[tuple[str, str], ...] = (
    ("client-ca-file", "{data}/agent/client-ca.crt"),
    ("tls-cert-file", "{data}/agent/serving-kubelet.crt"),
    ("tls-private-key-file", "{data}/agent/serving-kubelet.key"),
)
INSTALLER_FLAGS: dict[str, dict[str, str]] = {
    distro: {name: value.format(data=data_dir) for name, value in _AGENT_FILES}
    for distro, data_dir in (("k3s", "/var/lib/rancher/k3s"), ("rke2", "/var/lib/rancher/rke2"))
}


@dataclass(frozen=True)
class EffectiveKubelet:
    """One kubelet with its settings resolved."""

    instance: KubeletInstance

    @cached_property
    def resource(self) -> Resource:
        """How findings name this kubelet."""
        return Resource(kind="kubelet", name=self.instance.node, provenance=self.instance.provenance)

    @cached_property
    def _flags(self) -> dict[str, Flag]:
        return {flag.name: flag for flag in self.instance.flags}

    @cached_property
    def config_flag(self) -> Flag | None:
        """The ``--config`` flag, if any."""
        return self._flags.get("config")

    def setting(self, path: str) -> Setting:
        """The effective value of a KubeletConfiguration field and what decided it."""
        spec = FIELDS[path]
        instance = self.instance
        if instance.configz is not None:
            present, value = instance.configz.field(path)
            if present:
                return Setting(
                    component=COMPONENT,
                    name=path,
                    value=value,
                    source="configz",
                    provenance=instance.configz.provenance_of(path),
                    detail="reported by the running kubelet (/configz)",
                )
            # /configz is the running configuration, serialised as v1beta1 whose plain fields are
            # ``omitempty``: an absent field is its zero value (``readOnlyPort`` 0 is left out),
            # never a default still to apply.
            return Setting(
                component=COMPONENT,
                name=path,
                value=_zero(spec),
                source="configz",
                provenance=instance.configz.provenance,
                detail="left out of the running kubelet's /configz, which omits zero values",
            )
        flag = self._flags.get(spec.flag)
        if flag is not None:
            value = _parse(spec, flag.value)
            if flag.provenance.kind == "default":
                return Setting(
                    component=COMPONENT,
                    name=f"--{spec.flag}",
                    value=value,
                    source="default",
                    provenance=flag.provenance,
                    detail=f"{instance.installer or 'the installer'} passes --{spec.flag}={flag.value}",
                )
            return Setting(
                component=COMPONENT,
                name=f"--{spec.flag}",
                value=value,
                source="flag",
                provenance=flag.provenance,
                detail=f"--{spec.flag} overrides the config file" if instance.config is not None else "",
            )
        built_in = INSTALLER_FLAGS.get(instance.origin, {}).get(spec.flag)
        if built_in is not None:
            installer = instance.installer or instance.origin
            return Setting(
                component=COMPONENT,
                name=f"--{spec.flag}",
                value=_parse(spec, built_in),
                source="default",
                provenance=default_of(f"{installer} built-in argument"),
                detail=f"{installer} passes --{spec.flag}={built_in}",
            )
        for doc in reversed(instance.dropins):
            found = _from_doc(doc, spec, "drop-in")
            if found is not None:
                return found
        if instance.config is not None:
            found = _from_doc(instance.config, spec, "config file")
            if found is not None:
                return found
        return self._default(spec)

    def _default(self, spec: KubeletField) -> Setting:
        instance = self.instance
        with_config = instance.started_with_config
        if with_config is None:
            with_config = instance.config is not None or self.config_flag is not None
        if with_config and instance.config is None and instance.configz is None:
            where = self.config_flag.value if self.config_flag is not None else "its config file"
            return Setting(
                component=COMPONENT,
                name=spec.path,
                value=None,
                source="default",
                provenance=self.config_flag.provenance if self.config_flag else instance.provenance,
                detail=f"the kubelet reads --config={where}, which is not among the inputs",
                known=False,
            )
        if with_config:
            return Setting(
                component=COMPONENT,
                name=spec.path,
                value=spec.default,
                source="default",
                provenance=default_of("kubelet.config.k8s.io/v1beta1 defaults"),
                detail="not set; the kubelet runs with a config file, so the v1beta1 default applies",
            )
        return Setting(
            component=COMPONENT,
            name=spec.path,
            value=spec.legacy_default,
            source="default",
            provenance=default_of("kubelet binary defaults without --config (applyLegacyDefaults)"),
            detail="not set, and the kubelet runs without --config, so the binary's legacy default applies",
        )


def _from_doc(doc: ConfigDoc, spec: KubeletField, what: str) -> Setting | None:
    present, value = doc.field(spec.path)
    if not present:
        return None
    if spec.zero_is_default and parse_duration(value) == 0:
        return Setting(
            component=COMPONENT,
            name=spec.path,
            value=spec.default,
            source="config-file",
            provenance=doc.provenance_of(spec.path),
            detail=f"{value!r} in the kubelet {what}; v1beta1 defaulting replaces a zero value by {spec.default}",
        )
    return Setting(
        component=COMPONENT,
        name=spec.path,
        value=value,
        source="config-file",
        provenance=doc.provenance_of(spec.path),
        detail=f"set in the kubelet {what}",
    )


def _zero(spec: KubeletField) -> Any:
    """The Go zero value of a field's type (what ``omitempty`` leaves out)."""
    return {"bool": False, "int": 0, "str": "", "list": []}[spec.type]


def _parse(spec: KubeletField, text: str) -> Any:
    if spec.type == "bool":
        parsed = parse_bool(text)
        return text if parsed is None else parsed
    if spec.type == "int":
        number = parse_int(text)
        return text if number is None else number
    if spec.type == "list":
        return split_list(text)
    return text


_DURATION_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)")
_UNIT_SECONDS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "μs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}


def parse_duration(value: Any) -> float | None:
    """Seconds in a Go ``time.Duration`` string (``4h0m0s``, ``5m``, ``0``), or None if it is not one.

    As ``time.ParseDuration``: a sign, then number-unit pairs; a bare ``0`` is the only unitless value.
    """
    if isinstance(value, bool) or value is None:
        return None
    text = str(value).strip()
    sign = -1.0 if text.startswith("-") else 1.0
    text = text.lstrip("+-")
    if text == "0":
        return 0.0
    if not text:
        return None
    total = 0.0
    position = 0
    for match in _DURATION_PART.finditer(text):
        if match.start() != position:
            return None
        total += float(match.group(1)) * _UNIT_SECONDS[match.group(2)]
        position = match.end()
    return sign * total if position == len(text) else None
