"""Provider descriptions for rule tests: the fixtures in ``tests/fixtures/providers`` (hand-written in
the shape of ``aws eks describe-cluster``, ``gcloud container clusters describe --format=json``,
``az aks show`` and ``az monitor diagnostic-settings list`` output; every id in them is made up),
edited per test, and nodes that identify a platform without any description.
"""

import copy
import json
from pathlib import Path
from typing import Any

from kubeward.findings import Finding

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "providers"
DELETE = object()

EKS_FILE = "eks-describe-cluster.json"
GKE_FILE = "gke-describe.json"
AKS_FILE = "aks-show.json"
AKS_DIAGNOSTICS_FILE = "aks-diagnostic-settings.json"


def fixture(name: str) -> Any:
    """A provider fixture, parsed (a fresh copy each time)."""
    return copy.deepcopy(json.loads((FIXTURES / name).read_text()))


def fixture_text(name: str) -> str:
    """A fixture file's text as is."""
    return (FIXTURES / name).read_text()


def edited(name: str, changes: dict[str, Any]) -> str:
    """The fixture as JSON text with ``changes`` (dotted path -> value, or DELETE) applied."""
    data = fixture(name)
    for path, value in changes.items():
        *parents, last = path.split(".")
        target = data
        for part in parents:
            target = target[int(part)] if isinstance(target, list) else target[part]
        if value is DELETE:
            del target[last]
        elif isinstance(target, list):
            target[int(last)] = value
        else:
            target[last] = value
    return json.dumps(data, indent=2)


def node_yaml(provider: str) -> str:
    """A Node that identifies ``provider`` by its providerID and labels (no description needed)."""
    provider_id, label = {
        "eks": ("aws:///us-east-2a/i-0123456789abcdef0", "eks.amazonaws.com/nodegroup: general"),
        "gke": (
            "gce://atlas-prod/europe-west4-a/gke-atlas-prod-general-1a2b3c4d-x7k2",
            "cloud.google.com/gke-nodepool: general",
        ),
        "aks": (
            "azure:///subscriptions/0a1b2c3d/resourceGroups/mc_billing-rg_billing_northeurope/providers/"
            "Microsoft.Compute/virtualMachineScaleSets/aks-system-12345678-vmss/virtualMachines/0",
            "kubernetes.azure.com/agentpool: system",
        ),
    }[provider]
    return (
        "apiVersion: v1\nkind: Node\nmetadata:\n  name: node-1\n  labels:\n"
        f"    {label}\nspec:\n  providerID: {provider_id}\n"
    )


def only(findings: list[Finding]) -> Finding:
    """The single finding of a rule run."""
    assert len(findings) == 1, [(f.status, f.message) for f in findings]
    return findings[0]
