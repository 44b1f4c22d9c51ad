"""Idle time: the real X11 counter under Xvfb, the watcher's events, and 'unavailable'."""

from __future__ import annotations

import shutil
import subprocess
from datetime import UTC, datetime, timedelta

import pytest

from app.away.events import AwayEvent, AwayKind, BackendUnavailable, Unavailable
from app.away.idle import IdleSource, IdleWatcher, find_idle_source
from app.away.x11 import XScreenSaverIdle
from tests.away.conftest import wait_for

T0 = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


class FakeIdle(IdleSource):
    name = "fake"

    def __init__(self) -> None:
        self.seconds = 0.0

    def idle_seconds(self) -> float:
        return self.seconds


def move(display: str, x: int, y: int) -> None:
    subprocess.run(["xdotool", "mousemove", str(x), str(y)], env={"DISPLAY": display}, check=True)


def test_x11_idle_counter_grows_without_input_and_resets_on_a_move(xvfb: str) -> None:
    if shutil.which("xdotool") is None:
        pytest.skip("xdotool is not installed (apt package xdotool; .ci/setup installs it)")
    source = XScreenSaverIdle(xvfb)
    try:
        move(xvfb, 10, 10)
        first = source.idle_seconds()
        # Grown well past what a delayed check after the move could see again (loaded CI).
        wait_for(lambda: source.idle_seconds() > first + 1.0, what="the idle counter to grow")
        grown = source.idle_seconds()
        move(xvfb, 200, 200)
        wait_for(lambda: source.idle_seconds() < grown, what="the counter to reset on input")
    finally:
        source.close()


def test_x11_watcher_says_idle_then_active_on_the_real_counter(xvfb: str) -> None:
    if shutil.which("xdotool") is None:
        pytest.skip("xdotool is not installed (apt package xdotool; .ci/setup installs it)")
    source = XScreenSaverIdle(xvfb)
    watcher = IdleWatcher(source, threshold_seconds=0.5, wall=lambda: datetime.now(UTC))
    seen: list[AwayEvent] = []

    def polled() -> bool:
        event = watcher.poll()
        if event is not None:
            seen.append(event)
        return event is not None

    try:
        move(xvfb, 10, 10)
        wait_for(polled, what="IDLE from the X counter")
        # Let the counter climb well past where it could be again at a delayed poll after the
        # move, then let the watcher see that height.
        wait_for(lambda: source.idle_seconds() > 1.5, what="the counter to climb")
        assert watcher.poll() is None
        move(xvfb, 300, 300)
        wait_for(polled, what="ACTIVE after the move")
        assert [e.kind for e in seen] == [AwayKind.IDLE, AwayKind.ACTIVE]
    finally:
        source.close()


def test_x11_without_a_display_is_unavailable_with_the_reason() -> None:
    with pytest.raises(BackendUnavailable, match="no DISPLAY"):
        XScreenSaverIdle("")
    with pytest.raises(BackendUnavailable, match="cannot open display"):
        XScreenSaverIdle(":4242")


def test_idle_event_starts_at_the_last_input_and_active_follows_input() -> None:
    source, now = FakeIdle(), [T0]
    watcher = IdleWatcher(source, threshold_seconds=600, wall=lambda: now[0])
    source.seconds = 599
    assert watcher.poll() is None
    now[0], source.seconds = T0 + timedelta(seconds=5), 604
    idle = watcher.poll()
    assert idle == AwayEvent(AwayKind.IDLE, now[0], T0 - timedelta(seconds=599), "fake")
    now[0], source.seconds = T0 + timedelta(minutes=30), 2399
    assert watcher.poll() is None  # still away
    now[0], source.seconds = T0 + timedelta(minutes=31), 2.0
    active = watcher.poll()
    assert active is not None and active.kind == AwayKind.ACTIVE


@pytest.mark.expect_logged_error(r"away listener failed", logger="app.away.events")
def test_watcher_thread_delivers_events_and_survives_a_failing_listener() -> None:
    source = FakeIdle()
    watcher = IdleWatcher(source, threshold_seconds=60, wall=lambda: T0, interval=0.01)
    seen: list[AwayKind] = []

    def listener(event: AwayEvent) -> None:
        seen.append(event.kind)
        if len(seen) == 1:
            raise RuntimeError("core hiccup")

    watcher.start(listener)
    try:
        source.seconds = 61
        wait_for(lambda: seen == [AwayKind.IDLE], what="IDLE")
        source.seconds = 1
        wait_for(lambda: seen == [AwayKind.IDLE, AwayKind.ACTIVE], what="ACTIVE after a failure")
    finally:
        watcher.stop()


class Broken(IdleSource):
    def __init__(self) -> None:
        raise BackendUnavailable("nobody home")

    def idle_seconds(self) -> float:
        raise AssertionError("never constructed")


def test_no_counter_is_unavailable_with_every_reason_not_a_guess() -> None:
    result = find_idle_source([Broken, Broken])
    assert isinstance(result, Unavailable)
    assert str(result) == "idle detection unavailable: nobody home; nobody home"


def test_the_first_counter_that_answers_wins() -> None:
    assert isinstance(find_idle_source([Broken, FakeIdle]), FakeIdle)
