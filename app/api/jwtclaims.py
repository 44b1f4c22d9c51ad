"""Read a JWT's ``exp`` without verifying it.

The login/refresh responses have no ``expires_in``, so the access token's lifetime comes from
its ``exp`` claim. The client only uses it to decide *when* to refresh; the server still checks
the signature, so no key and no JWT library are needed here.
"""

from __future__ import annotations

import base64
import binascii
import json
from datetime import UTC, datetime


def expiry(token: str) -> datetime | None:
    """The ``exp`` claim as aware UTC (server clock), or None when the token has none/is opaque."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    payload = parts[1]
    try:
        raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
        claims = json.loads(raw)
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return None
    exp = claims.get("exp") if isinstance(claims, dict) else None
    if not isinstance(exp, int | float) or isinstance(exp, bool):
        return None
    try:
        return datetime.fromtimestamp(float(exp), UTC)
    except (OverflowError, OSError, ValueError):
        return None
