"""What Pod Security admission enforces in a namespace: its labels over the cluster-wide defaults.

Semantics (``staging/src/k8s.io/pod-security-admission``, Kubernetes 1.25+ ``api/helpers.go``
``PolicyToEvaluate`` and ``admission/admission.go``):

* the ``pod-security.kubernetes.io/enforce`` label of the namespace decides; without it the
  ``defaults.enforce`` of the plugin's ``PodSecurityConfiguration`` applies, and without any
  configuration the default is ``privileged`` (nothing is enforced);
* a label value that is not a level fails closed: ``restricted`` is enforced;
* namespaces listed in ``exemptions.namespaces`` are not evaluated at all.

The configuration comes from ``--admission-control-config-file`` (an ``AdmissionConfiguration``
whose ``PodSecurity`` entry embeds the ``PodSecurityConfiguration`` or names a ``path`` to it,
relative to the admission configuration file). When the flag is set but a file it points at is not
among the inputs, the defaults and exemptions are unknown, and so is the verdict for a namespace
that relies on them.
"""

from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

from kubeward.findings import Evidence
from kubeward.inventory.model import Inventory
from kubeward.resolve.apiserver import EffectiveApiServer

ENFORCE_LABEL = "pod-security.kubernetes.io/enforce"
LEVELS = ("privileged", "baseline", "restricted")


@dataclass(frozen=True)
class PodSecurityDefaults:
    """The cluster-wide part of Pod Security admission as one kube-apiserver runs it.

    ``known`` is False when the configuration file is not among the inputs (``why`` says which).
    """

    enforce: str = "privileged"
    exempt_namespaces: frozenset[str] = frozenset()
    known: bool = True
    why: str = "no --admission-control-config-file: the built-in default enforce level is privileged"
    evidence: Evidence = field(default_factory=Evidence)


def pod_security_defaults(api: EffectiveApiServer, inventory: Inventory) -> PodSecurityDefaults:
    """The PodSecurity defaults and exemptions of ``api``, read from its admission configuration."""
    flag = api.flag("admission-control-config-file")
    if not api.is_set("admission-control-config-file") or not flag.value:
        return PodSecurityDefaults(evidence=flag.evidence())
    path = str(flag.value)
    doc = inventory.config_doc_at(api.instance.node, api.host_path(path))
    if doc is None:
        return PodSecurityDefaults(
            known=False,
            why=f"--admission-control-config-file={path} is not among the inputs",
            evidence=flag.evidence(),
        )
    config: Any = None
    source_doc = doc
    if doc.kind == "PodSecurityConfiguration":
        config = doc.data
    else:
        entry = _plugin_entry(doc.data, "PodSecurity")
        if entry is None:
            return PodSecurityDefaults(
                why=f"{path} has no PodSecurity entry: the built-in default enforce level is privileged",
                evidence=Evidence(
                    setting="kube-apiserver AdmissionConfiguration plugins",
                    value=[p.get("name") for p in doc.data.get("plugins") or [] if isinstance(p, dict)],
                    source="config-file",
                    provenance=doc.provenance,
                ),
            )
        if isinstance(entry.get("configuration"), dict):
            config = entry["configuration"]
        elif entry.get("path"):
            target = str(entry["path"])
            if not target.startswith("/"):
                target = str(PurePosixPath(path).parent / target)
            source_doc_or_none = inventory.config_doc_at(api.instance.node, api.host_path(target))
            if source_doc_or_none is None:
                return PodSecurityDefaults(
                    known=False,
                    why=f"the PodSecurity configuration {target} named in {path} is not among the inputs",
                    evidence=flag.evidence(),
                )
            source_doc = source_doc_or_none
            config = source_doc.data
        else:
            config = {}
    defaults = config.get("defaults") if isinstance(config, dict) else None
    exemptions = config.get("exemptions") if isinstance(config, dict) else None
    enforce = str((defaults or {}).get("enforce") or "privileged")
    namespaces = (exemptions or {}).get("namespaces") or []
    return PodSecurityDefaults(
        enforce=enforce,
        exempt_namespaces=frozenset(str(n) for n in namespaces),
        why=f"PodSecurityConfiguration in {source_doc.provenance.describe()}: defaults.enforce={enforce}",
        evidence=Evidence(
            setting="kube-apiserver PodSecurityConfiguration defaults.enforce",
            value=enforce,
            source="config-file",
            provenance=source_doc.provenance,
        ),
    )


def _plugin_entry(data: dict[str, Any], name: str) -> dict[str, Any] | None:
    for plugin in data.get("plugins") or []:
        if isinstance(plugin, dict) and plugin.get("name") == name:
            return plugin
    return None


def effective_enforce(labels: dict[str, str], defaults: PodSecurityDefaults) -> tuple[str, str]:
    """(level enforced in a namespace with ``labels``, why): the label, else the default."""
    if ENFORCE_LABEL in labels:
        value = labels[ENFORCE_LABEL]
        if value in LEVELS:
            return value, f"label {ENFORCE_LABEL}={value}"
        return "restricted", f"label {ENFORCE_LABEL}={value!r} is not a level; Pod Security fails closed to restricted"
    return defaults.enforce, f"no {ENFORCE_LABEL} label; cluster default enforce={defaults.enforce}"
