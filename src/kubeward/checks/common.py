"""Helpers shared by rule families: naming resources, and the not_assessable / not_applicable
verdicts for rules whose inputs are missing or managed by a provider.
"""

from collections.abc import Iterator

from kubeward.checks.context import RuleContext
from kubeward.findings import IGNORE_ALL_ANNOTATION, IGNORE_ANNOTATION_PREFIX, Resource, Result
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

    On a managed platform the provider runs the API server: ``not_applicable`` (provider-managed).
    Otherwise a missing configuration is ``not_assessable`` with the collection reason.
    """
    found = ctx.analysis.apiservers
    if found:
        yield from found
        return
    platform = ctx.analysis.platform
    if platform.managed:
        yield ctx.not_applicable(
            cluster_resource(ctx),
            f"provider-managed: {platform.label} runs the API server and its flags are not yours to set "
            f"(detected from {platform.reason})",
        )
        return
    record = ctx.inventory.coverage("apiserver")
    yield ctx.not_assessable(
        cluster_resource(ctx), f"no kube-apiserver configuration to assess: {record.reason or record.status}"
    )


def kubelets(ctx: RuleContext) -> Iterator[EffectiveKubelet | Result]:
    """Each kubelet, or one not_assessable verdict naming what is missing."""
    found = ctx.analysis.kubelets
    if found:
        yield from found
        return
    record = ctx.inventory.coverage("kubelet")
    hint = " (on a live cluster the node proxy /configz is read; it needs get on nodes/proxy)"
    yield ctx.not_assessable(
        cluster_resource(ctx), f"no kubelet configuration to assess: {record.reason or record.status}{hint}"
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
