"""The server's clock and its time formats.

Tests must be able to move the server's notion of "now" (a 65 s timer run, a shift end, a
16 h stale attendance) without sleeping, so every module reads the time from one
:class:`ServerClock` whose offset the control endpoints can change. Times are stored as integer
microseconds since the epoch: exact, sortable and cheap to compare in SQLite.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class ServerClock:
    """Real UTC time shifted by an adjustable offset (thread-safe)."""

    def __init__(self) -> None:
        self._offset = timedelta(0)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            offset = self._offset
        return datetime.now(UTC) + offset

    @property
    def offset(self) -> timedelta:
        with self._lock:
            return self._offset

    def set_offset(self, offset: timedelta) -> None:
        with self._lock:
            self._offset = offset

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._offset += timedelta(seconds=seconds)

    def set_now(self, when: datetime) -> None:
        """Make ``now()`` return ``when`` at this instant; time keeps flowing from there."""
        with self._lock:
            self._offset = to_utc(when) - datetime.now(UTC)


def to_utc(value: datetime) -> datetime:
    """Naive input times are taken as UTC, aware ones are converted (as the real server does)."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def to_micros(value: datetime) -> int:
    delta = to_utc(value) - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def from_micros(value: int) -> datetime:
    return _EPOCH + timedelta(microseconds=value)


def iso_z(value: datetime | None) -> str | None:
    """UTC ISO-8601 with a ``Z`` suffix; microseconds only when non-zero (like Pydantic)."""
    if value is None:
        return None
    return to_utc(value).isoformat().replace("+00:00", "Z")


def iso_micros(value: int | None) -> str | None:
    return None if value is None else iso_z(from_micros(value))


def iso_offset(value: datetime | None) -> str | None:
    """The ``+00:00`` form some payloads (login ``user``) use instead of ``Z``."""
    return None if value is None else to_utc(value).isoformat()
