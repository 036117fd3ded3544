"""The brute-force evaluator: a direct transcription of the upstream decision procedure.

For each request it walks every ClusterRoleBinding and every RoleBinding of the Inventory (keeping
those of the request's namespace), matches subjects with ``applies_to`` and rules with the plain
``matchers`` — no index, no compiled rules, no caches. It shares only ClusterRole aggregation with
the indexed engine (aggregation has its own exact tests).

It is the oracle of the property tests (the indexed engine must agree with it on generated RBAC)
and the "naive evaluator" of the benchmark.
"""

from collections.abc import Iterable

from kubeward.inventory.model import Inventory
from kubeward.inventory.objects import ClusterRoleBinding, PolicyRule, RoleBinding, Subject
from kubeward.rbac.aggregation import aggregate
from kubeward.rbac.identity import MASTERS, Identity, applies_to
from kubeward.rbac.matchers import rule_allows
from kubeward.rbac.request import Request


class ReferenceEvaluator:
    """Walks all bindings for every question."""

    def __init__(self, inventory: Inventory) -> None:
        self.cluster_role_bindings = inventory.cluster_role_bindings
        self.role_bindings = inventory.role_bindings
        self.cluster_role_rules = aggregate(inventory.cluster_roles).rules
        self.role_rules: dict[tuple[str, str], tuple[PolicyRule, ...]] = {}
        for role in inventory.roles:
            self.role_rules.setdefault((role.namespace, role.name), role.rules or ())

    def _rules(self, binding: RoleBinding | ClusterRoleBinding, namespace: str) -> tuple[PolicyRule, ...]:
        ref = binding.roleRef
        if ref.kind == "ClusterRole":
            return self.cluster_role_rules.get(ref.name, ())
        if ref.kind == "Role" and namespace:
            return self.role_rules.get((namespace, ref.name), ())
        return ()

    def _visible(self, namespace: str) -> Iterable[tuple[RoleBinding | ClusterRoleBinding, str]]:
        for crb in self.cluster_role_bindings:
            yield crb, ""
        if namespace:
            for rb in self.role_bindings:
                if rb.namespace == namespace:
                    yield rb, namespace

    def can_i(self, identity: Identity, request: Request) -> bool:
        """Allowed or not, by walking everything."""
        if MASTERS in identity.groups:
            return True
        for binding, binding_namespace in self._visible(request.namespace):
            if not any(applies_to(identity, subject, binding_namespace) for subject in binding.subjects):
                continue
            if any(rule_allows(request, rule) for rule in self._rules(binding, binding_namespace)):
                return True
        return False

    def who_can(self, identities: Iterable[Identity], request: Request) -> set[Identity]:
        """The identities among ``identities`` that ``can_i`` allows."""
        return {identity for identity in identities if self.can_i(identity, request)}

    def allowed_subjects(self, request: Request) -> list[Subject]:
        """The subject locator (``AllowedSubjects``): system:masters, then the subjects of every
        binding that counts for the request's namespace and whose role allows it, in order.
        """
        subjects = [Subject(kind="Group", name=MASTERS, apiGroup="rbac.authorization.k8s.io")]
        for binding, binding_namespace in self._visible(request.namespace):
            if any(rule_allows(request, rule) for rule in self._rules(binding, binding_namespace)):
                subjects.extend(binding.subjects)
        return subjects
