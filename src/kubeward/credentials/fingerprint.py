"""Fingerprints and JWT claims: how credentials are named without being shown.

A fingerprint is ``sha256:`` and the first 16 hex digits of the SHA-256 of the credential: enough to
tell that two files hold the same token, useless for recovering it. JWTs are decoded without
verifying their signature: kubeward only reads the claims that say what kind of token it is and
when (if ever) it expires.
"""

import base64
import binascii
import datetime as dt
import hashlib
from typing import Any

import msgspec

from kubeward.inventory.credentials import TokenFacts

LEGACY_SA_ISSUER = "kubernetes/serviceaccount"


def fingerprint(value: bytes | str) -> str:
    """``sha256:<16 hex>`` of ``value``."""
    data = value.encode() if isinstance(value, str) else value
    return "sha256:" + hashlib.sha256(data).hexdigest()[:16]


def _b64url(part: str) -> bytes:
    padded = part + "=" * (-len(part) % 4)
    return base64.urlsafe_b64decode(padded.encode("ascii"))


def jwt_claims(token: str) -> dict[str, Any] | None:
    """The payload of a JWT, or None when ``token`` is not one. The signature is not verified."""
    parts = token.strip().split(".")
    if len(parts) != 3 or not all(parts[:2]):
        return None
    try:
        header = msgspec.json.decode(_b64url(parts[0]))
        claims = msgspec.json.decode(_b64url(parts[1]))
    except (binascii.Error, ValueError, msgspec.DecodeError, UnicodeEncodeError):
        return None
    if not isinstance(header, dict) or not isinstance(claims, dict):
        return None
    return claims


def token_facts(token: str) -> TokenFacts:
    """Fingerprint a bearer token and, for a JWT, keep issuer, subject and expiry.

    A legacy service-account token (issuer ``kubernetes/serviceaccount``, the Secret-based tokens
    of before 1.24) carries no ``exp``: it is valid until its Secret is deleted.
    """
    claims = jwt_claims(token)
    if claims is None:
        return TokenFacts(fingerprint=fingerprint(token))
    issuer = str(claims.get("iss", ""))
    subject = str(claims.get("sub", ""))
    exp = claims.get("exp")
    expires = ""
    if isinstance(exp, int | float) and not isinstance(exp, bool):
        try:
            expires = dt.datetime.fromtimestamp(exp, dt.UTC).isoformat(timespec="seconds")
        except (OverflowError, OSError, ValueError):
            expires = ""
    legacy = issuer == LEGACY_SA_ISSUER or (
        "kubernetes.io/serviceaccount/secret.name" in claims and "exp" not in claims
    )
    return TokenFacts(
        fingerprint=fingerprint(token),
        jwt=True,
        issuer=issuer,
        subject=subject,
        expires=expires,
        legacy_service_account=legacy,
    )
