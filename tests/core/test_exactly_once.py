"""Exactly once after an unknown outcome, commands pressed offline on a server timer, the
auto-resume setting, and when the core polls, against the contract test server."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from app.config import Settings
from app.core.service import CoreService
from app.core.wiring import build_core
from tests.backend import BackendHandle
from tests.core.clocks import ManualClock
from tests.core.conftest import EMAIL, PASSWORD
from tests.core.proxy import Proxy
from tests.core.test_sync import DAY, SPEC, TRAY, my_logs
from tests.core.test_time import make_core, tick


def test_stop_whose_answer_was_lost_logs_the_time_once(
    core: CoreService, server: BackendHandle
) -> None:
    assert core.check_in().result(30).status == "done"
    assert core.start(TRAY).result(30).status == "done"
    server.set_faults(drop_after_commit={"count": 1, "path_prefix": "/api/v1/time-logs/stop"})
    first = core.stop("lost answer").result(30)
    assert first.status == "queued"  # the server stopped it, but we could not know
    assert core.sync_now().result(30).status == "done"
    assert core.snapshot().timer is None
    assert core.outbox() == []  # settled, not parked on the retry's 404
    logs = [e for e in my_logs(server) if e["source_type"] == "timer"]
    assert len(logs) == 1 and logs[0]["notes"] == "lost answer"
    assert server.requests.get("/api/v1/time-logs/stop", 0) == 1  # checked, never re-sent


def test_manual_entry_whose_answer_was_lost_is_checked_not_resent(
    core: CoreService, server: BackendHandle
) -> None:
    server.set_faults(drop_after_commit={"count": 1, "path_prefix": "/api/v1/time-logs/manual"})
    assert core.log_manual(SPEC, DAY, DAY + timedelta(minutes=45), "once").result(30).ok
    assert core.sync_now().result(30).status == "done"
    # Found on /time-logs/me: not re-sent (the server's overlap 409 would have parked it).
    assert server.requests.get("/api/v1/time-logs/manual", 0) == 1
    assert core.outbox() == []
    assert [e["notes"] for e in my_logs(server)] == ["once"]


def test_start_whose_answer_was_lost_then_stop_makes_one_log(
    core: CoreService, server: BackendHandle
) -> None:
    assert core.check_in().result(30).status == "done"
    server.set_faults(drop_after_commit={"count": 1, "path_prefix": "/api/v1/time-logs/start"})
    assert core.start(TRAY).result(30).status == "queued"
    assert core.sync_now().result(30).status == "done"
    assert core.stop("one").result(30).status == "done"
    assert server.requests.get("/api/v1/time-logs/start", 0) == 1
    logs = my_logs(server)
    assert len(logs) == 1 and logs[0]["source_type"] == "timer"


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(datetime.now(UTC))


def test_pause_and_stop_pressed_offline_on_a_server_timer(
    proxy: Proxy, server: BackendHandle, tmp_path: Path, clock: ManualClock
) -> None:
    c = make_core(proxy.url, tmp_path / "data", clock)
    try:
        assert c.login(proxy.url, EMAIL, PASSWORD).result(30).status == "done"
        assert c.check_in().result(30).status == "done"
        assert c.start(TRAY).result(30).status == "done"
        proxy.down()
        clock.advance(30)
        paused = c.pause().result(30)
        assert paused.status == "queued" and "sync" in paused.message.lower()
        snap = c.snapshot()
        assert snap.timer is not None and snap.timer.source == "server"  # same server timer
        assert snap.timer.state == "paused" and snap.timer.pause_reason == "offline_pause"
        held = snap.timer.elapsed_seconds(clock.now())
        clock.advance(600)
        assert c.snapshot().timer.elapsed_seconds(clock.now()) == held  # type: ignore[union-attr]
        stop_time = clock.now()
        stopped = c.stop("offline stop").result(30)
        assert stopped.status == "queued"
        assert "stopped at" in stopped.message.lower()  # told: the server cannot backdate
        assert any(n.kind == "queued" for n in c.notices)  # type: ignore[attr-defined]
        assert c.snapshot().timer is None
        assert [e.kind for e in c.outbox()] == ["pause", "stop"]
        clock.advance(1800)  # back online half an hour later
        proxy.up()
        assert c.sync_now().result(30).status == "done"
        assert c.outbox() == []
    finally:
        c.shutdown()
    logs = my_logs(server)
    assert len(logs) == 1 and logs[0]["source_type"] == "timer"
    notes = str(logs[0]["notes"])
    assert notes.startswith("offline stop")
    assert f"stopped at {stop_time.astimezone():%Y-%m-%d %H:%M:%S}" in notes


def test_auto_resume_off_leaves_our_automatic_pause_alone(
    proxy: Proxy, server: BackendHandle, tmp_path: Path
) -> None:
    c = build_core(Settings(server_url=proxy.url, auto_resume=False), tmp_path / "d", role="cli")
    c.open(poll=False)
    try:
        assert c.login(proxy.url, EMAIL, PASSWORD).result(30).status == "done"
        assert c.check_in().result(30).status == "done"
        assert c.start(TRAY).result(30).status == "done"
        server.auto_checkout(EMAIL)  # the server leaves the timer running
        assert c.sync_now().result(30).status == "done"
        snap = c.snapshot()
        assert snap.timer is not None and snap.timer.state == "paused"
        assert snap.timer.pause_reason == "attendance_checkout"  # still says why
        assert c.check_in().result(30).status == "done"
        assert c.sync_now().result(30).status == "done"
        snap = c.snapshot()
        assert snap.timer is not None and snap.timer.state == "paused"
    finally:
        c.shutdown()


def _delays(core: CoreService) -> list[tuple[str, float]]:
    seen: list[tuple[str, float]] = []
    real = core.worker.schedule

    def record(name: str, fn: object, delay: float) -> None:
        seen.append((name, delay))
        real(name, fn, 3600.0)  # type: ignore[arg-type]  # keep it from running in the test

    core.worker.schedule = record  # type: ignore[method-assign]
    return seen


def test_poll_interval_has_jitter_and_backs_off_while_unreachable(
    proxy: Proxy, tmp_path: Path
) -> None:
    c = build_core(
        Settings(server_url=proxy.url, poll_interval_seconds=20), tmp_path / "d", role="cli"
    )
    c.open(poll=False)
    try:
        assert c.login(proxy.url, EMAIL, PASSWORD).result(30).status == "done"
        assert c.check_in().result(30).ok  # at work: the usual interval, not the quiet one
        c.poller.repeat = True
        seen = _delays(c)

        def polls(n: int) -> list[float]:
            seen.clear()
            for _ in range(n):
                c.worker.submit(c.poller.poll).result(30)
            return [d for name, d in seen if name == "poll"]

        online = polls(12)
        assert all(16.0 <= d <= 24.0 for d in online)
        assert len({round(d, 3) for d in online}) > 1  # jittered, not a fixed beat
        proxy.down()
        offline = polls(5)
        assert not c.snapshot().sync.online
        assert offline[-1] > 24.0 and offline[-1] >= offline[0]  # backing off
        assert max(offline) <= 120.0  # capped
        proxy.up()
        seen.clear()
        c.worker.submit(c.poller.tick).result(30)  # the network is back: poll at once
        assert ("poll", 0) in seen
        back = polls(1)
        assert c.snapshot().sync.online and 16.0 <= back[0] <= 24.0
    finally:
        c.poller.repeat = False
        c.shutdown()


def test_polls_at_once_after_a_command_and_on_wake(
    proxy: Proxy, server: BackendHandle, tmp_path: Path, clock: ManualClock
) -> None:
    c = make_core(proxy.url, tmp_path / "data", clock)
    try:
        assert c.login(proxy.url, EMAIL, PASSWORD).result(30).status == "done"
        before = server.requests.get("/api/v1/time-logs/active-timer", 0)
        assert c.check_in().result(30).status == "done"
        assert server.requests.get("/api/v1/time-logs/active-timer", 0) > before
        seen = _delays(c)
        clock.advance(900)  # the laptop slept a quarter of an hour
        tick(c)
        assert ("poll", 0) in seen
    finally:
        c.shutdown()
