"""The copy of the server's logs: fetched only when something can have changed it, kept in the
store with its age, and used for today's total and for the logs view when offline."""

from __future__ import annotations

from collections.abc import Iterator
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
from tests.core.test_sync import BLOCKED, SPEC

LOGS = "/api/v1/time-logs/me"


@pytest.fixture
def clock() -> ManualClock:
    # Mid-morning local time, so that "an hour ago" is today.
    now = datetime.now().astimezone().replace(hour=10, minute=0, second=0, microsecond=0)
    return ManualClock(now.astimezone(UTC))


def make(url: str, data: Path, clock: ManualClock) -> CoreService:
    core = build_core(Settings(server_url=url), data, clock=clock, role="cli")
    core.open(poll=False)
    return core


@pytest.fixture
def core(proxy: Proxy, tmp_path: Path, clock: ManualClock) -> Iterator[CoreService]:
    c = make(proxy.url, tmp_path / "data", clock)
    assert c.login(proxy.url, EMAIL, PASSWORD).result(30).status == "done"
    yield c
    c.shutdown()


def refresh(core: CoreService) -> None:
    """The 5-minute task refresh, run by hand."""
    core.worker.submit(core.poller.tasks).result(30)


def entry(core: CoreService, clock: ManualClock, task: str = SPEC, minutes: int = 30) -> str:
    start = clock.now() - timedelta(hours=1)
    fut = core.log_manual(task, start, start + timedelta(minutes=minutes), "today")
    return fut.result(30).status


def test_the_logs_are_fetched_only_when_something_changed_them(
    core: CoreService, server: BackendHandle, clock: ManualClock
) -> None:
    server.seed_logs(EMAIL, 3000)
    assert core.snapshot().today_logged_seconds is None  # unknown, not "0 min"
    refresh(core)
    assert server.requests.get(LOGS) == 1
    assert core.snapshot().today_logged_seconds == 0.0
    for _ in range(3):  # idle: the refreshes read the copy
        clock.advance(300)
        refresh(core)
    assert server.requests.get(LOGS) == 1

    assert entry(core, clock) == "done"  # a manual entry synced: counted at once, fetch later
    assert core.snapshot().today_logged_seconds == 1800.0
    assert server.requests.get(LOGS) == 1
    refresh(core)
    assert server.requests.get(LOGS) == 2
    refresh(core)
    assert server.requests.get(LOGS) == 2

    clock.advance(24 * 3600)  # a new local day
    refresh(core)
    assert server.requests.get(LOGS) == 3
    assert core.snapshot().today_logged_seconds == 0.0


def test_todays_total_comes_from_the_stored_copy_at_start(
    core: CoreService, server: BackendHandle, proxy: Proxy, clock: ManualClock, tmp_path: Path
) -> None:
    assert entry(core, clock) == "done"
    refresh(core)
    proxy.down()
    assert entry(core, clock, minutes=60) == "queued"  # saved offline: counted too
    assert core.snapshot().today_logged_seconds == 5400.0
    assert core.snapshot().week_logged_seconds == 5400.0  # the tooltip's week line
    before = dict(server.requests)
    other = make(proxy.url, tmp_path / "data", clock)  # another process on the same folder
    try:
        assert other.snapshot().today_logged_seconds == 5400.0
        assert other.snapshot().week_logged_seconds == 5400.0
        assert dict(server.requests) == before
    finally:
        other.shutdown()


def test_logs_offline_show_the_copy_with_its_age_and_say_the_list_is_incomplete(
    core: CoreService, server: BackendHandle, proxy: Proxy, clock: ManualClock
) -> None:
    since = clock.now() - timedelta(days=1)
    assert entry(core, clock) == "done"
    assert entry(core, clock, task=BLOCKED) == "rejected"  # stays parked
    online = core.logs(since).result(30)
    assert online.complete and online.note is None and online.fetched_at == clock.now()
    assert sorted(e.state for e in online.entries) == ["parked", "synced"]
    synced = next(e for e in online.entries if e.state == "synced")
    assert synced.project_title == "Desktop Tray Client"

    fetched = clock.now().astimezone()
    clock.advance(600)
    proxy.down()
    assert entry(core, clock, minutes=15) == "queued"
    offline = core.logs(since).result(30)
    assert not offline.complete and offline.fetched_at == fetched
    assert offline.note is not None
    assert offline.note.startswith(f"Offline: server entries as of {fetched:%H:%M}")
    assert sorted(e.state for e in offline.entries) == ["parked", "synced", "waiting"]


def test_logs_with_no_copy_say_only_what_is_saved_here_is_shown(
    proxy: Proxy, tmp_path: Path, clock: ManualClock, core: CoreService
) -> None:
    proxy.down()
    assert entry(core, clock) == "queued"
    view = core.logs(clock.now() - timedelta(days=1)).result(30)
    assert not view.complete and view.fetched_at is None
    assert view.note is not None and view.note.startswith(
        "Could not load the server's entries: the list shows only what is saved here."
    )
    assert [e.state for e in view.entries] == ["waiting"]
