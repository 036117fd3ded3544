"""kubeward harden apiserver: the edits on each input form, version awareness, and refusals."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from tests.harden.helpers import harden_file, load, pod, write
from tests.support.inventories import run_rule
from tests.support.openapi import assert_valid

from kubeward.harden.apiserver import ApiServerOptions, HardenError, OidcOptions
from kubeward.scan import demo_root

MANIFEST = "nodes/cp-1/etc/kubernetes/manifests/kube-apiserver.yaml"


def _command(text: str) -> list[str]:
    document = yaml.safe_load(text)
    container = document["spec"]["containers"][0]
    return [*container.get("command", []), *container.get("args", [])]


def test_demo_manifest_keeps_comments_order_and_formatting(tmp_path: Path) -> None:
    source = demo_root() / MANIFEST
    path = tmp_path / MANIFEST
    path.parent.mkdir(parents=True)
    shutil.copy(source, path)
    original = path.read_text()
    result = harden_file(path)
    new = result.text
    # Every comment line of the original survives except the one describing the removed static tokens.
    kept = [line for line in original.splitlines() if line.strip().startswith("#") and "Static tokens" not in line]
    assert all(line in new.splitlines() for line in kept)
    assert "creationTimestamp: null" in new and "status: {}" in new
    command = _command(new)
    assert command.index("--advertise-address=10.0.0.10") < command.index("--client-ca-file=/etc/kubernetes/pki/ca.crt")
    assert "--enable-admission-plugins=NodeRestriction,AlwaysPullImages" in command
    assert "--enable-priority-and-fairness=true" in command
    assert not any(word.startswith("--token-auth-file") for word in command)
    for flag in (
        "--anonymous-auth=false",
        "--oidc-groups-prefix=oidc:",
        "--audit-policy-file=/etc/kubernetes/audit/policy.yaml",
        "--audit-log-maxage=30",
        "--profiling=false",
        "--bind-address=10.0.0.10",
    ):
        assert command.count(flag) == 1, flag
    # E-mail usernames cannot be system: names: they stay unprefixed, so user bindings keep working.
    assert not any(word.startswith("--oidc-username-prefix") for word in command)
    pod_spec = yaml.safe_load(new)["spec"]
    mounts = {m["name"]: m for m in pod_spec["containers"][0]["volumeMounts"]}
    volumes = {v["name"]: v for v in pod_spec["volumes"]}
    assert mounts["audit-policy"] == {"mountPath": "/etc/kubernetes/audit", "name": "audit-policy", "readOnly": True}
    assert mounts["audit-log"] == {"mountPath": "/var/log/kubernetes/audit", "name": "audit-log"}
    assert volumes["audit-log"]["hostPath"] == {"path": "/var/log/kubernetes/audit", "type": "DirectoryOrCreate"}
    assert set(result.files) == {"/etc/kubernetes/audit/policy.yaml"}
    # The diff touches only what hardening needs: untouched lines stay byte for byte.
    unchanged = [line for line in original.splitlines() if "--" not in line and "#" not in line]
    assert all(line in new.splitlines() for line in unchanged)


def test_hardening_twice_changes_nothing(tmp_path: Path) -> None:
    path = write(tmp_path, MANIFEST, (demo_root() / MANIFEST).read_text())
    first = harden_file(path)
    path.write_text(first.text)
    files = {host: text for host, text in first.files.items()}
    second = harden_file(path, files=files)
    assert second.text == first.text
    assert second.plan.edits == [] and second.plan.mounts == [] and second.files == {}


def test_args_form_edits_args(tmp_path: Path) -> None:
    text = (
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: kube-apiserver\nspec:\n  containers:\n"
        "  - name: kube-apiserver\n    image: rancher/hardened-kubernetes:v1.29.5-rke2r1\n"
        "    command: [kube-apiserver]\n    args:\n    - --anonymous-auth=true\n    - --profiling\n"
    )
    path = write(tmp_path, MANIFEST, text)
    command = _command(harden_file(path).text)
    assert "--anonymous-auth=false" in command and "--profiling=false" in command
    assert command[0] == "kube-apiserver" and command.count("--anonymous-auth=false") == 1


def test_two_word_flag_is_replaced_whole(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        MANIFEST,
        pod(["--audit-log-maxage", "'5'", "--audit-log-path=/var/log/a.log", "--audit-policy-file=/p.yaml"]),
    )
    command = _command(harden_file(path).text)
    assert "--audit-log-maxage=30" in command and "5" not in command


def test_admission_merge_and_disable_list(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        MANIFEST,
        pod(
            [
                "--enable-admission-plugins=AlwaysAdmit,EventRateLimit",
                "--disable-admission-plugins=PodSecurity,DefaultStorageClass",
            ]
        ),
    )
    command = _command(harden_file(path).text)
    assert "--enable-admission-plugins=NodeRestriction,EventRateLimit" in command
    assert "--disable-admission-plugins=DefaultStorageClass" in command


def test_authorization_always_allow_becomes_node_rbac(tmp_path: Path) -> None:
    path = write(tmp_path, MANIFEST, pod(["--authorization-mode=AlwaysAllow"]))
    assert "--authorization-mode=Node,RBAC" in _command(harden_file(path).text)


def test_new_issuer_becomes_a_structured_jwt_authenticator_from_1_30(tmp_path: Path) -> None:
    path = write(tmp_path, MANIFEST, pod(["--advertise-address=10.0.0.10"]))
    options = ApiServerOptions(
        oidc=OidcOptions(
            issuer_url="https://login.example.com",
            client_id="kubernetes",
            username_claim="email",
            groups_claim="groups",
        )
    )
    result = harden_file(path, options)
    command = _command(result.text)
    assert "--authentication-config=/etc/kubernetes/authn/authentication.yaml" in command
    assert "--anonymous-auth=false" in command  # 1.30: anonymous endpoints are not GA; the flag is used
    config = yaml.safe_load(result.files["/etc/kubernetes/authn/authentication.yaml"])
    assert config["apiVersion"] == "apiserver.config.k8s.io/v1beta1"
    assert "anonymous" not in config
    jwt = config["jwt"][0]
    assert jwt["issuer"] == {"url": "https://login.example.com", "audiences": ["kubernetes"]}
    assert jwt["claimMappings"] == {
        "username": {"claim": "email", "prefix": "oidc:"},
        "groups": {"claim": "groups", "prefix": "oidc:"},
    }
    assert jwt["claimValidationRules"][0]["expression"] == "claims.email_verified == true"
    assert len(jwt["userValidationRules"]) == 2
    mounts = yaml.safe_load(result.text)["spec"]["containers"][0]["volumeMounts"]
    assert {"mountPath": "/etc/kubernetes/authn", "name": "authn-config", "readOnly": True} in mounts


def test_from_1_34_anonymous_is_limited_to_health_endpoints(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        MANIFEST,
        pod(
            ["--anonymous-auth=true", "--oidc-issuer-url=https://dex.example.com", "--oidc-client-id=k8s"],
            image="registry.k8s.io/kube-apiserver:v1.34.1",
        ),
    )
    result = harden_file(path)
    command = _command(result.text)
    assert not any(w.startswith(("--anonymous-auth", "--oidc-")) for w in command)  # mutually exclusive upstream
    config = yaml.safe_load(result.files["/etc/kubernetes/authn/authentication.yaml"])
    assert config["apiVersion"] == "apiserver.config.k8s.io/v1"
    assert config["anonymous"] == {
        "enabled": True,
        "conditions": [{"path": "/healthz"}, {"path": "/livez"}, {"path": "/readyz"}],
    }
    assert config["jwt"][0]["claimMappings"]["username"] == {"claim": "sub", "prefix": "oidc:"}
    assert_valid([yaml.safe_load(result.text)], "1.34")


def test_structured_anonymous_clears_the_rule(tmp_path: Path) -> None:
    path = write(
        tmp_path, MANIFEST, pod(["--advertise-address=10.0.0.10"], image="registry.k8s.io/kube-apiserver:v1.34.1")
    )
    result = harden_file(path)
    path.write_text(result.text)
    for host, text in result.files.items():
        write(tmp_path, "nodes/cp-1" + host, text)
    inventory = load(tmp_path / "nodes")
    assert [f.status for f in run_rule(inventory, "KW-AUTHN-001")] == ["pass"]


def test_existing_oidc_ca_that_cannot_be_inlined_keeps_the_flags(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        MANIFEST,
        pod(
            [
                "--oidc-issuer-url=https://dex.example.com",
                "--oidc-client-id=k8s",
                "--oidc-ca-file=/etc/kubernetes/pki/dex.crt",
            ],
            image="registry.k8s.io/kube-apiserver:v1.34.1",
        ),
    )
    result = harden_file(path)
    command = _command(result.text)
    assert "--anonymous-auth=false" in command and "--oidc-username-prefix=oidc:" in command
    assert any("cannot be inlined" in note for note in result.plan.notes)
    inlined = harden_file(
        path, files={"/etc/kubernetes/pki/dex.crt": "-----BEGIN CERTIFICATE-----\nMII\n-----END CERTIFICATE-----\n"}
    )
    config = yaml.safe_load(inlined.files["/etc/kubernetes/authn/authentication.yaml"])
    assert config["jwt"][0]["issuer"]["certificateAuthority"].startswith("-----BEGIN CERTIFICATE-----")


def test_kubeadm_v1beta3_map_and_v1beta4_list(tmp_path: Path) -> None:
    v3 = write(
        tmp_path,
        "a/etc/kubernetes/kubeadm-config.yaml",
        """
        apiVersion: kubeadm.k8s.io/v1beta3
        kind: ClusterConfiguration
        kubernetesVersion: v1.29.3
        apiServer:
          extraArgs:
            # keep me
            profiling: "true"
            token-auth-file: /etc/kubernetes/tokens.csv
        """,
    )
    result = harden_file(v3)
    data = yaml.safe_load(result.text)
    args = data["apiServer"]["extraArgs"]
    assert "# keep me" in result.text
    assert args["profiling"] == "false" and args["anonymous-auth"] == "false" and "token-auth-file" not in args
    assert args["audit-policy-file"] == "/etc/kubernetes/audit/policy.yaml"
    assert "enable-admission-plugins" not in args  # kubeadm passes NodeRestriction itself
    volumes = {v["name"]: v for v in data["apiServer"]["extraVolumes"]}
    assert volumes["audit-policy"] == {
        "name": "audit-policy",
        "hostPath": "/etc/kubernetes/audit",
        "mountPath": "/etc/kubernetes/audit",
        "readOnly": True,
        "pathType": "DirectoryOrCreate",
    }
    assert volumes["audit-log"]["readOnly"] is False
    v4 = write(
        tmp_path,
        "b/etc/kubernetes/kubeadm-config.yaml",
        """
        apiVersion: kubeadm.k8s.io/v1beta4
        kind: ClusterConfiguration
        kubernetesVersion: v1.31.2
        apiServer:
          extraArgs:
          - name: profiling
            value: "true"
          - name: profiling
            value: "true"
        """,
    )
    args4 = yaml.safe_load(harden_file(v4).text)["apiServer"]["extraArgs"]
    assert [a for a in args4 if a["name"] == "profiling"] == [{"name": "profiling", "value": "false"}]
    assert {"name": "anonymous-auth", "value": "false"} in args4
    rescanned = tmp_path / "b"
    (rescanned / "etc/kubernetes/kubeadm-config.yaml").write_text(harden_file(v4).text)
    inventory = load(rescanned)
    for rule in ("KW-AUTHN-001", "KW-NET-001", "KW-AUDIT-001", "KW-AUDIT-006", "KW-AUDIT-007"):
        assert [f.status for f in run_rule(inventory, rule)] == ["pass"], rule


@pytest.mark.parametrize("distro", ["k3s", "rke2"])
def test_k3s_and_rke2_config(tmp_path: Path, distro: str) -> None:
    path = write(
        tmp_path,
        f"n1/etc/rancher/{distro}/config.yaml",
        """
        write-kubeconfig-mode: "0600"
        kube-apiserver-arg:
          - anonymous-auth=true   # debugging
          - profiling=true
        """,
    )
    result = harden_file(path, ApiServerOptions(kubernetes_version="v1.30.6"))
    data = yaml.safe_load(result.text)
    args = data["kube-apiserver-arg"]
    assert "anonymous-auth=false" in args and "profiling=false" in args
    assert f"audit-policy-file=/etc/rancher/{distro}/audit-policy.yaml" in args
    assert "# debugging" in result.text
    assert "enable-admission-plugins=NodeRestriction" not in args  # k3s/RKE2 pass it themselves
    assert f"/etc/rancher/{distro}/audit-policy.yaml" in result.files


def test_refuses_manifest_without_kube_apiserver(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        MANIFEST,
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: etcd\nspec:\n  containers:\n"
        "  - name: etcd\n    image: etcd:3.5\n    command: [etcd]\n",
    )
    assert load(path).apiservers == ()


@pytest.mark.parametrize(
    ("flags", "image", "message"),
    [
        (["--authentication-config=/etc/a.yaml", "--oidc-issuer-url=https://x.example"], None, "both set"),
        (
            ["--enable-admission-plugins=PodSecurity", "--disable-admission-plugins=PodSecurity"],
            None,
            "conflicting admission",
        ),
        (
            ["--admission-control=NamespaceLifecycle", "--enable-admission-plugins=NodeRestriction"],
            None,
            "conflicting admission",
        ),
        (["--anonymous-auth=true", "--anonymous-auth=false"], None, "different values"),
        (["--profiling"], "registry.k8s.io/kube-apiserver:latest", "version of this kube-apiserver is unknown"),
        (["--profiling"], "registry.k8s.io/kube-apiserver:v1.22.0", "outside the versions"),
        (["--profiling"], "registry.k8s.io/kube-apiserver:v1.40.0", "outside the versions"),
        (["--authentication-config=/etc/kubernetes/authn/a.yaml"], None, "not among the inputs"),
    ],
)
def test_refusals(tmp_path: Path, flags: list[str], image: str | None, message: str) -> None:
    path = write(tmp_path, MANIFEST, pod(flags, image=image) if image else pod(flags))
    with pytest.raises(HardenError, match=message):
        harden_file(path)


def test_anonymous_flag_with_anonymous_block_is_refused(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        MANIFEST,
        pod(
            ["--anonymous-auth=false", "--authentication-config=/etc/kubernetes/authn/a.yaml"],
            image="registry.k8s.io/kube-apiserver:v1.33.0",
        ),
    )
    config = (
        "apiVersion: apiserver.config.k8s.io/v1beta1\nkind: AuthenticationConfiguration\nanonymous:\n  enabled: true\n"
    )
    with pytest.raises(HardenError, match="are both set"):
        harden_file(path, files={"/etc/kubernetes/authn/a.yaml": config})


def test_existing_authentication_config_is_edited_in_place(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        MANIFEST,
        pod(["--authentication-config=/etc/kubernetes/authn/a.yaml"], image="registry.k8s.io/kube-apiserver:v1.33.0"),
    )
    config = (
        "apiVersion: apiserver.config.k8s.io/v1beta1\nkind: AuthenticationConfiguration\n"
        "# everyone may look\nanonymous:\n  enabled: true\njwt:\n- issuer:\n    url: https://idp.example.com\n"
        "    audiences: [k8s]\n  claimMappings:\n    username:\n      claim: sub\n      prefix: ''\n"
    )
    result = harden_file(path, files={"/etc/kubernetes/authn/a.yaml": config})
    edited = result.files["/etc/kubernetes/authn/a.yaml"]
    assert "# everyone may look" in edited
    data = yaml.safe_load(edited)
    assert data["anonymous"]["conditions"] == [{"path": "/healthz"}, {"path": "/livez"}, {"path": "/readyz"}]
    assert len(data["jwt"][0]["userValidationRules"]) == 2
    assert "--anonymous-auth=false" not in _command(result.text)


def test_oidc_prefixes_kept_when_safe_replaced_when_not_or_when_asked(tmp_path: Path) -> None:
    flags = [
        "--oidc-issuer-url=https://idp.example.com",
        "--oidc-client-id=k8s",
        "--oidc-username-prefix=corp:",
        "--oidc-groups-claim=groups",
        "--oidc-groups-prefix=system:",
    ]
    path = write(tmp_path, MANIFEST, pod(flags))
    command = _command(harden_file(path).text)
    assert "--oidc-username-prefix=corp:" in command and "--oidc-groups-prefix=oidc:" in command
    asked = _command(harden_file(path, ApiServerOptions(oidc=OidcOptions(prefix="sso:"))).text)
    assert "--oidc-username-prefix=sso:" in asked and "--oidc-groups-prefix=sso:" in asked
    with pytest.raises(HardenError, match="system: names"):
        harden_file(path, ApiServerOptions(oidc=OidcOptions(prefix="sys")))
    sub = write(tmp_path, "x/" + MANIFEST, pod(["--oidc-issuer-url=https://idp.example.com", "--oidc-client-id=k8s"]))
    assert "--oidc-username-prefix=oidc:" in _command(harden_file(sub).text)


def test_comment_after_the_last_flag_stays_before_the_next_key(tmp_path: Path) -> None:
    text = (
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: kube-apiserver\nspec:\n  containers:\n"
        "  - name: kube-apiserver\n    command:\n    - kube-apiserver\n    - --profiling=false\n"
        "    # pinned by the platform team\n    image: registry.k8s.io/kube-apiserver:v1.30.4\n"
    )
    path = write(tmp_path, MANIFEST, text)
    new = harden_file(path).text
    lines = new.splitlines()
    comment = lines.index("    # pinned by the platform team")
    assert lines[comment + 1].startswith("    image:")
    assert lines[comment - 1].startswith("    - --")
