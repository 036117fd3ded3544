"""Removing credential material from configuration documents before they are stored.

Provider descriptions, distro configs and encryption configs can carry passwords, tokens, client
keys or DSNs with credentials. We keep the *presence* of such a field (it is evidence: a GKE
``masterAuth.password`` means basic auth is enabled) and replace its value.
"""

from typing import Any

REDACTED = "[REDACTED]"

_SECRET_WORDS = (
    "password",
    "passwd",
    "secret",
    "token",
    "privatekey",
    "private-key",
    "private_key",
    "clientkey",
)
_SECRET_KEYS = frozenset(
    {
        "clientKey",
        "client-key-data",
        "datastore-endpoint",  # k3s DSN, may embed user:password
        "vpn-auth",  # k3s "name=tailscale,joinKey=<key>": the join key is a credential
        "adminPassword",
        "sshKey",
    }
)
# Names that contain a secret word but hold no secret.
_SAFE_KEYS = frozenset(
    {
        "tokenFile",
        "token-auth-file",
        "secretsEncryption",
        "secrets-encryption",
        "serviceAccountTokenVolumeProjection",
        "passwordFile",
        "enableKubernetesAlpha",
    }
)


def is_secret_key(key: str) -> bool:
    """True when a field of this name is likely to hold credential material."""
    if key in _SAFE_KEYS:
        return False
    if key in _SECRET_KEYS:
        return True
    lowered = key.lower().replace("_", "").replace("-", "")
    return any(word.replace("-", "").replace("_", "") in lowered for word in _SECRET_WORDS)


def redact(value: Any) -> Any:
    """A copy of ``value`` with every secret-named field's non-empty value replaced."""
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, item in value.items():
            if isinstance(key, str) and is_secret_key(key) and item not in (None, "", [], {}):
                out[key] = REDACTED if not isinstance(item, (dict, list)) else redact_all(item)
            else:
                out[key] = redact(item)
        return out
    if isinstance(value, list):
        return [redact(item) for item in value]
    return value


def redact_all(value: Any) -> Any:
    """Replace every leaf of a secret subtree, keeping its shape (so presence stays visible)."""
    if isinstance(value, dict):
        return {key: redact_all(item) for key, item in value.items()}
    if isinstance(value, list):
        return [redact_all(item) for item in value]
    return REDACTED if value not in (None, "") else value
