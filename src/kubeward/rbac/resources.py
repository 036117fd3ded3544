"""kubectl's resource syntax (``TYPE``, ``TYPE.GROUP``, ``TYPE.VERSION.GROUP``, ``TYPE/NAME``) offline.

kubectl resolves a type through the server's discovery (its RESTMapper). Offline there is no server,
so the built-in table below lists the resources of the core Kubernetes API groups as ``kubectl
api-resources`` prints them (plural, singular, short names, kind, group, namespaced), plus the
non-standard resources authorization checks use (``users``, ``groups``, ``uids``, ``userextras``
for impersonation and ``signers`` for certificate approval).

Resolution, as ``kubectl auth can-i`` does it
(``k8s:staging/src/k8s.io/kubectl/pkg/cmd/auth/cani.go@08ea6733`` ``resourceFor``):

- ``*`` stays ``*`` (every resource, group ``""`` unless ``*.*``);
- the argument is lower-cased; ``TYPE.VERSION.GROUP`` is tried first, then ``TYPE.GROUP`` (the
  group is everything after the first dot), then ``TYPE`` alone;
- a bare type is looked up by plural, singular, short name or kind.

Unknown resources (custom resources, newer APIs): ``TYPE.GROUP`` is taken at face value (resource
``TYPE`` in API group ``GROUP``) and reported as unknown to the table; a bare unknown ``TYPE`` is
asked in the core group ``""`` with a warning, which is what kubectl does when discovery does not
know the type. Whether an unknown resource is namespaced is not known; it is treated as namespaced
(the request carries the namespace of ``-n``, or none with ``-A``). When the Inventory carries
discovery (a live collection or a bundle of one), a group the cluster does not serve is warned about.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass

# (plural, singular, short names, kind, group, namespaced), as listed by ``kubectl api-resources``
# on Kubernetes v1.31 for the built-in groups; "events" resolves to the core group first, as kubectl's
# priority mapper prefers the legacy group.
_TABLE: tuple[tuple[str, str, tuple[str, ...], str, str, bool], ...] = (
    ("bindings", "binding", (), "Binding", "", True),
    ("componentstatuses", "componentstatus", ("cs",), "ComponentStatus", "", False),
    ("configmaps", "configmap", ("cm",), "ConfigMap", "", True),
    ("endpoints", "endpoints", ("ep",), "Endpoints", "", True),
    ("events", "event", ("ev",), "Event", "", True),
    ("limitranges", "limitrange", ("limits",), "LimitRange", "", True),
    ("namespaces", "namespace", ("ns",), "Namespace", "", False),
    ("nodes", "node", ("no",), "Node", "", False),
    ("persistentvolumeclaims", "persistentvolumeclaim", ("pvc",), "PersistentVolumeClaim", "", True),
    ("persistentvolumes", "persistentvolume", ("pv",), "PersistentVolume", "", False),
    ("pods", "pod", ("po",), "Pod", "", True),
    ("podtemplates", "podtemplate", (), "PodTemplate", "", True),
    ("replicationcontrollers", "replicationcontroller", ("rc",), "ReplicationController", "", True),
    ("resourcequotas", "resourcequota", ("quota",), "ResourceQuota", "", True),
    ("secrets", "secret", (), "Secret", "", True),
    ("serviceaccounts", "serviceaccount", ("sa",), "ServiceAccount", "", True),
    ("services", "service", ("svc",), "Service", "", True),
    (
        "mutatingwebhookconfigurations",
        "mutatingwebhookconfiguration",
        (),
        "MutatingWebhookConfiguration",
        "admissionregistration.k8s.io",
        False,
    ),
    (
        "validatingadmissionpolicies",
        "validatingadmissionpolicy",
        (),
        "ValidatingAdmissionPolicy",
        "admissionregistration.k8s.io",
        False,
    ),
    (
        "validatingadmissionpolicybindings",
        "validatingadmissionpolicybinding",
        (),
        "ValidatingAdmissionPolicyBinding",
        "admissionregistration.k8s.io",
        False,
    ),
    (
        "validatingwebhookconfigurations",
        "validatingwebhookconfiguration",
        (),
        "ValidatingWebhookConfiguration",
        "admissionregistration.k8s.io",
        False,
    ),
    (
        "customresourcedefinitions",
        "customresourcedefinition",
        ("crd", "crds"),
        "CustomResourceDefinition",
        "apiextensions.k8s.io",
        False,
    ),
    ("apiservices", "apiservice", (), "APIService", "apiregistration.k8s.io", False),
    ("controllerrevisions", "controllerrevision", (), "ControllerRevision", "apps", True),
    ("daemonsets", "daemonset", ("ds",), "DaemonSet", "apps", True),
    ("deployments", "deployment", ("deploy",), "Deployment", "apps", True),
    ("replicasets", "replicaset", ("rs",), "ReplicaSet", "apps", True),
    ("statefulsets", "statefulset", ("sts",), "StatefulSet", "apps", True),
    ("selfsubjectreviews", "selfsubjectreview", (), "SelfSubjectReview", "authentication.k8s.io", False),
    ("tokenreviews", "tokenreview", (), "TokenReview", "authentication.k8s.io", False),
    (
        "localsubjectaccessreviews",
        "localsubjectaccessreview",
        (),
        "LocalSubjectAccessReview",
        "authorization.k8s.io",
        True,
    ),
    (
        "selfsubjectaccessreviews",
        "selfsubjectaccessreview",
        (),
        "SelfSubjectAccessReview",
        "authorization.k8s.io",
        False,
    ),
    ("selfsubjectrulesreviews", "selfsubjectrulesreview", (), "SelfSubjectRulesReview", "authorization.k8s.io", False),
    ("subjectaccessreviews", "subjectaccessreview", (), "SubjectAccessReview", "authorization.k8s.io", False),
    ("horizontalpodautoscalers", "horizontalpodautoscaler", ("hpa",), "HorizontalPodAutoscaler", "autoscaling", True),
    ("cronjobs", "cronjob", ("cj",), "CronJob", "batch", True),
    ("jobs", "job", (), "Job", "batch", True),
    (
        "certificatesigningrequests",
        "certificatesigningrequest",
        ("csr",),
        "CertificateSigningRequest",
        "certificates.k8s.io",
        False,
    ),
    ("leases", "lease", (), "Lease", "coordination.k8s.io", True),
    ("endpointslices", "endpointslice", (), "EndpointSlice", "discovery.k8s.io", True),
    ("flowschemas", "flowschema", (), "FlowSchema", "flowcontrol.apiserver.k8s.io", False),
    (
        "prioritylevelconfigurations",
        "prioritylevelconfiguration",
        (),
        "PriorityLevelConfiguration",
        "flowcontrol.apiserver.k8s.io",
        False,
    ),
    ("ingressclasses", "ingressclass", (), "IngressClass", "networking.k8s.io", False),
    ("ingresses", "ingress", ("ing",), "Ingress", "networking.k8s.io", True),
    ("ipaddresses", "ipaddress", ("ip",), "IPAddress", "networking.k8s.io", False),
    ("networkpolicies", "networkpolicy", ("netpol",), "NetworkPolicy", "networking.k8s.io", True),
    ("servicecidrs", "servicecidr", (), "ServiceCIDR", "networking.k8s.io", False),
    ("runtimeclasses", "runtimeclass", (), "RuntimeClass", "node.k8s.io", False),
    ("poddisruptionbudgets", "poddisruptionbudget", ("pdb",), "PodDisruptionBudget", "policy", True),
    ("clusterrolebindings", "clusterrolebinding", (), "ClusterRoleBinding", "rbac.authorization.k8s.io", False),
    ("clusterroles", "clusterrole", (), "ClusterRole", "rbac.authorization.k8s.io", False),
    ("rolebindings", "rolebinding", (), "RoleBinding", "rbac.authorization.k8s.io", True),
    ("roles", "role", (), "Role", "rbac.authorization.k8s.io", True),
    ("deviceclasses", "deviceclass", (), "DeviceClass", "resource.k8s.io", False),
    ("resourceclaims", "resourceclaim", (), "ResourceClaim", "resource.k8s.io", True),
    ("resourceclaimtemplates", "resourceclaimtemplate", (), "ResourceClaimTemplate", "resource.k8s.io", True),
    ("resourceslices", "resourceslice", (), "ResourceSlice", "resource.k8s.io", False),
    ("priorityclasses", "priorityclass", ("pc",), "PriorityClass", "scheduling.k8s.io", False),
    ("csidrivers", "csidriver", (), "CSIDriver", "storage.k8s.io", False),
    ("csinodes", "csinode", (), "CSINode", "storage.k8s.io", False),
    ("csistoragecapacities", "csistoragecapacity", (), "CSIStorageCapacity", "storage.k8s.io", True),
    ("storageclasses", "storageclass", ("sc",), "StorageClass", "storage.k8s.io", False),
    ("volumeattachments", "volumeattachment", (), "VolumeAttachment", "storage.k8s.io", False),
    ("events", "event", ("ev",), "Event", "events.k8s.io", True),
    # Resources that exist only for authorization checks: impersonation
    # (k8s:staging/src/k8s.io/apiserver/pkg/endpoints/filters/impersonation.go@7523138e) and CSR
    # approval/signing (k8s:plugin/pkg/admission/certificates/util.go@11004393).
    ("users", "user", (), "User", "", False),
    ("groups", "group", (), "Group", "", False),
    ("uids", "uid", (), "UID", "authentication.k8s.io", False),
    ("userextras", "userextra", (), "UserExtra", "authentication.k8s.io", False),
    ("signers", "signer", (), "Signer", "certificates.k8s.io", False),
)

_VERSION = re.compile(r"^v\d+((alpha|beta)\d+)?$")


@dataclass(frozen=True)
class ResourceInfo:
    """A resolved resource: its plural name, API group and scope."""

    resource: str
    group: str
    namespaced: bool
    known: bool = True

    def text(self) -> str:
        """``deployments.apps`` or ``pods``."""
        return f"{self.resource}.{self.group}" if self.group else self.resource


@dataclass(frozen=True)
class ResolvedType:
    """The result of resolving a ``TYPE[/NAME]`` argument, with warnings to show on stderr."""

    info: ResourceInfo
    name: str
    warnings: tuple[str, ...] = ()


class ResourceTable:
    """The built-in table, optionally checked against the API groups discovery says are served."""

    def __init__(self, served_group_versions: Iterable[str] = ()) -> None:
        self._by_alias: dict[str, ResourceInfo] = {}
        self._by_group: dict[tuple[str, str], ResourceInfo] = {}
        for plural, singular, shorts, kind, group, namespaced in _TABLE:
            info = ResourceInfo(plural, group, namespaced)
            for alias in (plural, singular, kind.lower(), *shorts):
                self._by_alias.setdefault(alias, info)
                self._by_group.setdefault((alias, group), info)
        self.known_groups = frozenset(group for *_, group, _ in _TABLE)
        self.served_groups = frozenset(gv.rsplit("/", 1)[0] if "/" in gv else "" for gv in served_group_versions)

    def scope_of(self, resource: str, group: str) -> bool | None:
        """True if ``resource`` in ``group`` is namespaced, False if cluster-scoped, None if unknown."""
        info = self._by_group.get((resource, group))
        return None if info is None else info.namespaced

    def resolve(self, argument: str) -> ResolvedType:
        """Resolve ``TYPE[.VERSION][.GROUP][/NAME]`` (see the module docstring)."""
        type_text, _, name = argument.partition("/")
        if type_text == "*":
            return ResolvedType(ResourceInfo("*", "", True), name)
        lowered = type_text.lower()
        parts = lowered.split(".")
        if len(parts) >= 3 and _VERSION.match(parts[1]):
            group = ".".join(parts[2:])
            found = self._by_group.get((parts[0], group))
            if found is not None:
                return ResolvedType(found, name)
        if len(parts) >= 2:
            resource, group = parts[0], ".".join(parts[1:])
            if resource == "*":
                return ResolvedType(ResourceInfo("*", group, True), name)
            found = self._by_group.get((resource, group))
            if found is not None:
                return ResolvedType(found, name)
            warnings = [f"resource type '{resource}' in group '{group}' is not in kubeward's built-in table"]
            if self.served_groups and group not in self.served_groups and group != "*":
                warnings.append(f"API group '{group}' is not served by this cluster (per its discovery data)")
            return ResolvedType(ResourceInfo(resource, group, True, known=False), name, tuple(warnings))
        found = self._by_alias.get(lowered)
        if found is not None:
            return ResolvedType(found, name)
        warning = (
            f"the resource type '{lowered}' is not in kubeward's built-in table; asking for it in the core "
            'group "" (write TYPE.GROUP for custom resources)'
        )
        return ResolvedType(ResourceInfo(lowered, "", True, known=False), name, (warning,))
