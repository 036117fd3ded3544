"""Findings for suppression tests: only the fields suppression looks at vary."""

from kubeward.checks.rule import Objective, Severity
from kubeward.findings import Evidence, Finding, Resource, Status, fingerprint
from kubeward.inventory.provenance import Provenance, api_at


def finding(
    rule_id: str = "KW-RBAC-001",
    *,
    status: Status = "fail",
    kind: str = "ClusterRoleBinding",
    name: str = "ci-admin",
    namespace: str = "",
    annotations: dict[str, str] | None = None,
    provenance: Provenance | None = None,
    evidence: Evidence | None = None,
    severity: Severity = Severity.HIGH,
) -> Finding:
    """A finding as the engine would produce it (fingerprint included)."""
    resource = Resource(
        kind=kind,
        name=name,
        namespace=namespace,
        api_version="rbac.authorization.k8s.io/v1",
        provenance=provenance if provenance is not None else api_at(f"/apis/x/{kind.lower()}s/{name}"),
        ignore_annotations=annotations or {},
    )
    evidence = evidence or Evidence(setting="roleRef", value="cluster-admin", source="api-object")
    return Finding(
        rule_id=rule_id,
        title="Subject bound to cluster-admin",
        objective=Objective.AUTHORIZATION,
        severity=severity,
        status=status,
        resource=resource,
        message="bound to cluster-admin",
        evidence=evidence,
        remediation="Bind a narrower role.",
        fingerprint=fingerprint(rule_id, resource, evidence),
    )
