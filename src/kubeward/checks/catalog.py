"""Imports every rule family so the registry holds the whole catalog.

Adding a family means adding a module under ``kubeward.checks`` and one import here.
"""

from kubeward.checks import (
    apiserver,
    kubelet,
    rbac_binding_hygiene,
    rbac_bindings,
    rbac_escalation,
    rbac_risks,
    token_mounts,
    workload_tokens,
)
from kubeward.checks.registry import REGISTRY, Registry

FAMILIES = (
    apiserver,
    kubelet,
    rbac_bindings,
    rbac_risks,
    rbac_binding_hygiene,
    rbac_escalation,
    workload_tokens,
    token_mounts,
)


def load_rules() -> Registry:
    """The registry with every rule family imported."""
    return REGISTRY
