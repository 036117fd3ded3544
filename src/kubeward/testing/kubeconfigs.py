"""A corpus of kubeconfigs that shows every credential-hygiene finding, for tests, the demo and
the benchmark.

Every secret in it is generated here (keys, tokens, passwords): nothing is a real credential. The
legacy service-account token is a JWT with the claims of a pre-1.24 Secret-based token and a fake
signature — kubeward decodes JWTs without verifying them, so a fake signature is enough.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

SERVER = "https://kube.example.internal:6443"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def client_certificate(common_name: str, groups: tuple[str, ...] = (), days: int = 3650) -> tuple[bytes, bytes]:
    """A self-signed client certificate and its key (PEM), CN=user, O=groups."""
    key = ec.generate_private_key(ec.SECP256R1())
    attrs = [x509.NameAttribute(NameOID.ORGANIZATION_NAME, g) for g in groups]
    attrs.append(x509.NameAttribute(NameOID.COMMON_NAME, common_name))
    name = x509.Name(attrs)
    issuer = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "kubernetes")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=days))
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()
    )
    return cert.public_bytes(serialization.Encoding.PEM), key_pem


def legacy_sa_token(namespace: str = "ci", name: str = "deployer") -> str:
    """A JWT shaped like a pre-1.24 Secret-based service-account token: no ``exp``, fake signature."""
    header = {"alg": "RS256", "kid": secrets.token_hex(8)}
    claims = {
        "iss": "kubernetes/serviceaccount",
        "kubernetes.io/serviceaccount/namespace": namespace,
        "kubernetes.io/serviceaccount/secret.name": f"{name}-token-{secrets.token_hex(3)}",
        "kubernetes.io/serviceaccount/service-account.name": name,
        "kubernetes.io/serviceaccount/service-account.uid": "5f6c2a1e-0000-4000-8000-000000000001",
        "sub": f"system:serviceaccount:{namespace}:{name}",
    }
    signature = _b64url(secrets.token_bytes(64))
    return f"{_b64url(json.dumps(header).encode())}.{_b64url(json.dumps(claims).encode())}.{signature}"


def kubeconfig(
    *,
    user: dict[str, object],
    server: str = SERVER,
    cluster: dict[str, object] | None = None,
    name: str = "prod",
    user_name: str = "",
) -> str:
    """A one-context kubeconfig as JSON-compatible YAML (YAML is a superset of JSON)."""
    cluster_body: dict[str, object] = {"server": server}
    if cluster is None:
        cluster_body["certificate-authority-data"] = _b64(
            b"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
        )
    else:
        cluster_body.update(cluster)
    who = user_name or f"{name}-user"
    doc: dict[str, object] = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": name, "cluster": cluster_body}],
        "users": [{"name": who, "user": user}],
        "contexts": [{"name": name, "context": {"cluster": name, "user": who}}],
        "current-context": name,
    }
    return _to_yaml(doc)


def _to_yaml(doc: dict[str, object]) -> str:
    import yaml

    return yaml.safe_dump(doc, sort_keys=False, width=10_000)


@dataclass
class Corpus:
    """The files written and every secret string they contain (for no-leak assertions)."""

    root: Path
    files: dict[str, Path] = field(default_factory=dict)
    secrets: list[str] = field(default_factory=list)


def write_corpus(root: Path, *, malformed: bool = True) -> Corpus:
    """Write one kubeconfig per finding under ``root`` (see the module docstring); ``malformed`` adds
    a broken kubeconfig (an input error: the demo leaves it out so its scan is complete).
    """
    root.mkdir(parents=True, exist_ok=True)
    corpus = Corpus(root)

    def put(rel: str, text: str) -> None:
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        corpus.files[rel] = path

    cert, key = client_certificate("kubernetes-admin", ("system:masters",))
    corpus.secrets.append(_b64(key))
    corpus.secrets.append(key.decode().splitlines()[1])
    put(
        "admin-masters.conf",
        kubeconfig(
            user={"client-certificate-data": _b64(cert), "client-key-data": _b64(key)},
            name="prod-admin",
            user_name="kubernetes-admin",
        ),
    )

    legacy = legacy_sa_token()
    corpus.secrets.append(legacy)
    put("ci/deployer-kubeconfig", kubeconfig(user={"token": legacy}, name="ci"))

    password = secrets.token_urlsafe(16)
    corpus.secrets.append(password)
    put(
        "old/basic-auth.yaml",
        kubeconfig(
            user={"username": "admin", "password": password},
            cluster={"insecure-skip-tls-verify": True},
            name="legacy",
        ),
    )

    static = secrets.token_hex(24)
    corpus.secrets.append(static)
    put("dev/plain-http.yaml", kubeconfig(user={"token": static}, server="http://10.0.0.5:8080", name="dev"))

    refresh, client_secret = secrets.token_urlsafe(24), secrets.token_urlsafe(18)
    corpus.secrets += [refresh, client_secret]
    put(
        "sso/oidc-auth-provider.yaml",
        kubeconfig(
            user={
                "auth-provider": {
                    "name": "oidc",
                    "config": {
                        "idp-issuer-url": "https://sso.example.com",
                        "client-id": "kubernetes",
                        "client-secret": client_secret,
                        "refresh-token": refresh,
                    },
                }
            },
            name="sso",
        ),
    )

    put(
        "cloud/eks-exec.yaml",
        kubeconfig(
            user={
                "exec": {
                    "apiVersion": "client.authentication.k8s.io/v1beta1",
                    "command": "aws",
                    "args": ["eks", "get-token", "--cluster-name", "prod"],
                }
            },
            server="https://ABCDEF.gr7.eu-west-1.eks.amazonaws.com",
            name="eks-prod",
        ),
    )

    shared = secrets.token_hex(24)
    corpus.secrets.append(shared)
    put("teams/team-a.yaml", kubeconfig(user={"token": shared}, name="staging", user_name="team-a"))
    put("teams/team-b.yaml", kubeconfig(user={"token": shared}, name="staging", user_name="team-b"))

    ci_token = secrets.token_hex(24)
    corpus.secrets.append(ci_token)
    embedded = base64.b64encode(kubeconfig(user={"token": ci_token}, name="ci-deploy").encode()).decode()
    corpus.secrets.append(embedded[40:80])
    put(
        ".gitlab-ci.yml",
        "variables:\n"
        f"  KUBECONFIG_B64: {embedded}\n"
        "deploy:\n"
        "  script:\n"
        '    - echo "$KUBECONFIG_B64" | base64 -d > kubeconfig\n'
        "    - kubectl --kubeconfig kubeconfig apply -f k8s/\n",
    )

    if malformed:
        put("broken/kubeconfig.yaml", "apiVersion: v1\nkind: Config\nclusters:\n  - name: x\n    cluster: [unclosed\n")
    return corpus
