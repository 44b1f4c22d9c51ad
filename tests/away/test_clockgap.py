"""The portable sleep detector on injected clocks, and for real on a frozen process."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from typing import IO

import pytest

from app.away.clockgap import ClockGapWatcher
from app.away.events import AwayEvent, AwayKind

T0 = datetime(2026, 11, 23, 18, 0, tzinfo=UTC)


class Clocks:
    def __init__(self) -> None:
        self.wall = T0
        self.elapsed = 1000.0

    def run(self, seconds: float) -> None:
        self.wall += timedelta(seconds=seconds)
        self.elapsed += seconds


def make() -> tuple[Clocks, ClockGapWatcher]:
    c = Clocks()
    return c, ClockGapWatcher(wall=lambda: c.wall, elapsed=lambda: c.elapsed, tick=5, min_gap=60)


def test_regular_ticks_are_no_sleep() -> None:
    c, w = make()
    for _ in range(10):
        c.run(5)
        assert w.check() is None
    c.run(50)  # a slow tick on a loaded machine is not a sleep either
    assert w.check() is None


def test_a_night_of_sleep_is_a_wake_since_the_last_tick() -> None:
    c, w = make()
    c.run(5)
    w.check()
    c.run(15 * 3600)
    event = w.check()
    assert event == AwayEvent(AwayKind.WAKE, c.wall, T0 + timedelta(seconds=5), "clock-gap")


def test_setting_the_wall_clock_is_not_a_sleep() -> None:
    c, w = make()
    c.run(5)
    c.wall += timedelta(hours=1)
    assert w.check() is None
    c.wall -= timedelta(hours=2)
    assert w.check() is None


def test_a_clock_change_during_sleep_does_not_change_its_length() -> None:
    c, w = make()
    c.run(2 * 3600)
    c.wall -= timedelta(hours=1)  # time zone / NTP fix while asleep
    event = w.check()
    assert event is not None and event.since is not None
    assert event.at - event.since == timedelta(hours=2)


CHILD = """
import sys
from datetime import UTC, datetime
from app.away.clockgap import ClockGapWatcher
w = ClockGapWatcher(wall=lambda: datetime.now(UTC), tick=0.05, min_gap=0.5)
w.start(lambda e: print(e.kind, (e.at - e.since).total_seconds(), flush=True))
print("ready", flush=True)
sys.stdin.read()
"""


def readline(stream: IO[str], timeout: float = 20.0) -> str:
    ready, _, _ = select.select([stream], [], [], timeout)
    if not ready:
        pytest.fail("the child said nothing")
    return stream.readline()


@pytest.mark.skipif(sys.platform == "win32", reason="SIGSTOP is POSIX")
def test_a_frozen_process_sees_the_gap_on_the_real_clocks() -> None:
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=os.path.dirname(os.path.dirname(os.path.dirname(__file__))),
    )
    try:
        assert child.stdout is not None
        assert readline(child.stdout).strip() == "ready"
        child.send_signal(signal.SIGSTOP)
        time.sleep(1.5)  # the gap itself: what the real clocks must show
        child.send_signal(signal.SIGCONT)
        kind, seconds = readline(child.stdout).split()
        assert kind == "wake"
        assert float(seconds) >= 1.0
    finally:
        child.kill()
        child.wait(10)
