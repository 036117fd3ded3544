"""Label selectors as ``metav1.LabelSelectorAsSelector`` interprets them.

Used for ClusterRole aggregation. Semantics (apimachinery ``labels`` package):

- an empty selector (no ``matchLabels``, no ``matchExpressions``) selects everything;
- ``matchLabels`` entries are equality requirements;
- ``In`` needs the key present with one of the values; ``NotIn`` matches when the key is absent or
  its value is none of the values; ``Exists`` / ``DoesNotExist`` test presence only;
- ``In``/``NotIn`` need at least one value, ``Exists``/``DoesNotExist`` none, and any other operator
  is an error. A selector with an error selects nothing here and is reported, because the
  aggregation controller stops on it and leaves the role as it was.
"""

from collections.abc import Mapping

from kubeward.inventory.objects import LabelSelector, LabelSelectorRequirement


class InvalidSelector(ValueError):
    """The selector would be rejected by ``LabelSelectorAsSelector``."""


def validate(selector: LabelSelector) -> None:
    """Raise InvalidSelector when the selector is not a valid label selector."""
    for requirement in selector.matchExpressions:
        operator = requirement.operator
        if operator in ("In", "NotIn"):
            if not requirement.values:
                raise InvalidSelector(f"{requirement.key}: for 'In', 'NotIn' operators, values set can't be empty")
        elif operator in ("Exists", "DoesNotExist"):
            if requirement.values:
                raise InvalidSelector(f"{requirement.key}: values set must be empty for exists and does not exist")
        else:
            raise InvalidSelector(f"{operator!r} is not a valid label selector operator")


def _requirement_matches(requirement: LabelSelectorRequirement, labels: Mapping[str, str]) -> bool:
    present = requirement.key in labels
    operator = requirement.operator
    if operator == "In":
        return present and labels[requirement.key] in requirement.values
    if operator == "NotIn":
        return not present or labels[requirement.key] not in requirement.values
    if operator == "Exists":
        return present
    if operator == "DoesNotExist":
        return not present
    raise InvalidSelector(f"{operator!r} is not a valid label selector operator")


def matches(selector: LabelSelector, labels: Mapping[str, str]) -> bool:
    """Whether ``selector`` selects an object with ``labels`` (validate the selector first)."""
    for key, value in selector.matchLabels.items():
        if labels.get(key) != value:
            return False
    return all(_requirement_matches(requirement, labels) for requirement in selector.matchExpressions)
