"""Offline collection: every input type detected from its content, loaded with provenance, and
assembled per node into the components' configuration."""

import json
import textwrap
from pathlib import Path
from typing import Any

import msgspec
import pytest
from tests.inputs.test_providers import AKS_SHOW, EKS_DESCRIBE_CLUSTER, GKE_DESCRIBE
from tests.inputs.test_systemd import KUBEADM_DROPIN

from kubeward.collect.offline import OfflineCollector
from kubeward.inputs.redact import REDACTED
from kubeward.inventory.builder import InventoryBuilder
from kubeward.inventory.components import ApiServerInstance, ConfigDoc, Flag, KubeletInstance
from kubeward.inventory.model import InputIssue, Inventory, Target
from kubeward.inventory.objects import (
    ClusterRoleBinding,
    Container,
    ObjectMeta,
    Pod,
    PodSpec,
    RoleRef,
    Subject,
)
from kubeward.inventory.provenance import Provenance, default_of, file_at
from kubeward.resolve.apiserver import EffectiveApiServer
from kubeward.resolve.kubelet import EffectiveKubelet

K3S_DEFAULT = default_of("k3s built-in argument")
RKE2_DEFAULT = default_of("rke2 built-in argument")


def write(root: Path, files: dict[str, str | bytes]) -> None:
    for relative, content in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(textwrap.dedent(content).lstrip("\n"))


def scan(root: Path, files: dict[str, str | bytes], *paths: str) -> Inventory:
    """Write ``files`` under ``root`` and load them (the whole folder unless ``paths`` are named)."""
    write(root, files)
    builder = InventoryBuilder(Target(kind="offline", name="test"))
    collector = OfflineCollector(builder, display=lambda p: Path(p).relative_to(root).as_posix())
    collector.load([str(root / p) for p in paths] if paths else [str(root)])
    return builder.build()


def flags(instance: ApiServerInstance | KubeletInstance) -> list[tuple[str, str, str]]:
    return [(f.name, f.value, f.provenance.describe()) for f in instance.flags]


def detected(inventory: Inventory) -> dict[str, str]:
    return {record.path: record.detected for record in inventory.inputs}


# --- static pod manifests ---------------------------------------------------------------------------

MANIFEST_COMMAND_ONLY = """
apiVersion: v1
kind: Pod
metadata:
  name: kube-apiserver
  namespace: kube-system
spec:
  containers:
  - name: kube-apiserver
    image: registry.k8s.io/kube-apiserver:v1.31.1
    command:
    - kube-apiserver
    - --anonymous-auth=false
    - --authorization-mode=Node,RBAC
    - --audit-policy-file
    - /etc/kubernetes/audit/policy.yaml
    volumeMounts:
    - mountPath: /etc/kubernetes/audit
      name: audit
      readOnly: true
  hostNetwork: true
  volumes:
  - hostPath:
      path: /srv/audit
      type: DirectoryOrCreate
    name: audit
"""


def test_static_pod_flags_in_command(tmp_path: Path) -> None:
    path = "nodes/cp-1/etc/kubernetes/manifests/kube-apiserver.yaml"
    inventory = scan(tmp_path, {path: MANIFEST_COMMAND_ONLY})
    [api] = inventory.apiservers
    assert (api.name, api.origin, api.node, api.image, api.version, api.provenance) == (
        "kube-apiserver (cp-1)",
        "static-pod",
        "cp-1",
        "registry.k8s.io/kube-apiserver:v1.31.1",
        "v1.31.1",
        file_at(path, 1),
    )
    assert api.flags == (
        Flag("anonymous-auth", "false", file_at(path, 12, "/spec/containers/0/command/1")),
        Flag("authorization-mode", "Node,RBAC", file_at(path, 13, "/spec/containers/0/command/2")),
        Flag(
            "audit-policy-file", "/etc/kubernetes/audit/policy.yaml", file_at(path, 14, "/spec/containers/0/command/3")
        ),
    )
    assert EffectiveApiServer(api).host_path("/etc/kubernetes/audit/policy.yaml") == "/srv/audit/policy.yaml"
    assert inventory.pods == ()  # a static pod manifest is a component, not a workload
    assert detected(inventory) == {path: "static pod manifest"}
    assert inventory.version is not None and inventory.version.gitVersion == "v1.31.1"
    assert inventory.issues == ()


def test_static_pod_flags_in_args_rke2_style(tmp_path: Path) -> None:
    path = "nodes/srv-1/var/lib/rancher/rke2/agent/pod-manifests/kube-apiserver.yaml"
    manifest = """
    apiVersion: v1
    kind: Pod
    metadata:
      labels:
        component: kube-apiserver
        tier: control-plane
      name: kube-apiserver
      namespace: kube-system
    spec:
      containers:
      - args:
        - --allow-privileged=true
        - --anonymous-auth=false
        - --authorization-mode=Node,RBAC
        - --profiling=false
        command:
        - kube-apiserver
        image: index.docker.io/rancher/hardened-kubernetes:v1.30.2-rke2r1-build20240613
        name: kube-apiserver
    """
    [api] = scan(tmp_path, {path: manifest}).apiservers
    assert flags(api) == [
        ("allow-privileged", "true", f"{path}:12"),
        ("anonymous-auth", "false", f"{path}:13"),
        ("authorization-mode", "Node,RBAC", f"{path}:14"),
        ("profiling", "false", f"{path}:15"),
    ]
    assert api.flags[0].provenance.pointer == "/spec/containers/0/args/0"
    assert (api.version, api.node, api.name) == ("v1.30.2", "srv-1", "kube-apiserver (srv-1)")


def test_static_pod_args_without_command(tmp_path: Path) -> None:
    manifest = """
    apiVersion: v1
    kind: Pod
    metadata: {name: kube-apiserver-cp, namespace: kube-system}
    spec:
      containers:
      - name: kube-apiserver
        image: registry.k8s.io/kube-apiserver:v1.29.0@sha256:DIGEST
        args: ["--anonymous-auth=true", "--token-auth-file", "/etc/tokens.csv"]
    """.replace("DIGEST", "0f1e2d3c4b5a6978" * 4)
    inventory = scan(tmp_path, {"apiserver.yaml": manifest})
    [api] = inventory.apiservers
    assert flags(api) == [
        ("anonymous-auth", "true", "apiserver.yaml:8"),
        ("token-auth-file", "/etc/tokens.csv", "apiserver.yaml:8"),
    ]
    assert (api.name, api.node) == ("kube-apiserver (apiserver.yaml)", "")
    # The version comes from the tag, also when the image is pinned by digest.
    assert api.version == "v1.29.0"


def test_static_pod_flags_split_across_command_and_args(tmp_path: Path) -> None:
    manifest = """
    apiVersion: v1
    kind: Pod
    metadata:
      name: kube-apiserver
      namespace: kube-system
    spec:
      containers:
      - name: sidecar
        image: busybox
      - name: apiserver
        image: registry.k8s.io/kube-apiserver:v1.30.0
        command:
        - /usr/local/bin/kube-apiserver
        - --profiling=false
        - --audit-log-path
        args:
        - /var/log/audit.log
        - --anonymous-auth
        - "false"
    """
    [api] = scan(tmp_path, {"nodes/cp-2/etc/kubernetes/manifests/apiserver.yaml": manifest}).apiservers
    path = "nodes/cp-2/etc/kubernetes/manifests/apiserver.yaml"
    # A value flag at the end of `command` takes the first word of `args`; a boolean never takes one.
    assert flags(api) == [
        ("profiling", "false", f"{path}:14"),
        ("audit-log-path", "/var/log/audit.log", f"{path}:15"),
        ("anonymous-auth", "true", f"{path}:18"),
    ]
    assert [f.provenance.pointer for f in api.flags] == [
        "/spec/containers/1/command/1",
        "/spec/containers/1/command/2",
        "/spec/containers/1/args/1",
    ]


def test_other_control_plane_manifests_are_read_not_reported(tmp_path: Path) -> None:
    manifest = """
    apiVersion: v1
    kind: Pod
    metadata: {name: etcd, namespace: kube-system}
    spec:
      containers:
      - name: etcd
        command: [etcd, --client-cert-auth=true]
    """
    inventory = scan(tmp_path, {"nodes/cp-1/etc/kubernetes/manifests/etcd.yaml": manifest})
    assert inventory.apiservers == () and inventory.pods == ()
    assert detected(inventory) == {"nodes/cp-1/etc/kubernetes/manifests/etcd.yaml": "static pod manifest"}


# --- kubelet: config file, drop-ins, systemd units, env files --------------------------------------

KUBELET_CONFIG = """
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
authentication:
  anonymous:
    enabled: false
  webhook:
    enabled: true
authorization:
  mode: Webhook
readOnlyPort: 0
"""


def test_kubelet_config_and_config_dir_dropins(tmp_path: Path) -> None:
    node = "nodes/worker-1"
    inventory = scan(
        tmp_path,
        {
            f"{node}/etc/systemd/system/kubelet.service": """
            [Unit]
            Description=kubelet
            [Service]
            ExecStart=/usr/bin/kubelet --config=/var/lib/kubelet/config.yaml \\
              --config-dir=/etc/kubernetes/kubelet.conf.d/
            """,
            f"{node}/var/lib/kubelet/config.yaml": KUBELET_CONFIG,
            f"{node}/etc/kubernetes/kubelet.conf.d/20-metrics.conf": """
            apiVersion: kubelet.config.k8s.io/v1beta1
            kind: KubeletConfiguration
            readOnlyPort: 10255
            """,
            f"{node}/etc/kubernetes/kubelet.conf.d/10-debug.conf": """
            apiVersion: kubelet.config.k8s.io/v1beta1
            kind: KubeletConfiguration
            authentication:
              anonymous:
                enabled: true
            readOnlyPort: 10250
            """,
            f"{node}/etc/kubernetes/kubelet.conf.d/README.md": "Drop-ins for the kubelet.\n",
        },
    )
    [kubelet] = inventory.kubelets
    assert (kubelet.node, kubelet.origin, kubelet.started_with_config) == ("worker-1", "node-files", True)
    assert kubelet.config is not None and kubelet.config.node_path == "/var/lib/kubelet/config.yaml"
    assert [d.node_path for d in kubelet.dropins] == [
        "/etc/kubernetes/kubelet.conf.d/10-debug.conf",
        "/etc/kubernetes/kubelet.conf.d/20-metrics.conf",
    ]
    effective = EffectiveKubelet(kubelet)
    port = effective.setting("readOnlyPort")
    assert (port.value, port.source, port.provenance) == (
        10255,
        "config-file",
        file_at(f"{node}/etc/kubernetes/kubelet.conf.d/20-metrics.conf", 3, pointer="readOnlyPort"),
    )
    anonymous = effective.setting("authentication.anonymous.enabled")
    assert (anonymous.value, anonymous.provenance.describe() if anonymous.provenance else "") == (
        True,
        f"{node}/etc/kubernetes/kubelet.conf.d/10-debug.conf:5",
    )
    assert effective.setting("authorization.mode").provenance == file_at(
        f"{node}/var/lib/kubelet/config.yaml", 9, pointer="authorization.mode"
    )
    assert detected(inventory) == {
        f"{node}/etc/kubernetes/kubelet.conf.d/10-debug.conf": "KubeletConfiguration",
        f"{node}/etc/kubernetes/kubelet.conf.d/20-metrics.conf": "KubeletConfiguration",
        f"{node}/etc/kubernetes/kubelet.conf.d/README.md": "skipped (not a recognised input)",
        f"{node}/etc/systemd/system/kubelet.service": "systemd unit",
        f"{node}/var/lib/kubelet/config.yaml": "KubeletConfiguration",
    }
    assert inventory.issues == ()


def test_systemd_unit_dropins_and_environment_files(tmp_path: Path) -> None:
    node = "nodes/cp-1"
    inventory = scan(
        tmp_path,
        {
            f"{node}/lib/systemd/system/kubelet.service": """
            [Service]
            ExecStart=/usr/bin/kubelet
            """,
            f"{node}/usr/lib/systemd/system/kubelet.service.d/10-kubeadm.conf": KUBEADM_DROPIN,
            f"{node}/etc/systemd/system/kubelet.service.d/20-hardening.conf": """
            [Service]
            Environment="KUBELET_EXTRA_ARGS=--protect-kernel-defaults"
            """,
            f"{node}/var/lib/kubelet/kubeadm-flags.env": (
                'KUBELET_KUBEADM_ARGS="--container-runtime-endpoint=unix:///var/run/containerd/containerd.sock '
                '--pod-infra-container-image=registry.k8s.io/pause:3.9"\n'
            ),
            f"{node}/etc/default/kubelet": "# overrides\nKUBELET_EXTRA_ARGS=--read-only-port=10255\n",
            f"{node}/var/lib/kubelet/config.yaml": KUBELET_CONFIG,
        },
    )
    [kubelet] = inventory.kubelets
    dropin = f"{node}/usr/lib/systemd/system/kubelet.service.d/10-kubeadm.conf"
    # EnvironmentFile= overrides Environment=: /etc/default/kubelet wins over 20-hardening.conf.
    assert flags(kubelet) == [
        ("bootstrap-kubeconfig", "/etc/kubernetes/bootstrap-kubelet.conf", f"{dropin}:3"),
        ("kubeconfig", "/etc/kubernetes/kubelet.conf", f"{dropin}:3"),
        ("config", "/var/lib/kubelet/config.yaml", f"{dropin}:4"),
        (
            "container-runtime-endpoint",
            "unix:///var/run/containerd/containerd.sock",
            f"{node}/var/lib/kubelet/kubeadm-flags.env:1",
        ),
        ("pod-infra-container-image", "registry.k8s.io/pause:3.9", f"{node}/var/lib/kubelet/kubeadm-flags.env:1"),
        ("read-only-port", "10255", f"{node}/etc/default/kubelet:2"),
    ]
    # The instance points at the ExecStart= that is in force (the drop-in's, after its reset).
    assert kubelet.provenance == file_at(dropin, 9)
    port = EffectiveKubelet(kubelet).setting("readOnlyPort")
    assert (port.value, port.source, port.detail) == (10255, "flag", "--read-only-port overrides the config file")
    assert detected(inventory)[f"{node}/etc/default/kubelet"] == "environment file"
    assert detected(inventory)[dropin] == "systemd unit"
    assert inventory.issues == ()


def test_kubeadm_flags_env_alone(tmp_path: Path) -> None:
    inventory = scan(
        tmp_path,
        {
            "kubeadm-flags.env": (
                'KUBELET_KUBEADM_ARGS="--container-runtime-endpoint=unix:///run/containerd/containerd.sock '
                '--node-ip=10.0.0.7"\n'
            )
        },
    )
    [kubelet] = inventory.kubelets
    assert flags(kubelet) == [
        ("config", "/var/lib/kubelet/config.yaml", "kubeadm's kubelet drop-in 10-kubeadm.conf (KUBELET_CONFIG_ARGS)"),
        ("container-runtime-endpoint", "unix:///run/containerd/containerd.sock", "kubeadm-flags.env:1"),
        ("node-ip", "10.0.0.7", "kubeadm-flags.env:1"),
    ]
    assert (kubelet.started_with_config, kubelet.config, kubelet.provenance) == (
        True,
        None,
        file_at("kubeadm-flags.env", 1),
    )
    # kubeadm's unit runs the kubelet with --config; that file is not among the inputs, so the
    # settings are unknown rather than the insecure flags-only defaults.
    anonymous = EffectiveKubelet(kubelet).setting("authentication.anonymous.enabled")
    assert (anonymous.known, anonymous.value, anonymous.detail) == (
        False,
        None,
        "the kubelet reads --config=/var/lib/kubelet/config.yaml, which is not among the inputs",
    )
    assert detected(inventory) == {"kubeadm-flags.env": "environment file"}


def test_kubeadm_env_files_with_their_config(tmp_path: Path) -> None:
    inventory = scan(
        tmp_path,
        {
            "n1/var/lib/kubelet/kubeadm-flags.env": 'KUBELET_KUBEADM_ARGS="--node-ip=10.0.0.7"\n',
            "n1/etc/default/kubelet": "KUBELET_EXTRA_ARGS=--anonymous-auth=true\n",
            "n1/var/lib/kubelet/config.yaml": KUBELET_CONFIG,
        },
    )
    [kubelet] = inventory.kubelets
    assert kubelet.config is not None and kubelet.config.provenance == file_at("n1/var/lib/kubelet/config.yaml", 1)
    anonymous = EffectiveKubelet(kubelet).setting("authentication.anonymous.enabled")
    assert (anonymous.value, anonymous.source, anonymous.provenance) == (
        True,
        "flag",
        file_at("n1/etc/default/kubelet", 1),
    )


def test_loose_etc_default_kubelet(tmp_path: Path) -> None:
    inventory = scan(tmp_path, {"copied/kubelet": "KUBELET_EXTRA_ARGS=--read-only-port=10255\n"})
    [kubelet] = inventory.kubelets
    assert flags(kubelet)[1:] == [("read-only-port", "10255", "copied/kubelet:1")]


def test_unused_kubelet_config_is_a_warning(tmp_path: Path) -> None:
    inventory = scan(
        tmp_path,
        {
            "n1/etc/systemd/system/kubelet.service": (
                "[Service]\nExecStart=/usr/bin/kubelet --config=/etc/kubelet.yaml\n"
            ),
            "n1/var/lib/kubelet/config.yaml": KUBELET_CONFIG,
        },
    )
    [kubelet] = inventory.kubelets
    assert kubelet.config is None and kubelet.started_with_config is True
    assert inventory.issues == (
        InputIssue(
            input="n1/var/lib/kubelet/config.yaml:1",
            message="KubeletConfiguration not used by any kubelet command line found for this node",
            level="warning",
        ),
    )
    assert not inventory.incomplete


def test_lone_kubelet_config_in_a_node_layout_and_outside(tmp_path: Path) -> None:
    inventory = scan(
        tmp_path,
        {
            "n1/var/lib/kubelet/config.yaml": KUBELET_CONFIG,
            "n1/etc/kubernetes/kubelet.conf.d/50-x.conf": (
                "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\n"
            ),
            "loose/kubelet-config.yaml": KUBELET_CONFIG,
        },
    )
    by_node = {k.node: k for k in inventory.kubelets}
    assert set(by_node) == {"n1", "loose/kubelet-config.yaml"}
    assert by_node["n1"].started_with_config is True
    assert by_node["loose/kubelet-config.yaml"].config is not None
    assert [i.input for i in inventory.issues] == ["n1/etc/kubernetes/kubelet.conf.d/50-x.conf:1"]


# --- k3s and RKE2 ---------------------------------------------------------------------------------


def test_k3s_config_with_dropins(tmp_path: Path) -> None:
    base = "nodes/srv-1/etc/rancher/k3s"
    inventory = scan(
        tmp_path,
        {
            f"{base}/config.yaml": """
            write-kubeconfig-mode: "0644"
            token: K10fake0000000000000000000000000000000000000000000000000000000::server:fake
            tls-san:
            - k3s.example.internal
            kube-apiserver-arg:
            - anonymous-auth=true
            - audit-log-maxage=30
            kubelet-arg: read-only-port=10255
            """,
            f"{base}/config.yaml.d/20-audit.yaml": """
            kube-apiserver-arg+:
            - audit-policy-file=/etc/rancher/k3s/audit.yaml
            """,
            f"{base}/config.yaml.d/10-kubelet.yaml": """
            kubelet-arg+:
            - protect-kernel-defaults=true
            """,
        },
    )
    [api] = inventory.apiservers
    assert (api.name, api.origin, api.installer, api.node, api.provenance) == (
        "kube-apiserver (k3s srv-1)",
        "k3s",
        "k3s",
        "srv-1",
        file_at(f"{base}/config.yaml", 1),
    )
    assert flags(api) == [
        ("allow-privileged", "true", "k3s built-in argument"),
        ("anonymous-auth", "true", f"{base}/config.yaml:6"),
        ("audit-log-maxage", "30", f"{base}/config.yaml:7"),
        ("audit-policy-file", "/etc/rancher/k3s/audit.yaml", f"{base}/config.yaml.d/20-audit.yaml:2"),
        ("authorization-mode", "Node,RBAC", "k3s built-in argument"),
        ("enable-admission-plugins", "NodeRestriction", "k3s built-in argument"),
        ("enable-bootstrap-token-auth", "true", "k3s built-in argument"),
        ("profiling", "false", "k3s built-in argument"),
    ]
    [kubelet] = inventory.kubelets
    assert flags(kubelet) == [
        ("anonymous-auth", "false", "k3s built-in argument"),
        ("authentication-token-webhook", "true", "k3s built-in argument"),
        ("authorization-mode", "Webhook", "k3s built-in argument"),
        ("protect-kernel-defaults", "true", f"{base}/config.yaml.d/10-kubelet.yaml:2"),
        ("read-only-port", "10255", f"{base}/config.yaml:8"),
    ]
    docs = {doc.provenance.source: doc for doc in inventory.config_docs}
    assert set(docs) == {
        f"{base}/config.yaml",
        f"{base}/config.yaml.d/10-kubelet.yaml",
        f"{base}/config.yaml.d/20-audit.yaml",
    }
    main = docs[f"{base}/config.yaml"]
    assert (main.kind, main.node, main.node_path) == ("k3s-config", "srv-1", "/etc/rancher/k3s/config.yaml")
    assert main.data["token"] == REDACTED
    assert main.data["write-kubeconfig-mode"] == "0644"
    assert main.provenance_of("write-kubeconfig-mode") == file_at(
        f"{base}/config.yaml", 1, pointer="write-kubeconfig-mode"
    )
    assert "K10fake" not in repr(inventory)
    assert set(detected(inventory).values()) == {"k3s/RKE2 config"}


def test_k3s_dropins_outside_a_node_layout_merge_with_their_config(tmp_path: Path) -> None:
    inventory = scan(
        tmp_path,
        {
            "k3s/config.yaml": "kube-apiserver-arg:\n- anonymous-auth=true\n",
            "k3s/config.yaml.d/50-fix.yaml": "kube-apiserver-arg:\n- anonymous-auth=false\n",
        },
    )
    [api] = inventory.apiservers
    assert api.node == "k3s"
    assert [f for f in flags(api) if f[0] == "anonymous-auth"] == [
        ("anonymous-auth", "false", "k3s/config.yaml.d/50-fix.yaml:2")
    ]
    assert len(inventory.kubelets) == 1


def test_bad_distro_entry_names_its_dropin(tmp_path: Path) -> None:
    base = "n/etc/rancher/k3s"
    inventory = scan(
        tmp_path,
        {
            f"{base}/config.yaml": "kubelet-arg:\n- max-pods=50\n",
            f"{base}/config.yaml.d/90-typo.yaml": "kubelet-arg+:\n- read-only-port=0\n- 10255\n",
        },
    )
    assert inventory.issues == (
        InputIssue(
            input=f"{base}/config.yaml.d/90-typo.yaml",
            line=3,
            message="kubelet-arg entry 10255 is not a 'name=value' string",
        ),
    )
    [kubelet] = inventory.kubelets
    assert ("read-only-port", "0", f"{base}/config.yaml.d/90-typo.yaml:2") in flags(kubelet)


def test_rke2_agent_config(tmp_path: Path) -> None:
    path = "nodes/agent-1/etc/rancher/rke2/config.yaml"
    inventory = scan(
        tmp_path,
        {
            path: """
            server: https://rke2.example.internal:9345
            token: fake-join-token
            profile: cis
            kubelet-arg:
            - "anonymous-auth=true"
            node-label:
            - pool=batch
            """
        },
    )
    assert inventory.apiservers == ()  # an agent joins a server; it runs no API server
    [kubelet] = inventory.kubelets
    assert (kubelet.origin, kubelet.installer, kubelet.node) == ("rke2", "rke2", "agent-1")
    assert kubelet.flags[0] == Flag(
        "anonymous-auth", "true", Provenance(kind="file", source=path, line=5, pointer="kubelet-arg[0]")
    )
    assert flags(kubelet)[1:] == [
        ("authentication-token-webhook", "true", "rke2 built-in argument"),
        ("authorization-mode", "Webhook", "rke2 built-in argument"),
        ("read-only-port", "0", "rke2 built-in argument"),
    ]
    [doc] = inventory.config_docs
    assert doc.kind == "rke2-config" and doc.data["token"] == REDACTED


# --- kubeadm configuration files -------------------------------------------------------------------


def test_kubeadm_configuration_multi_document(tmp_path: Path) -> None:
    inventory = scan(
        tmp_path,
        {
            "kubeadm.yaml": """
            apiVersion: kubeadm.k8s.io/v1beta4
            kind: InitConfiguration
            nodeRegistration:
              kubeletExtraArgs:
              - name: rotate-server-certificates
                value: "true"
            ---
            apiVersion: kubeadm.k8s.io/v1beta4
            kind: ClusterConfiguration
            kubernetesVersion: v1.31.0
            apiServer:
              extraArgs:
              - name: profiling
                value: "false"
              - name: authorization-mode
                value: Node,RBAC,AlwaysAllow
            ---
            apiVersion: kubelet.config.k8s.io/v1beta1
            kind: KubeletConfiguration
            authorization:
              mode: AlwaysAllow
            """,
        },
    )
    [api] = inventory.apiservers
    assert (api.name, api.origin, api.installer, api.version, api.provenance) == (
        "kube-apiserver (kubeadm kubeadm.yaml)",
        "kubeadm-config",
        "kubeadm",
        "v1.31.0",
        file_at("kubeadm.yaml", 7),  # the document's `---`
    )
    assert [f for f in flags(api) if not f[2].startswith("kubeadm generated")] == [
        ("authorization-mode", "Node,RBAC,AlwaysAllow", "kubeadm.yaml:15"),
        ("profiling", "false", "kubeadm.yaml:13"),
    ]
    [kubelet] = inventory.kubelets
    assert (kubelet.node, kubelet.origin, kubelet.provenance) == (
        "kubeadm nodes (kubeadm.yaml)",
        "kubeadm-config",
        file_at("kubeadm.yaml", 1),
    )
    assert flags(kubelet) == [("rotate-server-certificates", "true", "kubeadm.yaml:5")]
    assert kubelet.config is not None and kubelet.config.provenance == file_at("kubeadm.yaml", 17)
    mode = EffectiveKubelet(kubelet).setting("authorization.mode")
    assert (mode.value, mode.source) == ("AlwaysAllow", "config-file")
    assert detected(inventory) == {
        "kubeadm.yaml": "kubeadm InitConfiguration, kubeadm ClusterConfiguration, KubeletConfiguration"
    }
    assert inventory.version is not None and inventory.version.gitVersion == "v1.31.0"


def test_kubeadm_extra_args_problem_names_the_document(tmp_path: Path) -> None:
    inventory = scan(
        tmp_path,
        {
            "cc.yaml": (
                "---\napiVersion: kubeadm.k8s.io/v1beta3\nkind: ClusterConfiguration\n"
                "apiServer:\n  extraArgs: profiling=false\n"
            )
        },
    )
    assert inventory.issues == (
        InputIssue(input="cc.yaml", message="apiServer.extraArgs is neither a map nor a list", line=1),
    )


# --- kubectl dumps ---------------------------------------------------------------------------------

CRB = """
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: ci-admin
  annotations:
    kubectl.kubernetes.io/last-applied-configuration: '{"fake": "applied config"}'
    reviewed: 2024-05-01
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: cluster-admin
subjects:
- kind: ServiceAccount
  name: ci
  namespace: ci
"""


def test_kubectl_yaml_single_object(tmp_path: Path) -> None:
    inventory = scan(tmp_path, {"crb.yaml": CRB})
    assert inventory.cluster_role_bindings == (
        ClusterRoleBinding(
            metadata=ObjectMeta(name="ci-admin", annotations={"reviewed": "2024-05-01"}),
            provenance=file_at("crb.yaml", 1),
            roleRef=RoleRef(kind="ClusterRole", name="cluster-admin", apiGroup="rbac.authorization.k8s.io"),
            subjects=(Subject(kind="ServiceAccount", name="ci", namespace="ci"),),
        ),
    )
    assert detected(inventory) == {"crb.yaml": "ClusterRoleBinding"}
    assert inventory.coverage("clusterrolebindings").count == 1


def test_kubectl_yaml_list_and_multi_document(tmp_path: Path) -> None:
    listing = """
    apiVersion: v1
    kind: List
    items:
    - apiVersion: v1
      kind: Namespace
      metadata:
        name: web
        labels:
          pod-security.kubernetes.io/enforce: baseline
    - apiVersion: v1
      kind: ServiceAccount
      metadata:
        name: deployer
        namespace: web
      automountServiceAccountToken: false
    - apiVersion: v1
      kind: Service
      metadata: {name: web, namespace: web}
    metadata:
      resourceVersion: ""
    """
    multi = """
    apiVersion: v1
    kind: Namespace
    metadata:
      name: ops
    ---
    apiVersion: apps/v1
    kind: DeploymentList
    items:
    - metadata:
        name: api
        namespace: ops
      spec:
        template:
          spec:
            serviceAccountName: api
            containers:
            - name: api
              image: ghcr.io/acme/api:1.0
    """
    inventory = scan(tmp_path, {"list.yaml": listing, "multi.yaml": multi})
    assert [(n.name, n.provenance) for n in inventory.namespaces] == [
        ("web", file_at("list.yaml", 4)),
        ("ops", file_at("multi.yaml", 1)),
    ]
    [sa] = inventory.service_accounts
    assert (sa.name, sa.namespace, sa.automountServiceAccountToken, sa.provenance) == (
        "deployer",
        "web",
        False,
        file_at("list.yaml", 10),
    )
    [deployment] = inventory.workloads
    # Typed-list items carry no kind; the list's kind names them.
    assert (deployment.kind, deployment.name, deployment.provenance) == ("Deployment", "api", file_at("multi.yaml", 9))
    assert deployment.api_path() == "/apis/apps/v1/namespaces/ops/deployments/api"
    assert deployment.pod_template is not None and deployment.pod_template.spec.service_account == "api"
    assert detected(inventory) == {
        "list.yaml": "Namespace, ServiceAccount, Service (not analysed)",
        "multi.yaml": "Namespace, Deployment",
    }
    assert inventory.issues == ()


def test_kubectl_json_list_and_typed_pod_list(tmp_path: Path) -> None:
    json_list = {
        "apiVersion": "v1",
        "kind": "List",
        "items": [
            {
                "apiVersion": "rbac.authorization.k8s.io/v1",
                "kind": "ClusterRole",
                "metadata": {"name": "secret-reader", "managedFields": [{"manager": "kubectl"}]},
                "rules": [{"apiGroups": [""], "resources": ["secrets"], "verbs": ["get", "list"]}],
            },
            {
                "apiVersion": "v1",
                "kind": "Secret",
                "metadata": {"name": "db", "namespace": "web"},
                "type": "Opaque",
                "data": {"password": "ZmFrZS1wYXNzd29yZA=="},
            },
            {"apiVersion": "v1", "kind": "Endpoints", "metadata": {"name": "x"}},
        ],
    }
    pod_list = {
        "apiVersion": "v1",
        "kind": "PodList",
        "metadata": {"resourceVersion": "123"},
        "items": [
            {
                "metadata": {"name": "debug", "namespace": "web", "annotations": {}},
                "spec": {
                    "serviceAccountName": "debugger",
                    "hostPID": True,
                    "containers": [{"name": "sh", "image": "busybox", "securityContext": {"privileged": True}}],
                },
                "status": {"phase": "Running"},
            }
        ],
    }
    inventory = scan(tmp_path, {"list.json": json.dumps(json_list), "pods.json": json.dumps(pod_list, indent=2)})
    [role] = inventory.cluster_roles
    assert (role.name, role.provenance) == (
        "secret-reader",
        Provenance(kind="file", source="list.json", pointer="/items/0"),
    )
    assert role.rules is not None and role.rules[0].resources == ("secrets",)
    [secret] = inventory.secrets
    assert (secret.name, secret.type) == ("db", "Opaque")
    assert "ZmFrZS1wYXNzd29yZA" not in repr(inventory)
    [pod] = inventory.pods
    assert pod == Pod(
        metadata=ObjectMeta(name="debug", namespace="web"),
        provenance=Provenance(kind="file", source="pods.json", pointer="/items/0"),
        spec=PodSpec(
            serviceAccountName="debugger",
            hostPID=True,
            containers=(Container(name="sh", image="busybox", securityContext=pod.spec.containers[0].securityContext),),
        ),
    )
    assert pod.kind == "Pod" and pod.spec.containers[0].securityContext is not None
    assert pod.spec.containers[0].securityContext.privileged is True
    assert detected(inventory) == {
        "list.json": "ClusterRole, Secret, Endpoints (not analysed)",
        "pods.json": "Pod",
    }


def test_kubectl_json_single_object_and_array(tmp_path: Path) -> None:
    namespace = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "solo"}}
    array = [
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "a"}},
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "b"}},
    ]
    inventory = scan(tmp_path, {"ns.json": json.dumps(namespace), "arr.json": json.dumps(array)})
    assert [(n.name, n.provenance) for n in inventory.namespaces] == [
        ("a", Provenance(kind="file", source="arr.json", pointer="/items/0")),
        ("b", Provenance(kind="file", source="arr.json", pointer="/items/1")),
        ("solo", file_at("ns.json", 1)),
    ]


def test_mirror_pod_in_a_dump_gives_the_apiserver(tmp_path: Path) -> None:
    dump = {
        "apiVersion": "v1",
        "kind": "PodList",
        "items": [
            {
                "metadata": {
                    "name": "kube-apiserver-cp-1",
                    "namespace": "kube-system",
                    "annotations": {"kubernetes.io/config.mirror": "0f1e2d"},
                },
                "spec": {
                    "nodeName": "cp-1",
                    "containers": [
                        {
                            "name": "kube-apiserver",
                            "image": "registry.k8s.io/kube-apiserver:v1.30.4",
                            "command": ["kube-apiserver", "--anonymous-auth=false"],
                        }
                    ],
                },
            }
        ],
    }
    inventory = scan(tmp_path, {"kube-system-pods.json": json.dumps(dump)})
    [api] = inventory.apiservers
    assert (api.origin, api.node, api.version) == ("mirror-pod", "cp-1", "v1.30.4")
    assert api.flags == (
        Flag(
            "anonymous-auth",
            "false",
            Provenance(
                kind="api",
                source="/api/v1/namespaces/kube-system/pods/kube-apiserver-cp-1",
                pointer="/spec/containers/0/command/1",
            ),
        ),
    )
    assert len(inventory.pods) == 1


def test_folder_of_dumps(tmp_path: Path) -> None:
    inventory = scan(
        tmp_path,
        {
            "cluster/rbac/crb.yaml": CRB,
            "cluster/namespaces.json": json.dumps(
                {"kind": "NamespaceList", "apiVersion": "v1", "items": [{"metadata": {"name": "web"}}]}
            ),
            "cluster/README.md": "# cluster-info dump of prod\n",
            "cluster/nodes.yml": "apiVersion: v1\nkind: Node\nmetadata:\n  name: worker-1\nspec:\n  providerID: aws:///x/i-1\n",
            "cluster/image.png": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
            "cluster/.git/config": "[core]\n",
            "cluster/notes.txt": "just some notes: nothing to see\n",
        },
    )
    assert detected(inventory) == {
        "cluster/README.md": "skipped (not a recognised input)",
        "cluster/image.png": "skipped (binary)",
        "cluster/namespaces.json": "Namespace",
        "cluster/nodes.yml": "Node",
        "cluster/notes.txt": "skipped (not a recognised input)",
        "cluster/rbac/crb.yaml": "ClusterRoleBinding",
    }
    assert [n.name for n in inventory.nodes] == ["worker-1"]
    assert inventory.issues == ()
    assert not inventory.incomplete


# --- providers, /configz, /proc/<pid>/cmdline ------------------------------------------------------


@pytest.mark.parametrize(
    ("document", "provider", "name", "version"),
    [
        (EKS_DESCRIBE_CLUSTER, "eks", "payments-prod", "v1.29"),
        (GKE_DESCRIBE, "gke", "shop-prod", "v1.29.4-gke.1043002"),
        (AKS_SHOW, "aks", "orders", "v1.29.4"),
    ],
)
def test_provider_descriptions(
    tmp_path: Path, document: dict[str, object], provider: str, name: str, version: str
) -> None:
    inventory = scan(tmp_path, {"describe.json": json.dumps(document, indent=4)})
    [cluster] = inventory.providers
    assert (cluster.provider, cluster.name, cluster.version, cluster.provenance) == (
        provider,
        name,
        version,
        file_at("describe.json", 1),
    )
    assert detected(inventory) == {"describe.json": f"{provider} cluster description"}
    assert inventory.coverage("provider").ok
    assert inventory.version is not None and inventory.version.gitVersion == version
    for fake in ("fake-basic-auth-password", "FakeWindowsPassw0rd", "LS0tLS1CRUdJTiBGQUtFIFBSSVZBVEUgS0VZ"):
        assert fake not in repr(inventory)


def test_provider_json_with_null_kind(tmp_path: Path) -> None:
    document = {**AKS_SHOW, "kind": None, "apiVersion": None}
    inventory = scan(tmp_path, {"aks.json": json.dumps(document)})
    assert [c.provider for c in inventory.providers] == ["aks"]
    assert inventory.issues == ()


def test_provider_yaml(tmp_path: Path) -> None:
    # `gcloud ... describe` prints YAML by default.
    text = "currentMasterVersion: 1.30.1-gke.100\nname: c\nnodePools: []\nlocation: us-central1\n"
    inventory = scan(tmp_path, {"gke.yaml": text})
    [cluster] = inventory.providers
    assert (cluster.provider, cluster.location) == ("gke", "us-central1")


def test_kubelet_configz(tmp_path: Path) -> None:
    configz: dict[str, Any] = {
        "kubeletconfig": {
            "enableServer": True,
            "authentication": {"anonymous": {"enabled": False}, "webhook": {"enabled": True}, "x509": {}},
            "authorization": {"mode": "Webhook"},
            "port": 10250,
        }
    }
    inventory = scan(tmp_path, {"configz/worker-3.json": json.dumps(configz)})
    [kubelet] = inventory.kubelets
    assert kubelet == KubeletInstance(
        node="worker-3",
        origin="configz",
        provenance=file_at("configz/worker-3.json"),
        configz=ConfigDoc(
            kind="KubeletConfiguration",
            data=configz["kubeletconfig"],
            provenance=file_at("configz/worker-3.json"),
            node="worker-3",
        ),
    )
    effective = EffectiveKubelet(kubelet)
    assert (effective.setting("readOnlyPort").value, effective.setting("readOnlyPort").source) == (0, "configz")
    assert detected(inventory) == {"configz/worker-3.json": "kubelet configz"}


def test_proc_cmdlines(tmp_path: Path) -> None:
    kubelet_argv = b"/usr/bin/kubelet\0--config=/var/lib/kubelet/config.yaml\0--anonymous-auth\0false\0--v=2\0"
    apiserver_argv = b"kube-apiserver\0--authorization-mode=AlwaysAllow\0--profiling\0--secure-port\x006443\0"
    inventory = scan(
        tmp_path,
        {
            "nodes/w1/proc/4242/cmdline": kubelet_argv,
            "nodes/w1/var/lib/kubelet/config.yaml": KUBELET_CONFIG,
            "nodes/cp/proc/777/cmdline": apiserver_argv,
        },
    )
    [kubelet] = inventory.kubelets
    where = "nodes/w1/proc/4242/cmdline"
    assert (kubelet.origin, kubelet.node, kubelet.provenance) == (
        "process",
        "w1",
        Provenance(kind="file", source=where, pointer="argv[0]"),
    )
    assert [(f.name, f.value, f.provenance.pointer) for f in kubelet.flags] == [
        ("config", "/var/lib/kubelet/config.yaml", "argv[1]"),
        ("anonymous-auth", "true", "argv[2]"),
        ("v", "2", "argv[4]"),
    ]
    assert kubelet.config is not None
    # The stray "false" does not turn anonymous auth off: the running kubelet has it on.
    assert EffectiveKubelet(kubelet).setting("authentication.anonymous.enabled").value is True
    [api] = inventory.apiservers
    assert (api.name, api.origin, api.node) == ("kube-apiserver (cp)", "process", "cp")
    assert [(f.name, f.value) for f in api.flags] == [
        ("authorization-mode", "AlwaysAllow"),
        ("profiling", "true"),
        ("secure-port", "6443"),
    ]
    assert detected(inventory) == {
        "nodes/cp/proc/777/cmdline": "kube-apiserver process command line",
        "nodes/w1/proc/4242/cmdline": "kubelet process command line",
        "nodes/w1/var/lib/kubelet/config.yaml": "KubeletConfiguration",
    }


# --- other node configuration documents --------------------------------------------------------------


def test_audit_policy_and_encryption_config(tmp_path: Path) -> None:
    inventory = scan(
        tmp_path,
        {
            "cp/etc/kubernetes/audit/policy.yaml": """
            apiVersion: audit.k8s.io/v1
            kind: Policy
            rules:
            - level: Metadata
            """,
            "cp/etc/kubernetes/enc.yaml": """
            apiVersion: apiserver.config.k8s.io/v1
            kind: EncryptionConfiguration
            resources:
            - resources: [secrets]
              providers:
              - aescbc:
                  keys:
                  - name: key1
                    secret: ZmFrZS1lbmNyeXB0aW9uLWtleS0zMmJ5dGVzLi4uLi4=
              - identity: {}
            """,
            "audit.log": '{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata"}\n{"kind":"Event"}\n',
            "kubeconfig.yaml": "apiVersion: v1\nkind: Config\nusers:\n- name: u\n  user:\n    token: fake-token\n",
        },
    )
    policy = inventory.config_doc_at("cp", "/etc/kubernetes/audit/policy.yaml")
    assert policy is not None and policy.kind == "Policy" and policy.lines["rules.0.level"] == 4
    encryption = inventory.config_doc_at("cp", "/etc/kubernetes/enc.yaml")
    assert encryption is not None
    assert encryption.data["resources"][0]["providers"][0]["aescbc"]["keys"][0]["secret"] == REDACTED
    assert "ZmFrZS1lbmNyeXB0aW9u" not in repr(inventory) and "fake-token" not in repr(inventory)
    assert detected(inventory) == {
        "audit.log": "audit log (see kubeward audit hunt)",
        "cp/etc/kubernetes/audit/policy.yaml": "audit policy",
        "cp/etc/kubernetes/enc.yaml": "EncryptionConfiguration",
        "kubeconfig.yaml": "kubeconfig (not stored; see kubeward kubeconfig scan)",
    }


def test_inventory_is_plain_data(tmp_path: Path) -> None:
    # Everything the collector produced survives a JSON round trip (what a bundle relies on).
    inventory = scan(
        tmp_path, {"crb.yaml": CRB, "nodes/cp-1/etc/kubernetes/manifests/kube-apiserver.yaml": MANIFEST_COMMAND_ONLY}
    )
    assert msgspec.json.decode(msgspec.json.encode(inventory), type=Inventory) == inventory


def test_kubeadm_configmaps_in_a_dump(tmp_path: Path) -> None:
    dump = """
    apiVersion: v1
    kind: List
    items:
    - apiVersion: v1
      kind: ConfigMap
      metadata:
        name: kubeadm-config
        namespace: kube-system
      data:
        ClusterConfiguration: |
          apiServer:
            extraArgs:
              anonymous-auth: "true"
          apiVersion: kubeadm.k8s.io/v1beta3
          kind: ClusterConfiguration
          kubernetesVersion: v1.29.3
    - apiVersion: v1
      kind: ConfigMap
      metadata:
        name: kubelet-config
        namespace: kube-system
      data:
        kubelet: |
          apiVersion: kubelet.config.k8s.io/v1beta1
          kind: KubeletConfiguration
          readOnlyPort: 10255
    - apiVersion: v1
      kind: ConfigMap
      metadata:
        name: app-settings
        namespace: web
      data:
        DATABASE_PASSWORD: fake-app-password
    """
    inventory = scan(tmp_path, {"kube-system-cms.yaml": dump})
    assert [cm.data for cm in inventory.config_maps][2] == {}  # other ConfigMaps keep no data
    assert "fake-app-password" not in repr(inventory)
    [api] = inventory.apiservers
    assert (api.name, api.origin, api.version) == ("kube-apiserver (kubeadm-config)", "kubeadm-config", "v1.29.3")
    # The embedded text's own line numbers are not the dump's: evidence points at the ConfigMap's data key.
    where = file_at("kube-system-cms.yaml", 4, pointer="/data/ClusterConfiguration")
    assert api.provenance == where
    assert [f for f in api.flags if f.provenance.kind == "file"] == [Flag("anonymous-auth", "true", where)]
    [kubelet] = inventory.kubelets
    assert (kubelet.node, kubelet.origin, kubelet.started_with_config) == (
        "all kubeadm nodes (kubelet-config)",
        "kubeadm-config",
        True,
    )
    port = EffectiveKubelet(kubelet).setting("readOnlyPort")
    assert (port.value, port.source, port.provenance) == (
        10255,
        "config-file",
        file_at("kube-system-cms.yaml", 17, pointer="/data/kubelet"),
    )
    assert inventory.version is not None and inventory.version.gitVersion == "v1.29.3"


def test_control_plane_pod_in_a_json_dump_is_a_static_pod(tmp_path: Path) -> None:
    # Not a mirror pod (no config.mirror annotation): a manifest exported as JSON.
    pod = {
        "apiVersion": "v1",
        "kind": "List",
        "items": [
            {
                "apiVersion": "v1",
                "kind": "Pod",
                "metadata": {"name": "kube-apiserver", "namespace": "kube-system"},
                "spec": {"containers": [{"name": "kube-apiserver", "command": ["kube-apiserver", "--profiling"]}]},
            }
        ],
    }
    inventory = scan(tmp_path, {"nodes/cp-9/etc/kubernetes/manifests/kube-apiserver.json": json.dumps(pod)})
    [api] = inventory.apiservers
    path = "nodes/cp-9/etc/kubernetes/manifests/kube-apiserver.json"
    assert (api.name, api.origin, api.provenance) == (
        "kube-apiserver (cp-9)",
        "static-pod",
        Provenance(kind="file", source=path, pointer="/items/0"),
    )
    assert api.flags == (Flag("profiling", "true", file_at(path, None, "/spec/containers/0/command/1")),)


def test_utf16_dumps_from_windows_powershell(tmp_path: Path) -> None:
    # `kubectl get ns -o json > ns.json` in Windows PowerShell 5 writes UTF-16LE with a BOM.
    namespaces = {
        "apiVersion": "v1",
        "kind": "List",
        "items": [{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "win"}}],
    }
    service_account = "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: builder\n  namespace: win\n"
    inventory = scan(
        tmp_path,
        {
            "ns.json": json.dumps(namespaces).encode("utf-16"),
            "sa.yaml": b"\xfe\xff" + service_account.encode("utf-16-be"),
        },
    )
    assert [n.name for n in inventory.namespaces] == ["win"]
    assert [(s.name, s.provenance) for s in inventory.service_accounts] == [("builder", file_at("sa.yaml", 1))]
    assert inventory.issues == ()
