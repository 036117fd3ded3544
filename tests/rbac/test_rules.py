"""The RBAC risk rules, binding rules, escalation paths and token-mount rules, with exact verdicts."""

import msgspec
import pytest
from tests.rbac.factories import (
    cluster_role,
    crb,
    group,
    inventory,
    rb,
    role,
    rule,
    sa,
    service_account,
    user,
)

from kubeward.analysis import Analysis
from kubeward.checks.catalog import load_rules
from kubeward.engine import run_rules
from kubeward.findings import Finding
from kubeward.inventory.model import Inventory
from kubeward.inventory.objects import (
    ObjectMeta,
    Pod,
    PodSpec,
    PodTemplateSpec,
    SecretMeta,
    Workload,
    WorkloadSpec,
)
from kubeward.rbac.analyzer import RbacAnalysis
from kubeward.rbac.builtin import Exclusion, ExclusionError
from kubeward.rbac.risks import CATALOG_BY_ID as RISKS
from kubeward.rbac.risks import evaluate
from kubeward.rbac.subjects import SubjectRef

RBAC = "rbac.authorization.k8s.io"
BOOTSTRAP = {"kubernetes.io/bootstrapping": "rbac-defaults"}
CLUSTER_ADMIN = cluster_role("cluster-admin", rule(["*"], ["*"], ["*"]), rule(["*"], urls=["*"]))


def findings(inv: Inventory, rule_id: str) -> list[Finding]:
    registered = load_rules().get(rule_id)
    assert registered is not None
    found, errors = run_rules(Analysis(inv), [registered])
    assert errors == []
    return found


def verdicts(inv: Inventory, rule_id: str) -> list[tuple[str, str, str]]:
    return sorted((f.status, f.resource.key(), f.message) for f in findings(inv, rule_id))


def test_secret_readers_exact() -> None:
    inv = inventory(
        cluster_role("reader", rule(["get", "list"], resources=["secrets"])),
        cluster_role("named", rule(["get"], resources=["secrets"], names=["db"])),
        cluster_role("other-group", rule(["get"], ["example.com"], ["*"])),
        rb("team", "readers", "reader", group("devs"), kind="ClusterRole"),
        crb("named", "named", user("app")),
        crb("crd", "other-group", user("operator")),
    )
    assert verdicts(inv, "KW-RBAC-009") == [
        ("fail", "Group/devs", "Group devs can get/list secrets in namespace team"),
    ]
    [finding] = findings(inv, "KW-RBAC-009")
    assert finding.evidence.value == ["get secrets", "list secrets"]
    assert finding.evidence.detail == (
        'RoleBinding team/readers → ClusterRole/reader → rule 1: verbs=[get,list] apiGroups=[""] resources=[secrets]'
    )


def test_wildcard_grants_are_reported_once_under_the_wildcard_rule() -> None:
    inv = inventory(
        CLUSTER_ADMIN,
        cluster_role("god", rule(["*"], ["*"], ["*"])),
        crb("god", "god", user("root")),
        rb("team", "ns-admin", "god", user("lead"), kind="ClusterRole"),
        crb("admins", "cluster-admin", user("alice")),
    )
    assert verdicts(inv, "KW-RBAC-003") == [
        ("fail", "User/lead", "User lead can use * verbs on * resources in every API group in namespace team"),
        ("fail", "User/root", "User root can use * verbs on * resources in every API group cluster-wide"),
    ]
    for rule_id in ("KW-RBAC-005", "KW-RBAC-009", "KW-RBAC-011", "KW-RBAC-012", "KW-RBAC-014"):
        assert [f.status for f in findings(inv, rule_id)] == ["pass"], rule_id


def test_built_in_grants_are_not_findings() -> None:
    controller = cluster_role("system:controller:x", rule(["escalate"], [RBAC], ["clusterroles"]), labels=BOOTSTRAP)
    binding = msgspec.structs.replace(
        crb("system:controller:x", "system:controller:x", sa("x", "kube-system")),
        metadata=ObjectMeta(name="system:controller:x", labels=BOOTSTRAP),
    )
    inv = inventory(controller, binding)
    [result] = findings(inv, "KW-RBAC-005")
    assert (result.status, result.message) == (
        "pass",
        "no user-made subject can escalate (Cluster)Roles (1 built-in subject(s) can; see the access review)",
    )


def test_named_bind_and_impersonate_still_count() -> None:
    inv = inventory(
        cluster_role("binder", rule(["bind"], [RBAC], ["clusterroles"], names=["cluster-admin"])),
        role("ns", "imp", rule(["impersonate"], resources=["serviceaccounts"], names=["robot"])),
        crb("binder", "binder", user("b")),
        rb("ns", "imp", "imp", user("i")),
    )
    assert verdicts(inv, "KW-RBAC-006") == [
        ("fail", "User/b", "User b can bind clusterroles.rbac.authorization.k8s.io (only cluster-admin) cluster-wide")
    ]
    assert verdicts(inv, "KW-RBAC-007") == [
        ("fail", "User/i", "User i can impersonate serviceaccounts (only robot) in namespace ns")
    ]


def test_rolebinding_does_not_grant_cluster_scoped_risks() -> None:
    inv = inventory(
        cluster_role("proxy", rule(["get"], resources=["nodes/proxy"])),
        cluster_role("hooks", rule(["update"], ["admissionregistration.k8s.io"], ["mutatingwebhookconfigurations"])),
        rb("ns", "proxy", "proxy", user("a"), kind="ClusterRole"),
        rb("ns", "hooks", "hooks", user("a"), kind="ClusterRole"),
    )
    assert [f.status for f in findings(inv, "KW-RBAC-014")] == ["pass"]
    assert [f.status for f in findings(inv, "KW-RBAC-016")] == ["pass"]


def test_csr_approval_needs_approval_and_signer() -> None:
    approval = rule(["update"], ["certificates.k8s.io"], ["certificatesigningrequests/approval"])
    signer = rule(["approve"], ["certificates.k8s.io"], ["signers"], names=["kubernetes.io/*"])
    only = inventory(cluster_role("half", approval), crb("half", "half", user("h")))
    assert [f.status for f in findings(only, "KW-RBAC-015")] == ["pass"]
    both = inventory(cluster_role("full", approval, signer), crb("full", "full", user("f")))
    assert [(f.status, f.resource.key()) for f in findings(both, "KW-RBAC-015")] == [("fail", "User/f")]


def test_not_assessable_without_rbac_objects_and_partial_inputs() -> None:
    empty = inventory(all_rbac=False)
    for rule_id in ("KW-RBAC-003", "KW-RBAC-004", "KW-RBAC-009", "KW-RBAC-019", "KW-RBAC-020"):
        [result] = findings(empty, rule_id)
        assert result.status == "not_assessable", rule_id
    partial = inventory(cluster_role("x", rule(["get"], resources=["pods"])), crb("x", "x", user("a")), all_rbac=False)
    [result] = findings(partial, "KW-RBAC-009")
    assert result.status == "not_assessable"
    assert "roles: no input provided roles" in result.message


def test_binding_rules() -> None:
    inv = inventory(
        CLUSTER_ADMIN,
        cluster_role("view", rule(["get"], resources=["pods"])),
        msgspec.structs.replace(
            crb("cluster-admin", "cluster-admin", group("system:masters")),
            metadata=ObjectMeta(name="cluster-admin", labels=BOOTSTRAP),
        ),
        crb("break-glass", "cluster-admin", group("system:masters")),
        crb("everyone", "view", group("system:authenticated")),
        rb("ns", "robots", "view", group("system:serviceaccounts"), kind="ClusterRole"),
        rb("ns", "gone", "removed-app", sa("app")),
    )
    assert verdicts(inv, "KW-RBAC-004") == [
        (
            "fail",
            "ClusterRoleBinding/break-glass",
            "ClusterRole/cluster-admin is granted cluster-wide to Group system:masters",
        )
    ]
    assert verdicts(inv, "KW-RBAC-018") == [
        (
            "fail",
            "ClusterRoleBinding/everyone",
            "ClusterRole/view is granted cluster-wide to Group system:authenticated",
        ),
        (
            "fail",
            "RoleBinding/ns/robots",
            "ClusterRole/view is granted in namespace ns to Group system:serviceaccounts",
        ),
    ]
    assert verdicts(inv, "KW-RBAC-019") == [
        (
            "fail",
            "RoleBinding/ns/gone",
            'RoleBinding gone references Role/removed-app: role.rbac.authorization.k8s.io "removed-app" not found',
        )
    ]


def _deployment(namespace: str, name: str, account: str, automount: bool | None = None) -> Workload:
    spec = PodSpec(serviceAccountName=account, automountServiceAccountToken=automount)
    return Workload(
        metadata=ObjectMeta(name=name, namespace=namespace, uid=f"uid-{name}"),
        workload_kind="Deployment",
        spec=WorkloadSpec(template=PodTemplateSpec(spec=spec)),
    )


def test_multi_hop_escalation_path() -> None:
    # devs create pods in "tools" as tools/runner; runner can exec into pods cluster-wide; the CI pod
    # runs as ci/deployer, which is cluster-admin.
    inv = inventory(
        CLUSTER_ADMIN,
        cluster_role("deployer-ish", rule(["create"], resources=["pods"])),
        cluster_role("exec", rule(["create"], resources=["pods/exec"])),
        rb("tools", "devs", "deployer-ish", group("devs"), kind="ClusterRole"),
        crb("runner-exec", "exec", sa("runner", "tools")),
        crb("ci-admin", "cluster-admin", sa("deployer", "ci")),
        service_account("tools", "runner"),
        service_account("ci", "deployer"),
        extra=[("workloads", [_deployment("ci", "pipeline", "deployer")])],
    )
    results = {f.resource.key(): f for f in findings(inv, "KW-RBAC-020") if f.status == "fail"}
    assert set(results) == {"Group/devs", "ServiceAccount/tools/runner"}
    devs = results["Group/devs"]
    assert devs.evidence.value == 2
    assert devs.message == (
        "Group devs reaches cluster-admin-equivalent power in 2 steps: Group devs -[create pods in namespace tools: "
        "run a pod as any service account there]-> ServiceAccount tools/runner -[create pods/exec cluster-wide: run "
        "code in pods that mount service-account tokens]-> ServiceAccount ci/deployer -[holds * on * in every API "
        "group cluster-wide]-> cluster-admin-equivalent power"
    )
    assert devs.evidence.detail.startswith(
        "1. Group devs -> ServiceAccount tools/runner: create pods in namespace tools: run a pod as any service "
        "account there (RoleBinding tools/devs → ClusterRole/deployer-ish → rule 1: verbs=[create] "
        'apiGroups=[""] resources=[pods]) 2. ServiceAccount tools/runner -> ServiceAccount ci/deployer'
    )
    # The pipeline's token is cluster-admin: KW-CRED-003.
    assert [(f.status, f.resource.key()) for f in findings(inv, "KW-CRED-003")] == [("fail", "Deployment/ci/pipeline")]


@pytest.mark.parametrize(
    ("objects", "expected_first_hop"),
    [
        ((cluster_role("r", rule(["get"], resources=["secrets"])),), "get the legacy token Secret ci/deployer-token"),
        (
            (cluster_role("r", rule(["impersonate"], resources=["serviceaccounts"], names=["deployer"])),),
            "impersonate ServiceAccount ci/deployer",
        ),
        (
            (cluster_role("r", rule(["create"], resources=["serviceaccounts/token"])),),
            "request tokens for any service account cluster-wide",
        ),
        ((cluster_role("r", rule(["create"], resources=["secrets"])),), "create Secrets cluster-wide"),
        (
            (
                cluster_role(
                    "r",
                    rule(["bind"], [RBAC], ["clusterroles"], names=["cluster-admin"]),
                    rule(["create"], [RBAC], ["clusterrolebindings"]),
                ),
            ),
            "bind ClusterRole cluster-admin to itself",
        ),
        (
            (
                cluster_role(
                    "r",
                    rule(["escalate", "update"], [RBAC], ["clusterroles"], names=["r"]),
                ),
            ),
            "escalate: rewrite ClusterRole/r",
        ),
        (
            (
                cluster_role(
                    "r",
                    rule(["create"], ["certificates.k8s.io"], ["certificatesigningrequests"]),
                    rule(["update"], ["certificates.k8s.io"], ["certificatesigningrequests/approval"]),
                    rule(
                        ["approve"], ["certificates.k8s.io"], ["signers"], names=["kubernetes.io/kube-apiserver-client"]
                    ),
                ),
            ),
            "create and approve a CSR",
        ),
        (
            (
                cluster_role("r", rule(["impersonate"], resources=["groups"], names=["system:masters"])),
                cluster_role("u", rule(["impersonate"], resources=["users"])),
                crb("u", "u", user("mallory")),
            ),
            "impersonate Group system:masters",
        ),
        (
            (cluster_role("r", rule(["patch"], ["admissionregistration.k8s.io"], ["mutatingwebhookconfigurations"])),),
            "patch mutatingwebhookconfigurations",
        ),
    ],
)
def test_one_hop_escalations(objects: tuple, expected_first_hop: str) -> None:
    inv = inventory(
        CLUSTER_ADMIN,
        crb("ci-admin", "cluster-admin", sa("deployer", "ci")),
        crb("r", "r", user("mallory")),
        service_account("ci", "deployer"),
        *objects,
        extra=[
            (
                "secrets",
                [
                    SecretMeta(
                        metadata=ObjectMeta(
                            name="deployer-token",
                            namespace="ci",
                            annotations={"kubernetes.io/service-account.name": "deployer"},
                        ),
                        type="kubernetes.io/service-account-token",
                    )
                ],
            )
        ],
    )
    path = RbacAnalysis(inv).escalation_path(SubjectRef("User", "mallory"))
    assert path is not None
    assert path.length == 1
    assert path.hops[0].action.startswith(expected_first_hop)


def test_token_mount_rules() -> None:
    inv = inventory(
        cluster_role("reader", rule(["get"], resources=["configmaps"])),
        cluster_role("basic", rule(["create"], ["authorization.k8s.io"], ["selfsubjectaccessreviews"])),
        crb("basic", "basic", group("system:authenticated")),
        crb("same-as-basic", "basic", sa("idle", "app")),
        rb("app", "reader", "reader", sa("busy"), kind="ClusterRole"),
        service_account("app", "idle"),
        service_account("app", "busy"),
        service_account("app", "quiet", automount=False),
        extra=[
            ("workloads", [_deployment("app", "w-idle", "idle"), _deployment("app", "w-busy", "busy")]),
            (
                "pods",
                [
                    Pod(metadata=ObjectMeta(name="p-quiet", namespace="app"), spec=PodSpec(serviceAccountName="quiet")),
                    Pod(metadata=ObjectMeta(name="p-default", namespace="app"), spec=PodSpec()),
                ],
            ),
            (
                "secrets",
                [
                    SecretMeta(
                        metadata=ObjectMeta(
                            name="old-token",
                            namespace="app",
                            annotations={"kubernetes.io/service-account.name": "busy"},
                        ),
                        type="kubernetes.io/service-account-token",
                    ),
                    SecretMeta(metadata=ObjectMeta(name="tls", namespace="app"), type="kubernetes.io/tls"),
                ],
            ),
        ],
    )
    assert verdicts(inv, "KW-CRED-002") == [
        (
            "fail",
            "Deployment/app/w-idle",
            "mounts the token of ServiceAccount app/idle, which holds nothing beyond what every authenticated "
            "identity holds",
        ),
        (
            "pass",
            "Deployment/app/w-busy",
            "token of ServiceAccount app/busy mounted; the account holds permissions of its own",
        ),
    ]
    assert verdicts(inv, "KW-CRED-003") == [
        ("pass", "Cluster/test", "no workload mounts the token of a powerful service account")
    ]
    assert verdicts(inv, "KW-CRED-004") == [
        ("fail", "Secret/app/old-token", "long-lived token of ServiceAccount app/busy")
    ]


def test_exclusions() -> None:
    assert Exclusion.parse("ServiceAccount:argocd/*").matches(SubjectRef("ServiceAccount", "x", "argocd"))
    with pytest.raises(ExclusionError):
        Exclusion.parse("argocd/*")
    inv = inventory(
        cluster_role("reader", rule(["get"], resources=["secrets"])),
        crb("argo", "reader", sa("argocd-server", "argocd")),
        crb("bob", "reader", user("bob")),
    )
    rbac = RbacAnalysis(inv, (Exclusion.parse("ServiceAccount:argocd/*"),))
    hits = evaluate(RISKS["KW-RBAC-009"], rbac.holdings, rbac.holdings.subjects())
    assert sorted((h.subject.key(), h.user_made) for h in hits) == [
        ("ServiceAccount/argocd/argocd-server", False),
        ("User/bob", True),
    ]


def test_bind_granted_by_a_rolebinding_works_inside_its_namespace() -> None:
    # BindingAuthorized checks bind at the binding's namespace, so a RoleBinding can delegate it.
    inv = inventory(
        CLUSTER_ADMIN,
        cluster_role("admin", rule(["create"], resources=["pods"])),
        cluster_role(
            "delegate",
            rule(["bind"], [RBAC], ["clusterroles"], names=["admin"]),
            rule(["create"], [RBAC], ["rolebindings"]),
        ),
        rb("ci", "delegate", "delegate", user("lead"), kind="ClusterRole"),
        crb("ci-admin", "cluster-admin", sa("deployer", "ci")),
        service_account("ci", "deployer"),
    )
    path = RbacAnalysis(inv).escalation_path(SubjectRef("User", "lead"))
    assert path is not None
    assert path.hops[0].action == (
        "bind ClusterRole admin with a new RoleBinding in namespace ci, then run pods as its service accounts"
    )
    assert verdicts(inv, "KW-RBAC-006") == [
        ("fail", "User/lead", "User lead can bind clusterroles.rbac.authorization.k8s.io (only admin) in namespace ci")
    ]
