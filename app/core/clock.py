"""Time sources for the core, injectable so that tests can move time by hand.

Two clocks are needed: the wall clock (UTC, what the server and the store speak) and a clock
that keeps counting while the machine sleeps but never jumps when the user or NTP changes the
wall clock (``CLOCK_BOOTTIME`` on Linux, ``time.monotonic`` elsewhere, which on Windows and
macOS already includes sleep). Comparing the two tells a real sleep from a clock jump.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from app.api.timeutil import utc_now

__all__ = [
    "Clock",
    "FunctionClock",
    "ShiftDetector",
    "SystemClock",
    "TimeShift",
    "as_clock",
    "utc_now",
]


def _elapsed_clock() -> float:
    boottime = getattr(time, "CLOCK_BOOTTIME", None)
    if boottime is not None:
        return time.clock_gettime(boottime)
    return time.monotonic()


class Clock(Protocol):
    def now(self) -> datetime:
        """Timezone-aware UTC wall-clock time."""

    def elapsed(self) -> float:
        """Seconds on a clock that counts through sleep and never jumps."""


class SystemClock:
    def now(self) -> datetime:
        return utc_now()

    def elapsed(self) -> float:
        return _elapsed_clock()


class FunctionClock:
    """A wall clock given as a plain function (what a caller of the CLI or a test may have),
    with the system's clock for elapsed time."""

    def __init__(self, now: Callable[[], datetime]) -> None:
        self._now = now

    def now(self) -> datetime:
        return self._now()

    def elapsed(self) -> float:
        return _elapsed_clock()


def as_clock(clock: Clock | Callable[[], datetime] | None) -> Clock:
    if clock is None:
        return SystemClock()
    if callable(clock):
        return FunctionClock(clock)
    return clock


@dataclass(frozen=True)
class TimeShift:
    """What happened between two observations of the clocks.

    ``slept`` is true when real time passed in one go much longer than our tick (the machine
    slept, or the process was frozen); ``wall_jump`` is how far the wall clock moved on top of
    real time (positive: set forward). Both are reasons to poll at once; only a wall jump
    changes how locally measured segments must be read.
    """

    real_seconds: float
    wall_jump: float
    slept: bool


class ShiftDetector:
    """Notices sleep/resume and wall-clock jumps between two calls of :meth:`check`."""

    def __init__(self, clock: Clock, *, tick_seconds: float, jump_tolerance: float = 2.0) -> None:
        self._clock = clock
        self._tick = tick_seconds
        self._tolerance = jump_tolerance
        self._last_wall = clock.now()
        self._last_elapsed = clock.elapsed()

    @property
    def last_wall(self) -> datetime:
        return self._last_wall

    def check(self) -> TimeShift:
        wall = self._clock.now()
        elapsed = self._clock.elapsed()
        real = elapsed - self._last_elapsed
        wall_delta = (wall - self._last_wall).total_seconds()
        jump = wall_delta - real
        self._last_wall, self._last_elapsed = wall, elapsed
        return TimeShift(
            real_seconds=real,
            wall_jump=jump if abs(jump) > self._tolerance else 0.0,
            slept=real > max(3 * self._tick, self._tick + 30.0),
        )
