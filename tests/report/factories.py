"""Hand-made rules, findings and a scan record for reporter tests.

The resources cover the three provenance shapes reporters must handle: an object read from a file
(with a line), an object read from the live API, and a value that came from a built-in default.
"""

from kubeward.checks.rule import Objective, PlanStep, RuleMeta, Severity
from kubeward.findings import Evidence, Finding, Resource, Status, Suppression, fingerprint
from kubeward.inventory.model import CollectionRecord, InputIssue, InputRecord, Target
from kubeward.inventory.provenance import Provenance, api_at, default_of, file_at
from kubeward.report.build import build_report
from kubeward.report.model import ScanInfo, ScanReport

APISERVER_MANIFEST = "nodes/cp-1/etc/kubernetes/manifests/kube-apiserver.yaml"
KUBELET_CONFIG = "nodes/node-1/var/lib/kubelet/config.yaml"

RULES: dict[str, RuleMeta] = {
    meta.id: meta
    for meta in (
        RuleMeta(
            id="KW-AUTHN-001",
            title="API server accepts anonymous requests",
            objective=Objective.AUTHENTICATION,
            severity=Severity.CRITICAL,
            rationale="Anonymous requests reach every handler RBAC allows for system:anonymous.",
            remediation="Set --anonymous-auth=false on every kube-apiserver. Keep health probes on /livez.",
            cis=("1.2.1",),
            references=("https://kubernetes.io/docs/reference/access-authn-authz/authentication/",),
            fix="--anonymous-auth=false",
            plan_step=PlanStep.EXPOSURE,
        ),
        RuleMeta(
            id="KW-AUTHN-002",
            title="Static token file configured",
            objective=Objective.AUTHENTICATION,
            severity=Severity.HIGH,
            rationale="Static tokens never expire and cannot be revoked without a restart.",
            remediation="Remove --token-auth-file. Use OIDC or short-lived service-account tokens.",
            cis=("1.2.2",),
        ),
        RuleMeta(
            id="KW-RBAC-001",
            title="Subject bound to cluster-admin",
            objective=Objective.AUTHORIZATION,
            severity=Severity.HIGH,
            rationale="cluster-admin grants every verb on every resource.",
            remediation="Bind a narrower role, e.g. a namespaced admin. Remove the binding once migrated.",
            cis=("5.1.1",),
        ),
        RuleMeta(
            id="KW-RBAC-002",
            title="Role can read secrets",
            objective=Objective.AUTHORIZATION,
            severity=Severity.MEDIUM,
            rationale="Reading secrets yields service-account tokens and credentials.",
            remediation="Drop get/list/watch on secrets from the role.",
            cis=("5.1.2",),
        ),
        RuleMeta(
            id="KW-KUBELET-001",
            title="Kubelet allows anonymous requests",
            objective=Objective.KUBELET,
            severity=Severity.CRITICAL,
            rationale="An anonymous caller can list pods and exec into them through the kubelet API.",
            remediation="Set authentication.anonymous.enabled: false in the kubelet configuration.",
            cis=("4.2.1",),
        ),
        RuleMeta(
            id="KW-KUBELET-002",
            title="Kubelet read-only port open",
            objective=Objective.KUBELET,
            severity=Severity.MEDIUM,
            rationale="The read-only port serves pod specs without authentication.",
            remediation="Set readOnlyPort: 0.",
            cis=("4.2.4",),
        ),
        RuleMeta(
            id="KW-AUDIT-001",
            title="Audit logging disabled",
            objective=Objective.AUDITABILITY,
            severity=Severity.HIGH,
            rationale="Without audit logs nobody can tell who did what.",
            remediation="Set --audit-policy-file and --audit-log-path. Retain logs for 30 days.",
            cis=("1.2.16",),
        ),
        RuleMeta(
            id="KW-NET-001",
            title="API endpoint reachable from the internet",
            objective=Objective.NETWORK_EXPOSURE,
            severity=Severity.HIGH,
            rationale="A public endpoint exposes the API server to credential stuffing and zero-days.",
            remediation="Restrict the endpoint to private networks or authorized CIDRs.",
        ),
        RuleMeta(
            id="KW-CRED-001",
            title="Kubeconfig readable by other users",
            objective=Objective.CREDENTIAL_HYGIENE,
            severity=Severity.LOW,
            rationale="Other local users can copy the credentials in a world-readable kubeconfig.",
            remediation="chmod 600 the kubeconfig.",
        ),
        RuleMeta(
            id="KW-APF-001",
            title="No FlowSchema for automation",
            objective=Objective.API_AVAILABILITY,
            severity=Severity.INFO,
            rationale="Automation without its own priority level can starve interactive users.",
            remediation="Create a FlowSchema for CI service accounts.",
        ),
    )
}

APISERVER = Resource(kind="kube-apiserver", name="cp-1", provenance=file_at(APISERVER_MANIFEST, 1))
KUBELET_1 = Resource(kind="kubelet", name="node-1", provenance=file_at(KUBELET_CONFIG, 1))
KUBELET_2 = Resource(kind="kubelet", name="node-2", provenance=api_at("/api/v1/nodes/node-2/proxy/configz"))
CI_ADMIN = Resource(
    kind="ClusterRoleBinding",
    name="ci-admin",
    api_version="rbac.authorization.k8s.io/v1",
    provenance=api_at("/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/ci-admin"),
)
ARGO_ADMIN = Resource(
    kind="ClusterRoleBinding",
    name="argo-admin",
    api_version="rbac.authorization.k8s.io/v1",
    provenance=api_at("/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/argo-admin"),
    ignore_annotations={"ignore-check.kubeward.dev/KW-RBAC-001": "Argo CD manages the cluster (SEC-42)"},
)
SECRET_READER = Resource(
    kind="Role",
    name="secret-reader",
    namespace="team-a",
    api_version="rbac.authorization.k8s.io/v1",
    provenance=api_at("/apis/rbac.authorization.k8s.io/v1/namespaces/team-a/roles/secret-reader"),
)
CLUSTER = Resource(kind="Cluster", name="prod-eu")


def make_finding(
    rule_id: str,
    status: Status,
    resource: Resource,
    message: str,
    evidence: Evidence | None = None,
    suppression: Suppression | None = None,
) -> Finding:
    """Build a finding the way ``kubeward.findings.to_finding`` does, plus an optional suppression."""
    meta = RULES[rule_id]
    evidence = evidence or Evidence()
    return Finding(
        rule_id=meta.id,
        title=meta.title,
        objective=meta.objective,
        severity=meta.severity,
        status=status,
        resource=resource,
        message=message,
        evidence=evidence,
        remediation=meta.remediation,
        cis=meta.cis,
        fingerprint=fingerprint(meta.id, resource, evidence),
        suppression=suppression,
        original_status="fail" if suppression is not None else None,
    )


def flag_evidence(name: str, value: object, line: int) -> Evidence:
    """Evidence for a kube-apiserver flag set in the static-pod manifest at ``line``."""
    return Evidence(
        setting=f"kube-apiserver --{name}",
        value=value,
        source="flag",
        provenance=Provenance(kind="file", source=APISERVER_MANIFEST, line=line, pointer="/spec/containers/0/command"),
    )


def sample_findings() -> list[Finding]:
    """One of each status over file, API and default provenance, in no particular order."""
    return [
        make_finding(
            "KW-RBAC-002",
            "fail",
            SECRET_READER,
            "Role grants get|list on secrets",
            Evidence(setting="rules[0]", value=["get", "list"], source="api-object"),
        ),
        make_finding(
            "KW-AUTHN-001",
            "fail",
            APISERVER,
            "Anonymous requests are accepted",
            flag_evidence("anonymous-auth", True, 23),
        ),
        make_finding("KW-AUTHN-002", "pass", APISERVER, "No static token file"),
        make_finding(
            "KW-KUBELET-001",
            "fail",
            KUBELET_1,
            "Anonymous requests reach the kubelet API",
            Evidence(
                setting="kubelet authentication.anonymous.enabled",
                value=True,
                source="default",
                provenance=default_of("kubelet binary defaults without --config (applyLegacyDefaults)"),
                detail="not set, and the kubelet runs without --config",
            ),
        ),
        make_finding(
            "KW-KUBELET-002",
            "not_assessable",
            KUBELET_2,
            "the kubelet reads --config=/var/lib/kubelet/config.yaml, which is not among the inputs",
        ),
        make_finding(
            "KW-RBAC-001",
            "fail",
            CI_ADMIN,
            "ServiceAccount ci/deployer is bound to cluster-admin",
            Evidence(setting="roleRef", value="cluster-admin", source="api-object"),
        ),
        make_finding(
            "KW-RBAC-001",
            "suppressed",
            ARGO_ADMIN,
            "ServiceAccount argocd/argocd-application-controller is bound to cluster-admin",
            Evidence(setting="roleRef", value="cluster-admin", source="api-object"),
            suppression=Suppression(
                kind="annotation",
                reason="Argo CD manages the cluster (SEC-42)",
                source="ClusterRoleBinding/argo-admin annotation ignore-check.kubeward.dev/KW-RBAC-001",
            ),
        ),
        make_finding(
            "KW-AUDIT-001",
            "fail",
            APISERVER,
            "No audit log backend is configured",
            Evidence(setting="kube-apiserver --audit-log-path", value=None, source="default"),
        ),
        make_finding("KW-NET-001", "not_applicable", CLUSTER, "The provider manages the endpoint's exposure"),
        make_finding("KW-APF-001", "fail", CLUSTER, "No FlowSchema matches service accounts in ci"),
    ]


def sample_scan(*, incomplete: bool = True) -> ScanInfo:
    """A live scan of ``prod-eu`` that could not list secrets and met a broken manifest."""
    return ScanInfo(
        target=Target(kind="live", name="prod-eu", server="https://10.0.0.1:6443", context="prod-eu-admin"),
        started="2025-03-01T10:00:00Z",
        finished="2025-03-01T10:00:07Z",
        kubernetes_version="v1.30.2",
        platform="self-managed",
        inputs=(InputRecord(path=APISERVER_MANIFEST, detected="static-pod", documents=1),),
        incomplete=incomplete,
        missing=(
            CollectionRecord(
                part="secrets",
                status="forbidden",
                reason='secrets is forbidden: User "scanner" cannot list resource "secrets"',
            ),
        )
        if incomplete
        else (),
        issues=(InputIssue(input="nodes/cp-1/etc/kubernetes/manifests/etcd.yaml", message="invalid YAML", line=4),)
        if incomplete
        else (),
    )


def sample_report(*, incomplete: bool = True) -> ScanReport:
    """The sample findings built into a report."""
    return build_report(sample_findings(), list(RULES.values()), sample_scan(incomplete=incomplete))
