"""The scan report every reporter renders: what was scanned, the findings, and the rollout plan.

``schema_version`` versions the JSON form (``report/schema/report-v1.json``): additive changes bump
the minor version, renames and removals the major.
"""

from typing import Literal

import msgspec

from kubeward.checks.rule import Objective, RuleMeta, Severity
from kubeward.findings import Finding, Status
from kubeward.inventory.model import CollectionRecord, InputIssue, InputRecord, Target
from kubeward.inventory.provenance import Provenance

REPORT_SCHEMA_VERSION = "1.1"


class Tool(msgspec.Struct, frozen=True):
    """The tool that wrote the report."""

    name: str
    version: str


class ScanInfo(msgspec.Struct, frozen=True, kw_only=True):
    """What was scanned, when, from which inputs, and what is missing.

    ``incomplete`` is true when a part could not be collected or an input failed; ``missing`` and
    ``issues`` say which and why. ``vantage`` says where the scan looked from (``live API as
    context prod``, ``node files``): the same cluster looks different from the API and from a node,
    so a reader must know which view a report is. Reporters derive it from ``target`` when empty.
    """

    target: Target
    started: str
    finished: str
    kubernetes_version: str = ""
    platform: str = ""
    inputs: tuple[InputRecord, ...] = ()
    incomplete: bool = False
    missing: tuple[CollectionRecord, ...] = ()
    issues: tuple[InputIssue, ...] = ()
    vantage: str = ""


class ObjectiveSummary(msgspec.Struct, frozen=True):
    """Counts for one control objective: failures by severity, and results by status."""

    objective: Objective
    failed_by_severity: dict[Severity, int]
    by_status: dict[Status, int]


class PlanCommand(msgspec.Struct, frozen=True, kw_only=True):
    """A ``kubeward harden`` command that writes the fix, with the rules and findings (fingerprints) it clears.

    Added in schema 1.1.
    """

    command: str
    rules: tuple[str, ...] = ()
    findings: tuple[str, ...] = ()


class PlanStepReport(msgspec.Struct, frozen=True, kw_only=True):
    """One step of the rollout plan: its failing findings (by fingerprint), the fixes to apply (the
    rules' fix text) and the ``kubeward harden`` commands that generate them (``commands``, schema 1.1).
    """

    step: int
    title: str
    findings: tuple[str, ...] = ()
    rules: tuple[str, ...] = ()
    fixes: tuple[str, ...] = ()
    commands: tuple[PlanCommand, ...] = ()


# --- access review (optional section) -----------------------------------------------------------


class ReviewSubject(msgspec.Struct, frozen=True, omit_defaults=True):
    """A subject as bindings name it; ``builtin`` marks Kubernetes' own (and excluded) subjects."""

    kind: str
    name: str
    namespace: str = ""
    builtin: bool = False


class ReviewGrant(msgspec.Struct, frozen=True, omit_defaults=True):
    """Binding → role → rule, with the scope it applies in and where the binding is."""

    binding: str
    role: str
    rule: str
    scope: str
    provenance: Provenance | None = None


class ReviewEntry(msgspec.Struct, frozen=True, omit_defaults=True):
    """A subject, what it can do (in the question's terms), and the grants that allow it."""

    subject: ReviewSubject
    permissions: tuple[str, ...] = ()
    grants: tuple[ReviewGrant, ...] = ()


class ReviewHop(msgspec.Struct, frozen=True, omit_defaults=True):
    """One step of an escalation path, with the grants that make it possible."""

    source: str
    target: str
    action: str
    grants: tuple[ReviewGrant, ...] = ()


class ReviewPath(msgspec.Struct, frozen=True, omit_defaults=True):
    """A subject's shortest way to cluster-admin-equivalent power (``steps`` permission hops)."""

    subject: ReviewSubject
    steps: int
    hops: tuple[ReviewHop, ...] = ()


class ReviewRole(msgspec.Struct, frozen=True, omit_defaults=True):
    """A role and where it is used: ``namespace`` (a Role, or a ClusterRole bound only by RoleBindings),
    ``cluster`` (bound by a ClusterRoleBinding) or ``unbound``.
    """

    kind: str
    name: str
    scope: Literal["namespace", "cluster", "unbound"]
    namespace: str = ""
    bindings: int = 0
    namespaces: tuple[str, ...] = ()
    builtin: bool = False


class SharedAdmin(msgspec.Struct, frozen=True, omit_defaults=True):
    """An admin identity more than one person or workload uses, and why it counts as shared."""

    subject: ReviewSubject
    reason: str


class AdminSprawl(msgspec.Struct, frozen=True, omit_defaults=True):
    """Who holds cluster-admin-equivalent power: user-made holders, shared identities, built-in count."""

    non_system: int = 0
    holders: tuple[ReviewEntry, ...] = ()
    shared: tuple[SharedAdmin, ...] = ()
    builtin: int = 0


class AccessReview(msgspec.Struct, frozen=True, kw_only=True):
    """The seed's access questions, answered from the RBAC engine (issue 4 item 5).

    Every list keeps built-in subjects apart (``subject.builtin``) rather than dropping them.
    ``complete`` is false when RBAC objects were not all collected; ``missing`` names them, and the
    answers are then lower bounds. ``notes`` carries what the engine noticed on the way (aggregation
    that could not be applied, stored aggregated rules that differ from the inputs).
    """

    complete: bool
    missing: tuple[str, ...] = ()
    roles: tuple[ReviewRole, ...] = ()
    secret_readers: tuple[ReviewEntry, ...] = ()
    workload_writers: tuple[ReviewEntry, ...] = ()
    exec_into_pods: tuple[ReviewEntry, ...] = ()
    elevation: tuple[ReviewPath, ...] = ()
    cluster_admin: AdminSprawl = AdminSprawl()
    dangling_bindings: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()


class ScanReport(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """The whole report. ``access_review`` is present when RBAC rules ran on collected RBAC objects.

    Only ``access_review`` has a default, so it is the only key left out (when absent): every other
    key is always written.
    """

    schema_version: str
    tool: Tool
    scan: ScanInfo
    summary: tuple[ObjectiveSummary, ...]
    findings: tuple[Finding, ...]
    plan: tuple[PlanStepReport, ...]
    rules: tuple[RuleMeta, ...]
    access_review: AccessReview | None = None

    def counts(self) -> dict[Status, int]:
        """Count findings per status."""
        counts: dict[Status, int] = {}
        for finding in self.findings:
            counts[finding.status] = counts.get(finding.status, 0) + 1
        return counts


OutputFormat = Literal["table", "json", "sarif", "junit", "markdown"]
OUTPUT_FORMATS: tuple[OutputFormat, ...] = ("table", "json", "sarif", "junit", "markdown")
