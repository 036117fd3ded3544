"""Amazon EKS rules, from ``aws eks describe-cluster`` output and the ``kube-system/aws-auth`` ConfigMap.

Field names and defaults follow the EKS API reference (``DescribeCluster``: ``resourcesVpcConfig``,
``logging.clusterLogging``, ``accessConfig.authenticationMode``) and the EKS user guide ("Cluster API
server endpoint", "Grant IAM users access to Kubernetes with access entries / the aws-auth ConfigMap").
CIS ids in references are from the CIS Amazon EKS Benchmark v1.5.0 (kube-bench ``cfg/eks-1.5.0``);
``cis`` stays empty because those are not CIS Kubernetes Benchmark ids.
"""

from collections.abc import Iterator
from typing import Any

from kubeward.checks.common import cluster_resource, object_resource
from kubeward.checks.context import RuleContext
from kubeward.checks.providers.describe import COMMANDS, absent, descriptions, evidence, lookup, open_to_all, resource
from kubeward.checks.registry import rule
from kubeward.checks.rule import Objective, Platform, Severity
from kubeward.findings import Evidence, Result
from kubeward.inputs.safeload import LoadError, load_yaml
from kubeward.inventory.components import ProviderCluster
from kubeward.inventory.objects import ConfigMap

EKS = (Platform.EKS,)


def _vpc_config(ctx: RuleContext, cluster: ProviderCluster, field: str) -> tuple[Any, Result | None]:
    """``resourcesVpcConfig.<field>``, or a not_assessable verdict when the description lacks it."""
    present, value = lookup(cluster.data, f"resourcesVpcConfig.{field}")
    if present:
        return value, None
    return None, ctx.not_assessable(
        resource(cluster), f"the description has no resourcesVpcConfig.{field}", evidence(cluster, field, None)
    )


@rule(
    id="KW-EKS-001",
    title="EKS API server endpoint is public and open to any address",
    objective=Objective.NETWORK_EXPOSURE,
    severity=Severity.HIGH,
    seed_step="Restrict network access to the API server",
    applies_to=EKS,
    rationale=(
        "With endpointPublicAccess on, the API server answers on the internet; publicAccessCidrs limits "
        "who may connect and defaults to 0.0.0.0/0 when none is given. Open to every address, the "
        "endpoint is exposed to credential stuffing, to any leaked kubeconfig or token, and to the "
        "next pre-authentication vulnerability."
    ),
    remediation=(
        "aws eks update-cluster-config --name <cluster> --resources-vpc-config "
        "endpointPrivateAccess=true,endpointPublicAccess=false (or publicAccessCidrs=<your egress CIDRs>)."
    ),
    references=(
        "https://docs.aws.amazon.com/eks/latest/userguide/cluster-endpoint.html",
        "CIS Amazon EKS Benchmark v1.5.0 5.4.1",
    ),
    provider_managed=(
        "AWS runs the endpoint and its load balancers; whether it is public, private or both, and which "
        "CIDRs reach the public one, is yours to set."
    ),
)
def public_endpoint_open(ctx: RuleContext) -> Iterator[Result]:
    """Public access with a CIDR that matches everything (or no CIDR, which defaults to 0.0.0.0/0)."""
    for cluster in descriptions(ctx, "eks"):
        if isinstance(cluster, Result):
            yield cluster
            continue
        public, problem = _vpc_config(ctx, cluster, "endpointPublicAccess")
        if problem is not None:
            yield problem
            continue
        if public is not True:
            yield ctx.passed(
                resource(cluster),
                "the public endpoint is disabled",
                evidence(cluster, "resourcesVpcConfig.endpointPublicAccess", public),
            )
            continue
        present, cidrs = lookup(cluster.data, "resourcesVpcConfig.publicAccessCidrs")
        cidrs = cidrs if present and isinstance(cidrs, list) and cidrs else None
        detail = "" if cidrs else "no publicAccessCidrs: EKS defaults to 0.0.0.0/0"
        shown = cidrs or ["0.0.0.0/0"]
        found = evidence(cluster, "resourcesVpcConfig.publicAccessCidrs", shown, detail)
        everything = open_to_all(shown)
        if everything:
            yield ctx.fail(
                resource(cluster), f"the public endpoint accepts connections from {', '.join(everything)}", found
            )
        else:
            yield ctx.passed(resource(cluster), f"the public endpoint is limited to {', '.join(shown)}", found)


@rule(
    id="KW-EKS-002",
    title="EKS API server endpoint is not reachable privately from the VPC",
    objective=Objective.NETWORK_EXPOSURE,
    severity=Severity.MEDIUM,
    applies_to=EKS,
    rationale=(
        "With endpointPrivateAccess off, nodes, pods and administrators reach the API server through the "
        "public endpoint, so it must stay public and accept the nodes' egress addresses; that pressure "
        "is how endpoints end up open to 0.0.0.0/0. Private access keeps cluster traffic in the VPC and "
        "lets the public endpoint be restricted or turned off."
    ),
    remediation=(
        "aws eks update-cluster-config --name <cluster> --resources-vpc-config endpointPrivateAccess=true, "
        "then restrict or disable public access."
    ),
    references=(
        "https://docs.aws.amazon.com/eks/latest/userguide/cluster-endpoint.html",
        "CIS Amazon EKS Benchmark v1.5.0 5.4.2",
    ),
    provider_managed="AWS runs the private endpoint's network interfaces in your subnets; turning it on is yours.",
)
def private_endpoint(ctx: RuleContext) -> Iterator[Result]:
    """``endpointPrivateAccess`` must be true."""
    for cluster in descriptions(ctx, "eks"):
        if isinstance(cluster, Result):
            yield cluster
            continue
        private, problem = _vpc_config(ctx, cluster, "endpointPrivateAccess")
        if problem is not None:
            yield problem
            continue
        found = evidence(cluster, "resourcesVpcConfig.endpointPrivateAccess", private)
        if private is True:
            yield ctx.passed(resource(cluster), "the API server is reachable privately from the VPC", found)
        else:
            yield ctx.fail(
                resource(cluster), "private endpoint access is off: cluster traffic uses the public endpoint", found
            )


AUDIT_LOG_TYPES = ("audit", "authenticator")


@rule(
    id="KW-EKS-003",
    title="EKS control-plane audit or authenticator logs are not enabled",
    objective=Objective.AUDITABILITY,
    severity=Severity.HIGH,
    seed_step="Enable audit logging",
    applies_to=EKS,
    rationale=(
        "EKS writes the API server's audit log to CloudWatch Logs only when the 'audit' log type is "
        "enabled, and the 'authenticator' type records which IAM principal each Kubernetes username "
        "came from; without both there is no record of who read Secrets, changed RBAC or exec'd into "
        "pods, and no way to tie a username back to an AWS identity. Both are off on a new cluster."
    ),
    remediation=(
        "aws eks update-cluster-config --name <cluster> --logging "
        '\'{"clusterLogging":[{"types":["audit","authenticator"],"enabled":true}]}\''
    ),
    references=(
        "https://docs.aws.amazon.com/eks/latest/userguide/control-plane-logs.html",
        "CIS Amazon EKS Benchmark v1.5.0 2.1.1",
    ),
    provider_managed=(
        "AWS runs the API server with its own audit policy and ships the logs; enabling the log types "
        "and the CloudWatch retention are yours."
    ),
)
def control_plane_logging(ctx: RuleContext) -> Iterator[Result]:
    """Both ``audit`` and ``authenticator`` must be in an enabled ``clusterLogging`` entry."""
    for cluster in descriptions(ctx, "eks"):
        if isinstance(cluster, Result):
            yield cluster
            continue
        present, entries = lookup(cluster.data, "logging.clusterLogging")
        if not present or not isinstance(entries, list):
            yield ctx.not_assessable(
                resource(cluster),
                "the description has no logging.clusterLogging",
                evidence(cluster, "logging.clusterLogging", None),
            )
            continue
        enabled = sorted(
            {
                str(kind)
                for entry in entries
                if isinstance(entry, dict) and entry.get("enabled") is True
                for kind in entry.get("types") or []
            }
        )
        found = evidence(cluster, "logging.clusterLogging (enabled types)", enabled)
        missing = [kind for kind in AUDIT_LOG_TYPES if kind not in enabled]
        if missing:
            yield ctx.fail(resource(cluster), f"control-plane log types not enabled: {', '.join(missing)}", found)
        else:
            yield ctx.passed(resource(cluster), "audit and authenticator logs go to CloudWatch Logs", found)


@rule(
    id="KW-EKS-004",
    title="EKS cluster authenticates IAM principals only through the aws-auth ConfigMap",
    objective=Objective.AUTHENTICATION,
    severity=Severity.MEDIUM,
    seed_step="Move to stronger identity",
    applies_to=EKS,
    rationale=(
        "In authenticationMode CONFIG_MAP the only mapping from IAM to Kubernetes identities is the "
        "kube-system/aws-auth ConfigMap: anyone who can edit it can make any IAM principal cluster-admin, "
        "a typo in it can lock everyone out, and the mappings are invisible to IAM and CloudTrail. "
        "Access entries (API or API_AND_CONFIG_MAP) are managed through the EKS API, logged in CloudTrail "
        "and controlled by IAM policies. API_AND_CONFIG_MAP passes: it is the migration step, and the "
        "ConfigMap it still honours is reviewed by KW-EKS-005."
    ),
    remediation=(
        "aws eks update-cluster-config --name <cluster> --access-config authenticationMode=API_AND_CONFIG_MAP, "
        "create access entries for the aws-auth mappings, then switch to API (the change cannot be undone)."
    ),
    references=("https://docs.aws.amazon.com/eks/latest/userguide/grant-k8s-access.html",),
    provider_managed=(
        "AWS runs the IAM authenticator in the control plane; the authentication mode and the access "
        "entries or aws-auth mappings are yours."
    ),
)
def authentication_mode(ctx: RuleContext) -> Iterator[Result]:
    """CONFIG_MAP fails; API and API_AND_CONFIG_MAP pass."""
    for cluster in descriptions(ctx, "eks"):
        if isinstance(cluster, Result):
            yield cluster
            continue
        present, mode = lookup(cluster.data, "accessConfig.authenticationMode")
        found = evidence(cluster, "accessConfig.authenticationMode", mode)
        if not present:
            yield ctx.not_assessable(
                resource(cluster),
                "the description has no accessConfig.authenticationMode (output of an AWS CLI that predates "
                "access entries); describe the cluster again with a current CLI",
                found,
            )
        elif mode == "CONFIG_MAP":
            yield ctx.fail(resource(cluster), "IAM principals are mapped only by the aws-auth ConfigMap", found)
        else:
            yield ctx.passed(resource(cluster), f"authentication mode {mode} uses EKS access entries", found)


MASTERS = "system:masters"


@rule(
    id="KW-EKS-005",
    title="aws-auth ConfigMap maps IAM principals to system:masters or whole accounts",
    objective=Objective.AUTHORIZATION,
    severity=Severity.HIGH,
    seed_step="Reduce cluster-admin sprawl",
    applies_to=EKS,
    rationale=(
        "A mapRoles or mapUsers entry with group system:masters makes every session of that IAM role or "
        "user a superuser: system:masters bypasses RBAC entirely, so no Role or binding can limit or "
        "revoke it, and it does not show up in any ClusterRoleBinding. mapAccounts authenticates every "
        "IAM principal of the listed accounts. Access entries with scoped access policies, or mappings "
        "to groups bound by RBAC, keep admin rights reviewable."
    ),
    remediation=(
        "Map administrators to a group bound to cluster-admin (or a narrower role) by a "
        "ClusterRoleBinding, or replace the mapping with an access entry and access policy; remove "
        "mapAccounts."
    ),
    references=("https://docs.aws.amazon.com/eks/latest/userguide/auth-configmap.html",),
    provider_managed=(
        "The cluster creator's admin access is kept by EKS outside the ConfigMap; every other mapping in "
        "aws-auth is yours."
    ),
)
def aws_auth_mappings(ctx: RuleContext) -> Iterator[Result]:
    """Entries mapped to system:masters, and mapAccounts, in kube-system/aws-auth."""
    eks = [p for p in ctx.inventory.providers if p.provider == "eks"]
    platform = ctx.analysis.platform
    if not eks and platform.platform is not Platform.EKS:
        yield absent(ctx, "eks", "cluster description", COMMANDS["eks"])
        return
    modes = {lookup(p.data, "accessConfig.authenticationMode")[1] for p in eks}
    if modes == {"API"}:
        yield ctx.not_applicable(
            cluster_resource(ctx),
            "authentication mode API: EKS ignores the aws-auth ConfigMap",
            evidence(eks[0], "accessConfig.authenticationMode", "API"),
        )
        return
    record = ctx.inventory.coverage("configmaps")
    if not record.ok:
        yield ctx.not_assessable(
            cluster_resource(ctx), f"ConfigMaps were not collected: {record.reason or record.status}"
        )
        return
    config_map = next(
        (
            cm
            for cm in ctx.inventory.config_maps
            if (cm.metadata.namespace, cm.metadata.name) == ("kube-system", "aws-auth")
        ),
        None,
    )
    if config_map is None:
        yield ctx.passed(cluster_resource(ctx), "no kube-system/aws-auth ConfigMap: no IAM mappings through it")
        return
    yield _judge_aws_auth(ctx, config_map)


def _judge_aws_auth(ctx: RuleContext, config_map: ConfigMap) -> Result:
    where = object_resource(config_map)
    offending: list[dict[str, Any]] = []
    for key, arn_field in (("mapRoles", "rolearn"), ("mapUsers", "userarn")):
        entries, error = _entries(config_map.data.get(key, ""))
        if error:
            return ctx.not_assessable(where, f"aws-auth {key} cannot be read: {error}")
        for entry in (e for e in entries if isinstance(e, dict)):
            groups = entry.get("groups") or []
            if isinstance(groups, list) and MASTERS in groups:
                offending.append({"arn": str(entry.get(arn_field, "")), "groups": groups, "source": key})
    accounts, error = _entries(config_map.data.get("mapAccounts", ""))
    if error:
        return ctx.not_assessable(where, f"aws-auth mapAccounts cannot be read: {error}")
    problems = [f"{item['arn']} -> {MASTERS}" for item in offending]
    if accounts:
        problems.append(f"mapAccounts authenticates every IAM principal of {', '.join(str(a) for a in accounts)}")
    found = Evidence(
        setting="aws-auth mapRoles/mapUsers/mapAccounts",
        value={"system:masters": offending, "mapAccounts": [str(a) for a in accounts]},
        source="api-object",
        provenance=config_map.origin(),
    )
    if problems:
        return ctx.fail(where, "; ".join(problems), found)
    return ctx.passed(where, f"no aws-auth mapping grants {MASTERS} and no account is mapped", found)


def _entries(text: str) -> tuple[list[Any], str]:
    """The list a ``mapRoles``/``mapUsers``/``mapAccounts`` value holds, or an error text."""
    if not text.strip():
        return [], ""
    try:
        documents = load_yaml(text)
    except LoadError as exc:
        return [], exc.message
    value = documents[0].value if documents else None
    if value is None:
        return [], ""
    if not isinstance(value, list):
        return [], "not a YAML list"
    return list(value), ""
