"""The access review as text sections, shared by the table and Markdown reporters.

Each question becomes a titled list. User-made entries are listed (up to ``limit`` per list, the
JSON report has them all); built-in ones are counted apart, so the defaults are visible without
drowning what people made.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from kubeward.report.model import AccessReview, ReviewEntry, ReviewGrant, ReviewPath, ReviewSubject

DEFAULT_LIMIT = 20


@dataclass(frozen=True)
class Section:
    """A titled list of lines."""

    title: str
    lines: tuple[str, ...]


def subject_text(subject: ReviewSubject) -> str:
    """``ServiceAccount ns/name`` or ``User alice``."""
    if subject.kind == "ServiceAccount":
        return f"ServiceAccount {subject.namespace}/{subject.name}"
    return f"{subject.kind} {subject.name}"


def grant_text(grant: ReviewGrant) -> str:
    """``RoleBinding ns/name → ClusterRole/edit``."""
    return f"{grant.binding} → {grant.role}"


def path_text(path: ReviewPath) -> str:
    """``A -[action]-> B -[action]-> cluster-admin-equivalent power``."""
    if not path.hops:
        return subject_text(path.subject)
    parts = [path.hops[0].source]
    parts += [f"-[{hop.action}]-> {hop.target}" for hop in path.hops]
    return " ".join(parts)


def _split(items: Sequence[ReviewEntry]) -> tuple[list[ReviewEntry], int]:
    user = [e for e in items if not e.subject.builtin]
    return user, len(items) - len(user)


def _entry_lines(items: Sequence[ReviewEntry], limit: int) -> tuple[str, ...]:
    user, builtin = _split(items)
    lines = []
    for entry in user[:limit]:
        via = "; ".join(dict.fromkeys(grant_text(g) for g in entry.grants))
        lines.append(f"{subject_text(entry.subject)}: {'; '.join(entry.permissions)} (via {via})")
    if len(user) > limit:
        lines.append(f"... and {len(user) - limit} more (see the JSON report)")
    if not user:
        lines.append("none user-made")
    if builtin:
        lines.append(f"+ {builtin} built-in subject(s) (Kubernetes defaults or excluded), listed in the JSON report")
    return tuple(lines)


def sections(review: AccessReview, limit: int = DEFAULT_LIMIT) -> list[Section]:
    """The review's questions, in the seed's order."""
    out: list[Section] = []
    if not review.complete:
        out.append(
            Section(
                "Incomplete",
                ("RBAC objects missing, so every answer below is a lower bound: " + "; ".join(review.missing),),
            )
        )
    sprawl = review.cluster_admin
    lines = [
        f"{sprawl.non_system} non-system subject(s) hold cluster-admin-equivalent power "
        f"({sprawl.builtin} built-in holder(s) not counted)"
    ]
    for entry in sprawl.holders[:limit]:
        via = "; ".join(dict.fromkeys(grant_text(g) for g in entry.grants))
        lines.append(f"{subject_text(entry.subject)} via {via}")
    lines += [f"shared: {subject_text(s.subject)}: {s.reason}" for s in sprawl.shared]
    out.append(Section("cluster-admin sprawl", tuple(lines)))

    user_paths = [p for p in review.elevation if not p.subject.builtin]
    builtin_paths = len(review.elevation) - len(user_paths)
    lines = [f"{subject_text(p.subject)} ({p.steps} step(s)): {path_text(p)}" for p in user_paths[:limit]]
    if len(user_paths) > limit:
        lines.append(f"... and {len(user_paths) - limit} more (see the JSON report)")
    if not user_paths:
        lines.append("none user-made")
    if builtin_paths:
        lines.append(f"+ {builtin_paths} built-in subject(s) with a path, listed in the JSON report")
    out.append(Section("Who can elevate themselves (paths to cluster-admin-equivalent power)", tuple(lines)))
    out.append(Section("Who can read Secrets", _entry_lines(review.secret_readers, limit)))
    out.append(
        Section(
            "Automation identities that can create or update workloads", _entry_lines(review.workload_writers, limit)
        )
    )
    out.append(Section("Who can exec or attach into pods", _entry_lines(review.exec_into_pods, limit)))

    user_roles = [r for r in review.roles if not r.builtin]
    by_scope: dict[str, list[str]] = {"namespace": [], "cluster": [], "unbound": []}
    for role in user_roles:
        name = f"Role {role.namespace}/{role.name}" if role.kind == "Role" else f"ClusterRole {role.name}"
        if role.kind == "ClusterRole" and role.scope == "namespace":
            name += f" (RoleBindings in {', '.join(role.namespaces)})"
        by_scope[role.scope].append(name)
    lines = [
        f"{len(by_scope['namespace'])} namespace-scoped, {len(by_scope['cluster'])} cluster-wide, "
        f"{len(by_scope['unbound'])} unbound user-made role(s); {len(review.roles) - len(user_roles)} built-in"
    ]
    labels = {"namespace": "namespace-scoped", "cluster": "cluster-wide", "unbound": "unbound"}
    for scope, names in by_scope.items():
        if names:
            shown = ", ".join(names[:limit]) + (f", ... and {len(names) - limit} more" if len(names) > limit else "")
            lines.append(f"{labels[scope]}: {shown}")
    out.append(Section("Roles by scope", tuple(lines)))
    if review.dangling_bindings:
        out.append(Section("Bindings to missing roles", review.dangling_bindings[:limit]))
    if review.notes:
        out.append(Section("Notes", review.notes[:limit]))
    return out
