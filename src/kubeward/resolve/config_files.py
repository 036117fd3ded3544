"""Structured configuration files named by a kube-apiserver flag (``--authentication-config``,
``--authorization-config``), found among the node files through the static pod's hostPath mounts.

A flag that names a file the inputs do not have is not a verdict: the file decides, so rules report
``not_assessable`` with ``ConfigFile.reason``. A file of another kind at that path is the same: we
cannot say what kube-apiserver makes of it.
"""

from dataclasses import dataclass

from kubeward.inventory.components import ConfigDoc
from kubeward.inventory.model import Inventory
from kubeward.resolve.apiserver import EffectiveApiServer
from kubeward.resolve.setting import Setting


@dataclass(frozen=True)
class ConfigFile:
    """The file a flag names: ``doc`` when the inputs have it, else ``reason`` says why not."""

    flag: Setting
    host_path: str
    doc: ConfigDoc | None
    reason: str = ""


def config_file(inventory: Inventory, api: EffectiveApiServer, flag: str, kind: str) -> ConfigFile | None:
    """The ``kind`` document that ``--flag`` points at on the API server's node, or None when the
    flag is not set.
    """
    if not api.is_set(flag):
        return None
    setting = api.flag(flag)
    container_path = str(setting.value or "")
    host_path = api.host_path(container_path)
    where = container_path if host_path == container_path else f"{container_path} (on the node {host_path})"
    doc = inventory.config_doc_at(api.instance.node, host_path)
    if doc is None:
        return ConfigFile(setting, host_path, None, f"--{flag}={where} is not among the inputs")
    if doc.kind != kind:
        return ConfigFile(setting, host_path, None, f"--{flag}={where} holds a {doc.kind}, not an {kind}")
    return ConfigFile(setting, host_path, doc)
