"""Least-privilege Roles from audit logs: what one subject was allowed to do, and nothing more.

The audit log records each request with the attributes the authorizer saw (``objectRef`` resource,
subresource, namespace, name and API group, the verb, the user; ``spec/audit.md`` §1.2). The roles are
built so that RBAC (``spec/rbac.md`` §1.1-1.3) allows exactly those requests:

- Only requests that were authorized count: the ``authorization.k8s.io/decision`` annotation decides
  when present (``allow``); without it, any final response other than 401 (not authenticated), 403
  (forbidden) and 429 (rejected by priority and fairness, before authorization). ``RequestReceived``
  events carry no outcome and are skipped; stages of one request (one ``auditID``) count once.
- The subject is whoever was authorized: the impersonated user when ``impersonatedUser`` is set
  (impersonation happens before authorization). A request the subject made while impersonating
  someone else needs only ``impersonate`` on that identity, which the roles grant by name.
- ``resourceNames`` only for ``get``, ``update``, ``patch`` and ``delete`` of named objects. Never for
  ``list``/``watch`` (a name there only comes from a ``metadata.name`` field selector), ``create``
  (a collection POST carries no name for authorization even though the audit event back-fills it) or
  ``deletecollection``: upstream such a rule would never match (``ResourceNameMatches``).
- Subresources are kept as ``resource/subresource`` (``pods`` never covers ``pods/exec``); the core
  group is ``""``.
- A request with a namespace becomes a rule of a Role in that namespace (bound by a RoleBinding); a
  cluster-scoped or all-namespaces request, and every non-resource URL, a rule of a ClusterRole bound
  by a ClusterRoleBinding (a RoleBinding never grants those).
- Rules of one API group with the same verbs and names are merged into one rule over their resources;
  everything is sorted, so the same log gives the same YAML.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kubeward.audit.events.model import Event
from kubeward.audit.events.reader import ReadStats, read_events
from kubeward.harden._access import RBAC_API_VERSION, RBAC_GROUP, HardenInputError, labels, slug
from kubeward.rbac.identity import (
    ALL_SERVICE_ACCOUNTS,
    AUTHENTICATED,
    SA_NAMESPACE_GROUP_PREFIX,
    service_account_username,
    split_service_account_username,
)
from kubeward.rbac.request import Request, non_resource_request, resource_request

NAMED_VERBS = frozenset({"get", "update", "patch", "delete", "impersonate"})
"""Verbs whose requests name one object, so ``resourceNames`` can restrict them (``impersonate`` is checked
by the impersonation filter with the impersonated name)."""

UNAUTHORIZED_CODES = frozenset({401, 403, 429})
DEFAULT_MAX_NAMES = 10
"""Above this many distinct names for one verb on one resource, the rule drops ``resourceNames``."""


@dataclass(frozen=True, order=True)
class ResourceUse:
    """One authorized resource request, reduced to what RBAC matches on."""

    namespace: str
    api_group: str
    resource: str  # resource or resource/subresource
    verb: str
    name: str

    def request(self) -> Request:
        """The request as the authorizer saw it: a collection create carries no name."""
        resource, _, subresource = self.resource.partition("/")
        name = "" if self.verb == "create" and not subresource else self.name
        return resource_request(
            self.verb, resource, api_group=self.api_group, subresource=subresource, name=name, namespace=self.namespace
        )


@dataclass(frozen=True, order=True)
class UrlUse:
    """One authorized non-resource request."""

    path: str
    verb: str

    def request(self) -> Request:
        """The non-resource request."""
        return non_resource_request(self.verb, self.path)


@dataclass
class Usage:
    """What one subject was authorized to do, as found in the logs."""

    username: str
    resources: set[ResourceUse] = field(default_factory=set)
    urls: set[UrlUse] = field(default_factory=set)
    groups: set[str] = field(default_factory=set)  # the groups the subject's requests carried
    requests: int = 0
    skipped_unauthorized: int = 0
    stats: ReadStats = field(default_factory=ReadStats)

    @property
    def empty(self) -> bool:
        """No authorized request of the subject was found."""
        return not self.resources and not self.urls

    def drop(self, allowed: Callable[[Request], bool]) -> int:
        """Forget the uses ``allowed`` already grants (e.g. through bindings that stay); returns how many."""
        before = len(self.resources) + len(self.urls)
        self.resources = {use for use in self.resources if not allowed(use.request())}
        self.urls = {use for use in self.urls if not allowed(use.request())}
        return before - len(self.resources) - len(self.urls)


def authorized(event: Event) -> bool:
    """Whether the request passed authorization (decision annotation, else the final status code)."""
    decision = event.annotations.get("authorization.k8s.io/decision")
    if decision is not None:
        return decision == "allow"
    code = event.code
    return code > 0 and code not in UNAUTHORIZED_CODES


def _path_of(uri: str) -> str:
    return uri.split("?", 1)[0] or "/"


def _impersonation_uses(event: Event) -> Iterator[ResourceUse]:
    """The ``impersonate`` checks the impersonation filter made for this request."""
    target = event.impersonatedUser
    if target is None:
        return
    account = split_service_account_username(target.username)
    implied: set[str] = {AUTHENTICATED}
    if account is not None:
        namespace, name = account
        yield ResourceUse(namespace, "", "serviceaccounts", "impersonate", name)
        implied |= {ALL_SERVICE_ACCOUNTS, f"{SA_NAMESPACE_GROUP_PREFIX}{namespace}"}
    elif target.username:
        yield ResourceUse("", "", "users", "impersonate", target.username)
    for group in target.groups:
        if group not in implied:
            yield ResourceUse("", "", "groups", "impersonate", group)


def collect_usage(paths: Iterable[Path], username: str) -> Usage:
    """Stream the logs once and gather the subject's authorized requests (deduplicated per ``auditID``)."""
    usage = Usage(username)
    seen: set[str] = set()
    for event in read_events(paths, usage.stats):
        if event.stage == "RequestReceived":
            continue
        acting = event.impersonatedUser.username if event.impersonatedUser is not None else event.user.username
        caller = event.user.username
        if username not in (acting, caller):
            continue
        if event.auditID in seen:
            continue
        if event.stage == "ResponseStarted" and event.code != 101:
            # A long-running request's first response event; its ResponseComplete follows (401s, which
            # are logged only at ResponseStarted, never count anyway).
            continue
        seen.add(event.auditID)
        if not authorized(event):
            usage.skipped_unauthorized += 1
            continue
        usage.requests += 1
        if acting == username:
            identity = event.impersonatedUser if event.impersonatedUser is not None else event.user
            usage.groups.update(identity.groups)
        if acting != username:  # the subject impersonated someone else: it needs only impersonate
            usage.resources.update(_impersonation_uses(event))
            continue
        ref = event.objectRef
        if ref is None or not ref.resource:
            usage.urls.add(UrlUse(_path_of(event.requestURI), event.verb))
            continue
        usage.resources.add(ResourceUse(ref.namespace, ref.apiGroup, event.resource, event.verb, ref.name))
    return usage


# --- building rules ------------------------------------------------------------------------------------


def _resource_rules(uses: Iterable[ResourceUse], *, names: bool, max_names: int) -> list[dict[str, Any]]:
    """Rules for the uses of one scope (one namespace, or cluster-wide)."""
    # (group, resource, verb) -> names used, or None once an unnamed (or unrestrictable) request is seen
    by_verb: dict[tuple[str, str, str], set[str] | None] = {}
    for use in uses:
        key = (use.api_group, use.resource, use.verb)
        restrictable = names and use.verb in NAMED_VERBS and bool(use.name)
        if not restrictable:
            by_verb[key] = None
            continue
        current = by_verb.setdefault(key, set())
        if current is not None:
            current.add(use.name)
    # (group, resource, names) -> verbs
    by_resource: dict[tuple[str, str, tuple[str, ...]], set[str]] = defaultdict(set)
    for (group, resource, verb), used in by_verb.items():
        restricted = tuple(sorted(used)) if used is not None and len(used) <= max_names else ()
        by_resource[(group, resource, restricted)].add(verb)
    # (group, verbs, names) -> resources: merge resources granted the same verbs on the same names
    merged: dict[tuple[str, tuple[str, ...], tuple[str, ...]], set[str]] = defaultdict(set)
    for (group, resource, restricted), verb_set in by_resource.items():
        merged[(group, tuple(sorted(verb_set)), restricted)].add(resource)
    rules: list[dict[str, Any]] = []
    ordered = sorted(merged.items(), key=lambda kv: (kv[0][0], sorted(kv[1]), kv[0]))
    for (group, verbs, restricted), granted in ordered:
        rule: dict[str, Any] = {"apiGroups": [group], "resources": sorted(granted)}
        if restricted:
            rule["resourceNames"] = list(restricted)
        rule["verbs"] = list(verbs)
        rules.append(rule)
    return rules


def _url_rules(uses: Iterable[UrlUse]) -> list[dict[str, Any]]:
    by_verbs: dict[str, set[str]] = defaultdict(set)
    for use in uses:
        by_verbs[use.path].add(use.verb)
    merged: dict[tuple[str, ...], set[str]] = defaultdict(set)
    for path, verbs in by_verbs.items():
        merged[tuple(sorted(verbs))].add(path)
    return [{"nonResourceURLs": sorted(paths), "verbs": list(verbs)} for verbs, paths in sorted(merged.items())]


@dataclass(frozen=True)
class AuditSubject:
    """Whom the roles are for: a user, or a service account (whose username the logs carry)."""

    kind: str  # "User" or "ServiceAccount"
    name: str
    namespace: str = ""

    @classmethod
    def parse_service_account(cls, text: str) -> AuditSubject:
        """``ns/name`` or ``system:serviceaccount:ns:name``."""
        if text.startswith("system:serviceaccount:"):
            parsed = split_service_account_username(text)
            if parsed is None:
                raise HardenInputError(f"--service-account {text!r}: not a valid service-account username")
            return cls("ServiceAccount", parsed[1], parsed[0])
        namespace, _, name = text.partition("/")
        if not namespace or not name or "/" in name:
            raise HardenInputError(f"--service-account {text!r}: expected NAMESPACE/NAME")
        return cls("ServiceAccount", name, namespace)

    @classmethod
    def user(cls, name: str) -> AuditSubject:
        """A user; a service-account username given as a user is read as that service account."""
        parsed = split_service_account_username(name)
        if parsed is not None:
            return cls("ServiceAccount", parsed[1], parsed[0])
        if not name:
            raise HardenInputError("--user: empty user name")
        return cls("User", name)

    @property
    def username(self) -> str:
        """The username the audit log records."""
        return service_account_username(self.namespace, self.name) if self.kind == "ServiceAccount" else self.name

    def rbac_subject(self) -> dict[str, str]:
        """The binding subject."""
        if self.kind == "ServiceAccount":
            return {"kind": "ServiceAccount", "name": self.name, "namespace": self.namespace}
        return {"apiGroup": RBAC_GROUP, "kind": "User", "name": self.name}

    def default_role_name(self) -> str:
        """``<name>-least-privilege`` (service accounts by their name, users by a slug of theirs)."""
        return f"{slug(self.name)}-least-privilege"


@dataclass
class LeastPrivilege:
    """The generated objects, and what they were built from."""

    subject: AuditSubject
    usage: Usage
    objects: list[dict[str, Any]]

    def summary(self) -> str:
        """One paragraph for the YAML header."""
        stats = self.usage.stats
        lines = [
            f"Least-privilege RBAC for {self.subject.username}, generated by kubeward from audit logs:",
            f"{self.usage.requests} authorized request(s) of {stats.events} event(s) in {stats.files} file(s); "
            f"{self.usage.skipped_unauthorized} unauthorized request(s) left out.",
            "Only what the logs show is granted: replay the workload's full cycle (deploys, rollbacks, "
            "failure paths) before relying on it.",
        ]
        if stats.incomplete:
            lines.append(f"WARNING: the logs were read incompletely ({len(stats.issues)} issue(s)).")
        return "\n".join(lines)


def build_roles(
    usage: Usage,
    subject: AuditSubject,
    *,
    name: str | None = None,
    resource_names: bool = True,
    max_names: int = DEFAULT_MAX_NAMES,
) -> list[dict[str, Any]]:
    """Roles and bindings (rbac.authorization.k8s.io/v1) granting exactly ``usage`` to ``subject``."""
    role_name = name or subject.default_role_name()
    by_namespace: dict[str, list[ResourceUse]] = defaultdict(list)
    for use in usage.resources:
        by_namespace[use.namespace].append(use)
    meta_labels = labels()
    objects: list[dict[str, Any]] = []
    cluster_rules = _resource_rules(by_namespace.pop("", []), names=resource_names, max_names=max_names)
    cluster_rules += _url_rules(usage.urls)
    if cluster_rules:
        objects.append(
            {
                "apiVersion": RBAC_API_VERSION,
                "kind": "ClusterRole",
                "metadata": {"name": role_name, "labels": dict(meta_labels)},
                "rules": cluster_rules,
            }
        )
        objects.append(
            {
                "apiVersion": RBAC_API_VERSION,
                "kind": "ClusterRoleBinding",
                "metadata": {"name": role_name, "labels": dict(meta_labels)},
                "roleRef": {"apiGroup": RBAC_GROUP, "kind": "ClusterRole", "name": role_name},
                "subjects": [subject.rbac_subject()],
            }
        )
    for namespace in sorted(by_namespace):
        rules = _resource_rules(by_namespace[namespace], names=resource_names, max_names=max_names)
        meta = {"name": role_name, "namespace": namespace, "labels": dict(meta_labels)}
        objects.append({"apiVersion": RBAC_API_VERSION, "kind": "Role", "metadata": dict(meta), "rules": rules})
        objects.append(
            {
                "apiVersion": RBAC_API_VERSION,
                "kind": "RoleBinding",
                "metadata": dict(meta),
                "roleRef": {"apiGroup": RBAC_GROUP, "kind": "Role", "name": role_name},
                "subjects": [subject.rbac_subject()],
            }
        )
    return objects


def least_privilege(
    logs: Iterable[Path],
    subject: AuditSubject,
    *,
    name: str | None = None,
    resource_names: bool = True,
    max_names: int = DEFAULT_MAX_NAMES,
) -> LeastPrivilege:
    """Read the logs and build the roles; an input error when nothing of the subject was authorized."""
    paths = list(logs)
    for path in paths:
        if not path.exists():
            raise HardenInputError(f"--from-audit {path}: no such file or directory")
    usage = collect_usage(paths, subject.username)
    if usage.stats.events == 0:
        problems = "; ".join(issue.describe() for issue in usage.stats.issues[:3])
        where = ", ".join(str(p) for p in paths)
        raise HardenInputError(f"--from-audit {where}: no audit events found" + (f" ({problems})" if problems else ""))
    if usage.empty:
        where = ", ".join(str(p) for p in paths)
        extra = f" ({usage.skipped_unauthorized} unauthorized)" if usage.skipped_unauthorized else ""
        raise HardenInputError(f"--from-audit {where}: no authorized request of {subject.username}{extra}")
    objects = build_roles(usage, subject, name=name, resource_names=resource_names, max_names=max_names)
    return LeastPrivilege(subject, usage, objects)
