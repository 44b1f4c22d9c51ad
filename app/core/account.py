"""Which account an outbox item belongs to.

Every queued command records the server and the e-mail it was made under, so that a queue
written while Erin was signed in is never sent with Sam's session (or to another server). Items
from before this rule (no account recorded) belong to whoever is signed in.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

ACCOUNT_KEY = "account"


def _norm_server(url: str | None) -> str | None:
    return url.rstrip("/").lower() if url else None


def _norm_email(email: str | None) -> str | None:
    return email.strip().lower() if email else None


def stamp(payload: dict[str, Any], server_url: str | None, email: str | None) -> dict[str, Any]:
    """The payload with its account recorded (unchanged when there is nothing to record)."""
    if not server_url and not email:
        return payload
    return {**payload, ACCOUNT_KEY: {"server_url": server_url, "email": email}}


def account_of(payload: Mapping[str, Any]) -> tuple[str | None, str | None]:
    raw = payload.get(ACCOUNT_KEY)
    if not isinstance(raw, Mapping):
        return None, None
    server, email = raw.get("server_url"), raw.get("email")
    return (
        str(server) if server else None,
        str(email) if email else None,
    )


def belongs(payload: Mapping[str, Any], server_url: str | None, email: str | None) -> bool:
    """True when the item may be sent with the session of ``email`` on ``server_url``."""
    server, owner = account_of(payload)
    if server is not None and _norm_server(server) != _norm_server(server_url):
        return False
    return owner is None or _norm_email(owner) == _norm_email(email)


def waiting_note(
    payload: Mapping[str, Any], server_url: str | None, email: str | None, signed_in: bool
) -> str | None:
    """The queue list's note for an item that waits for another account to sign in."""
    _, owner = account_of(payload)
    if owner is None:
        return None
    if signed_in and belongs(payload, server_url, email):
        return None
    return f"waiting for {owner} to sign in"
