"""Live collection from the fixture API server into an Inventory (and into bundles)."""

import tarfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import msgspec
import pytest

from kubeward.collect.live import collect_live, live_target
from kubeward.inventory.builder import InventoryBuilder
from kubeward.inventory.bundle import BUNDLE_SCHEMA, BundleWriter, read_bundle
from kubeward.inventory.model import InputRecord, Inventory, Target, VersionInfo
from kubeward.inventory.objects import (
    Capabilities,
    Container,
    KubeObject,
    LocalObjectReference,
    ObjectMeta,
    OwnerReference,
    Pod,
    PodSecurityContext,
    PodSpec,
    ProjectedVolumeSource,
    SecretMeta,
    SecretVolumeSource,
    SecurityContext,
    ServiceAccount,
    ServiceAccountTokenProjection,
    Volume,
    VolumeMount,
    VolumeProjection,
)
from kubeward.inventory.provenance import Provenance, api_at
from kubeward.kube.client import ConnectionFailed, KubeClient, Unauthorized
from kubeward.kube.kubeconfig import ConnectionOptions, resolve_connection
from kubeward.testing.fixture_apiserver import FixtureCluster, UserInfo
from kubeward.testing.harness import FixtureEnvironment, fixture_environment

SERVED = [
    "v1", "apps/v1", "batch/v1", "rbac.authorization.k8s.io/v1", "flowcontrol.apiserver.k8s.io/v1",
    "flowcontrol.apiserver.k8s.io/v1beta3", "admissionregistration.k8s.io/v1", "networking.k8s.io/v1", "policy/v1",
    "coordination.k8s.io/v1", "storage.k8s.io/v1", "scheduling.k8s.io/v1", "certificates.k8s.io/v1",
    "apiextensions.k8s.io/v1", "discovery.k8s.io/v1", "authentication.k8s.io/v1", "authorization.k8s.io/v1",
]  # fmt: skip
COUNTS = {
    "version": 1, "discovery": 17, "clusterroles": 11, "clusterrolebindings": 9, "roles": 6, "rolebindings": 6,
    "serviceaccounts": 14, "pods": 12, "workloads": 8, "namespaces": 6, "nodes": 2, "flowschemas": 5,
    "prioritylevelconfigurations": 4, "webhookconfigurations": 2, "secrets": 4, "configmaps": 2, "kubelet": 2,
    "apiserver": 1,
}  # fmt: skip
CANARY = b"kubeward-secret-canary"
SA_MOUNT = "/var/run/secrets/kubernetes.io/serviceaccount"
T_INIT = "2024-12-12T09:14:27Z"
T_APP = "2024-12-14T16:40:11Z"
SECRET_VALUES_B64 = (b"a3ViZXdhcmQtc2VjcmV0LWNhbmFyeS1ib290c3RyYXA=", b"ZXlKaGJHY2lPaUpTVXpJMU5pSjku")


def collect(env: FixtureEnvironment, sink: object, *, token: str | None = None, **kwargs: Any) -> None:
    kubeconfig = env.kubeconfig(token=token) if token else env.kubeconfig()
    conn = resolve_connection(ConnectionOptions(kubeconfig=str(kubeconfig)), env={})
    with KubeClient(conn) as client:
        collect_live(client, sink, **kwargs)  # type: ignore[arg-type]


def build(env: FixtureEnvironment, **kwargs: Any) -> Inventory:
    builder = InventoryBuilder(Target(kind="live", name="fixture", server=env.url, context="fixture"))
    collect(env, builder, **kwargs)
    return builder.build()


def records(inventory: Inventory) -> dict[str, tuple[str, int | None]]:
    # "provider" is the builder's business (managed-cluster JSON), not live collection's.
    return {r.part: (r.status, r.count) for r in inventory.collection if r.part != "provider"}


def test_full_collection(fixture_env: FixtureEnvironment) -> None:
    inventory = build(fixture_env, chunk_size=4)
    assert records(inventory) == {part: ("collected", count) for part, count in COUNTS.items()}
    assert not inventory.incomplete
    assert inventory.issues == ()
    assert inventory.version == VersionInfo(
        gitVersion="v1.31.4", major="1", minor="31", platform="linux/amd64", provenance=api_at("/version")
    )
    assert list(inventory.discovery) == SERVED
    assert sorted(f"{w.kind}/{w.namespace}/{w.name}" for w in inventory.workloads) == [
        "CronJob/app/legacy-batch",
        "DaemonSet/kube-system/kube-proxy",
        "Deployment/app/web",
        "Deployment/kube-system/coredns",
        "Job/app/legacy-batch-28938520",
        "ReplicaSet/app/web-6d4cf56db6",
        "ReplicaSet/kube-system/coredns-7c65d6cfc9",
        "StatefulSet/monitoring/prometheus",
    ]
    assert sorted((w.kind, w.name) for w in inventory.webhook_configurations) == [
        ("MutatingWebhookConfiguration", "policy-agent-mutating"),
        ("ValidatingWebhookConfiguration", "policy-agent-validating"),
    ]
    assert sorted((c.namespace, c.name) for c in inventory.config_maps) == [
        ("kube-system", "kubeadm-config"),
        ("kube-system", "kubelet-config"),
    ]
    legacy_bot = next(sa for sa in inventory.service_accounts if sa.name == "legacy-bot")
    assert legacy_bot.secrets == (LocalObjectReference(name="legacy-bot-token"),)
    assert isinstance(legacy_bot, ServiceAccount)


def test_pod_is_trimmed_to_declared_fields(fixture_env: FixtureEnvironment) -> None:
    inventory = build(fixture_env)
    pod = next(p for p in inventory.pods if p.name == "web-6d4cf56db6-2xv9k")
    token_mount = "kube-api-access-hq4nd"
    token = ServiceAccountTokenProjection(expirationSeconds=3607, path="token")
    assert pod == Pod(
        metadata=ObjectMeta(
            name="web-6d4cf56db6-2xv9k",
            namespace="app",
            uid="89ca43c3-7c7d-1871-bf63-0914efeac6ad",
            labels={"app.kubernetes.io/name": "web", "pod-template-hash": "6d4cf56db6"},
            ownerReferences=(
                OwnerReference(kind="ReplicaSet", name="web-6d4cf56db6", uid="f3df6b92-a46e-9fd7-5c90-7876f042ac12",
                               apiVersion="apps/v1", controller=True),
            ),
            creationTimestamp="2024-12-14T16:40:11Z",
        ),
        spec=PodSpec(
            serviceAccountName="web",
            serviceAccount="web",
            nodeName="worker-1",
            containers=(
                Container(
                    name="web",
                    image="ghcr.io/example/web:2.4.1",
                    securityContext=SecurityContext(allowPrivilegeEscalation=False, runAsUser=10001, runAsNonRoot=True,
                                                    capabilities=Capabilities(drop=("ALL",))),
                    volumeMounts=(
                        VolumeMount(name="tls", mountPath="/etc/tls", readOnly=True),
                        VolumeMount(name=token_mount, mountPath=SA_MOUNT, readOnly=True),
                    ),
                ),
            ),
            volumes=(
                Volume(name="tls", secret=SecretVolumeSource(secretName="web-tls")),
                Volume(name=token_mount, projected=ProjectedVolumeSource(sources=(
                    VolumeProjection(serviceAccountToken=token),
                    VolumeProjection(),
                    VolumeProjection(),
                ))),
            ),
            securityContext=PodSecurityContext(),
        ),
    )  # fmt: skip
    assert pod.provenance is None
    assert pod.origin() == api_at("/api/v1/namespaces/app/pods/web-6d4cf56db6-2xv9k")


def test_secrets_are_metadata_only(fixture_env: FixtureEnvironment) -> None:
    inventory = build(fixture_env)
    assert inventory.secrets == (
        SecretMeta(metadata=ObjectMeta(name="db-credentials", namespace="app",
                                       uid="d404198b-c3c4-11d3-981e-ec480360d463", creationTimestamp=T_APP)),
        SecretMeta(
            metadata=ObjectMeta(
                name="legacy-bot-token", namespace="app", uid="1bb18024-dfc9-3607-021d-fa8b4346e851",
                labels={"kubernetes.io/legacy-token-last-used": "2025-01-06"},
                annotations={"kubernetes.io/service-account.name": "legacy-bot",
                             "kubernetes.io/service-account.uid": "24222c09-93c6-996f-3c81-f884376a770d"},
                creationTimestamp="2024-12-14T16:40:11Z",
            ),
            type="kubernetes.io/service-account-token",
        ),
        SecretMeta(metadata=ObjectMeta(name="web-tls", namespace="app", uid="13ef6355-aa85-2a4e-acbb-a31e8486fd95",
                                       creationTimestamp="2024-12-14T16:40:11Z")),
        SecretMeta(metadata=ObjectMeta(name="bootstrap-token-abcdef", namespace="kube-system",
                                       uid="ca8f206d-bd06-8e47-4aec-bd175118c84a", creationTimestamp=T_INIT)),
    )  # fmt: skip
    assert [s.is_service_account_token for s in inventory.secrets] == [False, True, False, False]
    # Secret data was never requested: every secrets request asked for metadata only, and no secret or
    # arbitrary configmap was fetched by name.
    secret_requests = [r for r in fixture_env.server.requests if "/secrets" in r.path]
    assert len(secret_requests) == 2
    assert all(r.path == "/api/v1/secrets" for r in secret_requests)
    assert all(r.accept == "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1" for r in secret_requests)
    assert [r.param("fieldSelector") for r in secret_requests] == ["type=kubernetes.io/service-account-token", None]
    configmap_paths = sorted(r.path for r in fixture_env.server.requests if "configmaps" in r.path)
    assert configmap_paths == [
        "/api/v1/namespaces/kube-system/configmaps/aws-auth",
        "/api/v1/namespaces/kube-system/configmaps/kubeadm-config",
        "/api/v1/namespaces/kube-system/configmaps/kubelet-config",
    ]
    encoded = msgspec.json.encode(inventory)
    assert CANARY not in encoded
    assert not any(value in encoded for value in SECRET_VALUES_B64)


def test_kubelet_configz_instances(fixture_env: FixtureEnvironment) -> None:
    inventory = build(fixture_env)
    assert sorted(k.node for k in inventory.kubelets) == ["cp-1", "worker-1"]
    worker = next(k for k in inventory.kubelets if k.node == "worker-1")
    path = "/api/v1/nodes/worker-1/proxy/configz"
    assert worker.origin == "configz"
    assert worker.provenance == api_at(path)
    assert worker.version == "v1.31.4"
    assert worker.started_with_config is None
    assert worker.config is None and worker.flags == ()
    assert worker.configz is not None
    assert worker.configz.kind == "KubeletConfiguration"
    assert worker.configz.provenance == api_at(path)
    assert worker.configz.field("readOnlyPort") == (True, 10255)
    assert worker.configz.field("authentication.anonymous.enabled") == (True, True)
    assert worker.configz.field("authorization.mode") == (True, "AlwaysAllow")
    control_plane = next(k for k in inventory.kubelets if k.node == "cp-1")
    assert control_plane.configz is not None and control_plane.configz.field("authorization.mode") == (True, "Webhook")


def test_apiserver_derived_from_mirror_pod(fixture_env: FixtureEnvironment) -> None:
    inventory = build(fixture_env)
    [api] = inventory.apiservers
    pod_path = "/api/v1/namespaces/kube-system/pods/kube-apiserver-cp-1"
    assert (api.name, api.origin, api.node, api.version) == ("kube-apiserver-cp-1", "mirror-pod", "cp-1", "v1.31.4")
    assert api.image == "registry.k8s.io/kube-apiserver:v1.31.4"
    assert api.provenance == api_at(pod_path)
    flags = {f.name: f.value for f in api.flags}
    assert len(api.flags) == 31
    assert flags["authorization-mode"] == "Node,RBAC"
    assert flags["enable-admission-plugins"] == "NodeRestriction"
    assert flags["profiling"] == "false"
    assert flags["audit-log-path"] == "/var/log/kubernetes/audit/audit.log"
    assert "anonymous-auth" not in flags
    authz = next(f for f in api.flags if f.name == "authorization-mode")
    assert authz.provenance == Provenance(kind="api", source=pod_path, pointer="/spec/containers/0/command/6")


def test_pages_stream_to_the_sink(fixture_env: FixtureEnvironment) -> None:
    class Recorder(InventoryBuilder):
        def __init__(self) -> None:
            super().__init__(Target(kind="live", name="x"))
            self.batches: list[tuple[str, int]] = []

        def add_objects(self, part: str, items: Sequence[KubeObject]) -> None:
            self.batches.append((part, len(items)))
            super().add_objects(part, items)

    sink = Recorder()
    collect(fixture_env, sink, chunk_size=3)
    pods = [n for part, n in sink.batches if part == "pods"]
    assert pods == [3, 3, 3, 3]
    assert max(n for _, n in sink.batches) <= 3
    assert {r.param("limit") for r in fixture_env.server.requests if r.path.endswith("/pods")} == {"3"}


def test_forbidden_part_is_recorded_and_collection_continues(live_cluster: FixtureCluster, tmp_path: Path) -> None:
    allowed = {("list", r) for r in ("pods", "rolebindings", "serviceaccounts", "roles", "clusterroles",
                                     "clusterrolebindings", "namespaces", "nodes", "deployments", "replicasets",
                                     "statefulsets", "daemonsets", "jobs", "cronjobs", "replicationcontrollers",
                                     "mutatingwebhookconfigurations", "validatingwebhookconfigurations", "flowschemas",
                                     "prioritylevelconfigurations")}  # fmt: skip
    allowed |= {("get", "configmaps"), ("get", "nodes/proxy")}
    tokens = {"scanner-token": UserInfo("scanner")}
    with fixture_environment(live_cluster, tmp_path, tokens=tokens, permissions={"scanner": allowed}) as env:
        inventory = build(env, token="scanner-token")
    got = records(inventory)
    assert got.pop("secrets") == ("forbidden", None)
    assert got == {part: ("collected", count) for part, count in COUNTS.items() if part != "secrets"}
    [secrets] = inventory.missing("secrets")
    assert secrets.reason == (
        'list /api/v1/secrets (metadata only): secrets is forbidden: User "scanner" cannot list resource '
        '"secrets" in API group "" at the cluster scope'
    )
    assert inventory.secrets == ()
    assert inventory.incomplete


def test_forbidden_node_proxy_marks_kubelet_part(live_cluster: FixtureCluster, tmp_path: Path) -> None:
    permissions = {"scanner": {("list", "*"), ("get", "configmaps")}}
    with fixture_environment(live_cluster, tmp_path, tokens={"t": UserInfo("scanner")}, permissions=permissions) as env:
        inventory = build(env, token="t")
    kubelet = inventory.coverage("kubelet")
    assert kubelet.status == "forbidden"
    assert kubelet.reason.startswith("get /api/v1/nodes/")
    assert 'cannot get resource "nodes/proxy"' in kubelet.reason
    # The builder still derives kubeadm's cluster-wide kubelet configuration, but the refused configz
    # read keeps the part marked: per-node configuration was not seen.
    assert [k.origin for k in inventory.kubelets] == ["kubeadm-config"]
    assert inventory.incomplete
    assert records(inventory)["nodes"] == ("collected", 2)


def test_configz_disabled(fixture_env: FixtureEnvironment) -> None:
    inventory = build(fixture_env, configz=False)
    assert not any("/proxy/" in r.path for r in fixture_env.server.requests)
    # The builder then derives the cluster-wide kubelet configuration from kubeadm's ConfigMap.
    [kubelet] = inventory.kubelets
    assert kubelet.origin == "kubeadm-config"
    assert inventory.coverage("kubelet").status == "collected"


@pytest.mark.parametrize(
    ("disabled", "expected"),
    [
        (("flowcontrol.apiserver.k8s.io/v1",), ("collected", "/apis/flowcontrol.apiserver.k8s.io/v1beta3/flowschemas")),
        (("flowcontrol.apiserver.k8s.io/v1", "flowcontrol.apiserver.k8s.io/v1beta3"), ("not_found", None)),
    ],
)
def test_flowcontrol_version_from_discovery(
    live_cluster: FixtureCluster, tmp_path: Path, disabled: tuple[str, ...], expected: tuple[str, str | None]
) -> None:
    with fixture_environment(live_cluster, tmp_path, disabled_group_versions=disabled) as env:
        inventory = build(env)
        paths = [r.path for r in env.server.requests if "flowschemas" in r.path]
    status, path = expected
    assert inventory.coverage("flowschemas").status == status
    assert inventory.coverage("prioritylevelconfigurations").status == status
    if path is None:
        assert paths == []
        assert inventory.coverage("flowschemas").reason.startswith(
            "flowcontrol.apiserver.k8s.io v1/v1beta3 is not served"
        )
    else:
        assert paths == [path]
        assert len(inventory.flow_schemas) == 5


def test_410_during_collection_gives_exact_counts(fixture_env: FixtureEnvironment) -> None:
    fixture_env.server.inject_gone("pods", nth_continue=2)
    fixture_env.server.inject_gone("rolebindings", nth_continue=1)
    inventory = build(fixture_env, chunk_size=2)
    assert records(inventory)["pods"] == ("collected", 12)
    assert records(inventory)["rolebindings"] == ("collected", 6)
    assert not any(i.message.endswith("(same namespace and name)") for i in inventory.issues)
    assert sum(1 for r in fixture_env.server.requests if r.status == 410) == 2


def test_rejected_credentials_end_the_collection(fixture_env: FixtureEnvironment) -> None:
    # A 401 on the first request would be a 401 on every part: it is an error, not a partial result.
    with pytest.raises(Unauthorized):
        build(fixture_env, token="not-a-valid-token")
    assert [r.path for r in fixture_env.server.requests] == ["/version"]


def test_unreachable_server_raises(tmp_path: Path) -> None:
    conn = resolve_connection(
        ConnectionOptions(server="https://127.0.0.1:9", token="t", insecure_skip_tls_verify=True),
        env={"HOME": str(tmp_path)},
    )
    with KubeClient(conn) as client, pytest.raises(ConnectionFailed):
        collect_live(client, InventoryBuilder(live_target(conn)))


class Tee:
    """A sink that feeds two sinks, so both see the same stream in the same order."""

    def __init__(self, *sinks: object) -> None:
        self.sinks = sinks

    def __getattr__(self, name: str) -> object:
        def call(*args: object) -> None:
            for sink in self.sinks:
                getattr(sink, name)(*args)

        return call


@pytest.mark.parametrize("name", ["bundle", "bundle.tar.gz"])
def test_bundle_round_trip(fixture_env: FixtureEnvironment, tmp_path: Path, name: str) -> None:
    target = Target(kind="live", name="fixture", server=fixture_env.url, context="fixture")
    builder = InventoryBuilder(target)
    writer = BundleWriter(tmp_path / name, target)
    collect(fixture_env, Tee(builder, writer), chunk_size=5)
    path = writer.close()
    direct = builder.build()
    loaded = read_bundle(path)
    assert loaded.inputs == (InputRecord(path=str(path), detected=f"bundle {BUNDLE_SCHEMA}"),)
    assert msgspec.structs.replace(loaded, inputs=()) == direct
    if name.endswith(".tar.gz"):
        with tarfile.open(path) as tar:
            blobs = [tar.extractfile(m).read() for m in tar.getmembers() if m.isfile()]  # type: ignore[union-attr]
    else:
        blobs = [p.read_bytes() for p in path.rglob("*") if p.is_file()]
    assert blobs and not any(CANARY in blob for blob in blobs)
