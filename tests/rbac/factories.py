"""Building RBAC objects and Inventories in memory for the RBAC engine tests."""

from collections.abc import Iterable, Sequence

from kubeward.inventory.builder import OBJECT_PARTS, InventoryBuilder
from kubeward.inventory.model import CollectionRecord, Inventory, Target
from kubeward.inventory.objects import (
    AggregationRule,
    ClusterRole,
    ClusterRoleBinding,
    KubeObject,
    LabelSelector,
    ObjectMeta,
    PolicyRule,
    Role,
    RoleBinding,
    RoleRef,
    ServiceAccount,
    Subject,
)

PART_OF = {
    ClusterRole: "clusterroles",
    ClusterRoleBinding: "clusterrolebindings",
    Role: "roles",
    RoleBinding: "rolebindings",
    ServiceAccount: "serviceaccounts",
}
RBAC_PARTS = ("clusterroles", "clusterrolebindings", "roles", "rolebindings")


def rule(
    verbs: Sequence[str],
    groups: Sequence[str] = ("",),
    resources: Sequence[str] = (),
    names: Sequence[str] = (),
    urls: Sequence[str] = (),
) -> PolicyRule:
    return PolicyRule(
        verbs=tuple(verbs),
        apiGroups=tuple(groups) if resources else (),
        resources=tuple(resources),
        resourceNames=tuple(names),
        nonResourceURLs=tuple(urls),
    )


def url_rule(verbs: Sequence[str], urls: Sequence[str]) -> PolicyRule:
    return PolicyRule(verbs=tuple(verbs), nonResourceURLs=tuple(urls))


def cluster_role(
    name: str,
    *rules: PolicyRule,
    labels: dict[str, str] | None = None,
    aggregate: Sequence[LabelSelector] | None = None,
    stored_rules: Sequence[PolicyRule] | None = None,
) -> ClusterRole:
    aggregation = AggregationRule(clusterRoleSelectors=tuple(aggregate)) if aggregate is not None else None
    written = (
        tuple(stored_rules) if stored_rules is not None else (tuple(rules) if rules or aggregate is None else None)
    )
    return ClusterRole(metadata=ObjectMeta(name=name, labels=labels or {}), rules=written, aggregationRule=aggregation)


def role(namespace: str, name: str, *rules: PolicyRule) -> Role:
    return Role(metadata=ObjectMeta(name=name, namespace=namespace), rules=tuple(rules))


def user(name: str) -> Subject:
    return Subject(kind="User", name=name, apiGroup="rbac.authorization.k8s.io")


def group(name: str) -> Subject:
    return Subject(kind="Group", name=name, apiGroup="rbac.authorization.k8s.io")


def sa(name: str, namespace: str = "") -> Subject:
    return Subject(kind="ServiceAccount", name=name, namespace=namespace)


def crb(name: str, role_name: str, *subjects: Subject, kind: str = "ClusterRole") -> ClusterRoleBinding:
    return ClusterRoleBinding(
        metadata=ObjectMeta(name=name),
        roleRef=RoleRef(kind=kind, name=role_name, apiGroup="rbac.authorization.k8s.io"),
        subjects=tuple(subjects),
    )


def rb(namespace: str, name: str, role_name: str, *subjects: Subject, kind: str = "Role") -> RoleBinding:
    return RoleBinding(
        metadata=ObjectMeta(name=name, namespace=namespace),
        roleRef=RoleRef(kind=kind, name=role_name, apiGroup="rbac.authorization.k8s.io"),
        subjects=tuple(subjects),
    )


def service_account(namespace: str, name: str, automount: bool | None = None) -> ServiceAccount:
    return ServiceAccount(metadata=ObjectMeta(name=name, namespace=namespace), automountServiceAccountToken=automount)


def inventory(
    *objects: KubeObject, extra: Iterable[tuple[str, Sequence[KubeObject]]] = (), all_rbac: bool = True
) -> Inventory:
    """An Inventory of ``objects``; with ``all_rbac`` every RBAC part counts as collected (even empty)."""
    builder = InventoryBuilder(Target(kind="offline", name="test"))
    grouped: dict[str, list[KubeObject]] = {}
    for obj in objects:
        grouped.setdefault(PART_OF[type(obj)], []).append(obj)
    for part, items in [*grouped.items(), *extra]:
        assert part in OBJECT_PARTS
        builder.add_objects(part, list(items))
    if all_rbac:
        for part in RBAC_PARTS:
            builder.record(CollectionRecord(part=part, status="collected", count=len(grouped.get(part, ()))))
    return builder.build()
