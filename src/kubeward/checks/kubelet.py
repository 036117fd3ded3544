"""Kubelet rules: anonymous auth, authorization mode, read-only port, serving and client TLS,
token authentication, certificate rotation, streaming timeout and iptables chains.

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
from kubeward.resolve.kubelet import EffectiveKubelet, parse_duration
from kubeward.resolve.setting import Setting


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


_DISTROS = frozenset({"k3s", "rke2"})


def _distro_managed(ctx: RuleContext, kubelet: EffectiveKubelet, setting: Setting, what: str) -> Result | None:
    """``not_applicable`` when k3s/RKE2 handle ``what`` themselves and the user did not set the field."""
    if kubelet.instance.origin not in _DISTROS or setting.source != "default":
        return None
    distro = kubelet.instance.installer or kubelet.instance.origin
    return ctx.not_applicable(
        kubelet.resource,
        f"distro-managed: {distro} {what}, so the kubelet's own rotation is not what keeps it current",
        setting.evidence(),
    )


@rule(
    id="KW-KUBELET-004",
    title="Kubelet serves HTTPS with a self-signed certificate",
    objective=Objective.KUBELET,
    severity=Severity.MEDIUM,
    cis=("4.2.9",),
    rationale=(
        "Without tlsCertFile/tlsPrivateKeyFile and without serverTLSBootstrap, the kubelet generates a "
        "self-signed certificate for port 10250 in its --cert-dir (/var/lib/kubelet/pki/kubelet.crt). No "
        "cluster CA signs it, so kube-apiserver cannot verify it (--kubelet-certificate-authority cannot "
        "be set) and its exec, attach, port-forward and log streams to the node can be intercepted. "
        "kubeadm sets neither by default, so a default kubeadm node fails this rule. k3s and RKE2 pass "
        "a serving certificate their server signs."
    ),
    remediation=(
        "Set serverTLSBootstrap: true in the kubelet config file and approve the kubelet-serving CSRs "
        "(or run a CSR approver), or provision tlsCertFile and tlsPrivateKeyFile signed by a CA that "
        "kube-apiserver trusts."
    ),
    references=(
        "https://kubernetes.io/docs/reference/access-authn-authz/kubelet-tls-bootstrapping/#certificate-rotation",
    ),
)
def kubelet_serving_certificate(ctx: RuleContext) -> Iterator[Result]:
    """A serving certificate from files, or one requested from the cluster (serverTLSBootstrap)."""
    for kubelet in kubelets(ctx):
        if isinstance(kubelet, Result):
            yield kubelet
            continue
        bootstrap = kubelet.setting("serverTLSBootstrap")
        cert = kubelet.setting("tlsCertFile")
        key = kubelet.setting("tlsPrivateKeyFile")
        if bootstrap.known and bootstrap.value is True:
            yield ctx.passed(
                kubelet.resource,
                "serving certificate requested from the cluster CA (serverTLSBootstrap) and rotated",
                bootstrap.evidence(),
            )
            continue
        if cert.known and key.known and cert.value and key.value:
            yield ctx.passed(kubelet.resource, f"serving certificate {cert.value}", cert.evidence())
            continue
        unknown = next((s for s in (bootstrap, cert, key) if not s.known), None)
        if unknown is not None:
            yield ctx.not_assessable(kubelet.resource, unknown.detail, unknown.evidence())
        elif cert.value or key.value:
            missing = key if cert.value else cert
            yield ctx.fail(
                kubelet.resource,
                f"only one of tlsCertFile/tlsPrivateKeyFile is set ({missing.name} is empty); the kubelet "
                "needs both to load a serving certificate",
                missing.evidence(),
            )
        else:
            yield ctx.fail(
                kubelet.resource,
                "no tlsCertFile/tlsPrivateKeyFile and serverTLSBootstrap is off: the kubelet serves a "
                "self-signed certificate that kube-apiserver cannot verify",
                cert.evidence(),
            )


@rule(
    id="KW-KUBELET-005",
    title="Kubelet does not authenticate client certificates",
    objective=Objective.KUBELET,
    severity=Severity.MEDIUM,
    cis=("4.2.3",),
    rationale=(
        "authentication.x509.clientCAFile is the CA the kubelet verifies client certificates against. "
        "Without it (the default) no client certificate is accepted, including the one kube-apiserver "
        "presents (--kubelet-client-certificate) for logs, exec and port-forward; those requests then "
        "fail, or succeed only as system:anonymous, which pushes operators to turn anonymous auth back on."
    ),
    remediation=(
        "Set authentication.x509.clientCAFile to the cluster CA (kubeadm: /etc/kubernetes/pki/ca.crt) "
        "in the kubelet config file, or --client-ca-file."
    ),
)
def kubelet_client_ca(ctx: RuleContext) -> Iterator[Result]:
    """``authentication.x509.clientCAFile`` must be set."""
    yield from _judge(
        ctx,
        "authentication.x509.clientCAFile",
        lambda v: isinstance(v, str) and bool(v.strip()),
        lambda v: f"client certificates verified against {v}",
        lambda _: "no client CA: client certificates (kube-apiserver's included) are not authenticated",
    )


@rule(
    id="KW-KUBELET-006",
    title="Kubelet does not authenticate bearer tokens (authentication webhook off)",
    objective=Objective.KUBELET,
    severity=Severity.LOW,
    rationale=(
        "With authentication.webhook.enabled false the kubelet does not send bearer tokens to the API "
        "server (TokenReview), so callers using service-account or OIDC tokens, such as metrics "
        "scrapers, are treated as unauthenticated. Webhook authorization then has no identity to check "
        "for them, and the usual workaround is re-enabling anonymous access. The binary's default "
        "without a config file is off; the v1beta1 config-file default is on."
    ),
    remediation=(
        "Set authentication.webhook.enabled: true in the kubelet config file (or --authentication-token-webhook)."
    ),
)
def kubelet_authentication_webhook(ctx: RuleContext) -> Iterator[Result]:
    """``authentication.webhook.enabled`` must be true."""
    yield from _judge(
        ctx,
        "authentication.webhook.enabled",
        lambda v: v is True,
        lambda _: "bearer tokens are authenticated with TokenReview",
        lambda v: "bearer tokens are not authenticated" if v is False else f"invalid value {v!r}",
    )


@rule(
    id="KW-KUBELET-007",
    title="Kubelet does not rotate its client certificate",
    objective=Objective.KUBELET,
    severity=Severity.LOW,
    cis=("4.2.10",),
    rationale=(
        "rotateCertificates lets the kubelet request a new client certificate before the current one "
        "expires. It defaults to false in both the flag and the v1beta1 config file (SetDefaults does "
        "not set it), so an absent field means no rotation: the node stops reporting when the "
        "certificate expires, and long-lived node credentials stay valid for their full lifetime. "
        "kube-bench passes an absent field ('not set to false'); kubeward fails it because the "
        "kubelet's default is false. kubeadm writes rotateCertificates: true. k3s and RKE2 issue and "
        "renew the kubelet's client certificate themselves."
    ),
    remediation="Set rotateCertificates: true in the kubelet config file (or --rotate-certificates).",
)
def kubelet_rotate_client_certificate(ctx: RuleContext) -> Iterator[Result]:
    """``rotateCertificates`` must be true (k3s/RKE2 manage the certificate themselves)."""
    for kubelet in kubelets(ctx):
        if isinstance(kubelet, Result):
            yield kubelet
            continue
        setting = kubelet.setting("rotateCertificates")
        managed = _distro_managed(ctx, kubelet, setting, "issues the kubelet client certificate and renews it")
        if managed is not None:
            yield managed
        elif not setting.known:
            yield ctx.not_assessable(kubelet.resource, setting.detail, setting.evidence())
        elif setting.value is True:
            yield ctx.passed(kubelet.resource, "client certificate rotation on", setting.evidence())
        else:
            yield ctx.fail(kubelet.resource, "client certificate rotation off", setting.evidence())


@rule(
    id="KW-KUBELET-008",
    title="Kubelet serving certificate is not rotated (serverTLSBootstrap off)",
    objective=Objective.KUBELET,
    severity=Severity.LOW,
    cis=("4.2.11",),
    rationale=(
        "serverTLSBootstrap makes the kubelet request its serving certificate from the cluster "
        "(kubernetes.io/kubelet-serving CSRs) and renew it before expiry; it needs the "
        "RotateKubeletServerCertificate feature gate, on by default since 1.12. CIS 4.2.11 checks only "
        "that gate, which does nothing unless serverTLSBootstrap is true, so kubeward checks "
        "serverTLSBootstrap. The default is false; certificates from tlsCertFile are rotated only by "
        "whatever wrote them. k3s and RKE2 re-issue the serving certificate themselves."
    ),
    remediation=(
        "Set serverTLSBootstrap: true in the kubelet config file (or --rotate-server-certificates) and "
        "approve kubelet-serving CSRs."
    ),
)
def kubelet_rotate_serving_certificate(ctx: RuleContext) -> Iterator[Result]:
    """``serverTLSBootstrap`` must be true (k3s/RKE2 manage the certificate themselves)."""
    for kubelet in kubelets(ctx):
        if isinstance(kubelet, Result):
            yield kubelet
            continue
        setting = kubelet.setting("serverTLSBootstrap")
        managed = _distro_managed(ctx, kubelet, setting, "signs the kubelet serving certificate and re-issues it")
        if managed is not None:
            yield managed
        elif not setting.known:
            yield ctx.not_assessable(kubelet.resource, setting.detail, setting.evidence())
        elif setting.value is True:
            yield ctx.passed(kubelet.resource, "serving certificate requested and rotated", setting.evidence())
        else:
            yield ctx.fail(
                kubelet.resource, "serving certificate is not requested from the cluster or rotated", setting.evidence()
            )


@rule(
    id="KW-KUBELET-009",
    title="Kubelet streaming connections never time out",
    objective=Objective.KUBELET,
    severity=Severity.LOW,
    cis=("4.2.5",),
    rationale=(
        "streamingConnectionIdleTimeout closes idle exec, attach and port-forward streams; 0 keeps "
        "them open forever, so a forgotten session stays usable. The default is 4h. A zero value in "
        "the config file is replaced by that default during v1beta1 defaulting and only the flag "
        "--streaming-connection-idle-timeout=0 disables the timeout; kubeward follows the kubelet, "
        "where peers fail a config-file 0s."
    ),
    remediation="Set streamingConnectionIdleTimeout to a short duration such as 5m in the kubelet config file.",
)
def kubelet_streaming_timeout(ctx: RuleContext) -> Iterator[Result]:
    """``streamingConnectionIdleTimeout`` must not be zero."""
    yield from _judge(
        ctx,
        "streamingConnectionIdleTimeout",
        lambda v: (parse_duration(v) or 0) > 0,
        lambda v: f"idle streams close after {v}",
        lambda v: "idle streams are never closed" if parse_duration(v) == 0 else f"invalid duration {v!r}",
    )


@rule(
    id="KW-KUBELET-010",
    title="Kubelet does not manage its iptables chains",
    objective=Objective.KUBELET,
    severity=Severity.LOW,
    cis=("4.2.6",),
    rationale=(
        "With makeIPTablesUtilChains the kubelet keeps the iptables rules it owns on the node, among "
        "them the KUBE-FIREWALL chain that drops traffic from outside the node to 127.0.0.0/8 (reachable "
        "when route_localnet is on), so services bound to localhost are not exposed to the network. "
        "The default is true (pkg/kubelet/apis/config/v1beta1/defaults.go)."
    ),
    remediation="Remove makeIPTablesUtilChains: false (or --make-iptables-util-chains=false); the default is true.",
)
def kubelet_iptables_chains(ctx: RuleContext) -> Iterator[Result]:
    """``makeIPTablesUtilChains`` must be true."""
    yield from _judge(
        ctx,
        "makeIPTablesUtilChains",
        lambda v: v is True,
        lambda _: "kubelet manages its iptables utility chains",
        lambda v: "kubelet does not manage its iptables chains" if v is False else f"invalid value {v!r}",
    )
