"""Admission plugin rules: which built-in admission plugins kube-apiserver actually runs.

Every verdict reads the effective plugin set of the instance's version
(``kubeward.resolve.admission.AdmissionChain``): the release's default-on plugins plus
``--enable-admission-plugins`` minus ``--disable-admission-plugins``, or exactly what the legacy
``--admission-control`` lists. One rule per plugin, so each maps to one CIS control (CIS Kubernetes
Benchmark v1.9, ``cfg/cis-1.9/master.yaml`` of kube-bench: 1.2.10 AlwaysAdmit, 1.2.12
ServiceAccount, 1.2.13 NamespaceLifecycle, 1.2.14 NodeRestriction).

Where peers differ: kube-bench decides ServiceAccount and NamespaceLifecycle from
``--disable-admission-plugins`` alone and NodeRestriction from ``--enable-admission-plugins`` alone;
a legacy ``--admission-control`` that leaves them out, or a ``--disable`` of NodeRestriction, is a
pass there and a fail here, because the plugin does not run.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from kubeward.checks.common import apiservers
from kubeward.checks.context import RuleContext
from kubeward.checks.registry import rule
from kubeward.checks.rule import SELF_MANAGED_PLATFORMS, Objective, Severity
from kubeward.findings import Result
from kubeward.resolve.admission import AdmissionChain

_PROVIDER = (
    "EKS, GKE and AKS choose the kube-apiserver admission plugins (NodeRestriction, ServiceAccount, "
    "NamespaceLifecycle, PodSecurity, ResourceQuota and LimitRanger are on) and do not let you change them; "
    "admission webhooks, ValidatingAdmissionPolicies and namespace Pod Security labels stay yours."
)
_REFERENCE = "https://kubernetes.io/docs/reference/access-authn-authz/admission-controllers/"


@dataclass(frozen=True)
class _Plugin:
    """How one plugin's presence or absence reads in a verdict."""

    name: str
    wanted: bool
    on_message: str
    off_message: str


def _plugin_check(plugin: _Plugin) -> Callable[[RuleContext], Iterator[Result]]:
    def check(ctx: RuleContext) -> Iterator[Result]:
        for api in apiservers(ctx):
            if isinstance(api, Result):
                yield api
                continue
            state = AdmissionChain(api).state(plugin.name)
            message = f"{plugin.on_message if state.on else plugin.off_message} ({state.why})"
            if state.on == plugin.wanted:
                yield ctx.passed(api.resource, message, state.evidence)
            else:
                yield ctx.fail(api.resource, message, state.evidence)

    check.__name__ = f"admission_{plugin.name.lower()}"
    check.__doc__ = f"Whether the {plugin.name} admission plugin runs ({'required' if plugin.wanted else 'unwanted'})."
    return check


rule(
    id="KW-ADM-001",
    title="NodeRestriction admission plugin is not enabled",
    objective=Objective.ADMISSION_CONTROL,
    severity=Severity.MEDIUM,
    cis=("1.2.14",),
    applies_to=SELF_MANAGED_PLATFORMS,
    rationale=(
        "NodeRestriction limits each kubelet to its own Node object and the pods bound to it; without it a "
        "compromised node can relabel other nodes (attracting workloads that select them) and modify pods "
        "elsewhere. It is not in kube-apiserver's default-on set, so it runs only when enabled explicitly "
        "(kubeadm, k3s and RKE2 enable it). It needs the Node authorizer to be useful."
    ),
    remediation="Add NodeRestriction to --enable-admission-plugins (with --authorization-mode including Node).",
    references=(_REFERENCE + "#noderestriction",),
    provider_managed=_PROVIDER,
)(
    _plugin_check(
        _Plugin(
            "NodeRestriction",
            True,
            "NodeRestriction runs",
            "NodeRestriction does not run: kubelets can modify other nodes and their pods",
        )
    )
)

rule(
    id="KW-ADM-002",
    title="AlwaysAdmit admission plugin is enabled",
    objective=Objective.ADMISSION_CONTROL,
    severity=Severity.LOW,
    cis=("1.2.10",),
    applies_to=SELF_MANAGED_PLATFORMS,
    rationale=(
        "AlwaysAdmit is deprecated and admits every request; in the admission chain it rejects nothing and "
        "does not switch the other plugins off, so on its own it weakens nothing. We report it (low) because it "
        "marks a configuration copied from old guides, typically a legacy --admission-control list that also "
        "leaves out the plugins that matter: those are reported by their own rules (KW-ADM-001, KW-ADM-003..007)."
    ),
    remediation="Remove AlwaysAdmit from --enable-admission-plugins (or --admission-control).",
    references=(_REFERENCE + "#alwaysadmit",),
    provider_managed=_PROVIDER,
)(
    _plugin_check(
        _Plugin(
            "AlwaysAdmit",
            False,
            "AlwaysAdmit (deprecated) is enabled",
            "AlwaysAdmit is not enabled",
        )
    )
)

rule(
    id="KW-ADM-003",
    title="ServiceAccount admission plugin is not enabled",
    objective=Objective.ADMISSION_CONTROL,
    severity=Severity.MEDIUM,
    cis=("1.2.12",),
    applies_to=SELF_MANAGED_PLATFORMS,
    rationale=(
        "The ServiceAccount plugin assigns the namespace's default service account to pods that name none, "
        "rejects pods naming a service account that does not exist, mounts the projected, expiring token "
        "volume, and stops mirror pods (static pods) from referencing service accounts or Secrets. Without it "
        "pods run with whatever identity and token volumes their spec says. It is on by default; only "
        "--disable-admission-plugins or a legacy --admission-control list turns it off."
    ),
    remediation="Remove ServiceAccount from --disable-admission-plugins (or add it to --admission-control).",
    references=(_REFERENCE + "#serviceaccount",),
    provider_managed=_PROVIDER,
)(
    _plugin_check(
        _Plugin(
            "ServiceAccount",
            True,
            "ServiceAccount admission runs",
            "ServiceAccount admission does not run: pods are not bound to existing service accounts",
        )
    )
)

rule(
    id="KW-ADM-004",
    title="NamespaceLifecycle admission plugin is not enabled",
    objective=Objective.ADMISSION_CONTROL,
    severity=Severity.MEDIUM,
    cis=("1.2.13",),
    applies_to=SELF_MANAGED_PLATFORMS,
    rationale=(
        "NamespaceLifecycle refuses objects in namespaces that do not exist or are being deleted, and refuses "
        "deleting default, kube-system and kube-public. Without it objects can be created in a namespace while "
        "it is torn down (escaping its cleanup and its policies). It is on by default."
    ),
    remediation="Remove NamespaceLifecycle from --disable-admission-plugins (or add it to --admission-control).",
    references=(_REFERENCE + "#namespacelifecycle",),
    provider_managed=_PROVIDER,
)(
    _plugin_check(
        _Plugin(
            "NamespaceLifecycle",
            True,
            "NamespaceLifecycle runs",
            "NamespaceLifecycle does not run: objects can be created in terminating or missing namespaces",
        )
    )
)

rule(
    id="KW-ADM-005",
    title="PodSecurity admission plugin is not enabled",
    objective=Objective.ADMISSION_CONTROL,
    severity=Severity.HIGH,
    applies_to=SELF_MANAGED_PLATFORMS,
    rationale=(
        "Pod Security admission enforces the privileged/baseline/restricted Pod Security Standards per "
        "namespace. Without it the pod-security.kubernetes.io labels have no effect, and anyone who can create "
        "pods can create privileged ones with host namespaces and host paths (root on the node) unless a "
        "policy webhook stops them. The plugin is on by default from Kubernetes 1.23 (beta, gate on; GA in "
        "1.25), so only an old release, --disable-admission-plugins or a legacy --admission-control list "
        "leaves it out."
    ),
    remediation=(
        "Remove PodSecurity from --disable-admission-plugins (or add it to --admission-control), or run a "
        "policy engine (Kyverno, Gatekeeper) that enforces equivalent pod rules."
    ),
    references=("https://kubernetes.io/docs/concepts/security/pod-security-admission/",),
    provider_managed=_PROVIDER,
)(
    _plugin_check(
        _Plugin(
            "PodSecurity",
            True,
            "PodSecurity admission runs",
            "PodSecurity admission does not run: namespace Pod Security labels have no effect",
        )
    )
)

rule(
    id="KW-ADM-006",
    title="ResourceQuota admission plugin is not enabled",
    objective=Objective.ADMISSION_CONTROL,
    severity=Severity.LOW,
    applies_to=SELF_MANAGED_PLATFORMS,
    rationale=(
        "ResourceQuota objects are enforced by this plugin at admission; without it quotas are recorded but "
        "never refuse anything, so one tenant can exhaust the cluster's capacity or object counts (etcd). "
        "It is on by default."
    ),
    remediation="Remove ResourceQuota from --disable-admission-plugins (or add it to --admission-control).",
    references=(_REFERENCE + "#resourcequota",),
    provider_managed=_PROVIDER,
)(
    _plugin_check(
        _Plugin(
            "ResourceQuota",
            True,
            "ResourceQuota admission runs",
            "ResourceQuota admission does not run: namespace quotas are not enforced",
        )
    )
)

rule(
    id="KW-ADM-007",
    title="LimitRanger admission plugin is not enabled",
    objective=Objective.ADMISSION_CONTROL,
    severity=Severity.LOW,
    applies_to=SELF_MANAGED_PLATFORMS,
    rationale=(
        "LimitRanger applies LimitRange defaults and bounds to pods; without it containers without requests "
        "and limits are admitted unbounded, and a quota that requires limits cannot be met by defaulting. "
        "It is on by default."
    ),
    remediation="Remove LimitRanger from --disable-admission-plugins (or add it to --admission-control).",
    references=(_REFERENCE + "#limitranger",),
    provider_managed=_PROVIDER,
)(
    _plugin_check(
        _Plugin(
            "LimitRanger",
            True,
            "LimitRanger admission runs",
            "LimitRanger admission does not run: LimitRange defaults and bounds are not applied",
        )
    )
)


@rule(
    id="KW-ADM-008",
    title="Admission plugin flags that kube-apiserver refuses at start-up",
    objective=Objective.ADMISSION_CONTROL,
    severity=Severity.MEDIUM,
    applies_to=SELF_MANAGED_PLATFORMS,
    rationale=(
        "kube-apiserver exits at start-up when --admission-control is combined with --enable- or "
        "--disable-admission-plugins, when a plugin is both enabled and disabled, or when a removed plugin "
        "(PodSecurityPolicy from 1.25) is enabled. The configuration seen here is then not what runs: the "
        "server either crash-loops or still runs an older manifest, and every other verdict on it is moot."
    ),
    remediation="Use only --enable-admission-plugins/--disable-admission-plugins, each plugin once, no removed ones.",
    references=(_REFERENCE,),
    provider_managed=_PROVIDER,
)
def admission_flag_problems(ctx: RuleContext) -> Iterator[Result]:
    """Combinations of admission flags the server refuses (``AdmissionChain.problems``)."""
    for api in apiservers(ctx):
        if isinstance(api, Result):
            yield api
            continue
        chain = AdmissionChain(api)
        evidence = (chain.legacy or chain.enable).evidence()
        if chain.problems:
            yield ctx.fail(api.resource, "; ".join(chain.problems), evidence)
        else:
            yield ctx.passed(api.resource, "the admission plugin flags are accepted", evidence)
