"""Request attributes: what the authorizer is asked about.

Mirrors ``authorizer.Attributes`` as ``requestinfo.go`` builds them
(``k8s:staging/src/k8s.io/apiserver/pkg/endpoints/request/requestinfo.go@db8b216c``): a resource
request has a verb, an API group, a resource, an optional subresource, an optional name and a
namespace (``""`` for cluster-scoped requests and for requests across all namespaces); a non-resource
request has a verb and a path. Field and label selectors are never consulted by RBAC, so they are not
modelled.

The combined ``resource/subresource`` string and the ``*/subresource`` form are computed once here,
because the indexed engine checks the same request against many rules.
"""


class Request:
    """One authorization request. Build it with ``resource_request`` or ``non_resource_request``."""

    __slots__ = (
        "api_group",
        "combined",
        "name",
        "namespace",
        "path",
        "resource",
        "resource_request",
        "star_subresource",
        "subresource",
        "verb",
    )

    def __init__(
        self,
        verb: str,
        *,
        resource_request: bool,
        api_group: str = "",
        resource: str = "",
        subresource: str = "",
        name: str = "",
        namespace: str = "",
        path: str = "",
    ) -> None:
        self.verb = verb
        self.resource_request = resource_request
        self.api_group = api_group
        self.resource = resource
        self.subresource = subresource
        self.name = name
        self.namespace = namespace
        self.path = path
        # RuleAllows: combined = resource + "/" + subresource when a subresource is present
        # (k8s:plugin/pkg/auth/authorizer/rbac/rbac.go@01aa0f3f).
        self.combined = f"{resource}/{subresource}" if subresource else resource
        self.star_subresource = f"*/{subresource}" if subresource else ""

    def __repr__(self) -> str:
        return f"Request({self.describe()})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Request) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def _key(self) -> tuple[str | bool, ...]:
        return (
            self.verb,
            self.resource_request,
            self.api_group,
            self.resource,
            self.subresource,
            self.name,
            self.namespace,
            self.path,
        )

    def describe(self) -> str:
        """kubectl-like text: ``get deployments.apps/web -n shop`` or ``get /metrics``."""
        if not self.resource_request:
            return f"{self.verb} {self.path}"
        text = f"{self.verb} {self.resource}"
        if self.api_group:
            text += f".{self.api_group}"
        if self.name:
            text += f"/{self.name}"
        if self.subresource:
            text += f" --subresource {self.subresource}"
        text += f" -n {self.namespace}" if self.namespace else " (cluster-wide)"
        return text


def resource_request(
    verb: str,
    resource: str,
    *,
    api_group: str = "",
    subresource: str = "",
    name: str = "",
    namespace: str = "",
) -> Request:
    """A resource request (``namespace=""`` means cluster-scoped or all namespaces)."""
    return Request(
        verb,
        resource_request=True,
        api_group=api_group,
        resource=resource,
        subresource=subresource,
        name=name,
        namespace=namespace,
    )


def non_resource_request(verb: str, path: str) -> Request:
    """A non-resource request such as ``get /metrics``; it never carries a namespace."""
    return Request(verb, resource_request=False, path=path)
