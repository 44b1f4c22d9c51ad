"""Time on the wire: parse what the server sends, format what we send, read the ``Date`` header.

The server writes ``Z`` in most schemas but ``+00:00`` in a few (and treats a naive time as UTC),
so parsing accepts every ISO-8601 form and always yields an aware UTC datetime. Sending is
stricter: a naive datetime is a programming error here, because mixing one naive and one aware
time in the same body makes the server answer 500.
"""

from __future__ import annotations

import email.utils
import logging
from datetime import UTC, datetime

logger = logging.getLogger(__name__)


def utc_now() -> datetime:
    """The client's current time, aware UTC (the default injectable clock)."""
    return datetime.now(UTC)


def parse_datetime(value: object) -> datetime | None:
    """Aware UTC from ISO-8601 (``Z``, ``+00:00``, any offset, or naive meaning UTC).

    ``None`` and empty strings give ``None``; anything unparsable raises ``ValueError`` so that a
    broken server answer is noticed instead of silently becoming "no time".
    """
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, int | float) and not isinstance(value, bool):
        return datetime.fromtimestamp(float(value), UTC)
    elif isinstance(value, str):
        text = value.strip()
        if text.endswith(("z", "Z")):
            text = text[:-1] + "+00:00"
        parsed = datetime.fromisoformat(text)
    else:
        raise ValueError(f"not a timestamp: {type(value).__name__}")
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def require_aware(value: datetime, name: str = "datetime") -> datetime:
    """Reject naive datetimes before anything is sent: the server would guess, or answer 500."""
    if value.tzinfo is None or value.tzinfo.utcoffset(value) is None:
        raise ValueError(f"{name} must be timezone-aware (got a naive datetime)")
    return value.astimezone(UTC)


def to_wire(value: datetime, name: str = "datetime") -> str:
    """ISO-8601 in UTC with a ``Z`` suffix, the form the server itself writes."""
    return require_aware(value, name).isoformat().replace("+00:00", "Z")


def parse_http_date(value: str | None) -> datetime | None:
    """Aware UTC from an HTTP ``Date``/``Retry-After`` header; ``None`` if absent or bad."""
    if not value:
        return None
    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        logger.debug("Ignoring an unparsable HTTP date header: %r", value)
        return None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def describe_wait(seconds: float) -> str:
    """A human duration for "try again in ...", rounded up so the user never retries too early."""
    whole = max(1, int(-(-seconds // 1)))
    if whole < 60:
        return f"{whole} second{'s' if whole != 1 else ''}"
    minutes = -(-whole // 60)
    if minutes < 120:
        return f"{minutes} minute{'s' if minutes != 1 else ''}"
    hours = -(-minutes // 60)
    return f"{hours} hours"
