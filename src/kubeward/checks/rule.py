"""Rule metadata: the single source for ``rules list``, ``rules explain``, SARIF ``rules[]`` and docs."""

import enum
import re

import msgspec


class Severity(enum.StrEnum):
    """How bad a failing rule is. Ordered: ``Severity.rank`` is larger for worse."""

    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    INFO = "info"

    @property
    def rank(self) -> int:
        """4 for critical down to 0 for info."""
        return _SEVERITY_RANK[self]

    def at_least(self, threshold: "Severity") -> bool:
        """True when this severity is ``threshold`` or worse."""
        return self.rank >= threshold.rank


_SEVERITY_RANK = {
    Severity.CRITICAL: 4,
    Severity.HIGH: 3,
    Severity.MEDIUM: 2,
    Severity.LOW: 1,
    Severity.INFO: 0,
}


class Objective(enum.StrEnum):
    """The control objectives every finding belongs to, in report order (DESIGN §1)."""

    AUTHENTICATION = "authentication"
    AUTHORIZATION = "authorization"
    NETWORK_EXPOSURE = "network-exposure"
    KUBELET = "kubelet"
    AUDITABILITY = "auditability"
    CREDENTIAL_HYGIENE = "credential-hygiene"
    ADMISSION_CONTROL = "admission-control"
    API_AVAILABILITY = "api-availability"


OBJECTIVE_ORDER: tuple[Objective, ...] = tuple(Objective)


class PlanStep(enum.IntEnum):
    """The practical rollout order of fixes (DESIGN §1): exposure first, admission after RBAC."""

    EXPOSURE = 1
    ADMIN_SPRAWL = 2
    TOKEN_MOUNTING = 3
    KUBELET = 4
    AUDIT_LOGGING = 5
    STRONGER_IDENTITY = 6
    ADMISSION = 7
    AVAILABILITY = 8

    @property
    def title(self) -> str:
        """Human title of the step."""
        return _PLAN_TITLES[self]


_PLAN_TITLES = {
    PlanStep.EXPOSURE: "Close public or broad API exposure",
    PlanStep.ADMIN_SPRAWL: "Reduce cluster-admin sprawl and risky RBAC",
    PlanStep.TOKEN_MOUNTING: "Stop mounting service-account tokens that are not needed",
    PlanStep.KUBELET: "Lock down the kubelets",
    PlanStep.AUDIT_LOGGING: "Turn on and retain audit logging",
    PlanStep.STRONGER_IDENTITY: "Move to stronger identity (OIDC, short-lived credentials)",
    PlanStep.ADMISSION: "Tighten admission control (after RBAC is clean)",
    PlanStep.AVAILABILITY: "Protect API availability (in-flight limits, API Priority and Fairness)",
}

DEFAULT_PLAN_STEP: dict[Objective, PlanStep] = {
    Objective.NETWORK_EXPOSURE: PlanStep.EXPOSURE,
    Objective.AUTHORIZATION: PlanStep.ADMIN_SPRAWL,
    Objective.CREDENTIAL_HYGIENE: PlanStep.TOKEN_MOUNTING,
    Objective.KUBELET: PlanStep.KUBELET,
    Objective.AUDITABILITY: PlanStep.AUDIT_LOGGING,
    Objective.AUTHENTICATION: PlanStep.STRONGER_IDENTITY,
    Objective.ADMISSION_CONTROL: PlanStep.ADMISSION,
    Objective.API_AVAILABILITY: PlanStep.AVAILABILITY,
}


class Platform(enum.StrEnum):
    """Where a rule applies."""

    SELF_MANAGED = "self-managed"
    K3S = "k3s"
    RKE2 = "rke2"
    EKS = "eks"
    GKE = "gke"
    AKS = "aks"


ALL_PLATFORMS: tuple[Platform, ...] = tuple(Platform)
SELF_MANAGED_PLATFORMS: tuple[Platform, ...] = (Platform.SELF_MANAGED, Platform.K3S, Platform.RKE2)
MANAGED_PLATFORMS: frozenset[Platform] = frozenset({Platform.EKS, Platform.GKE, Platform.AKS})

RULE_ID = re.compile(r"^KW-[A-Z]+-\d{3}$")


class RuleMeta(msgspec.Struct, frozen=True, kw_only=True):
    """Everything a user or a report needs to know about one rule."""

    id: str
    title: str
    objective: Objective
    severity: Severity
    rationale: str
    remediation: str
    cis: tuple[str, ...] = ()
    seed_step: str = ""
    applies_to: tuple[Platform, ...] = ALL_PLATFORMS
    references: tuple[str, ...] = ()
    fix: str = ""
    plan_step: PlanStep | None = None

    def __post_init__(self) -> None:
        if not RULE_ID.match(self.id):
            raise ValueError(f"rule id {self.id!r} is not of the form KW-<AREA>-NNN")
        if not self.title or not self.rationale or not self.remediation:
            raise ValueError(f"rule {self.id} needs a title, a rationale and a remediation")

    @property
    def area(self) -> str:
        """The ``<AREA>`` part of the id."""
        return self.id.split("-")[1]

    @property
    def step(self) -> PlanStep:
        """The rollout-plan step this rule's fix belongs to."""
        return self.plan_step if self.plan_step is not None else DEFAULT_PLAN_STEP[self.objective]
