"""Imports every rule family so the registry holds the whole catalog.

Adding a family means adding a module under ``kubeward.checks`` and one import here.
"""

from kubeward.checks import (
    admission,
    apiserver,
    audit_config,
    audit_policy,
    authentication,
    authorization,
    availability,
    exposure,
    kubeconfig,
    kubelet,
    pod_security_labels,
    probe,
    probe_correlation,
    rbac_binding_hygiene,
    rbac_bindings,
    rbac_escalation,
    rbac_risks,
    tls,
    token_mounts,
    workload_tokens,
)
from kubeward.checks.providers import aks, eks, gke
from kubeward.checks.registry import REGISTRY, Registry

FAMILIES = (
    apiserver,
    authentication,
    authorization,
    exposure,
    tls,
    admission,
    pod_security_labels,
    availability,
    audit_config,
    audit_policy,
    kubelet,
    rbac_bindings,
    rbac_risks,
    rbac_binding_hygiene,
    rbac_escalation,
    workload_tokens,
    token_mounts,
    kubeconfig,
    probe,
    probe_correlation,
    eks,
    gke,
    aks,
)


def load_rules() -> Registry:
    """The registry with every rule family imported."""
    return REGISTRY
