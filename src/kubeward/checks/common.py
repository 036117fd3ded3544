"""Helpers shared by rule families: naming resources, and the not_assessable / not_applicable
verdicts for rules whose inputs are missing or managed by a provider.
"""

from collections.abc import Iterator

from kubeward.checks.context import RuleContext
from kubeward.checks.registry import REGISTRY
from kubeward.findings import IGNORE_ALL_ANNOTATION, IGNORE_ANNOTATION_PREFIX, Evidence, Resource, Result
from kubeward.inventory.objects import KubeObject, Workload
from kubeward.resolve.apiserver import EffectiveApiServer
from kubeward.resolve.kubelet import EffectiveKubelet


def cluster_resource(ctx: RuleContext) -> Resource:
    """The cluster as a whole, for verdicts that are not about one object."""
    target = ctx.inventory.target
    return Resource(kind="Cluster", name=target.name)


def object_resource(obj: KubeObject) -> Resource:
    """A Resource for an API object, carrying its kubeward ignore annotations (and only those)."""
    annotations = obj.metadata.annotations
    ignores = {
        key: value
        for key, value in annotations.items()
        if key.startswith(IGNORE_ANNOTATION_PREFIX) or key == IGNORE_ALL_ANNOTATION
    }
    return Resource(
        kind=obj.kind,
        name=obj.metadata.name,
        namespace=obj.metadata.namespace,
        api_version=obj.API_VERSION if not isinstance(obj, Workload) else "",
        provenance=obj.origin(),
        ignore_annotations=ignores,
    )


def apiservers(ctx: RuleContext) -> Iterator[EffectiveApiServer | Result]:
    """Each kube-apiserver, or one verdict saying why there is none to judge.

    On a managed platform the provider runs the API server: ``not_applicable`` (provider-managed),
    with the rule's ``provider_managed`` text saying what the provider sets and what stays yours.
    Otherwise a missing configuration is ``not_assessable`` with the collection reason.
    """
    found = ctx.analysis.apiservers
    if found:
        yield from found
        return
    if ctx.analysis.platform.managed:
        yield provider_managed(ctx)
        return
    record = ctx.inventory.coverage("apiserver")
    yield ctx.not_assessable(
        cluster_resource(ctx), f"no kube-apiserver configuration to assess: {record.reason or record.status}"
    )


def provider_managed(ctx: RuleContext) -> Result:
    """The ``not_applicable`` verdict of a control-plane rule on EKS, GKE or AKS: provider-managed,
    what decided the platform, and the rule's ``provider_managed`` text (what the provider sets for
    you, what stays yours). The engine's platform gate can give this same verdict for rules whose
    ``applies_to`` leaves the managed platforms out.
    """
    platform = ctx.analysis.platform
    message = (
        f"provider-managed: {platform.label} runs the API server and its flags are not yours to set "
        f"(detected from {platform.reason})"
    )
    return ctx.not_applicable(cluster_resource(ctx), _with_provider_text(ctx, message), _platform_evidence(ctx))


# Who sets the kubelet configuration on each managed platform: kubelet rules still apply there.
_MANAGED_KUBELETS = {
    "eks": (
        "on EKS the kubelet configuration of managed node groups and self-managed nodes comes from the AMI "
        "and your launch template or bootstrap settings, so it is yours to verify (AWS runs Fargate and "
        "Auto Mode nodes)"
    ),
    "gke": "GKE writes the kubelet configuration of its nodes (a node pool's kubeletConfig adjusts a few fields)",
    "aks": "AKS writes the kubelet configuration of its nodes (custom node configuration adjusts a few fields)",
}


def kubelets(ctx: RuleContext) -> Iterator[EffectiveKubelet | Result]:
    """Each kubelet, or one not_assessable verdict naming what is missing.

    Managed clusters are no exception: the nodes' kubelets serve port 10250 in your network whoever
    wrote their configuration, so without it the verdict is ``not_assessable``, never a pass.
    """
    found = ctx.analysis.kubelets
    if found:
        yield from found
        return
    record = ctx.inventory.coverage("kubelet")
    hint = " (on a live cluster the node proxy /configz is read; it needs get on nodes/proxy)"
    message = f"no kubelet configuration to assess: {record.reason or record.status}{hint}"
    platform = ctx.analysis.platform
    if platform.managed:
        message = _with_provider_text(ctx, f"{message}; {_MANAGED_KUBELETS[str(platform.platform)]}")
    yield ctx.not_assessable(cluster_resource(ctx), message)


def _with_provider_text(ctx: RuleContext, message: str) -> str:
    """``message`` followed by the rule's ``provider_managed`` text, when it has one."""
    registered = REGISTRY.get(ctx.meta.id)
    text = registered.provider_managed if registered is not None else ""
    return f"{message}. {text}" if text else message


def _platform_evidence(ctx: RuleContext) -> Evidence:
    """What decided the platform: a provider description among the inputs, or other signals."""
    platform = ctx.analysis.platform
    described = any(p.provider == str(platform.platform) for p in ctx.inventory.providers)
    return Evidence(
        setting="platform",
        value=platform.label,
        source="provider" if described else "derived",
        detail=f"detected from {platform.reason}",
    )


def missing_parts(ctx: RuleContext, *parts: str) -> Result | None:
    """A not_assessable verdict when any of ``parts`` was not collected, else None."""
    missing = ctx.inventory.missing(*parts)
    if not missing:
        return None
    reasons = "; ".join(f"{rec.part}: {rec.reason or rec.status}" for rec in missing)
    return ctx.not_assessable(cluster_resource(ctx), f"inputs missing ({reasons})")


def controlling_workload(obj: KubeObject, workloads_by_uid: dict[str, Workload]) -> Workload | None:
    """The top-most controller of a pod or workload (Deployment over its ReplicaSet, CronJob over
    its Job), or None when no known controller owns it.
    """
    current: KubeObject = obj
    top: Workload | None = None
    for _ in range(4):  # pod -> ReplicaSet -> Deployment, pod -> Job -> CronJob
        owner_uid = next((ref.uid for ref in current.metadata.ownerReferences if ref.controller), "")
        owner = workloads_by_uid.get(owner_uid) if owner_uid else None
        if owner is None:
            break
        top = owner
        current = owner
    return top
