"""``kubeward`` / ``kubectl-ward``: the commands.

Exit codes (DESIGN §5): 0 ok; 1 findings at or above ``--fail-on``; 2 usage, input or connection
error; 3 scan incomplete; 130 interrupted.

Each command's module is imported only when that command runs: a scan needs the rule catalog, an audit hunt
does not, and importing everything cost half a second on every start.
"""

import importlib
import os
import sys

import click

from kubeward import __version__
from kubeward.report.exit_codes import ExitCode

COMMANDS = {
    "scan": "kubeward.cli.scan_commands:scan",
    "collect": "kubeward.cli.scan_commands:collect",
    "probe": "kubeward.cli.probe:probe",
    "kubeconfig": "kubeward.cli.kubeconfig:kubeconfig",
    "rbac": "kubeward.cli.rbac:rbac",
    "audit": "kubeward.cli.audit:audit",
    "harden": "kubeward.cli.harden:harden",
    "rules": "kubeward.cli.scan_commands:rules",
    "baseline": "kubeward.cli.scan_commands:baseline",
}
"""Command name -> ``module:attribute``, in the order ``--help`` lists them."""


class LazyGroup(click.Group):
    """A group whose commands are imported when they are looked up."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        """All command names, without importing them."""
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """Import the command's module now."""
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module, _, attribute = target.partition(":")
        command = getattr(importlib.import_module(module), attribute)
        assert isinstance(command, click.Command)
        return command


def program_name() -> str:
    """``kubectl ward`` when run as the kubectl plugin, ``kubeward`` otherwise."""
    return "kubectl ward" if os.path.basename(sys.argv[0]).startswith("kubectl-") else "kubeward"


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 110})
@click.version_option(__version__, prog_name="kubeward")
def cli() -> None:
    """Harden access to the Kubernetes API: who can do what, how the API server and kubelets are
    configured, what the audit trail shows, which credentials are lying around.

    Note: as in kubectl, -o/--output is the output format; --output-file writes it to a file.
    """


def main() -> None:
    """Console-script entry point (``kubeward`` and ``kubectl-ward``)."""
    try:
        cli.main(prog_name=program_name(), standalone_mode=True)
    except KeyboardInterrupt:
        click.echo("kubeward: interrupted", err=True)
        sys.exit(ExitCode.INTERRUPTED)


if __name__ == "__main__":
    main()
