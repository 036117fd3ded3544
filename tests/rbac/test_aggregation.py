"""ClusterRole aggregation computed offline (rbac.md §1.4) and label selector semantics."""

import msgspec
import pytest
from tests.rbac.factories import cluster_role, rule

from kubeward.inventory.objects import LabelSelector, LabelSelectorRequirement, ObjectMeta
from kubeward.rbac.aggregation import aggregate
from kubeward.rbac.selectors import InvalidSelector, matches, validate

TO_ADMIN = {"rbac.authorization.k8s.io/aggregate-to-admin": "true"}
TO_EDIT = {"rbac.authorization.k8s.io/aggregate-to-edit": "true"}
TO_VIEW = {"rbac.authorization.k8s.io/aggregate-to-view": "true"}
PODS = rule(["get"], resources=["pods"])
SECRETS = rule(["get"], resources=["secrets"])
ROLES = rule(["create"], ["rbac.authorization.k8s.io"], ["roles"])
DEAD = rule(["*"], ["*"], ["*"])


def selector(labels: dict[str, str]) -> LabelSelector:
    return LabelSelector(matchLabels=labels)


def test_chain_to_a_fixpoint_and_dead_rules_dropped() -> None:
    roles = [
        # The aggregating roles come first so a single pass in list order would not converge.
        cluster_role("admin", aggregate=[selector(TO_ADMIN)], stored_rules=[DEAD]),
        cluster_role("edit", aggregate=[selector(TO_EDIT)], labels=TO_ADMIN),
        cluster_role("view", aggregate=[selector(TO_VIEW)], labels=TO_EDIT),
        cluster_role("z-to-admin", ROLES, labels=TO_ADMIN),
        cluster_role("z-to-edit", SECRETS, labels=TO_EDIT),
        cluster_role("z-to-view", PODS, labels=TO_VIEW),
    ]
    result = aggregate(roles)
    assert result.rules["view"] == (PODS,)
    assert set(result.rules["edit"]) == {PODS, SECRETS}
    assert set(result.rules["admin"]) == {PODS, SECRETS, ROLES}
    assert DEAD not in result.rules["admin"]
    assert result.aggregated == {"admin", "edit", "view"}
    assert result.issues == []


def test_order_selectors_then_names_and_duplicates_once() -> None:
    roles = [
        cluster_role("agg", aggregate=[selector({"a": "1"}), selector({"b": "1"})]),
        cluster_role("y", SECRETS, PODS, labels={"a": "1"}),
        cluster_role("x", PODS, labels={"a": "1", "b": "1"}),
        cluster_role("w", ROLES, labels={"b": "1"}),
    ]
    # selector a: x then y (by name); selector b: w, x (x's rule already there).
    assert aggregate(roles).rules["agg"] == (PODS, SECRETS, ROLES)


def test_selector_matching_nothing_strips_rules_and_self_is_skipped() -> None:
    roles = [
        cluster_role("lonely", aggregate=[selector({"nobody": "true"})], stored_rules=[PODS]),
        cluster_role("selfish", aggregate=[selector({"me": "true"})], labels={"me": "true"}, stored_rules=[PODS]),
    ]
    result = aggregate(roles)
    assert result.rules["lonely"] == ()
    assert result.rules["selfish"] == ()


def test_cycles_converge_to_the_union() -> None:
    roles = [
        cluster_role("a", aggregate=[selector({"to-a": "true"})], labels={"to-b": "true"}),
        cluster_role("b", aggregate=[selector({"to-b": "true"})], labels={"to-a": "true"}),
        cluster_role("c", PODS, labels={"to-a": "true"}),
        cluster_role("d", SECRETS, labels={"to-b": "true"}),
    ]
    result = aggregate(roles)
    assert set(result.rules["a"]) == {PODS, SECRETS}
    assert set(result.rules["b"]) == {PODS, SECRETS}


def test_invalid_selector_keeps_stored_rules_and_is_reported() -> None:
    bad = LabelSelector(matchExpressions=(LabelSelectorRequirement(key="x", operator="Like", values=("1",)),))
    roles = [cluster_role("agg", aggregate=[bad], stored_rules=[PODS]), cluster_role("x", SECRETS, labels={"x": "1"})]
    result = aggregate(roles)
    assert result.rules["agg"] == (PODS,)
    assert result.issues == [
        "ClusterRole agg: aggregationRule not applied ('Like' is not a valid label selector operator); "
        "its stored rules are kept"
    ]


@pytest.mark.parametrize(
    ("requirement", "labels", "selected"),
    [
        (("env", "In", ("prod", "qa")), {"env": "qa"}, True),
        (("env", "In", ("prod",)), {"env": "qa"}, False),
        (("env", "In", ("prod",)), {}, False),
        (("env", "NotIn", ("prod",)), {"env": "qa"}, True),
        (("env", "NotIn", ("prod",)), {}, True),
        (("env", "NotIn", ("prod",)), {"env": "prod"}, False),
        (("env", "Exists", ()), {"env": ""}, True),
        (("env", "Exists", ()), {}, False),
        (("env", "DoesNotExist", ()), {}, True),
        (("env", "DoesNotExist", ()), {"env": "x"}, False),
    ],
)
def test_match_expressions(
    requirement: tuple[str, str, tuple[str, ...]], labels: dict[str, str], selected: bool
) -> None:
    key, operator, values = requirement
    sel = LabelSelector(matchExpressions=(LabelSelectorRequirement(key=key, operator=operator, values=values),))
    validate(sel)
    assert matches(sel, labels) is selected


def test_empty_selector_selects_everything_and_labels_combine() -> None:
    assert matches(LabelSelector(), {})
    both = LabelSelector(
        matchLabels={"a": "1"},
        matchExpressions=(LabelSelectorRequirement(key="b", operator="Exists"),),
    )
    assert matches(both, {"a": "1", "b": "x"})
    assert not matches(both, {"a": "1"})
    assert not matches(both, {"a": "2", "b": "x"})


@pytest.mark.parametrize(
    "requirement",
    [("k", "In", ()), ("k", "NotIn", ()), ("k", "Exists", ("v",)), ("k", "DoesNotExist", ("v",)), ("k", "Gt", ("1",))],
)
def test_invalid_selectors(requirement: tuple[str, str, tuple[str, ...]]) -> None:
    key, operator, values = requirement
    with pytest.raises(InvalidSelector):
        validate(LabelSelector(matchExpressions=(LabelSelectorRequirement(key=key, operator=operator, values=values),)))


def test_roles_read_from_an_api_server_keep_their_stored_rules() -> None:
    # The authorizer reads stored rules; a dump that lacks the selected roles must not empty them.
    stored = msgspec.structs.replace(
        cluster_role("admin", aggregate=[selector(TO_ADMIN)], stored_rules=[PODS, ROLES]),
        metadata=ObjectMeta(name="admin", uid="3c4386a0"),
    )
    result = aggregate([stored, cluster_role("z", SECRETS, labels=TO_ADMIN)])
    assert result.rules["admin"] == (PODS, ROLES)
    assert "admin" in result.aggregated
    assert result.issues == [
        "ClusterRole admin: its stored rules (2) differ from the union of the roles it aggregates in these inputs "
        "(1); the stored rules are used, as the API server does"
    ]
    # rules: null means the controller has not written them yet: computed, even for an API object.
    pending = msgspec.structs.replace(
        cluster_role("admin", aggregate=[selector(TO_ADMIN)]), metadata=ObjectMeta(name="admin", uid="3c4386a0")
    )
    assert aggregate([pending, cluster_role("z", SECRETS, labels=TO_ADMIN)]).rules["admin"] == (SECRETS,)
