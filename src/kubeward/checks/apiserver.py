"""kube-apiserver configuration rules (the seed set; the full catalog builds on these helpers).

Each verdict names the flag, its effective value and what decided it (flag, installer default or
the kube-apiserver default), because most wrong verdicts in peer tools come from defaults read
wrongly: an absent ``--anonymous-auth`` means *enabled*.

The rules live in one module per area: ``authentication``, ``authorization``, ``exposure``, ``tls``,
``admission`` and ``pod_security_labels``, ``availability``, ``audit_config``.
"""
