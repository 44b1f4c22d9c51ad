"""Facade commands against the contract server: only the worker changes state, in press order,
once, even across a crash; and each account's queue is sent with its own session only."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from app.config import Settings
from app.core import commands
from app.core.service import CoreService as Core
from app.core.wiring import build_core
from tests.backend import BackendHandle
from tests.core.conftest import EMAIL, PASSWORD
from tests.core.proxy import Proxy
from tests.core.test_sync import DAY, SPEC, TRAY, StepClock, my_logs

EMP2, EMP2_TASK = "emp2@example.com", "60000000-0000-4000-8000-000000000010"


def hold_worker(core: Core) -> threading.Event:
    """Keep the worker busy (like a slow request) until the returned event is set."""
    release = threading.Event()

    def busy() -> None:
        release.wait(30)

    core.worker.later(busy)
    return release


def local_segments(core: Core) -> int:
    assert core.store is not None
    return len(core.store.segments())


def test_two_quick_start_clicks_give_one_timer_and_a_clear_failure(
    core: Core, server: BackendHandle
) -> None:
    assert core.check_in().result(30).status == "done"
    release = hold_worker(core)
    first = core.start(TRAY)
    second = core.start(SPEC)  # the snapshot does not show the first yet
    release.set()
    assert first.result(30).status == "done"
    failed = second.result(30)
    assert failed.status == "failed" and "already running" in failed.message
    assert server.requests.get("/api/v1/time-logs/start", 0) == 1
    assert core.outbox() == []  # nothing parked, nothing left over


@pytest.fixture
def clock() -> StepClock:
    return StepClock(datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1))


@pytest.fixture
def clocked_core(proxy: Proxy, tmp_path: Path, clock: StepClock) -> Iterator[Core]:
    c = build_core(Settings(server_url=proxy.url), tmp_path / "data", role="cli", clock=clock)
    c.open(poll=False)
    assert c.login(proxy.url, EMAIL, PASSWORD).result(30).status == "done"
    yield c
    c.shutdown()


def test_the_callers_thread_only_commits_and_the_press_time_is_kept(
    clocked_core: Core, proxy: Proxy, clock: StepClock
) -> None:
    core = clocked_core
    assert core.check_in().result(30).status == "done"
    proxy.down()
    release = hold_worker(core)
    pressed = clock.now
    fut = core.start(TRAY)
    # Committed (a crash now loses nothing) but no local effect yet: that is the worker's job.
    assert [e.kind for e in core.outbox()] == [commands.START]
    assert local_segments(core) == 0
    clock.advance(minutes=10)  # the worker is still busy with something slow
    release.set()
    assert fut.result(30).status == "queued"
    timer = core.snapshot().timer
    assert timer is not None and timer.source == "local"
    assert timer.started_at == pressed  # not when the worker got to it
    pause = core.pause().result(30)
    assert pause.status == "done" and "this computer" in pause.message
    snap = core.snapshot()
    assert snap.timer is not None and snap.timer.state == "paused"


def test_pause_and_resume_of_a_local_timer_never_reach_the_server(
    core: Core, server: BackendHandle, proxy: Proxy
) -> None:
    assert core.check_in().result(30).status == "done"
    proxy.down()
    assert core.start(TRAY).result(30).status == "queued"
    assert core.pause().result(30).status == "done"
    assert core.resume().result(30).status == "done"
    assert core.stop("local").result(30).status == "queued"
    proxy.up()
    assert core.sync_now().result(30).status == "done"
    assert server.requests.get("/api/v1/time-logs/pause", 0) == 0
    assert server.requests.get("/api/v1/time-logs/resume", 0) == 0
    assert all(e["source_type"] == "manual" for e in my_logs(server))


def reopen(data_dir: Path, url: str) -> Core:
    again = build_core(Settings(server_url=url), data_dir, role="cli")
    again.open(poll=False)
    again.worker.submit(lambda: None).result(30)  # the start-up job has run
    return again


def test_a_start_committed_just_before_a_crash_gets_its_effect_after_restart(
    core: Core, proxy: Proxy, tmp_path: Path
) -> None:
    proxy.down()
    store = core.store
    pressed = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
    release = hold_worker(core)
    # What a facade call leaves behind when the process dies right after the click.
    store.enqueue(commands.START, commands.timer_payload(commands.START, TRAY, pressed))
    # The process dies before the worker gets to it (nothing asked the worker to apply it).
    release.set()
    core.worker.stop()
    store.close()
    again = reopen(tmp_path / "data", proxy.url)
    try:
        timer = again.snapshot().timer
        assert timer is not None and timer.source == "local"
        assert timer.started_at == pressed  # no second of work lost to the crash
        assert [e.kind for e in again.outbox()] == [commands.START]
    finally:
        again.shutdown()


def test_effects_applied_before_a_crash_are_not_applied_twice(
    core: Core, proxy: Proxy, tmp_path: Path
) -> None:
    assert core.check_in().result(30).status == "done"
    proxy.down()
    assert core.start(TRAY).result(30).status == "queued"
    assert core.pause().result(30).status == "done"
    before = core.snapshot().timer
    assert before is not None and before.state == "paused"
    core.worker.stop()  # "crash": the store keeps what it had
    assert core.store is not None
    core.store.close()
    again = reopen(tmp_path / "data", proxy.url)
    try:
        after = again.snapshot().timer
        assert after is not None and after.source == "local" and after.state == "paused"
        assert after.started_at == before.started_at
        assert after.accumulated_seconds == pytest.approx(before.accumulated_seconds)
        # The start is still waiting for the server; it did not fail against its own timer.
        assert [(e.kind, e.state) for e in again.outbox()] == [(commands.START, "pending")]
    finally:
        again.shutdown()


@pytest.fixture
def shared(proxy: Proxy, tmp_path: Path) -> Iterator[Core]:
    c = build_core(Settings(server_url=proxy.url), tmp_path / "shared", role="cli")
    c.open(poll=False)
    yield c
    c.shutdown()


def test_queued_items_wait_for_their_own_account(
    shared: Core, server: BackendHandle, proxy: Proxy
) -> None:
    core = shared
    assert core.login(proxy.url, EMAIL, PASSWORD).result(30).status == "done"
    proxy.down()
    start = DAY + timedelta(hours=2)
    fut = core.log_manual(SPEC, start, start + timedelta(minutes=30), "erin's")
    assert fut.result(30).status == "queued"
    proxy.up()
    assert core.login(proxy.url, EMP2, PASSWORD).result(30).status == "done"
    mine = core.log_manual(EMP2_TASK, start, start + timedelta(minutes=10), "sam's")
    assert mine.result(30).status == "done"
    waiting = [e for e in core.outbox() if e.state == "pending"]
    assert len(waiting) == 1
    assert f"waiting for {EMAIL} to sign in" in waiting[0].summary
    assert core.snapshot().sync.pending == 0  # Sam's view shows none of Erin's items
    assert my_logs(server) == []  # Erin's entry was not sent with Sam's session
    assert core.login(proxy.url, EMAIL, PASSWORD).result(30).status == "done"
    assert core.outbox() == []
    assert [e["notes"] for e in my_logs(server)] == ["erin's"]
