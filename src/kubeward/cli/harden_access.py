"""``kubeward harden rbac | workloads | kubeconfig``: access generators, registered on the ``harden`` group.

Every command generates everything first and writes only when all of it succeeded: a bad input is
an error naming it (exit 2) and nothing is written. Without ``--output-dir`` (or ``--write`` for
manifest edits) the result goes to stdout.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

import click
from rich.console import Console

from kubeward.harden._access import HardenInputError, documents, to_yaml, write_all
from kubeward.inventory.model import Inventory
from kubeward.report.exit_codes import ExitCode
from kubeward.scan import OfflineSources, load_offline_inventory

stderr = Console(stderr=True, highlight=False, soft_wrap=True, markup=False)


RBAC_HELP = """RBAC for people and automation: OIDC group bindings, cluster-admin replacement, least privilege.

\b
Examples:
  kubeward harden rbac --oidc-group platform=admin --oidc-group devs=edit -n shop
  kubeward harden rbac --demo --replace-cluster-admin [--from-audit audit.log] --output-dir out/
  kubeward harden rbac --from-audit /var/log/kubernetes/audit/ --service-account ci/deployer
"""
WORKLOADS_HELP = """Stop mounting service-account tokens that workloads do not use; move them off 'default'.

\b
Examples:
  kubeward harden workloads --demo                      # kubectl patch commands
  kubeward harden workloads -f dumps/ --format merge-patch --output-dir patches/
  kubeward harden workloads -f rbac/ --format manifests --manifests deploy/app.yaml --write
"""
KUBECONFIG_HELP = """An OIDC kubeconfig (kubectl oidc-login exec plugin, CA embedded, no token or key).

\b
Examples:
  kubeward harden kubeconfig --cluster prod --server https://api.prod:6443 \\
    --certificate-authority ca.crt --issuer-url https://login.example.com --client-id kubernetes
  kubeward harden kubeconfig --cluster prod --from-kubeconfig admin.conf \\
    --issuer-url https://login.example.com --client-id kubernetes --read-only
"""


def _fail(message: str) -> NoReturn:
    stderr.print(f"kubeward: error: {message}")
    sys.exit(ExitCode.ERROR)


def _inputs(func: Any) -> Any:
    func = click.option("--demo", is_flag=True, help="Use the bundled demo cluster as the scan input.")(func)
    func = click.option(
        "--bundle", "bundles", multiple=True, metavar="BUNDLE", help="A bundle written by 'kubeward collect'."
    )(func)
    func = click.option(
        "-f",
        "--filename",
        "filenames",
        multiple=True,
        type=click.Path(),
        help="Scan input: a file or folder of 'kubectl get -o yaml|json' dumps and node files (repeatable).",
    )(func)
    return func


def _inventory(filenames: Sequence[str], bundles: Sequence[str], demo: bool) -> Inventory | None:
    sources = OfflineSources(paths=tuple(filenames), bundles=tuple(bundles), demo=demo)
    if sources.empty:
        return None
    for name in filenames:
        if not os.path.exists(name):
            _fail(f"-f {name}: no such file or directory")
    inventory = load_offline_inventory(sources)
    for issue in inventory.issues:
        if issue.level == "error":
            _fail(f"scan input {issue.describe()}")
    return inventory


def _emit(files: dict[str, str], output_dir: str | None, order: Sequence[str] = ()) -> None:
    """Write the files into ``output_dir``, or print them (each under a comment naming it)."""
    names = [n for n in order if n in files] + sorted(n for n in files if n not in order)
    if output_dir:
        root = Path(output_dir)
        if root.exists() and not root.is_dir():
            _fail(f"--output-dir {root}: not a directory")
        write_all([(root / name, files[name]) for name in names])
        for name in names:
            stderr.print(f"wrote {root / name}")
        return
    for index, name in enumerate(names):
        if len(names) > 1:
            click.echo(("\n" if index else "") + f"# ===== {name} =====")
        click.echo(files[name], nl=not files[name].endswith("\n"))


def _prefix(explicit: str | None, inventory: Inventory | None) -> str:
    from kubeward.harden.rbac import DEFAULT_GROUPS_PREFIX, resolve_groups_prefix

    if explicit is not None:
        return explicit
    found, source = resolve_groups_prefix(inventory)
    if found is None:
        stderr.print(f"kubeward: groups prefix {DEFAULT_GROUPS_PREFIX!r} assumed ({source}); set --groups-prefix")
        return DEFAULT_GROUPS_PREFIX
    stderr.print(f"kubeward: groups prefix {found!r} from {source}")
    return found


# --- rbac ----------------------------------------------------------------------------------------------


@click.command("rbac", help=RBAC_HELP)
@_inputs
@click.option(
    "--oidc-group",
    "oidc_groups",
    multiple=True,
    metavar="GROUP=ROLE",
    help="Bind an IdP group to view, edit, admin (or cluster-admin with --allow-cluster-admin); repeatable.",
)
@click.option("--namespace", "-n", "namespaces", multiple=True, help="Bind in these namespaces (RoleBindings).")
@click.option("--allow-cluster-admin", is_flag=True, help="Allow GROUP=cluster-admin.")
@click.option(
    "--groups-prefix", default=None, help="The API server's OIDC groups prefix (default: from the scan, else 'oidc:')."
)
@click.option("--replace-cluster-admin", is_flag=True, help="Replace cluster-admin bindings of non-system subjects.")
@click.option("--subject", "subjects", multiple=True, help="With --replace-cluster-admin: only these subjects.")
@click.option(
    "--scoped-role",
    type=click.Choice(["admin", "edit", "view"]),
    default=None,
    help="Role the replaced subjects get in their namespaces (default view: read-only until granted more).",
)
@click.option(
    "--break-glass-group", default="break-glass-cluster-admins", show_default=True, help="IdP group for emergencies."
)
@click.option(
    "--from-audit", "audit_logs", multiple=True, type=click.Path(), help="Audit log file or folder (repeatable)."
)
@click.option("--user", "user", default=None, help="With --from-audit: build least-privilege roles for this user.")
@click.option("--service-account", default=None, metavar="NS/NAME", help="With --from-audit: for this service account.")
@click.option("--role-name", default=None, help="Name of the generated least-privilege roles.")
@click.option("--no-resource-names", is_flag=True, help="Never restrict rules to the object names seen.")
@click.option(
    "--max-names", type=click.IntRange(1), default=10, show_default=True, help="More names than this: no resourceNames."
)
@click.option(
    "--output-dir", type=click.Path(file_okay=False), default=None, help="Write the files here instead of stdout."
)
def rbac_command(
    filenames: tuple[str, ...],
    bundles: tuple[str, ...],
    demo: bool,
    oidc_groups: tuple[str, ...],
    namespaces: tuple[str, ...],
    allow_cluster_admin: bool,
    groups_prefix: str | None,
    replace_cluster_admin: bool,
    subjects: tuple[str, ...],
    scoped_role: str | None,
    break_glass_group: str,
    audit_logs: tuple[str, ...],
    user: str | None,
    service_account: str | None,
    role_name: str | None,
    no_resource_names: bool,
    max_names: int,
    output_dir: str | None,
) -> None:
    """RBAC for people and automation: OIDC group bindings, cluster-admin replacement, least privilege."""
    from kubeward.harden.least_privilege import AuditSubject, least_privilege
    from kubeward.harden.rbac import GroupGrant, oidc_group_bindings
    from kubeward.harden.rbac import replace_cluster_admin as replace_admins

    if not (oidc_groups or replace_cluster_admin or user or service_account):
        raise click.UsageError(
            "give --oidc-group, --replace-cluster-admin, or --from-audit with --user/--service-account"
        )
    if (user or service_account) and not audit_logs:
        raise click.UsageError("--user/--service-account need --from-audit LOG")
    if user and service_account:
        raise click.UsageError("give --user or --service-account, not both")
    if subjects and not replace_cluster_admin:
        raise click.UsageError("--subject only applies to --replace-cluster-admin")
    files: dict[str, str] = {}
    try:
        inventory = _inventory(filenames, bundles, demo)
        logs = [Path(p) for p in audit_logs]
        if oidc_groups:
            grants = [GroupGrant.parse(text) for text in oidc_groups]
            prefix = _prefix(groups_prefix, inventory)
            objects = oidc_group_bindings(
                grants, prefix=prefix, namespaces=namespaces, allow_cluster_admin=allow_cluster_admin
            )
            files["oidc-groups.yaml"] = documents(objects, f"OIDC group bindings (groups prefix {prefix!r})")
        if user or service_account:
            subject = (
                AuditSubject.parse_service_account(service_account)
                if service_account
                else AuditSubject.user(user or "")
            )
            result = least_privilege(
                logs, subject, name=role_name, resource_names=not no_resource_names, max_names=max_names
            )
            for issue in result.usage.stats.issues:
                stderr.print(f"kubeward: warning: {issue.describe()}")
            files["least-privilege.yaml"] = documents(result.objects, result.summary())
        if replace_cluster_admin:
            if inventory is None:
                raise click.UsageError(
                    "--replace-cluster-admin needs the cluster's bindings: -f PATH, --bundle or --demo"
                )
            prefix = _prefix(groups_prefix, inventory)
            generated = replace_admins(
                inventory,
                namespaces=namespaces,
                scoped_role=scoped_role,
                audit_logs=logs,
                break_glass_group=break_glass_group,
                groups_prefix=prefix,
                only=subjects,
            )
            for name, objects in generated.objects.items():
                files[name] = documents(objects, "generated by kubeward harden rbac --replace-cluster-admin")
            files.update(generated.files)
            for note in generated.notes:
                stderr.print(f"kubeward: {note}")
    except HardenInputError as exc:
        _fail(str(exc))
    order = (
        "oidc-groups.yaml",
        "least-privilege.yaml",
        "break-glass.yaml",
        "replacement.yaml",
        "replace-cluster-admin.sh",
    )
    _emit(files, output_dir, order)


# --- workloads -----------------------------------------------------------------------------------------


@click.command("workloads", help=WORKLOADS_HELP)
@_inputs
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["kubectl", "merge-patch", "manifests"]),
    default="kubectl",
    show_default=True,
    help="kubectl commands, JSON merge patch files, or edits of the --manifests files.",
)
@click.option(
    "--manifests", multiple=True, type=click.Path(), help="Manifest file to edit (repeatable); also read as input."
)
@click.option("--write", is_flag=True, help="With --format manifests: edit the files in place (default: print a diff).")
@click.option("--keep-default-sa", is_flag=True, help="Do not move workloads off the default service account.")
@click.option(
    "--default-namespace", default="default", show_default=True, help="Namespace of manifests that name none."
)
@click.option(
    "--output-dir", type=click.Path(file_okay=False), default=None, help="Write the files here instead of stdout."
)
def workloads_command(
    filenames: tuple[str, ...],
    bundles: tuple[str, ...],
    demo: bool,
    fmt: str,
    manifests: tuple[str, ...],
    write: bool,
    keep_default_sa: bool,
    default_namespace: str,
    output_dir: str | None,
) -> None:
    """Stop mounting service-account tokens that workloads do not use; move them off 'default'."""
    from kubeward.harden.workloads import edit_manifests, plan_workloads

    if fmt == "manifests" and not manifests:
        raise click.UsageError("--format manifests needs --manifests PATH")
    if manifests and fmt != "manifests":
        raise click.UsageError("--manifests is for --format manifests")
    if write and fmt != "manifests":
        raise click.UsageError("--write is for --format manifests (use --output-dir for the others)")
    try:
        for name in manifests:
            if not os.path.isfile(name):
                raise HardenInputError(f"--manifests {name}: no such file")
        if fmt == "manifests":
            # The manifests must parse before anything else is read or written.
            edit_manifests_check = [Path(m) for m in manifests]
            from kubeward.harden.workloads import WorkloadPlan

            edit_manifests(WorkloadPlan(), edit_manifests_check)
        inventory = _inventory((*filenames, *manifests), bundles, demo)
        if inventory is None:
            raise click.UsageError("give the cluster's objects: -f PATH, --bundle or --demo")
        plan = plan_workloads(inventory, move_default=not keep_default_sa, default_namespace=default_namespace)
        for note in plan.notes():
            stderr.print(f"kubeward: {note}")
        if fmt == "kubectl":
            _emit({"harden-workloads.sh": plan.kubectl()}, output_dir)
        elif fmt == "merge-patch":
            _emit(plan.merge_patches(), output_dir)
        else:
            edits = edit_manifests(plan, [Path(m) for m in manifests], default_namespace=default_namespace)
            if not edits:
                stderr.print("kubeward: no manifest defines a workload that needs a change")
            if write:
                write_all([(edit.path, edit.after) for edit in edits])
                for edit in edits:
                    stderr.print(f"edited {edit.path}")
            else:
                for edit in edits:
                    click.echo(edit.diff(), nl=False)
    except HardenInputError as exc:
        _fail(str(exc))


# --- kubeconfig ----------------------------------------------------------------------------------------


@click.command("kubeconfig", help=KUBECONFIG_HELP)
@_inputs
@click.option("--cluster", "cluster_name", required=True, help="Cluster name in the kubeconfig.")
@click.option("--server", default=None, help="API server URL (https).")
@click.option("--certificate-authority", "ca_file", type=click.Path(), default=None, help="PEM file of the cluster CA.")
@click.option("--from-kubeconfig", type=click.Path(), default=None, help="Take server and CA from this kubeconfig.")
@click.option("--context", default=None, help="With --from-kubeconfig: the context (default: its current-context).")
@click.option("--issuer-url", required=True, help="OIDC issuer URL (https).")
@click.option("--client-id", required=True, help="OIDC client id.")
@click.option(
    "--extra-scope", "scopes", multiple=True, help="Scope to request besides openid (default: email, groups)."
)
@click.option("--namespace", default="", help="Default namespace of the context.")
@click.option("--read-only", is_flag=True, help="A read-only context plus the binding of the viewers group to view.")
@click.option("--viewers-group", default="kubernetes-viewers", show_default=True, help="IdP group of read-only users.")
@click.option(
    "--groups-prefix", default=None, help="The API server's OIDC groups prefix (default: from the scan, else 'oidc:')."
)
@click.option("--output-dir", type=click.Path(file_okay=False), default=None, help="Write kubeconfig (0600) here.")
def kubeconfig_command(
    filenames: tuple[str, ...],
    bundles: tuple[str, ...],
    demo: bool,
    cluster_name: str,
    server: str | None,
    ca_file: str | None,
    from_kubeconfig: str | None,
    context: str | None,
    issuer_url: str,
    client_id: str,
    scopes: tuple[str, ...],
    namespace: str,
    read_only: bool,
    viewers_group: str,
    groups_prefix: str | None,
    output_dir: str | None,
) -> None:
    """An OIDC kubeconfig (kubectl oidc-login exec plugin, CA embedded, no token or key); --read-only variant."""
    from kubeward.harden.kubeconfig import (
        DEFAULT_SCOPES,
        cluster_from_flags,
        cluster_from_kubeconfig,
        oidc_kubeconfig,
        viewers_binding,
    )

    if bool(ca_file) == bool(from_kubeconfig):
        raise click.UsageError("give --certificate-authority (with --server) or --from-kubeconfig")
    if ca_file and not server:
        raise click.UsageError("--certificate-authority needs --server")
    if context and not from_kubeconfig:
        raise click.UsageError("--context is for --from-kubeconfig")
    try:
        if from_kubeconfig:
            source = cluster_from_kubeconfig(Path(from_kubeconfig), context, server)
        else:
            assert server is not None and ca_file is not None
            source = cluster_from_flags(server, Path(ca_file))
        config = oidc_kubeconfig(
            cluster_name,
            source,
            issuer_url=issuer_url,
            client_id=client_id,
            scopes=tuple(scopes) or DEFAULT_SCOPES,
            namespace=namespace,
            read_only=read_only,
        )
        files = {"kubeconfig": to_yaml(config)}
        if read_only:
            prefix = _prefix(groups_prefix, _inventory(filenames, bundles, demo))
            files["viewers-binding.yaml"] = documents(
                [viewers_binding(viewers_group, prefix)],
                "Makes the read-only kubeconfig read-only: its users' IdP group may only view.",
            )
    except HardenInputError as exc:
        _fail(str(exc))
    if output_dir:
        # The kubeconfig holds no secret, but kubectl warns about group/world-readable kubeconfigs.
        write_all([(Path(output_dir) / "kubeconfig", files.pop("kubeconfig"))], mode=0o600)
        stderr.print(f"wrote {Path(output_dir) / 'kubeconfig'}")
    _emit(files, output_dir, ("kubeconfig", "viewers-binding.yaml"))


def register(group: click.Group) -> None:
    """Add ``rbac``, ``workloads`` and ``kubeconfig`` to the ``harden`` group."""
    for command in (rbac_command, workloads_command, kubeconfig_command):
        group.add_command(command)
