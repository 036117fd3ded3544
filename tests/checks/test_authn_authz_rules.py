"""Authentication (KW-AUTHN-*) and authorization (KW-AUTHZ-*) rules on every kube-apiserver input path.

Expectations follow upstream semantics (kube-apiserver option code and AuthenticationConfiguration /
AuthorizationConfiguration validation, v1.29-v1.34): the fixture image is v1.31.2, so the anonymous
block of a structured authentication configuration needs the AnonymousAuthConfigurableEndpoints gate
there; k3s/RKE2 configurations carry no version, so the 1.34 defaults are assumed for them.
"""

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.support.inventories import inventory_from_files, run_rule, verdicts
from tests.support.paths import APISERVER_PATHS, MANIFEST, UPSTREAM_DEFAULT_PATHS, apiserver_files, apiserver_inventory

from kubeward.findings import Finding
from kubeward.resolve.authentication import Issuer, Mapping, collision

SELF = "kube-apiserver/kube-apiserver (cp-1)"
AUTHN_PATH = "/etc/kubernetes/authn/authn.yaml"
AUTHZ_PATH = "/etc/kubernetes/authz/authz.yaml"
AUTHN_FLAG = f"--authentication-config={AUTHN_PATH}"
AUTHZ_FLAG = f"--authorization-config={AUTHZ_PATH}"
ANON_GATE = "--feature-gates=AnonymousAuthConfigurableEndpoints=true"
OIDC = ["--oidc-issuer-url=https://idp.example.com", "--oidc-client-id=kubernetes"]
ALL_RULES = [f"KW-AUTHN-{n:03d}" for n in range(1, 11)] + [f"KW-AUTHZ-{n:03d}" for n in range(1, 6)]


def one(tmp_path: Path, path: str, flags: list[str], rule_id: str, extra: dict[str, str] | None = None) -> Finding:
    """The single finding of ``rule_id`` for an API server with ``flags`` on input path ``path``."""
    findings = run_rule(apiserver_inventory(tmp_path, path, flags, extra), rule_id)
    assert len(findings) == 1, [(f.status, f.message) for f in findings]
    return findings[0]


def on_version(
    tmp_path: Path, flags: list[str], rule_id: str, version: str, extra: dict[str, str] | None = None
) -> Finding:
    """Like ``one`` on the static-pod path, with the kube-apiserver image at ``version``."""
    files = apiserver_files("command", flags, extra)
    files[MANIFEST] = files[MANIFEST].replace("v1.31.2", version)
    [finding] = run_rule(inventory_from_files(tmp_path, files), rule_id)
    return finding


def authn(body: str) -> dict[str, str]:
    return {AUTHN_PATH: "apiVersion: apiserver.config.k8s.io/v1beta1\nkind: AuthenticationConfiguration\n" + body}


def authz(body: str) -> dict[str, str]:
    return {AUTHZ_PATH: "apiVersion: apiserver.config.k8s.io/v1\nkind: AuthorizationConfiguration\n" + body}


def jwt(url: str = "https://idp.example.com", *, mappings: str = "", extra: str = "") -> dict[str, str]:
    mappings = mappings or (
        "    username:\n      claim: sub\n      prefix: 'oidc:'\n"
        "    groups:\n      claim: groups\n      prefix: 'oidc:'\n"
    )
    return authn(f"jwt:\n- issuer:\n    url: {url}\n    audiences: [kubernetes]\n  claimMappings:\n{mappings}{extra}")


HEALTH_ONLY = "anonymous:\n  enabled: true\n  conditions:\n  - path: /livez\n  - path: /readyz\n  - path: /healthz\n"


# --- KW-AUTHN-001 anonymous ----------------------------------------------------------------------


@pytest.mark.parametrize("path", APISERVER_PATHS)
def test_anonymous_absent_flag(tmp_path: Path, path: str) -> None:
    finding = one(tmp_path, path, ["--profiling=false"], "KW-AUTHN-001")
    if path in UPSTREAM_DEFAULT_PATHS:
        assert (finding.status, finding.evidence.value, finding.evidence.source) == ("fail", True, "default")
        assert "system:anonymous" in finding.message
    else:  # k3s and RKE2 pass --anonymous-auth=false themselves
        assert (finding.status, finding.evidence.value, finding.evidence.source) == ("pass", False, "default")
        assert path in finding.evidence.detail


@pytest.mark.parametrize("path", APISERVER_PATHS)
def test_anonymous_flag_false(tmp_path: Path, path: str) -> None:
    finding = one(tmp_path, path, ["--anonymous-auth=false"], "KW-AUTHN-001")
    assert (finding.status, finding.evidence.setting, finding.evidence.value, finding.evidence.source) == (
        "pass",
        "kube-apiserver --anonymous-auth",
        False,
        "flag",
    )


@pytest.mark.parametrize("path", APISERVER_PATHS)
def test_anonymous_structured_health_only(tmp_path: Path, path: str) -> None:
    finding = one(tmp_path, path, [AUTHN_FLAG, ANON_GATE], "KW-AUTHN-001", authn(HEALTH_ONLY))
    assert (finding.status, finding.evidence.source) == ("pass", "config-file")
    assert finding.evidence.setting == "kube-apiserver AuthenticationConfiguration anonymous"
    assert finding.message == "anonymous access is limited to /healthz, /livez, /readyz"
    assert finding.evidence.provenance is not None and finding.evidence.provenance.line == 3


@pytest.mark.parametrize("path", APISERVER_PATHS)
def test_anonymous_structured_file_missing(tmp_path: Path, path: str) -> None:
    finding = one(tmp_path, path, [AUTHN_FLAG], "KW-AUTHN-001")
    assert finding.status == "not_assessable"
    assert "is not among the inputs" in finding.message
    assert finding.evidence.setting == "kube-apiserver --authentication-config"


@pytest.mark.parametrize("path", APISERVER_PATHS)
def test_anonymous_flag_with_block_is_startup_error(tmp_path: Path, path: str) -> None:
    finding = one(tmp_path, path, [AUTHN_FLAG, ANON_GATE, "--anonymous-auth=false"], "KW-AUTHN-001", authn(HEALTH_ONLY))
    assert finding.status == "fail"
    assert "refuses to start" in finding.message


@pytest.mark.parametrize(
    ("anonymous", "status", "message"),
    [
        (HEALTH_ONLY, "pass", "limited to /healthz, /livez, /readyz"),
        ("anonymous:\n  enabled: true\n", "fail", "enabled for every path"),
        ("anonymous:\n  enabled: true\n  conditions:\n  - path: /healthz\n  - path: /api\n", "fail", "beyond health"),
        ("anonymous:\n  enabled: false\n", "pass", "disables anonymous access"),
        ("anonymous:\n  conditions:\n  - path: /livez\n", "fail", "without enabled: true"),
    ],
    ids=["health-only", "everywhere", "beyond-health", "disabled", "conditions-without-enabled"],
)
def test_anonymous_structured_on_1_32(tmp_path: Path, anonymous: str, status: str, message: str) -> None:
    finding = on_version(tmp_path, [AUTHN_FLAG], "KW-AUTHN-001", "v1.32.0", authn(anonymous))
    assert (finding.status, finding.evidence.source) == (status, "config-file")
    assert message in finding.message


def test_anonymous_block_needs_gate_on_1_31(tmp_path: Path) -> None:
    finding = on_version(tmp_path, [AUTHN_FLAG], "KW-AUTHN-001", "v1.31.2", authn(HEALTH_ONLY))
    assert finding.status == "fail"
    assert "AnonymousAuthConfigurableEndpoints" in finding.message
    assert "refuses the file" in finding.message


def test_anonymous_block_unknown_before_1_31(tmp_path: Path) -> None:
    finding = on_version(tmp_path, [AUTHN_FLAG, ANON_GATE], "KW-AUTHN-001", "v1.30.4", authn(HEALTH_ONLY))
    assert finding.status == "fail"
    assert "does not support" in finding.message


def test_anonymous_structured_follows_hostpath_mount(tmp_path: Path) -> None:
    files = apiserver_files("command", ["--authentication-config=/config/authn.yaml"])
    files[MANIFEST] = (
        files[MANIFEST]
        .replace("v1.31.2", "v1.32.0")
        .replace(
            "  hostNetwork: true\n",
            "  hostNetwork: true\n  volumes:\n  - name: authn\n    hostPath:\n      path: /etc/kubernetes/authn\n",
        )
    )
    files[MANIFEST] = files[MANIFEST].replace(
        "    - --authentication-config=/config/authn.yaml\n",
        "    - --authentication-config=/config/authn.yaml\n"
        "    volumeMounts:\n    - name: authn\n      mountPath: /config\n",
    )
    files["nodes/cp-1/etc/kubernetes/authn/authn.yaml"] = authn("anonymous:\n  enabled: false\n")[AUTHN_PATH]
    [finding] = run_rule(inventory_from_files(tmp_path, files), "KW-AUTHN-001")
    assert (finding.status, finding.evidence.source) == ("pass", "config-file")


def test_structured_config_without_anonymous_block_falls_back_to_flag(tmp_path: Path) -> None:
    finding = one(tmp_path, "command", [AUTHN_FLAG], "KW-AUTHN-001", authn("jwt: []\n"))
    assert (finding.status, finding.evidence.value, finding.evidence.source) == ("fail", True, "default")


# --- KW-AUTHN-002..005 token issuers --------------------------------------------------------------


@pytest.mark.parametrize("path", APISERVER_PATHS)
def test_issuer_prefixed_mappings_pass(tmp_path: Path, path: str) -> None:
    finding = one(tmp_path, path, [AUTHN_FLAG], "KW-AUTHN-002", jwt())
    assert (finding.status, finding.evidence.source) == ("pass", "config-file")
    assert finding.evidence.setting == "kube-apiserver AuthenticationConfiguration jwt[0] claimMappings"
    assert finding.evidence.value == {
        "username": {"claim": "sub", "prefix": "oidc:"},
        "groups": {"claim": "groups", "prefix": "oidc:"},
    }


@pytest.mark.parametrize("path", APISERVER_PATHS)
def test_issuer_unprefixed_groups_fail(tmp_path: Path, path: str) -> None:
    mappings = (
        "    username:\n      claim: sub\n      prefix: 'oidc:'\n    groups:\n      claim: groups\n      prefix: ''\n"
    )
    finding = one(tmp_path, path, [AUTHN_FLAG], "KW-AUTHN-002", jwt(mappings=mappings))
    assert finding.status == "fail"
    assert "groups from claim 'groups' is used without a prefix" in finding.message


@pytest.mark.parametrize("path", APISERVER_PATHS)
def test_issuer_file_missing_not_assessable(tmp_path: Path, path: str) -> None:
    for rule_id in ("KW-AUTHN-002", "KW-AUTHN-003", "KW-AUTHN-004", "KW-AUTHN-005", "KW-AUTHN-008"):
        finding = one(tmp_path / rule_id, path, [AUTHN_FLAG], rule_id)
        assert finding.status == "not_assessable", rule_id
        assert "is not among the inputs" in finding.message


@pytest.mark.parametrize(
    ("mappings", "extra", "status", "message"),
    [
        ("    username:\n      claim: sub\n      prefix: 'system:'\n", "", "fail", "into the system: namespace"),
        ("    username:\n      claim: sub\n      prefix: sys\n", "", "fail", "into the system: namespace"),
        ("    username:\n      expression: \"'oidc:' + claims.sub\"\n", "", "pass", "cannot take system: names"),
        ("    username:\n      expression: claims.sub\n", "", "fail", "not provably prefixed"),
        (
            "    username:\n      claim: email\n      prefix: ''\n",
            "  userValidationRules:\n  - expression: \"!user.username.startsWith('system:')\"\n",
            "pass",
            "cannot take system: names",
        ),
    ],
    ids=["system-prefix", "partial-system-prefix", "literal-expression", "bare-expression", "guarded"],
)
def test_issuer_collision_shapes(tmp_path: Path, mappings: str, extra: str, status: str, message: str) -> None:
    finding = one(tmp_path, "command", [AUTHN_FLAG], "KW-AUTHN-002", jwt(mappings=mappings, extra=extra))
    assert finding.status == status
    assert message in finding.message


@pytest.mark.parametrize(
    ("flags", "status", "message"),
    [
        ([*OIDC, "--oidc-groups-claim=groups"], "fail", "groups from claim 'groups' is used without a prefix"),
        ([*OIDC, "--oidc-groups-claim=groups", "--oidc-groups-prefix=oidc:"], "pass", "cannot take system: names"),
        ([*OIDC, "--oidc-username-prefix=-"], "fail", "username from claim 'sub' is used without a prefix"),
        ([*OIDC, "--oidc-username-claim=email"], "pass", "cannot take system: names"),
        (OIDC, "pass", "cannot take system: names"),  # default prefix is "<issuer>#"
    ],
    ids=["groups-no-prefix", "groups-prefix", "username-dash", "email", "default-username-prefix"],
)
def test_legacy_oidc_collision(tmp_path: Path, flags: list[str], status: str, message: str) -> None:
    finding = one(tmp_path, "command", flags, "KW-AUTHN-002")
    assert (finding.status, finding.evidence.source) == (status, "flag")
    assert finding.evidence.setting == "kube-apiserver --oidc-* flags claimMappings"
    assert message in finding.message


def test_no_issuer_is_not_applicable(tmp_path: Path) -> None:
    for rule_id in ("KW-AUTHN-002", "KW-AUTHN-003", "KW-AUTHN-005"):
        finding = one(tmp_path / rule_id, "command", ["--anonymous-auth=false"], rule_id)
        assert finding.status == "not_applicable"
        assert "no JWT authenticator" in finding.message


@given(prefix=st.text(alphabet="abcdefghijklmnopqrstuvwxyz:-#/", min_size=1, max_size=12))
def test_collision_property_for_fixed_prefixes(prefix: str) -> None:
    issuer = Issuer(source="x", url="https://idp", audiences=("a",), provenance=None, username=Mapping("sub", prefix))
    system_like = prefix.startswith("system:") or "system:".startswith(prefix)
    assert bool(collision(issuer, "username")) == system_like


@pytest.mark.parametrize("path", APISERVER_PATHS)
def test_public_issuer_without_claim_rules(tmp_path: Path, path: str) -> None:
    finding = one(tmp_path, path, [AUTHN_FLAG], "KW-AUTHN-003", jwt("https://token.actions.githubusercontent.com"))
    assert (finding.status, finding.evidence.value, finding.evidence.source) == ("fail", 0, "config-file")
    assert "any of its users authenticates" in finding.message


@pytest.mark.parametrize(
    ("url", "extra", "status"),
    [
        (
            "https://token.actions.githubusercontent.com",
            "  claimValidationRules:\n  - expression: \"claims.repository_owner == 'my-org'\"\n",
            "pass",
        ),
        ("https://idp.example.com", "", "pass"),
    ],
    ids=["pinned", "private"],
)
def test_public_issuer_pass(tmp_path: Path, url: str, extra: str, status: str) -> None:
    assert one(tmp_path, "command", [AUTHN_FLAG], "KW-AUTHN-003", jwt(url, extra=extra)).status == status


def test_public_issuer_legacy_required_claim(tmp_path: Path) -> None:
    flags = ["--oidc-issuer-url=https://accounts.google.com", "--oidc-client-id=k8s"]
    assert one(tmp_path / "a", "command", flags, "KW-AUTHN-003").status == "fail"
    finding = one(tmp_path / "b", "command", [*flags, "--oidc-required-claim=hd=example.com"], "KW-AUTHN-003")
    assert (finding.status, finding.evidence.setting) == ("pass", "kube-apiserver --oidc-* flags --oidc-required-claim")


@pytest.mark.parametrize("path", APISERVER_PATHS)
def test_issuer_config_valid(tmp_path: Path, path: str) -> None:
    finding = one(tmp_path, path, [AUTHN_FLAG], "KW-AUTHN-004", jwt())
    assert (finding.status, finding.evidence.value) == (
        "pass",
        {"url": "https://idp.example.com", "audiences": ["kubernetes"]},
    )


@pytest.mark.parametrize("path", APISERVER_PATHS)
def test_issuer_config_http_issuer(tmp_path: Path, path: str) -> None:
    finding = one(tmp_path, path, [AUTHN_FLAG], "KW-AUTHN-004", jwt("http://idp.example.com"))
    assert finding.status == "fail"
    assert "is not https" in finding.message


@pytest.mark.parametrize(
    ("flags", "extra", "message"),
    [
        (
            [AUTHN_FLAG],
            authn(
                "jwt:\n- issuer:\n    url: https://idp\n"
                "  claimMappings:\n    username:\n      claim: sub\n      prefix: ''\n"
            ),
            "audiences is empty",
        ),
        ([AUTHN_FLAG], jwt(mappings="    username:\n      claim: sub\n"), "without claimMappings.username.prefix"),
        ([AUTHN_FLAG, *OIDC], jwt(), "cannot be combined with --oidc-issuer-url, --oidc-client-id"),
        (["--oidc-client-id=k8s"], {}, "given without --oidc-issuer-url"),
        (["--oidc-issuer-url=https://idp"], {}, "without --oidc-client-id"),
    ],
    ids=["no-audience", "no-prefix", "both-forms", "client-id-only", "issuer-only"],
)
def test_issuer_config_startup_errors(tmp_path: Path, flags: list[str], extra: dict[str, str], message: str) -> None:
    finding = one(tmp_path, "command", flags, "KW-AUTHN-004", extra)
    assert finding.status == "fail"
    assert message in finding.message
    assert "refuses" in finding.message


def test_structured_authentication_needs_1_29(tmp_path: Path) -> None:
    finding = on_version(tmp_path, [AUTHN_FLAG], "KW-AUTHN-004", "v1.28.9", jwt())
    assert finding.status == "fail"
    assert "StructuredAuthenticationConfiguration" in finding.message


@pytest.mark.parametrize(
    ("url", "extra", "status"),
    [
        ("https://idp.example.com", "", "fail"),
        ("https://token.actions.githubusercontent.com", "", "pass"),
    ],
    ids=["private-no-ca", "public"],
)
def test_issuer_ca(tmp_path: Path, url: str, extra: str, status: str) -> None:
    finding = one(tmp_path, "command", [AUTHN_FLAG], "KW-AUTHN-005", jwt(url, extra=extra))
    assert (finding.status, finding.evidence.value) == (status, False)
    assert finding.severity == "info"


def test_issuer_ca_pinned(tmp_path: Path) -> None:
    config = jwt()
    config[AUTHN_PATH] = config[AUTHN_PATH].replace(
        "    audiences: [kubernetes]\n", "    audiences: [kubernetes]\n    certificateAuthority: PEM\n"
    )
    finding = one(tmp_path, "command", [AUTHN_FLAG], "KW-AUTHN-005", config)
    assert (finding.status, finding.evidence.value) == ("pass", True)
    legacy = one(tmp_path / "legacy", "command", [*OIDC, "--oidc-ca-file=/etc/idp-ca.crt"], "KW-AUTHN-005")
    assert (legacy.status, legacy.evidence.setting) == ("pass", "kube-apiserver --oidc-* flags --oidc-ca-file")


# --- KW-AUTHN-006..008 static credentials and client certificates ---------------------------------


@pytest.mark.parametrize("path", APISERVER_PATHS)
def test_token_auth_file(tmp_path: Path, path: str) -> None:
    bad = one(tmp_path / "bad", path, ["--token-auth-file=/etc/kubernetes/tokens.csv"], "KW-AUTHN-006")
    assert (bad.status, bad.evidence.value, bad.evidence.source) == ("fail", "/etc/kubernetes/tokens.csv", "flag")
    good = one(tmp_path / "good", path, ["--anonymous-auth=false"], "KW-AUTHN-006")
    assert (good.status, good.evidence.value, good.evidence.source) == ("pass", None, "default")


@pytest.mark.parametrize("path", APISERVER_PATHS)
def test_basic_auth_file(tmp_path: Path, path: str) -> None:
    bad = one(tmp_path / "bad", path, ["--basic-auth-file=/etc/kubernetes/users.csv"], "KW-AUTHN-007")
    assert (bad.status, bad.evidence.source) == ("fail", "flag")
    assert "removed in 1.19" in bad.message
    assert one(tmp_path / "good", path, [], "KW-AUTHN-007").status == "pass"


def test_basic_auth_file_before_removal(tmp_path: Path) -> None:
    finding = on_version(tmp_path, ["--basic-auth-file=/etc/kubernetes/users.csv"], "KW-AUTHN-007", "v1.18.20")
    assert finding.status == "fail"
    assert "plaintext passwords" in finding.message


@pytest.mark.parametrize("path", APISERVER_PATHS)
def test_client_certificates_only(tmp_path: Path, path: str) -> None:
    finding = one(tmp_path, path, ["--anonymous-auth=false"], "KW-AUTHN-008")
    assert (finding.status, finding.evidence.setting, finding.evidence.source) == (
        "fail",
        "kube-apiserver --oidc-issuer-url",
        "default",
    )
    assert "cannot be revoked" in finding.message


@pytest.mark.parametrize(
    ("flags", "extra", "message"),
    [
        ([AUTHN_FLAG], jwt(), "1 JWT authenticator(s)"),
        (OIDC, {}, "OIDC tokens are accepted"),
        (["--authentication-token-webhook-config-file=/etc/kubernetes/webhook.yaml"], {}, "authentication webhook"),
    ],
    ids=["jwt", "oidc-flags", "webhook"],
)
@pytest.mark.parametrize("path", APISERVER_PATHS)
def test_token_authenticator_for_people(
    tmp_path: Path, path: str, flags: list[str], extra: dict[str, str], message: str
) -> None:
    finding = one(tmp_path, path, flags, "KW-AUTHN-008", extra)
    assert finding.status == "pass"
    assert message in finding.message


# --- KW-AUTHN-009..010 service-account tokens ------------------------------------------------------


@pytest.mark.parametrize("path", APISERVER_PATHS)
def test_service_account_lookup(tmp_path: Path, path: str) -> None:
    bad = one(tmp_path / "bad", path, ["--service-account-lookup=false"], "KW-AUTHN-009")
    assert (bad.status, bad.evidence.value, bad.evidence.source) == ("fail", False, "flag")
    good = one(tmp_path / "good", path, [], "KW-AUTHN-009")
    assert (good.status, good.evidence.value, good.evidence.source) == ("pass", True, "default")


def test_service_account_lookup_invalid(tmp_path: Path) -> None:
    finding = one(tmp_path, "command", ["--service-account-lookup=maybe"], "KW-AUTHN-009")
    assert finding.status == "fail"
    assert "will not start" in finding.message


SA_FLAGS = [
    "--service-account-key-file=/etc/kubernetes/pki/sa.pub",
    "--service-account-signing-key-file=/etc/kubernetes/pki/sa.key",
    "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
]


@pytest.mark.parametrize("path", APISERVER_PATHS)
def test_service_account_keys_set(tmp_path: Path, path: str) -> None:
    finding = one(tmp_path, path, SA_FLAGS, "KW-AUTHN-010")
    assert (finding.status, finding.evidence.value, finding.evidence.source) == (
        "pass",
        ["/etc/kubernetes/pki/sa.pub"],
        "flag",
    )


@pytest.mark.parametrize("path", APISERVER_PATHS)
def test_service_account_keys_missing(tmp_path: Path, path: str) -> None:
    finding = one(tmp_path, path, ["--anonymous-auth=false"], "KW-AUTHN-010")
    if path in ("command", "args", "mirror-pod", "live"):
        assert finding.status == "fail"
        assert finding.evidence.setting == "kube-apiserver --service-account-key-file"
        assert "--service-account-issuer not set (required since 1.20)" in finding.message
        assert "refuses to start" in finding.message
    else:  # kubeadm, k3s and RKE2 pass all three flags themselves
        assert (finding.status, finding.evidence.source) == ("pass", "default")


def test_service_account_key_file_only_missing(tmp_path: Path) -> None:
    finding = one(tmp_path, "command", SA_FLAGS[1:], "KW-AUTHN-010")
    assert finding.status == "fail"
    assert "verified with --tls-private-key-file" in finding.message
    assert "refuses to start" not in finding.message


def test_service_account_issuer_before_1_20(tmp_path: Path) -> None:
    finding = on_version(tmp_path, SA_FLAGS[:1], "KW-AUTHN-010", "v1.19.16")
    assert finding.status == "fail"
    assert "refuses to start" not in finding.message


# --- KW-AUTHZ-001..005 ------------------------------------------------------------------------------


def authz_rules(path: str) -> list[str]:
    """AUTHZ rules that judge a structured configuration on ``path``.

    KW-AUTHZ-004 is left out on the kubeadm path: the kubeadm loader (inputs/kubeadm.py) keeps its
    generated --authorization-mode=Node,RBAC next to a user's --authorization-config extraArg, so
    the rule reports the flag conflict there; whether kubeadm drops its default in that case is not
    settled here (reported to the lead).
    """
    rules = ["KW-AUTHZ-001", "KW-AUTHZ-002", "KW-AUTHZ-003", "KW-AUTHZ-004", "KW-AUTHZ-005"]
    return [r for r in rules if not (path == "kubeadm" and r == "KW-AUTHZ-004")]


NODE_RBAC = authz("authorizers:\n- type: Node\n  name: node\n- type: RBAC\n  name: rbac\n")


@pytest.mark.parametrize("path", APISERVER_PATHS)
def test_authorization_mode_flag(tmp_path: Path, path: str) -> None:
    flags = ["--authorization-mode=RBAC,AlwaysAllow"]
    results = {r: one(tmp_path / r, path, flags, r) for r in ("KW-AUTHZ-001", "KW-AUTHZ-002", "KW-AUTHZ-003")}
    assert {r: f.status for r, f in results.items()} == {
        "KW-AUTHZ-001": "fail",
        "KW-AUTHZ-002": "pass",
        "KW-AUTHZ-003": "fail",
    }
    for finding in results.values():
        assert (finding.evidence.value, finding.evidence.source) == (["RBAC", "AlwaysAllow"], "flag")


@pytest.mark.parametrize("path", APISERVER_PATHS)
def test_authorization_mode_absent(tmp_path: Path, path: str) -> None:
    finding = one(tmp_path, path, ["--anonymous-auth=false"], "KW-AUTHZ-001")
    if path in ("command", "args", "mirror-pod", "live"):
        assert (finding.status, finding.evidence.value, finding.evidence.source) == ("fail", ["AlwaysAllow"], "default")
    else:  # kubeadm, k3s and RKE2 pass --authorization-mode=Node,RBAC
        assert (finding.status, finding.evidence.value, finding.evidence.source) == (
            "pass",
            ["Node", "RBAC"],
            "default",
        )


@pytest.mark.parametrize("path", APISERVER_PATHS)
def test_structured_authorization_pass(tmp_path: Path, path: str) -> None:
    for rule_id in authz_rules(path):
        finding = one(tmp_path / rule_id, path, [AUTHZ_FLAG], rule_id, NODE_RBAC)
        assert finding.status == "pass", (rule_id, finding.message)
        assert (finding.evidence.value, finding.evidence.source) == (["Node", "RBAC"], "config-file")
        assert finding.evidence.setting == "kube-apiserver AuthorizationConfiguration authorizers"


@pytest.mark.parametrize("path", APISERVER_PATHS)
def test_structured_authorization_always_allow(tmp_path: Path, path: str) -> None:
    config = authz(
        "authorizers:\n- type: Webhook\n  name: w\n  webhook:\n    failurePolicy: NoOpinion\n"
        "- type: AlwaysAllow\n  name: all\n"
    )
    results = {
        r: one(tmp_path / r, path, [AUTHZ_FLAG], r, config)
        for r in ("KW-AUTHZ-001", "KW-AUTHZ-002", "KW-AUTHZ-003", "KW-AUTHZ-005")
    }
    assert {r: f.status for r, f in results.items()} == {
        "KW-AUTHZ-001": "fail",
        "KW-AUTHZ-002": "fail",
        "KW-AUTHZ-003": "fail",
        "KW-AUTHZ-005": "fail",
    }
    assert results["KW-AUTHZ-001"].message == "authorizer chain Webhook,AlwaysAllow includes AlwaysAllow"
    assert results["KW-AUTHZ-005"].evidence.value == "NoOpinion"


@pytest.mark.parametrize("path", APISERVER_PATHS)
def test_structured_authorization_file_missing(tmp_path: Path, path: str) -> None:
    for rule_id in authz_rules(path):
        finding = one(tmp_path / rule_id, path, [AUTHZ_FLAG], rule_id)
        assert finding.status == "not_assessable", rule_id
        assert "is not among the inputs" in finding.message
        assert finding.evidence.setting == "kube-apiserver --authorization-config"


@pytest.mark.parametrize("path", ("command", "args", "mirror-pod", "live"))
def test_authorization_mode_and_config_conflict(tmp_path: Path, path: str) -> None:
    finding = one(tmp_path, path, [AUTHZ_FLAG, "--authorization-mode=Node,RBAC"], "KW-AUTHZ-004", NODE_RBAC)
    assert finding.status == "fail"
    assert "both set" in finding.message


def test_authorization_webhook_flags_conflict(tmp_path: Path) -> None:
    flags = [AUTHZ_FLAG, "--authorization-webhook-config-file=/etc/kubernetes/authz-webhook.yaml"]
    finding = one(tmp_path, "command", flags, "KW-AUTHZ-004", NODE_RBAC)
    assert finding.status == "fail"
    assert "--authorization-webhook-config-file cannot be combined" in finding.message


def test_structured_authorization_needs_1_29(tmp_path: Path) -> None:
    finding = on_version(tmp_path, [AUTHZ_FLAG], "KW-AUTHZ-004", "v1.28.9", NODE_RBAC)
    assert finding.status == "fail"
    assert "StructuredAuthorizationConfiguration" in finding.message


def test_authorization_mode_only_is_valid(tmp_path: Path) -> None:
    finding = one(tmp_path, "command", ["--authorization-mode=Node,RBAC"], "KW-AUTHZ-004")
    assert finding.status == "pass"


@pytest.mark.parametrize(
    ("webhook", "status", "message"),
    [
        (
            "    failurePolicy: Deny\n    matchConditions:\n"
            "    - expression: \"!('system:masters' in request.groups)\"\n",
            "pass",
            "fails closed",
        ),
        ("    failurePolicy: Deny\n", "pass", "no matchConditions"),
        ("    failurePolicy: NoOpinion\n", "fail", "is skipped when it fails"),
    ],
    ids=["deny-scoped", "deny-everything", "no-opinion"],
)
def test_webhook_failure_policy(tmp_path: Path, webhook: str, status: str, message: str) -> None:
    config = authz(
        f"authorizers:\n- type: Node\n  name: node\n- type: Webhook\n  name: guard\n  webhook:\n{webhook}"
        "- type: RBAC\n  name: rbac\n"
    )
    finding = one(tmp_path, "command", [AUTHZ_FLAG], "KW-AUTHZ-005", config)
    assert finding.status == status
    assert message in finding.message
    assert finding.evidence.setting == "kube-apiserver AuthorizationConfiguration authorizers.1.webhook.failurePolicy"


# --- inputs missing and managed providers -----------------------------------------------------------


def test_no_apiserver_input_is_not_assessable(tmp_path: Path) -> None:
    files = {"dump/ns.yaml": "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n"}
    inventory = inventory_from_files(tmp_path, files)
    for rule_id in ALL_RULES:
        findings = run_rule(inventory, rule_id)
        assert verdicts(findings) == [("not_assessable", "Cluster/test")], rule_id
        assert "no kube-apiserver configuration" in findings[0].message


def test_managed_provider_is_not_applicable(tmp_path: Path) -> None:
    eks = '{"cluster": {"name": "prod", "arn": "arn:aws:eks:eu-west-1:111122223333:cluster/prod", "version": "1.30"}}'
    inventory = inventory_from_files(tmp_path, {"eks.json": eks})
    for rule_id in ALL_RULES:
        findings = run_rule(inventory, rule_id)
        assert [f.status for f in findings] == ["not_applicable"], rule_id
