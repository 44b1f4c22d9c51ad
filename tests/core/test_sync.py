"""The core against the contract test server: commands, the outbox, exactly-once, auto-pause."""

from __future__ import annotations

import contextlib
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from app.api import errors
from app.config import Settings
from app.core.service import CoreService as Core
from app.core.snapshot import Notice
from app.core.wiring import build_core
from tests.backend import BackendHandle
from tests.core.conftest import EMAIL, PASSWORD
from tests.core.proxy import Proxy

TRAY = "60000000-0000-4000-8000-000000000003"
SPEC = "60000000-0000-4000-8000-000000000002"
BLOCKED = "60000000-0000-4000-8000-000000000004"
DAY = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def my_logs(server: BackendHandle) -> list[dict[str, object]]:
    with httpx.Client(base_url=server.url + "/api/v1") as h:
        token = h.post("/auth/login", json={"email": EMAIL, "password": PASSWORD}).json()[
            "access_token"
        ]
        logs: list[dict[str, object]] = h.get(
            "/time-logs/me", headers={"Authorization": f"Bearer {token}"}
        ).json()
        return logs


def manual(core: Core, hour: int, task: str = SPEC) -> str:
    start = DAY + timedelta(hours=hour)
    fut = core.log_manual(task, start, start + timedelta(minutes=30), f"entry {hour}")
    return fut.result(30).status


def test_online_commands_show_their_result_at_once(core: Core, server: BackendHandle) -> None:
    assert core.check_in("office").result(30).status == "done"
    started = core.start(TRAY).result(30)
    assert started.status == "done", started.message
    snap = core.snapshot()
    assert snap.timer is not None and snap.timer.source == "server"
    assert snap.timer.state == "running"
    assert core.pause().result(30).status == "done"
    snap = core.snapshot()
    assert snap.timer is not None and snap.timer.pause_reason == "manual_pause"
    stopped = core.stop("done for now").result(30)
    assert stopped.status == "done"
    assert core.snapshot().timer is None
    logs = [entry for entry in my_logs(server) if entry["source_type"] == "timer"]
    assert len(logs) == 1 and logs[0]["notes"] == "done for now"


def test_offline_manual_entry_is_queued_then_synced_by_itself(
    core: Core, server: BackendHandle, proxy: Proxy
) -> None:
    proxy.down()
    result = core.log_manual(SPEC, DAY, DAY + timedelta(hours=1), "offline").result(30)
    assert result.status == "queued"
    assert "saved" in result.message.lower()
    assert any(n.kind == "queued" for n in core.notices)  # type: ignore[attr-defined]
    assert core.snapshot().sync.pending == 1
    proxy.up()
    assert core.sync_now().result(30).status == "done"
    assert core.snapshot().sync.pending == 0
    assert [e["notes"] for e in my_logs(server)] == ["offline"]


class StepClock:
    """The core's wall clock, moved by the test: durations without real sleeps."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def test_offline_timer_becomes_manual_entries_without_the_pauses(
    server: BackendHandle, proxy: Proxy, tmp_path: Path
) -> None:
    # An hour ago, so the entries the local clock produces are in the server's past.
    clock = StepClock(datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1))
    core = build_core(Settings(server_url=proxy.url), tmp_path / "data", role="cli", clock=clock)
    core.open(poll=False)
    try:
        assert core.login(proxy.url, EMAIL, PASSWORD).result(30).status == "done"
        assert core.check_in().result(30).status == "done"
        proxy.down()
        started = clock.now
        assert core.start(TRAY).result(30).status == "queued"
        core.worker.submit(core.refresh_view).result(30)
        snap = core.snapshot()
        assert snap.timer is not None and snap.timer.source == "local"
        clock.advance(minutes=20)
        assert core.pause().result(30).ok
        clock.advance(minutes=10)
        assert core.resume().result(30).ok
        clock.advance(minutes=30)
        assert core.stop("offline work").result(30).status == "queued"
        proxy.up()
        assert core.sync_now().result(30).status == "done"
    finally:
        core.shutdown()
    logs = sorted(my_logs(server), key=lambda e: str(e["started_at"]))
    assert all(e["source_type"] == "manual" for e in logs)
    assert all("recorded offline" in str(e["notes"]) for e in logs)
    assert all(str(e["notes"]).startswith("offline work") for e in logs)
    spans = [(_at(e["started_at"]), _at(e["ended_at"])) for e in logs]
    # The worked stretches exactly, the 10-minute pause left out.
    assert spans == [
        (started, started + timedelta(minutes=20)),
        (started + timedelta(minutes=30), started + timedelta(minutes=60)),
    ]


def _at(value: object) -> datetime:
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))


def test_a_parked_item_does_not_block_the_ones_behind(core: Core, server: BackendHandle) -> None:
    assert manual(core, 1) == "done"
    assert manual(core, 2, BLOCKED) == "rejected"
    assert manual(core, 3) == "done"
    parked = [e for e in core.outbox() if e.state == "parked"]
    assert len(parked) == 1 and "blocked" in (parked[0].last_error or "")
    assert any(n.kind == "parked" for n in core.notices)  # type: ignore[attr-defined]
    assert len(my_logs(server)) == 2
    assert core.discard_parked(parked[0].id).result(5).status == "done"
    assert core.outbox() == []


def test_transient_errors_are_retried_and_429_honoured(core: Core, server: BackendHandle) -> None:
    server.set_faults(
        fail_next={"count": 1, "status": 503, "path_prefix": "/api/v1/time-logs/manual"}
    )
    assert manual(core, 4) == "queued"
    assert core.sync_now().result(30).status == "done"
    server.set_faults(
        fail_next={
            "count": 1,
            "status": 429,
            "retry_after": 1,
            "path_prefix": "/api/v1/time-logs/manual",
        }
    )
    assert manual(core, 5) == "queued"
    snap = core.snapshot()
    assert snap.sync.next_retry_at is not None
    assert snap.sync.next_retry_at - datetime.now(UTC) > timedelta(seconds=0.5)
    posts = server.requests.get("/api/v1/time-logs/manual", 0)
    # "Sync now" honours the server's wait instead of resending at once, and says until when.
    early = core.sync_now().result(30)
    item = core.store.items(("pending",))[0]
    assert item.not_before is not None
    if item.not_before > datetime.now(UTC):  # (a slow machine may already be past it)
        assert early.status == "queued" and "next try at" in early.message
        assert server.requests.get("/api/v1/time-logs/manual", 0) == posts
    deadline = time.monotonic() + 30
    while core.sync_now().result(30).status != "done" and time.monotonic() < deadline:
        time.sleep(0.1)  # waiting for the condition: the server's 1 s wait to pass
    assert len(my_logs(server)) == 2


def test_expired_token_mid_drain_refreshes_once(
    core: Core, server: BackendHandle, proxy: Proxy
) -> None:
    proxy.down()
    for hour in range(5):
        assert manual(core, hour) == "queued"
    proxy.up()
    before = server.refreshes
    server.expire_tokens()
    assert core.sync_now().result(30).status == "done"
    assert server.refreshes == before + 1
    assert len(my_logs(server)) == 5


def test_revoked_refresh_asks_to_sign_in_and_keeps_the_queue(
    core: Core, server: BackendHandle
) -> None:
    api = core.session.api
    assert api is not None
    stolen = api.token_store.load()
    with httpx.Client(base_url=server.url + "/api/v1") as h:
        assert h.post("/auth/refresh", json={"refresh_token": stolen}).status_code == 200
    server.expire_tokens()
    result = core.log_manual(SPEC, DAY, DAY + timedelta(minutes=20), None).result(30)
    assert result.status == "sign_in_needed"
    assert not core.snapshot().signed_in
    notices = [n for n in core.notices if n.kind == "sign_in_needed"]  # type: ignore[attr-defined]
    assert [n.title for n in notices] == ["Sign in again"]
    assert "Your 1 unsent item is kept" in notices[0].message
    assert core.snapshot().sync.pending == 1
    assert core.login(core.server_url() or "", EMAIL, PASSWORD).result(30).status == "done"
    assert core.snapshot().sync.pending == 0
    assert len(my_logs(server)) == 1


def test_first_start_asks_to_sign_in_without_talking_of_an_ended_session(
    proxy: Proxy, tmp_path: Path
) -> None:
    fresh = build_core(Settings(server_url=proxy.url), tmp_path / "fresh", role="tray")
    notices: list[Notice] = []
    fresh.subscribe(lambda s: None, notices.append)
    fresh.open(poll=True)
    try:
        assert fresh.sync_now().result(30).status == "sign_in_needed"
    finally:
        fresh.shutdown()
    assert [(n.title, n.target) for n in notices if n.kind == "sign_in_needed"] == [
        ("Sign in", "sign_in")
    ]
    assert "ended" not in notices[0].message


def test_polling_starts_again_after_signing_in(
    proxy: Proxy, server: BackendHandle, tmp_path: Path
) -> None:
    """A tray opened while signed out polls again once the user signs in (it used to stop)."""
    tray = build_core(Settings(server_url=proxy.url, poll_interval_seconds=1), tmp_path / "t")
    tray.open(poll=True)
    try:
        assert tray.sync_now().result(30).status == "sign_in_needed"
        assert tray.login(proxy.url, EMAIL, PASSWORD).result(30).status == "done"
        assert tray.check_in().result(30).ok  # at work: the usual interval, not the quiet one
        before = server.stats()["requests"].get("/api/v1/attendance/active", 0)
        deadline = time.monotonic() + 60  # a bound for a hang; the count decides
        while time.monotonic() < deadline:
            polls = server.stats()["requests"].get("/api/v1/attendance/active", 0) - before
            if polls >= 3:
                break
            time.sleep(0.1)
        assert polls >= 3
    finally:
        tray.shutdown()


def test_server_auto_checkout_pauses_within_one_poll_and_check_in_resumes(
    core: Core, server: BackendHandle
) -> None:
    assert core.check_in().result(30).status == "done"
    assert core.start(TRAY).result(30).status == "done"
    server.auto_checkout(EMAIL)
    assert core.sync_now().result(30).status == "done"
    snap = core.snapshot()
    assert snap.timer is not None and snap.timer.state == "paused"
    assert snap.timer.pause_reason == "attendance_checkout"
    assert not snap.attendance.checked_in
    kinds = [n.kind for n in core.notices]  # type: ignore[attr-defined]
    assert kinds.count("auto_pause") == 1
    assert core.sync_now().result(30).status == "done"
    assert [n.kind for n in core.notices].count("auto_pause") == 1  # type: ignore[attr-defined]
    assert core.check_in().result(30).status == "done"
    snap = core.snapshot()
    assert snap.timer is not None and snap.timer.state == "running"
    assert "auto_resume" in [n.kind for n in core.notices]  # type: ignore[attr-defined]


def test_break_round_trip_and_manual_pause_stays(core: Core, server: BackendHandle) -> None:
    assert core.check_in().result(30).status == "done"
    assert core.start(TRAY).result(30).status == "done"
    assert core.start_break("dinner").result(30).status == "done"
    snap = core.snapshot()
    assert snap.timer is not None and snap.timer.pause_reason == "break_started"
    assert snap.attendance.on_break
    assert core.end_break().result(30).status == "done"
    snap = core.snapshot()
    assert snap.timer is not None and snap.timer.state == "running"
    # A manual pause is never resumed by the end of a break or a check-in.
    assert core.pause().result(30).status == "done"
    assert core.start_break("prayer").result(30).status == "done"
    assert core.end_break().result(30).status == "done"
    snap = core.snapshot()
    assert snap.timer is not None and snap.timer.state == "paused"
    assert snap.timer.pause_reason == "manual_pause"
    assert core.check_out().result(30).status == "done"
    assert core.check_in().result(30).status == "done"
    assert core.snapshot().timer.state == "paused"  # type: ignore[union-attr]


def test_checkout_while_running_then_checkin_round_trip(core: Core, server: BackendHandle) -> None:
    assert core.check_in().result(30).status == "done"
    assert core.start(TRAY).result(30).status == "done"
    assert core.check_out().result(30).status == "done"
    snap = core.snapshot()
    assert snap.timer is not None and snap.timer.pause_reason == "attendance_checkout"
    assert core.check_in("wfh").result(30).status == "done"
    snap = core.snapshot()
    assert snap.timer is not None and snap.timer.state == "running"


def test_start_after_unknown_outcome_is_not_sent_twice(core: Core, server: BackendHandle) -> None:
    assert core.check_in().result(30).status == "done"
    server.set_faults(drop_after_commit={"count": 1, "path_prefix": "/api/v1/time-logs/start"})
    first = core.start(TRAY).result(30)
    assert first.status == "queued"
    assert core.sync_now().result(30).status == "done"
    snap = core.snapshot()
    assert snap.timer is not None and snap.timer.source == "server"
    assert server.requests.get("/api/v1/time-logs/start", 0) == 1


def _queue_manual(core: Core, minutes: int) -> str:
    store = core.store
    start, end = DAY + timedelta(minutes=minutes), DAY + timedelta(minutes=minutes + 20)
    body = {"task_id": SPEC, "started_at": start.isoformat(), "ended_at": end.isoformat()}
    return store.enqueue("manual", dict(body, at=body["started_at"])).id


def _attempts(core: Core, rounds: int) -> None:
    """Drain and poll as the worker would, ``rounds`` times, ignoring what fails."""
    syncer = core.syncer
    assert syncer is not None
    for _ in range(rounds):
        syncer.drain()
        with contextlib.suppress(errors.ApiError):
            syncer.poll()


def test_a_server_outage_never_parks_work(core: Core, server: BackendHandle) -> None:
    item = _queue_manual(core, 0)
    server.set_faults(fail_next={"count": 100, "status": 503})
    _attempts(core, 12)
    stored = core.store.get(item)
    assert stored is not None and stored.state == "pending" and stored.attempts >= 12
    server.clear_faults()
    _attempts(core, 1)
    assert len(my_logs(server)) == 1


def test_an_item_the_healthy_server_keeps_failing_is_parked_not_blocking(
    core: Core, server: BackendHandle
) -> None:
    poison, good = _queue_manual(core, 0), _queue_manual(core, 60)
    server.set_faults(fail_next={"count": 100, "status": 500, "path_prefix": "/time-logs/manual"})
    _attempts(core, 8)
    stored = core.store.get(poison)
    assert stored is not None and stored.state == "parked"
    assert "failed on this item 8 times" in (stored.last_error or "")
    server.clear_faults()
    _attempts(core, 1)
    done = core.store.get(good)
    assert done is not None and done.state == "done"
