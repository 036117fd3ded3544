"""Whether a kube-apiserver feature gate is on: ``--feature-gates`` first, else the gate's default
for the instance's minor version.

Gate stages used by the access rules (``pkg/features/versioned_kube_features.go`` and the
kubernetes/website feature-gate pages, read for v1.29-v1.34):

* ``StructuredAuthenticationConfiguration``: alpha (off) 1.29, beta (on) 1.30, GA 1.34.
* ``StructuredAuthorizationConfiguration``: alpha (off) 1.29, beta (on) 1.30, GA 1.32.
* ``AnonymousAuthConfigurableEndpoints``: alpha (off) 1.31, beta (on) 1.32, GA 1.34.

Before the alpha release the feature does not exist: kube-apiserver rejects the flag or the field.
"""

from dataclasses import dataclass

from kubeward.resolve.apiserver import EffectiveApiServer
from kubeward.resolve.setting import parse_bool, split_list


@dataclass(frozen=True)
class Gate:
    """A feature gate: its name, the minor it appeared in (alpha, off) and the minor it turned on."""

    name: str
    alpha: int
    beta: int


STRUCTURED_AUTHENTICATION = Gate("StructuredAuthenticationConfiguration", alpha=29, beta=30)
STRUCTURED_AUTHORIZATION = Gate("StructuredAuthorizationConfiguration", alpha=29, beta=30)
ANONYMOUS_ENDPOINTS = Gate("AnonymousAuthConfigurableEndpoints", alpha=31, beta=32)


def gate_problem(api: EffectiveApiServer, gate: Gate, what: str) -> str:
    """Why kube-apiserver refuses ``what`` because ``gate`` is off or unknown at its version, or ""."""
    minor = api.effective_minor
    version = api.version if api.version_known else f"1.{minor} (assumed)"
    if minor < gate.alpha:
        return f"kube-apiserver {version} does not support {what} (added in 1.{gate.alpha} behind {gate.name})"
    explicit = _explicit(api, gate.name)
    if explicit is False:
        return f"{what} needs the {gate.name} feature gate, which --feature-gates turns off"
    if minor < gate.beta and explicit is not True:
        return (
            f"{what} needs --feature-gates={gate.name}=true on kube-apiserver {version} "
            f"(alpha, off by default until 1.{gate.beta})"
        )
    return ""


def _explicit(api: EffectiveApiServer, name: str) -> bool | None:
    """The gate's value in ``--feature-gates`` (last mention wins), or None when not mentioned."""
    if not api.is_set("feature-gates"):
        return None
    value: bool | None = None
    for item in split_list(str(api.flag("feature-gates").value or "")):
        key, _, raw = item.partition("=")
        if key.strip() == name:
            value = parse_bool(raw.strip())
    return value
