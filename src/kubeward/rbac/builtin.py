"""Telling Kubernetes' own RBAC apart from what people made, and user-chosen exclusions.

The default policy is full of grants a risk scanner flags (controllers with ``*`` on ``*``, the node
role reading Secrets, the aggregation controller's ``escalate``); peers either drown users in them
(KubiScan issue #13, trivy PR #2765) or drop everything named ``system:*``, which hides real grants.
Here a grant is built-in when it comes from a default binding to one of its default subjects:

- a binding whose name is one of the default bindings (``default_policy``, derived from the real
  default policy) counts as the default only while it still references its default role; then only
  its default subjects are built-in — a subject someone added to ``system:basic-user`` is user-made;
- any other binding carrying the bootstrap label ``kubernetes.io/bootstrapping=rbac-defaults``
  (bindings newer than the fixture) is built-in for all its subjects. Anyone who can write bindings
  can also write that label; the access review still lists built-in grants, apart.

A role is built-in when it carries the label or has a default name.

Installers add a few grants of their own that are part of how the cluster works; kubeadm binds
``cluster-admin`` to the group of its admin credential and ``system:kubelet-api-admin`` to the API
server's kubelet client certificate (``kubeadm:cluster-admins`` and ``kubeadm:apiserver-kubelet-client``,
per the kubeadm constants mirrored in kubernetes-sigs/cluster-api
``controlplane/kubeadm/internal/workload_cluster_rbac.go``; kubernetes/kubernetes PRs #121305 and
#138957). Their binding names changed across versions, so they are recognised by role and subject.

Exclusions are the user's own additions to "expected, report apart": subject patterns of the form
``KIND:GLOB`` where KIND is ``User``, ``Group``, ``ServiceAccount`` or ``*`` and GLOB an fnmatch glob
on the name (``namespace/name`` for service accounts), e.g. ``ServiceAccount:argocd/*``.
"""

import fnmatch
from dataclasses import dataclass

from kubeward.inventory.objects import KubeObject, Subject
from kubeward.rbac.default_policy import (
    DEFAULT_CLUSTER_ROLE_BINDINGS,
    DEFAULT_CLUSTER_ROLES,
    DEFAULT_ROLE_BINDINGS,
    DEFAULT_ROLES,
)
from kubeward.rbac.policy import BindingEntry, RoleEntry
from kubeward.rbac.subjects import SubjectRef

BOOTSTRAP_LABEL = "kubernetes.io/bootstrapping"
BOOTSTRAP_VALUE = "rbac-defaults"
_KINDS = ("User", "Group", "ServiceAccount", "*")
# (ClusterRole, subject kind, subject name) of installer grants recognised as built-in.
INSTALLER_GRANTS = frozenset(
    {
        ("cluster-admin", "Group", "kubeadm:cluster-admins"),
        ("system:kubelet-api-admin", "User", "kube-apiserver-kubelet-client"),
    }
)


def has_bootstrap_label(obj: KubeObject) -> bool:
    """True when the object carries ``kubernetes.io/bootstrapping=rbac-defaults``."""
    return obj.metadata.labels.get(BOOTSTRAP_LABEL) == BOOTSTRAP_VALUE


def is_builtin_role(role: RoleEntry) -> bool:
    """A default role: the bootstrap label, or a default name."""
    if has_bootstrap_label(role.obj):
        return True
    if role.kind == "ClusterRole":
        return role.name in DEFAULT_CLUSTER_ROLES
    return (role.namespace, role.name) in DEFAULT_ROLES


def is_builtin_grant(binding: BindingEntry, subject: Subject) -> bool:
    """Whether ``binding`` grants to ``subject`` as part of Kubernetes' default policy."""
    if binding.cluster:
        default = DEFAULT_CLUSTER_ROLE_BINDINGS.get(binding.name)
        expected_kind = "ClusterRole"
    else:
        default = DEFAULT_ROLE_BINDINGS.get((binding.namespace, binding.name))
        expected_kind = "Role"
    if default is None:
        ref = binding.obj.roleRef
        installer = binding.cluster and ref.kind == "ClusterRole" and (ref.name, subject.kind, subject.name)
        return has_bootstrap_label(binding.obj) or installer in INSTALLER_GRANTS
    ref = binding.obj.roleRef
    if ref.kind != expected_kind or ref.name != default.role:
        return False
    namespace = subject.namespace or (binding.namespace if subject.kind == "ServiceAccount" else "")
    return (subject.kind, namespace, subject.name) in default.subjects


class ExclusionError(ValueError):
    """An exclusion pattern is malformed."""


@dataclass(frozen=True)
class Exclusion:
    """One ``KIND:GLOB`` subject pattern."""

    kind: str
    glob: str

    @classmethod
    def parse(cls, text: str) -> "Exclusion":
        """Parse ``KIND:GLOB``."""
        kind, sep, glob = text.partition(":")
        if not sep or kind not in _KINDS or not glob:
            raise ExclusionError(
                f"exclusion {text!r} must be KIND:GLOB with KIND one of User, Group, ServiceAccount or * "
                "(e.g. ServiceAccount:argocd/*, Group:oidc:platform-*)"
            )
        return cls(kind, glob)

    def matches(self, ref: SubjectRef) -> bool:
        """Whether the subject matches this pattern."""
        if self.kind not in ("*", ref.kind):
            return False
        name = f"{ref.namespace}/{ref.name}" if ref.kind == "ServiceAccount" else ref.name
        return fnmatch.fnmatchcase(name, self.glob)


def excluded(ref: SubjectRef, exclusions: tuple[Exclusion, ...]) -> bool:
    """Whether any exclusion matches the subject."""
    return any(exclusion.matches(ref) for exclusion in exclusions)
