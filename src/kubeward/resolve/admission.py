"""The admission plugins a kube-apiserver actually runs, by version.

kube-apiserver runs ``defaultOnPlugins`` of its release (``pkg/kubeapiserver/options/plugins.go``)
plus ``--enable-admission-plugins`` minus ``--disable-admission-plugins``; naming a plugin in both
is a start-up error. The deprecated ``--admission-control`` replaces all of that with exactly the
plugins it lists (``computePluginNames`` in ``pkg/kubeapiserver/options/admission.go`` disables every
other one) and may not be combined with the two newer flags.

The default-on set changed across releases, so a verdict such as "PodSecurity is active" depends on
the version; when the version is unknown the defaults of ``ASSUMED_MINOR`` are used and the evidence
says so.
"""

from dataclasses import dataclass
from functools import cached_property

from kubeward.findings import Evidence
from kubeward.resolve.apiserver import ASSUMED_MINOR, EffectiveApiServer
from kubeward.resolve.setting import Setting

# (plugin, first minor it is on by default, last minor or None). The rules read the first block;
# the rest make the effective set shown in evidence complete. Plugins behind a feature gate are
# listed from the release whose gate is on by default (PodSecurity: in the default list from 1.22
# behind an alpha gate, effective from 1.23 when the gate went beta and on).
# ``--enable-admission-plugins``/``--disable-admission-plugins`` exist from 1.10; older releases
# are not modelled.
DEFAULT_ON: tuple[tuple[str, int, int | None], ...] = (
    ("NamespaceLifecycle", 10, None),
    ("LimitRanger", 10, None),
    ("ServiceAccount", 10, None),
    ("ResourceQuota", 10, None),
    ("PodSecurity", 23, None),
    ("DefaultStorageClass", 10, None),
    ("DefaultTolerationSeconds", 10, None),
    ("MutatingAdmissionWebhook", 10, None),
    ("ValidatingAdmissionWebhook", 10, None),
    ("Priority", 11, None),
    ("StorageObjectInUseProtection", 11, None),
    ("PersistentVolumeClaimResize", 11, None),
    ("TaintNodesByCondition", 17, None),
    ("DefaultIngressClass", 18, None),
    ("CertificateApproval", 19, None),
    ("CertificateSigning", 19, None),
    ("CertificateSubjectRestriction", 19, None),
    ("RuntimeClass", 20, None),
    ("ClusterTrustBundleAttest", 27, None),
    ("ValidatingAdmissionPolicy", 30, None),
)
# PodSecurityPolicy was never on by default and is gone from 1.25.
REMOVED: dict[str, int] = {"PodSecurityPolicy": 25}


def default_on(minor: int | None) -> frozenset[str]:
    """The plugins kube-apiserver 1.<minor> runs without any admission flag (ASSUMED_MINOR if None)."""
    version = ASSUMED_MINOR if minor is None else minor
    return frozenset(name for name, first, last in DEFAULT_ON if version >= first and (last is None or version <= last))


@dataclass(frozen=True)
class PluginState:
    """Whether one plugin runs, why, and the evidence for it."""

    name: str
    on: bool
    why: str
    evidence: Evidence


@dataclass(frozen=True)
class AdmissionChain:
    """The effective admission plugins of one kube-apiserver."""

    api: EffectiveApiServer

    @cached_property
    def enable(self) -> Setting:
        """``--enable-admission-plugins`` as resolved."""
        return self.api.flag("enable-admission-plugins")

    @cached_property
    def disable(self) -> Setting:
        """``--disable-admission-plugins`` as resolved."""
        return self.api.flag("disable-admission-plugins")

    @cached_property
    def legacy(self) -> Setting | None:
        """``--admission-control`` when given (it replaces the default set entirely)."""
        return self.api.flag("admission-control") if self.api.is_set("admission-control") else None

    @cached_property
    def defaults(self) -> frozenset[str]:
        """The default-on set of this version (or of ASSUMED_MINOR)."""
        return default_on(self.api.minor)

    @cached_property
    def enabled(self) -> frozenset[str]:
        """The plugins that run."""
        if self.legacy is not None:
            return frozenset(_names(self.legacy))
        return (self.defaults | frozenset(_names(self.enable))) - frozenset(_names(self.disable))

    @cached_property
    def problems(self) -> tuple[str, ...]:
        """Combinations kube-apiserver refuses at start-up."""
        found: list[str] = []
        if self.legacy is not None and (
            self.api.is_set("enable-admission-plugins") or self.api.is_set("disable-admission-plugins")
        ):
            found.append(
                "--admission-control cannot be combined with --enable/--disable-admission-plugins; "
                "kube-apiserver refuses to start"
            )
        both = sorted(set(_names(self.enable)) & set(_names(self.disable)))
        if both:
            found.append(f"{', '.join(both)} both enabled and disabled; kube-apiserver refuses to start")
        minor = self.api.effective_minor
        for name, gone in REMOVED.items():
            if name in self.enabled and minor >= gone:
                found.append(f"{name} was removed in 1.{gone}; kube-apiserver refuses to start with it")
        return tuple(found)

    def state(self, plugin: str) -> PluginState:
        """Whether ``plugin`` runs, and which flag or default decided it."""
        version = self.api.version_note()
        if self.legacy is not None:
            on = plugin in _names(self.legacy)
            why = (
                f"--admission-control lists {plugin}"
                if on
                else f"--admission-control replaces the default set and does not list {plugin}"
            )
            return PluginState(plugin, on, why, self.legacy.evidence(why))
        if plugin in _names(self.disable):
            why = f"{plugin} is disabled by --disable-admission-plugins"
            return PluginState(plugin, False, why, self.disable.evidence(why))
        if plugin in _names(self.enable):
            why = f"{plugin} is enabled by --enable-admission-plugins"
            if self.enable.source == "default":
                why = f"{plugin} is enabled: {self.enable.detail}"
            return PluginState(plugin, True, why, self.enable.evidence(why))
        if plugin in self.defaults:
            why = f"{plugin} is on by default in kube-apiserver{version}"
            return PluginState(plugin, True, why, self._default_evidence(why))
        why = f"{plugin} is not on by default in kube-apiserver{version} and is not enabled"
        return PluginState(plugin, False, why, self.enable.evidence(why))

    def _default_evidence(self, why: str) -> Evidence:
        return Evidence(
            setting=f"{self.enable.component} {self.enable.name}",
            value=sorted(self.enabled),
            source="default",
            detail=why,
            provenance=self.enable.provenance,
        )


def _names(setting: Setting) -> list[str]:
    value = setting.value
    return [str(item) for item in value] if isinstance(value, list) else []
