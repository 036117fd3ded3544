"""Options shared by commands: kubectl's global flags (same names, same meaning) and scan inputs."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])

SEVERITY_CHOICES = ("critical", "high", "medium", "low", "info")


@dataclass
class KubeFlags:
    """kubectl's global flags as given on the command line (None = not given)."""

    kubeconfig: str | None = None
    context: str | None = None
    cluster: str | None = None
    user: str | None = None
    namespace: str | None = None
    server: str | None = None
    token: str | None = None
    certificate_authority: str | None = None
    client_certificate: str | None = None
    client_key: str | None = None
    insecure_skip_tls_verify: bool = False
    tls_server_name: str | None = None
    as_user: str | None = None
    as_groups: tuple[str, ...] = ()
    request_timeout: str | None = None
    chunk_size: int = 500


def kube_options(func: F) -> F:
    """Add kubectl's global flags to a command; the values arrive as one ``kube`` KubeFlags."""
    options = [
        click.option("--kubeconfig", help="Path to the kubeconfig file (only this file is read)."),
        click.option("--context", help="The kubeconfig context to use."),
        click.option("--cluster", help="The kubeconfig cluster to use."),
        click.option("--user", help="The kubeconfig user to use."),
        click.option("-n", "--namespace", help="Namespace for namespaced requests."),
        click.option("-s", "--server", help="The address and port of the Kubernetes API server."),
        click.option("--token", help="Bearer token for authentication to the API server."),
        click.option("--certificate-authority", help="Path to a cert file for the certificate authority."),
        click.option("--client-certificate", help="Path to a client certificate file for TLS."),
        click.option("--client-key", help="Path to a client key file for TLS."),
        click.option("--insecure-skip-tls-verify", is_flag=True, help="Do not verify the server certificate."),
        click.option("--tls-server-name", help="Server name to use for certificate validation."),
        click.option("--as", "as_user", help="Username to impersonate for the operation."),
        click.option("--as-group", "as_groups", multiple=True, help="Group to impersonate (repeatable)."),
        click.option("--request-timeout", help="Timeout of each request (e.g. 30s, 1m; 0 = none)."),
        click.option(
            "--chunk-size",
            type=click.IntRange(min=0),
            default=500,
            show_default=True,
            help="Items per list page (limit/continue); 0 disables paging.",
        ),
    ]
    for option in reversed(options):
        func = option(func)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        names = KubeFlags.__dataclass_fields__
        kube = KubeFlags(**{name: kwargs.pop(name) for name in list(kwargs) if name in names})
        return func(*args, kube=kube, **kwargs)

    wrapper.__name__ = func.__name__
    wrapper.__doc__ = func.__doc__
    wrapper.__click_params__ = getattr(func, "__click_params__", [])  # type: ignore[attr-defined]
    return wrapper  # type: ignore[return-value]


def input_options(func: F) -> F:
    """Offline inputs: PATH arguments, bundles and the demo."""
    func = click.option(
        "--demo",
        is_flag=False,
        flag_value="vulnerable",
        default=None,
        type=click.Choice(["vulnerable", "hardened"]),
        help="Use a bundled example cluster: the misconfigured demo (default) or '--demo hardened'.",
    )(func)
    func = click.option(
        "--bundle",
        "bundles",
        multiple=True,
        metavar="BUNDLE",
        help="A bundle written by 'kubeward collect' (directory or .tar.gz); repeatable.",
    )(func)
    func = click.argument("paths", nargs=-1, type=click.Path())(func)
    return func
