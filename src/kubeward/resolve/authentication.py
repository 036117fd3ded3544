"""Token issuers the API server trusts for people: structured JWT authenticators and legacy OIDC flags.

Both forms end up as the same thing, an issuer whose tokens become Kubernetes usernames and groups,
so both are read into ``Issuer`` records and judged by the same rules.

Facts (``staging/src/k8s.io/apiserver/pkg/apis/apiserver`` types and the kube-apiserver flag help):

* ``AuthenticationConfiguration.jwt[]``: ``issuer.url`` (must be https), ``issuer.discoveryURL``,
  ``issuer.certificateAuthority`` (inline PEM; the system roots when empty), ``issuer.audiences``
  (required, non-empty), ``claimValidationRules``, ``claimMappings.username|groups`` (``claim`` +
  ``prefix``, or ``expression``; with ``claim`` the prefix must be given, possibly empty),
  ``userValidationRules`` (CEL over the final user, e.g. refusing ``system:`` names).
* Legacy flags: ``--oidc-issuer-url``, ``--oidc-client-id``, ``--oidc-username-claim`` (default
  ``sub``), ``--oidc-username-prefix`` (unset: ``<issuer>#`` unless the claim is ``email``; ``-``:
  no prefix), ``--oidc-groups-claim``, ``--oidc-groups-prefix`` (default none), ``--oidc-ca-file``,
  ``--oidc-required-claim``.

A mapping "cannot collide with ``system:`` names" when every name it yields carries a fixed prefix
that is not ``system:``-something, or when a user validation rule refuses ``system:`` names. Names
such as ``system:masters`` or ``system:nodes`` are granted power by the API server and the default
RBAC policy, so an IdP group or user allowed to take one is an administrator.

``Issuer.problems`` lists what makes kube-apiserver refuse the configuration (non-https issuer, no
audience, a claim without its prefix, ``--oidc-issuer-url`` without ``--oidc-client-id``); the legacy
flags' rules are in ``staging/src/k8s.io/apiserver/pkg/apis/apiserver/validation/validation.go`` and
``pkg/kubeapiserver/options/authentication.go`` (``--oidc-issuer-url`` and ``--oidc-client-id`` must be
given together; ``--authentication-config`` and ``--oidc-*`` flags are mutually exclusive).
"""

import re
from dataclasses import dataclass, field
from typing import Any

from kubeward.inventory.components import ConfigDoc
from kubeward.inventory.provenance import Provenance
from kubeward.resolve.apiserver import EffectiveApiServer

SYSTEM_PREFIX = "system:"
# A CEL expression that starts with a string literal followed by ``+``: its result starts with the literal.
_LITERAL_PREFIX = re.compile(r"""^\s*(['"])(?P<prefix>[^'"]*)\1\s*\+""")
# Issuers whose tokens anyone can obtain for an audience of their choosing (CI systems, public IdPs).
MULTI_TENANT_ISSUERS = (
    "https://token.actions.githubusercontent.com",
    "https://gitlab.com",
    "https://accounts.google.com",
    "https://app.terraform.io",
)


@dataclass(frozen=True)
class Mapping:
    """How an issuer turns a token into a username or groups."""

    claim: str = ""
    prefix: str | None = None
    expression: str = ""

    @property
    def configured(self) -> bool:
        """True when the mapping is set at all."""
        return bool(self.claim or self.expression)


@dataclass(frozen=True)
class Issuer:
    """One trusted token issuer for people, from either configuration form."""

    source: str  # "AuthenticationConfiguration jwt[0]" or "--oidc-* flags"
    url: str
    audiences: tuple[str, ...]
    provenance: Provenance | None
    discovery_url: str = ""
    has_ca: bool = False
    username: Mapping = Mapping()
    groups: Mapping = Mapping()
    claim_rules: int = 0
    user_rules: tuple[str, ...] = ()
    legacy: bool = False
    problems: tuple[str, ...] = field(default=())

    @property
    def multi_tenant(self) -> bool:
        """True for issuers that hand tokens to anyone (any GitHub repository, any Google account...)."""
        return self.url.rstrip("/") in MULTI_TENANT_ISSUERS


def jwt_issuers(doc: ConfigDoc) -> list[Issuer]:
    """The ``jwt`` authenticators of an AuthenticationConfiguration document."""
    present, raw = doc.field("jwt")
    if not present or not isinstance(raw, list):
        return []
    issuers: list[Issuer] = []
    for index, entry in enumerate(raw):
        pointer = f"jwt.{index}"
        item = entry if isinstance(entry, dict) else {}
        issuer = _dict(item.get("issuer"))
        mappings = _dict(item.get("claimMappings"))
        audiences = issuer.get("audiences")
        url = str(issuer.get("url") or "")
        audience_list = tuple(str(a) for a in audiences) if isinstance(audiences, list) else ()
        username = _mapping(mappings.get("username"))
        groups = _mapping(mappings.get("groups"))
        problems = _url_problems("issuer.url", url) + _audience_problems(audience_list, "issuer.audiences is empty")
        if not username.configured:
            problems += ("claimMappings.username needs a claim or an expression",)
        problems += _prefix_problems("username", username) + _prefix_problems("groups", groups)
        issuers.append(
            Issuer(
                source=f"AuthenticationConfiguration jwt[{index}]",
                url=url,
                audiences=audience_list,
                provenance=doc.provenance_of(pointer),
                discovery_url=str(issuer.get("discoveryURL") or ""),
                has_ca=bool(issuer.get("certificateAuthority")),
                username=username,
                groups=groups,
                claim_rules=len(item.get("claimValidationRules") or []),
                user_rules=tuple(
                    str(_dict(rule).get("expression") or "") for rule in item.get("userValidationRules") or []
                ),
                problems=problems,
            )
        )
    return issuers


def legacy_issuer(api: EffectiveApiServer) -> Issuer | None:
    """The issuer of the ``--oidc-*`` flags, with the flags' defaults applied, or None."""
    if not api.is_set("oidc-issuer-url"):
        return None
    url = api.flag("oidc-issuer-url")
    client_id = str(api.flag("oidc-client-id").value or "")
    claim = str(api.flag("oidc-username-claim").value or "sub")
    prefix_flag = api.flag("oidc-username-prefix")
    if not api.is_set("oidc-username-prefix"):
        # kube-apiserver: no prefix for the email claim, else "<issuer>#".
        username_prefix: str | None = "" if claim == "email" else f"{url.value}#"
    else:
        username_prefix = "" if prefix_flag.value == "-" else str(prefix_flag.value)
    groups_claim = str(api.flag("oidc-groups-claim").value or "")
    groups_prefix = str(api.flag("oidc-groups-prefix").value or "")
    required = api.flag("oidc-required-claim")
    problems = _url_problems("--oidc-issuer-url", str(url.value or "")) + _audience_problems(
        (client_id,) if client_id else (), "--oidc-issuer-url is set without --oidc-client-id"
    )
    return Issuer(
        source="--oidc-* flags",
        url=str(url.value or ""),
        audiences=(client_id,) if client_id else (),
        provenance=url.provenance,
        has_ca=api.is_set("oidc-ca-file"),
        username=Mapping(claim=claim, prefix=username_prefix),
        groups=Mapping(claim=groups_claim, prefix=groups_prefix) if groups_claim else Mapping(),
        claim_rules=1 if required.value else 0,
        legacy=True,
        problems=problems,
    )


OIDC_FLAGS = (
    "oidc-issuer-url",
    "oidc-client-id",
    "oidc-username-claim",
    "oidc-username-prefix",
    "oidc-groups-claim",
    "oidc-groups-prefix",
    "oidc-ca-file",
    "oidc-required-claim",
    "oidc-signing-algs",
)


def oidc_flags_set(api: EffectiveApiServer) -> tuple[str, ...]:
    """The ``--oidc-*`` flags on the command line."""
    return tuple(f"--{name}" for name in OIDC_FLAGS if api.is_set(name))


def collision(issuer: Issuer, what: str) -> str:
    """Why ``what`` (``username`` or ``groups``) of ``issuer`` can produce ``system:`` names, or ""."""
    mapping = issuer.username if what == "username" else issuer.groups
    if not mapping.configured:
        return ""
    guarded = _guarded(issuer.user_rules, "user.username" if what == "username" else "user.groups")
    if mapping.expression:
        literal = _LITERAL_PREFIX.match(mapping.expression)
        if literal and literal.group("prefix") and not _is_system(literal.group("prefix")):
            return ""
        if guarded:
            return ""
        return (
            f"{what}.expression {mapping.expression!r} is not provably prefixed "
            "and no user validation rule refuses system: names"
        )
    if mapping.prefix is None:
        return ""  # kube-apiserver rejects a claim without a prefix: reported in Issuer.problems
    if _is_system(mapping.prefix):
        return f"{what} prefix {mapping.prefix!r} puts every {what} into the system: namespace"
    if mapping.prefix:
        return ""
    if what == "username" and mapping.claim == "email" and issuer.legacy:
        return ""  # an email address cannot be a system: name, and the flags require email_verified
    if guarded:
        return ""
    return (
        f"{what} from claim {mapping.claim!r} is used without a prefix: a token whose {mapping.claim} "
        "is system:masters (or any system: name) gets that identity"
    )


def _is_system(prefix: str) -> bool:
    """A non-empty prefix that is ``system:``... or a start of it (``sys`` + claim ``tem:masters``)."""
    return bool(prefix) and (prefix.startswith(SYSTEM_PREFIX) or SYSTEM_PREFIX.startswith(prefix))


def _url_problems(label: str, url: str) -> tuple[str, ...]:
    if not url:
        return (f"{label} is empty",)
    if not url.startswith("https://"):
        return (f"{label} {url!r} is not https; kube-apiserver only accepts https issuers",)
    return ()


def _audience_problems(audiences: tuple[str, ...], message: str) -> tuple[str, ...]:
    return () if any(audiences) else (message,)


def _prefix_problems(what: str, mapping: Mapping) -> tuple[str, ...]:
    if mapping.claim and mapping.prefix is None:
        return (f"claimMappings.{what}.claim is set without claimMappings.{what}.prefix",)
    return ()


def _guarded(rules: tuple[str, ...], subject: str) -> bool:
    """A user validation rule refusing ``system:`` names for ``subject`` (heuristic: the rule names both)."""
    return any(subject in rule and SYSTEM_PREFIX in rule for rule in rules)


def _mapping(raw: Any) -> Mapping:
    data = _dict(raw)
    prefix = data.get("prefix")
    return Mapping(
        claim=str(data.get("claim") or ""),
        prefix=None if prefix is None else str(prefix),
        expression=str(data.get("expression") or ""),
    )


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}
