"""API Priority and Fairness objects as the API server reads them: which FlowSchemas are built in,
which priority levels are exempt, and which subjects a FlowSchema names.

Facts (``staging/src/k8s.io/apiserver/pkg/apis/flowcontrol/bootstrap/default.go``, 1.29+, and the
flow-control docs): the API server maintains the mandatory FlowSchemas ``exempt`` and ``catch-all``
and the suggested ones below, marking them ``apf.kubernetes.io/autoupdate-spec: "true"``; the
``exempt`` PriorityLevelConfiguration is of type ``Exempt`` (requests are never queued or
limited). The built-in ``exempt`` FlowSchema routes group ``system:masters``; ``probes`` routes
everyone, but only for GET of ``/healthz``, ``/livez`` and ``/readyz``.
"""

from dataclasses import dataclass
from functools import cached_property

from kubeward.inventory.model import Inventory
from kubeward.inventory.objects import FlowSchema, FlowSubject, PolicyRulesWithSubjects, PriorityLevelConfiguration

AUTOUPDATE_ANNOTATION = "apf.kubernetes.io/autoupdate-spec"
BUILTIN_FLOW_SCHEMAS = frozenset(
    {
        "exempt",
        "catch-all",
        "probes",
        "system-nodes",
        "system-node-high",
        "system-leader-election",
        "workload-leader-election",
        "endpoint-controller",
        "kube-controller-manager",
        "kube-scheduler",
        "kube-system-service-accounts",
        "service-accounts",
        "global-default",
    }
)
EXEMPT_LEVEL = "exempt"
HEALTH_URLS = frozenset({"/healthz", "/livez", "/readyz"})
# Subjects the built-in exempt FlowSchema already sends to exempt (cluster admins, unrestricted anyway).
SYSTEM_EXEMPT_GROUPS = frozenset({"system:masters"})


@dataclass(frozen=True)
class FlowControl:
    """The FlowSchemas and priority levels of one Inventory."""

    schemas: tuple[FlowSchema, ...]
    levels: tuple[PriorityLevelConfiguration, ...]
    levels_collected: bool

    @classmethod
    def of(cls, inventory: Inventory) -> "FlowControl":
        """From the Inventory's APF objects (priority levels may be missing)."""
        return cls(
            schemas=inventory.flow_schemas,
            levels=inventory.priority_levels,
            levels_collected=inventory.coverage("prioritylevelconfigurations").ok,
        )

    @cached_property
    def ordered(self) -> tuple[FlowSchema, ...]:
        """FlowSchemas in the order the API server tries them: matchingPrecedence, then name."""
        return tuple(sorted(self.schemas, key=lambda s: (s.spec.matchingPrecedence, s.metadata.name)))

    @cached_property
    def user_schemas(self) -> tuple[FlowSchema, ...]:
        """FlowSchemas not maintained by the API server, in matching order."""
        return tuple(s for s in self.ordered if not is_builtin(s))

    def is_exempt(self, level: str) -> bool:
        """True for the ``exempt`` level and any level whose type is Exempt."""
        if level == EXEMPT_LEVEL:
            return True
        return any(p.metadata.name == level and p.spec.type == "Exempt" for p in self.levels)

    @property
    def level_note(self) -> str:
        """Says that only the level name could be judged when priority levels were not collected."""
        if self.levels_collected:
            return ""
        return " (PriorityLevelConfigurations not among the inputs: only the level named exempt is known to be Exempt)"


def is_builtin(schema: FlowSchema) -> bool:
    """True for the FlowSchemas the API server creates and keeps up to date."""
    annotation = schema.metadata.annotations.get(AUTOUPDATE_ANNOTATION)
    return schema.metadata.name in BUILTIN_FLOW_SCHEMAS and annotation != "false"


def subject_text(subject: FlowSubject) -> str:
    """``Group system:authenticated``, ``User alice``, ``ServiceAccount ci/deployer``."""
    if subject.kind == "Group" and subject.group is not None:
        return f"Group {subject.group.name}"
    if subject.kind == "User" and subject.user is not None:
        return f"User {subject.user.name}"
    if subject.kind == "ServiceAccount" and subject.serviceAccount is not None:
        return f"ServiceAccount {subject.serviceAccount.namespace}/{subject.serviceAccount.name}"
    return subject.kind or "(empty subject)"


def _health_only(rule: PolicyRulesWithSubjects) -> bool:
    """A rule that matches nothing but the health endpoints."""
    if rule.resourceRules:
        return False
    urls = {url for r in rule.nonResourceRules for url in r.nonResourceURLs}
    return bool(urls) and urls <= HEALTH_URLS


def exempt_routes(control: FlowControl) -> list[tuple[FlowSchema, list[str]]]:
    """FlowSchemas routing subjects other than system:masters (outside health probes) to an Exempt
    level, each with those subjects.
    """
    found: list[tuple[FlowSchema, list[str]]] = []
    for schema in control.ordered:
        if not control.is_exempt(schema.spec.priorityLevelConfiguration.name):
            continue
        subjects: dict[str, None] = {}
        for rule in schema.spec.rules:
            if _health_only(rule):
                continue
            for subject in rule.subjects:
                if subject.kind == "Group" and subject.group is not None and subject.group.name in SYSTEM_EXEMPT_GROUPS:
                    continue
                subjects[subject_text(subject)] = None
        if subjects:
            found.append((schema, list(subjects)))
    return found


def names_service_account(schema: FlowSchema, namespace: str, name: str) -> bool:
    """Whether a rule with resource rules names this service account specifically: the account (or
    ``*`` in its namespace), its user name ``system:serviceaccount:NS:NAME``, or the namespace's group
    ``system:serviceaccounts:NS``. Cluster-wide groups (``system:serviceaccounts``,
    ``system:authenticated``) are not "of its own".
    """
    specific = {
        f"ServiceAccount {namespace}/{name}",
        f"ServiceAccount {namespace}/*",
        f"User system:serviceaccount:{namespace}:{name}",
        f"Group system:serviceaccounts:{namespace}",
    }
    return any(
        subject_text(subject) in specific
        for rule in schema.spec.rules
        if rule.resourceRules
        for subject in rule.subjects
    )
