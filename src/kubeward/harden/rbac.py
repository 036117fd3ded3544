"""RBAC the reviewer would otherwise write by hand: OIDC group bindings, and scoped replacements of
cluster-admin bindings with a break-glass procedure.

OIDC groups (``--oidc-group GROUP=ROLE``): a ClusterRoleBinding of the group, as the API server names
it (the issuer's groups prefix + the IdP group), to Kubernetes' default ``view``, ``edit`` or ``admin``
ClusterRole; with namespaces, a RoleBinding to that ClusterRole in each (the role's rules then apply
only there, rbac.md §1.3). ``cluster-admin`` is refused unless explicitly allowed; ``system:`` names
are always refused (a prefix that is empty or ``system:`` would let the IdP mint privileged groups).

cluster-admin replacement: for every binding KW-RBAC-001 reports (cluster-admin bound to a subject
outside ``system:``, kubeadm's own ``kubeadm:cluster-admins`` left alone), the subject gets, in this
order of preference:

1. least-privilege Roles from audit logs, when logs are given and show authorized requests of it;
2. a RoleBinding of cluster-admin in a namespace becomes a RoleBinding of ``admin`` there (cluster-admin
   through a RoleBinding is namespace admin already; ``admin`` is the same minus nothing that matters
   inside one namespace except ResourceQuota/LimitRange writes);
3. a ClusterRoleBinding becomes ``view`` cluster-wide (read everything but Secrets) plus ``admin``
   (people) or ``edit`` (service accounts: automation needs no RBAC writes) through RoleBindings in
   the namespaces given, else those where the subject already holds RoleBindings, else (service
   accounts) its own namespace.

Then the old binding is deleted (or, when it also names subjects that stay, rewritten without the
replaced ones) — after the replacement is applied, never before. One break-glass ClusterRoleBinding
binds cluster-admin to a dedicated, audited group that nobody is in day to day; never
``system:masters``, which cannot be revoked by RBAC.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import msgspec

from kubeward.analysis import Analysis
from kubeward.checks.rbac_bindings import INSTALLER_ADMIN_BINDINGS, _is_system
from kubeward.harden._access import RBAC_API_VERSION, RBAC_GROUP, HardenInputError, labels, slug
from kubeward.harden.least_privilege import AuditSubject, build_roles, collect_usage
from kubeward.inventory.model import Inventory
from kubeward.inventory.objects import ClusterRoleBinding, RoleBinding, Subject
from kubeward.rbac.identity import AUTHENTICATED, Identity, service_account_identity
from kubeward.rbac.index import RbacIndex
from kubeward.rbac.policy import RbacPolicy
from kubeward.rbac.request import Request
from kubeward.resolve.authentication import jwt_issuers, legacy_issuer
from kubeward.resolve.config_files import config_file

GROUP_ROLES = ("view", "edit", "admin", "cluster-admin")
DEFAULT_GROUPS_PREFIX = "oidc:"
DEFAULT_BREAK_GLASS_GROUP = "break-glass-cluster-admins"
SYSTEM_PREFIX = "system:"
SCOPED_ROLES = ("admin", "edit", "view")
DEFAULT_SCOPED_ROLE = "view"
"""What a replaced cluster-admin subject keeps when neither --scoped-role nor audit logs say more: read-only.
Write access is then granted on purpose (``--scoped-role edit|admin`` in chosen namespaces, or least privilege
from the audit log); admin or edit by default would bring every risk those roles carry into the rescan."""


@dataclass
class Generated:
    """Files of one generator run (relative name → text), plus notes for the operator."""

    files: dict[str, str] = field(default_factory=dict)
    objects: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


# --- OIDC group bindings ---------------------------------------------------------------------------


@dataclass(frozen=True)
class GroupGrant:
    """``GROUP=ROLE`` from the command line."""

    group: str
    role: str

    @classmethod
    def parse(cls, text: str) -> GroupGrant:
        """``GROUP=view|edit|admin|cluster-admin``."""
        group, sep, role = text.rpartition("=")
        if not sep or not group or not role:
            raise HardenInputError(f"--oidc-group {text!r}: expected GROUP=ROLE (ROLE one of {', '.join(GROUP_ROLES)})")
        if role not in GROUP_ROLES:
            raise HardenInputError(
                f"--oidc-group {text!r}: unknown role {role!r} (choose one of {', '.join(GROUP_ROLES)})"
            )
        return cls(group, role)


def resolve_groups_prefix(inventory: Inventory | None) -> tuple[str | None, str]:
    """The groups prefix the API server applies to OIDC groups, and where it came from.

    ``(None, reason)`` when the scan inputs do not tell (no API server, no issuer, several disagreeing).
    """
    if inventory is None:
        return None, "no scan input"
    found: dict[str, str] = {}
    for api in Analysis(inventory).apiservers:
        issuers = []
        config = config_file(inventory, api, "authentication-config", "AuthenticationConfiguration")
        if config is not None and config.doc is not None:
            issuers.extend(jwt_issuers(config.doc))
        legacy = legacy_issuer(api)
        if legacy is not None:
            issuers.append(legacy)
        for issuer in issuers:
            if issuer.groups.claim:
                found[issuer.groups.prefix or ""] = f"{issuer.source} of {issuer.url}"
    if len(found) == 1:
        prefix, source = next(iter(found.items()))
        return prefix, source
    if not found:
        return None, "no OIDC issuer with a groups claim in the scan inputs"
    return None, f"issuers disagree on the groups prefix ({', '.join(repr(p) for p in sorted(found))})"


def _binding_name(group: str, role: str) -> str:
    return f"oidc-{slug(group)}-{role}"


def oidc_group_bindings(
    grants: Sequence[GroupGrant],
    *,
    prefix: str,
    namespaces: Sequence[str] = (),
    allow_cluster_admin: bool = False,
) -> list[dict[str, Any]]:
    """ClusterRoleBindings (or RoleBindings per namespace) of the prefixed groups to their roles."""
    objects: list[dict[str, Any]] = []
    if prefix.startswith(SYSTEM_PREFIX):
        raise HardenInputError(f"--groups-prefix {prefix!r}: a system: prefix would hand out built-in groups")
    for grant in grants:
        name = grant.group if prefix and grant.group.startswith(prefix) else f"{prefix}{grant.group}"
        if name.startswith(SYSTEM_PREFIX):
            raise HardenInputError(f"--oidc-group {grant.group!r}: system: groups are Kubernetes' own, not the IdP's")
        if grant.role == "cluster-admin" and not allow_cluster_admin:
            raise HardenInputError(
                f"--oidc-group {grant.group}=cluster-admin: refused; bind a break-glass group instead, "
                "or pass --allow-cluster-admin"
            )
        subject = {"apiGroup": RBAC_GROUP, "kind": "Group", "name": name}
        role_ref = {"apiGroup": RBAC_GROUP, "kind": "ClusterRole", "name": grant.role}
        binding_name = _binding_name(grant.group, grant.role)
        if not namespaces:
            objects.append(
                {
                    "apiVersion": RBAC_API_VERSION,
                    "kind": "ClusterRoleBinding",
                    "metadata": {"name": binding_name, "labels": labels()},
                    "roleRef": role_ref,
                    "subjects": [subject],
                }
            )
            continue
        for namespace in sorted(set(namespaces)):
            objects.append(
                {
                    "apiVersion": RBAC_API_VERSION,
                    "kind": "RoleBinding",
                    "metadata": {"name": binding_name, "namespace": namespace, "labels": labels()},
                    "roleRef": dict(role_ref),
                    "subjects": [dict(subject)],
                }
            )
    return objects


# --- cluster-admin replacement ---------------------------------------------------------------------


@dataclass(frozen=True)
class AdminBinding:
    """A binding of cluster-admin that KW-RBAC-001 reports, with the subjects to replace."""

    binding: ClusterRoleBinding | RoleBinding
    replaced: tuple[Subject, ...]
    kept: tuple[Subject, ...]

    @property
    def cluster(self) -> bool:
        """A ClusterRoleBinding."""
        return isinstance(self.binding, ClusterRoleBinding)

    def text(self) -> str:
        """``ClusterRoleBinding/name`` or ``RoleBinding/ns/name``."""
        b = self.binding
        return f"ClusterRoleBinding/{b.name}" if self.cluster else f"RoleBinding/{b.namespace}/{b.name}"


def admin_bindings(inventory: Inventory) -> list[AdminBinding]:
    """The cluster-admin bindings of non-system subjects (KW-RBAC-001's selection)."""
    found: list[AdminBinding] = []
    bindings: list[ClusterRoleBinding | RoleBinding] = [*inventory.cluster_role_bindings, *inventory.role_bindings]
    for binding in bindings:
        if binding.roleRef.kind != "ClusterRole" or binding.roleRef.name != "cluster-admin":
            continue
        if isinstance(binding, ClusterRoleBinding) and binding.name in INSTALLER_ADMIN_BINDINGS:
            continue
        namespace = "" if isinstance(binding, ClusterRoleBinding) else binding.namespace
        # A ServiceAccount subject of a RoleBinding without a namespace is in the binding's namespace.
        subjects = tuple(
            msgspec.structs.replace(s, namespace=namespace) if s.kind == "ServiceAccount" and not s.namespace else s
            for s in binding.subjects
        )
        replaced = tuple(s for s in subjects if not _is_system(s))
        if replaced:
            kept = tuple(s for s in subjects if _is_system(s))
            found.append(AdminBinding(binding, replaced, kept))
    return found


def _subject_dict(subject: Subject, binding_namespace: str = "") -> dict[str, str]:
    if subject.kind == "ServiceAccount":
        return {"kind": "ServiceAccount", "name": subject.name, "namespace": subject.namespace or binding_namespace}
    return {"apiGroup": RBAC_GROUP, "kind": subject.kind, "name": subject.name}


def _subject_text(subject: Subject) -> str:
    if subject.kind == "ServiceAccount":
        return f"ServiceAccount {subject.namespace}/{subject.name}"
    return f"{subject.kind} {subject.name}"


def _subject_keys(subject: Subject) -> set[str]:
    """How ``--subject`` may name a subject: ``NAME``, ``KIND:NAME``, and ``[ServiceAccount:]NS/NAME``."""
    keys = {subject.name, f"{subject.kind}:{subject.name}"}
    if subject.kind == "ServiceAccount":
        keys |= {f"ServiceAccount:{subject.namespace}/{subject.name}", f"{subject.namespace}/{subject.name}"}
    return keys


def _subject_slug(subject: Subject) -> str:
    return slug(f"{subject.namespace}-{subject.name}" if subject.kind == "ServiceAccount" else subject.name)


def _held_namespaces(inventory: Inventory, subject: Subject) -> set[str]:
    """Namespaces where the subject already holds a RoleBinding of something other than cluster-admin."""
    found: set[str] = set()
    for binding in inventory.role_bindings:
        if binding.roleRef.name == "cluster-admin":
            continue
        for other in binding.subjects:
            if (other.kind, other.name) != (subject.kind, subject.name):
                continue
            if other.kind == "ServiceAccount" and (other.namespace or binding.namespace) != subject.namespace:
                continue
            found.add(binding.namespace)
    return found


def _role_binding(name: str, namespace: str, role: str, subject: dict[str, str]) -> dict[str, Any]:
    return {
        "apiVersion": RBAC_API_VERSION,
        "kind": "RoleBinding",
        "metadata": {"name": name, "namespace": namespace, "labels": labels()},
        "roleRef": {"apiGroup": RBAC_GROUP, "kind": "ClusterRole", "name": role},
        "subjects": [subject],
    }


def _cluster_role_binding(name: str, role: str, subjects: list[dict[str, str]]) -> dict[str, Any]:
    return {
        "apiVersion": RBAC_API_VERSION,
        "kind": "ClusterRoleBinding",
        "metadata": {"name": name, "labels": labels()},
        "roleRef": {"apiGroup": RBAC_GROUP, "kind": "ClusterRole", "name": role},
        "subjects": subjects,
    }


def _identity(subject: AuditSubject, groups: set[str]) -> Identity:
    if subject.kind == "ServiceAccount":
        return service_account_identity(subject.namespace, subject.name)
    return Identity(subject.name, frozenset(groups | {AUTHENTICATED}))


def _audit_subject(subject: Subject) -> AuditSubject | None:
    if subject.kind == "ServiceAccount":
        return AuditSubject("ServiceAccount", subject.name, subject.namespace)
    if subject.kind == "User":
        return AuditSubject("User", subject.name)
    return None  # groups: the audit log records members, not the group as a subject


def replace_cluster_admin(
    inventory: Inventory,
    *,
    namespaces: Sequence[str] = (),
    scoped_role: str | None = None,
    audit_logs: Iterable[Path] = (),
    break_glass_group: str = DEFAULT_BREAK_GLASS_GROUP,
    groups_prefix: str = "",
    only: Sequence[str] = (),
) -> Generated:
    """Scoped replacements, removal steps and the break-glass binding for every reported binding.

    ``only``: restrict to these subjects (``User:alice``, ``Group:x``, ``ServiceAccount:ns/name``, or a
    bare name); an unknown one is an input error.
    """
    if scoped_role is not None and scoped_role not in SCOPED_ROLES:
        raise HardenInputError(f"--scoped-role {scoped_role!r}: choose one of {', '.join(SCOPED_ROLES)}")
    if not (inventory.coverage("clusterrolebindings").ok or inventory.coverage("rolebindings").ok):
        raise HardenInputError("the inputs hold no ClusterRoleBindings or RoleBindings to replace")
    found = admin_bindings(inventory)
    if only:
        wanted = set(only)
        known = {key for entry in found for subject in entry.replaced for key in _subject_keys(subject)}
        unknown = sorted(wanted - known)
        if unknown:
            raise HardenInputError(
                f"--subject {', '.join(unknown)}: not bound to cluster-admin in the inputs "
                f"(bound: {', '.join(sorted(_subject_text(s) for e in found for s in e.replaced)) or 'nobody'})"
            )
        narrowed = []
        for entry in found:
            chosen = tuple(s for s in entry.replaced if _subject_keys(s) & wanted)
            if chosen:
                rest = tuple(s for s in entry.replaced + entry.kept if s not in chosen)
                narrowed.append(AdminBinding(entry.binding, chosen, rest))
        found = narrowed
    logs = list(audit_logs)
    for path in logs:
        if not path.exists():
            raise HardenInputError(f"--from-audit {path}: no such file or directory")
    result = Generated()
    replaced_keys = {entry.text() for entry in found}
    index: list[RbacIndex] = []

    def remaining() -> RbacIndex:
        """The RBAC engine over the inputs without the bindings being replaced (built once, on demand)."""
        if not index:
            kept = msgspec.structs.replace(
                inventory,
                cluster_role_bindings=tuple(
                    b for b in inventory.cluster_role_bindings if f"ClusterRoleBinding/{b.name}" not in replaced_keys
                ),
                role_bindings=tuple(
                    b for b in inventory.role_bindings if f"RoleBinding/{b.namespace}/{b.name}" not in replaced_keys
                ),
            )
            index.append(RbacIndex(RbacPolicy.from_inventory(kept)))
        return index[0]

    replacement: list[dict[str, Any]] = []
    steps: list[str] = []
    summary: list[str] = []
    done: set[tuple[str, str, str]] = set()
    for entry in found:
        binding = entry.binding
        for subject in entry.replaced:
            key = (subject.kind, subject.namespace, subject.name)
            subject_dict = _subject_dict(subject, "" if entry.cluster else binding.namespace)
            base = f"{_subject_slug(subject)}-replaces-cluster-admin"
            audit = _audit_subject(subject) if logs else None
            usage = collect_usage(logs, audit.username) if audit is not None else None
            if usage is not None and audit is not None:
                if not entry.cluster:
                    # A RoleBinding granted only inside its namespace: requests elsewhere were allowed by
                    # other bindings, which stay.
                    usage.resources = {u for u in usage.resources if u.namespace == binding.namespace}
                    usage.urls = set()
                # What the subject's other bindings (which stay) already allow needs no new grant.
                identity = _identity(audit, usage.groups)

                def granted(request: Request, who: Identity = identity) -> bool:
                    return remaining().can_i(who, request).allowed

                covered = usage.drop(granted)
                if covered:
                    summary.append(
                        f"{_subject_text(subject)}: {covered} logged use(s) already granted by other bindings"
                    )
            if usage is not None and audit is not None and not usage.empty:
                if key not in done:
                    replacement.extend(build_roles(usage, audit, name=f"{_subject_slug(subject)}-least-privilege"))
                summary.append(
                    f"{_subject_text(subject)} ({entry.text()}): least-privilege roles from {usage.requests} "
                    "authorized request(s) in the audit logs"
                )
            elif not entry.cluster:
                role = scoped_role or DEFAULT_SCOPED_ROLE
                replacement.append(_role_binding(base, binding.namespace, role, subject_dict))
                summary.append(f"{_subject_text(subject)} ({entry.text()}): {role} in namespace {binding.namespace}")
            else:
                role = scoped_role or DEFAULT_SCOPED_ROLE
                scope = set(namespaces) or _held_namespaces(inventory, subject)
                if not scope and subject.kind == "ServiceAccount" and subject.namespace:
                    scope = {subject.namespace}
                if key not in done:
                    replacement.append(_cluster_role_binding(f"{base}-view", "view", [subject_dict]))
                    for namespace in sorted(scope):
                        replacement.append(_role_binding(base, namespace, role, dict(subject_dict)))
                where = f"{role} in {', '.join(sorted(scope))}" if scope else "no namespace write access"
                summary.append(f"{_subject_text(subject)} ({entry.text()}): view cluster-wide, {where}")
            done.add(key)
        if entry.kept:
            metadata = (
                {"name": binding.name} if entry.cluster else {"name": binding.name, "namespace": binding.namespace}
            )
            replacement.append(
                {
                    "apiVersion": RBAC_API_VERSION,
                    "kind": binding.kind,
                    "metadata": metadata,
                    "roleRef": {"apiGroup": RBAC_GROUP, "kind": "ClusterRole", "name": "cluster-admin"},
                    "subjects": [_subject_dict(s, "" if entry.cluster else binding.namespace) for s in entry.kept],
                }
            )
            steps.append(f"# {entry.text()} keeps its system subjects; the rewritten binding is in replacement.yaml")
        elif entry.cluster:
            steps.append(f"kubectl delete clusterrolebinding {binding.name}")
        else:
            steps.append(f"kubectl delete rolebinding {binding.name} -n {binding.namespace}")
    glass = break_glass_group if break_glass_group.startswith(groups_prefix) else f"{groups_prefix}{break_glass_group}"
    if glass.startswith(SYSTEM_PREFIX):
        raise HardenInputError(f"--break-glass-group {glass!r}: must not be a system: group (never system:masters)")
    break_glass = _cluster_role_binding(
        "break-glass-cluster-admin",
        "cluster-admin",
        [{"apiGroup": RBAC_GROUP, "kind": "Group", "name": glass}],
    )
    break_glass["metadata"]["annotations"] = {
        "kubeward.dev/purpose": "break-glass: emergency cluster-admin, membership granted only for an incident",
    }
    result.objects["replacement.yaml"] = replacement
    result.objects["break-glass.yaml"] = [break_glass]
    script = [
        "#!/bin/sh",
        "# Replace cluster-admin bindings with scoped access (generated by kubeward harden rbac).",
        "# Order matters: grant the replacement first, check it, then remove cluster-admin.",
        "set -eu",
        "kubectl apply -f break-glass.yaml",
        "kubectl apply -f replacement.yaml",
        *steps,
    ]
    result.files["replace-cluster-admin.sh"] = "\n".join(script) + "\n"
    result.files["BREAK-GLASS.md"] = _break_glass_note(glass, summary)
    result.files[".kubewardignore.yaml"] = (
        "ignore:\n"
        "  - id: KW-RBAC-001\n"
        "    match: {kind: ClusterRoleBinding, name: break-glass-cluster-admin}\n"
        f"    statement: Break-glass cluster-admin for group {glass}; members only during incidents,"
        " reviewed quarterly\n"
    )
    result.notes.extend(summary)
    if not found:
        result.notes.append("no cluster-admin binding of a non-system subject: nothing to replace")
    return result


def _break_glass_note(group: str, summary: Sequence[str]) -> str:
    lines = [
        "# Break-glass access",
        "",
        "cluster-admin is no longer bound to people or automation day to day. For emergencies one",
        f"ClusterRoleBinding, `break-glass-cluster-admin`, binds cluster-admin to the IdP group `{group}`:",
        "",
        "- The group is empty in normal operation. Adding someone is an incident action: ticket, second",
        "  approver, time limit (remove the member when the incident closes).",
        "- Every request of a member is in the audit log (the user is the person, not a shared account):",
        "  review them after the incident (`kubeward audit hunt --user <member>`).",
        "- Never use `system:masters` (a client certificate with O=system:masters) for this: it bypasses RBAC",
        "  and cannot be revoked by deleting a binding; keep kubeadm's admin.conf offline, in a vault.",
        "- The binding is reported by KW-RBAC-001 on purpose; `.kubewardignore.yaml` records it as a",
        "  reviewed exception.",
        "",
        "## Replacements",
        "",
        *(f"- {line}" for line in summary),
        "",
        "Apply with `sh replace-cluster-admin.sh` (replacement first, removal of cluster-admin last).",
    ]
    return "\n".join(lines) + "\n"
