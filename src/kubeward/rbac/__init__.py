"""The RBAC engine: the API server's own authorization semantics, evaluated offline.

Peers match rules by name, ignore aggregation, group expansion and ``*/subresource`` and run out of
memory on large clusters (``spec/rbac.md`` §4). This package answers with upstream semantics:

- ``matchers``: the exact rule matchers of ``evaluation_helpers.go`` (one request, one rule);
- ``request`` / ``identity``: request attributes and the user a request is made as;
- ``selectors`` / ``aggregation``: ClusterRole aggregation computed to a fixpoint;
- ``policy``: roles and bindings resolved the way ``VisitRulesFor`` resolves them;
- ``compiled`` / ``index``: the indexed engine (``can_i``, ``who_can``, ``rules_for``);
- ``reference``: a brute-force evaluator, the oracle of the property tests and the benchmark;
- ``subjects``: every identity the objects mention, with the implicit groups;
- ``resources``: kubectl's ``TYPE[.GROUP][/NAME]`` syntax and the built-in resource table;
- ``capabilities`` / ``escalation``: risky permissions per subject and paths to cluster-admin power;
- ``builtin``: recognising Kubernetes' own default roles and bindings;
- ``analyzer``: all of it computed lazily once per Inventory (``Analysis.rbac``).
"""
