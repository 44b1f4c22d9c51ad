"""The whole set of signals for this machine, from nothing available to a full desktop."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime

from app.away.clockgap import ClockGapWatcher
from app.away.commands import AwayCommand, PauseTimer
from app.away.dbus_backends import LogindWatcher, ScreenSaverLockWatcher
from app.away.decider import AwayDecider
from app.away.events import AwayEvent
from app.away.idle import IdleWatcher
from app.away.question import TaskRef
from app.away.signals import away_signals
from app.away.x11 import XScreenSaverIdle
from tests.away.conftest import wait_for
from tests.away.fake_desktop import FakeDesktop

T0 = datetime(2026, 11, 23, 18, 0, tzinfo=UTC)
NO_BUS = "unix:path=/nonexistent/timetray-test-bus"


def test_a_bare_machine_says_what_is_missing_and_keeps_the_clock_fallback() -> None:
    found = away_signals(
        lambda: T0,
        idle_threshold_seconds=600,
        idle_sources=[lambda: XScreenSaverIdle("")],
        system_bus=NO_BUS,
        session_bus=NO_BUS,
    )
    assert [type(w) for w in found.watchers] == [ClockGapWatcher]
    said = [str(u) for u in found.unavailable]
    assert said[0] == "idle detection unavailable: X11: no DISPLAY"
    assert said[1].startswith("sleep detection unavailable: logind: no D-Bus")
    assert said[2].startswith("lock detection unavailable: logind: no D-Bus")


def test_a_full_desktop_pauses_the_timer_before_the_machine_sleeps(
    xvfb: str, private_bus: Callable[[], str]
) -> None:
    system, session = private_bus(), private_bus()
    logind = FakeDesktop(system, ["org.freedesktop.login1"])
    saver = FakeDesktop(session, ["org.freedesktop.ScreenSaver"])
    found = away_signals(
        lambda: T0,
        idle_threshold_seconds=600,
        idle_sources=[lambda: XScreenSaverIdle(xvfb)],
        system_bus=system,
        session_bus=session,
    )
    assert [type(w) for w in found.watchers] == [
        IdleWatcher,
        LogindWatcher,
        ScreenSaverLockWatcher,
        ClockGapWatcher,
    ]
    assert found.unavailable == []
    decider = AwayDecider(lambda: T0, away_minutes=10)
    decider.timer_changed(TaskRef("7", "Implement tray sync"))
    done: list[AwayCommand] = []
    held: list[bool] = []
    lock = threading.Lock()

    def core(event: AwayEvent) -> None:  # what the core will do: decide and act, in one place
        with lock:
            done.extend(decider.handle(event))
            held.append(not logind.released(0))

    found.start(core)
    try:
        logind.emit(
            "/org/freedesktop/login1",
            "org.freedesktop.login1.Manager",
            "PrepareForSleep",
            "b",
            True,
        )
        wait_for(lambda: logind.released(0), what="the inhibitor released")
        assert done == [PauseTimer(T0, "sleep", TaskRef("7", "Implement tray sync"))]
        assert held == [True]  # the pause was decided while the machine was still held
    finally:
        found.stop()
        logind.close()
        saver.close()
