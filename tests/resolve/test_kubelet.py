"""Effective kubelet settings: configz > flags > --config-dir drop-ins > --config file > the right default."""

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kubeward.inputs.distro import kubelet_from_distro, merge_configs
from kubeward.inputs.safeload import load_yaml
from kubeward.inventory.components import ConfigDoc, Flag, KubeletInstance
from kubeward.inventory.provenance import Provenance, api_at, default_of, file_at
from kubeward.resolve.kubelet import FIELDS, EffectiveKubelet
from kubeward.resolve.setting import Setting

V1BETA1 = default_of("kubelet.config.k8s.io/v1beta1 defaults")
LEGACY = default_of("kubelet binary defaults without --config (applyLegacyDefaults)")


def config_doc(path: str, text: str) -> ConfigDoc:
    loaded = load_yaml("apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\n" + text)[0]
    return ConfigDoc(
        kind="KubeletConfiguration",
        data=loaded.value,
        provenance=file_at(path, loaded.line),
        lines=loaded.lines,
        node_path=path,
    )


def flag(name: str, value: str, line: int = 1, path: str = "kubelet.service") -> Flag:
    return Flag(name=name, value=value, provenance=file_at(path, line))


def kubelet(**fields: Any) -> EffectiveKubelet:
    fields.setdefault("provenance", file_at("kubelet.service", 1))
    return EffectiveKubelet(KubeletInstance(node="worker-1", origin="node-files", **fields))


def test_flags_alone_get_the_legacy_defaults() -> None:
    effective = kubelet(flags=(flag("kubeconfig", "/etc/kubernetes/kubelet.conf"),), started_with_config=False)
    assert effective.setting("authentication.anonymous.enabled") == Setting(
        component="kubelet",
        name="authentication.anonymous.enabled",
        value=True,
        source="default",
        provenance=LEGACY,
        detail="not set, and the kubelet runs without --config, so the binary's legacy default applies",
    )
    assert effective.setting("authorization.mode").value == "AlwaysAllow"
    assert effective.setting("readOnlyPort").value == 10255
    assert effective.setting("authentication.webhook.enabled").value is False


def test_config_file_gets_the_v1beta1_defaults() -> None:
    config = config_doc("/var/lib/kubelet/config.yaml", "authorization:\n  mode: Webhook\n")
    effective = kubelet(
        flags=(flag("config", "/var/lib/kubelet/config.yaml"),), config=config, started_with_config=True
    )
    assert effective.setting("authentication.anonymous.enabled") == Setting(
        component="kubelet",
        name="authentication.anonymous.enabled",
        value=False,
        source="default",
        provenance=V1BETA1,
        detail="not set; the kubelet runs with a config file, so the v1beta1 default applies",
    )
    assert effective.setting("readOnlyPort").value == 0
    assert effective.setting("authorization.mode") == Setting(
        component="kubelet",
        name="authorization.mode",
        value="Webhook",
        source="config-file",
        provenance=file_at("/var/lib/kubelet/config.yaml", 4, pointer="authorization.mode"),
        detail="set in the kubelet config file",
    )


def test_flag_over_dropins_over_config() -> None:
    config = config_doc(
        "/var/lib/kubelet/config.yaml", "readOnlyPort: 0\nauthentication:\n  anonymous:\n    enabled: false\n"
    )
    first = config_doc(
        "/etc/kubernetes/kubelet.conf.d/10-a.conf",
        "readOnlyPort: 10255\nauthentication:\n  anonymous:\n    enabled: true\n",
    )
    second = config_doc("/etc/kubernetes/kubelet.conf.d/20-b.conf", "readOnlyPort: 10256\n")
    effective = kubelet(
        flags=(flag("config", "/var/lib/kubelet/config.yaml"), flag("read-only-port", "0", line=7)),
        config=config,
        dropins=(first, second),
        started_with_config=True,
    )
    assert effective.setting("readOnlyPort") == Setting(
        component="kubelet",
        name="--read-only-port",
        value=0,
        source="flag",
        provenance=file_at("kubelet.service", 7),
        detail="--read-only-port overrides the config file",
    )
    anonymous = effective.setting("authentication.anonymous.enabled")
    assert (anonymous.value, anonymous.source, anonymous.detail, anonymous.provenance) == (
        True,
        "config-file",
        "set in the kubelet drop-in",
        file_at("/etc/kubernetes/kubelet.conf.d/10-a.conf", 6, pointer="authentication.anonymous.enabled"),
    )
    without_flag = kubelet(config=config, dropins=(first, second), started_with_config=True)
    assert without_flag.setting("readOnlyPort").value == 10256


def test_missing_config_file_is_unknown() -> None:
    effective = kubelet(flags=(flag("config", "/var/lib/kubelet/config.yaml", line=3),), started_with_config=True)
    assert effective.setting("authentication.anonymous.enabled") == Setting(
        component="kubelet",
        name="authentication.anonymous.enabled",
        value=None,
        source="default",
        provenance=file_at("kubelet.service", 3),
        detail="the kubelet reads --config=/var/lib/kubelet/config.yaml, which is not among the inputs",
        known=False,
    )
    # A flag still decides what it sets.
    explicit = kubelet(
        flags=(flag("config", "/x.yaml"), flag("anonymous-auth", "false")),
        started_with_config=True,
    )
    assert explicit.setting("authentication.anonymous.enabled").value is False


def test_started_with_config_inferred_when_unknown() -> None:
    assert kubelet(flags=(flag("config", "/x.yaml"),)).setting("readOnlyPort").known is False
    assert kubelet(flags=()).setting("readOnlyPort").value == 10255
    config = config_doc("/x.yaml", "")
    assert kubelet(config=config).setting("readOnlyPort").value == 0


def test_configz_wins_and_omitted_fields_are_zero() -> None:
    configz = ConfigDoc(
        kind="KubeletConfiguration",
        data={
            "authentication": {"anonymous": {"enabled": False}, "webhook": {"enabled": True}},
            "authorization": {"mode": "Webhook"},
            "port": 10250,
        },
        provenance=api_at("/api/v1/nodes/worker-1/proxy/configz"),
    )
    effective = EffectiveKubelet(
        KubeletInstance(
            node="worker-1",
            origin="configz",
            provenance=api_at("/api/v1/nodes/worker-1/proxy/configz"),
            configz=configz,
        )
    )
    assert effective.setting("authorization.mode") == Setting(
        component="kubelet",
        name="authorization.mode",
        value="Webhook",
        source="configz",
        provenance=api_at("/api/v1/nodes/worker-1/proxy/configz"),
        detail="reported by the running kubelet (/configz)",
    )
    # v1beta1's readOnlyPort is `omitempty`: a kubelet with the port disabled leaves it out of /configz.
    # Without a --config flag in sight, the legacy default (10255) would be a false finding.
    assert effective.setting("readOnlyPort") == Setting(
        component="kubelet",
        name="readOnlyPort",
        value=0,
        source="configz",
        provenance=api_at("/api/v1/nodes/worker-1/proxy/configz"),
        detail="left out of the running kubelet's /configz, which omits zero values",
    )
    assert effective.setting("rotateCertificates").value is False
    assert effective.setting("tlsCipherSuites").value == []
    assert effective.setting("authentication.x509.clientCAFile").value == ""


@pytest.mark.parametrize(
    ("path", "text", "expected"),
    [
        ("authentication.anonymous.enabled", "false", False),
        ("authentication.anonymous.enabled", "yes", "yes"),
        ("readOnlyPort", "10255", 10255),
        ("readOnlyPort", "ten", "ten"),
        (
            "tlsCipherSuites",
            "TLS_AES_128_GCM_SHA256, TLS_AES_256_GCM_SHA384",
            ["TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384"],
        ),
        ("authorization.mode", "AlwaysAllow", "AlwaysAllow"),
    ],
)
def test_flag_values_are_typed(path: str, text: str, expected: Any) -> None:
    spec = FIELDS[path]
    assert kubelet(flags=(flag(spec.flag, text),), started_with_config=False).setting(path).value == expected


def test_k3s_flags_are_installer_defaults() -> None:
    loaded = load_yaml("kubelet-arg:\n- anonymous-auth=true\n")[0]
    merged = merge_configs(
        "k3s",
        "n1",
        [ConfigDoc(kind="k3s-config", data=loaded.value, provenance=file_at("config.yaml", 1), lines=loaded.lines)],
    )
    instance, _ = kubelet_from_distro(merged)
    effective = EffectiveKubelet(instance)
    assert effective.setting("authorization.mode") == Setting(
        component="kubelet",
        name="--authorization-mode",
        value="Webhook",
        source="default",
        provenance=default_of("k3s built-in argument"),
        detail="k3s passes --authorization-mode=Webhook",
    )
    anonymous = effective.setting("authentication.anonymous.enabled")
    assert (anonymous.value, anonymous.source, anonymous.provenance) == (
        True,
        "flag",
        Provenance(kind="file", source="config.yaml", line=2, pointer="kubelet-arg[0]"),
    )
    # Fields k3s does not pass keep the legacy defaults: it runs the kubelet without --config.
    assert effective.setting("rotateCertificates").provenance == LEGACY
    # k3s passes the client CA itself (its kubeletArgs), so that is an installer default.
    client_ca = effective.setting("authentication.x509.clientCAFile")
    assert (client_ca.source, client_ca.provenance) == ("default", default_of("k3s built-in argument"))


def test_resource_and_config_flag() -> None:
    effective = kubelet(flags=(flag("config", "/c.yaml"),))
    assert effective.resource.key() == "kubelet/worker-1"
    assert effective.config_flag == flag("config", "/c.yaml")


# --- precedence, for every combination of present sources -------------------------------------------


@settings(max_examples=200, deadline=None)
@given(
    configz=st.sampled_from(["none", "without-field", "with-field"]),
    flag_by=st.sampled_from(["none", "user", "installer"]),
    dropins=st.lists(st.booleans(), max_size=3),
    config=st.sampled_from(["none", "without-field", "with-field", "missing"]),
)
def test_highest_present_source_wins(configz: str, flag_by: str, dropins: list[bool], config: str) -> None:
    flags: list[Flag] = []
    if config != "none":
        flags.append(flag("config", "/var/lib/kubelet/config.yaml"))
    if flag_by == "user":
        flags.append(flag("read-only-port", "2", line=9))
    elif flag_by == "installer":
        flags.append(Flag(name="read-only-port", value="2", provenance=default_of("k3s built-in argument")))
    dropin_docs = tuple(
        config_doc(f"/etc/kubelet.d/{i:02d}.conf", f"readOnlyPort: {100 + i}\n" if has else "address: 0.0.0.0\n")
        for i, has in enumerate(dropins)
    )
    config_file = None
    if config in ("without-field", "with-field"):
        config_file = config_doc("/var/lib/kubelet/config.yaml", "readOnlyPort: 3\n" if config == "with-field" else "")
    configz_doc = None
    if configz != "none":
        configz_doc = ConfigDoc(
            kind="KubeletConfiguration",
            data={"readOnlyPort": 1} if configz == "with-field" else {"port": 10250},
            provenance=api_at("/configz"),
        )
    effective = kubelet(
        flags=tuple(flags),
        dropins=dropin_docs,
        config=config_file,
        configz=configz_doc,
        started_with_config=config != "none",
    )
    setting = effective.setting("readOnlyPort")

    # The model: the first present source in precedence order decides.
    last_dropin = max((i for i, has in enumerate(dropins) if has), default=None)
    if configz == "with-field":
        expected = (1, "configz", True)
    elif configz == "without-field":
        expected = (0, "configz", True)
    elif flag_by != "none":
        expected = (2, "flag" if flag_by == "user" else "default", True)
    elif last_dropin is not None:
        expected = (100 + last_dropin, "config-file", True)
    elif config == "with-field":
        expected = (3, "config-file", True)
    elif config == "missing":
        expected = (None, "default", False)
    elif config == "without-field":
        expected = (0, "default", True)
    else:
        expected = (10255, "default", True)
    assert (setting.value, setting.source, setting.known) == expected
