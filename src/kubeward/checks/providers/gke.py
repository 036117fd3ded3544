"""Google GKE rules, from ``gcloud container clusters describe --format=json`` output.

Field names follow the GKE API v1 ``Cluster`` resource (``privateClusterConfig``,
``masterAuthorizedNetworksConfig``, ``controlPlaneEndpointsConfig``, ``loggingConfig``, ``legacyAbac``,
``masterAuth``). The API writes JSON the proto3 way: a false boolean, empty list or unset message is
left out, so an absent ``legacyAbac.enabled`` *is* false and an absent
``masterAuthorizedNetworksConfig`` *is* "not enabled"; the rules read absence that way and say so.
References cite the CIS GKE Benchmark v1.6.0 (kube-bench ``cfg/gke-1.6.0``).
"""

from collections.abc import Iterator
from typing import Any

from kubeward.checks.context import RuleContext
from kubeward.checks.providers.describe import descriptions, evidence, lookup, open_to_all, resource
from kubeward.checks.registry import rule
from kubeward.checks.rule import Objective, Platform, Severity
from kubeward.findings import Result
from kubeward.inventory.components import ProviderCluster

GKE = (Platform.GKE,)
ABSENT_IS_FALSE = "absent: the GKE API leaves out false values"


def _public_ip_endpoint(cluster: ProviderCluster) -> tuple[bool, str, Any]:
    """Whether the control plane has a public IP endpoint: (public, field that decided, its value).

    Older clusters say it in ``privateClusterConfig.enablePrivateEndpoint``; clusters with the
    ``controlPlaneEndpointsConfig`` block say it in ``ipEndpointsConfig`` (``enabled`` false turns
    every IP endpoint off and leaves only the IAM-authorised DNS endpoint).
    """
    has_ip_config, ip_config = lookup(cluster.data, "controlPlaneEndpointsConfig.ipEndpointsConfig")
    if has_ip_config and isinstance(ip_config, dict):
        if ip_config.get("enabled") is not True:
            return False, "controlPlaneEndpointsConfig.ipEndpointsConfig.enabled", ip_config.get("enabled", False)
        public = ip_config.get("enablePublicEndpoint") is True
        return public, "controlPlaneEndpointsConfig.ipEndpointsConfig.enablePublicEndpoint", public
    _, private = lookup(cluster.data, "privateClusterConfig.enablePrivateEndpoint")
    return private is not True, "privateClusterConfig.enablePrivateEndpoint", private is True


@rule(
    id="KW-GKE-001",
    title="GKE control plane accepts connections from any address",
    objective=Objective.NETWORK_EXPOSURE,
    severity=Severity.HIGH,
    seed_step="Restrict network access to the API server",
    applies_to=GKE,
    rationale=(
        "A GKE control plane with a public IP endpoint and no authorized networks (or an authorized "
        "network of 0.0.0.0/0) answers every address on the internet, so any leaked credential and any "
        "pre-authentication flaw is reachable by anyone. Authorized networks limit the IP endpoints to "
        "listed CIDRs. The DNS-based endpoint is authorised by IAM rather than by address and is not "
        "judged here."
    ),
    remediation=(
        "gcloud container clusters update <cluster> --enable-master-authorized-networks "
        "--master-authorized-networks <your CIDRs> (or --enable-private-endpoint)."
    ),
    references=(
        "https://cloud.google.com/kubernetes-engine/docs/concepts/network-isolation",
        "CIS GKE Benchmark v1.6.0 5.6.3",
    ),
    provider_managed=(
        "Google runs the control-plane endpoints; which endpoints exist and which networks may reach "
        "them are yours to set."
    ),
)
def authorized_networks(ctx: RuleContext) -> Iterator[Result]:
    """A public IP endpoint needs authorized networks without a /0 block."""
    for cluster in descriptions(ctx, "gke"):
        if isinstance(cluster, Result):
            yield cluster
            continue
        public, field, value = _public_ip_endpoint(cluster)
        if not public:
            yield ctx.passed(
                resource(cluster), "the control plane has no public IP endpoint", evidence(cluster, field, value)
            )
            continue
        path = "masterAuthorizedNetworksConfig"
        present, config = lookup(cluster.data, path)
        newer = "controlPlaneEndpointsConfig.ipEndpointsConfig.authorizedNetworksConfig"
        if not present and lookup(cluster.data, newer)[0]:
            path = newer
            present, config = lookup(cluster.data, path)
        config = config if isinstance(config, dict) else {}
        if config.get("enabled") is not True:
            yield ctx.fail(
                resource(cluster),
                "the public endpoint has no authorized networks: any address can connect",
                evidence(cluster, f"{path}.enabled", False, "" if present else ABSENT_IS_FALSE),
            )
            continue
        blocks = [str(b.get("cidrBlock", "")) for b in config.get("cidrBlocks") or [] if isinstance(b, dict)]
        found = evidence(cluster, f"{path}.cidrBlocks", blocks)
        everything = open_to_all(blocks)
        if everything:
            yield ctx.fail(resource(cluster), f"authorized networks include {', '.join(everything)}", found)
        else:
            extra = " and Google Cloud public IPs" if config.get("gcpPublicCidrsAccessEnabled") is True else ""
            yield ctx.passed(
                resource(cluster), f"the public endpoint is limited to {', '.join(blocks) or 'no CIDR'}{extra}", found
            )


@rule(
    id="KW-GKE-002",
    title="GKE control plane has a public IP endpoint",
    objective=Objective.NETWORK_EXPOSURE,
    severity=Severity.MEDIUM,
    applies_to=GKE,
    rationale=(
        "Without a private endpoint the control plane's external IP is where kubectl, CI and nodes "
        "connect, so it must stay reachable from outside the VPC. With the private endpoint (or the "
        "DNS-based endpoint and IP endpoints off) the API server has no internet-facing address at all."
    ),
    remediation=(
        "gcloud container clusters update <cluster> --enable-private-endpoint, or use the DNS-based "
        "endpoint and --no-enable-ip-access."
    ),
    references=(
        "https://cloud.google.com/kubernetes-engine/docs/concepts/network-isolation",
        "CIS GKE Benchmark v1.6.0 5.6.4",
    ),
    provider_managed="Google runs the endpoints; keeping the external IP endpoint off is yours.",
)
def private_endpoint(ctx: RuleContext) -> Iterator[Result]:
    """The control plane should have no public IP endpoint."""
    for cluster in descriptions(ctx, "gke"):
        if isinstance(cluster, Result):
            yield cluster
            continue
        public, field, value = _public_ip_endpoint(cluster)
        detail = "" if lookup(cluster.data, field)[0] else ABSENT_IS_FALSE
        found = evidence(cluster, field, value, detail)
        if public:
            yield ctx.fail(resource(cluster), "the control plane has a public IP endpoint", found)
        else:
            yield ctx.passed(resource(cluster), "the control plane has no public IP endpoint", found)


@rule(
    id="KW-GKE-003",
    title="GKE API server logs are not sent to Cloud Logging",
    objective=Objective.AUDITABILITY,
    severity=Severity.MEDIUM,
    seed_step="Enable audit logging",
    applies_to=GKE,
    rationale=(
        "GKE's Kubernetes audit events are Cloud Audit Logs: Admin Activity (writes) is always on and "
        "cannot be turned off, while Data Access logs (reads, such as get on Secrets) are off unless "
        "the project's IAM audit configuration enables them for container.googleapis.com; neither "
        "appears in the cluster description, so kubeward cannot verify Data Access logging from it. "
        "What the description does show is whether the API server's own logs (APISERVER component) "
        "reach Cloud Logging, which is needed to investigate authentication failures and throttling."
    ),
    remediation=(
        "gcloud container clusters update <cluster> --logging=SYSTEM,WORKLOAD,API_SERVER; enable Data "
        "Access audit logs for Kubernetes Engine API in the project's IAM audit configuration."
    ),
    references=(
        "https://cloud.google.com/kubernetes-engine/docs/how-to/audit-logging",
        "CIS GKE Benchmark v1.6.0 5.7.1",
    ),
    provider_managed=(
        "Google runs the API server with its own audit policy and writes Admin Activity audit logs; "
        "API server log collection and Data Access audit logs are yours to turn on."
    ),
)
def control_plane_logging(ctx: RuleContext) -> Iterator[Result]:
    """``loggingConfig.componentConfig.enableComponents`` must include APISERVER."""
    for cluster in descriptions(ctx, "gke"):
        if isinstance(cluster, Result):
            yield cluster
            continue
        note = "Admin Activity audit logs are always written; Data Access audit logs are not visible here"
        if lookup(cluster.data, "loggingService")[1] == "none":
            yield ctx.fail(
                resource(cluster),
                f"Cloud Logging is off for this cluster ({note})",
                evidence(cluster, "loggingService", "none"),
            )
            continue
        present, config = lookup(cluster.data, "loggingConfig")
        if not present:
            yield ctx.not_assessable(
                resource(cluster),
                "the description has no loggingConfig (older gcloud or API version); describe it again",
                evidence(cluster, "loggingConfig", None),
            )
            continue
        _, components = lookup(config, "componentConfig.enableComponents")
        components = [str(c) for c in components] if isinstance(components, list) else []
        found = evidence(
            cluster,
            "loggingConfig.componentConfig.enableComponents",
            components,
            "" if components else "absent: no component logs are collected",
        )
        if "APISERVER" in components:
            yield ctx.passed(resource(cluster), f"API server logs go to Cloud Logging ({note})", found)
        else:
            yield ctx.fail(resource(cluster), f"API server logs are not collected ({note})", found)


@rule(
    id="KW-GKE-004",
    title="GKE legacy authorization (ABAC) is enabled",
    objective=Objective.AUTHORIZATION,
    severity=Severity.HIGH,
    applies_to=GKE,
    rationale=(
        "With legacy ABAC on, GKE authorizes requests by attribute policies that grant broad rights "
        "(historically full access for every service account) alongside RBAC, so an RBAC denial is not "
        "final. It is off by default on clusters created since 1.8."
    ),
    remediation="gcloud container clusters update <cluster> --no-enable-legacy-authorization",
    references=(
        "https://cloud.google.com/kubernetes-engine/docs/how-to/hardening-your-cluster",
        "CIS GKE Benchmark v1.6.0 5.8.3",
    ),
    provider_managed="Google runs the authorizers; the legacy ABAC switch is yours.",
)
def legacy_abac(ctx: RuleContext) -> Iterator[Result]:
    """``legacyAbac.enabled`` must not be true."""
    for cluster in descriptions(ctx, "gke"):
        if isinstance(cluster, Result):
            yield cluster
            continue
        present, enabled = lookup(cluster.data, "legacyAbac.enabled")
        found = evidence(cluster, "legacyAbac.enabled", enabled is True, "" if present else ABSENT_IS_FALSE)
        if enabled is True:
            yield ctx.fail(resource(cluster), "legacy ABAC authorizes requests besides RBAC", found)
        else:
            yield ctx.passed(resource(cluster), "legacy ABAC is disabled", found)


@rule(
    id="KW-GKE-005",
    title="GKE cluster has legacy basic authentication",
    objective=Objective.AUTHENTICATION,
    severity=Severity.HIGH,
    applies_to=GKE,
    rationale=(
        "A masterAuth username and password is a static credential for the API server that cannot be "
        "scoped by IAM, is often cluster-admin, and is only revoked by removing it. GKE removed basic "
        "authentication in 1.19; a description that still shows it is an old cluster or an old export."
    ),
    remediation="gcloud container clusters update <cluster> --no-enable-basic-auth (then upgrade).",
    references=("https://cloud.google.com/kubernetes-engine/docs/how-to/api-server-authentication",),
    provider_managed="Google runs authentication; whether the cluster keeps a static password was yours.",
)
def basic_auth(ctx: RuleContext) -> Iterator[Result]:
    """``masterAuth.username`` or ``masterAuth.password`` present means basic auth is on."""
    for cluster in descriptions(ctx, "gke"):
        if isinstance(cluster, Result):
            yield cluster
            continue
        _, username = lookup(cluster.data, "masterAuth.username")
        _, password = lookup(cluster.data, "masterAuth.password")
        on = bool(username) or bool(password)
        # The password is redacted on input; only whether it is there is shown.
        shown = {"username": username or "", "password": "present" if password else "absent"}
        found = evidence(cluster, "masterAuth.username/password", shown)
        if on:
            yield ctx.fail(resource(cluster), "basic authentication with a static username and password is on", found)
        else:
            yield ctx.passed(resource(cluster), "no basic-auth username or password", found)


@rule(
    id="KW-GKE-006",
    title="GKE cluster issues a legacy client certificate",
    objective=Objective.AUTHENTICATION,
    severity=Severity.MEDIUM,
    applies_to=GKE,
    rationale=(
        "With issueClientCertificate on, GKE mints a long-lived client certificate for the API server and "
        "returns its key to anyone who can read the cluster through the GKE API. A client certificate "
        "cannot be revoked (only by rotating the cluster CA) and is not tied to an IAM identity; "
        "clusters created since 1.12 do not issue one by default."
    ),
    remediation="Create clusters with --no-issue-client-certificate; rotate credentials on old clusters.",
    references=(
        "https://cloud.google.com/kubernetes-engine/docs/how-to/api-server-authentication",
        "CIS GKE Benchmark v1.6.0 5.8.1",
    ),
    provider_managed="Google runs authentication; whether a legacy client certificate is issued is yours.",
)
def client_certificate(ctx: RuleContext) -> Iterator[Result]:
    """A ``masterAuth.clientCertificate`` or ``clientCertificateConfig.issueClientCertificate`` true."""
    for cluster in descriptions(ctx, "gke"):
        if isinstance(cluster, Result):
            yield cluster
            continue
        _, issue = lookup(cluster.data, "masterAuth.clientCertificateConfig.issueClientCertificate")
        _, certificate = lookup(cluster.data, "masterAuth.clientCertificate")
        shown = {"issueClientCertificate": issue is True, "clientCertificate": "present" if certificate else "absent"}
        found = evidence(cluster, "masterAuth.clientCertificate(Config)", shown)
        if issue is True or certificate:
            yield ctx.fail(resource(cluster), "a legacy client certificate is issued for the cluster", found)
        else:
            yield ctx.passed(resource(cluster), "no legacy client certificate is issued", found)
