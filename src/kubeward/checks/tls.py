"""kube-apiserver TLS: its serving certificate, the client CA it trusts, and its client TLS towards
the kubelets and etcd.

What kube-apiserver does when a flag is absent (read from upstream source, 1.31):

* no ``--tls-cert-file``/``--tls-private-key-file``: ``SecureServingOptions.MaybeDefaultWithSelfSignedCerts``
  (``staging/src/k8s.io/apiserver/pkg/server/options/serving.go``) generates a self-signed pair
  ``apiserver.crt``/``apiserver.key`` in ``--cert-dir`` (default ``/var/run/kubernetes``);
* no ``--client-ca-file``: the x509 authenticator is not built, so no client certificate is accepted;
* no ``--kubelet-certificate-authority``: ``KubeletClientConfig.transportConfig``
  (``pkg/kubelet/client/kubelet_client.go``) sets ``Insecure`` when there is no CA, i.e. the kubelet's
  serving certificate is not verified;
* no ``--etcd-cafile``: the etcd client verifies etcd's certificate against the host's system roots.

kubeadm sets every flag here except ``--kubelet-certificate-authority`` (``kubeward.inputs.kubeadm``);
k3s/RKE2 set the serving, client-CA and kubelet flags (``kubeward.resolve.apiserver.INSTALLER_FLAGS``)
and wire the datastore themselves (``setupStorageBackend`` in k3s ``pkg/daemons/control/server.go``:
embedded etcd over https with client certificates, or kine over a local unix socket; an external
``datastore-endpoint`` brings its own ``datastore-cafile``/``-certfile``/``-keyfile``).
"""

from collections.abc import Iterator
from urllib.parse import urlsplit

from kubeward.checks.common import apiservers
from kubeward.checks.context import RuleContext
from kubeward.checks.registry import rule
from kubeward.checks.rule import SELF_MANAGED_PLATFORMS, Objective, Severity
from kubeward.findings import Evidence, Result
from kubeward.resolve.apiserver import EffectiveApiServer
from kubeward.resolve.setting import Setting

_DISTROS = frozenset({"k3s", "rke2"})
_PROVIDER_TLS = (
    "EKS, GKE and AKS issue and rotate the API server's serving certificate, its client CA and its "
    "kubelet and etcd client certificates; what stays yours is trusting the cluster CA from the "
    "provider's cluster description in your kubeconfigs, and not turning off TLS verification"
)


def _text(setting: Setting) -> str:
    """A file-path flag's value, "" when unset or empty."""
    return str(setting.value).strip() if setting.value is not None else ""


def _pair(
    ctx: RuleContext, api: EffectiveApiServer, cert_flag: str, key_flag: str, purpose: str, absent: str
) -> Result:
    """Verdict on a certificate/key flag pair: both set passes, one alone or neither fails."""
    cert, key = api.flag(cert_flag), api.flag(key_flag)
    if _text(cert) and _text(key):
        return ctx.passed(api.resource, f"{purpose}: {_text(cert)}", cert.evidence())
    if _text(cert) or _text(key):
        missing = key if _text(cert) else cert
        return ctx.fail(
            api.resource,
            f"{missing.name} is not set while its pair is: kube-apiserver needs both files for {purpose}",
            missing.evidence(),
        )
    return ctx.fail(api.resource, absent, cert.evidence())


@rule(
    id="KW-TLS-001",
    title="API server serves a self-signed certificate",
    objective=Objective.NETWORK_EXPOSURE,
    severity=Severity.MEDIUM,
    cis=("1.2.24",),
    applies_to=SELF_MANAGED_PLATFORMS,
    rationale=(
        "Without --tls-cert-file and --tls-private-key-file kube-apiserver generates a self-signed "
        "certificate in --cert-dir (/var/run/kubernetes by default). No CA vouches for it, so clients "
        "either pin it or skip verification, and a skipped verification lets anyone on the path "
        "impersonate the API server and collect the credentials clients send."
    ),
    remediation=(
        "Set --tls-cert-file and --tls-private-key-file to a certificate signed by the cluster CA "
        "(kubeadm: /etc/kubernetes/pki/apiserver.crt and apiserver.key)."
    ),
    provider_managed=_PROVIDER_TLS,
)
def serving_certificate(ctx: RuleContext) -> Iterator[Result]:
    """Both serving files must be given."""
    for api in apiservers(ctx):
        if isinstance(api, Result):
            yield api
            continue
        cert_dir = _text(api.flag("cert-dir")) or "/var/run/kubernetes"
        yield _pair(
            ctx,
            api,
            "tls-cert-file",
            "tls-private-key-file",
            "the serving certificate",
            f"no --tls-cert-file/--tls-private-key-file: kube-apiserver serves a self-signed certificate "
            f"it generates in {cert_dir}/apiserver.crt",
        )


@rule(
    id="KW-TLS-002",
    title="API server does not accept client certificates (no --client-ca-file)",
    objective=Objective.AUTHENTICATION,
    severity=Severity.MEDIUM,
    cis=("1.2.25",),
    applies_to=SELF_MANAGED_PLATFORMS,
    rationale=(
        "--client-ca-file is the CA kube-apiserver verifies client certificates against; without it "
        "x509 client-certificate authentication is off. Kubelets (system:node:<name>, which the Node "
        "authorizer and NodeRestriction rely on), the controller manager and scheduler of kubeadm "
        "clusters and admin.conf all authenticate with client certificates, and the CA is also "
        "published in the extension-apiserver-authentication ConfigMap for aggregated API servers. "
        "Without it those identities fall back to weaker credentials such as static tokens."
    ),
    remediation="Set --client-ca-file to the cluster CA (kubeadm: /etc/kubernetes/pki/ca.crt).",
    provider_managed=_PROVIDER_TLS,
)
def client_ca(ctx: RuleContext) -> Iterator[Result]:
    """``--client-ca-file`` must be set."""
    for api in apiservers(ctx):
        if isinstance(api, Result):
            yield api
            continue
        setting = api.flag("client-ca-file")
        if _text(setting):
            yield ctx.passed(api.resource, f"client certificates verified against {_text(setting)}", setting.evidence())
        else:
            yield ctx.fail(
                api.resource,
                "no --client-ca-file: client-certificate authentication is off (kubelets, control-plane "
                "components and admin.conf cannot authenticate with their certificates)",
                setting.evidence(),
            )


@rule(
    id="KW-TLS-003",
    title="API server has no client certificate for the kubelets",
    objective=Objective.KUBELET,
    severity=Severity.MEDIUM,
    cis=("1.2.4",),
    applies_to=SELF_MANAGED_PLATFORMS,
    rationale=(
        "kube-apiserver calls each kubelet on port 10250 for logs, exec, attach, port-forward and the "
        "node proxy. Without --kubelet-client-certificate and --kubelet-client-key it presents no "
        "client certificate, so a kubelet that authenticates its callers rejects these requests, and "
        "the common workaround, enabling anonymous access on the kubelet, opens it to everyone."
    ),
    remediation=(
        "Set --kubelet-client-certificate and --kubelet-client-key to a client certificate in group "
        "system:masters or bound to kubelet API access (kubeadm: apiserver-kubelet-client.crt/.key)."
    ),
    provider_managed=_PROVIDER_TLS,
)
def kubelet_client_certificate(ctx: RuleContext) -> Iterator[Result]:
    """Both kubelet client files must be given."""
    for api in apiservers(ctx):
        if isinstance(api, Result):
            yield api
            continue
        yield _pair(
            ctx,
            api,
            "kubelet-client-certificate",
            "kubelet-client-key",
            "the kubelet client certificate",
            "no --kubelet-client-certificate/--kubelet-client-key: kube-apiserver calls kubelets without "
            "a client certificate",
        )


@rule(
    id="KW-TLS-004",
    title="API server does not verify kubelet serving certificates",
    objective=Objective.KUBELET,
    severity=Severity.MEDIUM,
    cis=("1.2.5",),
    applies_to=SELF_MANAGED_PLATFORMS,
    rationale=(
        "Without --kubelet-certificate-authority kube-apiserver connects to kubelets with certificate "
        "verification turned off (pkg/kubelet/client/kubelet_client.go sets Insecure when no CA is "
        "given), so whoever can intercept traffic to a node's port 10250 can impersonate the kubelet "
        "and read or inject exec, attach and port-forward streams. kubeadm does not set this flag, "
        "so a default kubeadm cluster fails here; the verdict is deliberate and matches CIS 1.2.5. "
        "Setting it needs kubelet serving certificates signed by that CA (serverTLSBootstrap, see "
        "KW-KUBELET-004) or every exec and logs request fails."
    ),
    remediation=(
        "Enable serverTLSBootstrap on the kubelets and approve their kubelet-serving CSRs, then set "
        "--kubelet-certificate-authority to the CA that signs them (kubeadm: /etc/kubernetes/pki/ca.crt)."
    ),
    provider_managed=_PROVIDER_TLS,
)
def kubelet_certificate_authority(ctx: RuleContext) -> Iterator[Result]:
    """``--kubelet-certificate-authority`` must be set."""
    for api in apiservers(ctx):
        if isinstance(api, Result):
            yield api
            continue
        setting = api.flag("kubelet-certificate-authority")
        if _text(setting):
            yield ctx.passed(
                api.resource, f"kubelet certificates verified against {_text(setting)}", setting.evidence()
            )
        else:
            yield ctx.fail(
                api.resource,
                "no --kubelet-certificate-authority: kube-apiserver does not verify kubelet serving "
                "certificates (TLS verification is skipped)",
                setting.evidence(),
            )


def _distro_datastore(ctx: RuleContext, api: EffectiveApiServer, flag: str) -> Result | None:
    """On k3s/RKE2 with no user ``--flag``: the distro's own datastore wiring decides, or None."""
    if api.instance.origin not in _DISTROS or api.is_set(flag):
        return None
    distro = api.instance.installer or api.instance.origin
    evidence = Evidence(setting=f"kube-apiserver --{flag}", source="default", detail=f"{distro} sets --{flag} itself")
    if _external_datastore(ctx, api):
        return ctx.not_assessable(
            api.resource,
            f"{distro} uses an external datastore (datastore-endpoint); its TLS comes from datastore-cafile, "
            "datastore-certfile and datastore-keyfile and the endpoint's parameters, which are not assessed",
            evidence,
        )
    return ctx.passed(
        api.resource,
        f"{distro} connects to its own datastore: embedded etcd over https with client certificates "
        "it issues, or kine over a local unix socket",
        evidence,
    )


def _external_datastore(ctx: RuleContext, api: EffectiveApiServer) -> bool:
    """True when the node's k3s/RKE2 config sets ``datastore-endpoint`` (kept redacted: it may hold a password)."""
    return any(
        doc.node == api.instance.node
        and doc.kind == f"{api.instance.origin}-config"
        and doc.data.get("datastore-endpoint")
        for doc in ctx.inventory.config_docs
    )


@rule(
    id="KW-TLS-005",
    title="API server has no client certificate for etcd",
    objective=Objective.AUTHENTICATION,
    severity=Severity.HIGH,
    cis=("1.2.23",),
    applies_to=SELF_MANAGED_PLATFORMS,
    rationale=(
        "etcd holds every object, Secrets included, and has no authorization of its own beyond client "
        "certificates. Without --etcd-certfile and --etcd-keyfile kube-apiserver presents no client "
        "certificate, which works only if etcd accepts unauthenticated clients, and then anyone who "
        "reaches port 2379 can read and write the whole cluster state."
    ),
    remediation=(
        "Run etcd with --client-cert-auth=true and set --etcd-certfile and --etcd-keyfile on "
        "kube-apiserver (kubeadm: apiserver-etcd-client.crt/.key)."
    ),
    provider_managed=_PROVIDER_TLS,
)
def etcd_client_certificate(ctx: RuleContext) -> Iterator[Result]:
    """Both etcd client files must be given."""
    for api in apiservers(ctx):
        if isinstance(api, Result):
            yield api
            continue
        yield _distro_datastore(ctx, api, "etcd-certfile") or _pair(
            ctx,
            api,
            "etcd-certfile",
            "etcd-keyfile",
            "the etcd client certificate",
            "no --etcd-certfile/--etcd-keyfile: kube-apiserver connects to etcd without a client "
            "certificate, so etcd must be accepting unauthenticated clients",
        )


@rule(
    id="KW-TLS-006",
    title="API server does not verify etcd against the etcd CA",
    objective=Objective.NETWORK_EXPOSURE,
    severity=Severity.MEDIUM,
    cis=("1.2.26",),
    applies_to=SELF_MANAGED_PLATFORMS,
    rationale=(
        "Without --etcd-cafile kube-apiserver checks etcd's certificate against the host's system CA "
        "roots instead of the etcd CA, so a certificate any public CA issued for that name would be "
        "trusted, and kube-apiserver would send all cluster state, Secrets included, to an impostor."
    ),
    remediation="Set --etcd-cafile to the CA that signs etcd's serving certificates (kubeadm: pki/etcd/ca.crt).",
    provider_managed=_PROVIDER_TLS,
)
def etcd_certificate_authority(ctx: RuleContext) -> Iterator[Result]:
    """``--etcd-cafile`` must be set."""
    for api in apiservers(ctx):
        if isinstance(api, Result):
            yield api
            continue
        managed = _distro_datastore(ctx, api, "etcd-cafile")
        if managed is not None:
            yield managed
            continue
        setting = api.flag("etcd-cafile")
        if _text(setting):
            yield ctx.passed(api.resource, f"etcd verified against {_text(setting)}", setting.evidence())
        else:
            yield ctx.fail(
                api.resource,
                "no --etcd-cafile: etcd's certificate is checked against the system CA roots, not the etcd CA",
                setting.evidence(),
            )


@rule(
    id="KW-TLS-007",
    title="API server talks to etcd over plain HTTP",
    objective=Objective.NETWORK_EXPOSURE,
    severity=Severity.HIGH,
    applies_to=SELF_MANAGED_PLATFORMS,
    rationale=(
        "An http:// entry in --etcd-servers sends every read and write of cluster state, Secrets "
        "included, unencrypted and unauthenticated. Local unix sockets (unix://, as k3s uses for kine) "
        "do not cross the network."
    ),
    remediation="Serve etcd over TLS and list only https:// URLs in --etcd-servers.",
    provider_managed=_PROVIDER_TLS,
)
def etcd_https(ctx: RuleContext) -> Iterator[Result]:
    """Every ``--etcd-servers`` entry must be https:// (or a local unix socket)."""
    for api in apiservers(ctx):
        if isinstance(api, Result):
            yield api
            continue
        managed = _distro_datastore(ctx, api, "etcd-servers")
        if managed is not None:
            yield managed
            continue
        setting = api.flag("etcd-servers")
        servers = setting.value if isinstance(setting.value, list) else []
        plain = [url for url in servers if urlsplit(url).scheme not in ("https", "unix", "unixs")]
        if not servers:
            yield ctx.fail(
                api.resource, "no --etcd-servers: kube-apiserver will not start without one", setting.evidence()
            )
        elif plain:
            yield ctx.fail(api.resource, f"etcd reached without TLS: {', '.join(plain)}", setting.evidence())
        else:
            yield ctx.passed(api.resource, f"etcd reached over TLS: {', '.join(servers)}", setting.evidence())
