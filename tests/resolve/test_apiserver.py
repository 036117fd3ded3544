"""Effective kube-apiserver flags: flag over the version's default; repeats as pflag resolves them."""

from hypothesis import given, settings
from hypothesis import strategies as st

from kubeward.inputs.distro import apiserver_from_distro, merge_configs
from kubeward.inputs.kubeadm import apiserver_from_cluster_configuration
from kubeward.inputs.safeload import load_yaml
from kubeward.inventory.components import ApiServerInstance, ConfigDoc, Flag
from kubeward.inventory.objects import HostPathVolumeSource, Volume, VolumeMount
from kubeward.inventory.provenance import Provenance, default_of, file_at
from kubeward.resolve.apiserver import ASSUMED_MINOR, EffectiveApiServer, default_for
from kubeward.resolve.setting import Setting


def api(*flags: tuple[str, str], version: str = "", cluster_version: str = "", **extra: object) -> EffectiveApiServer:
    instance = ApiServerInstance(
        name="kube-apiserver (cp-1)",
        origin="static-pod",
        provenance=file_at("kube-apiserver.yaml", 1),
        flags=tuple(
            Flag(name=n, value=v, provenance=file_at("kube-apiserver.yaml", 10 + i)) for i, (n, v) in enumerate(flags)
        ),
        version=version,
        **extra,  # type: ignore[arg-type]
    )
    return EffectiveApiServer(instance, cluster_version=cluster_version)


def test_flag_decides() -> None:
    assert api(("anonymous-auth", "false"), version="v1.30.4").flag("anonymous-auth") == Setting(
        component="kube-apiserver",
        name="--anonymous-auth",
        value=False,
        source="flag",
        provenance=file_at("kube-apiserver.yaml", 10),
    )


def test_scalar_repeats_last_wins() -> None:
    setting = api(("profiling", "false"), ("audit-log-maxage", "30"), ("profiling", "true")).flag("profiling")
    assert (setting.value, setting.source, setting.provenance, setting.detail) == (
        True,
        "flag",
        file_at("kube-apiserver.yaml", 12),
        "given 2 times; the last one wins",
    )


def test_string_slices_accumulate_across_repeats() -> None:
    effective = api(
        ("enable-admission-plugins", "NodeRestriction, PodSecurity"),
        ("enable-admission-plugins", "EventRateLimit"),
        ("authorization-mode", "Node,RBAC"),
        ("authorization-mode", ""),
    )
    plugins = effective.flag("enable-admission-plugins")
    assert (plugins.value, plugins.detail, plugins.provenance) == (
        ["NodeRestriction", "PodSecurity", "EventRateLimit"],
        "given 2 times; the values accumulate",
        file_at("kube-apiserver.yaml", 11),
    )
    assert effective.flag("authorization-mode").value == ["Node", "RBAC"]


def test_string_arrays_keep_commas() -> None:
    effective = api(("service-account-issuer", "https://a,b"), ("service-account-issuer", "https://c"))
    assert effective.flag("service-account-issuer").value == ["https://a,b", "https://c"]


def test_typed_values_and_unparseable_ones() -> None:
    effective = api(
        ("anonymous-auth", "F"),
        ("profiling", "no"),
        ("max-requests-inflight", " 1200 "),
        ("secure-port", "six"),
        ("audit-log-path", "-"),
    )
    assert effective.flag("anonymous-auth").value is False
    # Go's ParseBool refuses "no": the raw text is kept (a rule fails closed on it).
    assert effective.flag("profiling").value == "no"
    assert effective.flag("max-requests-inflight").value == 1200
    assert effective.flag("secure-port").value == "six"
    assert effective.flag("audit-log-path").value == "-"
    assert effective.is_set("audit-log-path") and not effective.is_set("audit-policy-file")


def test_defaults_name_the_version() -> None:
    setting = api(version="v1.30.4").flag("anonymous-auth")
    assert setting == Setting(
        component="kube-apiserver",
        name="--anonymous-auth",
        value=True,
        source="default",
        provenance=default_of("kube-apiserver default (v1.30.4)"),
        detail="not set; kube-apiserver default is true",
    )
    unknown = api().flag("authorization-mode")
    assert (unknown.value, unknown.provenance, unknown.detail) == (
        ["AlwaysAllow"],
        default_of(f"kube-apiserver default (version unknown; 1.{ASSUMED_MINOR} defaults assumed)"),
        "not set; kube-apiserver default is AlwaysAllow",
    )
    unset = api().flag("audit-policy-file")
    assert (unset.value, unset.source, unset.detail) == (None, "default", "not set; kube-apiserver default: unset")


def test_version_dependent_defaults() -> None:
    assert api(version="v1.19.16").flag("enable-priority-and-fairness").value is False
    assert api(version="v1.20.0").flag("enable-priority-and-fairness").value is True
    assert api(version="v1.19.16").flag("insecure-port").value == 8080
    assert api(version="v1.22.1").flag("insecure-port").value == 0
    assert api(version="v1.24.0").flag("insecure-port").value is None
    # The image tag decides; the cluster's version is the fallback.
    assert api(cluster_version="v1.18.2").flag("enable-priority-and-fairness").value is False
    assert api(version="v1.30.0", cluster_version="v1.18.2").minor == 30
    assert default_for("max-mutating-requests-inflight", None) == 200
    assert default_for("authorization-mode", None) == ["AlwaysAllow"]
    assert default_for("authorization-mode", None) is not default_for("authorization-mode", None)


def test_authorization_config_replaces_the_mode_default() -> None:
    effective = api(("authorization-config", "/etc/kubernetes/authz.yaml"))
    setting = effective.flag("authorization-mode")
    assert (setting.value, setting.source, setting.detail) == (
        [],
        "default",
        "not set; kube-apiserver default is (empty)",
    )


def test_installer_flags_are_reported_as_defaults() -> None:
    config = load_yaml("kube-apiserver-arg:\n- audit-log-maxage=30\n- enable-admission-plugins+=PodSecurity\n")[0]
    merged = merge_configs(
        "k3s",
        "srv",
        [ConfigDoc(kind="k3s-config", data=config.value, provenance=file_at("config.yaml", 1), lines=config.lines)],
    )
    instance, _ = apiserver_from_distro(merged)
    effective = EffectiveApiServer(instance)
    anonymous = effective.flag("anonymous-auth")
    assert anonymous == Setting(
        component="kube-apiserver",
        name="--anonymous-auth",
        value=False,
        source="default",
        provenance=default_of("k3s built-in argument"),
        detail="k3s passes --anonymous-auth=false",
    )
    plugins = effective.flag("enable-admission-plugins")
    assert (plugins.value, plugins.source, plugins.provenance) == (
        ["NodeRestriction", "PodSecurity"],
        "flag",
        Provenance(kind="file", source="config.yaml", line=3, pointer="kube-apiserver-arg[1]"),
    )
    maxage = effective.flag("audit-log-maxage")
    assert (maxage.value, maxage.source, maxage.provenance.describe() if maxage.provenance else "") == (
        30,
        "flag",
        "config.yaml:2",
    )


def test_kubeadm_generated_flags_are_defaults_user_extra_args_are_flags() -> None:
    loaded = load_yaml(
        "apiVersion: kubeadm.k8s.io/v1beta3\nkind: ClusterConfiguration\nkubernetesVersion: v1.30.2\n"
        "apiServer:\n  extraArgs:\n    authorization-mode: RBAC\n"
    )[0]
    doc = ConfigDoc(kind="ClusterConfiguration", data=loaded.value, provenance=file_at("k.yaml", 1), lines=loaded.lines)
    instance, _ = apiserver_from_cluster_configuration(doc, "kube-apiserver (kubeadm)")
    effective = EffectiveApiServer(instance)
    mode = effective.flag("authorization-mode")
    assert (mode.value, mode.source, mode.provenance) == (
        ["RBAC"],
        "flag",
        file_at("k.yaml", 6, pointer="apiServer.extraArgs.authorization-mode"),
    )
    privileged = effective.flag("allow-privileged")
    assert (privileged.value, privileged.source, privileged.detail) == (
        True,
        "default",
        "kubeadm passes --allow-privileged=true",
    )
    assert effective.flag("profiling").provenance == default_of("kube-apiserver default (v1.30.2)")


def test_host_path_follows_the_deepest_mount() -> None:
    effective = api(
        volumes=(
            Volume(name="k8s", hostPath=HostPathVolumeSource(path="/etc/kubernetes")),
            Volume(name="audit", hostPath=HostPathVolumeSource(path="/srv/audit/")),
            Volume(name="cfg", hostPath=None),
        ),
        volume_mounts=(
            VolumeMount(name="k8s", mountPath="/etc/kubernetes"),
            VolumeMount(name="audit", mountPath="/etc/kubernetes/audit/"),
            VolumeMount(name="cfg", mountPath="/etc/config"),
            VolumeMount(name="missing", mountPath="/missing"),
        ),
    )
    assert effective.host_path("/etc/kubernetes/audit/policy.yaml") == "/srv/audit/policy.yaml"
    assert effective.host_path("/etc/kubernetes/pki/ca.crt") == "/etc/kubernetes/pki/ca.crt"
    assert effective.host_path("/etc/kubernetesX/a") == "/etc/kubernetesX/a"
    assert effective.host_path("/etc/config/a.yaml") == "/etc/config/a.yaml"


def test_resource_names_the_instance() -> None:
    resource = api().resource
    assert (resource.kind, resource.name, resource.provenance) == (
        "kube-apiserver",
        "kube-apiserver (cp-1)",
        file_at("kube-apiserver.yaml", 1),
    )


_SLICE_VALUES = st.lists(st.sampled_from(["A", "B", "NodeRestriction", " C ", ""]), max_size=3).map(",".join)


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.tuples(st.just("enable-admission-plugins"), _SLICE_VALUES),
            st.tuples(st.just("profiling"), st.sampled_from(["true", "false", "1", "0"])),
            st.tuples(st.just("audit-log-path"), st.sampled_from(["/a", "/b", "-"])),
        ),
        max_size=8,
    )
)
def test_repeats_resolve_like_pflag(occurrences: list[tuple[str, str]]) -> None:
    effective = api(*occurrences)
    plugins = [v for n, v in occurrences if n == "enable-admission-plugins"]
    expected_plugins = [item.strip() for value in plugins for item in value.split(",") if item.strip()]
    if plugins:
        assert effective.flag("enable-admission-plugins").value == expected_plugins
    for name in ("profiling", "audit-log-path"):
        values = [v for n, v in occurrences if n == name]
        if values:
            last = values[-1]
            expected = (
                {"true": True, "1": True, "false": False, "0": False}.get(last, last) if name == "profiling" else last
            )
            setting = effective.flag(name)
            assert (setting.value, setting.source) == (expected, "flag")
            index = max(i for i, (n, _) in enumerate(occurrences) if n == name)
            assert setting.provenance == file_at("kube-apiserver.yaml", 10 + index)
