"""Where a scanned file sits on its node.

A folder copied from a node (or a node's root itself) keeps the node's paths below some prefix:
``nodes/cp-1/etc/kubernetes/manifests/kube-apiserver.yaml``. Knowing the prefix lets us tie files
of one node together (the kubelet's unit, its ``--config`` file and drop-ins; the API server's
``--audit-policy-file``) and name the node. The prefix is everything before the first of the
well-known top-level directories below; the node is named after the prefix's last component.
"""

from pathlib import PurePosixPath
from typing import NamedTuple

_NODE_TOP_DIRS = ("etc", "var", "usr", "lib", "run", "opt", "proc")
# Files under these node paths are meaningful on their own node only.
_KNOWN_PREFIXES = (
    "etc/kubernetes",
    "etc/systemd",
    "etc/default",
    "etc/sysconfig",
    "etc/rancher",
    "var/lib/kubelet",
    "var/lib/rancher",
    "usr/lib/systemd",
    "lib/systemd",
    "run/systemd",
    "opt",
    "proc",
)


class NodeLocation(NamedTuple):
    """A file's node (label) and its absolute path on that node."""

    node: str
    node_path: str


def locate(path: str) -> NodeLocation | None:
    """Split ``path`` into node label and node path when it follows a node's layout."""
    parts = PurePosixPath(path.replace("\\", "/")).parts
    for index, part in enumerate(parts):
        if part not in _NODE_TOP_DIRS:
            continue
        rest = "/".join(parts[index:])
        if not any(rest == prefix or rest.startswith(prefix + "/") for prefix in _KNOWN_PREFIXES):
            continue
        prefix = [p for p in parts[:index] if p not in ("/", ".")]
        node = prefix[-1] if prefix else "localhost"
        return NodeLocation(node=node, node_path="/" + rest)
    return None
