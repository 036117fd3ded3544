"""Kubeconfig credential hygiene (seed step "review kubeconfig handling"): kubeconfigs are
credentials plus routing metadata, and they end up committed to repositories, pasted into CI
variables, shared between people and left readable by everyone on a host.

The rules read ``Inventory.kubeconfigs`` (found by ``kubeward.credentials``): facts and fingerprints,
never credential values. When no kubeconfig was scanned (``kubeward scan`` without
``--kubeconfigs``), these rules give no result at all: the credential section was not asked for,
which is different from an input that could not be read.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterator

from kubeward.checks.context import RuleContext
from kubeward.checks.registry import rule
from kubeward.checks.rule import Objective, PlanStep, Severity
from kubeward.findings import Evidence, Resource, Result
from kubeward.inventory.credentials import ClusterFacts, KubeconfigRecord, UserFacts
from kubeward.inventory.provenance import Provenance

LONG_LIVED = dt.timedelta(days=365)
_SEED = "Review kubeconfig handling"


def kubeconfig_resource(record: KubeconfigRecord, entry: str = "") -> Resource:
    """The kubeconfig (or one user/cluster entry of it) as a report resource."""
    source = record.source
    name = source.describe()
    if source.document:
        name += f"#doc{source.document}"
    if entry:
        name += f"#{entry}"
    origin = source.path if source.kind != "git" else f"{source.repo}@{source.commit}:{source.path}"
    return Resource(kind="Kubeconfig", name=name, provenance=Provenance(kind="file", source=origin, line=source.line))


def _users(ctx: RuleContext) -> Iterator[tuple[KubeconfigRecord, UserFacts]]:
    for record in ctx.inventory.kubeconfigs:
        for user in record.users:
            yield record, user


def _clusters(ctx: RuleContext) -> Iterator[tuple[KubeconfigRecord, ClusterFacts]]:
    for record in ctx.inventory.kubeconfigs:
        for cluster in record.clusters:
            yield record, cluster


def _per_user(
    ctx: RuleContext,
    setting: str,
    bad: Callable[[UserFacts], str],
    good: Callable[[UserFacts], str] | None = None,
) -> Iterator[Result]:
    """Fail each user for which ``bad`` returns a message; pass the others when ``good`` says why."""
    for record, user in _users(ctx):
        resource = kubeconfig_resource(record, f"user:{user.name}")
        message = bad(user)
        if message:
            evidence = Evidence(setting=setting, value="set", source="config-file", provenance=resource.provenance)
            yield ctx.fail(resource, message, evidence)
        elif good is not None:
            text = good(user)
            if text:
                yield ctx.passed(resource, text, Evidence(setting=setting, source="config-file"))


@rule(
    id="KW-CRED-005",
    title="Kubeconfig embeds a private key",
    objective=Objective.CREDENTIAL_HYGIENE,
    severity=Severity.HIGH,
    seed_step=_SEED,
    rationale=(
        "client-key-data puts the private key of a client certificate in the file itself: whoever "
        "copies the file holds the identity until the certificate expires, and Kubernetes cannot "
        "revoke client certificates."
    ),
    remediation=(
        "Replace client certificates for people with OIDC through an exec plugin (kubelogin, cloud "
        "CLIs); for automation use short-lived service-account tokens (TokenRequest)."
    ),
    plan_step=PlanStep.STRONGER_IDENTITY,
)
def embedded_key(ctx: RuleContext) -> Iterator[Result]:
    """``client-key-data`` present."""
    yield from _per_user(
        ctx,
        "users[].user.client-key-data",
        lambda u: f"user {u.name!r} embeds a private key (fingerprint {u.embedded_key})" if u.embedded_key else "",
    )


@rule(
    id="KW-CRED-006",
    title="Client certificate in group system:masters (unrevocable cluster-admin)",
    objective=Objective.CREDENTIAL_HYGIENE,
    severity=Severity.CRITICAL,
    seed_step=_SEED,
    rationale=(
        "A client certificate with O=system:masters is cluster-admin that no RBAC binding grants and "
        "none can take away: the group bypasses authorization, and a certificate cannot be revoked "
        "before it expires. kubeadm's admin.conf is one; copies of it are break-glass credentials "
        "lying around."
    ),
    remediation=(
        "Keep admin.conf on the control-plane nodes only (kubeadm 1.29+ issues super-admin.conf for "
        "system:masters and admin.conf bound through RBAC); give people OIDC identities bound to "
        "roles, and rotate the cluster CA if a system:masters certificate leaked."
    ),
    plan_step=PlanStep.ADMIN_SPRAWL,
)
def masters_certificate(ctx: RuleContext) -> Iterator[Result]:
    """A client certificate whose subject has O=system:masters."""

    def bad(user: UserFacts) -> str:
        cert = user.client_certificate
        if cert is None or "system:masters" not in cert.groups:
            return ""
        return (
            f"user {user.name!r}: certificate CN={cert.common_name} O=system:masters (valid until "
            f"{cert.not_after or 'unknown'}, fingerprint {cert.fingerprint})"
        )

    def good(user: UserFacts) -> str:
        cert = user.client_certificate
        if cert is None:
            return ""
        groups = ",".join(cert.groups) or "none"
        return f"user {user.name!r}: certificate CN={cert.common_name}, groups {groups}"

    yield from _per_user(ctx, "users[].user.client-certificate-data", bad, good)


@rule(
    id="KW-CRED-007",
    title="Client certificate valid for more than a year",
    objective=Objective.CREDENTIAL_HYGIENE,
    severity=Severity.MEDIUM,
    seed_step=_SEED,
    rationale=(
        "Client certificates cannot be revoked: a leaked one works until it expires. Certificates "
        "valid for years (the default of many hand-made CAs) turn every copy into a long-term key."
    ),
    remediation=(
        "Issue short-lived client certificates (hours to days, e.g. through the CSR API with "
        "spec.expirationSeconds) or move to OIDC; delete expired kubeconfigs."
    ),
    plan_step=PlanStep.STRONGER_IDENTITY,
)
def certificate_lifetime(ctx: RuleContext) -> Iterator[Result]:
    """A notAfter more than a year away fails; an expired certificate is stale (pass, said so)."""
    now = dt.datetime.now(dt.UTC)
    for record, user in _users(ctx):
        cert = user.client_certificate
        if cert is None or not cert.not_after:
            continue
        resource = kubeconfig_resource(record, f"user:{user.name}")
        expiry = dt.datetime.fromisoformat(cert.not_after)
        evidence = Evidence(
            setting="users[].user.client-certificate-data notAfter", value=cert.not_after, source="config-file"
        )
        if expiry < now:
            yield ctx.passed(resource, f"certificate expired on {cert.not_after}: a stale file to delete", evidence)
        elif expiry - now > LONG_LIVED:
            yield ctx.fail(
                resource, f"certificate valid until {cert.not_after} ({(expiry - now).days} days left)", evidence
            )
        else:
            yield ctx.passed(resource, f"certificate valid until {cert.not_after}", evidence)


@rule(
    id="KW-CRED-008",
    title="Kubeconfig holds a static bearer token",
    objective=Objective.CREDENTIAL_HYGIENE,
    severity=Severity.MEDIUM,
    seed_step=_SEED,
    rationale=(
        "A token in the file is a password: anyone with the file is that identity, from anywhere the "
        "API server is reachable. Static tokens (token files, copied service-account tokens) are "
        "rarely rotated."
    ),
    remediation=(
        "Use an exec credential plugin that fetches short-lived tokens, or for automation mint "
        "bound tokens with TokenRequest (kubectl create token --duration) at run time."
    ),
    plan_step=PlanStep.STRONGER_IDENTITY,
)
def static_token(ctx: RuleContext) -> Iterator[Result]:
    """``token`` present (legacy service-account tokens are KW-CRED-009's)."""

    def bad(user: UserFacts) -> str:
        token = user.token
        if token is None or token.legacy_service_account:
            return ""
        kind = "JWT" if token.jwt else "opaque token"
        expiry = f", expires {token.expires}" if token.expires else (", no expiry claim" if token.jwt else "")
        issuer = f" issued by {token.issuer}" if token.issuer else ""
        return f"user {user.name!r}: static {kind}{issuer}{expiry} (fingerprint {token.fingerprint})"

    yield from _per_user(ctx, "users[].user.token", bad)


@rule(
    id="KW-CRED-009",
    title="Kubeconfig holds a legacy service-account token (never expires)",
    objective=Objective.CREDENTIAL_HYGIENE,
    severity=Severity.HIGH,
    seed_step=_SEED,
    rationale=(
        "Tokens of kubernetes.io/service-account-token Secrets (issuer kubernetes/serviceaccount) "
        "have no expiry: they work until the Secret is deleted. Copied into a kubeconfig for CI, "
        "they outlive every rotation policy."
    ),
    remediation=(
        "Delete the token Secret, and have the pipeline request a bound token at run time "
        "(kubectl create token, or workload identity federation from the CI system)."
    ),
    plan_step=PlanStep.STRONGER_IDENTITY,
)
def legacy_token(ctx: RuleContext) -> Iterator[Result]:
    """A JWT with issuer ``kubernetes/serviceaccount`` and no ``exp``."""

    def bad(user: UserFacts) -> str:
        token = user.token
        if token is None or not token.legacy_service_account:
            return ""
        who = token.subject or "unknown"
        return f"user {user.name!r}: legacy service-account token for {who} without expiry ({token.fingerprint})"

    yield from _per_user(ctx, "users[].user.token", bad)


@rule(
    id="KW-CRED-010",
    title="Kubeconfig uses basic authentication",
    objective=Objective.CREDENTIAL_HYGIENE,
    severity=Severity.HIGH,
    seed_step=_SEED,
    rationale=(
        "kube-apiserver removed basic authentication in 1.19: a username and password in a kubeconfig "
        "points at an old cluster or an authenticating proxy, and the password sits in clear text."
    ),
    remediation="Remove username/password; use an exec plugin (OIDC) or short-lived tokens.",
    plan_step=PlanStep.STRONGER_IDENTITY,
)
def basic_auth(ctx: RuleContext) -> Iterator[Result]:
    """``username``/``password`` present."""
    yield from _per_user(
        ctx,
        "users[].user.password",
        lambda u: f"user {u.name!r}: basic auth as {u.username!r} (fingerprint {u.basic_auth})" if u.basic_auth else "",
    )


def _per_cluster(
    ctx: RuleContext, setting: str, bad: Callable[[ClusterFacts], str], value: Callable[[ClusterFacts], object]
) -> Iterator[Result]:
    for record, cluster in _clusters(ctx):
        resource = kubeconfig_resource(record, f"cluster:{cluster.name}")
        message = bad(cluster)
        evidence = Evidence(setting=setting, value=value(cluster), source="config-file")
        if message:
            yield ctx.fail(resource, message, evidence)
        else:
            yield ctx.passed(resource, f"cluster {cluster.name!r}: {cluster.server} verified with TLS", evidence)


@rule(
    id="KW-CRED-011",
    title="Kubeconfig disables TLS verification (insecure-skip-tls-verify)",
    objective=Objective.CREDENTIAL_HYGIENE,
    severity=Severity.HIGH,
    seed_step=_SEED,
    rationale=(
        "Without server verification, whoever sits on the path can impersonate the API server and "
        "collect the credential the client sends (a token is replayable as is)."
    ),
    remediation="Set certificate-authority-data to the cluster CA and remove insecure-skip-tls-verify.",
    plan_step=PlanStep.EXPOSURE,
)
def skip_tls(ctx: RuleContext) -> Iterator[Result]:
    """``insecure-skip-tls-verify: true``."""
    yield from _per_cluster(
        ctx,
        "clusters[].cluster.insecure-skip-tls-verify",
        lambda c: (
            f"cluster {c.name!r} ({c.server}): server certificate not verified" if c.insecure_skip_tls_verify else ""
        ),
        lambda c: c.insecure_skip_tls_verify,
    )


@rule(
    id="KW-CRED-012",
    title="Kubeconfig talks to the API server over plain HTTP",
    objective=Objective.CREDENTIAL_HYGIENE,
    severity=Severity.HIGH,
    seed_step=_SEED,
    rationale=(
        "An http:// server sends credentials and every response in clear text; it usually points at "
        "the legacy insecure port or a proxy without TLS."
    ),
    remediation="Point the kubeconfig at the https:// endpoint of the API server.",
    plan_step=PlanStep.EXPOSURE,
)
def plain_http(ctx: RuleContext) -> Iterator[Result]:
    """``server: http://...``."""
    yield from _per_cluster(
        ctx,
        "clusters[].cluster.server",
        lambda c: (
            f"cluster {c.name!r}: server {c.server} is plain HTTP" if c.server.lower().startswith("http://") else ""
        ),
        lambda c: c.server,
    )


@rule(
    id="KW-CRED-013",
    title="Legacy auth-provider block stores refresh tokens or client secrets",
    objective=Objective.CREDENTIAL_HYGIENE,
    severity=Severity.HIGH,
    seed_step=_SEED,
    rationale=(
        "The in-tree auth-provider plugins (oidc, gcp, azure) were removed from kubectl in 1.26. "
        "Their kubeconfig blocks keep a refresh token, an id-token and often the OIDC client secret "
        "in the file: a long-lived way to mint new tokens."
    ),
    remediation=(
        "Switch to an exec plugin (kubelogin for OIDC, gke-gcloud-auth-plugin, Azure kubelogin) and "
        "revoke the stored refresh token at the identity provider."
    ),
    plan_step=PlanStep.STRONGER_IDENTITY,
)
def auth_provider(ctx: RuleContext) -> Iterator[Result]:
    """An ``auth-provider`` block with secret-holding keys."""

    def bad(user: UserFacts) -> str:
        if not user.auth_provider:
            return ""
        held = ", ".join(user.auth_provider_secrets) or "no stored secrets"
        return f"user {user.name!r}: legacy auth-provider {user.auth_provider!r} ({held})"

    yield from _per_user(ctx, "users[].user.auth-provider", bad)


@rule(
    id="KW-CRED-014",
    title="Kubeconfig stores a credential instead of using an exec plugin",
    objective=Objective.CREDENTIAL_HYGIENE,
    severity=Severity.LOW,
    seed_step=_SEED,
    rationale=(
        "An exec credential plugin (client.authentication.k8s.io) obtains short-lived credentials "
        "when needed, so the file itself holds nothing worth stealing. That is the pattern to move "
        "to; every stored token, key or password is a credential at rest."
    ),
    remediation=(
        "Use the exec plugin of your identity provider or cloud (kubelogin, aws eks get-token, "
        "gke-gcloud-auth-plugin). kubeward never runs exec commands of scanned files."
    ),
    plan_step=PlanStep.STRONGER_IDENTITY,
)
def exec_plugin(ctx: RuleContext) -> Iterator[Result]:
    """Exec users pass; users with stored credentials fail."""

    def bad(user: UserFacts) -> str:
        if user.exec_command or not user.stored_credential:
            return ""
        return f"user {user.name!r} authenticates with a credential stored in (or next to) the file"

    def good(user: UserFacts) -> str:
        if user.exec_command:
            return f"user {user.name!r}: exec plugin {user.exec_command!r} ({user.exec_api_version or 'no apiVersion'})"
        return ""

    yield from _per_user(ctx, "users[].user.exec", bad, good)


@rule(
    id="KW-CRED-015",
    title="Kubeconfig file readable by others (mode wider than 0600)",
    objective=Objective.CREDENTIAL_HYGIENE,
    severity=Severity.MEDIUM,
    seed_step=_SEED,
    rationale=(
        "A kubeconfig holding a credential must be readable by its owner only; group or world "
        "read access hands the credential to every account on the host (CIS 4.1.x asks 600 for "
        "the node kubeconfigs)."
    ),
    remediation="chmod 600 the file (and keep it out of shared folders).",
    cis=("1.1.13", "4.1.5"),
    plan_step=PlanStep.STRONGER_IDENTITY,
)
def file_mode(ctx: RuleContext) -> Iterator[Result]:
    """Files on disk with permission bits beyond 0600 (only files holding a stored credential)."""
    for record in ctx.inventory.kubeconfigs:
        source = record.source
        if source.kind != "file" or source.mode is None:
            continue
        if not any(user.stored_credential for user in record.users):
            continue
        resource = kubeconfig_resource(record)
        evidence = Evidence(setting="file mode", value=f"{source.mode:04o}", source="derived")
        if source.mode & ~0o600 & 0o7777:
            yield ctx.fail(resource, f"mode {source.mode:04o} is wider than 0600", evidence)
        else:
            yield ctx.passed(resource, f"mode {source.mode:04o}", evidence)


@rule(
    id="KW-CRED-016",
    title="Same credential reused across kubeconfigs or contexts",
    objective=Objective.CREDENTIAL_HYGIENE,
    severity=Severity.MEDIUM,
    seed_step=_SEED,
    rationale=(
        "A credential shared between people, machines or contexts cannot be attributed in the audit "
        "log and cannot be revoked for one holder without breaking the others."
    ),
    remediation="Give each person and each pipeline its own identity; rotate the shared credential.",
    plan_step=PlanStep.STRONGER_IDENTITY,
)
def reused(ctx: RuleContext) -> Iterator[Result]:
    """A fingerprint found under more than one (file, user) — history versions of one file count once."""
    holders: dict[str, set[tuple[str, str]]] = defaultdict(set)
    where: dict[str, list[tuple[KubeconfigRecord, UserFacts]]] = defaultdict(list)
    for record, user in _users(ctx):
        location = f"{record.source.repo}:{record.source.path}" if record.source.repo else record.source.path
        for fp in user.fingerprints():
            holders[fp].add((location, user.name))
            where[fp].append((record, user))
    reported: set[tuple[str, str]] = set()
    for fp, places in holders.items():
        if len(places) < 2:
            continue
        for record, user in where[fp]:
            resource = kubeconfig_resource(record, f"user:{user.name}")
            if (resource.name, fp) in reported:
                continue
            reported.add((resource.name, fp))
            others = sorted(
                f"{path} (user {name})" for path, name in places if name != user.name or path not in resource.name
            )
            yield ctx.fail(
                resource,
                f"credential {fp} is also in: {', '.join(others[:5])}{' ...' if len(others) > 5 else ''}",
                Evidence(setting="credential fingerprint", value=fp, source="derived"),
            )


@rule(
    id="KW-CRED-017",
    title="Kubeconfig committed to a git repository",
    objective=Objective.CREDENTIAL_HYGIENE,
    severity=Severity.HIGH,
    seed_step=_SEED,
    rationale=(
        "A kubeconfig in a repository is in every clone, fork and CI cache, and deleting it later "
        "does not remove it from history."
    ),
    remediation=(
        "Revoke or rotate the credentials it holds first; then remove the file and purge it from "
        "history (git filter-repo) and keep kubeconfigs out of repositories (.gitignore, secret "
        "scanning in CI)."
    ),
    plan_step=PlanStep.STRONGER_IDENTITY,
)
def committed(ctx: RuleContext) -> Iterator[Result]:
    """Tracked files and blobs found only in history."""
    for record in ctx.inventory.kubeconfigs:
        source = record.source
        if not (source.kind == "git" or source.tracked):
            continue
        if not any(user.stored_credential for user in record.users):
            continue
        resource = kubeconfig_resource(record)
        if source.kind == "git":
            removed = f", deleted in {source.removed_in[:12]} but still in history" if source.removed_in else ""
            message = f"in the history of {source.repo}: added in commit {source.commit[:12]}{removed}"
        else:
            message = f"{source.path} is tracked by git"
        yield ctx.fail(resource, message, Evidence(setting="git", value=source.commit or "tracked", source="derived"))


@rule(
    id="KW-CRED-018",
    title="Kubeconfig embedded (base64) in another file",
    objective=Objective.CREDENTIAL_HYGIENE,
    severity=Severity.HIGH,
    seed_step=_SEED,
    rationale=(
        "CI definitions often carry a whole kubeconfig as a base64 variable: it is a credential in "
        "clear text to anyone who can read the pipeline file or its logs."
    ),
    remediation=(
        "Remove it, rotate what it held, and let the pipeline obtain credentials at run time "
        "(OIDC workload identity federation, or a masked protected variable at the very least)."
    ),
    plan_step=PlanStep.STRONGER_IDENTITY,
)
def embedded(ctx: RuleContext) -> Iterator[Result]:
    """Kubeconfigs decoded from base64 runs inside other files."""
    for record in ctx.inventory.kubeconfigs:
        if record.source.line is None or record.source.document:
            continue
        if record.source.kind not in ("embedded", "git"):
            continue
        resource = kubeconfig_resource(record)
        yield ctx.fail(
            resource,
            f"base64-encoded kubeconfig at {record.source.describe()}",
            Evidence(setting="base64", source="derived", provenance=resource.provenance),
        )


@rule(
    id="KW-CRED-019",
    title="Kubeconfig context can write where read-only access may do",
    objective=Objective.CREDENTIAL_HYGIENE,
    severity=Severity.LOW,
    seed_step=_SEED,
    rationale=(
        "Contexts used to look (dashboards, diffs, audits, on-call laptops) rarely need write verbs; "
        "a credential that can write turns a leaked file into a cluster change. Measured with a "
        "SelfSubjectRulesReview made with the credential itself, when the cluster was reachable and "
        "the scan was asked to (kubeward kubeconfig scan --check-access)."
    ),
    remediation="Bind read-only contexts to the view ClusterRole and keep write access on a separate identity.",
    plan_step=PlanStep.ADMIN_SPRAWL,
)
def write_power(ctx: RuleContext) -> Iterator[Result]:
    """Access facts with write verbs fail; read-only passes; unknown is not assessable."""
    for record in ctx.inventory.kubeconfigs:
        for access in record.access:
            resource = kubeconfig_resource(record, f"context:{access.context}")
            evidence = Evidence(
                setting="SelfSubjectRulesReview", value=access.level, source="probe", detail=access.detail
            )
            if access.level == "write":
                verbs = ", ".join(access.write_verbs)
                yield ctx.fail(
                    resource,
                    f"context {access.context!r} can write in namespace {access.namespace} ({verbs})",
                    evidence,
                )
            elif access.level in ("read-only", "none"):
                yield ctx.passed(
                    resource, f"context {access.context!r} is {access.level} in {access.namespace}", evidence
                )
            else:
                yield ctx.not_assessable(resource, f"context {access.context!r}: {access.detail}", evidence)
