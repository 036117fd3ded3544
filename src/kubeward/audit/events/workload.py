"""What a logged request body says about a workload's privileges, and which role a binding grants.

Only for requests logged at level ``Request`` or above. The body is the object as the client sent it
(before defaulting and admission); for ``patch`` it is the patch document (JSON patch array, merge patch,
apply YAML as JSON) — such bodies simply do not decode as an object and tell nothing, which is correct:
we never guess. Pod specs sit at different depths by kind (``k8s.io/api`` core/v1 Pod, apps/v1
Deployment/DaemonSet/StatefulSet/ReplicaSet, batch/v1 Job/CronJob, core/v1 ReplicationController), so each
shape gets its own small Struct and unused fields are skipped by msgspec.
"""

import msgspec

POD_TEMPLATE_RESOURCES = frozenset(
    {"deployments", "daemonsets", "statefulsets", "replicasets", "jobs", "replicationcontrollers", "podtemplates"}
)
"""Resources whose body holds ``spec.template.spec`` (``podtemplates`` hold ``template.spec``, handled apart)."""

DANGEROUS_CAPABILITIES = frozenset({"SYS_ADMIN", "NET_ADMIN", "SYS_PTRACE", "SYS_MODULE", "DAC_READ_SEARCH", "ALL"})
"""Added capabilities that break container isolation (the PodSecurity baseline allows none of them)."""


class _Capabilities(msgspec.Struct):
    add: list[str] = []


class _SecurityContext(msgspec.Struct):
    privileged: bool | None = None
    capabilities: _Capabilities | None = None


class _Container(msgspec.Struct):
    name: str = ""
    securityContext: _SecurityContext | None = None


class _HostPathVolume(msgspec.Struct):
    path: str = ""


class _Volume(msgspec.Struct):
    name: str = ""
    hostPath: _HostPathVolume | None = None


class PodSpec(msgspec.Struct):
    """The fields of core/v1 PodSpec that decide host access."""

    hostNetwork: bool = False
    hostPID: bool = False
    hostIPC: bool = False
    containers: list[_Container] = []
    initContainers: list[_Container] = []
    ephemeralContainers: list[_Container] = []
    volumes: list[_Volume] = []


class _PodTemplate(msgspec.Struct):
    spec: PodSpec | None = None


class _TemplateSpec(msgspec.Struct):
    template: _PodTemplate | None = None


class _JobTemplate(msgspec.Struct):
    spec: _TemplateSpec | None = None


class _CronJobSpec(msgspec.Struct):
    jobTemplate: _JobTemplate | None = None


class _Pod(msgspec.Struct):
    spec: PodSpec | None = None


class _Templated(msgspec.Struct):
    spec: _TemplateSpec | None = None


class _PodTemplateObject(msgspec.Struct):
    template: _PodTemplate | None = None


class _CronJob(msgspec.Struct):
    spec: _CronJobSpec | None = None


class RoleRef(msgspec.Struct):
    """rbac/v1 RoleRef: the role a binding grants."""

    kind: str = ""
    name: str = ""


class _Binding(msgspec.Struct):
    roleRef: RoleRef | None = None


_POD = msgspec.json.Decoder(_Pod)
_TEMPLATED = msgspec.json.Decoder(_Templated)
_POD_TEMPLATE = msgspec.json.Decoder(_PodTemplateObject)
_CRONJOB = msgspec.json.Decoder(_CronJob)
_BINDING = msgspec.json.Decoder(_Binding)


def pod_spec(resource: str, body: bytes) -> PodSpec | None:
    """The pod spec inside a request body for ``resource``, or None when there is none to read."""
    try:
        if resource == "pods":
            return _POD.decode(body).spec
        if resource == "cronjobs":
            cron = _CRONJOB.decode(body).spec
            job = cron.jobTemplate.spec if cron and cron.jobTemplate else None
            return job.template.spec if job and job.template else None
        if resource == "podtemplates":
            template = _POD_TEMPLATE.decode(body).template
            return template.spec if template else None
        if resource in POD_TEMPLATE_RESOURCES:
            spec = _TEMPLATED.decode(body).spec
            return spec.template.spec if spec and spec.template else None
    except msgspec.DecodeError:
        return None
    return None


def privileges(spec: PodSpec) -> list[str]:
    """Why this pod spec escapes isolation, one short reason each; empty when it does not."""
    reasons = [flag for flag, on in (("hostNetwork", spec.hostNetwork), ("hostPID", spec.hostPID)) if on]
    if spec.hostIPC:
        reasons.append("hostIPC")
    for container in (*spec.initContainers, *spec.containers, *spec.ephemeralContainers):
        context = container.securityContext
        if context is None:
            continue
        if context.privileged:
            reasons.append(f"privileged container {container.name!r}")
        added = (
            {cap.upper().removeprefix("CAP_") for cap in context.capabilities.add} if context.capabilities else set()
        )
        for cap in sorted(added & DANGEROUS_CAPABILITIES):
            reasons.append(f"capability {cap} in container {container.name!r}")
    reasons.extend(f"hostPath {volume.hostPath.path}" for volume in spec.volumes if volume.hostPath is not None)
    return reasons


def bound_role(body: bytes) -> RoleRef | None:
    """The ``roleRef`` of a RoleBinding/ClusterRoleBinding body, None when the body has none (or is a patch)."""
    try:
        return _BINDING.decode(body).roleRef
    except msgspec.DecodeError:
        return None
