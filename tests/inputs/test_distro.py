"""k3s/RKE2 config.yaml: detection, drop-in merging, and the command line GetArgs builds."""

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from kubeward.inputs.distro import (
    MergedConfig,
    apiserver_from_distro,
    build_args,
    distro_of,
    is_server,
    kubelet_from_distro,
    looks_like_distro_config,
    merge_configs,
)
from kubeward.inputs.safeload import load_yaml
from kubeward.inventory.components import ConfigDoc, Flag
from kubeward.inventory.model import InputIssue
from kubeward.inventory.provenance import Provenance, default_of, file_at

K3S_DEFAULT = default_of("k3s built-in argument")


def doc(path: str, text: str) -> ConfigDoc:
    [loaded] = load_yaml(text)
    return ConfigDoc(kind="k3s-config", data=loaded.value, provenance=file_at(path, loaded.line), lines=loaded.lines)


def shown(flags: list[Flag] | tuple[Flag, ...]) -> list[tuple[str, str, str]]:
    return [(f.name, f.value, f.provenance.describe()) for f in flags]


def test_detection() -> None:
    assert looks_like_distro_config({"write-kubeconfig-mode": "0644"})
    assert looks_like_distro_config({"kube-apiserver-arg+": ["a=b"]})
    assert not looks_like_distro_config({"server": "https://x:6443", "token": "t"})
    assert not looks_like_distro_config({"apiVersion": "v1", "kind": "Pod", "tls-san": []})
    assert not looks_like_distro_config(["kube-apiserver-arg"])
    assert distro_of("nodes/a/etc/rancher/rke2/config.yaml", {}) == "rke2"
    assert distro_of("rke2-config.yaml", {}) == "rke2"
    assert distro_of("config.yaml", {"profile": "cis"}) == "rke2"
    assert distro_of("nodes/a/etc/rancher/k3s/config.yaml", {"tls-san": []}) == "k3s"


def test_merge_dropins_override_and_append() -> None:
    base = doc(
        "config.yaml",
        "write-kubeconfig-mode: '0644'\nkube-apiserver-arg:\n- audit-log-maxage=30\n"
        "kubelet-arg: max-pods=50\nnode-label:\n- a=b\n",
    )
    first = doc("config.yaml.d/10-a.yaml", "write-kubeconfig-mode: '0600'\nkube-apiserver-arg+:\n- profiling=true\n")
    second = doc("config.yaml.d/20-b.yaml", "kubelet-arg+:\n- read-only-port=10255\nnode-label:\n- c=d\n")
    merged = merge_configs("k3s", "n1", [base, first, second])
    assert merged.values == {
        "write-kubeconfig-mode": "0600",
        "kube-apiserver-arg": ["audit-log-maxage=30", "profiling=true"],
        # `key+` appends to a single string too (k3s toSlice).
        "kubelet-arg": ["max-pods=50", "read-only-port=10255"],
        "node-label": ["c=d"],
    }
    assert [p.describe() for p in merged.origins["kube-apiserver-arg"]] == [
        "config.yaml:3",
        "config.yaml.d/10-a.yaml:3",
    ]
    assert [p.describe() for p in merged.origins["kubelet-arg"]] == ["config.yaml:4", "config.yaml.d/20-b.yaml:2"]
    assert merged.origins["kube-apiserver-arg"][1].pointer == "kube-apiserver-arg+[0]"
    assert merged.provenance == file_at("config.yaml", 1)


def test_append_to_nothing_and_append_nothing() -> None:
    merged = merge_configs(
        "k3s",
        "n",
        [
            doc("c.yaml", "kubelet-arg+: a=1\ntls-san:\n"),
            doc("c.yaml.d/x.yaml", "tls-san+:\n- x\nkubelet-arg+:\n"),
        ],
    )
    assert merged.values == {"kubelet-arg": ["a=1"], "tls-san": ["x"]}
    assert [p.describe() for p in merged.origins["tls-san"]] == ["c.yaml.d/x.yaml:2"]


def test_build_args_getargs_examples() -> None:
    defaults = (("anonymous-auth", "false"), ("enable-admission-plugins", "NodeRestriction"), ("profiling", "false"))
    user = [
        ("enable-admission-plugins+=PodSecurity", file_at("c", 1)),
        ("--profiling", file_at("c", 2)),
        ("audit-log-path=/var/log/a.log", file_at("c", 3)),
        ("tls-cipher-suites-=TLS_AES_128_GCM_SHA256", file_at("c", 4)),
        ("audit-log-path=/var/log/b.log", file_at("c", 5)),
    ]
    assert shown(build_args(defaults, user, "k3s")) == [
        ("anonymous-auth", "false", "k3s built-in argument"),
        ("audit-log-path", "/var/log/a.log", "c:3"),
        ("audit-log-path", "/var/log/b.log", "c:5"),
        ("enable-admission-plugins", "NodeRestriction", "k3s built-in argument"),
        ("enable-admission-plugins", "PodSecurity", "c:1"),
        ("profiling", "true", "c:2"),
        ("tls-cipher-suites", "TLS_AES_128_GCM_SHA256", "c:4"),
    ]


def test_prepend_puts_the_user_value_first() -> None:
    flags = build_args((("anonymous-auth", "false"),), [("anonymous-auth-=true", file_at("c", 1))], "k3s")
    # Prepending to a scalar flag leaves k3s' value last, so it still wins.
    assert shown(flags) == [("anonymous-auth", "true", "c:1"), ("anonymous-auth", "false", "k3s built-in argument")]


def test_skip_defaults() -> None:
    flags = build_args((("anonymous-auth", "false"), ("profiling", "false")), [], "rke2", frozenset({"profiling"}))
    assert flags == [Flag(name="anonymous-auth", value="false", provenance=default_of("rke2 built-in argument"))]


def getargs_model(initial: dict[str, str], extra: list[str]) -> list[tuple[str, str, Any]]:
    """k3s-io/k3s pkg/util/args.go GetArgs, transcribed; each value keeps its source (index or "default")."""
    initial = dict(initial)
    multi: dict[str, list[tuple[str, Any]]] = {}
    for index, unsplit in enumerate(extra):
        body = unsplit[2:] if unsplit.startswith("--") else unsplit
        arg, _, value = body.partition("=")
        if "=" not in body:
            value = "true"
        cleaned = arg.rstrip("-+")
        initial_value = [(initial[cleaned], "default")] if cleaned in initial else []
        existing = multi.get(cleaned, [])
        if arg.endswith("+"):
            new = [*initial_value, *existing, (value, index)]
        elif arg.endswith("-"):
            new = [(value, index), *initial_value, *existing]
        else:
            new = [*existing, (value, index)]
        initial.pop(cleaned, None)
        multi[cleaned] = new
    for name, value in initial.items():
        multi[name] = [(value, "default")]
    return [(name, value, source) for name in sorted(multi) for value, source in multi[name]]


_NAMES = ["anonymous-auth", "authorization-mode", "enable-admission-plugins", "profiling", "audit-log-path", "v"]
_ENTRY = st.builds(
    lambda dashes, name, suffix, value: f"{dashes}{name}{suffix}" + ("" if value is None else f"={value}"),
    st.sampled_from(["", "--"]),
    st.sampled_from(_NAMES),
    st.sampled_from(["", "", "+", "-"]),
    st.none() | st.from_regex(r"[A-Za-z0-9,=/.-]{0,10}", fullmatch=True),
)


@settings(max_examples=120, deadline=None)
@given(
    st.dictionaries(st.sampled_from(_NAMES), st.from_regex(r"[A-Za-z0-9,]{1,8}", fullmatch=True), max_size=4),
    st.lists(_ENTRY, max_size=8),
)
def test_build_args_matches_getargs(initial: dict[str, str], extra: list[str]) -> None:
    provenance = [file_at("config.yaml", line=i + 1) for i in range(len(extra))]
    flags = build_args(tuple(initial.items()), list(zip(extra, provenance, strict=True)), "k3s")
    expected = getargs_model(initial, extra)
    got = [(f.name, f.value, "default" if f.provenance == K3S_DEFAULT else (f.provenance.line or 0) - 1) for f in flags]
    assert got == expected


# --- the components k3s/RKE2 start ----------------------------------------------------------------


def merged(values: dict[str, Any], distro: str = "k3s") -> MergedConfig:
    origins = {
        key: [file_at("config.yaml", line=10 + i) for i in range(len(v) if isinstance(v, list) else 1)]
        for key, v in values.items()
    }
    return MergedConfig(
        distro=distro,  # type: ignore[arg-type]
        node="n1",
        provenance=file_at("config.yaml", 1),
        values=values,
        origins=origins,
    )


def test_apiserver_from_k3s_config() -> None:
    api, problems = apiserver_from_distro(
        merged({"kube-apiserver-arg": ["anonymous-auth=true", "audit-policy-file=/etc/audit.yaml", 5, ""]})
    )
    assert problems == [
        InputIssue(input="config.yaml", line=12, message="kube-apiserver-arg entry 5 is not a 'name=value' string"),
        InputIssue(input="config.yaml", line=13, message="kube-apiserver-arg entry '' is not a 'name=value' string"),
    ]
    assert (api.name, api.origin, api.installer, api.node) == ("kube-apiserver (k3s n1)", "k3s", "k3s", "n1")
    assert shown(api.flags) == [
        ("allow-privileged", "true", "k3s built-in argument"),
        ("anonymous-auth", "true", "config.yaml:10"),
        ("audit-policy-file", "/etc/audit.yaml", "config.yaml:11"),
        ("authorization-mode", "Node,RBAC", "k3s built-in argument"),
        ("enable-admission-plugins", "NodeRestriction", "k3s built-in argument"),
        ("enable-bootstrap-token-auth", "true", "k3s built-in argument"),
        ("profiling", "false", "k3s built-in argument"),
    ]


def test_structured_authn_and_authz_configs_drop_k3s_defaults() -> None:
    api, _ = apiserver_from_distro(
        merged(
            {
                "kube-apiserver-arg": [
                    "authentication-config=/etc/authn.yaml",
                    "--authorization-config=/etc/authz.yaml",
                ]
            },
            "rke2",
        )
    )
    names = [f.name for f in api.flags]
    assert "anonymous-auth" not in names
    assert "authorization-mode" not in names
    assert api.origin == "rke2"


def test_kubelet_from_k3s_config() -> None:
    kubelet, problems = kubelet_from_distro(merged({"kubelet-arg": "read-only-port=10255"}))
    assert problems == []
    assert shown(kubelet.flags) == [
        ("anonymous-auth", "false", "k3s built-in argument"),
        ("authentication-token-webhook", "true", "k3s built-in argument"),
        ("authorization-mode", "Webhook", "k3s built-in argument"),
        ("read-only-port", "10255", "config.yaml:10"),
    ]
    assert kubelet.started_with_config is False
    with_config, _ = kubelet_from_distro(merged({"kubelet-arg": ["config=/etc/kubelet.yaml"]}))
    assert with_config.started_with_config is True


def test_is_server() -> None:
    assert is_server(merged({"write-kubeconfig-mode": "0644"}))
    assert not is_server(merged({"server": "https://10.0.0.1:6443", "node-label": ["a=b"]}))
    assert is_server(merged({"server": "https://10.0.0.1:6443", "kube-apiserver-arg": []}))
    assert is_server(merged({"server": "https://10.0.0.1:6443", "cluster-init": True}))


def test_provenance_is_a_plain_struct() -> None:
    # build_args hands the user's provenance through unchanged.
    p = Provenance(kind="file", source="x", line=3, pointer="kubelet-arg[0]")
    assert build_args((), [("a=1", p)], "k3s") == [Flag(name="a", value="1", provenance=p)]
