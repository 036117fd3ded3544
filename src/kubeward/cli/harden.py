"""``kubeward harden ...``: write the fixed configuration instead of describing it.

Every subcommand prints what it would change (a unified diff for edited files, the generated
objects otherwise) and writes only when asked to.

Exit codes: 0 done (diff printed or files written); 2 the input cannot be hardened as asked (no
kube-apiserver container, conflicting flags, unknown or unsupported version, unreadable input) —
nothing is written then.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn

import click
import yaml

from kubeward.audit.policy.profiles import PROFILES
from kubeward.harden.apiserver import ApiServerOptions, HardenError, OidcOptions, describe, harden_apiserver
from kubeward.harden.audit_policy import DEFAULT_LOG_PATH, DEFAULT_POLICY_PATH, hint, policy_text
from kubeward.harden.kubelet import KubeletOptions, harden_kubelet
from kubeward.harden.output import FileChange, unified_diff, write_with_backup
from kubeward.inputs.layout import locate
from kubeward.inventory.builder import InventoryBuilder
from kubeward.inventory.model import Inventory, Target
from kubeward.report.exit_codes import ExitCode
from kubeward.resolve.apiserver import EffectiveApiServer
from kubeward.resolve.kubelet import EffectiveKubelet


@click.group()
def harden() -> None:
    """Generate hardened configuration: API server, kubelet, audit policy, APF, RBAC, workloads, network."""


def _fail(message: str) -> NoReturn:
    click.echo(f"kubeward: error: {message}; nothing was written", err=True)
    sys.exit(ExitCode.ERROR)


def _load(paths: list[str]) -> Inventory:
    from kubeward.collect.offline import OfflineCollector

    builder = InventoryBuilder(Target(kind="offline", name=", ".join(paths)))
    OfflineCollector(builder).load(paths)
    inventory = builder.build()
    errors = [issue for issue in inventory.issues if issue.level == "error"]
    if errors:
        _fail("; ".join(issue.describe() for issue in errors))
    return inventory


def _node_root(path: str, root: str | None) -> Path | None:
    """The folder that stands for ``/`` on the file's node: ``--root``, else the part of the path
    before the node layout (``nodes/cp-1`` for ``nodes/cp-1/etc/kubernetes/manifests/x.yaml``).
    """
    if root:
        return Path(root)
    location = locate(str(Path(path).resolve()))
    if location is None:
        return None
    resolved = str(Path(path).resolve())
    return Path(resolved[: len(resolved) - len(location.node_path)] or "/")


def _host_reader(root: Path | None) -> Callable[[str], str | None]:
    def read(host_path: str) -> str | None:
        if root is None:
            return None
        candidate = root / host_path.lstrip("/")
        try:
            return candidate.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return None

    return read


def _emit(changes: list[FileChange], write: bool, notes: list[str]) -> None:
    """Print the diffs, or write every change (with backups) and say what was written."""
    changed = [c for c in changes if c.changed]
    if write:
        for change in changed:
            backup = write_with_backup(Path(change.path), change.new)
            suffix = f" (backup {backup})" if backup is not None else " (new file)"
            click.echo(f"wrote {change.path}{suffix}", err=True)
    else:
        for change in changed:
            click.echo(unified_diff(change), nl=False)
    if not changed:
        click.echo("kubeward: nothing to change: the input already passes the rules this generator fixes", err=True)
    for note in notes:
        click.echo(f"note: {note}", err=True)


@harden.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--write", is_flag=True, help="Edit FILE in place (backup in .kubeward-backup/) and write new files.")
@click.option(
    "--root",
    type=click.Path(file_okay=False),
    help="The folder that is / on the API server's node (default: from FILE's path, e.g. nodes/cp-1).",
)
@click.option("--kubernetes-version", metavar="VERSION", help="The kube-apiserver version when FILE does not tell.")
@click.option("--oidc-issuer-url", metavar="URL", help="OIDC issuer for people (https).")
@click.option("--oidc-client-id", metavar="ID", help="Audience (client id) of the issuer's tokens.")
@click.option("--oidc-username-claim", metavar="CLAIM", help="Claim for the username (default: kept, else sub).")
@click.option("--oidc-groups-claim", metavar="CLAIM", help="Claim for the groups.")
@click.option("--oidc-ca-file", metavar="PATH", help="Issuer CA bundle on the node (inlined in structured form).")
@click.option(
    "--oidc-prefix",
    metavar="PREFIX",
    help="Prefix of OIDC usernames and groups (default: a safe prefix in use, else 'oidc:').",
)
@click.option(
    "--oidc-mode",
    type=click.Choice(["auto", "flags", "structured"]),
    default="auto",
    show_default=True,
    help="--oidc-* flags, or an AuthenticationConfiguration jwt authenticator (1.30+); auto keeps the form in use.",
)
@click.option("--audit-profile", type=click.Choice(sorted(PROFILES)), default="recommended", show_default=True)
@click.option("--audit-policy-path", metavar="PATH", help=f"Audit policy path (default {DEFAULT_POLICY_PATH}).")
@click.option("--audit-log-path", metavar="PATH", help=f"Audit log path (default {DEFAULT_LOG_PATH}).")
@click.option(
    "--pod-security-default",
    type=click.Choice(["baseline", "restricted"]),
    help="Enforce this Pod Security level in namespaces without labels (writes an AdmissionConfiguration).",
)
@click.option("--bind-address", metavar="IP", help="Address to serve on (default: --advertise-address).")
def apiserver(
    file: str,
    write: bool,
    root: str | None,
    kubernetes_version: str | None,
    oidc_issuer_url: str | None,
    oidc_client_id: str | None,
    oidc_username_claim: str | None,
    oidc_groups_claim: str | None,
    oidc_ca_file: str | None,
    oidc_prefix: str | None,
    oidc_mode: str,
    audit_profile: str,
    audit_policy_path: str | None,
    audit_log_path: str | None,
    pod_security_default: str | None,
    bind_address: str | None,
) -> None:
    """Harden kube-apiserver in a static pod manifest, a kubeadm ClusterConfiguration or a k3s/RKE2 config.yaml.

    Prints a unified diff of FILE and of the files its new flags point at (audit policy,
    AuthenticationConfiguration, AdmissionConfiguration, under the node root); --write applies it.
    """
    try:
        text = Path(file).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        _fail(f"{file}: {exc}")
    inventory = _load([file])
    instances = [a for a in inventory.apiservers if a.provenance.source == file]
    if not instances:
        _fail(
            f"{file} has no kube-apiserver: no container named or running kube-apiserver, no kubeadm "
            "ClusterConfiguration, no k3s/RKE2 kube-apiserver-arg"
        )
    node_root = _node_root(file, root)
    options = ApiServerOptions(
        oidc=OidcOptions(
            issuer_url=oidc_issuer_url or "",
            client_id=oidc_client_id or "",
            username_claim=oidc_username_claim or "",
            groups_claim=oidc_groups_claim or "",
            ca_file=oidc_ca_file or "",
            prefix=oidc_prefix or "",
        ),
        oidc_mode=oidc_mode,  # type: ignore[arg-type]
        audit_profile=audit_profile,
        audit_policy_path=audit_policy_path or "",
        audit_log_path=audit_log_path or "",
        pod_security_default=pod_security_default or "",
        kubernetes_version=kubernetes_version or "",
        bind_address=bind_address or "",
    )
    try:
        result = harden_apiserver(text, EffectiveApiServer(instances[0]), options, _host_reader(node_root))
    except HardenError as exc:
        _fail(f"{file}: {exc}")
    if result.files and node_root is None:
        _fail(f"{file} is not in a node layout: give --root (the folder that is / on the node) for the new files")
    changes = [FileChange(path=file, new=result.text, old=text)]
    for host_path, content in result.files.items():
        assert node_root is not None
        target = node_root / host_path.lstrip("/")
        old = target.read_text(encoding="utf-8") if target.exists() else None
        changes.append(FileChange(path=str(target), new=content, old=old))
    for line in describe(result.plan):
        click.echo(f"kubeward: {line}", err=True)
    _emit(changes, write, result.plan.notes)


@harden.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("--write", is_flag=True, help="Edit the files in place (backups in .kubeward-backup/).")
@click.option("--client-ca-file", metavar="PATH", help="Client CA for kubelets that have none (KW-KUBELET-005).")
def kubelet(paths: tuple[str, ...], write: bool, client_ca_file: str | None) -> None:
    """Harden kubelets: their config files, --config-dir drop-ins and the flags in units and env files.

    PATHS are a node folder (e.g. nodes/worker-1, or / on the node) or the kubelet's files. Each
    failing setting is fixed where it is decided: a flag in its file, a config value in its file,
    a missing field in the main config file (or as a flag for kubelets run without --config).
    """
    inventory = _load(list(paths))
    if not inventory.kubelets:
        _fail("no kubelet found in " + ", ".join(paths) + " (give the node folder or the kubelet's config file)")
    changes: list[FileChange] = []
    notes: list[str] = []
    for instance in inventory.kubelets:
        kubelet_view = EffectiveKubelet(instance)
        sources = {instance.provenance.source}
        sources |= {f.provenance.source for f in instance.flags if f.provenance.kind == "file"}
        sources |= {d.provenance.source for d in (instance.config, *instance.dropins) if d is not None}
        texts: dict[str, str] = {}
        for source in sorted(sources):
            try:
                texts[source] = Path(source).read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                _fail(f"{source}: {exc}")
        try:
            result = harden_kubelet(kubelet_view, texts, KubeletOptions(client_ca_file=client_ca_file or ""))
        except HardenError as exc:
            if instance.origin != "kubeadm-config":
                _fail(f"kubelet {instance.node}: {exc}")
            # kubeadm's kubelet-config ConfigMap (or a kubeadm file) is the template for new nodes;
            # the nodes' own files decide and are what this command edits.
            notes.append(f"kubelet {instance.node}: not edited ({exc}); update it to match the hardened node files")
            continue
        for line in result.changes:
            click.echo(f"kubeward: kubelet {instance.node}: {line}", err=True)
        changes += [FileChange(path=p, new=t, old=texts[p]) for p, t in sorted(result.files.items())]
        notes += result.notes
    _emit(changes, write, notes)


@harden.command("audit-policy")
@click.option("--profile", type=click.Choice(sorted(PROFILES)), default="recommended", show_default=True)
@click.option("--output-file", type=click.Path(dir_okay=False), help="Write the policy here (backup if it exists).")
@click.option("--policy-path", default=DEFAULT_POLICY_PATH, show_default=True, help="Path named in the hint.")
@click.option("--log-path", default=DEFAULT_LOG_PATH, show_default=True, help="Log path named in the hint.")
def audit_policy(profile: str, output_file: str | None, policy_path: str, log_path: str) -> None:
    """Write an audit policy (recommended, seed = recommended, low-volume: Secrets at Metadata); lints clean.

    The kube-apiserver flags and mounts that use it are printed on stderr.
    """
    try:
        text = policy_text(profile)
    except HardenError as exc:
        _fail(str(exc))
    if output_file:
        backup = write_with_backup(Path(output_file), text)
        click.echo(f"wrote {output_file}" + (f" (backup {backup})" if backup else ""), err=True)
    else:
        click.echo(text, nl=False)
    click.echo(hint(policy_path, log_path), err=True, nl=False)


@harden.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True))
@click.option("--demo", is_flag=True, help="Read the bundled demo cluster (with --from-scan).")
@click.option(
    "--service-account", "accounts", multiple=True, metavar="NS/NAME", help="Automation account (repeatable)."
)
@click.option(
    "--from-scan", is_flag=True, help="Add the accounts KW-APF-004 reports and re-route KW-APF-003's schemas."
)
@click.option("--kubernetes-version", metavar="VERSION", help="Target version (default: the scanned one, else 1.34).")
@click.option("--level", default="kubeward-automation", show_default=True, help="PriorityLevelConfiguration name.")
@click.option("--name", "schema", default="kubeward-automation", show_default=True, help="FlowSchema name.")
@click.option("--shares", type=int, default=10, show_default=True, help="nominalConcurrencyShares of the level.")
@click.option("-o", "--output", "fmt", type=click.Choice(["yaml", "json"]), default="yaml", show_default=True)
@click.option("--output-file", type=click.Path(dir_okay=False), help="Write the objects here (backup if it exists).")
def flowcontrol(
    paths: tuple[str, ...],
    demo: bool,
    accounts: tuple[str, ...],
    from_scan: bool,
    kubernetes_version: str | None,
    level: str,
    schema: str,
    shares: int,
    fmt: str,
    output_file: str | None,
) -> None:
    """FlowSchema and PriorityLevelConfiguration (Limited, queuing, ByUser) for automation service accounts.

    --from-scan PATH.../--demo adds every workload-writing service account without a limited
    FlowSchema of its own (KW-APF-004) and re-routes user FlowSchemas that send subjects to exempt
    (KW-APF-003). Apply the output with kubectl apply -f.
    """
    from kubeward.harden.flowcontrol import FlowOptions, exempt_user_schemas, flow_objects, parse_account
    from kubeward.resolve.apiserver import ASSUMED_MINOR
    from kubeward.resolve.flowcontrol import FlowControl
    from kubeward.resolve.setting import minor_version

    try:
        named = [parse_account(a) for a in accounts]
        control = None
        reroute = []
        version = kubernetes_version or ""
        if from_scan:
            if not paths and not demo:
                _fail("--from-scan needs the scanned inputs: PATH... or --demo")
            inventory, found = _apf_scan(list(paths), demo)
            named += found
            control = FlowControl.of(inventory)
            reroute = exempt_user_schemas(control)
            if not version and inventory.version is not None:
                version = inventory.version.gitVersion
            if not version:
                version = next((a.version for a in inventory.apiservers if a.version), "")
        elif paths or demo:
            _fail("PATH and --demo are read only with --from-scan")
        if from_scan and not named and not reroute:
            click.echo(
                "kubeward: nothing to change: every automation service account has a limited FlowSchema "
                "and no user FlowSchema routes to exempt",
                err=True,
            )
            return
        if version:
            minor = minor_version(version if version.startswith("v") else f"v{version}")
            if minor is None:
                _fail(f"--kubernetes-version {version!r} is not a Kubernetes version such as v1.30.4")
        else:
            minor = ASSUMED_MINOR
            click.echo(f"kubeward: no --kubernetes-version; writing the API of 1.{ASSUMED_MINOR}", err=True)
        objects = flow_objects(named, minor, FlowOptions(level=level, schema=schema, shares=shares), control, reroute)
    except HardenError as exc:
        _fail(str(exc))
    text = _render_objects(objects, fmt)
    if output_file:
        backup = write_with_backup(Path(output_file), text)
        click.echo(f"wrote {output_file}" + (f" (backup {backup})" if backup else ""), err=True)
    else:
        click.echo(text, nl=False)


def _apf_scan(paths: list[str], demo: bool) -> tuple[Inventory, list[tuple[str, str]]]:
    from kubeward.analysis import Analysis
    from kubeward.checks.catalog import load_rules
    from kubeward.engine import run_rules
    from kubeward.scan import OfflineSources, load_offline_inventory

    inventory = load_offline_inventory(OfflineSources(paths=paths, demo=demo))
    rule = load_rules().get("KW-APF-004")
    assert rule is not None
    findings, _errors = run_rules(Analysis(inventory), [rule])
    found = [
        (f.resource.namespace, f.resource.name)
        for f in findings
        if f.status == "fail" and f.resource.kind == "ServiceAccount"
    ]
    return inventory, found


def _render_objects(objects: list[dict[str, Any]], fmt: str) -> str:
    if fmt == "json":
        return json.dumps({"apiVersion": "v1", "kind": "List", "items": objects}, indent=2) + "\n"
    header = "# kubectl apply -f this-file (written by kubeward harden)\n"
    return header + yaml.safe_dump_all(objects, sort_keys=False, explicit_start=True)


@harden.command()
@click.option("--allow", "allow", multiple=True, required=True, metavar="CIDR", help="Network to allow (repeatable).")
@click.option("--port", type=int, default=6443, show_default=True, help="The API server port.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["iptables", "nftables", "eks", "gke", "aks"]),
    default="nftables",
    show_default=True,
)
@click.option("--cluster", default="", help="Managed cluster name (eks, gke, aks).")
@click.option("--region", default="", help="EKS region or GKE location.")
@click.option("--resource-group", default="", help="AKS resource group.")
def network(allow: tuple[str, ...], port: int, fmt: str, cluster: str, region: str, resource_group: str) -> None:
    """Firewall rules (iptables, nftables) or the EKS/GKE/AKS command that allow the API port only from CIDRs."""
    from kubeward.harden.network import NetworkOptions, render

    try:
        text = render(
            fmt,
            NetworkOptions(allow=allow, port=port, cluster=cluster, region=region, resource_group=resource_group),
        )
    except HardenError as exc:
        _fail(str(exc))
    click.echo(text, nl=False)


@harden.command("copy-demo")
@click.argument("directory", type=click.Path(file_okay=False))
def copy_demo(directory: str) -> None:
    """Copy the bundled vulnerable demo cluster to DIRECTORY, to try the harden commands on files you can edit.

    Scanning the copy (kubeward scan DIRECTORY) gives the findings of kubeward scan --demo, and the
    rollout plan's commands name the copy's files.
    """
    import shutil

    from kubeward.scan import demo_root

    target = Path(directory)
    if target.exists() and any(target.iterdir()):
        _fail(f"{directory} exists and is not empty")
    shutil.copytree(demo_root(), target, dirs_exist_ok=True)
    click.echo(f"copied the demo cluster to {directory}; next: kubeward scan {directory}", err=True)


def _register_access_commands() -> None:
    """``harden rbac|workloads|kubeconfig`` live in their own module (they read RBAC and workloads)."""
    from kubeward.cli.harden_access import register

    register(harden)


_register_access_commands()
