"""Time in the store: always timezone-aware UTC, stored as fixed-width ISO-8601 text.

A fixed width (microseconds always present, ``+00:00`` suffix) makes lexical order equal to
time order, so SQL can compare the stored text directly.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """The default clock."""
    return datetime.now(UTC)


def to_db(value: datetime) -> str:
    """Render an aware datetime for storage; a naive one is refused rather than guessed."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("naive datetime: the store only accepts timezone-aware times")
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def from_db(text: str) -> datetime:
    return datetime.fromisoformat(text)


def opt_from_db(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)
