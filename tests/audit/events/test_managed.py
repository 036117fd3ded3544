"""EKS, GKE and AKS deliveries of audit events give the same answers as the apiserver's own log.

The wrappers are written here from the services' documented shapes (CloudWatch Logs ``filter-log-events``
output, subscription deliveries and S3 exports; Cloud Logging ``LogEntry`` with an ``AuditLog`` payload;
Azure diagnostic records of category ``kube-audit``/``kube-audit-admin``), around events of real shapes.
"""

import gzip
import json
from pathlib import Path
from typing import Any

from kubeward.audit.events.hunt import hunt
from kubeward.audit.events.managed import gke_object_ref
from kubeward.audit.events.model import ObjectRef
from kubeward.audit.events.reader import ReadStats, read_events

from .test_hunt import ALLOW, FORBID, event

BINDING = {
    "kind": "ClusterRoleBinding",
    "apiVersion": "rbac.authorization.k8s.io/v1",
    "metadata": {"name": "ops-admin"},
    "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "cluster-admin"},
    "subjects": [{"kind": "User", "name": "mallory@example.com", "apiGroup": "rbac.authorization.k8s.io"}],
}


def native_events() -> list[dict[str, Any]]:
    """Four requests: a Secret read, a denied Secret list, an exec, a cluster-admin binding."""
    read = event("e1", "ResponseComplete", "get", "alice", "secrets", responseStatus={"code": 200}, annotations=ALLOW)
    denied = event("e2", "ResponseComplete", "list", "bob", "secrets", responseStatus={"code": 403}, annotations=FORBID)
    shell = event("e3", "ResponseComplete", "create", "carol", "pods", responseStatus={"code": 101}, annotations=ALLOW)
    shell["objectRef"].update(name="web-0", subresource="exec")
    bind = event("e4", "ResponseComplete", "create", "dave", "clusterrolebindings", responseStatus={"code": 201})
    bind["objectRef"] = {
        "resource": "clusterrolebindings",
        "apiGroup": "rbac.authorization.k8s.io",
        "name": "ops-admin",
    }
    bind["requestObject"] = BINDING
    bind["annotations"] = ALLOW
    return [read, denied, shell, bind]


EXPECTED = {
    "secret-reads": 1,
    "authz-denials": 1,
    "exec-attach-portforward": 1,
    "rbac-changes": 1,
    "cluster-admin-bindings": 1,
}


def answers(path: Path) -> tuple[dict[str, int], ReadStats]:
    stats = ReadStats()
    result = hunt(read_events([path], stats))
    return {q: len(a.matches) for q, a in result.answers.items() if a.matches}, stats


def compact(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))


def cloudwatch(e: dict[str, Any], i: int) -> dict[str, Any]:
    return {
        "logStreamName": "kube-apiserver-audit-0f9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c",
        "timestamp": 1772438400000 + i,
        "message": compact(e),
        "ingestionTime": 1772438401000 + i,
        "eventId": f"3835{i:052d}",
    }


def test_eks_filter_log_events_output(tmp_path: Path) -> None:
    document = {
        "events": [cloudwatch(e, i) for i, e in enumerate(native_events())],
        "searchedLogStreams": [],
    }
    path = tmp_path / "eks-audit.json"
    path.write_text(json.dumps(document, indent=4))  # the AWS CLI pretty-prints
    assert answers(path)[0] == EXPECTED


def test_eks_one_cloudwatch_event_per_line_and_other_streams_skipped(tmp_path: Path) -> None:
    lines = [compact(cloudwatch(e, i)) for i, e in enumerate(native_events())]
    authenticator = {"logStreamName": "authenticator-1", "timestamp": 1, "message": 'time="..." level=info msg="x"'}
    path = tmp_path / "eks.jsonl"
    path.write_text("\n".join([*lines, compact(authenticator)]) + "\n")
    counts, stats = answers(path)
    assert counts == EXPECTED
    assert (stats.events, stats.non_audit, stats.bad_lines) == (4, 1, 0)


def test_eks_subscription_delivery(tmp_path: Path) -> None:
    delivery = {
        "messageType": "DATA_MESSAGE",
        "owner": "111122223333",
        "logGroup": "/aws/eks/prod/cluster",
        "logStream": "kube-apiserver-audit-0f9e8d7c",
        "subscriptionFilters": ["audit-to-s3"],
        "logEvents": [{"id": str(i), "timestamp": i, "message": compact(e)} for i, e in enumerate(native_events())],
    }
    path = tmp_path / "delivery.json"
    path.write_text(compact(delivery) + "\n")
    assert answers(path)[0] == EXPECTED


def test_eks_s3_export_with_timestamp_prefix_gzip(tmp_path: Path) -> None:
    lines = [f"2026-03-02T08:00:0{i}.123Z {compact(e)}" for i, e in enumerate(native_events())]
    path = tmp_path / "000000.gz"
    path.write_bytes(gzip.compress(("\n".join(lines) + "\n").encode()))
    counts, stats = answers(path)
    assert counts == EXPECTED
    assert stats.bad_lines == 0


def gke_entry(
    audit_id: str,
    method: str,
    resource_name: str,
    user: str,
    *,
    code: int | None = None,
    decision: str = "allow",
    request: dict[str, Any] | None = None,
) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "@type": "type.googleapis.com/google.cloud.audit.AuditLog",
        "authenticationInfo": {"principalEmail": user},
        "authorizationInfo": [{"granted": decision == "allow", "permission": method, "resource": resource_name}],
        "methodName": method,
        "requestMetadata": {"callerIp": "203.0.113.10", "callerSuppliedUserAgent": "kubectl/v1.31.2"},
        "resourceName": resource_name,
        "serviceName": "k8s.io",
    }
    if code is not None:
        payload["status"] = {"code": code, "message": "denied"}
    if request is not None:
        payload["request"] = {"@type": "rbac.authorization.k8s.io/v1.ClusterRoleBinding", **request}
    return {
        "insertId": f"{audit_id}-insert",
        "logName": "projects/acme-prod/logs/cloudaudit.googleapis.com%2Fdata_access",
        "operation": {"first": True, "id": audit_id, "last": True, "producer": "k8s.io"},
        "protoPayload": payload,
        "receiveTimestamp": "2026-03-02T08:00:01.234567891Z",
        "resource": {"type": "k8s_cluster", "labels": {"cluster_name": "prod", "location": "europe-west3"}},
        "severity": "NOTICE",
        "timestamp": "2026-03-02T08:00:00.123456789Z",
        "labels": {"authorization.k8s.io/decision": decision, "authorization.k8s.io/reason": ""},
    }


def test_gke_cloud_logging_entries(tmp_path: Path) -> None:
    entries = [
        gke_entry("g1", "io.k8s.core.v1.secrets.get", "core/v1/namespaces/payments/secrets/db", "alice@acme.com"),
        gke_entry(
            "g2", "io.k8s.core.v1.secrets.list", "core/v1/namespaces/payments/secrets", "bob@acme.com",
            code=7, decision="forbid",
        ),
        gke_entry(
            "g3", "io.k8s.core.v1.pods.exec.create", "core/v1/namespaces/payments/pods/web-0/exec", "carol@acme.com",
        ),
        gke_entry(
            "g4", "io.k8s.authorization.rbac.v1.clusterrolebindings.create",
            "rbac.authorization.k8s.io/v1/clusterrolebindings/ops-admin", "dave@acme.com", request=BINDING,
        ),
        {  # the GKE API itself, not the Kubernetes API: not audit data for us
            "protoPayload": {
                "methodName": "google.container.v1.ClusterManager.UpdateCluster",
                "serviceName": "container.googleapis.com",
            },
            "timestamp": "2026-03-02T08:00:00Z",
        },
    ]  # fmt: skip
    path = tmp_path / "gke.json"
    path.write_text(json.dumps(entries, indent=2))  # gcloud logging read --format=json
    counts, stats = answers(path)
    assert counts == EXPECTED
    assert (stats.events, stats.non_audit) == (4, 1)
    lines = tmp_path / "gke.jsonl"  # a sink to Cloud Storage writes one entry per line
    lines.write_text("\n".join(compact(e) for e in entries) + "\n")
    assert answers(lines)[0] == EXPECTED


def test_gke_resource_names() -> None:
    assert gke_object_ref("core/v1/namespaces/payments/pods/web-0/exec") == ObjectRef(
        resource="pods", name="web-0", subresource="exec", namespace="payments"
    )
    assert gke_object_ref("core/v1/namespaces/payments") == ObjectRef(resource="namespaces", name="payments")
    assert gke_object_ref("apps/v1/namespaces/payments/deployments") == ObjectRef(
        resource="deployments", namespace="payments", apiGroup="apps"
    )
    assert gke_object_ref("core/v1/nodes/gke-node-1/proxy") == ObjectRef(
        resource="nodes", name="gke-node-1", subresource="proxy"
    )
    assert gke_object_ref("/healthz") is None


def aks_record(e: dict[str, Any], category: str, *, as_object: bool = False) -> dict[str, Any]:
    return {
        "time": "2026-03-02T08:00:00.1234567Z",
        "resourceId": "/SUBSCRIPTIONS/0000/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.CONTAINERSERVICE/MANAGEDCLUSTERS/PROD",
        "category": category,
        "operationName": "Microsoft.ContainerService/managedClusters/diagnosticLogs/Read",
        "properties": {"log": e if as_object else compact(e), "stream": "stdout", "pod": "kube-apiserver-7d9f"},
    }


def test_aks_storage_account_lines_and_event_hub_batches(tmp_path: Path) -> None:
    events = native_events()
    lines = [compact(aks_record(e, "kube-audit")) for e in events[:2]]
    lines.append(compact(aks_record({"msg": "I0302 started"}, "kube-apiserver")))  # another category
    batch = {
        "records": [aks_record(events[2], "kube-audit-admin"), aks_record(events[3], "kube-audit", as_object=True)]
    }
    lines.append(compact(batch))
    path = tmp_path / "PT1H.json"
    path.write_text("\n".join(lines) + "\n")
    counts, stats = answers(path)
    assert counts == EXPECTED
    assert (stats.events, stats.non_audit, stats.bad_lines) == (4, 1, 0)


def test_malformed_wrapper_is_counted_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "PT1H.json"
    good = compact(aks_record(native_events()[0], "kube-audit"))
    path.write_text(good + "\n" + '{"category":"kube-audit","properties":{"log":"{\\"auditID\\":' + "\n")
    counts, stats = answers(path)
    assert counts == {"secret-reads": 1}
    assert stats.non_audit + stats.bad_lines == 1
    assert any(issue.line == 2 for issue in stats.issues)


def test_truncated_pretty_document_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "gke.json"
    path.write_text(
        json.dumps([gke_entry("g1", "io.k8s.core.v1.secrets.get", "core/v1/namespaces/a/secrets/b", "x")])[:-20]
    )
    counts, stats = answers(path)
    assert counts == {} and stats.bad_lines == 1 and stats.incomplete
