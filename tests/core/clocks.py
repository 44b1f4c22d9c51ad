"""A clock the tests move by hand (the core takes any :class:`app.core.clock.Clock`)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


class ManualClock:
    """``advance`` moves both clocks (time passes, or the machine sleeps); ``jump`` moves only
    the wall clock (the user or NTP set it)."""

    def __init__(self, start: datetime | None = None) -> None:
        self._wall = start or datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
        self._elapsed = 1000.0

    def now(self) -> datetime:
        return self._wall

    def elapsed(self) -> float:
        return self._elapsed

    def advance(self, seconds: float) -> None:
        self._wall += timedelta(seconds=seconds)
        self._elapsed += seconds

    def jump(self, seconds: float) -> None:
        self._wall += timedelta(seconds=seconds)
