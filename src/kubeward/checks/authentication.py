"""kube-apiserver authentication rules: anonymous access, token issuers for people (structured JWT
authenticators and the legacy ``--oidc-*`` flags, read into the same ``Issuer`` records by
``resolve/authentication.py``), static credential files, and service-account token settings.

Facts are from kube-apiserver's option code (``pkg/kubeapiserver/options/authentication.go``) and
the ``AuthenticationConfiguration`` validation in ``staging/src/k8s.io/apiserver`` (v1.29-v1.34);
feature-gate stages are in ``resolve/feature_gates.py``.
"""

from collections.abc import Iterator
from typing import Any

from kubeward.checks.common import apiservers
from kubeward.checks.context import RuleContext
from kubeward.checks.registry import rule
from kubeward.checks.rule import SELF_MANAGED_PLATFORMS, Objective, PlanStep, Severity
from kubeward.findings import Evidence, Result
from kubeward.resolve.apiserver import EffectiveApiServer
from kubeward.resolve.authentication import Issuer, collision, jwt_issuers, legacy_issuer, oidc_flags_set
from kubeward.resolve.config_files import ConfigFile, config_file
from kubeward.resolve.feature_gates import ANONYMOUS_ENDPOINTS, STRUCTURED_AUTHENTICATION, gate_problem

HEALTH_PATHS = frozenset({"/healthz", "/livez", "/readyz"})
AUTHN_KIND = "AuthenticationConfiguration"
MANAGED_AUTHN = (
    "EKS, GKE and AKS set kube-apiserver's authentication flags (anonymous auth, token files, "
    "service-account keys and issuer) and do not let you change them. What stays yours: RBAC "
    "bindings to system:anonymous / system:unauthenticated, and, where the provider supports it, "
    "the OIDC identity provider you attach (EKS associate-identity-provider-config, GKE Identity "
    "Service) with its claim prefixes."
)


def _authn_config(ctx: RuleContext, api: EffectiveApiServer) -> ConfigFile | None:
    return config_file(ctx.inventory, api, "authentication-config", AUTHN_KIND)


@rule(
    id="KW-AUTHN-001",
    title="API server accepts anonymous requests",
    objective=Objective.AUTHENTICATION,
    severity=Severity.MEDIUM,
    cis=("1.2.1",),
    seed_step="Disable anonymous authentication on the API server",
    applies_to=SELF_MANAGED_PLATFORMS,
    plan_step=PlanStep.EXPOSURE,
    rationale=(
        "With anonymous authentication on, every request without credentials is served as "
        "system:anonymous in group system:unauthenticated, and whatever RBAC grants those names is "
        "open to anyone who can reach the endpoint. --anonymous-auth defaults to true, so an absent "
        "flag means enabled. A structured AuthenticationConfiguration can keep anonymous access but "
        "limit it to /healthz, /livez and /readyz (AnonymousAuthConfigurableEndpoints: alpha in 1.31, "
        "on by default from 1.32, GA in 1.34), the recommended form when load balancers need "
        "unauthenticated health checks; kube-apiserver refuses to start when --anonymous-auth is "
        "also given. Unlike Prowler (absent flag = PASS) an absent flag fails here."
    ),
    remediation=(
        "Set --anonymous-auth=false on kube-apiserver, or (1.32+) use --authentication-config with "
        "an anonymous block whose conditions list only /healthz, /livez and /readyz, and remove "
        "--anonymous-auth."
    ),
    references=("https://kubernetes.io/docs/reference/access-authn-authz/authentication/#anonymous-requests",),
    provider_managed=MANAGED_AUTHN,
)
def anonymous_auth(ctx: RuleContext) -> Iterator[Result]:
    """Anonymous auth from the structured authentication configuration, else from the flag."""
    for api in apiservers(ctx):
        if isinstance(api, Result):
            yield api
            continue
        structured = _structured_anonymous(ctx, api)
        if structured is not None:
            yield structured
            continue
        setting = api.flag("anonymous-auth")
        if setting.value is True:
            yield ctx.fail(api.resource, "anonymous requests are accepted as system:anonymous", setting.evidence())
        elif setting.value is False:
            yield ctx.passed(api.resource, "anonymous requests are rejected with 401", setting.evidence())
        else:
            yield ctx.fail(
                api.resource,
                f"--anonymous-auth has an invalid value {setting.value!r}; kube-apiserver will not start",
                setting.evidence(),
            )


def _structured_anonymous(ctx: RuleContext, api: EffectiveApiServer) -> Result | None:
    """Verdict from ``--authentication-config`` when it configures anonymous access, else None."""
    config = _authn_config(ctx, api)
    if config is None:
        return None
    if config.doc is None:
        return ctx.not_assessable(
            api.resource, f"anonymous access may be configured in a file: {config.reason}", config.flag.evidence()
        )
    doc = config.doc
    present, anonymous = doc.field("anonymous")
    if not present or not isinstance(anonymous, dict):
        return None  # no anonymous block: --anonymous-auth (default true) decides
    evidence = Evidence(
        setting="kube-apiserver AuthenticationConfiguration anonymous",
        value=anonymous,
        source="config-file",
        detail=f"from --authentication-config={config.flag.value}{api.version_note()}",
        provenance=doc.provenance_of("anonymous"),
    )
    if api.is_set("anonymous-auth"):
        return ctx.fail(
            api.resource,
            "--anonymous-auth is set together with an anonymous block in --authentication-config; "
            "kube-apiserver refuses to start",
            evidence,
        )
    gate = gate_problem(api, ANONYMOUS_ENDPOINTS, "the anonymous block of --authentication-config")
    if gate:
        return ctx.fail(api.resource, f"{gate}; kube-apiserver refuses the file", evidence)
    enabled = anonymous.get("enabled")
    conditions = anonymous.get("conditions") or []
    if enabled is not True:
        if conditions:
            return ctx.fail(
                api.resource, "anonymous.conditions without enabled: true; kube-apiserver refuses the file", evidence
            )
        return ctx.passed(api.resource, "the authentication configuration disables anonymous access", evidence)
    paths = {c.get("path") for c in conditions if isinstance(c, dict)}
    if not conditions:
        return ctx.fail(api.resource, "anonymous access is enabled for every path", evidence)
    if paths <= HEALTH_PATHS:
        shown = ", ".join(sorted(str(p) for p in paths if p))
        return ctx.passed(api.resource, f"anonymous access is limited to {shown}", evidence)
    extra = sorted(str(p) for p in paths - HEALTH_PATHS)
    return ctx.fail(api.resource, f"anonymous access is allowed beyond health endpoints: {', '.join(extra)}", evidence)


# --- token issuers for people -------------------------------------------------------------------


def _issuers(ctx: RuleContext) -> Iterator[tuple[EffectiveApiServer, list[Issuer]] | Result]:
    """Each API server with its token issuers for people, or the verdict saying why none can be judged.

    An API server without any issuer gets ``not_applicable`` here: rules about issuers have nothing
    to judge (KW-AUTHN-008 says whether that is a problem).
    """
    for api in apiservers(ctx):
        if isinstance(api, Result):
            yield api
            continue
        config = _authn_config(ctx, api)
        if config is not None and config.doc is None:
            yield ctx.not_assessable(
                api.resource, f"token issuers are configured in a file: {config.reason}", config.flag.evidence()
            )
            continue
        found = jwt_issuers(config.doc) if config is not None and config.doc is not None else []
        legacy = legacy_issuer(api)
        if legacy is not None:
            found.append(legacy)
        if not found:
            yield ctx.not_applicable(
                api.resource,
                "no JWT authenticator or --oidc-issuer-url is configured",
                config.flag.evidence() if config is not None else api.flag("oidc-issuer-url").evidence(),
            )
            continue
        yield api, found


def _issuer_evidence(issuer: Issuer, field: str, value: Any, detail: str = "") -> Evidence:
    """Evidence naming the issuer's configuration form and the field judged."""
    return Evidence(
        setting=f"kube-apiserver {issuer.source} {field}",
        value=value,
        source="flag" if issuer.legacy else "config-file",
        detail=detail or f"issuer {issuer.url}",
        provenance=issuer.provenance,
    )


def _mapping_value(issuer: Issuer) -> dict[str, Any]:
    """The claim mappings as judged: claim or expression, and the prefix (None = not given)."""
    value: dict[str, Any] = {}
    for what, mapping in (("username", issuer.username), ("groups", issuer.groups)):
        if mapping.expression:
            value[what] = {"expression": mapping.expression}
        elif mapping.claim:
            value[what] = {"claim": mapping.claim, "prefix": mapping.prefix}
    return value


MANAGED_ISSUERS = (
    "The provider's own identity integration (EKS IAM, GKE Google accounts, AKS Entra ID) is run "
    "for you. An OIDC provider you attach yourself (EKS identity provider config, GKE Identity "
    "Service, AKS structured authentication where offered) is yours: its issuer, audiences, claim "
    "prefixes and required claims follow the same advice."
)


@rule(
    id="KW-AUTHN-002",
    title="Token issuer can give people system: usernames or groups",
    objective=Objective.AUTHENTICATION,
    severity=Severity.HIGH,
    applies_to=SELF_MANAGED_PLATFORMS,
    plan_step=PlanStep.EXPOSURE,
    rationale=(
        "Usernames and groups taken from an identity provider's claims without a prefix can be "
        "anything the IdP lets a user set: a token whose groups claim holds system:masters is "
        "cluster-admin, whatever RBAC says, and names such as system:nodes or "
        "system:serviceaccount:kube-system:... carry the power kube-apiserver and the default RBAC "
        "policy give them. A fixed prefix that is not system:-like (oidc:), an expression that "
        "starts with such a literal, or a userValidationRule refusing system: names closes this. "
        "The legacy --oidc-username-prefix defaults to '<issuer>#' (none for the email claim); "
        "--oidc-groups-prefix defaults to none."
    ),
    remediation=(
        "Give claimMappings.username.prefix and claimMappings.groups.prefix (or --oidc-username-prefix "
        "and --oidc-groups-prefix) a value such as 'oidc:', or add a userValidationRule such as "
        "`!user.username.startsWith('system:')` and "
        "`user.groups.all(g, !g.startsWith('system:'))`."
    ),
    references=(
        "https://kubernetes.io/docs/reference/access-authn-authz/authentication/#using-authentication-configuration",
    ),
    provider_managed=MANAGED_ISSUERS,
)
def issuer_system_names(ctx: RuleContext) -> Iterator[Result]:
    """One verdict per issuer: whether its username or groups mapping can produce a ``system:`` name."""
    for item in _issuers(ctx):
        if isinstance(item, Result):
            yield item
            continue
        api, issuers = item
        for issuer in issuers:
            reasons = [r for r in (collision(issuer, "username"), collision(issuer, "groups")) if r]
            evidence = _issuer_evidence(issuer, "claimMappings", _mapping_value(issuer))
            if reasons:
                yield ctx.fail(api.resource, f"issuer {issuer.url}: {'; '.join(reasons)}", evidence)
            else:
                yield ctx.passed(
                    api.resource, f"issuer {issuer.url}: usernames and groups cannot take system: names", evidence
                )


@rule(
    id="KW-AUTHN-003",
    title="Public token issuer is trusted without claim validation rules",
    objective=Objective.AUTHENTICATION,
    severity=Severity.HIGH,
    applies_to=SELF_MANAGED_PLATFORMS,
    plan_step=PlanStep.EXPOSURE,
    rationale=(
        "Issuers such as GitHub Actions (token.actions.githubusercontent.com), GitLab, Google "
        "accounts or Terraform Cloud hand tokens to anyone with an account, for the audience they "
        "ask for. Trusting one without claimValidationRules (or --oidc-required-claim) pinning the "
        "repository, project or organisation authenticates every user of that service; their "
        "usernames then only need an RBAC binding that matches, e.g. to a group claim."
    ),
    remediation=(
        "Add claimValidationRules that pin the tenant, e.g. "
        "`claims.repository_owner == 'my-org'` for GitHub Actions or `claims.hd == 'example.com'` for "
        "Google, or --oidc-required-claim=<claim>=<value> with the legacy flags."
    ),
    references=(
        "https://kubernetes.io/docs/reference/access-authn-authz/authentication/#using-authentication-configuration",
    ),
    provider_managed=MANAGED_ISSUERS,
)
def public_issuer_claims(ctx: RuleContext) -> Iterator[Result]:
    """Multi-tenant issuers need claim validation; others pass."""
    for item in _issuers(ctx):
        if isinstance(item, Result):
            yield item
            continue
        api, issuers = item
        for issuer in issuers:
            field = "--oidc-required-claim" if issuer.legacy else "claimValidationRules"
            evidence = _issuer_evidence(issuer, field, issuer.claim_rules)
            if not issuer.multi_tenant:
                yield ctx.passed(api.resource, f"issuer {issuer.url} is not a known public issuer", evidence)
            elif issuer.claim_rules:
                yield ctx.passed(
                    api.resource, f"public issuer {issuer.url} has {issuer.claim_rules} claim rule(s)", evidence
                )
            else:
                yield ctx.fail(
                    api.resource,
                    f"public issuer {issuer.url} is trusted without {field}: any of its users authenticates",
                    evidence,
                )


@rule(
    id="KW-AUTHN-004",
    title="Token authenticator configuration is rejected by kube-apiserver",
    objective=Objective.AUTHENTICATION,
    severity=Severity.MEDIUM,
    applies_to=SELF_MANAGED_PLATFORMS,
    rationale=(
        "kube-apiserver refuses to start when an issuer URL is not https, when a JWT authenticator "
        "has no audience, a claim mapping has no prefix, --oidc-issuer-url and --oidc-client-id are "
        "not given together, --authentication-config is combined with --oidc-* flags, or the "
        "StructuredAuthenticationConfiguration gate is off (alpha in 1.29, on from 1.30, GA in 1.34). "
        "After the next restart the control plane has no API server; until then the running "
        "configuration is not the one in the files."
    ),
    remediation=(
        "Use https issuers with at least one audience (the client id), give every claim mapping a "
        "prefix, and use either --authentication-config or the --oidc-* flags, not both."
    ),
    references=("https://kubernetes.io/docs/reference/access-authn-authz/authentication/#openid-connect-tokens",),
    provider_managed=MANAGED_ISSUERS,
)
def authenticator_config_valid(ctx: RuleContext) -> Iterator[Result]:
    """Start-up errors of the token authenticators: per API server, then per issuer."""
    for api in apiservers(ctx):
        if isinstance(api, Result):
            yield api
            continue
        config = _authn_config(ctx, api)
        oidc = oidc_flags_set(api)
        problems: list[str] = []
        if config is not None:
            gate = gate_problem(api, STRUCTURED_AUTHENTICATION, "--authentication-config")
            problems += [gate] if gate else []
            if oidc:
                problems.append(f"--authentication-config cannot be combined with {', '.join(oidc)}")
        if oidc and not api.is_set("oidc-issuer-url"):
            problems.append(f"{', '.join(oidc)} given without --oidc-issuer-url and --oidc-client-id")
        flag_evidence = config.flag.evidence() if config is not None else api.flag("oidc-issuer-url").evidence()
        if problems:
            yield ctx.fail(api.resource, f"{'; '.join(problems)}; kube-apiserver refuses to start", flag_evidence)
            continue
        if config is not None and config.doc is None:
            yield ctx.not_assessable(api.resource, f"cannot check the file: {config.reason}", flag_evidence)
            continue
        issuers = jwt_issuers(config.doc) if config is not None and config.doc is not None else []
        legacy = legacy_issuer(api)
        issuers += [legacy] if legacy is not None else []
        if not issuers:
            message = "--authentication-config is accepted" if config is not None else "no token issuer is configured"
            yield ctx.passed(api.resource, message, flag_evidence)
        for issuer in issuers:
            evidence = _issuer_evidence(issuer, "issuer", {"url": issuer.url, "audiences": list(issuer.audiences)})
            if issuer.problems:
                yield ctx.fail(
                    api.resource,
                    f"{issuer.source}: {'; '.join(issuer.problems)}; kube-apiserver refuses the configuration",
                    evidence,
                )
            else:
                yield ctx.passed(api.resource, f"issuer {issuer.url} is well-formed", evidence)


@rule(
    id="KW-AUTHN-005",
    title="Token issuer's TLS is verified against the system trust store",
    objective=Objective.AUTHENTICATION,
    severity=Severity.INFO,
    applies_to=SELF_MANAGED_PLATFORMS,
    rationale=(
        "Without issuer.certificateAuthority (or --oidc-ca-file) kube-apiserver fetches the issuer's "
        "discovery document and signing keys over TLS verified by the host's system roots, so any "
        "public CA (or one added to the control-plane image) can vouch for the IdP. For a public "
        "issuer this is expected; for a private IdP pinning its CA narrows who can impersonate it."
    ),
    remediation="Set issuer.certificateAuthority (PEM) or --oidc-ca-file to the IdP's CA for private issuers.",
    provider_managed=MANAGED_ISSUERS,
)
def issuer_ca(ctx: RuleContext) -> Iterator[Result]:
    """Informational: whether the IdP's CA is pinned."""
    for item in _issuers(ctx):
        if isinstance(item, Result):
            yield item
            continue
        api, issuers = item
        for issuer in issuers:
            field = "--oidc-ca-file" if issuer.legacy else "issuer.certificateAuthority"
            evidence = _issuer_evidence(issuer, field, issuer.has_ca)
            if issuer.has_ca:
                yield ctx.passed(api.resource, f"issuer {issuer.url}: CA pinned by {field}", evidence)
            elif issuer.multi_tenant:
                yield ctx.passed(api.resource, f"public issuer {issuer.url}: system roots are appropriate", evidence)
            else:
                yield ctx.fail(api.resource, f"issuer {issuer.url}: no {field}; the system roots are trusted", evidence)


# --- static credentials and client certificates ------------------------------------------------


@rule(
    id="KW-AUTHN-006",
    title="API server accepts static tokens from --token-auth-file",
    objective=Objective.AUTHENTICATION,
    severity=Severity.HIGH,
    cis=("1.2.2",),
    applies_to=SELF_MANAGED_PLATFORMS,
    rationale=(
        "--token-auth-file (still supported in current releases) is a CSV of bearer tokens kept in "
        "plaintext on every control-plane node and in its backups. The tokens never expire, and "
        "changing or revoking one needs an API server restart, so a leaked token (often an admin "
        "one) stays valid until someone notices."
    ),
    remediation="Remove --token-auth-file; use OIDC / JWT authenticators for people and bound tokens for workloads.",
    references=("https://kubernetes.io/docs/reference/access-authn-authz/authentication/#static-token-file",),
    provider_managed=MANAGED_AUTHN,
)
def token_auth_file(ctx: RuleContext) -> Iterator[Result]:
    """The flag must not be set."""
    for api in apiservers(ctx):
        if isinstance(api, Result):
            yield api
            continue
        setting = api.flag("token-auth-file")
        if api.is_set("token-auth-file"):
            yield ctx.fail(
                api.resource,
                f"static bearer tokens are read from {setting.value} (plaintext, no expiry)",
                setting.evidence(),
            )
        else:
            yield ctx.passed(api.resource, "no static token file", setting.evidence())


BASIC_AUTH_REMOVED = 19


@rule(
    id="KW-AUTHN-007",
    title="API server is configured with basic authentication (--basic-auth-file)",
    objective=Objective.AUTHENTICATION,
    severity=Severity.HIGH,
    applies_to=SELF_MANAGED_PLATFORMS,
    rationale=(
        "--basic-auth-file held usernames and passwords in plaintext, sent with every request. It "
        "was deprecated in 1.16 and removed in 1.19: on 1.19 and later kube-apiserver does not know "
        "the flag and refuses to start, so the manifest is broken; before 1.19 the passwords work "
        "and cannot be rotated without a restart."
    ),
    remediation="Remove --basic-auth-file; use OIDC / JWT authenticators for people.",
    provider_managed=MANAGED_AUTHN,
)
def basic_auth_file(ctx: RuleContext) -> Iterator[Result]:
    """The flag must not be set; what it means depends on the version."""
    for api in apiservers(ctx):
        if isinstance(api, Result):
            yield api
            continue
        setting = api.flag("basic-auth-file")
        if not api.is_set("basic-auth-file"):
            yield ctx.passed(api.resource, "no basic-auth file", setting.evidence())
        elif api.effective_minor >= BASIC_AUTH_REMOVED:
            yield ctx.fail(
                api.resource,
                f"--basic-auth-file was removed in 1.19; kube-apiserver{api.version_note()} refuses to start with it",
                setting.evidence(),
            )
        else:
            yield ctx.fail(
                api.resource, f"plaintext passwords are read from {setting.value} (basic auth)", setting.evidence()
            )


@rule(
    id="KW-AUTHN-008",
    title="People can only authenticate with client certificates",
    objective=Objective.AUTHENTICATION,
    severity=Severity.MEDIUM,
    cis=("3.1.1",),
    applies_to=SELF_MANAGED_PLATFORMS,
    rationale=(
        "With no JWT authenticator, no --oidc-issuer-url and no authentication webhook, people "
        "reach the cluster with client certificates (kubeadm's admin.conf and its copies). "
        "kube-apiserver has no revocation for them: a leaked certificate is valid until it expires "
        "(a year for kubeadm), and one in group system:masters cannot be limited by RBAC at all."
    ),
    remediation=(
        "Configure an OIDC identity provider (--authentication-config jwt, or the --oidc-* flags) or "
        "an authentication webhook for people, and keep client certificates for components and "
        "break-glass."
    ),
    references=("https://kubernetes.io/docs/reference/access-authn-authz/authentication/#x509-client-certificates",),
    provider_managed=(
        "EKS (IAM / access entries), GKE (Google accounts) and AKS (Entra ID) authenticate people "
        "with short-lived provider tokens; what stays yours is not handing out the client "
        "certificate credentials some of them can still issue (AKS local accounts, GKE legacy "
        "client certificates)."
    ),
)
def client_certificates_only(ctx: RuleContext) -> Iterator[Result]:
    """Passes when any token-based authenticator for people exists."""
    for api in apiservers(ctx):
        if isinstance(api, Result):
            yield api
            continue
        config = _authn_config(ctx, api)
        jwt = jwt_issuers(config.doc) if config is not None and config.doc is not None else []
        webhook = api.flag("authentication-token-webhook-config-file")
        if jwt:
            yield ctx.passed(
                api.resource,
                f"{len(jwt)} JWT authenticator(s) in --authentication-config",
                _issuer_evidence(jwt[0], "issuer.url", jwt[0].url),
            )
        elif api.is_set("oidc-issuer-url"):
            yield ctx.passed(api.resource, "OIDC tokens are accepted", api.flag("oidc-issuer-url").evidence())
        elif api.is_set("authentication-token-webhook-config-file"):
            yield ctx.passed(api.resource, "an authentication webhook verifies tokens", webhook.evidence())
        elif config is not None and config.doc is None:
            yield ctx.not_assessable(
                api.resource, f"JWT authenticators may be configured in a file: {config.reason}", config.flag.evidence()
            )
        else:
            yield ctx.fail(
                api.resource,
                "no JWT/OIDC authenticator and no authentication webhook: people use client certificates, "
                "which cannot be revoked",
                api.flag("oidc-issuer-url").evidence(
                    "not set; neither --authentication-config jwt nor --authentication-token-webhook-config-file"
                ),
            )


# --- service-account tokens ---------------------------------------------------------------------

SA_MANAGED = (
    "EKS, GKE and AKS run kube-apiserver with service-account lookup on and manage the signing keys "
    "and issuer (EKS and AKS publish it as an OIDC issuer for workload identity); what stays yours "
    "is which workloads mount tokens and what RBAC grants their service accounts."
)


@rule(
    id="KW-AUTHN-009",
    title="API server does not check that service-account tokens are still valid",
    objective=Objective.AUTHENTICATION,
    severity=Severity.MEDIUM,
    cis=("1.2.21",),
    applies_to=SELF_MANAGED_PLATFORMS,
    rationale=(
        "--service-account-lookup (default true) makes kube-apiserver check that the ServiceAccount "
        "(and, for legacy Secret-based tokens, the Secret) of a token still exists. With it off, a "
        "token keeps working after its ServiceAccount or Secret is deleted, which is how people "
        "revoke a leaked one."
    ),
    remediation="Remove --service-account-lookup=false (the default is true).",
    provider_managed=SA_MANAGED,
)
def service_account_lookup(ctx: RuleContext) -> Iterator[Result]:
    """Lookup must stay on."""
    for api in apiservers(ctx):
        if isinstance(api, Result):
            yield api
            continue
        setting = api.flag("service-account-lookup")
        if setting.value is True:
            yield ctx.passed(api.resource, "service-account tokens are checked against the API", setting.evidence())
        elif setting.value is False:
            yield ctx.fail(
                api.resource, "tokens of deleted service accounts and Secrets keep working", setting.evidence()
            )
        else:
            yield ctx.fail(
                api.resource,
                f"--service-account-lookup has an invalid value {setting.value!r}; kube-apiserver will not start",
                setting.evidence(),
            )


SA_ISSUER_REQUIRED = 20


@rule(
    id="KW-AUTHN-010",
    title="Service-account token keys or issuer are not configured",
    objective=Objective.AUTHENTICATION,
    severity=Severity.MEDIUM,
    cis=("1.2.22",),
    applies_to=SELF_MANAGED_PLATFORMS,
    rationale=(
        "Service-account tokens are signed with --service-account-signing-key-file and verified "
        "with the public keys of --service-account-key-file; without the latter kube-apiserver "
        "verifies with --tls-private-key-file, so the serving key doubles as the token key and "
        "rotating one breaks the other. Since 1.20 --service-account-issuer and "
        "--service-account-signing-key-file (or, 1.32+, --service-account-signing-endpoint) are "
        "required and kube-apiserver refuses to start without them; before 1.20 only legacy, "
        "non-expiring Secret tokens exist without them. One rule covers the three flags because "
        "they only work together."
    ),
    remediation=(
        "Set --service-account-key-file (public key), --service-account-signing-key-file (private "
        "key) and --service-account-issuer (kubeadm sets all three: /etc/kubernetes/pki/sa.pub, "
        "sa.key, https://kubernetes.default.svc.cluster.local)."
    ),
    references=("https://kubernetes.io/docs/reference/access-authn-authz/service-accounts-admin/",),
    provider_managed=SA_MANAGED,
)
def service_account_keys(ctx: RuleContext) -> Iterator[Result]:
    """All three flags must be present; the message names each one missing and what it means."""
    for api in apiservers(ctx):
        if isinstance(api, Result):
            yield api
            continue
        required = api.effective_minor >= SA_ISSUER_REQUIRED
        missing: list[tuple[str, str]] = []
        if not api.is_set("service-account-key-file"):
            missing.append(("service-account-key-file", "tokens are verified with --tls-private-key-file"))
        if not api.is_set("service-account-signing-key-file") and not api.is_set("service-account-signing-endpoint"):
            missing.append(
                (
                    "service-account-signing-key-file",
                    "required since 1.20" if required else "no bound (expiring) tokens can be issued",
                )
            )
        if not api.is_set("service-account-issuer"):
            missing.append(
                ("service-account-issuer", "required since 1.20" if required else "no bound tokens can be issued")
            )
        if not missing:
            setting = api.flag("service-account-key-file")
            yield ctx.passed(
                api.resource, f"service-account keys and issuer are set{api.version_note()}", setting.evidence()
            )
            continue
        startup = required and any(name != "service-account-key-file" for name, _ in missing)
        text = "; ".join(f"--{name} not set ({why})" for name, why in missing)
        suffix = f"; kube-apiserver{api.version_note()} refuses to start" if startup else ""
        yield ctx.fail(api.resource, text + suffix, api.flag(missing[0][0]).evidence())
