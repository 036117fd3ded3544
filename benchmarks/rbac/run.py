"""Benchmark the RBAC engine on a large synthetic cluster, against the naive evaluator.

    python benchmarks/rbac/run.py [--scale 1.0] [--samples 2000]

Targets on 2 cores (issue 4 item 8): index built <= 10 s and <= 1 GB peak RSS; who-can <= 100 ms;
can-i <= 1 ms median; the full access review <= 30 s. The naive evaluator is
``kubeward.rbac.reference`` — the upstream procedure without an index: every can-i walks every
ClusterRoleBinding and every RoleBinding of the Inventory, every who-can walks every binding and
matches every rule without memoising roles. Ratios are naive time / indexed time on the same objects
and the same questions. Not a timed test: it prints, it does not assert.
"""

from __future__ import annotations

import argparse
import gc
import random
import resource
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import generate  # noqa: E402

from kubeward.analysis import Analysis  # noqa: E402
from kubeward.checks.catalog import load_rules  # noqa: E402
from kubeward.engine import run_rules  # noqa: E402
from kubeward.rbac.identity import Identity  # noqa: E402
from kubeward.rbac.index import RbacIndex  # noqa: E402
from kubeward.rbac.policy import RbacPolicy  # noqa: E402
from kubeward.rbac.reference import ReferenceEvaluator  # noqa: E402
from kubeward.rbac.request import Request, resource_request  # noqa: E402
from kubeward.rbac.review import build_access_review  # noqa: E402
from kubeward.rbac.subjects import SubjectRef, identity_of, ref_of  # noqa: E402

T = TypeVar("T")


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(func: Callable[[], T]) -> tuple[T, float]:
    start = time.perf_counter()
    value = func()
    return value, time.perf_counter() - start


def questions(rng: random.Random, namespaces: list[str], count: int) -> list[Request]:
    shapes = (
        ("get", "secrets", "", ""),
        ("list", "pods", "", ""),
        ("create", "deployments", "apps", ""),
        ("create", "pods", "", "exec"),
        ("update", "deployments", "apps", "scale"),
        ("get", "widgets", "example.com", ""),
    )
    out = []
    for _ in range(count):
        verb, resource_name, group, sub = rng.choice(shapes)
        namespace = "" if rng.random() < 0.1 else rng.choice(namespaces)
        name = "app-credentials" if resource_name == "secrets" and rng.random() < 0.5 else ""
        out.append(
            resource_request(verb, resource_name, api_group=group, subresource=sub, name=name, namespace=namespace)
        )
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of the issue's cluster size")
    parser.add_argument("--samples", type=int, default=2000, help="can-i questions for the median")
    parser.add_argument("--naive-samples", type=int, default=40, help="questions asked of the naive evaluator")
    args = parser.parse_args()
    scale = generate.Scale().times(args.scale)
    rng = random.Random(7)

    inventory, generation = timed(lambda: generate.synthetic_inventory(scale))
    rss_inventory = peak_rss_mb()
    print(
        f"synthetic cluster: {len(inventory.namespaces) or scale.namespaces} namespaces, {len(inventory.roles)} Roles, "
        f"{len(inventory.cluster_roles)} ClusterRoles, {len(inventory.role_bindings)} RoleBindings, "
        f"{len(inventory.cluster_role_bindings)} ClusterRoleBindings, {len(inventory.service_accounts)} "
        f"ServiceAccounts (generated in {generation:.1f} s, peak RSS {rss_inventory:.0f} MB)"
    )

    gc.collect()
    (policy, index), build = timed(lambda: (lambda p: (p, RbacIndex(p)))(RbacPolicy.from_inventory(inventory)))
    rss_index = peak_rss_mb()
    print(
        f"index built:        {build:7.2f} s   (target <= 10 s)   peak RSS {rss_index:.0f} MB (target <= 1024 MB); "
        f"{policy.distinct_rules} distinct rules"
    )

    analysis = Analysis(inventory)
    rbac = analysis.rbac
    rbac.__dict__["policy"] = policy
    rbac.__dict__["index"] = index
    refs: list[SubjectRef] = rbac.universe.refs
    identities: list[Identity] = [identity_of(ref) for ref in rng.sample(refs, min(len(refs), 5000))]
    namespaces = sorted({role.namespace for role in inventory.roles})

    # Half the questions are asked by a subject of a RoleBinding in that binding's namespace (mostly
    # "yes"), half by a random identity (mostly "no").
    asked = questions(rng, namespaces, args.samples)
    pairs: list[tuple[Identity, Request]] = []
    for request in asked:
        if rng.random() < 0.5 and request.namespace:
            binding = rng.choice(inventory.role_bindings)
            ref = ref_of(binding.subjects[0], binding.namespace)
            if ref is not None:
                request = resource_request(
                    request.verb,
                    request.resource,
                    api_group=request.api_group,
                    subresource=request.subresource,
                    name=request.name,
                    namespace=binding.namespace,
                )
                pairs.append((identity_of(ref), request))
                continue
        pairs.append((rng.choice(identities), request))
    durations = []
    allowed = 0
    for identity, request in pairs:
        start = time.perf_counter()
        allowed += index.can_i(identity, request).allowed
        durations.append(time.perf_counter() - start)
    can_i_median = statistics.median(durations)
    print(
        f"can-i:              {can_i_median * 1000:7.3f} ms median, {max(durations) * 1000:.2f} ms max over "
        f"{len(pairs)} questions ({allowed} yes)   (target <= 1 ms median)"
    )

    who_asked = questions(rng, namespaces, 200)
    who_durations = []
    for request in who_asked:
        start = time.perf_counter()
        index.who_can(request)
        who_durations.append(time.perf_counter() - start)
    print(
        f"who-can:            {statistics.median(who_durations) * 1000:7.2f} ms median, "
        f"{max(who_durations) * 1000:.1f} ms max over {len(who_asked)} questions   (target <= 100 ms)"
    )

    reference = ReferenceEvaluator(inventory)
    naive_pairs = pairs[: args.naive_samples]
    naive_durations = []
    for identity, request in naive_pairs:
        start = time.perf_counter()
        reference.can_i(identity, request)
        naive_durations.append(time.perf_counter() - start)
    indexed_same = statistics.median(durations[: len(naive_pairs)])
    naive_median = statistics.median(naive_durations)
    print(
        f"naive can-i:        {naive_median * 1000:7.2f} ms median over {len(naive_pairs)} questions -> indexed is "
        f"{naive_median / indexed_same:,.0f}x faster"
    )
    naive_who = []
    for request in who_asked[: args.naive_samples // 4 or 1]:
        start = time.perf_counter()
        reference.allowed_subjects(request)
        naive_who.append(time.perf_counter() - start)
    print(
        f"naive who-can:      {statistics.median(naive_who) * 1000:7.2f} ms median over {len(naive_who)} questions -> "
        f"indexed is {statistics.median(naive_who) / statistics.median(who_durations):,.1f}x faster"
    )

    def review() -> None:
        rules = [r for r in load_rules() if r.meta.area in ("RBAC", "CRED")]
        findings, errors = run_rules(analysis, rules)
        assert not errors, errors
        summary = build_access_review(rbac)
        print(
            f"  {len(findings)} findings from {len(rules)} RBAC/credential rules; review: "
            f"{len(summary.secret_readers)} secret readers, {len(summary.workload_writers)} workload writers, "
            f"{len(summary.exec_into_pods)} exec, {len(summary.elevation)} escalation paths, "
            f"{summary.cluster_admin.non_system} non-system admins; graph {len(rbac.graph.edges)} edges"
        )

    _, review_time = timed(review)
    print(
        f"full access review: {review_time:7.2f} s   (target <= 30 s: holdings, escalation graph, every RBAC and "
        f"token rule, the report section)   peak RSS {peak_rss_mb():.0f} MB"
    )
    naive_review = naive_median * len(refs) * 12
    print(
        f"naive access review (estimated: {len(refs)} subjects x 12 catalog questions x naive can-i median): "
        f"{naive_review:,.0f} s -> {naive_review / review_time:,.0f}x"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
