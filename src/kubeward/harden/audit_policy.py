"""``kubeward harden audit-policy``: an audit policy of a chosen profile, and how to switch it on.

The policies are ``kubeward.audit.policy.profiles`` (``recommended``, ``seed`` = recommended,
``low-volume``: Secrets, tokens and exec at Metadata, every write, no routine reads), each linting
clean of high findings. The hint lists the kube-apiserver flags and static pod mounts that make
kube-apiserver use the file, in the shape KW-AUDIT-006/007 assess; ``kubeward harden apiserver``
writes them for you.
"""

from __future__ import annotations

from posixpath import dirname

from kubeward.audit.policy.profiles import PROFILES, render
from kubeward.harden.apiserver import HardenError

DEFAULT_POLICY_PATH = "/etc/kubernetes/audit/policy.yaml"
DEFAULT_LOG_PATH = "/var/log/kubernetes/audit/audit.log"


def policy_text(profile: str) -> str:
    """The policy of ``profile`` as YAML."""
    if profile not in PROFILES:
        raise HardenError(f"unknown audit policy profile {profile!r} (one of {', '.join(sorted(PROFILES))})")
    return render(profile)


def hint(policy_path: str = DEFAULT_POLICY_PATH, log_path: str = DEFAULT_LOG_PATH) -> str:
    """The flags and mounts that make kube-apiserver use the policy (a YAML comment block)."""
    policy_dir = dirname(policy_path) or "/"
    log_dir = dirname(log_path) or "/"
    return "\n".join(
        [
            "# kube-apiserver flags:",
            f"#   --audit-policy-file={policy_path}",
            f"#   --audit-log-path={log_path}",
            "#   --audit-log-maxage=30 --audit-log-maxbackup=10 --audit-log-maxsize=100",
            "# static pod mounts (kubeadm: apiServer.extraVolumes):",
            f"#   - {{name: audit-policy, hostPath: {policy_dir}, mountPath: {policy_dir}, readOnly: true}}",
            f"#   - {{name: audit-log, hostPath: {log_dir}, mountPath: {log_dir}, readOnly: false}}",
            "# 'kubeward harden apiserver MANIFEST' writes all of this into the manifest.",
            "",
        ]
    )
