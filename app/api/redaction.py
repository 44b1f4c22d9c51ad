"""Secrets taken out of text before it is written anywhere (the log, above all).

The API layer never formats a token or a password into a message, but an exception can carry
one in its text (a proxy echoing the request, a library's repr of a request body) and a
traceback prints it. So everything the log writes goes through :func:`redact`, which removes:

* anything shaped like a JWT (the contract's access and refresh tokens);
* the value after ``Bearer``;
* the values of fields that hold secrets (``"refresh_token": "..."``, ``password=...``),
  whatever the token looks like, so an opaque refresh token is covered too;
* every token this process currently holds (:func:`hold`), wherever it appears, since an
  opaque token in free text has no shape to recognise it by.
"""

from __future__ import annotations

import re
import threading
from collections import deque

REDACTED = "<redacted>"
# Shorter strings are too likely to be ordinary words; no real token is this short.
MIN_HELD_LENGTH = 12
# A session rotates its refresh token on every renewal; the last few are enough to cover a
# token that is still in flight in a message being logged.
HELD_LIMIT = 16

_JWT = re.compile(r"eyJ[\w-]+\.[\w-]+\.[\w-]*")
_BEARER = re.compile(r"(?i)\b(bearer\s+)[^\s\"',;]+")
_SECRET_FIELD = re.compile(
    r"""(?ix)
    (?P<key>["']?\b(?:refresh_token|access_token|id_token|password|client_secret)\b["']?
        \s*[:=]\s*)
    (?:
        (?P<quote>["'])(?:\\.|(?!(?P=quote)).)*(?P=quote)   # a quoted value
      | (?!["'])[^\s,;&}\])]+                              # or a bare one
    )
    """
)

_lock = threading.Lock()
_held: deque[str] = deque(maxlen=HELD_LIMIT)


def hold(secret: str | None) -> None:
    """Remember a token this process holds, so it is redacted wherever it shows up."""
    if not secret or len(secret) < MIN_HELD_LENGTH:
        return
    with _lock:
        if secret in _held:
            return
        _held.append(secret)


def forget_all() -> None:
    """Drop every held token (after a sign-out; also for tests)."""
    with _lock:
        _held.clear()


def _field(match: re.Match[str]) -> str:
    quote = match.group("quote") or ""
    return f"{match.group('key')}{quote}{REDACTED}{quote}"


def redact(text: str) -> str:
    """``text`` with every secret described in the module docstring replaced."""
    with _lock:
        held = sorted(_held, key=len, reverse=True)
    for secret in held:
        if secret in text:
            text = text.replace(secret, REDACTED)
    text = _JWT.sub(REDACTED, text)
    text = _BEARER.sub(lambda m: m.group(1) + REDACTED, text)
    return _SECRET_FIELD.sub(_field, text)
