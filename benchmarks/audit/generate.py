"""Generate a realistic audit log of any size: the traffic mix of a busy cluster, as the log backend writes it.

    python benchmarks/audit/generate.py OUT.log --size-mb 1024 [--gzip] [--seed 7]

What a 1.30-era cluster with a typical policy logs (shapes from ``audit.k8s.io/v1`` Event, one compact JSON
object per line, stages RequestReceived + ResponseComplete, ResponseStarted for watches and streams):

- node and controller lease renewals, controller get/list/watch of configmaps, endpoints, pods (Metadata);
- kubelets reading the Secrets and ConfigMaps their pods mount and requesting service-account tokens;
- events created by every component;
- people and CI with kubectl: reads, Secret reads logged at RequestResponse with the Secret's data (base64,
  a few hundred bytes to several KB), pod and deployment writes at Request with their bodies, RBAC changes,
  exec, port-forward, 403 denials, 401 failed logins (ResponseStarted, empty user), anonymous health probes.

Sizes and mix are chosen so a 1 GiB log holds about 1.4 million events; nothing here is measured from a
real cluster, so treat throughput numbers as relative (same file for every tool in one run).
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import gzip
import json
import random
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, BinaryIO

NAMESPACES = [f"team-{i:02d}" for i in range(40)] + ["kube-system", "default", "payments", "monitoring"]
NODES = [f"system:node:ip-10-0-{i // 250}-{i % 250}.ec2.internal" for i in range(120)]
CONTROLLERS = [
    "system:kube-controller-manager",
    "system:kube-scheduler",
    "system:serviceaccount:kube-system:replicaset-controller",
    "system:serviceaccount:kube-system:endpointslice-controller",
    "system:serviceaccount:kube-system:deployment-controller",
    "system:serviceaccount:monitoring:prometheus",
    "system:serviceaccount:kube-system:coredns",
]
HUMANS = ["alice@example.com", "bob@example.com", "carol@example.com", "oidc:dave", "oidc:erin"]
CI = ["system:serviceaccount:ci:deployer", "system:serviceaccount:argocd:argocd-application-controller"]
IPS = [f"10.0.{i}.{j}" for i in range(4) for j in range(1, 30)] + ["203.0.113.7", "198.51.100.23"]


class Clock:
    """Monotonic event times: about 400 requests per second, spread over days for large logs."""

    def __init__(self, start: dt.datetime) -> None:
        self.now = start

    def tick(self, rng: random.Random) -> str:
        self.now += dt.timedelta(microseconds=rng.randint(500, 4500))
        return self.now.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _user(name: str) -> dict[str, Any]:
    if not name:
        return {}
    if name.startswith("system:serviceaccount:"):
        ns = name.split(":")[2]
        groups = ["system:serviceaccounts", f"system:serviceaccounts:{ns}", "system:authenticated"]
    elif name.startswith("system:node:"):
        groups = ["system:nodes", "system:authenticated"]
    elif name == "system:anonymous":
        groups = ["system:unauthenticated"]
    else:
        groups = ["developers", "system:authenticated"]
    return {"username": name, "uid": str(uuid.uuid5(uuid.NAMESPACE_URL, name)), "groups": groups}


def _secret_body(rng: random.Random, ns: str, name: str) -> dict[str, Any]:
    data = {
        key: base64.b64encode(rng.randbytes(rng.choice((24, 48, 96, 600, 1800)))).decode()
        for key in rng.sample(("password", "token", "tls.crt", "tls.key", "ca.crt", "config"), rng.randint(1, 4))
    }
    return {
        "kind": "Secret",
        "apiVersion": "v1",
        "metadata": {"name": name, "namespace": ns, "uid": str(uuid.uuid4()), "resourceVersion": "123456"},
        "data": data,
        "type": "Opaque",
    }


def _pod_body(rng: random.Random, ns: str, name: str) -> dict[str, Any]:
    privileged = rng.random() < 0.05
    container: dict[str, Any] = {
        "name": "app",
        "image": f"registry.example.com/{ns}/app:{rng.randint(1, 300)}",
        "resources": {"limits": {"cpu": "500m", "memory": "256Mi"}},
    }
    if privileged:
        container["securityContext"] = {"privileged": True}
    spec: dict[str, Any] = {"containers": [container], "serviceAccountName": "default"}
    if privileged and rng.random() < 0.5:
        spec["hostPID"] = True
    return {"kind": "Pod", "apiVersion": "v1", "metadata": {"name": name, "namespace": ns}, "spec": spec}


def _request(
    rng: random.Random,
    clock: Clock,
    *,
    user: str,
    verb: str,
    resource: str = "",
    group: str = "",
    ns: str = "",
    name: str = "",
    sub: str = "",
    code: int = 200,
    level: str = "Metadata",
    request_object: dict[str, Any] | None = None,
    response_object: dict[str, Any] | None = None,
    uri: str = "",
    agent: str = "",
    stages: tuple[str, ...] = ("RequestReceived", "ResponseComplete"),
    annotations: dict[str, str] | None = None,
) -> Iterator[dict[str, Any]]:
    audit_id = str(uuid.UUID(int=rng.getrandbits(128)))
    received = clock.tick(rng)
    if not uri:
        prefix = f"/apis/{group}/v1" if group else "/api/v1"
        uri = prefix + (f"/namespaces/{ns}" if ns else "") + f"/{resource}" + (f"/{name}" if name else "")
        uri += f"/{sub}" if sub else ""
        if verb in ("list", "watch"):
            uri += "?limit=500&resourceVersion=0" if verb == "list" else "?allowWatchBookmarks=true&watch=true"
    base: dict[str, Any] = {
        "kind": "Event",
        "apiVersion": "audit.k8s.io/v1",
        "level": level,
        "auditID": audit_id,
        "stage": "",
        "requestURI": uri,
        "verb": verb,
        "user": _user(user),
        "sourceIPs": [rng.choice(IPS)],
        "userAgent": agent or "kube-controller-manager/v1.30.4 (linux/amd64) kubernetes/1a2b3c4",
    }
    if resource:
        ref: dict[str, Any] = {"resource": resource}
        if ns:
            ref["namespace"] = ns
        if name:
            ref["name"] = name
        ref["apiGroup" if group else "apiVersion"] = group or "v1"
        if group:
            ref["apiVersion"] = "v1"
        if sub:
            ref["subresource"] = sub
        base["objectRef"] = ref
    for stage in stages:
        event = dict(base)
        event["stage"] = stage
        if stage != "RequestReceived":
            event["responseStatus"] = {"metadata": {}, "code": code}
        if request_object is not None and level in ("Request", "RequestResponse"):
            event["requestObject"] = request_object
        if response_object is not None and level == "RequestResponse" and stage == "ResponseComplete":
            event["responseObject"] = response_object
        event["requestReceivedTimestamp"] = received
        event["stageTimestamp"] = received if stage == "RequestReceived" else clock.tick(rng)
        if stage != "RequestReceived" and user:
            decision = "forbid" if code == 403 else "allow"
            event["annotations"] = {"authorization.k8s.io/decision": decision, "authorization.k8s.io/reason": ""}
            if annotations:
                event["annotations"].update(annotations)
        yield event


def _kubectl(rng: random.Random) -> str:
    return f"kubectl/v1.{rng.randint(28, 31)}.{rng.randint(0, 9)} (linux/amd64) kubernetes/5f1e2d3"


Shape = Callable[[random.Random, Clock], Iterator[dict[str, Any]]]


def lease(rng: random.Random, clock: Clock) -> Iterator[dict[str, Any]]:
    node = rng.choice(NODES)
    yield from _request(
        rng, clock, user=node, verb="update", resource="leases", group="coordination.k8s.io",
        ns="kube-node-lease", name=node.removeprefix("system:node:"), agent="kubelet/v1.30.4 (linux/amd64)",
    )  # fmt: skip


def controller_read(rng: random.Random, clock: Clock) -> Iterator[dict[str, Any]]:
    resource = rng.choice(("configmaps", "endpoints", "pods", "services", "nodes", "replicasets"))
    verb = rng.choice(("get", "list", "watch"))
    stages = ("RequestReceived", "ResponseStarted", "ResponseComplete") if verb == "watch" else None
    yield from _request(
        rng, clock, user=rng.choice(CONTROLLERS), verb=verb, resource=resource,
        group="apps" if resource == "replicasets" else "", ns="" if resource == "nodes" else rng.choice(NAMESPACES),
        name=f"obj-{rng.randint(1, 900)}" if verb == "get" else "",
        **({"stages": stages} if stages else {}),
    )  # fmt: skip


def kubelet_secret(rng: random.Random, clock: Clock) -> Iterator[dict[str, Any]]:
    ns = rng.choice(NAMESPACES)
    yield from _request(
        rng, clock, user=rng.choice(NODES), verb="get", resource=rng.choice(("secrets", "configmaps")),
        ns=ns, name=f"cfg-{rng.randint(1, 200)}", agent="kubelet/v1.30.4 (linux/amd64)",
    )  # fmt: skip


def token_request(rng: random.Random, clock: Clock) -> Iterator[dict[str, Any]]:
    yield from _request(
        rng, clock, user=rng.choice(NODES), verb="create", resource="serviceaccounts", sub="token",
        ns=rng.choice(NAMESPACES), name="default", code=201, agent="kubelet/v1.30.4 (linux/amd64)",
    )  # fmt: skip


def event_create(rng: random.Random, clock: Clock) -> Iterator[dict[str, Any]]:
    yield from _request(
        rng, clock, user=rng.choice(CONTROLLERS + NODES[:10]), verb="create", resource="events",
        ns=rng.choice(NAMESPACES), code=201,
    )  # fmt: skip


def human_read(rng: random.Random, clock: Clock) -> Iterator[dict[str, Any]]:
    resource = rng.choice(("pods", "deployments", "services", "configmaps", "pods/log"))
    resource, _, sub = resource.partition("/")
    yield from _request(
        rng, clock, user=rng.choice(HUMANS), verb=rng.choice(("get", "list")), resource=resource,
        group="apps" if resource == "deployments" else "", ns=rng.choice(NAMESPACES), sub=sub, agent=_kubectl(rng),
    )  # fmt: skip


def secret_read(rng: random.Random, clock: Clock) -> Iterator[dict[str, Any]]:
    ns = rng.choice(NAMESPACES)
    name = f"db-credentials-{rng.randint(1, 60)}"
    user = rng.choice(HUMANS + CI)
    verb = rng.choice(("get", "get", "get", "list"))
    if verb == "list":
        body: dict[str, Any] = {
            "kind": "SecretList",
            "apiVersion": "v1",
            "items": [_secret_body(rng, ns, f"s-{i}") for i in range(rng.randint(2, 6))],
        }
        name = ""
    else:
        body = _secret_body(rng, ns, name)
    yield from _request(
        rng, clock, user=user, verb=verb, resource="secrets", ns=ns, name=name, level="RequestResponse",
        response_object=body, agent=_kubectl(rng) if user in HUMANS else "argocd-application-controller/v2.11",
        code=403 if rng.random() < 0.08 else 200,
    )  # fmt: skip


def workload_write(rng: random.Random, clock: Clock) -> Iterator[dict[str, Any]]:
    ns = rng.choice(NAMESPACES)
    name = f"app-{rng.randint(1, 5000)}"
    yield from _request(
        rng, clock, user=rng.choice(CI + HUMANS), verb="create", resource="pods", ns=ns, name=name, code=201,
        level="Request", request_object=_pod_body(rng, ns, name), agent=_kubectl(rng),
    )  # fmt: skip


def rbac_change(rng: random.Random, clock: Clock) -> Iterator[dict[str, Any]]:
    kind = rng.choice(("rolebindings", "clusterrolebindings", "roles"))
    role = rng.choice(("view", "edit", "cluster-admin"))
    body = {
        "kind": "ClusterRoleBinding" if kind == "clusterrolebindings" else "RoleBinding",
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "metadata": {"name": f"grant-{rng.randint(1, 99)}"},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": role},
        "subjects": [{"kind": "User", "name": rng.choice(HUMANS), "apiGroup": "rbac.authorization.k8s.io"}],
    }
    yield from _request(
        rng, clock, user=rng.choice(HUMANS + CI), verb=rng.choice(("create", "update", "delete")), resource=kind,
        group="rbac.authorization.k8s.io", ns="" if kind.startswith("cluster") else rng.choice(NAMESPACES),
        name=body["metadata"]["name"], level="RequestResponse", request_object=body, code=201, agent=_kubectl(rng),
    )  # fmt: skip


def exec_session(rng: random.Random, clock: Clock) -> Iterator[dict[str, Any]]:
    ns = rng.choice(NAMESPACES)
    sub = rng.choice(("exec", "exec", "portforward", "attach"))
    name = f"app-{rng.randint(1, 5000)}"
    uri = f"/api/v1/namespaces/{ns}/pods/{name}/{sub}" + ("?command=sh&stdin=true&tty=true" if sub == "exec" else "")
    yield from _request(
        rng, clock, user=rng.choice(HUMANS), verb="create", resource="pods", ns=ns, name=name, sub=sub, code=101,
        uri=uri, agent=_kubectl(rng), stages=("RequestReceived", "ResponseStarted", "ResponseComplete"),
    )  # fmt: skip


def failed_login(rng: random.Random, clock: Clock) -> Iterator[dict[str, Any]]:
    yield from _request(
        rng, clock, user="", verb="list", resource="secrets", ns="kube-system", code=401,
        agent="python-requests/2.31.0", stages=("ResponseStarted",),
    )  # fmt: skip


def denied(rng: random.Random, clock: Clock) -> Iterator[dict[str, Any]]:
    yield from _request(
        rng, clock, user=rng.choice(HUMANS), verb=rng.choice(("delete", "create", "list")),
        resource=rng.choice(("nodes", "namespaces", "clusterroles")), code=403, agent=_kubectl(rng),
    )  # fmt: skip


def health_probe(rng: random.Random, clock: Clock) -> Iterator[dict[str, Any]]:
    yield from _request(
        rng, clock, user="system:anonymous", verb="get", uri=rng.choice(("/healthz", "/livez", "/readyz")),
        agent="kube-probe/1.30",
    )  # fmt: skip


MIX: tuple[tuple[Shape, int], ...] = (
    (lease, 300),
    (controller_read, 260),
    (kubelet_secret, 120),
    (token_request, 60),
    (event_create, 90),
    (human_read, 60),
    (secret_read, 25),
    (workload_write, 20),
    (rbac_change, 3),
    (exec_session, 4),
    (failed_login, 3),
    (denied, 8),
    (health_probe, 47),
)


def generate(out: BinaryIO, size: int, seed: int) -> int:
    """Write events until ``size`` bytes are written; return the number of events."""
    rng = random.Random(seed)
    clock = Clock(dt.datetime(2026, 3, 2, 6, 0, tzinfo=dt.UTC))
    shapes = [shape for shape, _ in MIX]
    weights = [weight for _, weight in MIX]
    encode = json.JSONEncoder(separators=(",", ":")).encode
    written = events = 0
    buffer: list[bytes] = []
    while written < size:
        for shape in rng.choices(shapes, weights, k=256):
            for event in shape(rng, clock):
                line = encode(event).encode() + b"\n"
                buffer.append(line)
                written += len(line)
                events += 1
        out.write(b"".join(buffer))
        buffer.clear()
    return events


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--size-mb", type=float, default=100.0)
    parser.add_argument("--gzip", action="store_true")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    size = int(args.size_mb * (1 << 20))
    opener = gzip.open if args.gzip else open
    with opener(args.out, "wb") as out:  # type: ignore[operator]
        events = generate(out, size, args.seed)
    print(f"wrote {args.out}: {events} events, {size / (1 << 20):.0f} MiB uncompressed", file=sys.stderr)


if __name__ == "__main__":
    main()
