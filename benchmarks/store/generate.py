"""A synthetic kube-apiserver audit log of a chosen size, with the traffic mix of a busy cluster.

Node lease renewals and kubelet reads dominate, as in real logs; controllers list and watch; people read Secrets,
exec into pods, create workloads (bodies at Request level) and bind roles (RequestResponse); some requests fail
authentication (401, ResponseStarted only) or authorization (403). Every request has RequestReceived and
ResponseComplete (long-running ones also ResponseStarted), stages written in log order, over ``--days`` days.
"""

from __future__ import annotations

import argparse
import json
import random
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

NAMESPACES = [f"team-{i}" for i in range(40)] + ["kube-system", "payments", "default"]
NODES = [f"system:node:worker-{i}" for i in range(200)]
USERS = ["alice@example.com", "bob@example.com", "carol@example.com", "ci-deployer"]
AGENT = "kubectl/v1.31.2 (linux/amd64) kubernetes/5864a46"
KUBELET = "kubelet/v1.31.2 (linux/amd64) kubernetes/5864a46"


def pod_body(rng: random.Random, name: str) -> dict[str, Any]:
    containers = [
        {
            "name": f"c{i}",
            "image": f"registry.example.com/app/{name}:{rng.randrange(1000)}",
            "env": [{"name": f"VAR_{j}", "value": "x" * rng.randrange(8, 40)} for j in range(rng.randrange(2, 12))],
            "resources": {"limits": {"cpu": "500m", "memory": "256Mi"}},
            **({"securityContext": {"privileged": True}} if rng.random() < 0.02 else {}),
        }
        for i in range(rng.randrange(1, 4))
    ]
    return {"kind": "Pod", "apiVersion": "v1", "metadata": {"name": name, "labels": {"app": name}},
            "spec": {"containers": containers, **({"hostPID": True} if rng.random() < 0.01 else {})}}  # fmt: skip


def request(rng: random.Random) -> dict[str, Any]:
    """One request's attributes (verb, user, objectRef, code, bodies, long-running)."""
    roll = rng.random()
    ns = rng.choice(NAMESPACES)
    node = rng.choice(NODES)
    if roll < 0.35:
        name = node.removeprefix("system:node:")
        return dict(
            verb="update",
            user=node,
            groups=["system:nodes", "system:authenticated"],
            agent=KUBELET,
            ref={
                "resource": "leases",
                "namespace": "kube-node-lease",
                "name": name,
                "apiGroup": "coordination.k8s.io",
                "apiVersion": "v1",
            },
            uri=f"/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/{name}",
            code=200,
        )
    if roll < 0.55:
        resource = rng.choice(["secrets", "configmaps", "pods", "serviceaccounts"])
        name = f"obj-{rng.randrange(500)}"
        return dict(
            verb="get",
            user=node,
            groups=["system:nodes", "system:authenticated"],
            agent=KUBELET,
            ref={"resource": resource, "namespace": ns, "name": name, "apiVersion": "v1"},
            uri=f"/api/v1/namespaces/{ns}/{resource}/{name}",
            code=200,
        )
    if roll < 0.62:
        return dict(
            verb="create",
            user=node,
            groups=["system:nodes", "system:authenticated"],
            agent=KUBELET,
            ref={
                "resource": "serviceaccounts",
                "subresource": "token",
                "namespace": ns,
                "name": "default",
                "apiVersion": "v1",
            },
            uri=f"/api/v1/namespaces/{ns}/serviceaccounts/default/token",
            code=201,
            request={"kind": "TokenRequest", "spec": {"audiences": ["https://kubernetes.default.svc"]}},
            response={"kind": "TokenRequest", "status": {"token": "eyJhbGciOi" + "A" * 700}},
        )
    if roll < 0.80:
        resource = rng.choice(["pods", "deployments", "replicasets", "endpointslices", "configmaps"])
        verb = rng.choice(["list", "watch"])
        sa = f"system:serviceaccount:kube-system:{rng.choice(['deployment-controller', 'replicaset-controller'])}"
        return dict(
            verb=verb,
            user=sa,
            groups=["system:serviceaccounts", "system:authenticated"],
            agent="kube-controller-manager/v1.31.2",
            ref={"resource": resource, "apiVersion": "v1"},
            uri=f"/api/v1/{resource}?resourceVersion=0&watch={verb == 'watch'}".lower(),
            code=200,
            long=verb == "watch",
        )
    if roll < 0.86:
        return dict(
            verb="get",
            user="system:anonymous",
            groups=["system:unauthenticated"],
            agent="Go-http-client/1.1",
            ref=None,
            uri=rng.choice(["/healthz", "/readyz", "/livez", "/version"]),
            code=200,
        )
    if roll < 0.90:
        user = rng.choice(USERS)
        name = f"db-{rng.randrange(50)}"
        code = 403 if rng.random() < 0.2 else 200
        return dict(
            verb=rng.choice(["get", "list"]),
            user=user,
            groups=["developers", "system:authenticated"],
            agent=AGENT,
            ref={"resource": "secrets", "namespace": ns, "name": name, "apiVersion": "v1"},
            uri=f"/api/v1/namespaces/{ns}/secrets/{name}",
            code=code,
            response=None if code == 403 else {"kind": "Secret", "data": {"password": "c2VjcmV0" * 8}},
        )
    if roll < 0.95:
        name = f"web-{rng.randrange(10000)}"
        return dict(
            verb="create",
            user=rng.choice(USERS),
            groups=["developers", "system:authenticated"],
            agent=AGENT,
            ref={"resource": "pods", "namespace": ns, "name": name, "apiVersion": "v1"},
            uri=f"/api/v1/namespaces/{ns}/pods",
            code=201,
            request=pod_body(rng, name),
        )
    if roll < 0.97:
        name = f"rb-{rng.randrange(1000)}"
        body = {
            "kind": "RoleBinding",
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "metadata": {"name": name},
            "roleRef": {
                "apiGroup": "rbac.authorization.k8s.io",
                "kind": "ClusterRole",
                "name": rng.choice(["edit", "view", "admin", "cluster-admin"]),
            },
            "subjects": [{"kind": "User", "name": rng.choice(USERS)}],
        }
        return dict(
            verb="create",
            user=rng.choice(USERS),
            groups=["system:masters"],
            agent=AGENT,
            ref={
                "resource": "rolebindings",
                "namespace": ns,
                "name": name,
                "apiGroup": "rbac.authorization.k8s.io",
                "apiVersion": "v1",
            },
            uri=f"/apis/rbac.authorization.k8s.io/v1/namespaces/{ns}/rolebindings",
            code=201,
            request=body,
            response=body,
        )
    if roll < 0.985:
        return dict(
            verb="create",
            user=rng.choice(USERS),
            groups=["developers", "system:authenticated"],
            agent=AGENT,
            ref={"resource": "pods", "subresource": "exec", "namespace": ns, "name": "api-0", "apiVersion": "v1"},
            uri=f"/api/v1/namespaces/{ns}/pods/api-0/exec?command=sh&stdin=true&tty=true",
            code=101,
            long=True,
        )
    return dict(verb="list", user="", groups=[], agent="curl/8.5.0", ref={"resource": "secrets", "apiVersion": "v1"},
                uri="/api/v1/secrets", code=401, unauthenticated=True)  # fmt: skip


def events(req: dict[str, Any], audit_id: str, when: datetime) -> list[dict[str, Any]]:
    stamp = when.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    level = "RequestResponse" if req.get("response") else "Request" if req.get("request") else "Metadata"
    base: dict[str, Any] = {"kind": "Event", "apiVersion": "audit.k8s.io/v1", "level": level, "auditID": audit_id}
    common: dict[str, Any] = {
        "requestURI": req["uri"],
        "verb": req["verb"],
        "user": {"username": req["user"], "groups": req["groups"]} if req["user"] else {},
        "sourceIPs": [f"10.0.{random.randrange(256)}.{random.randrange(256)}"],
        "userAgent": req["agent"],
    }
    if req["ref"] is not None:
        common["objectRef"] = req["ref"]
    times = {"requestReceivedTimestamp": stamp, "stageTimestamp": stamp}
    annotations = {
        "authorization.k8s.io/decision": "forbid" if req["code"] == 403 else "allow",
        "authorization.k8s.io/reason": "" if req["code"] == 403 else "RBAC: allowed by ClusterRoleBinding",
    }
    status = {"metadata": {}, "code": req["code"]}
    if req["code"] == 403:
        status.update(status="Failure", reason="Forbidden", message="secrets is forbidden")
    if req.get("unauthenticated"):
        status["message"] = "Authentication failed, no credentials provided"
        return [{**base, "stage": "ResponseStarted", **common, "responseStatus": status, **times}]
    out = [{**base, "stage": "RequestReceived", **common, **times}]
    if req.get("long"):
        out.append({**base, "stage": "ResponseStarted", **common, "responseStatus": status, **times})
    done: dict[str, Any] = {**base, "stage": "ResponseComplete", **common, "responseStatus": status}
    if req.get("request") is not None:
        done["requestObject"] = req["request"]
    if req.get("response") is not None:
        done["responseObject"] = req["response"]
    out.append({**done, **times, "annotations": annotations})
    return out


def generate(path: Path, megabytes: float, days: int = 3, seed: int = 7) -> int:
    """Write about ``megabytes`` MB of audit log; returns the number of events."""
    rng = random.Random(seed)
    random.seed(seed)
    target = int(megabytes * 1e6)
    start = datetime(2026, 3, 2, tzinfo=UTC)
    step = timedelta(days=days) / max(1, target // 1000)
    written = count = 0
    when = start
    pending: list[str] = []  # stages of long-running requests, written a little later
    with path.open("w") as out:
        while written < target:
            when += step
            req = request(rng)
            lines = [
                json.dumps(e, separators=(",", ":"))
                for e in events(req, str(uuid.UUID(int=rng.getrandbits(128))), when)
            ]
            if req.get("long") and len(lines) > 2:
                out.write(lines[0] + "\n" + lines[1] + "\n")
                written += len(lines[0]) + len(lines[1]) + 2
                count += 2
                pending.append(lines[2])
                lines = []
            elif len(pending) > 20:
                lines.append(pending.pop(0))
            chunk = "".join(line + "\n" for line in lines)
            out.write(chunk)
            written += len(chunk)
            count += len(lines)
        for line in pending:
            out.write(line + "\n")
        count += len(pending)
    return count


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("path", type=Path)
    parser.add_argument("--mb", type=float, default=200)
    parser.add_argument("--days", type=int, default=3)
    args = parser.parse_args()
    print(generate(args.path, args.mb, args.days), "events")
