"""The portable sleep detector: time passed that the process did not live through.

Works on every OS with no service at all, and catches what the OS signals miss (a battery
that died, a hibernation without an inhibitor, a frozen VM). It ticks every few seconds and
compares the wall clock with a clock that keeps counting through sleep but never jumps
(``CLOCK_BOOTTIME`` on Linux, ``CLOCK_MONOTONIC`` on macOS, ``time.monotonic`` on Windows).
A gap on that clock far longer than a tick is a sleep; a wall clock that moved without such a
gap is someone (or NTP) setting the time, which is not an absence and is ignored.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable
from datetime import datetime, timedelta

from app.away.events import AwayEvent, AwayKind, ThreadedWatcher

log = logging.getLogger(__name__)

WallClock = Callable[[], datetime]
ElapsedClock = Callable[[], float]


def sleep_counting_clock() -> float:
    """Seconds on a clock that counts through suspend and is never set."""
    if sys.platform == "linux":
        return time.clock_gettime(time.CLOCK_BOOTTIME)
    if sys.platform == "darwin":  # unlike mach_absolute_time, this one counts sleep
        return time.clock_gettime(time.CLOCK_MONOTONIC)
    return time.monotonic()


class ClockGapWatcher(ThreadedWatcher):
    """Says WAKE (with ``since`` = the last moment we were surely awake) after a gap."""

    name = "clock-gap"

    def __init__(
        self,
        *,
        wall: WallClock,
        elapsed: ElapsedClock = sleep_counting_clock,
        tick: float = 5.0,
        min_gap: float = 60.0,
    ) -> None:
        super().__init__()
        self._wall, self._elapsed = wall, elapsed
        self._tick, self._min_gap = tick, min_gap
        self._last_elapsed = elapsed()

    def check(self) -> AwayEvent | None:
        now, elapsed = self._wall(), self._elapsed()
        real = elapsed - self._last_elapsed
        self._last_elapsed = elapsed
        if real - self._tick < self._min_gap:
            return None
        # Measured on the sleep-counting clock, so a wall clock set during the sleep does not
        # stretch or shrink the absence.
        since = now - timedelta(seconds=real)
        log.info("clock gap of %.0f s: the machine slept or the process was frozen", real)
        event = AwayEvent(AwayKind.WAKE, now, since, self.name)
        self.emit(event)
        return event

    def _run(self) -> None:
        self._last_elapsed = self._elapsed()
        while not self._stopping.wait(self._tick):
            self.check()
