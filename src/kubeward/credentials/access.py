"""What a kubeconfig context's credential may do: one SelfSubjectRulesReview made with it (opt-in).

``kubeward kubeconfig scan --check-access`` asks the cluster, with the credential the context holds,
which verbs it has in the context's namespace: ``kubectl auth can-i --list``. It is the only
request it makes, and it makes it only when it is safe to: the credential is embedded in the file
(token, basic auth or client certificate data — referenced files are never read and exec plugins and
auth-provider blocks are never run), the server is ``https://`` and its certificate is verified.
"""

import datetime as dt
from collections.abc import Mapping

import httpx2
import msgspec

from kubeward.inventory.credentials import AccessFacts
from kubeward.kube.auth import Authenticator
from kubeward.kube.kubeconfig import ConnectionOptions, Kubeconfig, KubeconfigError, resolve_connection

WRITE_VERBS = frozenset({"create", "update", "patch", "delete", "deletecollection", "*"})
SSRR_PATH = "/apis/authorization.k8s.io/v1/selfsubjectrulesreviews"


class _Rule(msgspec.Struct, frozen=True):
    verbs: tuple[str, ...] = ()
    resources: tuple[str, ...] = ()


class _Status(msgspec.Struct, frozen=True):
    resourceRules: tuple[_Rule, ...] = ()
    incomplete: bool = False


class _Review(msgspec.Struct, frozen=True):
    status: _Status = _Status()


def _skip(context: str, namespace: str, why: str) -> AccessFacts:
    return AccessFacts(context=context, namespace=namespace, level="unknown", detail=f"not checked: {why}")


def check_access(path: str, config: Kubeconfig, timeout: float = 10.0) -> tuple[AccessFacts, ...]:
    """One AccessFacts per context of the kubeconfig file at ``path``."""
    found: list[AccessFacts] = []
    for name, context in config.contexts.items():
        namespace = context.namespace or "default"
        user = config.users.get(context.user)
        cluster = config.clusters.get(context.cluster)
        if user is None or cluster is None:
            found.append(_skip(name, namespace, "the context names a missing user or cluster"))
            continue
        if user.exec is not None or user.auth_provider is not None:
            found.append(_skip(name, namespace, "exec plugins and auth-provider blocks are never run"))
            continue
        if user.token_file or user.client_certificate or user.client_key:
            found.append(_skip(name, namespace, "the credential is in a referenced file, which is never read"))
            continue
        if not (user.token or user.password or user.client_certificate_data):
            found.append(_skip(name, namespace, "no embedded credential"))
            continue
        if not cluster.server.lower().startswith("https://"):
            found.append(_skip(name, namespace, "credentials are never sent over plain HTTP"))
            continue
        if cluster.insecure_skip_tls_verify:
            found.append(_skip(name, namespace, "the kubeconfig disables TLS verification"))
            continue
        found.append(_review(path, name, namespace, timeout))
    return tuple(found)


def _review(path: str, context: str, namespace: str, timeout: float) -> AccessFacts:
    try:
        connection = resolve_connection(
            ConnectionOptions(kubeconfig=path, context=context, request_timeout=timeout), env={}
        )
        auth = Authenticator(connection)
        ssl_context, _ = auth.ssl_context()
        headers: Mapping[str, str] = auth.credentials().headers
    except KubeconfigError as exc:
        return _skip(context, namespace, f"unusable: {exc}")
    body = {
        "apiVersion": "authorization.k8s.io/v1",
        "kind": "SelfSubjectRulesReview",
        "spec": {"namespace": namespace},
    }
    url = connection.server.rstrip("/") + SSRR_PATH
    try:
        with httpx2.Client(verify=ssl_context, timeout=timeout, trust_env=False) as client:
            response = client.post(
                url, content=msgspec.json.encode(body), headers={**headers, "Content-Type": "application/json"}
            )
    except httpx2.HTTPError as exc:
        return _skip(context, namespace, f"cluster not reachable ({type(exc).__name__})")
    if response.status_code in (401, 403):
        return AccessFacts(
            context=context,
            namespace=namespace,
            level="none",
            detail=f"HTTP {response.status_code}: credential refused",
        )
    if response.status_code >= 300:
        return _skip(context, namespace, f"HTTP {response.status_code}")
    try:
        review = msgspec.json.decode(response.content, type=_Review)
    except msgspec.DecodeError:
        return _skip(context, namespace, "unreadable SelfSubjectRulesReview answer")
    writes = sorted(
        {
            f"{verb} {','.join(rule.resources) or '*'}"
            for rule in review.status.resourceRules
            for verb in rule.verbs
            if verb in WRITE_VERBS
        }
    )
    checked = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    detail = f"SelfSubjectRulesReview at {checked}" + (" (incomplete)" if review.status.incomplete else "")
    return AccessFacts(
        context=context,
        namespace=namespace,
        level="write" if writes else "read-only",
        write_verbs=tuple(writes[:10]),
        detail=detail,
    )
