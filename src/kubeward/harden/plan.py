"""Which ``kubeward harden`` command fixes which rule: the one table the rollout plan reads.

``plan_fixes`` turns a plan step's failing findings into concrete commands, one per generator and
input (the manifest, the node folder, the service accounts), each with the rules and findings it
clears. A rule without a generator here has no command; the plan then shows only its fix text.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from kubeward.findings import Finding
from kubeward.inputs.layout import locate

# Rules each generator clears (proven by tests/harden/test_roundtrip.py on the demo cluster).
APISERVER_RULES = frozenset(
    {
        "KW-AUTHN-001",
        "KW-AUTHN-002",
        "KW-AUTHN-006",
        "KW-AUTHN-007",
        "KW-AUTHN-009",
        "KW-AUTHZ-001",
        "KW-AUTHZ-002",
        "KW-AUTHZ-003",
        "KW-AUDIT-001",
        "KW-AUDIT-002",
        "KW-AUDIT-003",
        "KW-AUDIT-004",
        "KW-AUDIT-005",
        "KW-AUDIT-006",
        "KW-AUDIT-007",
        "KW-ADM-001",
        "KW-ADM-002",
        "KW-ADM-003",
        "KW-ADM-004",
        "KW-ADM-005",
        "KW-ADM-006",
        "KW-ADM-007",
        "KW-NET-001",
        "KW-NET-002",
        "KW-NET-003",
        "KW-TLS-004",
        "KW-APF-001",
        "KW-APF-002",
    }
)
KUBELET_RULES = frozenset(f"KW-KUBELET-{n:03d}" for n in (1, 2, 3, 4, 6, 7, 8, 9, 10))
FLOWCONTROL_RULES = frozenset({"KW-APF-003", "KW-APF-004"})
AUDIT_POLICY_RULES = frozenset({"KW-AUDIT-008"})
MANAGED_ENDPOINT_RULES = {"KW-EKS-001": "eks", "KW-GKE-001": "gke", "KW-AKS-001": "aks"}
POD_SECURITY_RULES = frozenset({"KW-ADM-009"})
KUBELET_CLIENT_CA_RULES = frozenset({"KW-KUBELET-005"})
CLUSTER_ADMIN_RULES = frozenset({"KW-RBAC-001"})
WORKLOAD_TOKEN_RULES = frozenset({"KW-CRED-001", "KW-CRED-002"})
# Kubeconfig credentials an OIDC exec kubeconfig replaces (embedded keys and long-lived certificates, static and
# legacy tokens, basic auth, skipped TLS checks, plain http, auth-provider secrets, stored credentials).
KUBECONFIG_RULES = frozenset(f"KW-CRED-{n:03d}" for n in (5, 7, 8, 9, 10, 11, 12, 13, 14))
PROBE_APISERVER_RULES = frozenset({"KW-PROBE-001", "KW-PROBE-002"})
PROBE_KUBELET_RULES = frozenset({"KW-PROBE-003", "KW-PROBE-004", "KW-PROBE-005"})

GENERATED_RULES = (
    APISERVER_RULES
    | KUBELET_RULES
    | FLOWCONTROL_RULES
    | AUDIT_POLICY_RULES
    | POD_SECURITY_RULES
    | KUBELET_CLIENT_CA_RULES
    | frozenset(MANAGED_ENDPOINT_RULES)
    | CLUSTER_ADMIN_RULES
    | WORKLOAD_TOKEN_RULES
    | KUBECONFIG_RULES
    | PROBE_APISERVER_RULES
    | PROBE_KUBELET_RULES
)


@dataclass(frozen=True)
class Fix:
    """One command, the rules it clears, and the fingerprints of the findings it fixes."""

    command: str
    rules: tuple[str, ...]
    findings: tuple[str, ...]


def _source(finding: Finding) -> str:
    provenance = finding.resource.provenance
    return provenance.source if provenance is not None and provenance.kind == "file" else ""


def _node_folder(path: str) -> str:
    location = locate(path)
    if location is None:
        return path
    return path[: len(path) - len(location.node_path)] or "/"


def _access_inputs(scan_inputs: str) -> str:
    """The scan inputs as ``harden rbac|workloads`` take them: ``--demo`` or ``-f PATH`` per path."""
    if scan_inputs.startswith("--demo"):
        return "--demo"
    return " ".join(f"-f {path}" for path in scan_inputs.split()) if scan_inputs != "PATH..." else "-f PATH"


def _command(finding: Finding, scan_inputs: str, apiserver: str) -> str | None:
    rule = finding.rule_id
    if rule in CLUSTER_ADMIN_RULES:
        return f"kubeward harden rbac {_access_inputs(scan_inputs)} --replace-cluster-admin --output-dir harden/rbac"
    if rule in WORKLOAD_TOKEN_RULES:
        return f"kubeward harden workloads {_access_inputs(scan_inputs)} --format kubectl"
    if rule in KUBECONFIG_RULES:
        return (
            f"kubeward harden kubeconfig --from-kubeconfig {_source(finding) or 'KUBECONFIG'} --cluster NAME "
            "--issuer-url ISSUER --client-id CLIENT_ID"
        )
    if rule in PROBE_APISERVER_RULES:
        return f"kubeward harden apiserver {apiserver or 'MANIFEST'}"
    if rule in PROBE_KUBELET_RULES:
        return "kubeward harden kubelet NODE_FOLDER"
    if rule in APISERVER_RULES or rule in POD_SECURITY_RULES:
        source = _source(finding) if finding.resource.kind == "kube-apiserver" else apiserver
        option = " --pod-security-default baseline" if rule in POD_SECURITY_RULES else ""
        return f"kubeward harden apiserver {source or 'MANIFEST'}{option}"
    if rule in KUBELET_RULES or rule in KUBELET_CLIENT_CA_RULES:
        source = _source(finding)
        option = " --client-ca-file CA_FILE" if rule in KUBELET_CLIENT_CA_RULES else ""
        return f"kubeward harden kubelet {_node_folder(source) if source else 'NODE_FOLDER'}{option}"
    if rule == "KW-APF-004" and finding.resource.kind == "ServiceAccount":
        return f"kubeward harden flowcontrol --service-account {finding.resource.namespace}/{finding.resource.name}"
    if rule in FLOWCONTROL_RULES:
        return f"kubeward harden flowcontrol --from-scan {scan_inputs}"
    if rule in AUDIT_POLICY_RULES:
        return "kubeward harden audit-policy --profile recommended --output-file POLICY_FILE"
    if rule in MANAGED_ENDPOINT_RULES:
        provider = MANAGED_ENDPOINT_RULES[rule]
        return f"kubeward harden network --format {provider} --cluster {finding.resource.name} --allow CIDR"
    return None


def apiserver_input(findings: Iterable[Finding]) -> str:
    """The file the scanned kube-apiserver was read from (for rules about other objects, such as
    KW-ADM-009 on a Namespace, whose fix is an API server flag), or "" when there is none or several.
    """
    sources = {_source(f) for f in findings if f.resource.kind == "kube-apiserver"} - {""}
    return sources.pop() if len(sources) == 1 else ""


def plan_fixes(findings: Iterable[Finding], scan_inputs: str = "PATH...", apiserver: str = "") -> tuple[Fix, ...]:
    """The commands that fix ``findings`` (failing ones), merged per command; flowcontrol service
    accounts are merged into one command. ``apiserver`` is the kube-apiserver input file, if known.
    """
    grouped: dict[str, tuple[dict[str, None], dict[str, None]]] = {}
    accounts: dict[str, None] = {}
    account_rules: dict[str, None] = {}
    account_findings: dict[str, None] = {}
    for finding in findings:
        if finding.status != "fail":
            continue
        command = _command(finding, scan_inputs, apiserver)
        if command is None:
            continue
        if command.startswith("kubeward harden flowcontrol --service-account "):
            accounts[command.rsplit(" ", 1)[1]] = None
            account_rules[finding.rule_id] = None
            account_findings[finding.fingerprint] = None
            continue
        rules, fingerprints = grouped.setdefault(command, ({}, {}))
        rules[finding.rule_id] = None
        fingerprints[finding.fingerprint] = None
    fixes = [Fix(command, tuple(rules), tuple(prints)) for command, (rules, prints) in grouped.items()]
    if accounts:
        options = " ".join(f"--service-account {account}" for account in accounts)
        fixes.append(Fix(f"kubeward harden flowcontrol {options}", tuple(account_rules), tuple(account_findings)))
    return tuple(fixes)
