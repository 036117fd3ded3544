"""Azure AKS rules, from ``az aks show`` and ``az monitor diagnostic-settings list`` output.

Field names follow the ``Microsoft.ContainerService/managedClusters`` resource as the Azure CLI prints
it (``apiServerAccessProfile``, ``disableLocalAccounts``, ``aadProfile``, ``enableRbac``). The CLI
prints an unset profile as ``null``: a null ``apiServerAccessProfile`` is the default public endpoint
with no authorized IP ranges. Control-plane logs are not part of the cluster resource at all: they
are diagnostic settings (Azure Monitor), with the ``kube-audit`` and ``kube-audit-admin`` categories
(the latter without get and list events).
"""

from collections.abc import Iterator
from typing import Any

from kubeward.checks.common import cluster_resource
from kubeward.checks.context import RuleContext
from kubeward.checks.providers.describe import (
    AKS_DIAGNOSTICS_COMMAND,
    absent,
    descriptions,
    evidence,
    lookup,
    open_to_all,
    resource,
)
from kubeward.checks.registry import rule
from kubeward.checks.rule import Objective, Platform, Severity
from kubeward.findings import Result
from kubeward.inputs.providers import diagnostic_settings, is_diagnostic_settings
from kubeward.inventory.components import ProviderCluster

AKS = (Platform.AKS,)
PROFILE_ABSENT = "apiServerAccessProfile is null: the AKS default, a public endpoint with no authorized IP ranges"


def _access_profile(cluster: ProviderCluster) -> tuple[bool, list[Any], str]:
    """(private cluster, authorized IP ranges, detail when the profile is absent)."""
    present, profile = lookup(cluster.data, "apiServerAccessProfile")
    if not present or not isinstance(profile, dict):
        return False, [], PROFILE_ABSENT
    ranges = profile.get("authorizedIpRanges")
    return profile.get("enablePrivateCluster") is True, ranges if isinstance(ranges, list) else [], ""


@rule(
    id="KW-AKS-001",
    title="AKS API server is public and open to any address",
    objective=Objective.NETWORK_EXPOSURE,
    severity=Severity.HIGH,
    seed_step="Restrict network access to the API server",
    applies_to=AKS,
    rationale=(
        "An AKS cluster that is neither private nor limited by authorized IP ranges serves its API "
        "server to the whole internet, so any leaked kubeconfig or token and any pre-authentication "
        "flaw is reachable by anyone. Authorized IP ranges or a private cluster close that."
    ),
    remediation=(
        "az aks update --resource-group <group> --name <cluster> --api-server-authorized-ip-ranges "
        "<your CIDRs> (or create the cluster with --enable-private-cluster)."
    ),
    references=("https://learn.microsoft.com/azure/aks/api-server-authorized-ip-ranges",),
    provider_managed=(
        "Azure runs the API server and its endpoint; the authorized IP ranges and private-cluster choice are yours."
    ),
)
def public_endpoint_open(ctx: RuleContext) -> Iterator[Result]:
    """Private cluster, or authorized IP ranges without a /0 range."""
    for cluster in descriptions(ctx, "aks"):
        if isinstance(cluster, Result):
            yield cluster
            continue
        private, ranges, detail = _access_profile(cluster)
        if private:
            yield ctx.passed(
                resource(cluster),
                "private cluster: the API server has no public endpoint",
                evidence(cluster, "apiServerAccessProfile.enablePrivateCluster", True),
            )
            continue
        found = evidence(cluster, "apiServerAccessProfile.authorizedIpRanges", ranges, detail)
        everything = open_to_all(ranges)
        if not ranges:
            yield ctx.fail(resource(cluster), "the public API server has no authorized IP ranges", found)
        elif everything:
            yield ctx.fail(resource(cluster), f"authorized IP ranges include {', '.join(everything)}", found)
        else:
            yield ctx.passed(resource(cluster), f"the API server is limited to {', '.join(map(str, ranges))}", found)


@rule(
    id="KW-AKS-002",
    title="AKS cluster is not a private cluster",
    objective=Objective.NETWORK_EXPOSURE,
    severity=Severity.MEDIUM,
    applies_to=AKS,
    rationale=(
        "A private AKS cluster gives the API server only a private IP in your virtual network, so it "
        "has no internet-facing address; authorized IP ranges still leave a public endpoint that "
        "answers (and rejects) the whole internet."
    ),
    remediation=(
        "Create the cluster with --enable-private-cluster, or enable API server VNet integration and "
        "private access (az aks update --enable-apiserver-vnet-integration ... --enable-private-cluster)."
    ),
    references=("https://learn.microsoft.com/azure/aks/private-clusters",),
    provider_managed="Azure runs the API server; making it private is yours.",
)
def private_cluster(ctx: RuleContext) -> Iterator[Result]:
    """``apiServerAccessProfile.enablePrivateCluster`` should be true."""
    for cluster in descriptions(ctx, "aks"):
        if isinstance(cluster, Result):
            yield cluster
            continue
        private, _, detail = _access_profile(cluster)
        found = evidence(cluster, "apiServerAccessProfile.enablePrivateCluster", private, detail)
        if private:
            yield ctx.passed(resource(cluster), "private cluster", found)
        else:
            yield ctx.fail(resource(cluster), "the API server has a public endpoint", found)


AUDIT_CATEGORIES = frozenset({"kube-audit", "kube-audit-admin"})
# Category groups that include the audit categories on managedClusters.
AUDIT_GROUPS = frozenset({"audit", "alllogs"})
DESTINATIONS = ("workspaceId", "storageAccountId", "eventHubAuthorizationRuleId", "marketplacePartnerId")


@rule(
    id="KW-AKS-003",
    title="AKS control-plane audit logs are not collected",
    objective=Objective.AUDITABILITY,
    severity=Severity.HIGH,
    seed_step="Enable audit logging",
    applies_to=AKS,
    rationale=(
        "AKS keeps the API server's audit events only if a diagnostic setting on the cluster sends the "
        "kube-audit or kube-audit-admin category (or the audit / allLogs category group) to a Log "
        "Analytics workspace, storage account, event hub or partner solution; none exists by default. "
        "Diagnostic settings are a separate Azure Monitor resource that az aks show does not include, so "
        "this rule needs az monitor diagnostic-settings list output and is not_assessable without it."
    ),
    remediation=(
        "az monitor diagnostic-settings create --resource <AKS cluster id> --name aks-audit "
        '--workspace <workspace id> --logs \'[{"category":"kube-audit-admin","enabled":true}]\''
    ),
    references=("https://learn.microsoft.com/azure/aks/monitor-aks",),
    provider_managed=(
        "Azure runs the API server with its own audit policy; routing the audit categories to a "
        "destination, and its retention, are yours."
    ),
)
def audit_logs(ctx: RuleContext) -> Iterator[Result]:
    """Some diagnostic setting must send an audit category to a destination."""
    records = [p for p in ctx.inventory.providers if is_diagnostic_settings(p)]
    if not records:
        described = next((p for p in ctx.inventory.providers if p.provider == "aks"), None)
        if described is None:
            yield absent(ctx, "aks", "diagnostic settings", AKS_DIAGNOSTICS_COMMAND)
            return
        yield ctx.not_assessable(
            resource(described),
            "control-plane logs are configured in diagnostic settings, a separate Azure resource that "
            f"az aks show does not include; add the output of `{AKS_DIAGNOSTICS_COMMAND}`",
        )
        return
    for record in records:
        yield _judge_settings(ctx, record)


def _judge_settings(ctx: RuleContext, record: ProviderCluster) -> Result:
    where = resource(record) if record.name else cluster_resource(ctx)
    sending = []
    summary = []
    for setting in diagnostic_settings(record):
        audit = sorted(_audit_logs(setting))
        destinations = [field for field in DESTINATIONS if setting.get(field)]
        summary.append({"name": setting.get("name", ""), "audit": audit, "destinations": destinations})
        if audit and destinations:
            sending.append(f"{setting.get('name', '')} ({', '.join(audit)} to {', '.join(destinations)})")
    found = evidence(record, "diagnostic settings (audit categories)", summary)
    if sending:
        return ctx.passed(where, f"audit logs are collected by {'; '.join(sending)}", found)
    return ctx.fail(where, "no diagnostic setting sends kube-audit or kube-audit-admin to a destination", found)


def _audit_logs(setting: dict[str, Any]) -> set[str]:
    """The enabled audit categories (or category groups) of one diagnostic setting."""
    found: set[str] = set()
    for log in setting.get("logs") or []:
        if not isinstance(log, dict) or log.get("enabled") is not True:
            continue
        category = str(log.get("category") or "")
        group = str(log.get("categoryGroup") or "")
        if category in AUDIT_CATEGORIES:
            found.add(category)
        elif group.lower() in AUDIT_GROUPS:
            found.add(f"categoryGroup {group}")
    return found


@rule(
    id="KW-AKS-004",
    title="AKS local accounts are enabled",
    objective=Objective.AUTHENTICATION,
    severity=Severity.HIGH,
    seed_step="Move to stronger identity",
    applies_to=AKS,
    rationale=(
        "With local accounts on, az aks get-credentials --admin hands out a kubeconfig with a client "
        "certificate in system:masters: a superuser credential that bypasses Entra ID and RBAC, is not "
        "tied to a person, and is revoked only by rotating the cluster certificates. Disabling local "
        "accounts (which needs Entra ID integration) leaves Entra ID as the only way in."
    ),
    remediation="az aks update --resource-group <group> --name <cluster> --disable-local-accounts",
    references=("https://learn.microsoft.com/azure/aks/manage-local-accounts-managed-azure-ad",),
    provider_managed="Azure issues the local admin certificate; disabling local accounts is yours.",
)
def local_accounts(ctx: RuleContext) -> Iterator[Result]:
    """``disableLocalAccounts`` must be true."""
    for cluster in descriptions(ctx, "aks"):
        if isinstance(cluster, Result):
            yield cluster
            continue
        present, disabled = lookup(cluster.data, "disableLocalAccounts")
        found = evidence(cluster, "disableLocalAccounts", disabled is True, "" if present else "absent: default false")
        if disabled is True:
            yield ctx.passed(resource(cluster), "local accounts are disabled", found)
        else:
            yield ctx.fail(
                resource(cluster), "local accounts (the system:masters admin certificate) are enabled", found
            )


@rule(
    id="KW-AKS-005",
    title="AKS cluster is not integrated with Microsoft Entra ID",
    objective=Objective.AUTHENTICATION,
    severity=Severity.MEDIUM,
    seed_step="Move to stronger identity",
    applies_to=AKS,
    rationale=(
        "Without Entra ID integration (aadProfile) the only identities are the cluster's certificates, "
        "which cannot be revoked per person, carry no MFA or conditional access and leave no Entra "
        "sign-in record. The legacy Azure AD integration (server and client applications, managed "
        "false) is retired; AKS-managed Entra integration replaces it."
    ),
    remediation=(
        "az aks update --resource-group <group> --name <cluster> --enable-aad --aad-admin-group-object-ids <group id>"
    ),
    references=("https://learn.microsoft.com/azure/aks/enable-authentication-microsoft-entra-id",),
    provider_managed="Azure runs the Entra ID authentication webhook; enabling the integration is yours.",
)
def entra_id(ctx: RuleContext) -> Iterator[Result]:
    """``aadProfile`` present, and the managed integration rather than the legacy one."""
    for cluster in descriptions(ctx, "aks"):
        if isinstance(cluster, Result):
            yield cluster
            continue
        present, profile = lookup(cluster.data, "aadProfile")
        if not present or not isinstance(profile, dict):
            yield ctx.fail(
                resource(cluster),
                "no Entra ID integration: only certificate identities",
                evidence(cluster, "aadProfile", None),
            )
            continue
        managed = profile.get("managed")
        legacy = managed is False or (managed is None and bool(profile.get("serverAppId")))
        found = evidence(cluster, "aadProfile.managed", managed, "" if managed is not None else "absent")
        if legacy:
            yield ctx.fail(resource(cluster), "legacy (retired) Azure AD integration with server/client apps", found)
        else:
            yield ctx.passed(resource(cluster), "AKS-managed Entra ID integration", found)


@rule(
    id="KW-AKS-006",
    title="AKS cluster does not use Azure RBAC for Kubernetes authorization",
    objective=Objective.AUTHORIZATION,
    severity=Severity.LOW,
    applies_to=AKS,
    rationale=(
        "With Azure RBAC (aadProfile.enableAzureRbac) Kubernetes permissions are Azure role assignments: "
        "reviewed, audited and revoked in one place with the rest of the subscription's access, and "
        "granted to Entra groups without per-cluster bindings. Kubernetes RBAC bound to Entra groups is "
        "a sound alternative, hence the low severity."
    ),
    remediation="az aks update --resource-group <group> --name <cluster> --enable-azure-rbac",
    references=("https://learn.microsoft.com/azure/aks/manage-azure-rbac",),
    provider_managed="Azure runs the Azure RBAC authorization webhook; enabling it is yours.",
)
def azure_rbac(ctx: RuleContext) -> Iterator[Result]:
    """``aadProfile.enableAzureRbac`` should be true."""
    for cluster in descriptions(ctx, "aks"):
        if isinstance(cluster, Result):
            yield cluster
            continue
        present, enabled = lookup(cluster.data, "aadProfile.enableAzureRbac")
        found = evidence(cluster, "aadProfile.enableAzureRbac", enabled is True, "" if present else "absent: false")
        if enabled is True:
            yield ctx.passed(resource(cluster), "Azure RBAC authorizes Kubernetes requests", found)
        else:
            yield ctx.fail(resource(cluster), "Kubernetes authorization is not managed by Azure RBAC", found)


@rule(
    id="KW-AKS-007",
    title="AKS cluster has Kubernetes RBAC disabled",
    objective=Objective.AUTHORIZATION,
    severity=Severity.CRITICAL,
    applies_to=AKS,
    rationale=(
        "An AKS cluster created with enableRbac false has no RBAC authorizer: every authenticated user "
        "may do anything. The setting cannot be changed after creation."
    ),
    remediation="Recreate the cluster with Kubernetes RBAC enabled (the default) and migrate workloads.",
    references=("https://learn.microsoft.com/azure/aks/concepts-identity",),
    provider_managed="Azure runs the authorizers; RBAC on or off was chosen by you at creation.",
)
def kubernetes_rbac(ctx: RuleContext) -> Iterator[Result]:
    """``enableRbac`` must be true."""
    for cluster in descriptions(ctx, "aks"):
        if isinstance(cluster, Result):
            yield cluster
            continue
        present, enabled = lookup(cluster.data, "enableRbac")
        found = evidence(cluster, "enableRbac", enabled)
        if not present:
            yield ctx.not_assessable(resource(cluster), "the description has no enableRbac", found)
        elif enabled is True:
            yield ctx.passed(resource(cluster), "Kubernetes RBAC is enabled", found)
        else:
            yield ctx.fail(resource(cluster), "Kubernetes RBAC is disabled: authenticated users may do anything", found)
