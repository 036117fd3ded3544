"""Helpers shared by the RBAC rule families: subjects as report resources, grants as evidence, and
the not_assessable verdict when RBAC objects are missing.
"""

from collections.abc import Sequence

from kubeward.checks.common import missing_parts, object_resource
from kubeward.checks.context import RuleContext
from kubeward.findings import Evidence, Resource, Result
from kubeward.rbac.capabilities import AtomGrant
from kubeward.rbac.describe import chain_text
from kubeward.rbac.policy import RBAC_PARTS
from kubeward.rbac.subjects import SubjectRef

RBAC_SETTING = "RBAC permission"


def rbac_missing(ctx: RuleContext) -> tuple[bool, Result | None]:
    """(any RBAC object collected, a not_assessable verdict naming the parts that were not)."""
    return ctx.analysis.rbac.available, missing_parts(ctx, *RBAC_PARTS)


def subject_resource(ctx: RuleContext, ref: SubjectRef, grants: Sequence[AtomGrant] = ()) -> Resource:
    """The subject as a report resource: the ServiceAccount object when there is one (so its ignore
    annotations apply), else the subject as named, located at its first granting binding.
    """
    if ref.kind == "ServiceAccount":
        account = ctx.analysis.rbac.accounts.get((ref.namespace, ref.name))
        if account is not None:
            return object_resource(account)
    provenance = grants[0].binding.obj.origin() if grants else None
    return Resource(kind=ref.kind, name=ref.name, namespace=ref.namespace, provenance=provenance)


def grants_detail(grants: Sequence[AtomGrant]) -> str:
    """Each distinct binding → role → rule, once."""
    seen: dict[str, None] = {}
    for grant in grants:
        seen[chain_text(grant)] = None
    return "; ".join(seen)


def grants_evidence(grants: Sequence[AtomGrant]) -> Evidence:
    """Evidence naming the permissions and the binding → role → rule chains that grant them."""
    return Evidence(
        setting=RBAC_SETTING,
        value=sorted({g.atom for g in grants}),
        source="api-object",
        detail=grants_detail(grants),
        provenance=grants[0].binding.obj.origin() if grants else None,
    )
