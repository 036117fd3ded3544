"""Names of Kubernetes' default (bootstrap) RBAC policy, with the subjects of each default binding.

Derived from the bootstrap policy testdata of kubernetes/kubernetes
(``plugin/pkg/auth/authorizer/rbac/bootstrappolicy/testdata/``; Apache-2.0, The Kubernetes Authors),
as copied in ``tests/fixtures/k8s-bootstrap-rbac`` (see its SOURCE.md for the commit of each file):
cluster-roles.yaml @6732d913, controller-roles.yaml and controller-role-bindings.yaml @0158d1b4,
namespace-roles.yaml and namespace-role-bindings.yaml @008b3652, cluster-role-bindings.yaml @c60df899.
That bindings file predates ``system:service-account-issuer-discovery``, which newer API servers bind
to ``system:serviceaccounts`` (bootstrappolicy ``policy.go``, ServiceAccountIssuerDiscovery); it is
added by hand below. A test checks every other entry against the fixture.

Only names, role references and subjects are kept: rules are read from the cluster, never assumed.
A subject is a ``(kind, namespace, name)`` triple.
"""

from typing import NamedTuple

DefaultSubject = tuple[str, str, str]


class DefaultBinding(NamedTuple):
    """A default binding: the role it references (of the binding's own scope) and its subjects."""

    role: str
    subjects: frozenset[DefaultSubject]


DEFAULT_CLUSTER_ROLES: frozenset[str] = frozenset(
    {
        "admin",
        "cluster-admin",
        "edit",
        "system:aggregate-to-admin",
        "system:aggregate-to-edit",
        "system:aggregate-to-view",
        "system:auth-delegator",
        "system:basic-user",
        "system:certificates.k8s.io:certificatesigningrequests:nodeclient",
        "system:certificates.k8s.io:certificatesigningrequests:selfnodeclient",
        "system:certificates.k8s.io:kube-apiserver-client-approver",
        "system:certificates.k8s.io:kube-apiserver-client-kubelet-approver",
        "system:certificates.k8s.io:kubelet-serving-approver",
        "system:certificates.k8s.io:legacy-unknown-approver",
        "system:cluster-trust-bundle-discovery",
        "system:controller:attachdetach-controller",
        "system:controller:certificate-controller",
        "system:controller:clusterrole-aggregation-controller",
        "system:controller:cronjob-controller",
        "system:controller:daemon-set-controller",
        "system:controller:deployment-controller",
        "system:controller:disruption-controller",
        "system:controller:endpoint-controller",
        "system:controller:endpointslice-controller",
        "system:controller:endpointslicemirroring-controller",
        "system:controller:ephemeral-volume-controller",
        "system:controller:expand-controller",
        "system:controller:generic-garbage-collector",
        "system:controller:horizontal-pod-autoscaler",
        "system:controller:job-controller",
        "system:controller:legacy-service-account-token-cleaner",
        "system:controller:namespace-controller",
        "system:controller:node-controller",
        "system:controller:persistent-volume-binder",
        "system:controller:pod-garbage-collector",
        "system:controller:podcheckpoint-controller",
        "system:controller:pv-protection-controller",
        "system:controller:pvc-protection-controller",
        "system:controller:replicaset-controller",
        "system:controller:replication-controller",
        "system:controller:resource-claim-controller",
        "system:controller:resourcequota-controller",
        "system:controller:root-ca-cert-publisher",
        "system:controller:route-controller",
        "system:controller:selinux-warning-controller",
        "system:controller:service-account-controller",
        "system:controller:service-cidrs-controller",
        "system:controller:service-controller",
        "system:controller:statefulset-controller",
        "system:controller:ttl-after-finished-controller",
        "system:controller:ttl-controller",
        "system:controller:validatingadmissionpolicy-status-controller",
        "system:controller:volumeattributesclass-protection-controller",
        "system:discovery",
        "system:heapster",
        "system:kube-aggregator",
        "system:kube-controller-manager",
        "system:kube-dns",
        "system:kube-scheduler",
        "system:kubelet-api-admin",
        "system:monitoring",
        "system:node",
        "system:node-bootstrapper",
        "system:node-problem-detector",
        "system:node-proxier",
        "system:persistent-volume-provisioner",
        "system:public-info-viewer",
        "system:service-account-issuer-discovery",
        "system:volume-scheduler",
        "view",
    }
)

DEFAULT_ROLES: frozenset[tuple[str, str]] = frozenset(
    {
        ("kube-public", "system:controller:bootstrap-signer"),
        ("kube-system", "extension-apiserver-authentication-reader"),
        ("kube-system", "system::leader-locking-kube-controller-manager"),
        ("kube-system", "system::leader-locking-kube-scheduler"),
        ("kube-system", "system:controller:bootstrap-signer"),
        ("kube-system", "system:controller:cloud-provider"),
        ("kube-system", "system:controller:token-cleaner"),
    }
)

DEFAULT_CLUSTER_ROLE_BINDINGS: dict[str, DefaultBinding] = {
    "cluster-admin": DefaultBinding("cluster-admin", frozenset({("Group", "", "system:masters")})),
    "system:basic-user": DefaultBinding("system:basic-user", frozenset({("Group", "", "system:authenticated")})),
    "system:controller:attachdetach-controller": DefaultBinding(
        "system:controller:attachdetach-controller",
        frozenset({("ServiceAccount", "kube-system", "attachdetach-controller")}),
    ),
    "system:controller:certificate-controller": DefaultBinding(
        "system:controller:certificate-controller",
        frozenset({("ServiceAccount", "kube-system", "certificate-controller")}),
    ),
    "system:controller:clusterrole-aggregation-controller": DefaultBinding(
        "system:controller:clusterrole-aggregation-controller",
        frozenset({("ServiceAccount", "kube-system", "clusterrole-aggregation-controller")}),
    ),
    "system:controller:cronjob-controller": DefaultBinding(
        "system:controller:cronjob-controller", frozenset({("ServiceAccount", "kube-system", "cronjob-controller")})
    ),
    "system:controller:daemon-set-controller": DefaultBinding(
        "system:controller:daemon-set-controller",
        frozenset({("ServiceAccount", "kube-system", "daemon-set-controller")}),
    ),
    "system:controller:deployment-controller": DefaultBinding(
        "system:controller:deployment-controller",
        frozenset({("ServiceAccount", "kube-system", "deployment-controller")}),
    ),
    "system:controller:disruption-controller": DefaultBinding(
        "system:controller:disruption-controller",
        frozenset({("ServiceAccount", "kube-system", "disruption-controller")}),
    ),
    "system:controller:endpoint-controller": DefaultBinding(
        "system:controller:endpoint-controller", frozenset({("ServiceAccount", "kube-system", "endpoint-controller")})
    ),
    "system:controller:endpointslice-controller": DefaultBinding(
        "system:controller:endpointslice-controller",
        frozenset({("ServiceAccount", "kube-system", "endpointslice-controller")}),
    ),
    "system:controller:endpointslicemirroring-controller": DefaultBinding(
        "system:controller:endpointslicemirroring-controller",
        frozenset({("ServiceAccount", "kube-system", "endpointslicemirroring-controller")}),
    ),
    "system:controller:ephemeral-volume-controller": DefaultBinding(
        "system:controller:ephemeral-volume-controller",
        frozenset({("ServiceAccount", "kube-system", "ephemeral-volume-controller")}),
    ),
    "system:controller:expand-controller": DefaultBinding(
        "system:controller:expand-controller", frozenset({("ServiceAccount", "kube-system", "expand-controller")})
    ),
    "system:controller:generic-garbage-collector": DefaultBinding(
        "system:controller:generic-garbage-collector",
        frozenset({("ServiceAccount", "kube-system", "generic-garbage-collector")}),
    ),
    "system:controller:horizontal-pod-autoscaler": DefaultBinding(
        "system:controller:horizontal-pod-autoscaler",
        frozenset({("ServiceAccount", "kube-system", "horizontal-pod-autoscaler")}),
    ),
    "system:controller:job-controller": DefaultBinding(
        "system:controller:job-controller", frozenset({("ServiceAccount", "kube-system", "job-controller")})
    ),
    "system:controller:legacy-service-account-token-cleaner": DefaultBinding(
        "system:controller:legacy-service-account-token-cleaner",
        frozenset({("ServiceAccount", "kube-system", "legacy-service-account-token-cleaner")}),
    ),
    "system:controller:namespace-controller": DefaultBinding(
        "system:controller:namespace-controller", frozenset({("ServiceAccount", "kube-system", "namespace-controller")})
    ),
    "system:controller:node-controller": DefaultBinding(
        "system:controller:node-controller", frozenset({("ServiceAccount", "kube-system", "node-controller")})
    ),
    "system:controller:persistent-volume-binder": DefaultBinding(
        "system:controller:persistent-volume-binder",
        frozenset({("ServiceAccount", "kube-system", "persistent-volume-binder")}),
    ),
    "system:controller:pod-garbage-collector": DefaultBinding(
        "system:controller:pod-garbage-collector",
        frozenset({("ServiceAccount", "kube-system", "pod-garbage-collector")}),
    ),
    "system:controller:podcheckpoint-controller": DefaultBinding(
        "system:controller:podcheckpoint-controller",
        frozenset({("ServiceAccount", "kube-system", "podcheckpoint-controller")}),
    ),
    "system:controller:pv-protection-controller": DefaultBinding(
        "system:controller:pv-protection-controller",
        frozenset({("ServiceAccount", "kube-system", "pv-protection-controller")}),
    ),
    "system:controller:pvc-protection-controller": DefaultBinding(
        "system:controller:pvc-protection-controller",
        frozenset({("ServiceAccount", "kube-system", "pvc-protection-controller")}),
    ),
    "system:controller:replicaset-controller": DefaultBinding(
        "system:controller:replicaset-controller",
        frozenset({("ServiceAccount", "kube-system", "replicaset-controller")}),
    ),
    "system:controller:replication-controller": DefaultBinding(
        "system:controller:replication-controller",
        frozenset({("ServiceAccount", "kube-system", "replication-controller")}),
    ),
    "system:controller:resource-claim-controller": DefaultBinding(
        "system:controller:resource-claim-controller",
        frozenset({("ServiceAccount", "kube-system", "resource-claim-controller")}),
    ),
    "system:controller:resourcequota-controller": DefaultBinding(
        "system:controller:resourcequota-controller",
        frozenset({("ServiceAccount", "kube-system", "resourcequota-controller")}),
    ),
    "system:controller:root-ca-cert-publisher": DefaultBinding(
        "system:controller:root-ca-cert-publisher",
        frozenset({("ServiceAccount", "kube-system", "root-ca-cert-publisher")}),
    ),
    "system:controller:route-controller": DefaultBinding(
        "system:controller:route-controller", frozenset({("ServiceAccount", "kube-system", "route-controller")})
    ),
    "system:controller:selinux-warning-controller": DefaultBinding(
        "system:controller:selinux-warning-controller",
        frozenset({("ServiceAccount", "kube-system", "selinux-warning-controller")}),
    ),
    "system:controller:service-account-controller": DefaultBinding(
        "system:controller:service-account-controller",
        frozenset({("ServiceAccount", "kube-system", "service-account-controller")}),
    ),
    "system:controller:service-cidrs-controller": DefaultBinding(
        "system:controller:service-cidrs-controller",
        frozenset({("ServiceAccount", "kube-system", "service-cidrs-controller")}),
    ),
    "system:controller:service-controller": DefaultBinding(
        "system:controller:service-controller", frozenset({("ServiceAccount", "kube-system", "service-controller")})
    ),
    "system:controller:statefulset-controller": DefaultBinding(
        "system:controller:statefulset-controller",
        frozenset({("ServiceAccount", "kube-system", "statefulset-controller")}),
    ),
    "system:controller:ttl-after-finished-controller": DefaultBinding(
        "system:controller:ttl-after-finished-controller",
        frozenset({("ServiceAccount", "kube-system", "ttl-after-finished-controller")}),
    ),
    "system:controller:ttl-controller": DefaultBinding(
        "system:controller:ttl-controller", frozenset({("ServiceAccount", "kube-system", "ttl-controller")})
    ),
    "system:controller:validatingadmissionpolicy-status-controller": DefaultBinding(
        "system:controller:validatingadmissionpolicy-status-controller",
        frozenset({("ServiceAccount", "kube-system", "validatingadmissionpolicy-status-controller")}),
    ),
    "system:controller:volumeattributesclass-protection-controller": DefaultBinding(
        "system:controller:volumeattributesclass-protection-controller",
        frozenset({("ServiceAccount", "kube-system", "volumeattributesclass-protection-controller")}),
    ),
    "system:discovery": DefaultBinding("system:discovery", frozenset({("Group", "", "system:authenticated")})),
    "system:kube-controller-manager": DefaultBinding(
        "system:kube-controller-manager", frozenset({("User", "", "system:kube-controller-manager")})
    ),
    "system:kube-dns": DefaultBinding("system:kube-dns", frozenset({("ServiceAccount", "kube-system", "kube-dns")})),
    "system:kube-scheduler": DefaultBinding(
        "system:kube-scheduler", frozenset({("User", "", "system:kube-scheduler")})
    ),
    "system:node": DefaultBinding("system:node", frozenset()),
    "system:node-proxier": DefaultBinding("system:node-proxier", frozenset({("User", "", "system:kube-proxy")})),
    "system:public-info-viewer": DefaultBinding(
        "system:public-info-viewer",
        frozenset({("Group", "", "system:authenticated"), ("Group", "", "system:unauthenticated")}),
    ),
    # Not in the fixture's older bindings file; bound by newer API servers (see the module docstring).
    "system:service-account-issuer-discovery": DefaultBinding(
        "system:service-account-issuer-discovery", frozenset({("Group", "", "system:serviceaccounts")})
    ),
    "system:volume-scheduler": DefaultBinding(
        "system:volume-scheduler", frozenset({("User", "", "system:kube-scheduler")})
    ),
}

DEFAULT_ROLE_BINDINGS: dict[tuple[str, str], DefaultBinding] = {
    ("kube-public", "system:controller:bootstrap-signer"): DefaultBinding(
        "system:controller:bootstrap-signer", frozenset({("ServiceAccount", "kube-system", "bootstrap-signer")})
    ),
    ("kube-system", "system::extension-apiserver-authentication-reader"): DefaultBinding(
        "extension-apiserver-authentication-reader",
        frozenset({("User", "", "system:kube-controller-manager"), ("User", "", "system:kube-scheduler")}),
    ),
    ("kube-system", "system::leader-locking-kube-controller-manager"): DefaultBinding(
        "system::leader-locking-kube-controller-manager",
        frozenset(
            {
                ("ServiceAccount", "kube-system", "kube-controller-manager"),
                ("ServiceAccount", "kube-system", "leader-election-controller"),
                ("User", "", "system:kube-controller-manager"),
            }
        ),
    ),
    ("kube-system", "system::leader-locking-kube-scheduler"): DefaultBinding(
        "system::leader-locking-kube-scheduler",
        frozenset({("ServiceAccount", "kube-system", "kube-scheduler"), ("User", "", "system:kube-scheduler")}),
    ),
    ("kube-system", "system:controller:bootstrap-signer"): DefaultBinding(
        "system:controller:bootstrap-signer", frozenset({("ServiceAccount", "kube-system", "bootstrap-signer")})
    ),
    ("kube-system", "system:controller:cloud-provider"): DefaultBinding(
        "system:controller:cloud-provider", frozenset({("ServiceAccount", "kube-system", "cloud-provider")})
    ),
    ("kube-system", "system:controller:token-cleaner"): DefaultBinding(
        "system:controller:token-cleaner", frozenset({("ServiceAccount", "kube-system", "token-cleaner")})
    ),
}
