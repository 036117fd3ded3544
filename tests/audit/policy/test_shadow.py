"""Shadowing is sound: when ``covers`` says an earlier rule covers a later one, no request tells them apart."""

from hypothesis import given, settings
from hypothesis import strategies as st

from kubeward.audit.policy.checker import Request, rule_matches
from kubeward.audit.policy.model import GroupResources, PolicyRule
from kubeward.audit.policy.shadow import covers

names = st.sampled_from(["alice", "bob"])
groups = st.sampled_from(["admins", "devs"])
verbs = st.sampled_from(["get", "watch", "create"])
namespaces = st.sampled_from(["", "apps", "kube-system"])
api_groups = st.sampled_from(["", "apps", "*"])
specs = st.sampled_from(["pods", "pods/exec", "pods/*", "*/exec", "*", "secrets", "secrets/*"])
urls = st.sampled_from(["/healthz", "/healthz*", "/h*", "*", "/version", "/api*"])


def small(values: st.SearchStrategy[str]) -> st.SearchStrategy[list[str]]:
    return st.lists(values, max_size=2, unique=True)


entries = st.builds(
    GroupResources,
    group=api_groups,
    resources=small(specs),
    resource_names=small(st.sampled_from(["a", "b"])),
)
resource_rules = st.builds(
    PolicyRule,
    level=st.just("Metadata"),
    users=small(names),
    user_groups=small(groups),
    verbs=small(verbs),
    resources=st.lists(entries, max_size=2),
    namespaces=small(namespaces),
)
url_rules = st.builds(PolicyRule, level=st.just("None"), verbs=small(verbs), non_resource_urls=small(urls))
rules = st.one_of(resource_rules, url_rules)
requests = st.one_of(
    st.builds(
        Request,
        verb=verbs,
        resource=st.sampled_from(["pods", "secrets", "nodes"]),
        subresource=st.sampled_from(["", "exec", "log"]),
        group=st.sampled_from(["", "apps"]),
        namespace=namespaces,
        name=st.sampled_from(["", "a", "b"]),
        user=st.one_of(st.none(), names),
        user_groups=st.lists(groups, max_size=2).map(tuple),
    ),
    st.builds(Request, verb=verbs, path=st.sampled_from(["/healthz", "/healthz/etcd", "/version", "/apis", "/h"])),
)


@settings(max_examples=400)
@given(rules, rules, st.lists(requests, min_size=1, max_size=20))
def test_covered_rules_never_match_alone(earlier: PolicyRule, later: PolicyRule, probe: list[Request]) -> None:
    if covers(earlier, later):
        for request in probe:
            assert not rule_matches(later, request) or rule_matches(earlier, request)


def test_exact_cases() -> None:
    pods_star = PolicyRule(level="None", resources=[GroupResources(group="", resources=["pods/*"])])
    pods = PolicyRule(level="Request", verbs=["create"], resources=[GroupResources(group="", resources=["pods"])])
    assert covers(pods_star, pods)
    assert not covers(pods, pods_star)
    assert covers(PolicyRule(level="Metadata"), pods)
    assert not covers(pods, PolicyRule(level="Metadata"))
    healthz = PolicyRule(level="None", non_resource_urls=["/healthz*"])
    assert covers(healthz, PolicyRule(level="None", non_resource_urls=["/healthz/etcd", "/healthz*"]))
    assert not covers(healthz, PolicyRule(level="None", non_resource_urls=["/h*"]))
