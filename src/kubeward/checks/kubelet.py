"""Kubelet rules (seed set): anonymous auth, authorization mode, read-only port.

Each kubelet is judged on its effective configuration (``kubeward.resolve.kubelet``): ``/configz``
when collected live, else flags over drop-ins over the config file over the default for how it was
started. A kubelet run from flags alone is anonymous, AlwaysAllow and serves port 10255 by default;
one run with a config file is not. Peers that ignore this distinction report both kinds wrong.
"""

from collections.abc import Callable, Iterator
from typing import Any

from kubeward.checks.common import kubelets
from kubeward.checks.context import RuleContext
from kubeward.checks.registry import rule
from kubeward.checks.rule import Objective, Severity
from kubeward.findings import Result


def _judge(
    ctx: RuleContext,
    path: str,
    good: Callable[[Any], bool],
    passed: Callable[[Any], str],
    failed: Callable[[Any], str],
) -> Iterator[Result]:
    for kubelet in kubelets(ctx):
        if isinstance(kubelet, Result):
            yield kubelet
            continue
        setting = kubelet.setting(path)
        if not setting.known:
            yield ctx.not_assessable(kubelet.resource, setting.detail, setting.evidence())
        elif good(setting.value):
            yield ctx.passed(kubelet.resource, passed(setting.value), setting.evidence())
        else:
            yield ctx.fail(kubelet.resource, failed(setting.value), setting.evidence())


@rule(
    id="KW-KUBELET-001",
    title="Kubelet accepts anonymous requests",
    objective=Objective.KUBELET,
    severity=Severity.HIGH,
    cis=("4.2.1",),
    seed_step="Disable kubelet anonymous authentication",
    rationale=(
        "The kubelet API on port 10250 can list pods, read logs and, with authorization AlwaysAllow, "
        "exec into any container on the node. With anonymous authentication on, requests without "
        "credentials reach it as system:anonymous. The kubelet binary enables it by default when "
        "started without a config file; the v1beta1 config-file default disables it."
    ),
    remediation="Set authentication.anonymous.enabled: false in the kubelet config file (or --anonymous-auth=false).",
)
def kubelet_anonymous(ctx: RuleContext) -> Iterator[Result]:
    """``authentication.anonymous.enabled`` must be false."""
    yield from _judge(
        ctx,
        "authentication.anonymous.enabled",
        lambda v: v is False,
        lambda _: "anonymous requests are rejected",
        lambda v: "anonymous requests reach the kubelet API" if v is True else f"invalid value {v!r}",
    )


@rule(
    id="KW-KUBELET-002",
    title="Kubelet authorizes every request (AlwaysAllow)",
    objective=Objective.KUBELET,
    severity=Severity.CRITICAL,
    cis=("4.2.2",),
    seed_step="Use Webhook authorization on the kubelet",
    rationale=(
        "With authorization mode AlwaysAllow every caller the kubelet authenticates may exec into "
        "containers, read logs and port-forward on the node. Webhook mode asks the API server "
        "(SubjectAccessReview on nodes/proxy and friends) instead. AlwaysAllow is the binary's "
        "default without a config file."
    ),
    remediation=(
        "Set authorization.mode: Webhook (and authentication.webhook.enabled: true) in the kubelet config file."
    ),
)
def kubelet_authorization(ctx: RuleContext) -> Iterator[Result]:
    """``authorization.mode`` must be Webhook."""
    yield from _judge(
        ctx,
        "authorization.mode",
        lambda v: v == "Webhook",
        lambda v: f"authorization mode {v}",
        lambda v: f"authorization mode {v}: every authenticated caller is allowed",
    )


@rule(
    id="KW-KUBELET-003",
    title="Kubelet serves the unauthenticated read-only port",
    objective=Objective.KUBELET,
    severity=Severity.MEDIUM,
    cis=("4.2.4",),
    rationale=(
        "The read-only port (10255 by default without a config file) serves pod specs, including "
        "environment variables, and metrics without any authentication or authorization."
    ),
    remediation="Set readOnlyPort: 0 in the kubelet config file (or --read-only-port=0).",
)
def kubelet_read_only_port(ctx: RuleContext) -> Iterator[Result]:
    """``readOnlyPort`` must be 0."""
    yield from _judge(
        ctx,
        "readOnlyPort",
        lambda v: v == 0,
        lambda _: "read-only port disabled",
        lambda v: f"read-only port {v} is open without authentication",
    )
