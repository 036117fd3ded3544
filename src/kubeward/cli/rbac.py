"""``kubeward rbac``: who can do what, in kubectl's own syntax, on live clusters, bundles and dumps.

- ``can-i VERB TYPE[/NAME] | NONRESOURCEURL [--subresource SUB] [-n NS | -A] --as USER [--as-group G]...``
  prints ``yes`` or ``no`` first and exits 0 or 1, as ``kubectl auth can-i`` does for scripts
  (3 when the answer is "no" but RBAC objects the question depends on were not collected);
  ``can-i --list --as USER [-n NS]`` prints the rules that apply, as ``kubectl auth can-i --list``.
- ``who-can VERB TYPE[/NAME] | NONRESOURCEURL [--subresource SUB] [-n NS | -A]``: every bound subject
  allowed, each with the binding → role → rule that grants it, and the identities a group reaches.
- ``matrix``: subjects x resources, the verbs each subject may use (table, csv, json).
- ``subjects``: every subject, what it holds in summary, its risk and its shortest escalation path.

Inputs: the live cluster of the kubeconfig (kubectl's flags), ``--bundle B`` or ``-f PATH``
(repeatable; files or folders of ``kubectl get -o yaml|json`` dumps), or ``--demo``. Without
``-n`` a namespaced question is asked in namespace ``default`` (kubectl uses the context's namespace,
which offline inputs do not have); ``-A`` asks across all namespaces (namespace ""), where only
ClusterRoleBindings count. ``--as``/``--as-group`` name the identity ``can-i`` evaluates; kubeward
never impersonates it while reading the cluster.
"""

import csv
import dataclasses
import io
import sys
from collections.abc import Callable, Sequence
from typing import Any, NoReturn, TypeVar

import click
import msgspec
from rich.console import Console

from kubeward.cli.errors import LiveError
from kubeward.cli.options import KubeFlags, kube_options
from kubeward.inventory.model import Inventory
from kubeward.inventory.objects import PolicyRule
from kubeward.rbac.analyzer import RbacAnalysis
from kubeward.rbac.builtin import Exclusion, ExclusionError, excluded, is_builtin_grant
from kubeward.rbac.describe import chain_text
from kubeward.rbac.identity import MASTERS, Identity, impersonated
from kubeward.rbac.index import Grant
from kubeward.rbac.listing import render as render_rule_list
from kubeward.rbac.request import Request, non_resource_request, resource_request
from kubeward.rbac.resources import ResourceTable
from kubeward.rbac.risks import SEVERITY_RANK, evaluate_all
from kubeward.rbac.subjects import SubjectRef, identity_of, ref_of
from kubeward.report.exit_codes import ExitCode
from kubeward.scan import OfflineSources, load_inventory

F = TypeVar("F", bound=Callable[..., Any])
stderr = Console(stderr=True, highlight=False, soft_wrap=True, markup=False)

DEFAULT_NAMESPACE = "default"
MATRIX_RESOURCES = (
    "pods",
    "pods/exec",
    "pods/log",
    "secrets",
    "configmaps",
    "serviceaccounts",
    "serviceaccounts/token",
    "deployments.apps",
    "daemonsets.apps",
    "statefulsets.apps",
    "jobs.batch",
    "cronjobs.batch",
    "roles.rbac.authorization.k8s.io",
    "rolebindings.rbac.authorization.k8s.io",
    "clusterroles.rbac.authorization.k8s.io",
    "clusterrolebindings.rbac.authorization.k8s.io",
    "nodes",
    "nodes/proxy",
    "namespaces",
)
SUBJECT_KINDS = ("User", "Group", "ServiceAccount")
MATRIX_VERBS = ("get", "list", "watch", "create", "update", "patch", "delete")


@click.group("rbac")
def rbac() -> None:
    """Who can do what: can-i, who-can, an access matrix and every subject's risk, with the API
    server's own RBAC semantics (aggregation, implicit groups, */subresource, resourceNames).

    Exit codes: 0 ok (can-i: yes); 1 can-i: no; 2 usage, input or connection error; 3 RBAC objects the
    answer depends on were not collected (can-i: a "no" that may be incomplete).
    """


def rbac_inputs(func: F) -> F:
    """Inputs of the rbac commands: ``-f PATH`` (repeatable), ``--bundle B`` (repeatable), ``--demo``."""
    func = click.option("--demo", is_flag=True, help="Use the bundled demo cluster.")(func)
    func = click.option(
        "--bundle", "bundles", multiple=True, metavar="BUNDLE", help="A bundle written by 'kubeward collect'."
    )(func)
    func = click.option(
        "-f",
        "--filename",
        "filenames",
        multiple=True,
        type=click.Path(),
        help="A file or folder of 'kubectl get -o yaml|json' dumps (repeatable).",
    )(func)
    return func


def exclude_option(func: F) -> F:
    """``--exclude KIND:GLOB``: subjects to treat as expected, like the built-in ones."""
    return click.option(
        "--exclude",
        "excludes",
        multiple=True,
        metavar="KIND:GLOB",
        help="Treat matching subjects as expected, like built-in ones (e.g. 'ServiceAccount:argocd/*'); repeatable.",
    )(func)


# --- loading -----------------------------------------------------------------------------------------


def _fail(message: str, code: int = ExitCode.ERROR) -> NoReturn:
    stderr.print(f"kubeward: error: {message}")
    sys.exit(code)


def _load(
    filenames: Sequence[str], bundles: Sequence[str], demo: bool, kube: KubeFlags, excludes: Sequence[str] = ()
) -> RbacAnalysis:
    try:
        exclusions = tuple(Exclusion.parse(text) for text in excludes)
    except ExclusionError as exc:
        raise click.UsageError(str(exc)) from exc
    reader = dataclasses.replace(kube, as_user=None, as_groups=())
    try:
        inventory = load_inventory(OfflineSources(paths=filenames, bundles=bundles, demo=demo), reader)
    except LiveError as exc:
        _fail(str(exc))
    for issue in inventory.issues:
        if issue.level == "error":
            stderr.print(f"kubeward: warning: {issue.describe()}")
    return RbacAnalysis(inventory, exclusions)


def _incomplete(rbac: RbacAnalysis, namespaced: bool) -> bool:
    """Warn about RBAC objects the answer depends on that were not collected; True if any."""
    inventory: Inventory = rbac.inventory
    missing = rbac.policy.missing_for(namespaced)
    for record in missing:
        stderr.print(
            f"kubeward: warning: {record.part} not collected ({record.reason or record.status}); "
            "the answer may be incomplete"
        )
    for note in rbac.policy.issues:
        stderr.print(f"kubeward: warning: {note}")
    errors = [issue for issue in inventory.issues if issue.level == "error"]
    return bool(missing) or bool(errors)


def _no_as(kube: KubeFlags, command: str) -> None:
    if kube.as_user or kube.as_groups:
        raise click.UsageError(f"--as/--as-group name the identity 'rbac can-i' evaluates; '{command}' takes none")


# --- requests ---------------------------------------------------------------------------------------


def build_request(
    rbac: RbacAnalysis,
    verb: str,
    target: str,
    subresource: str | None,
    namespace: str | None,
    all_namespaces: bool,
) -> Request:
    """The request ``kubectl auth can-i VERB TARGET`` asks, resolved offline (see ``rbac.resources``)."""
    if target.startswith("/"):
        if subresource:
            raise click.UsageError("--subresource can not be used with NonResourceURL")
        return non_resource_request(verb, target)
    resolved = ResourceTable(rbac.inventory.discovery).resolve(target)
    for warning in resolved.warnings:
        stderr.print(f"kubeward: warning: {warning}")
    info = resolved.info
    request_namespace = "" if all_namespaces else (namespace or DEFAULT_NAMESPACE)
    if info.resource == "namespaces" and resolved.name:
        # A request for one Namespace object carries that namespace (requestinfo.go), so RoleBindings
        # inside it count.
        request_namespace = resolved.name
    elif not info.namespaced:
        if namespace and not all_namespaces:
            where = f" in group '{info.group}'" if info.group else ""
            stderr.print(
                f"kubeward: warning: resource '{info.resource}' is not namespace scoped{where}; asked cluster-wide"
            )
        request_namespace = ""
    return resource_request(
        verb,
        info.resource,
        api_group=info.group,
        subresource=subresource or "",
        name=resolved.name,
        namespace=request_namespace,
    )


def _identity(kube: KubeFlags) -> Identity:
    if not kube.as_user:
        if kube.as_groups:
            raise click.UsageError("--as-group requires --as (the API server refuses groups without a user)")
        raise click.UsageError(
            "--as is required: kubeward evaluates RBAC from the objects and does not know who you are "
            "(e.g. --as alice@example.com, --as system:serviceaccount:NS:NAME)"
        )
    return impersonated(kube.as_user, list(kube.as_groups))


def _grant_json(grant: Grant) -> dict[str, Any]:
    binding = grant.binding
    return {
        "binding": {"kind": binding.kind, "name": binding.name, "namespace": binding.namespace},
        "role": binding.role.key() if binding.role is not None else binding.role_text(),
        "rule_index": grant.rule_index,
        "rule": msgspec.to_builtins(grant.rule.rule),
        "subject": msgspec.to_builtins(grant.subject),
        "text": chain_text(grant),
    }


def _echo_json(value: Any) -> None:
    click.echo(msgspec.json.format(msgspec.json.encode(value)).decode())


# --- can-i ------------------------------------------------------------------------------------------


@rbac.command("can-i")
@click.argument("verb", required=False)
@click.argument("target", required=False, metavar="TYPE[/NAME]|NONRESOURCEURL")
@click.option("--subresource", help="Subresource such as log (pods) or scale (deployments).")
@click.option("-A", "--all-namespaces", is_flag=True, help='Ask across all namespaces (namespace "").')
@click.option("--list", "list_rules", is_flag=True, help="Print every rule that applies to the identity.")
@click.option("--no-headers", is_flag=True, help="With --list: print no header line.")
@click.option("-q", "--quiet", is_flag=True, help="Print nothing; only the exit code answers.")
@click.option("--explain", is_flag=True, help="After yes/no, print the binding → role → rule that decided it.")
@click.option("-o", "--output", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@rbac_inputs
@kube_options
def can_i(
    verb: str | None,
    target: str | None,
    subresource: str | None,
    all_namespaces: bool,
    list_rules: bool,
    no_headers: bool,
    quiet: bool,
    explain: bool,
    fmt: str,
    filenames: tuple[str, ...],
    bundles: tuple[str, ...],
    demo: bool,
    kube: KubeFlags,
) -> None:
    r"""Check whether an identity may do something: prints yes or no, exits 0 or 1.

    \b
    Examples:
      kubeward rbac can-i create pods -n shop --as alice@example.com -f dumps/
      kubeward rbac can-i list deployments.apps --as system:serviceaccount:ci:deployer -A --demo
      kubeward rbac can-i get pods --subresource log -n web --as bob --as-group web-devs
      kubeward rbac can-i get /metrics --as system:anonymous --as-group system:unauthenticated
      kubeward rbac can-i --list --as system:serviceaccount:ci:deployer -n ci --demo
    """
    identity = _identity(kube)
    if list_rules:
        if verb or target:
            raise click.UsageError("--list takes no VERB or TYPE arguments")
        if quiet or all_namespaces or subresource:
            raise click.UsageError("--list can't be combined with --quiet, --all-namespaces or --subresource")
        _list(identity, kube, no_headers, fmt, filenames, bundles, demo)
        return
    if no_headers:
        raise click.UsageError("--no-headers cannot be set without --list")
    if not verb or not target:
        raise click.UsageError("you must specify two arguments: VERB TYPE[/NAME] or VERB NONRESOURCEURL")
    analysis = _load(filenames, bundles, demo, kube)
    request = build_request(analysis, verb, target, subresource, kube.namespace, all_namespaces)
    decision = analysis.index.can_i(identity, request)
    incomplete = _incomplete(analysis, bool(request.namespace)) and not decision.allowed
    if fmt == "json":
        _echo_json(
            {
                "allowed": decision.allowed,
                "request": request.describe(),
                "identity": {"user": identity.name, "groups": sorted(identity.groups)},
                "reason": decision.reason(),
                "grant": _grant_json(decision.grant) if decision.grant is not None else None,
                "errors": list(decision.errors),
                "incomplete": incomplete,
            }
        )
    elif not quiet:
        click.echo("yes" if decision.allowed else "no")
        if explain and decision.reason():
            click.echo(decision.reason())
            if decision.grant is not None:
                click.echo(chain_text(decision.grant))
    if decision.allowed:
        sys.exit(ExitCode.OK)
    sys.exit(ExitCode.INCOMPLETE if incomplete else 1)


def _list(
    identity: Identity,
    kube: KubeFlags,
    no_headers: bool,
    fmt: str,
    filenames: tuple[str, ...],
    bundles: tuple[str, ...],
    demo: bool,
) -> None:
    analysis = _load(filenames, bundles, demo, kube)
    namespace = kube.namespace or DEFAULT_NAMESPACE
    review = analysis.index.rules_for(identity, namespace)
    incomplete = _incomplete(analysis, True)
    # RulesFor splits each policy rule into its resource part and its non-resource part.
    resource_parts = [
        PolicyRule(verbs=r.verbs, apiGroups=r.apiGroups, resources=r.resources, resourceNames=r.resourceNames)
        for r in (g.rule.rule for g in review.resource_rules)
    ]
    url_parts = [
        PolicyRule(verbs=r.verbs, nonResourceURLs=r.nonResourceURLs)
        for r in (g.rule.rule for g in review.non_resource_rules)
    ]
    if fmt == "json":
        _echo_json(
            {
                "identity": {"user": identity.name, "groups": sorted(identity.groups)},
                "namespace": namespace,
                "resourceRules": [_grant_json(g) for g in review.resource_rules],
                "nonResourceRules": [_grant_json(g) for g in review.non_resource_rules],
                "errors": list(review.errors),
                "incomplete": incomplete,
            }
        )
    else:
        if MASTERS in identity.groups:
            stderr.print("kubeward: note: system:masters is allowed everything, whatever the rules below")
        click.echo(render_rule_list([*resource_parts, *url_parts], headers=not no_headers), nl=False)
        for error in review.errors:
            stderr.print(f"kubeward: warning: {error}")
    sys.exit(ExitCode.INCOMPLETE if incomplete else ExitCode.OK)


# --- who-can ----------------------------------------------------------------------------------------


def _table(rows: Sequence[Sequence[str]]) -> str:
    """Left-aligned columns, three spaces apart (kubectl's layout)."""
    if not rows:
        return ""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join("   ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in rows) + "\n"


@rbac.command("who-can")
@click.argument("verb")
@click.argument("target", metavar="TYPE[/NAME]|NONRESOURCEURL")
@click.option("--subresource", help="Subresource such as log (pods) or scale (deployments).")
@click.option("-A", "--all-namespaces", is_flag=True, help="Ask across all namespaces (only ClusterRoleBindings).")
@click.option("-o", "--output", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@exclude_option
@rbac_inputs
@kube_options
def who_can(
    verb: str,
    target: str,
    subresource: str | None,
    all_namespaces: bool,
    fmt: str,
    excludes: tuple[str, ...],
    filenames: tuple[str, ...],
    bundles: tuple[str, ...],
    demo: bool,
    kube: KubeFlags,
) -> None:
    r"""List every subject allowed to do something, each with the binding → role → rule that grants it.

    Groups are listed as bound; MEMBERS shows the identities the objects reveal in them (the implicit
    groups system:serviceaccounts[:NS], system:authenticated and system:unauthenticated are expanded
    to the service accounts and users kubeward knows). system:masters is always allowed.

    \b
    Examples:
      kubeward rbac who-can get secrets -n payments --demo
      kubeward rbac who-can create pods --subresource exec -A -f dumps/
      kubeward rbac who-can get /metrics --demo
    """
    _no_as(kube, "who-can")
    analysis = _load(filenames, bundles, demo, kube, excludes)
    request = build_request(analysis, verb, target, subresource, kube.namespace, all_namespaces)
    answer = analysis.index.who_can(request)
    incomplete = _incomplete(analysis, bool(request.namespace))
    universe = analysis.universe
    entries = []
    for entry in answer.entries:
        binding_ns = entry.grant.binding.namespace if entry.grant is not None else ""
        ref = ref_of(entry.subject, binding_ns)
        if ref is not None and excluded(ref, analysis.exclusions):
            continue
        members = [m for m in universe.expand(entry.subject, binding_ns) if m != ref] if entry.grant else []
        builtin = entry.grant is not None and is_builtin_grant(entry.grant.binding, entry.subject)
        entries.append((entry, ref, members, builtin))
    if fmt == "json":
        _echo_json(
            {
                "request": request.describe(),
                "subjects": [
                    {
                        "subject": msgspec.to_builtins(entry.subject),
                        "effective": entry.effective,
                        "builtin": builtin,
                        "privileged": entry.grant is None,
                        "grant": _grant_json(entry.grant) if entry.grant is not None else None,
                        "members": [m.key() for m in members],
                    }
                    for entry, _, members, builtin in entries
                ],
                "errors": list(answer.errors),
                "incomplete": incomplete,
            }
        )
    else:
        rows = [["SUBJECT", "GRANTED BY", "MEMBERS"]]
        for entry, ref, members, builtin in entries:
            subject = ref.text() if ref is not None else f"{entry.subject.kind} {entry.subject.name}"
            if entry.grant is None:
                via = "privileged group: allowed before RBAC"
            else:
                via = chain_text(entry.grant) + (" (built-in)" if builtin else "")
            if not entry.effective:
                via += " (never matches: service account without a namespace)"
            shown = ", ".join(m.key() for m in members[:5]) + (f" (+{len(members) - 5})" if len(members) > 5 else "")
            rows.append([subject, via, shown])
        click.echo(_table(rows), nl=False)
        for error in dict.fromkeys(answer.errors):
            stderr.print(f"kubeward: warning: {error}")
    sys.exit(ExitCode.INCOMPLETE if incomplete else ExitCode.OK)


# --- matrix -----------------------------------------------------------------------------------------


def _subjects(analysis: RbacAnalysis, include_system: bool, kinds: Sequence[str]) -> list[SubjectRef]:
    """Bound subjects, without built-in-only (and excluded) ones unless asked."""
    chosen = []
    for ref, holdings in analysis.holdings.by_subject.items():
        if kinds and ref.kind not in kinds:
            continue
        if not include_system and all(h.builtin for h in holdings):
            continue
        chosen.append(ref)
    return sorted(chosen, key=SubjectRef.sort_key)


@rbac.command("matrix")
@click.option("-A", "--all-namespaces", is_flag=True, help="Ask across all namespaces (only ClusterRoleBindings).")
@click.option(
    "--resource",
    "resources",
    multiple=True,
    metavar="TYPE[/SUBRESOURCE]",
    help="Resource column, e.g. secrets, deployments.apps, pods/exec (repeatable; default: a security-relevant set).",
)
@click.option("--verb", "verbs", multiple=True, help=f"Verb to check (repeatable; default: {', '.join(MATRIX_VERBS)}).")
@click.option(
    "--kind",
    "kinds",
    multiple=True,
    type=click.Choice(["User", "Group", "ServiceAccount"]),
    help="Only these subjects.",
)
@click.option("--include-system", is_flag=True, help="Include built-in (and excluded) subjects.")
@click.option("-o", "--output", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True)
@exclude_option
@rbac_inputs
@kube_options
def matrix(
    all_namespaces: bool,
    resources: tuple[str, ...],
    verbs: tuple[str, ...],
    kinds: tuple[str, ...],
    include_system: bool,
    fmt: str,
    excludes: tuple[str, ...],
    filenames: tuple[str, ...],
    bundles: tuple[str, ...],
    demo: bool,
    kube: KubeFlags,
) -> None:
    """An access matrix: for each bound subject, the verbs it may use on each resource.

    Each cell is a can-i question for the subject's identity (implicit groups included) in the
    namespace of -n (default "default"), or across all namespaces with -A; cluster-scoped resources
    are asked cluster-wide. In --resource, a '/' names a subresource (pods/exec), not an object.
    """
    _no_as(kube, "matrix")
    analysis = _load(filenames, bundles, demo, kube, excludes)
    namespace = "" if all_namespaces else (kube.namespace or DEFAULT_NAMESPACE)
    table = ResourceTable(analysis.inventory.discovery)
    chosen_verbs = verbs or MATRIX_VERBS
    columns: list[tuple[str, list[Request]]] = []
    for text in resources or MATRIX_RESOURCES:
        type_text, _, sub = text.partition("/")
        resolved = table.resolve(type_text)
        for warning in resolved.warnings:
            stderr.print(f"kubeward: warning: {warning}")
        info = resolved.info
        ns = namespace if info.namespaced else ""
        requests = [
            resource_request(v, info.resource, api_group=info.group, subresource=sub, namespace=ns)
            for v in chosen_verbs
        ]
        columns.append((info.text() + (f"/{sub}" if sub else ""), requests))
    incomplete = _incomplete(analysis, bool(namespace))
    index = analysis.index
    rows: list[tuple[SubjectRef, list[list[str]]]] = []
    for ref in _subjects(analysis, include_system, kinds):
        identity = identity_of(ref)
        cells = [[req.verb for req in requests if index.can_i(identity, req).allowed] for _, requests in columns]
        rows.append((ref, cells))
    if fmt == "json":
        _echo_json(
            {
                "namespace": namespace,
                "verbs": list(chosen_verbs),
                "rows": [
                    {
                        "subject": {"kind": ref.kind, "name": ref.name, "namespace": ref.namespace},
                        "access": {name: allowed for (name, _), allowed in zip(columns, cells, strict=True)},
                    }
                    for ref, cells in rows
                ],
                "incomplete": incomplete,
            }
        )
    elif fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["kind", "namespace", "name", *(f"{name}:{v}" for name, _ in columns for v in chosen_verbs)])
        for ref, cells in rows:
            flags = ["yes" if v in allowed else "no" for allowed in cells for v in chosen_verbs]
            writer.writerow([ref.kind, ref.namespace, ref.name, *flags])
        click.echo(out.getvalue(), nl=False)
    else:
        header = ["SUBJECT", *(name for name, _ in columns)]
        lines = [header]
        for ref, cells in rows:
            texts = ["all" if len(allowed) == len(chosen_verbs) else ",".join(allowed) or "-" for allowed in cells]
            lines.append([ref.text(), *texts])
        click.echo(_table(lines), nl=False)
    sys.exit(ExitCode.INCOMPLETE if incomplete else ExitCode.OK)


# --- subjects ---------------------------------------------------------------------------------------


@dataclasses.dataclass
class SubjectRecord:
    """One line of ``rbac subjects``."""

    subject: SubjectRef
    builtin: bool
    bindings: int
    scopes: list[str]
    risks: list[tuple[str, str, str]]  # rule id, tag, severity
    admin: bool
    escalation_steps: int | None
    escalation: str
    inherited_from: str
    risk: str

    def to_json(self) -> dict[str, Any]:
        """The record as JSON values."""
        ref = self.subject
        return {
            "subject": {"kind": ref.kind, "name": ref.name, "namespace": ref.namespace},
            "builtin": self.builtin,
            "bindings": self.bindings,
            "scopes": self.scopes,
            "risks": [{"rule_id": r, "tag": t, "severity": s} for r, t, s in self.risks],
            "admin": self.admin,
            "escalation_steps": self.escalation_steps,
            "escalation": self.escalation,
            "inherited_from": self.inherited_from,
            "risk": self.risk,
        }


@rbac.command("subjects")
@click.option(
    "--kind",
    "kinds",
    multiple=True,
    type=click.Choice(["User", "Group", "ServiceAccount"]),
    help="Only these subjects.",
)
@click.option("--include-system", is_flag=True, help="Include built-in (and excluded) subjects.")
@click.option("-o", "--output", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@exclude_option
@rbac_inputs
@kube_options
def subjects(
    kinds: tuple[str, ...],
    include_system: bool,
    fmt: str,
    excludes: tuple[str, ...],
    filenames: tuple[str, ...],
    bundles: tuple[str, ...],
    demo: bool,
    kube: KubeFlags,
) -> None:
    """Every bound subject: where its bindings apply, which risky permissions it holds (own bindings),
    its shortest path to cluster-admin-equivalent power, and its worst risk.
    """
    _no_as(kube, "subjects")
    analysis = _load(filenames, bundles, demo, kube, excludes)
    incomplete = _incomplete(analysis, True)
    refs = _subjects(analysis, include_system, kinds)
    risks = evaluate_all(analysis.holdings, refs)
    records: list[SubjectRecord] = []
    for ref in refs:
        holdings = analysis.holdings.by_subject[ref]
        held = [(d, h) for d, h in risks.get(ref, []) if include_system or h.user_made]
        admin = analysis.is_admin(ref)
        path = None if admin else analysis.escalation_path(ref)
        distance = analysis.graph.distance.get(ref.key())
        severity = max((d.severity for d, _ in held), key=SEVERITY_RANK.__getitem__, default="none")
        records.append(
            SubjectRecord(
                subject=ref,
                builtin=all(h.builtin for h in holdings),
                bindings=len(holdings),
                scopes=[s or "cluster-wide" for s in sorted({h.scope for h in holdings})],
                risks=[(d.rule_id, d.tag, d.severity) for d, _ in held],
                admin=admin,
                escalation_steps=path.length if path is not None else (None if admin else distance),
                escalation=" -> ".join([path.hops[0].source, *(h.target for h in path.hops)]) if path else "",
                inherited_from="" if path is not None else analysis.inherited_from(ref),
                risk="critical" if admin or distance is not None else severity,
            )
        )
    if fmt == "json":
        _echo_json({"subjects": [r.to_json() for r in records], "incomplete": incomplete})
    else:
        rows = [["SUBJECT", "SCOPE", "RISKY PERMISSIONS", "TO ADMIN", "RISK"]]
        for record in records:
            scope = record.scopes[0] if len(record.scopes) == 1 else f"{record.scopes[0]} +{len(record.scopes) - 1}"
            if record.admin:
                to_admin = "is admin"
            elif record.escalation_steps is not None:
                to_admin = f"{record.escalation_steps} step(s)"
                if record.inherited_from:
                    to_admin += f" as member of {record.inherited_from}"
            else:
                to_admin = "-"
            name = record.subject.text() + (" (built-in)" if record.builtin else "")
            tags = ",".join(tag for _, tag, _ in record.risks) or "-"
            rows.append([name, scope, tags, to_admin, record.risk])
        click.echo(_table(rows), nl=False)
    sys.exit(ExitCode.INCOMPLETE if incomplete else ExitCode.OK)
