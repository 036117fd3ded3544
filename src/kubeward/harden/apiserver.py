"""``kubeward harden apiserver``: the kube-apiserver flags, files and mounts that clear the control-plane rules.

The generator is a pure function: the text of the input (a static pod manifest, a kubeadm
``ClusterConfiguration`` or a k3s/RKE2 ``config.yaml``), the API server as kubeward resolved it from
that text (``EffectiveApiServer``: effective flags, version, mounts) and the options give the new
text plus the files the new flags point at. Decisions are made once, on effective values, as a list
of flag edits and mounts (``ApiServerPlan``); each input form then only writes those edits its way.

What it sets, and the rules it clears (only where the effective value fails the rule, so an already
hardened input gives an empty diff):

* anonymous requests: ``--anonymous-auth=false`` (KW-AUTHN-001); from 1.34, when structured
  authentication and ``AnonymousAuthConfigurableEndpoints`` are on, an ``AuthenticationConfiguration``
  whose ``anonymous`` block serves only ``/healthz``, ``/livez`` and ``/readyz`` (the flag and the
  block are mutually exclusive upstream, so the flag is removed);
* people: OIDC from the existing ``--oidc-*`` flags and the options, as flags with ``oidc:`` username
  and group prefixes, or as a ``jwt`` authenticator of an ``AuthenticationConfiguration`` (with user
  validation rules refusing ``system:`` names) when structured authentication is available
  (KW-AUTHN-002/004); ``--token-auth-file`` and ``--basic-auth-file`` are removed (KW-AUTHN-006/007);
* authorization ``Node,RBAC`` instead of ``AlwaysAllow`` (KW-AUTHZ-001..003);
* audit: ``--audit-policy-file`` with a policy of the chosen profile, ``--audit-log-path``, retention
  30 days / 10 files / 100 MB, and the hostPath mounts (policy read-only, log directory writable)
  in the shape KW-AUDIT-006/007 assess (KW-AUDIT-001..007);
* admission: ``NodeRestriction`` merged into ``--enable-admission-plugins``, ``AlwaysAdmit`` removed,
  the default-on plugins the rules need removed from ``--disable-admission-plugins`` (KW-ADM-001..007);
  optionally a Pod Security default through ``--admission-control-config-file`` (KW-ADM-009);
* exposure and TLS: ``--profiling=false`` (KW-NET-001), ``--bind-address`` = ``--advertise-address``
  (KW-NET-002), ``--kubelet-certificate-authority`` = ``--client-ca-file`` (KW-TLS-004);
* availability: APF on, in-flight limits positive (KW-APF-001/002).

Refused, with nothing written (``HardenError``): no kube-apiserver container, an unknown version
(give ``kubernetes_version``) or one outside 1.24-1.34, ``--authentication-config`` together with
``--oidc-*`` flags, ``--anonymous-auth`` together with an ``anonymous`` block, admission flags
kube-apiserver itself refuses, an ``--authentication-config`` file the inputs do not have.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from posixpath import dirname
from typing import Any, Literal

import msgspec
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from kubeward.audit.policy.profiles import PROFILES
from kubeward.audit.policy.profiles import render as render_policy
from kubeward.harden.yamledit import RoundTrip, YamlEditError, child_map, child_seq
from kubeward.inventory.components import ApiServerInstance
from kubeward.resolve.admission import AdmissionChain
from kubeward.resolve.apiserver import ASSUMED_MINOR, EffectiveApiServer
from kubeward.resolve.authentication import OIDC_FLAGS, oidc_flags_set
from kubeward.resolve.feature_gates import ANONYMOUS_ENDPOINTS, STRUCTURED_AUTHENTICATION, gate_problem
from kubeward.resolve.setting import minor_version

MIN_MINOR = 24
HEALTH_PATHS = ("/healthz", "/livez", "/readyz")
OIDC_PREFIX = "oidc:"
# Default-on plugins the admission rules require; a --disable-admission-plugins entry for them is dropped.
REQUIRED_DEFAULT_ON = ("NamespaceLifecycle", "LimitRanger", "ServiceAccount", "ResourceQuota", "PodSecurity")
POD_SECURITY_LEVELS = ("privileged", "baseline", "restricted")

OidcMode = Literal["auto", "flags", "structured"]


class HardenError(Exception):
    """The input cannot be hardened as asked; nothing is written (exit code 2)."""


@dataclass(frozen=True)
class OidcOptions:
    """An OIDC issuer for people (``--oidc-*`` style), merged over the one the input already trusts."""

    issuer_url: str = ""
    client_id: str = ""
    username_claim: str = ""
    groups_claim: str = ""
    ca_file: str = ""  # host path of the issuer's CA bundle (flags form)
    prefix: str = ""  # "": keep a safe prefix already in use, else OIDC_PREFIX


@dataclass(frozen=True)
class ApiServerOptions:
    """What ``harden apiserver`` may decide for the user."""

    oidc: OidcOptions = OidcOptions()
    oidc_mode: OidcMode = "auto"
    audit_profile: str = "recommended"
    audit_policy_path: str = ""
    audit_log_path: str = ""
    authentication_config_path: str = ""
    admission_config_path: str = ""
    pod_security_default: str = ""
    kubernetes_version: str = ""
    bind_address: str = ""


@dataclass(frozen=True)
class FlagEdit:
    """Set ``--name=value`` (replacing every occurrence), or remove it when ``value`` is None."""

    name: str
    value: str | None
    why: str


@dataclass(frozen=True)
class Mount:
    """A hostPath volume and its mount at the same path (kubeadm's convention)."""

    name: str
    path: str
    read_only: bool


@dataclass
class ApiServerPlan:
    """Everything ``harden apiserver`` changes, decided on effective values."""

    edits: list[FlagEdit] = field(default_factory=list)
    mounts: list[Mount] = field(default_factory=list)
    writable: list[str] = field(default_factory=list)  # existing mount paths to turn writable
    files: dict[str, str] = field(default_factory=dict)  # host path -> text
    notes: list[str] = field(default_factory=list)

    def set(self, name: str, value: str, why: str) -> None:
        """Record ``--name=value``."""
        self.edits = [e for e in self.edits if e.name != name]
        self.edits.append(FlagEdit(name, value, why))

    def remove(self, name: str, why: str) -> None:
        """Record the removal of ``--name``."""
        self.edits = [e for e in self.edits if e.name != name]
        self.edits.append(FlagEdit(name, None, why))


@dataclass(frozen=True)
class HardenedFile:
    """The input's new text and the new or changed files its flags point at (host path -> text)."""

    text: str
    files: Mapping[str, str]
    plan: ApiServerPlan


# --- deciding ---------------------------------------------------------------------------------------


def check_version(api: EffectiveApiServer, override: str = "") -> EffectiveApiServer:
    """The API server with a known, supported version, or HardenError."""
    if override:
        if minor_version(override if override.startswith("v") else f"v{override}") is None:
            raise HardenError(f"--kubernetes-version {override!r} is not a Kubernetes version such as v1.30.4")
        version = override if override.startswith("v") else f"v{override}"
        api = replace(api, instance=msgspec.structs.replace(api.instance, version=version))
    if api.minor is None:
        raise HardenError(
            "the Kubernetes version of this kube-apiserver is unknown (no image tag, no kubernetesVersion): "
            "give --kubernetes-version, since the flags to write depend on it"
        )
    if not MIN_MINOR <= api.minor <= ASSUMED_MINOR:
        raise HardenError(
            f"kube-apiserver {api.version} is outside the versions kubeward knows the defaults and feature gates "
            f"of (1.{MIN_MINOR} to 1.{ASSUMED_MINOR}); nothing was written"
        )
    return api


def plan_apiserver(
    api: EffectiveApiServer,
    options: ApiServerOptions,
    read_host_file: Callable[[str], str | None] = lambda _path: None,
) -> ApiServerPlan:
    """Decide the flag edits, mounts and files. ``read_host_file`` reads a file of the API server's
    node (by host path), for an existing ``--authentication-config`` and the OIDC CA to inline.
    """
    api = check_version(api, options.kubernetes_version)
    _refuse_conflicts(api)
    plan = ApiServerPlan()
    in_pod = api.instance.origin in ("static-pod", "kubeadm-config", "mirror-pod")
    paths = _default_paths(api, options)
    _authentication(api, options, plan, paths, read_host_file)
    _authorization(api, plan)
    _audit(api, options, plan, paths)
    _admission(api, options, plan, paths)
    _exposure(api, options, plan)
    _availability(api, plan)
    if in_pod:
        _mounts(api, plan)
    return plan


def _refuse_conflicts(api: EffectiveApiServer) -> None:
    oidc = oidc_flags_set(api)
    if api.is_set("authentication-config") and oidc:
        raise HardenError(
            f"--authentication-config and {', '.join(oidc)} are both set; kube-apiserver refuses to start with both "
            "(move the issuer into the AuthenticationConfiguration's jwt list)"
        )
    problems = AdmissionChain(api).problems
    if problems:
        raise HardenError("conflicting admission flags: " + "; ".join(problems))
    for name in ("anonymous-auth", "profiling", "enable-priority-and-fairness"):
        values = {f.value for f in api.instance.flags if f.name == name}
        if len(values) > 1:
            raise HardenError(
                f"--{name} is given {len(values)} times with different values ({', '.join(sorted(values))}); "
                "resolve which one is meant first"
            )


def _default_paths(api: EffectiveApiServer, options: ApiServerOptions) -> dict[str, str]:
    origin = api.instance.origin
    if origin in ("k3s", "rke2"):
        base = f"/etc/rancher/{origin}"
        defaults = {
            "policy": f"{base}/audit-policy.yaml",
            "log": f"/var/lib/rancher/{origin}/server/logs/audit.log",
            "authn": f"{base}/authentication.yaml",
            "admission": f"{base}/admission.yaml",
        }
    else:
        defaults = {
            "policy": "/etc/kubernetes/audit/policy.yaml",
            "log": "/var/log/kubernetes/audit/audit.log",
            "authn": "/etc/kubernetes/authn/authentication.yaml",
            "admission": "/etc/kubernetes/admission/admission.yaml",
        }
    return {
        "policy": options.audit_policy_path or defaults["policy"],
        "log": options.audit_log_path or defaults["log"],
        "authn": options.authentication_config_path or defaults["authn"],
        "admission": options.admission_config_path or defaults["admission"],
    }


def _authentication(
    api: EffectiveApiServer,
    options: ApiServerOptions,
    plan: ApiServerPlan,
    paths: dict[str, str],
    read_host_file: Callable[[str], str | None],
) -> None:
    for legacy in ("token-auth-file", "basic-auth-file"):
        if api.is_set(legacy):
            plan.remove(legacy, f"--{legacy} credentials never expire and cannot be revoked (KW-AUTHN-006/007)")
            plan.notes.append(
                f"removed --{legacy}: clients that used its tokens or passwords must move to OIDC or "
                "short-lived service-account tokens before this change is rolled out"
            )
    structured_ok = not gate_problem(api, STRUCTURED_AUTHENTICATION, "--authentication-config")
    anonymous_structured = (
        structured_ok
        and api.effective_minor >= 34
        and not gate_problem(api, ANONYMOUS_ENDPOINTS, "anonymous conditions")
    )
    existing_path = str(api.flag("authentication-config").value or "") if api.is_set("authentication-config") else ""
    config: CommentedMap | None = None
    config_rt: RoundTrip | None = None
    host_path = ""
    if existing_path:
        host_path = api.host_path(existing_path)
        text = read_host_file(host_path)
        if text is None:
            raise HardenError(
                f"--authentication-config={existing_path} is not among the inputs (looked for {host_path} on the "
                "node); give --root so the file can be read and edited"
            )
        try:
            config_rt = RoundTrip(text)
        except YamlEditError as exc:
            raise HardenError(f"{host_path}: {exc}") from exc
        found = next(iter(config_rt.mappings()), None)
        if found is None or found.get("kind") != "AuthenticationConfiguration":
            raise HardenError(f"{host_path} is not an AuthenticationConfiguration")
        config = found
        if "anonymous" in config and api.is_set("anonymous-auth"):
            raise HardenError(
                f"--anonymous-auth and the anonymous block of {host_path} are both set; kube-apiserver refuses "
                "to start with both (remove one)"
            )

    issuer = _issuer(api, options)
    mode = options.oidc_mode
    if mode == "structured" and not structured_ok and config is None:
        raise HardenError(gate_problem(api, STRUCTURED_AUTHENTICATION, "--authentication-config"))
    ca_pem = ""
    if issuer is not None and issuer.ca_file:
        ca_pem = read_host_file(api.host_path(issuer.ca_file)) or ""
    wants_config = config is not None or (
        structured_ok
        and mode != "flags"
        and (mode == "structured" or anonymous_structured or (issuer is not None and options.oidc.issuer_url != ""))
    )
    if wants_config and config is None and issuer is not None and issuer.ca_file and not ca_pem:
        if mode == "structured":
            raise HardenError(
                f"the issuer's CA {issuer.ca_file} must be inlined into the AuthenticationConfiguration but is not "
                "among the inputs; give --root (or --oidc-mode flags)"
            )
        wants_config = False
        plan.notes.append(
            f"kept the --oidc-* flags: the issuer's CA {issuer.ca_file} is not among the inputs, so it cannot be "
            "inlined into a structured AuthenticationConfiguration"
        )

    if not wants_config:
        if api.flag("anonymous-auth").value is not False:
            plan.set("anonymous-auth", "false", "anonymous requests are refused (KW-AUTHN-001)")
        if issuer is not None:
            _oidc_flags(api, issuer, plan)
        return

    if config is None:
        config_rt = RoundTrip(_new_authentication_config(api))
        config = next(iter(config_rt.mappings()))
        host_path = api.host_path(paths["authn"])
        plan.set("authentication-config", paths["authn"], "structured authentication configuration")
    assert config_rt is not None
    if "anonymous" in config:
        _anonymous_block(config)
    elif anonymous_structured:
        if api.is_set("anonymous-auth"):
            plan.remove("anonymous-auth", "replaced by the anonymous block limited to health endpoints")
        _anonymous_block(config)
        plan.notes.append("anonymous requests are served only for " + ", ".join(HEALTH_PATHS) + " (KW-AUTHN-001)")
    elif api.flag("anonymous-auth").value is not False:
        plan.set("anonymous-auth", "false", "anonymous requests are refused (KW-AUTHN-001)")
    if issuer is not None:
        _jwt(config, issuer, ca_pem)
        for name in OIDC_FLAGS:
            if api.is_set(name):
                plan.remove(name, "the issuer moves into the AuthenticationConfiguration jwt list")
    _guard_jwt_prefixes(config)
    text = config_rt.dump()
    if text != (read_host_file(host_path) if existing_path else None):
        plan.files[host_path] = text
    if issuer is not None:
        plan.notes.append(f"{issuer.describe()}: RBAC bindings must name them so (kubeward harden rbac)")


@dataclass(frozen=True)
class _Issuer:
    url: str
    client_id: str
    username_claim: str
    groups_claim: str
    ca_file: str
    username_prefix: str | None  # None: leave the username unprefixed (email claim of the flags: safe)
    groups_prefix: str

    def describe(self) -> str:
        """How people from this issuer are named."""
        user = f"{self.username_prefix or ''}<{self.username_claim}>"
        groups = f" with groups {self.groups_prefix}<group>" if self.groups_claim else ""
        return f"people from {self.url} become {user}{groups}"


def _safe_prefix(prefix: str) -> bool:
    return bool(prefix) and prefix != "-" and not ("system:".startswith(prefix) or prefix.startswith("system:"))


def _issuer(api: EffectiveApiServer, options: ApiServerOptions) -> _Issuer | None:
    given = options.oidc

    existing = str(api.flag("oidc-issuer-url").value or "") if api.is_set("oidc-issuer-url") else ""
    url = given.issuer_url or existing

    def current(name: str) -> str:
        # The flags of the issuer already trusted; a different issuer does not inherit them.
        if url != existing or not api.is_set(name):
            return ""
        return str(api.flag(name).value or "")

    if not url:
        if given.client_id or given.username_claim or given.groups_claim:
            raise HardenError("--oidc-client-id and the claim options need --oidc-issuer-url")
        return None
    if not url.startswith("https://"):
        raise HardenError(f"--oidc-issuer-url {url!r} is not https; kube-apiserver only accepts https issuers")
    client_id = given.client_id or current("oidc-client-id")
    if not client_id:
        raise HardenError(f"the issuer {url} needs --oidc-client-id (the audience its tokens are issued for)")
    if given.prefix and not _safe_prefix(given.prefix):
        raise HardenError(f"the OIDC prefix {given.prefix!r} would let people take system: names; use e.g. 'oidc:'")
    username_claim = given.username_claim or current("oidc-username-claim") or "sub"
    same = bool(existing) and url == existing
    kept_user = current("oidc-username-prefix")
    kept_groups = current("oidc-groups-prefix")
    username_prefix: str | None
    if given.prefix:
        username_prefix = groups_prefix = given.prefix
    else:
        if _safe_prefix(kept_user):
            username_prefix = kept_user
        elif same and username_claim == "email" and not api.is_set("oidc-username-prefix"):
            username_prefix = None  # e-mail addresses cannot be system: names; existing bindings keep working
        else:
            username_prefix = OIDC_PREFIX
        groups_prefix = kept_groups if _safe_prefix(kept_groups) else OIDC_PREFIX
    return _Issuer(
        url=url,
        client_id=client_id,
        username_claim=username_claim,
        groups_claim=given.groups_claim or current("oidc-groups-claim"),
        ca_file=given.ca_file or current("oidc-ca-file"),
        username_prefix=username_prefix,
        groups_prefix=groups_prefix,
    )


def _oidc_flags(api: EffectiveApiServer, issuer: _Issuer, plan: ApiServerPlan) -> None:
    wanted = {
        "oidc-issuer-url": issuer.url,
        "oidc-client-id": issuer.client_id,
        "oidc-username-claim": issuer.username_claim,
    }
    if issuer.username_prefix is not None:
        wanted["oidc-username-prefix"] = issuer.username_prefix
    if issuer.groups_claim:
        wanted["oidc-groups-claim"] = issuer.groups_claim
        wanted["oidc-groups-prefix"] = issuer.groups_prefix
    if issuer.ca_file:
        wanted["oidc-ca-file"] = issuer.ca_file
    changed = False
    for name, value in wanted.items():
        if not api.is_set(name) or str(api.flag(name).value) != value:
            plan.set(name, value, "OIDC issuer for people, prefixed so it cannot yield system: names (KW-AUTHN-002)")
            changed = True
    if changed:
        plan.notes.append(f"{issuer.describe()}: RBAC bindings must name them so (kubeward harden rbac)")


def _new_authentication_config(api: EffectiveApiServer) -> str:
    minor = api.effective_minor
    version = "v1" if minor >= 34 else "v1beta1" if minor >= 30 else "v1alpha1"
    return (
        f"apiVersion: apiserver.config.k8s.io/{version}\n"
        "kind: AuthenticationConfiguration\n"
        "# Written by kubeward harden apiserver.\n"
    )


def _anonymous_block(config: CommentedMap) -> None:
    anonymous = child_map(config, "anonymous")
    if anonymous.get("enabled") is False:
        return
    anonymous["enabled"] = True
    conditions = CommentedSeq()
    for path in HEALTH_PATHS:
        item = CommentedMap()
        item["path"] = path
        conditions.append(item)
    anonymous["conditions"] = conditions


def _jwt(config: CommentedMap, issuer: _Issuer, ca_pem: str) -> None:
    entries = child_seq(config, "jwt")
    entry = next(
        (
            e
            for e in entries
            if isinstance(e, dict) and isinstance(e.get("issuer"), dict) and e["issuer"].get("url") == issuer.url
        ),
        None,
    )
    if entry is None:
        entry = CommentedMap()
        entries.append(entry)
    spec = child_map(entry, "issuer")
    spec["url"] = issuer.url
    audiences = CommentedSeq([issuer.client_id])
    spec["audiences"] = audiences
    if ca_pem:
        from ruamel.yaml.scalarstring import LiteralScalarString

        spec["certificateAuthority"] = LiteralScalarString(ca_pem if ca_pem.endswith("\n") else ca_pem + "\n")
    if issuer.username_claim == "email" and "claimValidationRules" not in entry:
        rule = CommentedMap()
        rule["expression"] = "claims.email_verified == true"
        rule["message"] = "the IdP must have verified the e-mail address"
        entry["claimValidationRules"] = CommentedSeq([rule])
    mappings = child_map(entry, "claimMappings")
    username = CommentedMap()
    username["claim"] = issuer.username_claim
    username["prefix"] = issuer.username_prefix or ""
    mappings["username"] = username
    if issuer.groups_claim:
        groups = CommentedMap()
        groups["claim"] = issuer.groups_claim
        groups["prefix"] = issuer.groups_prefix
        mappings["groups"] = groups


def _guard_jwt_prefixes(config: CommentedMap) -> None:
    """Every jwt authenticator refuses system: usernames and groups (a userValidationRule each)."""
    for entry in config.get("jwt") or []:
        if not isinstance(entry, dict):
            continue
        rules = child_seq(entry, "userValidationRules")
        expressions = {str(r.get("expression", "")) for r in rules if isinstance(r, dict)}
        for expression, message in (
            ("!user.username.startsWith('system:')", "usernames may not use the system: namespace"),
            ("user.groups.all(group, !group.startsWith('system:'))", "groups may not use the system: namespace"),
        ):
            if expression not in expressions:
                rule = CommentedMap()
                rule["expression"] = expression
                rule["message"] = message
                rules.append(rule)


def _authorization(api: EffectiveApiServer, plan: ApiServerPlan) -> None:
    if api.is_set("authorization-config"):
        return
    modes = [str(m) for m in api.flag("authorization-mode").value or []]
    wanted = [m for m in modes if m != "AlwaysAllow"]
    for needed in ("RBAC", "Node"):
        if needed not in wanted:
            wanted.insert(0, needed)
    wanted = sorted(wanted, key=lambda m: {"Node": 0, "RBAC": 1}.get(m, 2))
    if wanted != modes:
        plan.set("authorization-mode", ",".join(wanted), "Node and RBAC authorization (KW-AUTHZ-001..003)")


def _audit(api: EffectiveApiServer, options: ApiServerOptions, plan: ApiServerPlan, paths: dict[str, str]) -> None:
    if options.audit_profile not in PROFILES:
        raise HardenError(
            f"unknown audit policy profile {options.audit_profile!r} (one of {', '.join(sorted(PROFILES))})"
        )
    policy = str(api.flag("audit-policy-file").value or "")
    if not policy:
        plan.set("audit-policy-file", paths["policy"], "nothing is audited without a policy (KW-AUDIT-001)")
        plan.files[api.host_path(paths["policy"])] = render_policy(options.audit_profile)
    fresh_log = False
    if not api.flag("audit-log-path").value and not api.flag("audit-webhook-config-file").value:
        plan.set("audit-log-path", paths["log"], "an audit backend (KW-AUDIT-002)")
        fresh_log = True
    if api.flag("audit-log-path").value == "-":
        return
    for name, minimum in (("audit-log-maxage", 30), ("audit-log-maxbackup", 10), ("audit-log-maxsize", 100)):
        setting = api.flag(name)
        value = setting.value if isinstance(setting.value, int) else None
        if (
            (value is None and api.is_set(name))
            or (value is not None and 0 < value < minimum)
            or (fresh_log and not api.is_set(name))
        ):
            plan.set(name, str(minimum), "audit log retention (KW-AUDIT-003..005)")


def _admission(api: EffectiveApiServer, options: ApiServerOptions, plan: ApiServerPlan, paths: dict[str, str]) -> None:
    chain = AdmissionChain(api)
    if chain.legacy is not None:
        listed = [str(p) for p in chain.legacy.value or []]
        wanted = [p for p in listed if p != "AlwaysAdmit"]
        for plugin in ("NodeRestriction", *REQUIRED_DEFAULT_ON):
            if plugin not in wanted:
                wanted.append(plugin)
        if wanted != listed:
            plan.set("admission-control", ",".join(wanted), "admission plugins the rules require (KW-ADM-001..007)")
    else:
        enable = [str(p) for p in chain.enable.value or []]
        wanted = [p for p in enable if p != "AlwaysAdmit"]
        if "NodeRestriction" not in wanted:
            wanted.insert(0, "NodeRestriction")
        if wanted != enable:
            plan.set(
                "enable-admission-plugins", ",".join(wanted), "NodeRestriction on, AlwaysAdmit off (KW-ADM-001/002)"
            )
        disable = [str(p) for p in chain.disable.value or []]
        kept = [p for p in disable if p not in REQUIRED_DEFAULT_ON]
        if kept != disable:
            if kept:
                plan.set("disable-admission-plugins", ",".join(kept), "default-on plugins the rules require stay on")
            else:
                plan.remove(
                    "disable-admission-plugins", "default-on plugins the rules require stay on (KW-ADM-003..007)"
                )
    level = options.pod_security_default
    if level:
        if level not in POD_SECURITY_LEVELS:
            raise HardenError(f"--pod-security-default must be one of {', '.join(POD_SECURITY_LEVELS)}")
        if api.is_set("admission-control-config-file"):
            plan.notes.append(
                "--admission-control-config-file is already set: add the PodSecurity defaults to that file by hand"
            )
            return
        plan.set("admission-control-config-file", paths["admission"], "Pod Security defaults (KW-ADM-009)")
        plan.files[api.host_path(paths["admission"])] = _admission_config(level)
        plan.notes.append(
            f"namespaces without pod-security.kubernetes.io labels now enforce {level!r}: label the namespaces "
            "that need more (e.g. pod-security.kubernetes.io/enforce=privileged) before rolling this out"
        )


def _admission_config(level: str) -> str:
    return (
        "apiVersion: apiserver.config.k8s.io/v1\n"
        "kind: AdmissionConfiguration\n"
        "# Written by kubeward harden apiserver: Pod Security defaults for namespaces without labels.\n"
        "plugins:\n"
        "- name: PodSecurity\n"
        "  configuration:\n"
        "    apiVersion: pod-security.admission.config.k8s.io/v1\n"
        "    kind: PodSecurityConfiguration\n"
        "    defaults:\n"
        f"      enforce: {level}\n"
        "      enforce-version: latest\n"
        "      audit: restricted\n"
        "      audit-version: latest\n"
        "      warn: restricted\n"
        "      warn-version: latest\n"
        "    exemptions:\n"
        "      usernames: []\n"
        "      runtimeClasses: []\n"
        "      namespaces: []\n"
    )


def _exposure(api: EffectiveApiServer, options: ApiServerOptions, plan: ApiServerPlan) -> None:
    if api.flag("profiling").value is not False:
        plan.set("profiling", "false", "profiling endpoints off (KW-NET-001)")
    bind = str(api.flag("bind-address").value or "")
    if bind in ("0.0.0.0", "::", ""):
        target = options.bind_address or str(api.flag("advertise-address").value or "")
        if target and target not in ("0.0.0.0", "::"):
            plan.set("bind-address", target, "serve only on the node's private address (KW-NET-002)")
        else:
            plan.notes.append(
                "--bind-address stays 0.0.0.0: no --advertise-address to bind to (give --bind-address); "
                "restrict port 6443 with kubeward harden network"
            )
    if api.is_set("insecure-port") and api.flag("insecure-port").value != 0:
        plan.remove("insecure-port", "the unauthenticated insecure port is gone (KW-NET-003)")
    if not api.is_set("kubelet-certificate-authority") and api.is_set("client-ca-file"):
        plan.set(
            "kubelet-certificate-authority",
            str(api.flag("client-ca-file").value),
            "verify the kubelets' serving certificates (KW-TLS-004)",
        )
        plan.notes.append(
            "--kubelet-certificate-authority verifies kubelet serving certificates: roll out "
            "kubeward harden kubelet (serverTLSBootstrap) and approve the kubelet-serving CSRs first, or "
            "logs/exec/port-forward fail"
        )
    if api.flag("service-account-lookup").value is False:
        plan.set("service-account-lookup", "true", "revoked service-account tokens are refused (KW-AUTHN-009)")


def _availability(api: EffectiveApiServer, plan: ApiServerPlan) -> None:
    if api.flag("enable-priority-and-fairness").value is not True:
        plan.set("enable-priority-and-fairness", "true", "API Priority and Fairness on (KW-APF-001)")
    for name, default in (("max-requests-inflight", 400), ("max-mutating-requests-inflight", 200)):
        value = api.flag(name).value
        if not isinstance(value, int) or value <= 0:
            plan.set(name, str(default), "request concurrency limited (KW-APF-002)")


def _mounts(api: EffectiveApiServer, plan: ApiServerPlan) -> None:
    """Mounts (hostPath) for every file the new flags name (read-only) and the audit log directory (writable)."""
    final = effective_flags(api.instance, plan.edits)
    wanted: list[tuple[str, str, bool]] = []
    for flag_name, mount_name in (
        ("audit-policy-file", "audit-policy"),
        ("audit-webhook-config-file", "audit-webhook"),
        ("authentication-config", "authn-config"),
        ("admission-control-config-file", "admission-config"),
    ):
        if final.get(flag_name):
            wanted.append((dirname(final[flag_name]) or "/", mount_name, True))
    log = final.get("audit-log-path", "")
    if log and log != "-":
        wanted.append((dirname(log) or "/", "audit-log", False))
    names = {v.name for v in api.instance.volumes}
    for directory, mount_name, read_only in wanted:
        covering = api.mount_of(directory, host_path_only=True)
        if covering is not None and (read_only or not covering[0].readOnly):
            continue
        if covering is not None and covering[0].mountPath.rstrip("/") == directory.rstrip("/"):
            plan.writable.append(covering[0].mountPath)
            continue
        if any(m.path == directory for m in plan.mounts):
            continue
        name = mount_name
        index = 2
        while name in names:
            name, index = f"{mount_name}-{index}", index + 1
        names.add(name)
        plan.mounts.append(Mount(name=name, path=directory, read_only=read_only))


def effective_flags(instance: ApiServerInstance, edits: list[FlagEdit]) -> dict[str, str]:
    """Flag name -> last value after the edits (for deciding mounts)."""
    values = {flag.name: flag.value for flag in instance.flags}
    for edit in edits:
        if edit.value is None:
            values.pop(edit.name, None)
        else:
            values[edit.name] = edit.value
    return values


# --- writing ----------------------------------------------------------------------------------------


def harden_apiserver(
    text: str,
    api: EffectiveApiServer,
    options: ApiServerOptions,
    read_host_file: Callable[[str], str | None] = lambda _path: None,
) -> HardenedFile:
    """Harden one kube-apiserver input (its form is ``api.instance.origin``): the new text and files."""
    plan = plan_apiserver(api, options, read_host_file)
    origin = api.instance.origin
    try:
        document = RoundTrip(text)
    except YamlEditError as exc:
        raise HardenError(str(exc)) from exc
    if origin == "static-pod":
        _write_static_pod(document, plan)
    elif origin == "kubeadm-config":
        _write_kubeadm(document, plan)
    elif origin in ("k3s", "rke2"):
        _write_distro(document, plan, "kube-apiserver-arg")
    else:
        raise HardenError(f"cannot edit a kube-apiserver read from {origin}; harden its static pod manifest instead")
    new_text = document.dump() if plan.edits or plan.mounts or plan.writable else text
    return HardenedFile(text=new_text, files=dict(plan.files), plan=plan)


def _container(document: RoundTrip) -> CommentedMap:
    for doc in document.mappings():
        if doc.get("kind") != "Pod":
            continue
        for container in (doc.get("spec") or {}).get("containers") or []:
            command = container.get("command") or []
            first = str(command[0]) if command else ""
            if first.rsplit("/", 1)[-1] == "kube-apiserver" or container.get("name") == "kube-apiserver":
                return container  # type: ignore[no-any-return]
    raise HardenError("no kube-apiserver container in this manifest (no container named or running kube-apiserver)")


def _write_static_pod(document: RoundTrip, plan: ApiServerPlan) -> None:
    container = _container(document)
    pod = next(d for d in document.mappings() if d.get("kind") == "Pod")
    command = container.get("command")
    args = container.get("args")
    fields = [seq for seq in (command, args) if isinstance(seq, CommentedSeq)]
    target = args if isinstance(args, CommentedSeq) and len(args) and not _has_flags(command) else command
    if not isinstance(target, CommentedSeq):
        target = child_seq(container, "command")
        if not target:
            target.append("kube-apiserver")
        fields.append(target)
    for edit in plan.edits:
        placed = False
        for seq in fields:
            placed = _edit_words(seq, edit, skip_first=seq is command, already=placed) or placed
        if not placed and edit.value is not None:
            _append(target, f"--{edit.name}={edit.value}")
    spec = pod["spec"]
    if plan.mounts:
        mounts = child_seq(container, "volumeMounts")
        volumes = child_seq(spec, "volumes")
        for mount in plan.mounts:
            entry = CommentedMap()
            entry["mountPath"] = mount.path
            entry["name"] = mount.name
            if mount.read_only:
                entry["readOnly"] = True
            mounts.append(entry)
            volume = CommentedMap()
            host = CommentedMap()
            host["path"] = mount.path
            host["type"] = "DirectoryOrCreate"
            volume["hostPath"] = host
            volume["name"] = mount.name
            volumes.append(volume)
    for path in plan.writable:
        for entry in container.get("volumeMounts") or []:
            if entry.get("mountPath") == path and "readOnly" in entry:
                entry["readOnly"] = False


def _append(seq: CommentedSeq, item: Any) -> None:
    """Append, keeping a comment written after the last item (before the next key) at the end."""
    last = len(seq) - 1
    trailing = seq.ca.items.pop(last, None) if last >= 0 else None
    seq.append(item)
    if trailing is not None:
        seq.ca.items[len(seq) - 1] = trailing


def _has_flags(seq: Any) -> bool:
    return isinstance(seq, list) and any(str(word).startswith("-") for word in seq[1:])


def _flag_name(word: str) -> str:
    return word.lstrip("-").split("=", 1)[0] if word.startswith("-") else ""


def _edit_words(seq: CommentedSeq, edit: FlagEdit, *, skip_first: bool, already: bool) -> bool:
    """Apply one edit to a ``command``/``args`` list: replace the first occurrence, drop the others.
    Returns True when the flag was found (and set) in this list.
    """
    from kubeward.inputs.flags import is_boolean

    entries = _with_comments(seq)
    out: list[tuple[Any, Any]] = []
    found = already
    index = 0
    while index < len(entries):
        word, comment = entries[index]
        text = str(word)
        if (skip_first and index == 0) or _flag_name(text) != edit.name:
            out.append((word, comment))
            index += 1
            continue
        two_words = "=" not in text and not is_boolean(edit.name) and index + 1 < len(entries)
        two_words = two_words and not str(entries[index + 1][0]).startswith("--")
        index += 2 if two_words else 1
        if edit.value is None or found:
            continue  # removed with the comment above it (it described this flag)
        found = True
        out.append((f"--{edit.name}={edit.value}", comment))
    _rebuild(seq, out, entries)
    return found and not already


def _with_comments(seq: CommentedSeq) -> list[tuple[Any, Any]]:
    """Items with the comment lines written above each (ruamel keeps them on the previous item)."""
    result = []
    for index, item in enumerate(seq):
        before = seq.ca.items.get(index - 1, [None])[0] if index > 0 else None
        result.append((item, before))
    return result


def _rebuild(seq: CommentedSeq, entries: list[tuple[Any, Any]], old: list[tuple[Any, Any]]) -> None:
    trailing = seq.ca.items.get(len(old) - 1, [None])[0] if old else None
    seq.ca.items.clear()
    del seq[:]
    for index, (item, before) in enumerate(entries):
        seq.append(item)
        if before is not None and index > 0:
            seq.ca.items[index - 1] = [before, None, None, None]
    if trailing is not None and entries:
        last = len(entries) - 1
        if last in seq.ca.items:
            return
        seq.ca.items[last] = [trailing, None, None, None]


def _write_kubeadm(document: RoundTrip, plan: ApiServerPlan) -> None:
    config = next((d for d in document.mappings() if d.get("kind") == "ClusterConfiguration"), None)
    if config is None:
        raise HardenError("no ClusterConfiguration in this kubeadm configuration")
    api = child_map(config, "apiServer")
    extra = api.get("extraArgs")
    as_list = isinstance(extra, list) or (extra is None and str(config.get("apiVersion", "")).endswith("v1beta4"))
    if as_list:
        items = child_seq(api, "extraArgs")
        for edit in plan.edits:
            hits = [i for i, e in enumerate(items) if isinstance(e, dict) and e.get("name") == edit.name]
            for position in reversed(hits[1:] if edit.value is not None else hits):
                del items[position]
            if edit.value is None:
                continue
            if hits:
                items[hits[0]]["value"] = edit.value
            else:
                entry = CommentedMap()
                entry["name"] = edit.name
                entry["value"] = edit.value
                items.append(entry)
    else:
        args = child_map(api, "extraArgs")
        for edit in plan.edits:
            if edit.value is None:
                args.pop(edit.name, None)
            else:
                args[edit.name] = edit.value
    if plan.mounts or plan.writable:
        volumes = child_seq(api, "extraVolumes")
        for path in plan.writable:
            for entry in volumes:
                if isinstance(entry, dict) and entry.get("mountPath") == path:
                    entry["readOnly"] = False
        for mount in plan.mounts:
            entry = CommentedMap()
            entry["name"] = mount.name
            entry["hostPath"] = mount.path
            entry["mountPath"] = mount.path
            entry["readOnly"] = mount.read_only
            entry["pathType"] = "DirectoryOrCreate"
            volumes.append(entry)
    plan.notes.append(
        "kubeadm applies ClusterConfiguration changes when the control plane is regenerated "
        "(kubeadm init phase control-plane apiserver --config FILE, or kubeadm upgrade apply); "
        "update the kubeadm-config ConfigMap too"
    )


def _write_distro(document: RoundTrip, plan: ApiServerPlan, key: str) -> None:
    config = next(iter(document.mappings()), None)
    if config is None:
        raise HardenError("this k3s/RKE2 config.yaml is not a mapping")
    edit_arg_list(config, key, plan.edits)


def edit_arg_list(config: CommentedMap, key: str, edits: list[FlagEdit]) -> None:
    """Apply flag edits to a k3s/RKE2 ``name=value`` list such as ``kube-apiserver-arg``."""
    value = config.get(key)
    if isinstance(value, str):
        value = CommentedSeq([value])
        config[key] = value
    items = child_seq(config, key)
    for edit in edits:
        hits = [i for i, e in enumerate(items) if isinstance(e, str) and e.lstrip("-").split("=", 1)[0] == edit.name]
        for position in reversed(hits[1:] if edit.value is not None else hits):
            del items[position]
        if edit.value is None:
            continue
        if hits:
            items[hits[0]] = f"{edit.name}={edit.value}"
        else:
            items.append(f"{edit.name}={edit.value}")


def describe(plan: ApiServerPlan) -> list[str]:
    """One line per change, for the command's summary on stderr."""
    lines = [
        f"set --{e.name}={e.value}: {e.why}" if e.value is not None else f"remove --{e.name}: {e.why}"
        for e in plan.edits
    ]
    lines += [f"mount {m.path} ({'read-only' if m.read_only else 'writable'}) as {m.name}" for m in plan.mounts]
    lines += [f"mount {path} writable" for path in plan.writable]
    lines += [f"write {path}" for path in plan.files]
    return lines
