"""Analyzers over one Inventory, computed once and shared by every rule.

Rules never touch the network or the file system; they read the Inventory and these analyzers
(effective component configuration, platform; later the RBAC index and the audit engine). Each
analyzer is computed lazily on first use, so a run of only RBAC rules never resolves kubelet
settings.
"""

from functools import cached_property
from typing import TYPE_CHECKING

from kubeward.inventory.model import Inventory
from kubeward.resolve.apiserver import EffectiveApiServer
from kubeward.resolve.kubelet import EffectiveKubelet
from kubeward.resolve.platform import PlatformInfo, detect_platform

if TYPE_CHECKING:
    from kubeward.rbac.analyzer import RbacAnalysis


class Analysis:
    """Lazily computed views of one Inventory."""

    def __init__(self, inventory: Inventory) -> None:
        self.inventory = inventory

    @cached_property
    def platform(self) -> PlatformInfo:
        """The detected platform."""
        return detect_platform(self.inventory)

    @cached_property
    def apiservers(self) -> tuple[EffectiveApiServer, ...]:
        """Every kube-apiserver with its flags resolved."""
        version = self.inventory.version.gitVersion if self.inventory.version is not None else ""
        return tuple(EffectiveApiServer(instance, version) for instance in self.inventory.apiservers)

    @cached_property
    def kubelets(self) -> tuple[EffectiveKubelet, ...]:
        """Every kubelet with its settings resolved."""
        return tuple(EffectiveKubelet(instance) for instance in self.inventory.kubelets)

    @cached_property
    def rbac(self) -> "RbacAnalysis":
        """The RBAC engine over this Inventory (index, holdings, escalation graph), built on first use."""
        from kubeward.rbac.analyzer import RbacAnalysis

        return RbacAnalysis(self.inventory)
