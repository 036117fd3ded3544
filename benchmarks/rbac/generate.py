"""A synthetic cluster's RBAC, built in memory: the issue 4 benchmark scale by default.

5,000 namespaces, 20,000 Roles, 2,000 ClusterRoles (200 of them aggregated, plus admin/edit/view
aggregating as in a real cluster), 100,000 RoleBindings, 50,000 ServiceAccounts, 1,000
ClusterRoleBindings, and a pod template per namespace so the escalation graph has token-mounting
workloads. Rules are drawn from a realistic mix (readers, deployers, secret readers with and without
resourceNames, exec, a few wildcards) so both the matchers and the risk catalog have work to do.
Deterministic for a given seed.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from kubeward.inventory.builder import InventoryBuilder
from kubeward.inventory.model import CollectionRecord, Inventory, Target
from kubeward.inventory.objects import (
    AggregationRule,
    ClusterRole,
    ClusterRoleBinding,
    LabelSelector,
    ObjectMeta,
    PodSpec,
    PodTemplateSpec,
    PolicyRule,
    Role,
    RoleBinding,
    RoleRef,
    ServiceAccount,
    Subject,
    Workload,
    WorkloadSpec,
)

RBAC = "rbac.authorization.k8s.io"


@dataclass(frozen=True)
class Scale:
    namespaces: int = 5_000
    roles: int = 20_000
    cluster_roles: int = 2_000
    aggregated: int = 200
    role_bindings: int = 100_000
    service_accounts: int = 50_000
    cluster_role_bindings: int = 1_000

    def times(self, factor: float) -> Scale:
        return Scale(*(max(1, int(value * factor)) for value in vars(self).values()))


RULE_POOL: tuple[PolicyRule, ...] = (
    PolicyRule(verbs=("get", "list", "watch"), apiGroups=("",), resources=("pods", "pods/log", "services")),
    PolicyRule(verbs=("get", "list", "watch"), apiGroups=("apps",), resources=("deployments", "replicasets")),
    PolicyRule(verbs=("create", "update", "patch", "delete"), apiGroups=("apps",), resources=("deployments",)),
    PolicyRule(verbs=("get",), apiGroups=("",), resources=("secrets",), resourceNames=("app-credentials",)),
    PolicyRule(verbs=("get", "list"), apiGroups=("",), resources=("secrets",)),
    PolicyRule(verbs=("get", "list", "watch", "create", "update"), apiGroups=("",), resources=("configmaps",)),
    PolicyRule(verbs=("create",), apiGroups=("",), resources=("pods/exec", "pods/portforward")),
    PolicyRule(verbs=("get", "update"), apiGroups=("*",), resources=("*/scale",)),
    PolicyRule(verbs=("get", "list", "watch"), apiGroups=("batch",), resources=("jobs", "cronjobs")),
    PolicyRule(verbs=("create",), apiGroups=("batch",), resources=("jobs",)),
    PolicyRule(verbs=("get", "list"), apiGroups=("monitoring.coreos.com",), resources=("*",)),
    PolicyRule(verbs=("*",), apiGroups=("example.com",), resources=("widgets", "widgets/status")),
)
CLUSTER_RULE_POOL: tuple[PolicyRule, ...] = (
    *RULE_POOL,
    PolicyRule(verbs=("get", "list", "watch"), apiGroups=("",), resources=("nodes", "namespaces")),
    PolicyRule(verbs=("get",), nonResourceURLs=("/metrics", "/healthz", "/api/*")),
    PolicyRule(verbs=("get",), apiGroups=("",), resources=("nodes/metrics", "nodes/stats")),
)
WILDCARD = PolicyRule(verbs=("*",), apiGroups=("*",), resources=("*",))


def _meta(name: str, namespace: str = "", labels: dict[str, str] | None = None, uid: str = "") -> ObjectMeta:
    return ObjectMeta(name=name, namespace=namespace, labels=labels or {}, uid=uid)


def synthetic_inventory(scale: Scale = Scale(), seed: int = 4) -> Inventory:
    rng = random.Random(seed)
    namespaces = [f"team-{i:04d}" for i in range(scale.namespaces)]
    builder = InventoryBuilder(Target(kind="offline", name="synthetic"))

    cluster_roles: list[ClusterRole] = [
        ClusterRole(
            metadata=_meta("cluster-admin"), rules=(WILDCARD, PolicyRule(verbs=("*",), nonResourceURLs=("*",)))
        ),
        ClusterRole(
            metadata=_meta("admin"),
            aggregationRule=AggregationRule(
                clusterRoleSelectors=(LabelSelector(matchLabels={f"{RBAC}/aggregate-to-admin": "true"}),)
            ),
        ),
        ClusterRole(
            metadata=_meta("edit", labels={f"{RBAC}/aggregate-to-admin": "true"}),
            aggregationRule=AggregationRule(
                clusterRoleSelectors=(LabelSelector(matchLabels={f"{RBAC}/aggregate-to-edit": "true"}),)
            ),
        ),
        ClusterRole(
            metadata=_meta("view", labels={f"{RBAC}/aggregate-to-edit": "true"}),
            aggregationRule=AggregationRule(
                clusterRoleSelectors=(LabelSelector(matchLabels={f"{RBAC}/aggregate-to-view": "true"}),)
            ),
        ),
    ]
    aggregate_labels = ("aggregate-to-admin", "aggregate-to-edit", "aggregate-to-view")
    for i in range(scale.aggregated):
        cluster_roles.append(
            ClusterRole(
                metadata=_meta(f"agg-{i:04d}"),
                aggregationRule=AggregationRule(
                    clusterRoleSelectors=(LabelSelector(matchLabels={"bench.kubeward.dev/aggregate": f"g{i % 50}"}),)
                ),
            )
        )
    plain = scale.cluster_roles - len(cluster_roles)
    for i in range(plain):
        labels = {"bench.kubeward.dev/aggregate": f"g{i % 50}"}
        if i % 40 == 0:
            labels[f"{RBAC}/{aggregate_labels[i % 3]}"] = "true"
        rules = tuple(rng.sample(CLUSTER_RULE_POOL, rng.randint(1, 4)))
        if i % 250 == 7:
            rules += (WILDCARD,)
        cluster_roles.append(ClusterRole(metadata=_meta(f"cr-{i:04d}", labels=labels), rules=rules))
    cluster_role_names = [role.name for role in cluster_roles]

    roles: list[Role] = []
    per_namespace = max(1, scale.roles // scale.namespaces)
    for namespace in namespaces:
        for j in range(per_namespace):
            rules = tuple(rng.sample(RULE_POOL, rng.randint(1, 3)))
            # A rule naming this namespace's own objects: every Role has at least one distinct rule, as
            # hand-written roles do.
            named = PolicyRule(
                verbs=("get", "update"), apiGroups=("",), resources=("configmaps",), resourceNames=(f"{namespace}-{j}",)
            )
            roles.append(Role(metadata=_meta(f"role-{j}", namespace), rules=(*rules, named)))

    accounts: list[ServiceAccount] = []
    per_ns_accounts = max(1, scale.service_accounts // scale.namespaces)
    for namespace in namespaces:
        for j in range(per_ns_accounts):
            accounts.append(ServiceAccount(metadata=_meta("default" if j == 0 else f"app-{j}", namespace)))

    users = [f"user-{i:05d}@example.com" for i in range(20_000)]
    groups = [f"team-group-{i:04d}" for i in range(2_000)]

    def subject(namespace: str) -> Subject:
        kind = rng.random()
        if kind < 0.45:
            return Subject(
                kind="ServiceAccount", name=f"app-{rng.randint(1, per_ns_accounts - 1)}", namespace=namespace
            )
        if kind < 0.8:
            return Subject(kind="User", name=rng.choice(users))
        return Subject(kind="Group", name=rng.choice(groups))

    role_bindings: list[RoleBinding] = []
    per_ns_bindings = max(1, scale.role_bindings // scale.namespaces)
    for namespace in namespaces:
        for j in range(per_ns_bindings):
            if j < per_namespace:
                ref = RoleRef(kind="Role", name=f"role-{j}", apiGroup=RBAC)
            else:
                name = rng.choice(("edit", "view", "admin")) if j % 5 == 0 else rng.choice(cluster_role_names[4:])
                ref = RoleRef(kind="ClusterRole", name=name, apiGroup=RBAC)
            subjects = tuple(subject(namespace) for _ in range(rng.randint(1, 2)))
            role_bindings.append(RoleBinding(metadata=_meta(f"rb-{j}", namespace), roleRef=ref, subjects=subjects))

    cluster_role_bindings: list[ClusterRoleBinding] = [
        ClusterRoleBinding(
            metadata=_meta("cluster-admin"),
            roleRef=RoleRef(kind="ClusterRole", name="cluster-admin", apiGroup=RBAC),
            subjects=(Subject(kind="Group", name="system:masters"),),
        )
    ]
    for i in range(scale.cluster_role_bindings - 1):
        namespace = rng.choice(namespaces)
        if i % 300 == 0:
            # A CI service account with cluster-admin whose token runs in the namespace's workload.
            name, subjects = "cluster-admin", (Subject(kind="ServiceAccount", name="app-1", namespace=namespace),)
        else:
            name, subjects = rng.choice(cluster_role_names[4:]), (subject(namespace),)
        cluster_role_bindings.append(
            ClusterRoleBinding(
                metadata=_meta(f"crb-{i:04d}"),
                roleRef=RoleRef(kind="ClusterRole", name=name, apiGroup=RBAC),
                subjects=subjects,
            )
        )

    workloads = [
        Workload(
            metadata=_meta("app", namespace, uid=f"uid-{namespace}"),
            workload_kind="Deployment",
            spec=WorkloadSpec(template=PodTemplateSpec(spec=PodSpec(serviceAccountName="app-1"))),
        )
        for namespace in namespaces
    ]

    for part, items in (
        ("clusterroles", cluster_roles),
        ("clusterrolebindings", cluster_role_bindings),
        ("roles", roles),
        ("rolebindings", role_bindings),
        ("serviceaccounts", accounts),
        ("workloads", workloads),
    ):
        builder.add_objects(part, items)
        builder.record(CollectionRecord(part=part, status="collected", count=len(items)))
    return builder.build()
