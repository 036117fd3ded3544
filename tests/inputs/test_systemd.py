"""systemd units, drop-ins and environment files, assembled into the kubelet's command line as systemd does."""

import textwrap

from kubeward.inputs.nodes import NodeFiles, assemble_kubelets
from kubeward.inputs.systemd import (
    EnvValue,
    Word,
    assemble_command,
    looks_like_env_file,
    looks_like_unit,
    parse_env_file,
    parse_unit,
)
from kubeward.inventory.components import Flag
from kubeward.inventory.model import InputIssue
from kubeward.inventory.provenance import default_of, file_at

KUBEADM_DROPIN = "".join(
    f"{line}\n"
    for line in (
        "# Note: This dropin only works with kubeadm and kubelet v1.11+",
        "[Service]",
        'Environment="KUBELET_KUBECONFIG_ARGS=--bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf'
        ' --kubeconfig=/etc/kubernetes/kubelet.conf"',
        'Environment="KUBELET_CONFIG_ARGS=--config=/var/lib/kubelet/config.yaml"',
        '# This is a file that "kubeadm init" and "kubeadm join" generates at runtime',
        "EnvironmentFile=-/var/lib/kubelet/kubeadm-flags.env",
        "EnvironmentFile=-/etc/default/kubelet",
        "ExecStart=",
        "ExecStart=/usr/bin/kubelet $KUBELET_KUBECONFIG_ARGS $KUBELET_CONFIG_ARGS $KUBELET_KUBEADM_ARGS"
        " $KUBELET_EXTRA_ARGS",
    )
)

MAIN_UNIT = """\
[Unit]
Description=kubelet: The Kubernetes Node Agent
ExecStart=/not/in/service/section

[Service]
ExecStart=/usr/bin/kubelet
Restart=always

[Install]
WantedBy=multi-user.target
"""


def test_parse_kubeadm_dropin() -> None:
    unit = parse_unit(KUBEADM_DROPIN, "d/10-kubeadm.conf")
    assert unit.exec_start == [
        (
            "/usr/bin/kubelet $KUBELET_KUBECONFIG_ARGS $KUBELET_CONFIG_ARGS $KUBELET_KUBEADM_ARGS $KUBELET_EXTRA_ARGS",
            9,
        )
    ]
    assert unit.environment == [
        (
            "KUBELET_KUBECONFIG_ARGS",
            "--bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf --kubeconfig=/etc/kubernetes/kubelet.conf",
            3,
        ),
        ("KUBELET_CONFIG_ARGS", "--config=/var/lib/kubelet/config.yaml", 4),
    ]
    assert unit.environment_files == [("-/var/lib/kubelet/kubeadm-flags.env", 6), ("-/etc/default/kubelet", 7)]
    assert not unit.environment_reset


def test_only_the_service_section_counts() -> None:
    unit = parse_unit(MAIN_UNIT, "kubelet.service")
    assert unit.exec_start == [("/usr/bin/kubelet", 6)]
    assert unit.environment == []


def test_continuation_lines_and_comments() -> None:
    text = textwrap.dedent(
        """\
        [Service]
        ; a comment
        ExecStart=/usr/local/bin/kubelet \\
          --kubeconfig=/etc/kubernetes/kubelet.conf \\
          --anonymous-auth=false
        Environment=A=1 "B=two words" C
        """
    )
    unit = parse_unit(text, "kubelet.service")
    assert unit.exec_start == [
        ("/usr/local/bin/kubelet    --kubeconfig=/etc/kubernetes/kubelet.conf    --anonymous-auth=false", 3)
    ]
    assert unit.environment == [("A", "1", 6), ("B", "two words", 6)]


def test_comments_and_blank_lines_inside_a_continuation_are_skipped() -> None:
    # A flag commented out in a wrapped ExecStart= is off for systemd (conf-parser.c skips the line).
    text = (
        "[Service]\n"
        "ExecStart=/usr/local/bin/kubelet \\\n"
        "  --config=/var/lib/kubelet/config.yaml \\\n"
        "  # --anonymous-auth=true \\\n"
        "; --read-only-port=10255 \\\n"
        "\n"
        "  --v=2\n"
        "Restart=always\n"
    )
    unit = parse_unit(text, "kubelet.service")
    assert unit.exec_start == [("/usr/local/bin/kubelet    --config=/var/lib/kubelet/config.yaml    --v=2", 2)]


def test_empty_assignments_reset() -> None:
    unit = parse_unit(
        "[Service]\nEnvironment=A=1\nEnvironment=\nEnvironment=B=2\nEnvironmentFile=/x\nEnvironmentFile=\n", "u"
    )
    assert unit.environment == [("B", "2", 4)]
    assert unit.environment_reset
    assert unit.environment_files == []
    assert unit.environment_files_reset


def test_detection() -> None:
    assert looks_like_unit(KUBEADM_DROPIN)
    assert looks_like_unit(MAIN_UNIT)
    assert not looks_like_unit("[Unit]\nDescription=x\n")
    assert looks_like_env_file('KUBELET_KUBEADM_ARGS="--a=1"\n')
    assert looks_like_env_file("# comment\nexport A=1\nB=2\n")
    assert not looks_like_env_file("apiVersion: v1\nkind: Pod\n")
    assert not looks_like_env_file("# only comments\n\n")


def test_parse_env_file() -> None:
    text = (
        "# kubeadm-flags.env\n"
        'KUBELET_KUBEADM_ARGS="--container-runtime-endpoint=unix:///var/run/containerd/containerd.sock '
        '--pod-infra-container-image=registry.k8s.io/pause:3.9"\n'
        "export KUBELET_EXTRA_ARGS='--node-labels=pool=gpu'\n"
        "EMPTY=\n"
        "1BAD=x\n"
        "not an assignment\n"
        'SPLIT="--a=1 \\\n'
        '--b=2"\n'
    )
    values = parse_env_file(text, "kubeadm-flags.env")
    assert values == {
        "KUBELET_KUBEADM_ARGS": EnvValue(
            "--container-runtime-endpoint=unix:///var/run/containerd/containerd.sock "
            "--pod-infra-container-image=registry.k8s.io/pause:3.9",
            file_at("kubeadm-flags.env", 2),
        ),
        "KUBELET_EXTRA_ARGS": EnvValue("--node-labels=pool=gpu", file_at("kubeadm-flags.env", 3)),
        "EMPTY": EnvValue("", file_at("kubeadm-flags.env", 4)),
        "SPLIT": EnvValue("--a=1  --b=2", file_at("kubeadm-flags.env", 7)),
    }


def test_dollar_var_splits_and_brace_var_stays_one_word() -> None:
    env = {
        "ARGS": EnvValue("--a=1   --b=2", file_at("env", 1)),
        "ONE": EnvValue("--c=x y", file_at("env", 2)),
        "QUOTED": EnvValue("--labels='a b' --d", file_at("env", 3)),
        "CFG": EnvValue("/etc/k.yaml", file_at("env", 4)),
    }
    words = assemble_command(
        ("-/usr/bin/kubelet $ARGS ${ONE} $QUOTED --config=${CFG} $UNSET ${UNSET} --e=$UNSET.", 5), "unit", env
    )
    here = file_at("unit", 5)
    assert words == [
        Word("/usr/bin/kubelet", here),
        Word("--a=1", file_at("env", 1)),
        Word("--b=2", file_at("env", 1)),
        Word("--c=x y", file_at("env", 2)),
        Word("--labels=a b", file_at("env", 3)),
        Word("--d", file_at("env", 3)),
        Word("--config=/etc/k.yaml", here),
        Word("--e=.", here),
    ]


# --- a node's units, in systemd's order -------------------------------------------------------------


def node_files(units: dict[str, str], env_files: dict[str, dict[str, str]] | None = None, root: str = "n") -> NodeFiles:
    files = NodeFiles(node="n1")
    for node_path, text in units.items():
        files.units.append((node_path, parse_unit(text, f"{root}{node_path}")))
    for node_path, values in (env_files or {}).items():
        text = "".join(f"{name}={value}\n" for name, value in values.items())
        files.env_files[node_path] = parse_env_file(text, f"{root}{node_path}")
    return files


def flags_of(files: NodeFiles) -> tuple[list[tuple[str, str, str]], list[InputIssue]]:
    issues: list[InputIssue] = []
    [kubelet] = assemble_kubelets(files, issues)
    return [(f.name, f.value, f.provenance.describe()) for f in kubelet.flags], issues


def test_kubeadm_dropin_with_env_files() -> None:
    files = node_files(
        {
            "/lib/systemd/system/kubelet.service": MAIN_UNIT,
            "/usr/lib/systemd/system/kubelet.service.d/10-kubeadm.conf": KUBEADM_DROPIN,
        },
        {
            "/var/lib/kubelet/kubeadm-flags.env": {
                "KUBELET_KUBEADM_ARGS": '"--container-runtime-endpoint=unix:///c.sock"'
            },
            "/etc/default/kubelet": {"KUBELET_EXTRA_ARGS": "--read-only-port=10255"},
        },
    )
    flags, issues = flags_of(files)
    dropin = "n/usr/lib/systemd/system/kubelet.service.d/10-kubeadm.conf"
    assert flags == [
        ("bootstrap-kubeconfig", "/etc/kubernetes/bootstrap-kubelet.conf", f"{dropin}:3"),
        ("kubeconfig", "/etc/kubernetes/kubelet.conf", f"{dropin}:3"),
        ("config", "/var/lib/kubelet/config.yaml", f"{dropin}:4"),
        ("container-runtime-endpoint", "unix:///c.sock", "n/var/lib/kubelet/kubeadm-flags.env:1"),
        ("read-only-port", "10255", "n/etc/default/kubelet:1"),
    ]
    assert issues == []


def test_dropins_sorted_by_name_across_directories_and_etc_masks_usr() -> None:
    files = node_files(
        {
            "/usr/lib/systemd/system/kubelet.service": "[Service]\nExecStart=/usr/bin/kubelet --from=usr-main\n",
            "/etc/systemd/system/kubelet.service": "[Service]\nExecStart=/usr/bin/kubelet --from=etc-main\n",
            "/usr/lib/systemd/system/kubelet.service.d/20-b.conf": "[Service]\nEnvironment=X=--from=usr-20\n",
            "/etc/systemd/system/kubelet.service.d/20-b.conf": "[Service]\nEnvironment=X=--from=etc-20\n",
            "/run/systemd/system/kubelet.service.d/10-a.conf": (
                "[Service]\nExecStart=\nExecStart=/usr/bin/kubelet $X --from=run-10\n"
            ),
            "/etc/systemd/system/kubelet.service.d/README": "[Service]\nExecStart=/ignored\n",
        }
    )
    flags, _ = flags_of(files)
    assert [(name, value) for name, value, _ in flags] == [("from", "etc-20"), ("from", "run-10")]


def test_environment_file_overrides_environment_and_missing_files() -> None:
    files = node_files(
        {
            "/etc/systemd/system/kubelet.service": (
                "[Service]\n"
                "Environment=ARGS=--anonymous-auth=true\n"
                "EnvironmentFile=/etc/kubelet.env\n"
                "EnvironmentFile=/etc/absent.env\n"
                "EnvironmentFile=-/etc/optional.env\n"
                "ExecStart=/usr/bin/kubelet $ARGS\n"
            ),
        },
        {"/etc/kubelet.env": {"ARGS": "--anonymous-auth=false"}},
    )
    flags, issues = flags_of(files)
    assert flags == [("anonymous-auth", "false", "n/etc/kubelet.env:1")]
    assert issues == [
        InputIssue(
            input="n/etc/systemd/system/kubelet.service",
            line=4,
            message="EnvironmentFile=/etc/absent.env is not among the inputs; its flags are unknown",
            level="warning",
        )
    ]


def test_empty_environment_in_a_dropin_drops_earlier_assignments() -> None:
    files = node_files(
        {
            "/etc/systemd/system/kubelet.service": (
                "[Service]\nEnvironment=A=--a=1 B=--b=1\nEnvironmentFile=/etc/kubelet.env\n"
                "ExecStart=/usr/bin/kubelet $A $B $C\n"
            ),
            "/etc/systemd/system/kubelet.service.d/50-reset.conf": (
                "[Service]\nEnvironment=\nEnvironment=B=--b=2\nEnvironmentFile=\n"
            ),
        },
        {"/etc/kubelet.env": {"C": "--c=1"}},
    )
    flags, _ = flags_of(files)
    assert [(name, value) for name, value, _ in flags] == [("b", "2")]


def test_reset_execstart_without_new_one_leaves_no_command() -> None:
    files = node_files(
        {
            "/etc/systemd/system/kubelet.service": "[Service]\nExecStart=/usr/bin/kubelet --a=1\n",
            "/etc/systemd/system/kubelet.service.d/99-off.conf": "[Service]\nExecStart=\n",
        }
    )
    assert assemble_kubelets(files, []) == []


def test_kubeadm_env_files_without_unit_assume_kubeadm_config_path() -> None:
    files = node_files(
        {},
        {
            "/var/lib/kubelet/kubeadm-flags.env": {"KUBELET_KUBEADM_ARGS": '"--node-ip=10.0.0.5"'},
            "/etc/sysconfig/kubelet": {"KUBELET_EXTRA_ARGS": "--rotate-certificates"},
        },
    )
    [kubelet] = assemble_kubelets(files, [])
    assert kubelet.flags == (
        Flag(
            name="config",
            value="/var/lib/kubelet/config.yaml",
            provenance=default_of("kubeadm's kubelet drop-in 10-kubeadm.conf (KUBELET_CONFIG_ARGS)"),
        ),
        Flag(name="node-ip", value="10.0.0.5", provenance=file_at("n/var/lib/kubelet/kubeadm-flags.env", 1)),
        Flag(name="rotate-certificates", value="true", provenance=file_at("n/etc/sysconfig/kubelet", 1)),
    )
    assert kubelet.provenance == file_at("n/var/lib/kubelet/kubeadm-flags.env", 1)
    assert kubelet.started_with_config is True
    assert kubelet.config is None
