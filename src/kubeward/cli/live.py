"""Glue between the CLI's kubectl flags and live collection.

Imported only by commands that talk to a cluster, so offline scans do not load the HTTP stack.
"""

from kubeward.cli.errors import LiveError
from kubeward.cli.options import KubeFlags
from kubeward.collect.live import collect_live
from kubeward.inventory.builder import Sink
from kubeward.inventory.model import Target
from kubeward.kube.client import ConnectionFailed, KubeClient, KubeError, Unauthorized
from kubeward.kube.kubeconfig import ConnectionOptions, KubeconfigError, parse_duration, resolve_connection


def connection_options(kube: KubeFlags) -> ConnectionOptions:
    """Map the CLI's flags onto the client's options."""
    try:
        timeout = parse_duration(kube.request_timeout) if kube.request_timeout else None
    except ValueError as exc:
        raise LiveError(f"--request-timeout: {exc}") from exc
    return ConnectionOptions(
        kubeconfig=kube.kubeconfig,
        context=kube.context,
        cluster=kube.cluster,
        user=kube.user,
        server=kube.server,
        token=kube.token,
        certificate_authority=kube.certificate_authority,
        client_certificate=kube.client_certificate,
        client_key=kube.client_key,
        insecure_skip_tls_verify=kube.insecure_skip_tls_verify or None,
        tls_server_name=kube.tls_server_name,
        namespace=kube.namespace,
        impersonate=kube.as_user,
        impersonate_groups=kube.as_groups,
        request_timeout=timeout,
        chunk_size=kube.chunk_size,
    )


def live_target(kube: KubeFlags) -> Target:
    """The scan target of a live scan (context and server), resolved without contacting the cluster."""
    try:
        connection = resolve_connection(connection_options(kube))
    except KubeconfigError as exc:
        raise LiveError(str(exc)) from exc
    return Target(kind="live", name=connection.display_name, server=connection.server, context=connection.context_name)


def collect_live_into(kube: KubeFlags, sink: Sink) -> None:
    """Collect the live cluster into ``sink``; unreachable clusters raise LiveError."""
    try:
        connection = resolve_connection(connection_options(kube))
        client = KubeClient(connection)
    except KubeconfigError as exc:
        raise LiveError(str(exc)) from exc
    try:
        collect_live(client, sink, chunk_size=kube.chunk_size)
    except ConnectionFailed as exc:
        raise LiveError(f"cannot reach {connection.server}: {exc}") from exc
    except Unauthorized as exc:
        raise LiveError(
            f"{connection.server} rejected the credentials of context {connection.display_name}: {exc}"
        ) from exc
    except KubeError as exc:
        raise LiveError(str(exc)) from exc
    finally:
        client.close()
