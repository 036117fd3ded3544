"""Audit configuration of kube-apiserver: policy, backend, log rotation, and the static pod's mounts.

Facts (``staging/src/k8s.io/apiserver/pkg/server/options/audit.go``; ``gopkg.in/natefinch/lumberjack.v2``):
no event is produced without ``--audit-policy-file``; ``--audit-log-path`` writes to a file
(``-`` = standard output) and ``--audit-webhook-config-file`` posts to a webhook. The file backend
hands ``--audit-log-maxage``/``maxbackup``/``maxsize`` to lumberjack unchanged, where 0 means: keep
rotated files of any age, keep every rotated file, rotate at 100 MB.

CIS Kubernetes Benchmark v1.9 (``cfg/cis-1.9/master.yaml`` of kube-bench): 1.2.16 audit-log-path,
1.2.17 maxage >= 30, 1.2.18 maxbackup >= 10, 1.2.19 maxsize >= 100; 3.2.1 minimal audit policy.

Where peers differ: kube-bench fails 1.2.17-1.2.19 when the flag is absent; absent means 0, which
lumberjack reads as "keep everything" (age, count) or "100 MB" (size), so the retention the control
asks for is met and we pass, saying so (unbounded retention is a disk-space question, not an audit
gap). kube-bench also requires --audit-log-path for 1.2.16; a webhook backend passes here.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from posixpath import dirname

from kubeward.checks.common import apiservers
from kubeward.checks.context import RuleContext
from kubeward.checks.registry import rule
from kubeward.checks.rule import SELF_MANAGED_PLATFORMS, Objective, Severity
from kubeward.findings import Evidence, Result
from kubeward.resolve.apiserver import EffectiveApiServer

_PROVIDER = (
    "EKS, GKE and AKS run kube-apiserver's audit backend themselves; you choose whether control-plane audit "
    "logs are exported (EKS log types audit/authenticator, GKE Cloud Audit Logs, AKS diagnostic settings), "
    "which the provider rules check."
)
_AUDIT_DOC = "https://kubernetes.io/docs/tasks/debug/debug-cluster/audit/"
_STDOUT = "-"


@rule(
    id="KW-AUDIT-001",
    title="API server has no audit policy, so nothing is audited",
    objective=Objective.AUDITABILITY,
    severity=Severity.HIGH,
    cis=("3.2.1",),
    seed_step="Enable audit logging",
    applies_to=SELF_MANAGED_PLATFORMS,
    rationale=(
        "kube-apiserver records audit events only when --audit-policy-file is set, whatever backend "
        "is configured; without it there is no record of who read Secrets, changed RBAC or exec'd "
        "into pods."
    ),
    remediation=(
        "Set --audit-policy-file to a policy (kubeward harden audit-policy writes one) and "
        "--audit-log-path or --audit-webhook-config-file, and mount both into the static pod."
    ),
    references=(_AUDIT_DOC,),
    provider_managed=_PROVIDER,
)
def audit_policy(ctx: RuleContext) -> Iterator[Result]:
    """Audit needs a policy file."""
    for api in apiservers(ctx):
        if isinstance(api, Result):
            yield api
            continue
        setting = api.flag("audit-policy-file")
        if setting.value:
            yield ctx.passed(api.resource, f"audit policy {setting.value}", setting.evidence())
        else:
            yield ctx.fail(api.resource, "no --audit-policy-file: no request is audited", setting.evidence())


@rule(
    id="KW-AUDIT-002",
    title="API server has no audit backend",
    objective=Objective.AUDITABILITY,
    severity=Severity.HIGH,
    cis=("1.2.16",),
    applies_to=SELF_MANAGED_PLATFORMS,
    rationale=(
        "Audit events need somewhere to go: --audit-log-path (a file, or '-' for stdout) or "
        "--audit-webhook-config-file. With a policy but no backend, events are produced and dropped. "
        "CIS 1.2.16 asks for --audit-log-path; a webhook backend passes here too, since it records the same events."
    ),
    remediation="Set --audit-log-path=/var/log/kubernetes/audit/audit.log (or a webhook backend) and mount it.",
    references=(_AUDIT_DOC,),
    provider_managed=_PROVIDER,
)
def audit_backend(ctx: RuleContext) -> Iterator[Result]:
    """A log or webhook backend must be set."""
    for api in apiservers(ctx):
        if isinstance(api, Result):
            yield api
            continue
        log = api.flag("audit-log-path")
        webhook = api.flag("audit-webhook-config-file")
        if log.value:
            yield ctx.passed(api.resource, f"audit log backend {log.value}", log.evidence())
        elif webhook.value:
            yield ctx.passed(api.resource, "audit webhook backend configured", webhook.evidence())
        else:
            yield ctx.fail(
                api.resource,
                "neither --audit-log-path nor --audit-webhook-config-file is set",
                log.evidence(),
            )


@dataclass(frozen=True)
class _Rotation:
    """One rotation flag, its minimum and what lumberjack does with 0."""

    flag: str
    minimum: int
    unit: str
    zero_means: str


def _log_file(ctx: RuleContext, api: EffectiveApiServer) -> Result | None:
    """A not_applicable verdict when there is no audit log file to rotate, else None."""
    log = api.flag("audit-log-path")
    if not log.value:
        return ctx.not_applicable(
            api.resource, "no audit log file (--audit-log-path unset; KW-AUDIT-002 covers backends)", log.evidence()
        )
    if log.value == _STDOUT:
        return ctx.not_applicable(
            api.resource,
            "--audit-log-path=- writes audit events to standard output: retention and rotation are the container "
            "runtime's and the log shipper's job",
            log.evidence(),
        )
    return None


def _rotation_check(ctx: RuleContext, rotation: _Rotation) -> Iterator[Result]:
    for api in apiservers(ctx):
        if isinstance(api, Result):
            yield api
            continue
        skipped = _log_file(ctx, api)
        if skipped is not None:
            yield skipped
            continue
        setting = api.flag(rotation.flag)
        value = setting.value
        if not isinstance(value, int) or value < 0:
            yield ctx.fail(
                api.resource,
                f"{setting.name}={value!r} is not a non-negative integer; kube-apiserver will not start",
                setting.evidence(),
            )
        elif value == 0:
            yield ctx.passed(api.resource, f"{setting.name} is 0: {rotation.zero_means}", setting.evidence())
        elif value < rotation.minimum:
            yield ctx.fail(
                api.resource,
                f"{setting.name}={value} is below {rotation.minimum} {rotation.unit}",
                setting.evidence(),
            )
        else:
            yield ctx.passed(api.resource, f"{setting.name}={value} {rotation.unit}", setting.evidence())


_ROTATION_RATIONALE = (
    "Audit logs are only useful if they still exist when an incident is investigated. The file backend rotates "
    "with lumberjack; 0 (the default) means no limit for age and count and 100 MB for size, which meets the "
    "minimum (kube-bench fails an absent flag; we follow what the server does and say that retention is then "
    "bounded only by disk space). Not applicable without a log file or with '-' (standard output)."
)


@rule(
    id="KW-AUDIT-003",
    title="Audit log files are kept for fewer than 30 days",
    objective=Objective.AUDITABILITY,
    severity=Severity.LOW,
    cis=("1.2.17",),
    applies_to=SELF_MANAGED_PLATFORMS,
    rationale=_ROTATION_RATIONALE,
    remediation="Set --audit-log-maxage=30 (or more), or ship the log off the node and keep it there.",
    references=(_AUDIT_DOC,),
    provider_managed=_PROVIDER,
)
def audit_log_maxage(ctx: RuleContext) -> Iterator[Result]:
    """``--audit-log-maxage`` >= 30 days (0 = no age limit)."""
    yield from _rotation_check(
        ctx, _Rotation("audit-log-maxage", 30, "days", "rotated files are kept whatever their age")
    )


@rule(
    id="KW-AUDIT-004",
    title="Fewer than 10 rotated audit log files are kept",
    objective=Objective.AUDITABILITY,
    severity=Severity.LOW,
    cis=("1.2.18",),
    applies_to=SELF_MANAGED_PLATFORMS,
    rationale=_ROTATION_RATIONALE,
    remediation="Set --audit-log-maxbackup=10 (or more).",
    references=(_AUDIT_DOC,),
    provider_managed=_PROVIDER,
)
def audit_log_maxbackup(ctx: RuleContext) -> Iterator[Result]:
    """``--audit-log-maxbackup`` >= 10 files (0 = keep all)."""
    yield from _rotation_check(ctx, _Rotation("audit-log-maxbackup", 10, "files", "every rotated file is kept"))


@rule(
    id="KW-AUDIT-005",
    title="Audit log files rotate below 100 MB",
    objective=Objective.AUDITABILITY,
    severity=Severity.LOW,
    cis=("1.2.19",),
    applies_to=SELF_MANAGED_PLATFORMS,
    rationale=_ROTATION_RATIONALE,
    remediation="Set --audit-log-maxsize=100 (MB, or more).",
    references=(_AUDIT_DOC,),
    provider_managed=_PROVIDER,
)
def audit_log_maxsize(ctx: RuleContext) -> Iterator[Result]:
    """``--audit-log-maxsize`` >= 100 MB (0 = lumberjack's 100 MB)."""
    yield from _rotation_check(
        ctx, _Rotation("audit-log-maxsize", 100, "MB", "lumberjack's default size of 100 MB applies")
    )


_IN_POD = ("static-pod", "mirror-pod", "kubeadm-config")


@rule(
    id="KW-AUDIT-006",
    title="Audit policy or webhook configuration is not mounted into the kube-apiserver pod",
    objective=Objective.AUDITABILITY,
    severity=Severity.HIGH,
    applies_to=SELF_MANAGED_PLATFORMS,
    rationale=(
        "A static kube-apiserver pod sees only the host paths mounted into it. If --audit-policy-file (or "
        "--audit-webhook-config-file) points at a host file that is not mounted, kube-apiserver cannot read it "
        "and does not start, so the edit that was meant to enable auditing takes the control plane down or is "
        "rolled back. kubeadm mounts only its PKI and CA directories; audit files need apiServer.extraVolumes. "
        "k3s, RKE2 and a kube-apiserver run as a host process read host paths directly."
    ),
    remediation=(
        "Add a hostPath volume and a read-only volumeMount for the file (or its directory) to the kube-apiserver "
        "manifest, or apiServer.extraVolumes in the kubeadm ClusterConfiguration."
    ),
    references=(_AUDIT_DOC + "#log-backend",),
    provider_managed=_PROVIDER,
)
def audit_files_mounted(ctx: RuleContext) -> Iterator[Result]:
    """The audit policy and webhook configuration files must be inside hostPath mounts."""
    for api in apiservers(ctx):
        if isinstance(api, Result):
            yield api
            continue
        settings = [api.flag(n) for n in ("audit-policy-file", "audit-webhook-config-file") if api.is_set(n)]
        settings = [s for s in settings if s.value]
        if not settings:
            yield ctx.not_applicable(
                api.resource, "no audit policy or webhook file is configured (KW-AUDIT-001 reports it)"
            )
            continue
        where = _host_or_unknown(ctx, api, settings[0].evidence())
        if where is not None:
            yield where
            continue
        unmounted = [s for s in settings if not _host_path_mount(api, str(s.value))]
        if unmounted:
            first = unmounted[0]
            names = ", ".join(f"{s.name}={s.value}" for s in unmounted)
            yield ctx.fail(
                api.resource,
                f"{names} is not inside a hostPath volume of the kube-apiserver pod; the server cannot read it",
                first.evidence(),
            )
        else:
            names = ", ".join(str(s.value) for s in settings)
            yield ctx.passed(api.resource, f"mounted from the host: {names}", settings[0].evidence())


@rule(
    id="KW-AUDIT-007",
    title="Audit log directory is not a writable host mount of the kube-apiserver pod",
    objective=Objective.AUDITABILITY,
    severity=Severity.HIGH,
    applies_to=SELF_MANAGED_PLATFORMS,
    rationale=(
        "In a static kube-apiserver pod, --audit-log-path must lie in a writable hostPath mount. Outside any "
        "mount the log goes to the container's own filesystem and is lost with the container (and invisible to "
        "log shippers on the host); in a read-only mount kube-apiserver cannot open it and does not start. "
        "Not applicable to '-' (standard output) and to servers that run on the host (k3s, RKE2, a host process)."
    ),
    remediation=(
        "Mount the log directory (e.g. /var/log/kubernetes/audit) as a hostPath volume with readOnly: false, or "
        "via apiServer.extraVolumes in the kubeadm ClusterConfiguration."
    ),
    references=(_AUDIT_DOC + "#log-backend",),
    provider_managed=_PROVIDER,
)
def audit_log_mounted(ctx: RuleContext) -> Iterator[Result]:
    """The directory of ``--audit-log-path`` must be a writable hostPath mount."""
    for api in apiservers(ctx):
        if isinstance(api, Result):
            yield api
            continue
        skipped = _log_file(ctx, api)
        if skipped is not None:
            yield skipped
            continue
        log = api.flag("audit-log-path")
        where = _host_or_unknown(ctx, api, log.evidence())
        if where is not None:
            yield where
            continue
        directory = dirname(str(log.value)) or "/"
        covering = api.mount_of(directory)
        if covering is None or covering[1] is None or covering[1].hostPath is None:
            yield ctx.fail(
                api.resource,
                f"{directory} is not a hostPath mount: the audit log stays in the container's filesystem and is lost "
                "when the container is replaced",
                log.evidence(),
            )
        elif covering[0].readOnly:
            yield ctx.fail(
                api.resource,
                f"{directory} is mounted read-only ({covering[0].name}); kube-apiserver cannot write the audit log",
                log.evidence(),
            )
        else:
            host = covering[1].hostPath.path
            yield ctx.passed(api.resource, f"audit log directory mounted writable from host {host}", log.evidence())


def _host_path_mount(api: EffectiveApiServer, path: str) -> bool:
    covering = api.mount_of(path)
    return covering is not None and covering[1] is not None and covering[1].hostPath is not None


def _host_or_unknown(ctx: RuleContext, api: EffectiveApiServer, evidence: Evidence) -> Result | None:
    """Pass for servers that read host paths directly (k3s, RKE2, a host process), else None: a
    static or mirror pod, or the pod kubeadm generates from a ClusterConfiguration (its own mounts
    plus ``apiServer.extraVolumes``), sees only what is mounted.
    """
    origin = api.instance.origin
    if origin in _IN_POD:
        return None
    return ctx.passed(
        api.resource,
        f"kube-apiserver runs on the host ({api.instance.installer or origin}) and reads host paths directly",
        evidence,
    )
