"""Windows and macOS back ends: their pure parts here, the OS calls only on that OS."""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta

import pytest

from app.away import macos, windows
from app.away.events import AwayEvent, AwayKind, BackendUnavailable

T0 = datetime(2026, 11, 23, 18, 0, tzinfo=UTC)


def test_windows_idle_survives_the_tick_count_wrapping() -> None:
    assert windows.idle_from_ticks(5_000, 2_000) == 3.0
    assert windows.idle_from_ticks(1_000, 0xFFFFFFFF - 999) == 2.0  # after 49.7 days up


def test_windows_messages_mean_lock_unlock_sleep_and_one_wake() -> None:
    now = [T0]
    messages = windows.SessionMessages(lambda: now[0])
    lock = messages.on_message(windows.WM_WTSSESSION_CHANGE, windows.WTS_SESSION_LOCK)
    assert lock is not None and lock.kind == AwayKind.LOCK
    assert messages.on_message(windows.WM_WTSSESSION_CHANGE, 0x5) is None  # logon: not ours
    sleep = messages.on_message(windows.WM_POWERBROADCAST, windows.PBT_APMSUSPEND)
    assert sleep is not None and sleep.kind == AwayKind.SLEEP
    now[0] = T0 + timedelta(hours=8)
    wake = messages.on_message(windows.WM_POWERBROADCAST, windows.PBT_APMRESUMEAUTOMATIC)
    assert wake == AwayEvent(AwayKind.WAKE, now[0], T0, "win32")
    # Windows sends a second resume when it sees input: still the same wake.
    assert messages.on_message(windows.WM_POWERBROADCAST, windows.PBT_APMRESUMESUSPEND) is None
    unlock = messages.on_message(windows.WM_WTSSESSION_CHANGE, windows.WTS_SESSION_UNLOCK)
    assert unlock is not None and unlock.kind == AwayKind.UNLOCK


def test_macos_hid_idle_is_read_in_nanoseconds() -> None:
    sample = '    | |   "HIDIdleTime" = 12500000000\n    | |   "HIDKeyboardModifierMappingPairs"'
    assert macos.parse_hid_idle(sample) == 12.5
    with pytest.raises(BackendUnavailable, match="no HIDIdleTime"):
        macos.parse_hid_idle("+-o IOHIDSystem  <class IOHIDSystem>")


def test_macos_notifications_mean_lock_unlock_sleep_and_wake_since_sleep() -> None:
    now = [T0]
    events = macos.NotificationEvents(lambda: now[0])
    assert events.on("com.apple.screenIsLocked") == AwayEvent(AwayKind.LOCK, T0, None, "macos")
    assert events.on("com.apple.screensaver.didstart") is None
    sleep = events.on("NSWorkspaceWillSleepNotification")
    assert sleep is not None and sleep.kind == AwayKind.SLEEP
    now[0] = T0 + timedelta(hours=2)
    assert events.on("NSWorkspaceDidWakeNotification") == AwayEvent(
        AwayKind.WAKE, now[0], T0, "macos"
    )
    unlock = events.on("com.apple.screenIsUnlocked")
    assert unlock is not None and unlock.kind == AwayKind.UNLOCK


@pytest.mark.skipif(sys.platform == "win32", reason="checks the refusal off Windows")
def test_windows_back_ends_refuse_elsewhere_with_a_reason() -> None:
    with pytest.raises(BackendUnavailable, match="Windows only"):
        windows.LastInputIdle()
    with pytest.raises(BackendUnavailable, match="Windows only"):
        windows.WindowsSessionWatcher(wall=lambda: T0)


@pytest.mark.skipif(sys.platform == "darwin", reason="checks the refusal off macOS")
def test_macos_back_ends_refuse_elsewhere_with_a_reason() -> None:
    with pytest.raises(BackendUnavailable, match="macOS only"):
        macos.HIDIdle()
    with pytest.raises(BackendUnavailable, match="macOS only"):
        macos.MacNotificationWatcher(wall=lambda: T0)


@pytest.mark.skipif(sys.platform != "win32", reason="GetLastInputInfo exists only on Windows")
def test_windows_real_idle_counter_answers() -> None:
    assert windows.LastInputIdle().idle_seconds() >= 0.0


@pytest.mark.skipif(sys.platform != "darwin", reason="the I/O Registry exists only on macOS")
def test_macos_real_idle_counter_answers() -> None:
    assert macos.HIDIdle().idle_seconds() >= 0.0
