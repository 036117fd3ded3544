"""kubeadm ClusterConfiguration / InitConfiguration: extraArgs in both API versions, kubeadm's own flags."""

import pytest

from kubeward.inputs.kubeadm import (
    KUBEADM_APISERVER_FLAGS,
    apiserver_from_cluster_configuration,
    extra_args,
    kubelet_from_kubeadm,
)
from kubeward.inputs.safeload import load_yaml
from kubeward.inventory.components import ConfigDoc, Flag
from kubeward.inventory.provenance import default_of, file_at

KUBEADM_DEFAULT = default_of(
    "kubeadm generated kube-apiserver flags (cmd/kubeadm/app/phases/controlplane/manifests.go)"
)

V1BETA3 = """\
apiVersion: kubeadm.k8s.io/v1beta3
kind: ClusterConfiguration
kubernetesVersion: 1.29.6
apiServer:
  extraArgs:
    authorization-mode: AlwaysAllow
    audit-log-maxage: 30
    anonymous-auth: false
"""

V1BETA4 = """\
apiVersion: kubeadm.k8s.io/v1beta4
kind: ClusterConfiguration
kubernetesVersion: v1.31.2
apiServer:
  extraArgs:
  - name: enable-admission-plugins
    value: NodeRestriction,PodSecurity
  - name: audit-policy-file
    value: /etc/kubernetes/audit.yaml
  - name: audit-policy-file
    value: /etc/kubernetes/audit-v2.yaml
"""


def doc(text: str, path: str = "kubeadm.yaml") -> ConfigDoc:
    loaded = load_yaml(text)[0]
    return ConfigDoc(
        kind=str(loaded.value["kind"]), data=loaded.value, provenance=file_at(path, loaded.line), lines=loaded.lines
    )


def test_v1beta3_map_extra_args_replace_kubeadm_flags() -> None:
    api, problems = apiserver_from_cluster_configuration(doc(V1BETA3), "kube-apiserver (kubeadm)")
    assert problems == []
    assert (api.origin, api.installer, api.version, api.provenance) == (
        "kubeadm-config",
        "kubeadm",
        "v1.29.6",
        file_at("kubeadm.yaml", 1),
    )
    # kubeadm writes its flags and the user's sorted by name; a user value replaces kubeadm's.
    generated = [(name, value, "kubeadm") for name, value in KUBEADM_APISERVER_FLAGS if name != "authorization-mode"]
    user = [
        ("anonymous-auth", "false", "kubeadm.yaml:8"),
        ("audit-log-maxage", "30", "kubeadm.yaml:7"),
        ("authorization-mode", "AlwaysAllow", "kubeadm.yaml:6"),
    ]
    assert [
        (f.name, f.value, "kubeadm" if f.provenance == KUBEADM_DEFAULT else f.provenance.describe()) for f in api.flags
    ] == sorted(generated + user)
    by_name = {f.name: f for f in api.flags}
    assert by_name["authorization-mode"].provenance.pointer == "apiServer.extraArgs.authorization-mode"


def test_v1beta4_list_extra_args_keep_repeats_in_order() -> None:
    api, problems = apiserver_from_cluster_configuration(doc(V1BETA4), "x")
    assert problems == []
    assert api.version == "v1.31.2"
    user = [(f.name, f.value, f.provenance.describe()) for f in api.flags if f.provenance.kind == "file"]
    # Sorted by name; repeats keep their order (the last one wins for a scalar flag).
    assert user == [
        ("audit-policy-file", "/etc/kubernetes/audit.yaml", "kubeadm.yaml:8"),
        ("audit-policy-file", "/etc/kubernetes/audit-v2.yaml", "kubeadm.yaml:10"),
        ("enable-admission-plugins", "NodeRestriction,PodSecurity", "kubeadm.yaml:6"),
    ]
    assert "enable-admission-plugins" not in [f.name for f in api.flags if f.provenance == KUBEADM_DEFAULT]


def test_no_api_server_section_gives_kubeadm_flags_only() -> None:
    api, problems = apiserver_from_cluster_configuration(
        doc("apiVersion: kubeadm.k8s.io/v1beta3\nkind: ClusterConfiguration\napiServer: null\n"), "x"
    )
    assert problems == []
    assert [(f.name, f.value) for f in api.flags] == sorted(KUBEADM_APISERVER_FLAGS)
    assert api.version == ""


@pytest.mark.parametrize(
    ("version", "expected"), [("v1.30.1", "v1.30.1"), ("1.28.0", "v1.28.0"), ("stable-1", ""), ("latest", "")]
)
def test_version_normalisation(version: str, expected: str) -> None:
    api, _ = apiserver_from_cluster_configuration(
        doc(f"apiVersion: kubeadm.k8s.io/v1beta3\nkind: ClusterConfiguration\nkubernetesVersion: {version}\n"), "x"
    )
    assert api.version == expected


def test_extra_args_problems() -> None:
    d = doc("apiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\n")
    assert extra_args("x=y", "apiServer.extraArgs", d) == ([], ["apiServer.extraArgs is neither a map nor a list"])
    flags, problems = extra_args([{"name": "a", "value": True}, "b=c", {"value": "x"}], "apiServer.extraArgs", d)
    assert flags == [Flag(name="a", value="true", provenance=file_at("kubeadm.yaml", 1))]
    assert problems == [
        "apiServer.extraArgs[1] is not a {name, value} entry",
        "apiServer.extraArgs[2] is not a {name, value} entry",
    ]
    flags, _ = extra_args({"profiling": None, "v": 4}, "apiServer.extraArgs", d)
    assert [(f.name, f.value) for f in flags] == [("profiling", ""), ("v", "4")]


def test_kubelet_from_init_configuration_and_kubelet_configuration() -> None:
    init = doc(
        """\
        apiVersion: kubeadm.k8s.io/v1beta4
        kind: InitConfiguration
        nodeRegistration:
          kubeletExtraArgs:
          - name: read-only-port
            value: "10255"
        """.replace("        ", "")
    )
    kubelet_doc = doc(
        "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nreadOnlyPort: 0\n", "kubelet.yaml"
    )
    kubelet, problems = kubelet_from_kubeadm(init, kubelet_doc, init.provenance, "kubeadm nodes")
    assert problems == []
    assert kubelet.flags == (
        Flag(
            name="read-only-port",
            value="10255",
            provenance=file_at("kubeadm.yaml", 5, pointer="nodeRegistration.kubeletExtraArgs.0"),
        ),
    )
    assert (kubelet.config, kubelet.started_with_config, kubelet.installer, kubelet.origin) == (
        kubelet_doc,
        True,
        "kubeadm",
        "kubeadm-config",
    )


def test_kubelet_from_kubeadm_without_registration() -> None:
    kubelet, problems = kubelet_from_kubeadm(None, None, file_at("x"), "n")
    assert (kubelet.flags, kubelet.config, kubelet.started_with_config, problems) == ((), None, True, [])
