"""One way to write "binding → role → rule" everywhere: findings, the access review and the CLI."""

from collections.abc import Sequence
from typing import Protocol

from kubeward.rbac.capabilities import WILDCARD, AtomGrant
from kubeward.rbac.matchers import describe_rule
from kubeward.rbac.policy import BindingEntry


class GrantLike(Protocol):
    """Anything that names a binding and the index of the granting rule in its role."""

    @property
    def binding(self) -> BindingEntry:
        """The granting binding."""

    @property
    def rule_index(self) -> int:
        """Index of the granting rule in the binding's role."""


def role_text(binding: BindingEntry) -> str:
    """``ClusterRole/edit`` or ``Role/ns/name`` (the role as resolved), or the dangling reference."""
    if binding.role is not None:
        return binding.role.key()
    return binding.role_text()


def rule_text(grant: GrantLike) -> str:
    """The granting rule's text, ``rule N: verbs=[...] ...`` (N counts from 1)."""
    role = grant.binding.role
    if role is None:
        return ""
    return f"rule {grant.rule_index + 1}: {describe_rule(role.rules[grant.rule_index])}"


def chain_text(grant: GrantLike) -> str:
    """``RoleBinding ns/name → ClusterRole/edit → rule 3: verbs=[...] ...``."""
    binding = grant.binding
    binding_text = binding.key().replace(f"{binding.kind}/", f"{binding.kind} ", 1)
    return f"{binding_text} → {role_text(binding)} → {rule_text(grant)}"


def scope_summary(grants: Sequence[AtomGrant]) -> str:
    """``get/list secrets in namespace web; create pods cluster-wide`` (verbs merged per resource,
    name restrictions noted).
    """
    by_scope: dict[str, dict[str, dict[str, None]]] = {}
    for grant in grants:
        if grant.atom == WILDCARD:
            verb, what = "use", "* verbs on * resources in every API group"
        else:
            verb, _, what = grant.atom.partition(" ")
        if grant.names is not None:
            what += f" (only {', '.join(sorted(grant.names))})"
        by_scope.setdefault(grant.scope, {}).setdefault(what, {})[verb] = None
    parts = []
    for scope in sorted(by_scope):
        where = "cluster-wide" if not scope else f"in namespace {scope}"
        items = ", ".join(f"{'/'.join(verbs)} {what}" for what, verbs in by_scope[scope].items())
        parts.append(f"{items} {where}")
    return "; ".join(parts)
