"""API availability: in-flight limits, API Priority and Fairness (APF) and the FlowSchemas that use it.

Facts (kube-apiserver flag reference and ``staging/src/k8s.io/apiserver/pkg/server/options``
``server_run_options.go``, 1.20+): with APF on (the default from 1.20), ``--max-requests-inflight``
and ``--max-mutating-requests-inflight`` are summed into the server's total concurrency limit,
which must be positive, and APF shares it among priority levels; with APF off each flag limits its
own class of requests and 0 removes that limit. The ``exempt`` priority level is never queued or
limited; the built-in ``exempt`` FlowSchema sends only ``system:masters`` there, and the built-in
``probes`` FlowSchema only the health endpoints.
"""

from collections.abc import Iterator

from kubeward.checks.common import apiservers, cluster_resource, missing_parts, object_resource
from kubeward.checks.context import RuleContext
from kubeward.checks.rbac_common import grants_evidence, rbac_missing, subject_resource
from kubeward.checks.registry import rule
from kubeward.checks.rule import SELF_MANAGED_PLATFORMS, Objective, Severity
from kubeward.findings import Evidence, Result
from kubeward.rbac.risks import CATALOG_BY_ID, evaluate
from kubeward.resolve.flowcontrol import (
    FlowControl,
    exempt_routes,
    names_service_account,
)

_PROVIDER = (
    "EKS, GKE and AKS set kube-apiserver's in-flight limits and keep API Priority and Fairness on; the "
    "FlowSchemas and PriorityLevelConfigurations you create (or change) are yours."
)
_APF_DOC = "https://kubernetes.io/docs/concepts/cluster-administration/flow-control/"


@rule(
    id="KW-APF-001",
    title="API Priority and Fairness is disabled",
    objective=Objective.API_AVAILABILITY,
    severity=Severity.MEDIUM,
    applies_to=SELF_MANAGED_PLATFORMS,
    rationale=(
        "With --enable-priority-and-fairness=false the API server falls back to the two global "
        "in-flight limits, and one noisy client (a controller in a loop, a CI job listing everything) "
        "can starve every other user, including the system components. APF is on by default from 1.20."
    ),
    remediation="Remove --enable-priority-and-fairness=false (the default is true).",
    references=(_APF_DOC,),
    provider_managed=_PROVIDER,
)
def priority_and_fairness(ctx: RuleContext) -> Iterator[Result]:
    """APF should stay on."""
    for api in apiservers(ctx):
        if isinstance(api, Result):
            yield api
            continue
        setting = api.flag("enable-priority-and-fairness")
        if setting.value is False:
            yield ctx.fail(api.resource, "API Priority and Fairness is turned off", setting.evidence())
        elif setting.value is True:
            yield ctx.passed(api.resource, "API Priority and Fairness is on", setting.evidence())
        else:
            yield ctx.fail(
                api.resource,
                f"--enable-priority-and-fairness has an invalid value {setting.value!r}; kube-apiserver will not start",
                setting.evidence(),
            )


@rule(
    id="KW-APF-002",
    title="API server request concurrency is unlimited",
    objective=Objective.API_AVAILABILITY,
    severity=Severity.MEDIUM,
    applies_to=SELF_MANAGED_PLATFORMS,
    rationale=(
        "Without APF, --max-requests-inflight (default 400) and --max-mutating-requests-inflight (default 200) "
        "are the only brake on load, and 0 removes it for that class of requests: a burst of clients can then "
        "exhaust the API server's memory and take the control plane down. With APF on, the two values are "
        "summed into the total concurrency APF shares among priority levels, so a 0 in one of them only moves "
        "capacity; both 0 is refused at start-up."
    ),
    remediation=(
        "Keep both flags positive (the defaults 400/200 suit most clusters; raise them together with the "
        "control plane's size) and keep API Priority and Fairness on."
    ),
    references=(_APF_DOC,),
    provider_managed=_PROVIDER,
)
def inflight_limits(ctx: RuleContext) -> Iterator[Result]:
    """Both in-flight limits, read together with the APF switch that changes their meaning."""
    for api in apiservers(ctx):
        if isinstance(api, Result):
            yield api
            continue
        readonly = api.flag("max-requests-inflight")
        mutating = api.flag("max-mutating-requests-inflight")
        apf = api.flag("enable-priority-and-fairness").value is not False
        invalid = next((s for s in (readonly, mutating) if not isinstance(s.value, int) or s.value < 0), None)
        if invalid is not None:
            yield ctx.fail(
                api.resource,
                f"{invalid.name}={invalid.value} is not a non-negative integer; kube-apiserver will not start",
                invalid.evidence(),
            )
            continue
        total = readonly.value + mutating.value
        if apf:
            detail = (
                f"APF on: total concurrency {readonly.value} + {mutating.value} = {total}, shared by priority levels"
            )
            if total <= 0:
                yield ctx.fail(
                    api.resource,
                    "both in-flight limits are 0 with APF on; kube-apiserver refuses to start",
                    readonly.evidence(detail),
                )
            else:
                yield ctx.passed(api.resource, detail, readonly.evidence(detail))
            continue
        unlimited = next((s for s in (readonly, mutating) if s.value == 0), None)
        if unlimited is not None:
            kind = "mutating" if unlimited is mutating else "read-only"
            yield ctx.fail(
                api.resource,
                f"APF is off and {unlimited.name}=0: {kind} requests are not limited at all",
                unlimited.evidence(),
            )
        else:
            yield ctx.passed(
                api.resource,
                f"APF is off; in-flight limits {readonly.value} read-only, {mutating.value} mutating",
                readonly.evidence(f"{mutating.name}={mutating.value}"),
            )


@rule(
    id="KW-APF-003",
    title="FlowSchema sends non-system subjects to the exempt priority level",
    objective=Objective.API_AVAILABILITY,
    severity=Severity.HIGH,
    rationale=(
        "Requests at the exempt priority level bypass every APF limit and queue. The built-in exempt "
        "FlowSchema sends only system:masters there (already unrestricted), and the built-in probes FlowSchema "
        "only /healthz, /livez and /readyz; anyone else routed there (a CI account, an operator, a whole group) "
        "can flood the API server without being throttled, which is exactly the failure APF exists to prevent. "
        "Only the first matching FlowSchema by matchingPrecedence applies, so a schema hidden behind an earlier "
        "one may not take effect; it is still reported, since a change of precedence would activate it."
    ),
    remediation=(
        "Route the subjects to a Limited PriorityLevelConfiguration of their own (with enough "
        "nominalConcurrencyShares) instead of exempt."
    ),
    references=(_APF_DOC,),
    provider_managed=_PROVIDER,
)
def exempt_flow_schemas(ctx: RuleContext) -> Iterator[Result]:
    """FlowSchemas routing anyone beyond system:masters (or health probes) to an Exempt level."""
    missing = missing_parts(ctx, "flowschemas")
    if missing is not None:
        yield missing
        return
    control = FlowControl.of(ctx.inventory)
    found = False
    for schema, subjects in exempt_routes(control):
        found = True
        yield ctx.fail(
            object_resource(schema),
            f"FlowSchema {schema.metadata.name} sends {', '.join(subjects)} to the exempt priority level "
            f"{schema.spec.priorityLevelConfiguration.name} (never queued or limited)",
            Evidence(
                setting="FlowSchema spec.priorityLevelConfiguration",
                value=schema.spec.priorityLevelConfiguration.name,
                source="api-object",
                detail=f"subjects: {', '.join(subjects)}; matchingPrecedence {schema.spec.matchingPrecedence}",
                provenance=schema.origin(),
            ),
        )
    if not found:
        yield ctx.passed(
            cluster_resource(ctx),
            f"no FlowSchema sends anyone but system:masters or health probes to exempt{control.level_note}",
        )


@rule(
    id="KW-APF-004",
    title="Automation service account has no limited FlowSchema of its own",
    objective=Objective.API_AVAILABILITY,
    severity=Severity.LOW,
    seed_step="Protect API availability: give CI and deployer identities their own APF priority level",
    rationale=(
        "Service accounts that can write workloads (CI pipelines, deployers, GitOps agents) are the clients most "
        "likely to burst: a pipeline applying hundreds of objects, a controller in a retry loop. Without a "
        "FlowSchema naming them they share the built-in service-accounts (workload-low) or global-default levels "
        "with every other client, so a burst queues everyone else's requests too. A FlowSchema of their own "
        "(naming the account, its user name or its namespace's service-account group, with resource rules) "
        "routed to a Limited level isolates them; one routed to exempt does the opposite (KW-APF-003). "
        "Built-in FlowSchemas (maintained by the API server) do not count."
    ),
    remediation=(
        "Create a PriorityLevelConfiguration (type Limited) and a FlowSchema whose subjects name the service "
        "account, routed to it, with distinguisherMethod ByUser."
    ),
    references=(_APF_DOC,),
    provider_managed=_PROVIDER,
)
def automation_flow_schemas(ctx: RuleContext) -> Iterator[Result]:
    """Workload-writing service accounts (user-made bindings) and the first FlowSchema naming them."""
    missing = missing_parts(ctx, "flowschemas")
    if missing is not None:
        yield missing
        return
    available, rbac_gap = rbac_missing(ctx)
    if not available or rbac_gap is not None:
        assert rbac_gap is not None
        yield rbac_gap
        return
    rbac = ctx.analysis.rbac
    control = FlowControl.of(ctx.inventory)
    writers = [
        hit
        for hit in evaluate(CATALOG_BY_ID["KW-RBAC-011"], rbac.holdings, rbac.holdings.subjects(), cluster_admin=True)
        if hit.subject.kind == "ServiceAccount" and hit.user_made
    ]
    for hit in sorted(writers, key=lambda h: h.subject.sort_key()):
        account = hit.subject
        resource = subject_resource(ctx, account, hit.grants)
        own = [s for s in control.user_schemas if names_service_account(s, account.namespace, account.name)]
        if not own:
            yield ctx.fail(
                resource,
                f"{account.text()} can write workloads but no FlowSchema of its own names it: it shares the "
                "built-in service-accounts/global-default priority levels with every other client",
                grants_evidence(hit.grants),
            )
            continue
        schema = own[0]
        level = schema.spec.priorityLevelConfiguration.name
        evidence = Evidence(
            setting="FlowSchema spec.priorityLevelConfiguration",
            value=level,
            source="api-object",
            detail=f"FlowSchema {schema.metadata.name}, matchingPrecedence {schema.spec.matchingPrecedence}",
            provenance=schema.origin(),
        )
        if control.is_exempt(level):
            yield ctx.fail(
                resource,
                f"{account.text()} is routed by FlowSchema {schema.metadata.name} to the exempt level {level}: "
                "it is never limited",
                evidence,
            )
        else:
            yield ctx.passed(
                resource, f"{account.text()} has FlowSchema {schema.metadata.name} (priority level {level})", evidence
            )
    if not writers:
        yield ctx.passed(cluster_resource(ctx), "no service account is granted workload writes by user-made bindings")
