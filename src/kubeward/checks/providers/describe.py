"""Helpers the provider rules share: finding the provider's description among the inputs, naming
it as a resource, reading its fields and turning them into evidence.

A rule for provider P says ``not_applicable`` on clusters that are not P, and ``not_assessable``
(naming the command whose output to add) when the cluster is P by other signals (node labels,
server URL, version string) but its description is missing: nothing is passed unseen.
"""

import ipaddress
from collections.abc import Iterator
from typing import Any

from kubeward.checks.common import cluster_resource
from kubeward.checks.context import RuleContext
from kubeward.findings import Evidence, Resource, Result
from kubeward.inputs.providers import is_diagnostic_settings
from kubeward.inventory.components import ProviderCluster

NAMES = {"eks": "EKS", "gke": "GKE", "aks": "AKS"}
COMMANDS = {
    "eks": "aws eks describe-cluster --name <cluster> --output json",
    "gke": "gcloud container clusters describe <cluster> --location <location> --format=json",
    "aks": "az aks show --resource-group <group> --name <cluster> --output json",
}
AKS_DIAGNOSTICS_COMMAND = "az monitor diagnostic-settings list --resource <AKS cluster resource id> --output json"


def descriptions(ctx: RuleContext, provider: str) -> Iterator[ProviderCluster | Result]:
    """Each description of a ``provider`` cluster among the inputs, or one verdict saying why none."""
    found = [p for p in ctx.inventory.providers if p.provider == provider and not is_diagnostic_settings(p)]
    if found:
        yield from found
        return
    yield absent(ctx, provider, "cluster description", COMMANDS[provider])


def absent(ctx: RuleContext, provider: str, what: str, command: str) -> Result:
    """``not_assessable`` when the cluster is ``provider``'s by other signals, else ``not_applicable``.

    Rules here list only their provider in ``applies_to``, so the engine usually answers for clusters
    known to be something else before the rule runs.
    """
    platform = ctx.analysis.platform
    name = NAMES[provider]
    if platform.platform is not None and str(platform.platform) == provider:
        return ctx.not_assessable(
            cluster_resource(ctx),
            f"this is an {name} cluster (detected from {platform.reason}) but its {what} is not among the "
            f"inputs; add the output of `{command}`",
        )
    if platform.platform is not None:
        return ctx.not_applicable(
            cluster_resource(ctx), f"applies to {name} clusters; this one is {platform.label} ({platform.reason})"
        )
    return ctx.not_applicable(
        cluster_resource(ctx),
        f"applies to {name} clusters and nothing in the inputs says this is one ({platform.reason}); "
        f"if it is, add the output of `{command}`",
    )


def resource(cluster: ProviderCluster) -> Resource:
    """The managed cluster as a resource, located at its description."""
    return Resource(kind=f"{NAMES[cluster.provider]}Cluster", name=cluster.name, provenance=cluster.provenance)


def lookup(data: Any, path: str) -> tuple[bool, Any]:
    """A dotted field path in provider JSON; returns (present, value). ``null`` counts as absent."""
    current = data
    for part in path.split("."):
        if not isinstance(current, dict) or current.get(part) is None:
            return False, None
        current = current[part]
    return True, current


def evidence(cluster: ProviderCluster, path: str, value: Any, detail: str = "") -> Evidence:
    """Evidence for one field of a provider description."""
    return Evidence(
        setting=f"{NAMES[cluster.provider]} {path}",
        value=value,
        source="provider",
        detail=detail,
        provenance=cluster.provenance,
    )


def open_to_all(cidrs: list[Any]) -> list[str]:
    """The CIDRs in ``cidrs`` that match every address (prefix length 0, IPv4 or IPv6)."""
    everything = []
    for cidr in cidrs:
        try:
            network = ipaddress.ip_network(str(cidr), strict=False)
        except ValueError:
            continue
        if network.prefixlen == 0:
            everything.append(str(cidr))
    return everything
