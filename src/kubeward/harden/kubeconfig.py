"""Kubeconfigs for people that hold no credential: OIDC through the ``kubectl oidc-login`` exec plugin.

The user entry runs ``kubectl oidc-login get-token`` (int128/kubelogin) through the
``client.authentication.k8s.io/v1`` exec API: kubectl asks the plugin for a short-lived ID token, the
plugin opens the browser when it has no valid cached token (``interactiveMode: IfAvailable``), and the
file holds neither a token nor a key — nothing to steal, nothing to rotate. The cluster's CA is
embedded (``certificate-authority-data``) so the file works anywhere; ``provideClusterInfo`` stays
false (the plugin needs nothing from the cluster entry).

Read-only variant (``read_only=True``): a context and user named ``<cluster>-read-only`` and a
ClusterRoleBinding of the IdP's viewers group (with the API server's groups prefix) to ``view``.
The kubeconfig cannot make anyone read-only by itself — a token is a token — so "read-only" is the
IdP group membership plus that binding: hand this file to people who are only in the viewers group.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from cryptography import x509

from kubeward.harden._access import RBAC_API_VERSION, RBAC_GROUP, HardenInputError, labels, slug
from kubeward.kube.kubeconfig import KubeconfigError, load_kubeconfig

EXEC_API_VERSION = "client.authentication.k8s.io/v1"
DEFAULT_SCOPES = ("email", "groups")
DEFAULT_VIEWERS_GROUP = "kubernetes-viewers"
INSTALL_HINT = (
    "kubectl oidc-login is needed to log in: install it with 'kubectl krew install oidc-login' "
    "(https://github.com/int128/kubelogin)"
)


@dataclass(frozen=True)
class ClusterSource:
    """Where the API server and its CA come from."""

    server: str
    ca_pem: bytes


def _check_server(server: str, where: str) -> str:
    parsed = urlparse(server)
    if parsed.scheme != "https" or not parsed.hostname:
        raise HardenInputError(f"{where} {server!r}: the API server URL must be https://HOST[:PORT]")
    return server.rstrip("/")


def _check_ca(data: bytes, where: str) -> bytes:
    try:
        certificates = x509.load_pem_x509_certificates(data)
    except ValueError as exc:
        raise HardenInputError(f"{where}: not a PEM certificate: {exc}") from exc
    if not certificates:
        raise HardenInputError(f"{where}: no certificate found")
    return data


def cluster_from_flags(server: str, ca_file: Path) -> ClusterSource:
    """``--server`` and ``--certificate-authority``."""
    try:
        data = ca_file.read_bytes()
    except OSError as exc:
        raise HardenInputError(f"--certificate-authority {ca_file}: cannot read: {exc.strerror or exc}") from exc
    return ClusterSource(_check_server(server, "--server"), _check_ca(data, f"--certificate-authority {ca_file}"))


def cluster_from_kubeconfig(path: Path, context: str | None, server: str | None = None) -> ClusterSource:
    """The server and CA of a context of an existing kubeconfig (read as data, nothing executed)."""
    where = f"--from-kubeconfig {path}"
    try:
        config = load_kubeconfig([str(path)], explicit=True)
    except KubeconfigError as exc:
        raise HardenInputError(f"{where}: {exc}") from exc
    name = context or config.current_context
    if not name:
        raise HardenInputError(f"{where}: no current-context; name one with --context")
    entry = config.contexts.get(name)
    if entry is None:
        raise HardenInputError(
            f"{where}: no context {name!r} (contexts: {', '.join(sorted(config.contexts)) or 'none'})"
        )
    cluster = config.clusters.get(entry.cluster)
    if cluster is None:
        raise HardenInputError(f"{where}: context {name!r} names cluster {entry.cluster!r}, which is not defined")
    if cluster.insecure_skip_tls_verify and not (cluster.certificate_authority_data or cluster.certificate_authority):
        raise HardenInputError(f"{where}: cluster {entry.cluster!r} skips TLS verification and has no CA to embed")
    data = cluster.certificate_authority_data
    if not data and cluster.certificate_authority:
        try:
            data = Path(cluster.certificate_authority).read_bytes()
        except OSError as exc:
            raise HardenInputError(
                f"{where}: certificate-authority {cluster.certificate_authority}: {exc.strerror}"
            ) from exc
    if not data:
        raise HardenInputError(f"{where}: cluster {entry.cluster!r} has no certificate authority to embed")
    url = server or cluster.server
    return ClusterSource(_check_server(url, where if not server else "--server"), _check_ca(data, where))


def _exec_user(issuer_url: str, client_id: str, scopes: tuple[str, ...], extra_args: tuple[str, ...]) -> dict[str, Any]:
    args = ["oidc-login", "get-token", f"--oidc-issuer-url={issuer_url}", f"--oidc-client-id={client_id}"]
    args += [f"--oidc-extra-scope={scope}" for scope in scopes]
    args += list(extra_args)
    return {
        "exec": {
            "apiVersion": EXEC_API_VERSION,
            "command": "kubectl",
            "args": args,
            "installHint": INSTALL_HINT,
            "interactiveMode": "IfAvailable",
            "provideClusterInfo": False,
        }
    }


def oidc_kubeconfig(
    cluster_name: str,
    source: ClusterSource,
    *,
    issuer_url: str,
    client_id: str,
    scopes: tuple[str, ...] = DEFAULT_SCOPES,
    namespace: str = "",
    read_only: bool = False,
) -> dict[str, Any]:
    """A v1 Config with one cluster, one OIDC exec user and one context."""
    parsed = urlparse(issuer_url)
    if parsed.scheme != "https" or not parsed.hostname:
        raise HardenInputError(f"--issuer-url {issuer_url!r}: the issuer must be an https URL")
    if not client_id:
        raise HardenInputError("--client-id: empty")
    if not cluster_name or any(c.isspace() for c in cluster_name):
        raise HardenInputError(f"--cluster {cluster_name!r}: give a name without spaces")
    suffix = "-read-only" if read_only else ""
    user = f"oidc{suffix}@{cluster_name}"
    context_name = f"{cluster_name}{suffix}"
    extra: tuple[str, ...] = ()
    if read_only:
        # A separate token cache, so the viewer login never reuses a token obtained for another context.
        extra = ("--token-cache-dir=~/.kube/cache/oidc-login/read-only",)
    context: dict[str, Any] = {"cluster": cluster_name, "user": user}
    if namespace:
        context["namespace"] = namespace
    return {
        "apiVersion": "v1",
        "kind": "Config",
        "preferences": {},
        "clusters": [
            {
                "name": cluster_name,
                "cluster": {
                    "server": source.server,
                    "certificate-authority-data": base64.b64encode(source.ca_pem).decode(),
                },
            }
        ],
        "users": [{"name": user, "user": _exec_user(issuer_url, client_id, scopes, extra)}],
        "contexts": [{"name": context_name, "context": context}],
        "current-context": context_name,
    }


def viewers_binding(group: str, prefix: str) -> dict[str, Any]:
    """The ClusterRoleBinding that makes the read-only kubeconfig read-only: the viewers group to ``view``."""
    name = group if prefix and group.startswith(prefix) else f"{prefix}{group}"
    if name.startswith("system:"):
        raise HardenInputError(f"--viewers-group {name!r}: system: groups are Kubernetes' own, not the IdP's")
    return {
        "apiVersion": RBAC_API_VERSION,
        "kind": "ClusterRoleBinding",
        "metadata": {"name": f"oidc-{slug(group)}-view", "labels": labels()},
        "roleRef": {"apiGroup": RBAC_GROUP, "kind": "ClusterRole", "name": "view"},
        "subjects": [{"apiGroup": RBAC_GROUP, "kind": "Group", "name": name}],
    }
