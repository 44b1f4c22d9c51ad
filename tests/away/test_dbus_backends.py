"""The Linux D-Bus back ends against fake logind / Mutter / screensaver on private buses."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import pytest

from app.away.dbus_backends import (
    LogindWatcher,
    MutterIdle,
    ScreenSaverIdle,
    ScreenSaverLockWatcher,
)
from app.away.events import AwayEvent, AwayKind, BackendUnavailable
from app.away.idle import find_idle_source
from tests.away.conftest import wait_for
from tests.away.fake_desktop import SESSION_PATH, FakeDesktop

T0 = datetime(2026, 11, 23, 18, 0, tzinfo=UTC)
LOGIN1 = ["org.freedesktop.login1"]
SESSION_NAMES = ["org.gnome.Mutter.IdleMonitor", "org.freedesktop.ScreenSaver"]


@pytest.fixture
def desktop(
    private_bus: Callable[[], str],
) -> Iterator[Callable[[list[str]], tuple[str, FakeDesktop]]]:
    fakes: list[FakeDesktop] = []

    def make(names: list[str]) -> tuple[str, FakeDesktop]:
        address = private_bus()
        fakes.append(FakeDesktop(address, names))
        return address, fakes[-1]

    yield make
    for fake in fakes:
        fake.close()


def test_mutter_and_screensaver_idle_read_the_desktops_counter(
    desktop: Callable[..., tuple[str, FakeDesktop]],
) -> None:
    address, fake = desktop(SESSION_NAMES)
    fake.idle_ms = 42_500
    mutter, saver = MutterIdle(address), ScreenSaverIdle(address)
    try:
        assert mutter.idle_seconds() == 42.5
        assert saver.idle_seconds() == 42.0
    finally:
        mutter.close()
        saver.close()


def test_a_desktop_without_mutter_falls_back_to_the_screensaver(
    desktop: Callable[..., tuple[str, FakeDesktop]],
) -> None:
    address, _ = desktop(["org.freedesktop.ScreenSaver"])
    found = find_idle_source([lambda: MutterIdle(address), lambda: ScreenSaverIdle(address)])
    assert isinstance(found, ScreenSaverIdle)
    found.close()


def test_no_session_bus_is_unavailable_with_the_reason() -> None:
    with pytest.raises(BackendUnavailable, match="no D-Bus"):
        MutterIdle("unix:path=/nonexistent/timetray-test-bus")


def test_screensaver_active_changed_is_lock_and_unlock(
    desktop: Callable[..., tuple[str, FakeDesktop]],
) -> None:
    address, fake = desktop(SESSION_NAMES)
    seen: list[AwayKind] = []
    watcher = ScreenSaverLockWatcher(address, wall=lambda: T0)
    watcher.probe()
    watcher.start(lambda e: seen.append(e.kind))
    try:
        saver = ("/org/freedesktop/ScreenSaver", "org.freedesktop.ScreenSaver")
        fake.emit(*saver, "ActiveChanged", "b", True)
        fake.emit(*saver, "ActiveChanged", "b", False)
        wait_for(lambda: seen == [AwayKind.LOCK, AwayKind.UNLOCK], what="lock, unlock")
    finally:
        watcher.stop()


def test_logind_session_lock_and_unlock(desktop: Callable[..., tuple[str, FakeDesktop]]) -> None:
    address, fake = desktop(LOGIN1)
    seen: list[AwayKind] = []
    watcher = LogindWatcher(address, wall=lambda: T0, sleep=False)
    watcher.probe()
    watcher.start(lambda e: seen.append(e.kind))
    try:
        session = (SESSION_PATH, "org.freedesktop.login1.Session")
        fake.emit(*session, "Lock", "")
        fake.emit(*session, "Unlock", "")
        props = (SESSION_PATH, "org.freedesktop.DBus.Properties")
        fake.emit(
            *props, "PropertiesChanged", "sa{sv}as", session[1], {"LockedHint": ("b", True)}, []
        )
        fake.emit(*props, "PropertiesChanged", "sa{sv}as", session[1], {"Active": ("b", True)}, [])
        fake.emit(*session, "Unlock", "")
        wait_for(
            lambda: seen == [AwayKind.LOCK, AwayKind.UNLOCK, AwayKind.LOCK, AwayKind.UNLOCK],
            what="lock, unlock, lock (LockedHint), unlock",
        )
        assert fake.inhibit_calls == 0  # sleep not asked for: no inhibitor taken
    finally:
        watcher.stop()


def test_prepare_for_sleep_holds_the_machine_until_the_app_acted(
    desktop: Callable[..., tuple[str, FakeDesktop]],
) -> None:
    address, fake = desktop(LOGIN1)
    events: list[AwayEvent] = []
    acting, may_finish = threading.Event(), threading.Event()
    held_while_acting: list[bool] = []

    def listener(event: AwayEvent) -> None:
        events.append(event)
        if event.kind == AwayKind.SLEEP:
            acting.set()
            may_finish.wait(10)
            held_while_acting.append(not fake.released(0))

    now = [T0]
    watcher = LogindWatcher(address, wall=lambda: now[0])
    watcher.probe()
    assert fake.inhibit_calls == 1 and watcher.inhibiting
    watcher.start(listener)
    try:
        manager = ("/org/freedesktop/login1", "org.freedesktop.login1.Manager")
        fake.emit(*manager, "PrepareForSleep", "b", True)
        wait_for(acting.is_set, what="the sleep event")
        may_finish.set()
        wait_for(lambda: fake.released(0), what="the inhibitor released after the app acted")
        assert held_while_acting == [True]
        now[0] = T0.replace(hour=23)
        fake.emit(*manager, "PrepareForSleep", "b", False)
        wait_for(lambda: len(events) == 2, what="the wake event")
        assert events[1] == AwayEvent(AwayKind.WAKE, now[0], T0, "logind")
        wait_for(lambda: fake.inhibit_calls == 2, what="a new inhibitor after wake")
    finally:
        watcher.stop()
    wait_for(lambda: fake.released(1), what="the inhibitor released on stop")


def test_no_logind_is_unavailable(private_bus: Callable[[], str]) -> None:
    watcher = LogindWatcher(private_bus(), wall=lambda: T0)
    with pytest.raises(BackendUnavailable, match="logind session"):
        watcher.probe()
