"""From a kubeconfig's text to ``KubeconfigRecord``: facts and fingerprints, no credential values.

Parsing reuses ``kubeward.kube.kubeconfig.parse_kubeconfig`` (the same reader the live client uses,
so a file kubeward judges is read the way kubectl reads it). Credential values stay inside
``Secret`` wrappers until they are fingerprinted here; only names, servers, certificate subjects,
JWT claims and fingerprints leave this module.
"""

import datetime as dt
import os

from cryptography import x509
from cryptography.x509.oid import NameOID

from kubeward.credentials.fingerprint import fingerprint, token_facts
from kubeward.inventory.credentials import (
    AccessFacts,
    CertificateFacts,
    ClusterFacts,
    ContextFacts,
    KubeconfigRecord,
    KubeconfigSource,
    UserFacts,
)
from kubeward.kube.kubeconfig import Kubeconfig, UserEntry, parse_kubeconfig

# auth-provider config keys that hold a credential (oidc, gcp, azure in-tree plugins).
AUTH_PROVIDER_SECRET_KEYS = frozenset(
    {"refresh-token", "client-secret", "id-token", "access-token", "access_token", "refresh_token"}
)


def certificate_facts(pem: bytes) -> CertificateFacts:
    """Subject, groups (O), issuer and validity of a PEM (or DER) client certificate."""
    try:
        cert = x509.load_pem_x509_certificate(pem) if b"-----BEGIN" in pem else x509.load_der_x509_certificate(pem)
    except ValueError:
        return CertificateFacts(fingerprint=fingerprint(pem), subject="(unparseable certificate)")
    from cryptography.hazmat.primitives import serialization

    der = cert.public_bytes(serialization.Encoding.DER)
    subject = cert.subject
    common_names = [str(a.value) for a in subject.get_attributes_for_oid(NameOID.COMMON_NAME)]
    groups = tuple(str(a.value) for a in subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME))
    return CertificateFacts(
        fingerprint=fingerprint(der),
        subject=subject.rfc4514_string(),
        common_name=common_names[0] if common_names else "",
        groups=groups,
        issuer=cert.issuer.rfc4514_string(),
        not_before=cert.not_valid_before_utc.isoformat(timespec="seconds"),
        not_after=cert.not_valid_after_utc.isoformat(timespec="seconds"),
        self_signed=cert.issuer == cert.subject,
    )


def _user_facts(name: str, user: UserEntry) -> UserFacts:
    cert = None
    if user.client_certificate_data:
        cert = certificate_facts(user.client_certificate_data.reveal())
    token = token_facts(user.token.text()) if user.token else None
    basic = ""
    if user.username or user.password:
        secret = user.password.reveal() if user.password else b""
        basic = fingerprint(user.username.encode() + b":" + secret)
    provider_secrets: tuple[str, ...] = ()
    provider = ""
    if user.auth_provider is not None:
        provider = user.auth_provider.name or "(unnamed)"
        provider_secrets = tuple(
            sorted(
                key for key, value in user.auth_provider.config.items() if key in AUTH_PROVIDER_SECRET_KEYS and value
            )
        )
    return UserFacts(
        name=name,
        client_certificate=cert,
        client_certificate_file=user.client_certificate,
        embedded_key=fingerprint(user.client_key_data.reveal()) if user.client_key_data else "",
        client_key_file=user.client_key,
        token=token,
        token_file=user.token_file,
        basic_auth=basic,
        username=user.username,
        auth_provider=provider,
        auth_provider_secrets=provider_secrets,
        exec_command=os.path.basename(user.exec.command) if user.exec else "",
        exec_api_version=user.exec.api_version if user.exec else "",
    )


def record_from(config: Kubeconfig, source: KubeconfigSource, access: tuple[AccessFacts, ...] = ()) -> KubeconfigRecord:
    """Facts of one parsed kubeconfig."""
    return KubeconfigRecord(
        source=source,
        clusters=tuple(
            ClusterFacts(
                name=name,
                server=c.server,
                insecure_skip_tls_verify=c.insecure_skip_tls_verify,
                has_ca=bool(c.certificate_authority or c.certificate_authority_data),
            )
            for name, c in config.clusters.items()
        ),
        users=tuple(_user_facts(name, u) for name, u in config.users.items()),
        contexts=tuple(
            ContextFacts(name=name, cluster=c.cluster, user=c.user, namespace=c.namespace)
            for name, c in config.contexts.items()
        ),
        current_context=config.current_context,
        access=access,
    )


def parse_config(text: bytes, source: KubeconfigSource) -> Kubeconfig:
    """Parse ``text`` (one kubeconfig document); raises ``KubeconfigError`` when malformed.

    The origin only serves to resolve relative paths, which are named in findings but never read.
    """
    return parse_kubeconfig(text, source.path if source.kind == "file" else os.path.join(os.sep, source.path))


def parse_record(text: bytes, source: KubeconfigSource) -> KubeconfigRecord:
    """Parse ``text`` into a record; raises ``KubeconfigError`` when malformed."""
    return record_from(parse_config(text, source), source)


def now_utc() -> dt.datetime:
    """The current time (a seam for tests)."""
    return dt.datetime.now(dt.UTC)
