"""Time against the contract server with the injectable clock: reminders fire once, and sleep
or a wall-clock jump neither stops nor double-counts a running timer."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from app.config import Settings
from app.core.service import CoreService
from app.core.snapshot import Notice
from app.core.wiring import build_core
from tests.core.clocks import ManualClock
from tests.core.conftest import EMAIL, PASSWORD
from tests.core.proxy import Proxy
from tests.core.test_sync import TRAY


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(datetime.now(UTC))


def make_core(url: str, data_dir: Path, clock: ManualClock, **settings: object) -> CoreService:
    c = build_core(Settings(server_url=url, **settings), data_dir, clock=clock, role="cli")  # type: ignore[arg-type]
    c.notices = []  # type: ignore[attr-defined]
    c.subscribe(lambda s: None, c.notices.append)  # type: ignore[attr-defined]
    c.open(poll=False)
    return c


@pytest.fixture
def timed(proxy: Proxy, tmp_path: Path, clock: ManualClock) -> Iterator[CoreService]:
    c = make_core(
        proxy.url, tmp_path / "data", clock, long_timer_hours=1.0, idle_reminder_minutes=30
    )
    assert c.login(proxy.url, EMAIL, PASSWORD).result(30).status == "done"
    yield c
    c.shutdown()


def tick(core: CoreService) -> None:
    core.worker.submit(core.poller.tick).result(30)


def kinds(core: CoreService) -> list[str]:
    notices: list[Notice] = core.notices  # type: ignore[attr-defined]
    return [n.kind for n in notices]


def elapsed(core: CoreService) -> float:
    timer = core.snapshot().timer
    assert timer is not None and timer.state == "running"
    return timer.elapsed_seconds(core.clock.now())


def test_idle_reminder_fires_once_per_idle_stretch(timed: CoreService, clock: ManualClock) -> None:
    assert timed.check_in().result(30).status == "done"
    tick(timed)
    clock.advance(29 * 60)
    tick(timed)
    assert "idle_reminder" not in kinds(timed)
    clock.advance(2 * 60)
    tick(timed)
    clock.advance(60 * 60)
    tick(timed)
    assert kinds(timed).count("idle_reminder") == 1


def test_long_timer_notice_fires_once(timed: CoreService, clock: ManualClock, proxy: Proxy) -> None:
    assert timed.check_in().result(30).status == "done"
    assert timed.start(TRAY).result(30).status == "done"
    # Offline, so the measured server offset stays and the injected clock drives the timer
    # (online, every poll re-reads the real server clock).
    proxy.down()
    clock.advance(50 * 60)
    tick(timed)
    assert "long_timer" not in kinds(timed)
    clock.advance(15 * 60)
    tick(timed)
    clock.advance(3 * 3600)
    tick(timed)
    assert kinds(timed).count("long_timer") == 1
    assert "idle_reminder" not in kinds(timed)  # a timer runs: not idle


def test_server_timer_survives_sleep_and_a_clock_jump_without_double_counting(
    timed: CoreService, clock: ManualClock
) -> None:
    assert timed.check_in().result(30).status == "done"
    assert timed.start(TRAY).result(30).status == "done"
    before = elapsed(timed)
    clock.jump(3600)  # the user sets the clock an hour ahead
    tick(timed)
    assert timed.sync_now().result(30).status == "done"  # the offset is measured again
    assert elapsed(timed) == pytest.approx(before, abs=5)
    clock.advance(600)  # asleep for ten minutes (both clocks move): still running, no stop
    tick(timed)
    assert timed.sync_now().result(30).status == "done"
    snap = timed.snapshot()
    assert snap.timer is not None and snap.timer.state == "running"


def test_local_timer_survives_sleep_and_a_clock_jump_without_double_counting(
    timed: CoreService, clock: ManualClock, proxy: Proxy
) -> None:
    assert timed.check_in().result(30).status == "done"
    proxy.down()
    assert timed.start(TRAY).result(30).status == "queued"
    clock.advance(120)
    tick(timed)
    assert elapsed(timed) == pytest.approx(120, abs=1)
    clock.jump(-1800)  # the wall clock goes back half an hour
    tick(timed)
    assert elapsed(timed) == pytest.approx(120, abs=1)  # nothing lost, nothing negative
    clock.jump(7200)  # and two hours forward
    tick(timed)
    assert elapsed(timed) == pytest.approx(120, abs=1)
    clock.advance(600)  # a real ten-minute sleep counts once
    tick(timed)
    tick(timed)
    assert elapsed(timed) == pytest.approx(720, abs=1)


def test_a_corrupt_store_is_reset_and_the_user_is_told(
    proxy: Proxy, tmp_path: Path, clock: ManualClock
) -> None:
    data = tmp_path / "broken"
    data.mkdir()
    (data / "offline_queue.sqlite3").write_bytes(b"this is not a database" * 100)
    core = make_core(proxy.url, data, clock)
    try:
        core.worker.submit(lambda: None).result(30)
        notices: list[Notice] = core.notices  # type: ignore[attr-defined]
        reset = [n for n in notices if n.kind == "store_reset"]
        assert len(reset) == 1 and reset[0].message
        assert core.outbox() == []  # a fresh, usable queue
    finally:
        core.shutdown()
