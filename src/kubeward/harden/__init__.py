"""Generators that write the hardened configuration from what a scan found.

Each module writes one kind of artefact (API server flags, kubelet configuration, audit policy,
FlowSchemas, RBAC, workload patches, kubeconfigs, firewall rules) and is proven by scanning its own
output: a fix that does not make its findings go away is not a fix.
"""
