"""``kubeward harden ...``: write the fixed configuration instead of describing it.

Every subcommand prints what it would change (a unified diff for edited files, the generated
objects otherwise) and writes only when asked to.
"""

from __future__ import annotations

import click


@click.group()
def harden() -> None:
    """Generate hardened configuration: API server, kubelet, audit policy, APF, RBAC, workloads, network."""
