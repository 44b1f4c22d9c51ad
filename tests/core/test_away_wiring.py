"""Away time end to end: the real core against the contract server, on an injected clock, with
the signals driven through a fake watcher (the real back ends are tested in tests/away)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.away.events import AwayEvent, AwayKind, Listener, Unavailable
from app.away.signals import AwaySignals
from app.config import Settings
from app.core.service import CoreService
from app.core.snapshot import Notice
from app.core.wiring import build_core
from tests.backend import BackendHandle
from tests.core.clocks import ManualClock
from tests.core.conftest import EMAIL, PASSWORD
from tests.core.proxy import Proxy
from tests.core.test_sync import SPEC, TRAY, my_logs


class FakeWatcher:
    """Stands in for every OS back end: the test says what the OS would have said."""

    name = "fake"

    def __init__(self) -> None:
        self.listener: Listener | None = None
        self.stopped = False

    def start(self, listener: Listener) -> None:
        self.listener = listener

    def stop(self) -> None:
        self.stopped = True

    def emit(self, kind: AwayKind, at: datetime, since: datetime | None = None) -> None:
        assert self.listener is not None
        self.listener(AwayEvent(kind, at, since, "fake"))


@dataclass
class Away:
    core: CoreService
    watcher: FakeWatcher
    clock: ManualClock
    server: BackendHandle
    proxy: Proxy

    def later(self, minutes: float) -> datetime:
        """Time passes for the person, this computer and the server alike."""
        self.clock.advance(minutes * 60)
        self.server.advance_clock(minutes * 60)
        return self.clock.now()

    def settle(self) -> None:
        """Send what waits and read the server back (the worker runs the jobs in order)."""
        self.core.sync_now().result(30)
        self.core.sync_now().result(30)

    def notices(self) -> list[Notice]:
        found: list[Notice] = self.core.notices  # type: ignore[attr-defined]
        return [n for n in found if n.kind == "away"]


def make(proxy: Proxy, server: BackendHandle, data_dir: Path, **settings: Any) -> Away:
    clock = ManualClock(datetime.now(UTC))
    server.set_clock(clock.now())
    watcher = FakeWatcher()

    def signals(wall: object, threshold: float) -> AwaySignals:
        assert threshold == settings.get("away_minutes", 10) * 60
        return AwaySignals([watcher], [Unavailable("lock", "not on this test machine")])

    core = build_core(
        Settings(server_url=proxy.url, **settings),
        data_dir,
        clock=clock,
        role="tray",
        away_signals=signals,
    )
    core.notices = []  # type: ignore[attr-defined]
    core.subscribe(lambda s: None, core.notices.append)  # type: ignore[attr-defined]
    core.open(poll=False)
    assert core.login(proxy.url, EMAIL, PASSWORD).result(30).status == "done"
    return Away(core, watcher, clock, server, proxy)


@pytest.fixture
def away(proxy: Proxy, server: BackendHandle, tmp_path: Path) -> Iterator[Away]:
    a = make(proxy, server, tmp_path / "data")
    assert a.core.check_in().result(30).status == "done"
    assert a.core.start(TRAY).result(30).status == "done"
    yield a
    a.core.shutdown()
    assert a.watcher.stopped


def server_timer(server: BackendHandle) -> dict[str, Any] | None:
    with httpx.Client(base_url=server.url + "/api/v1") as h:
        token = h.post("/auth/login", json={"email": EMAIL, "password": PASSWORD}).json()
        got: dict[str, Any] | None = h.get(
            "/time-logs/active-timer",
            headers={"Authorization": f"Bearer {token['access_token']}"},
        ).json()
        return got


def manual_logs(server: BackendHandle) -> list[dict[str, Any]]:
    return [e for e in my_logs(server) if e["source_type"] == "manual"]


def minutes(log: dict[str, Any]) -> float:
    start = datetime.fromisoformat(str(log["started_at"]).replace("Z", "+00:00"))
    end = datetime.fromisoformat(str(log["ended_at"]).replace("Z", "+00:00"))
    return (end - start).total_seconds() / 60


def go_idle(a: Away) -> datetime:
    """Work 30 min, then 12 min without input: the idle watcher says so at the threshold."""
    a.later(30)
    last_input = a.clock.now()
    a.later(12)
    a.watcher.emit(AwayKind.IDLE, a.clock.now(), since=last_input)
    return last_input


@pytest.mark.parametrize(
    ("choice", "task", "running", "kept_on"),
    [
        ("discard", None, True, None),
        ("discard-paused", None, False, None),
        ("keep", None, True, TRAY),
        ("keep-as", SPEC, True, SPEC),
    ],
)
def test_idle_then_return_with_each_choice(
    away: Away, choice: str, task: str | None, running: bool, kept_on: str | None
) -> None:
    go_idle(away)
    away.settle()
    paused = server_timer(away.server)
    assert paused is not None and paused["status"] == "paused"
    timer = away.core.snapshot().timer
    assert timer is not None and timer.pause_text == "paused while you were away"

    away.later(35)
    away.watcher.emit(AwayKind.ACTIVE, away.clock.now())
    away.settle()
    question = away.core.snapshot().away
    assert question is not None
    assert "Implement tray sync" in question.message
    assert "(47 min)" in question.message
    assert "The first 12 min were counted before the pause" in question.message
    assert question.can_resume
    assert len(away.notices()) == 1

    assert away.core.answer_away(choice, task).result(30).ok
    away.settle()
    assert away.core.snapshot().away is None
    now = server_timer(away.server)
    assert now is not None and now["status"] == ("running" if running else "paused")
    kept = manual_logs(away.server)
    if kept_on is None:
        assert kept == []
    else:
        assert [e["task_id"] for e in kept] == [kept_on]
        assert 34 <= minutes(kept[0]) <= 35.1  # the 35 min the server did not count


def test_lock_loses_nothing_and_keep_adds_it_all(away: Away) -> None:
    away.later(20)
    away.watcher.emit(AwayKind.LOCK, away.clock.now())
    away.settle()  # the pause is sent at once (before time moves on)
    away.later(50)
    away.watcher.emit(AwayKind.UNLOCK, away.clock.now())
    away.settle()
    question = away.core.snapshot().away
    assert question is not None and "Nothing was counted" in question.message
    assert away.core.answer_away("keep").result(30).ok
    away.settle()
    (kept,) = manual_logs(away.server)
    assert 49.9 <= minutes(kept) <= 50.1


def test_sleep_with_a_pause_first_reaches_the_server_before_sleeping(away: Away) -> None:
    away.later(10)
    # The listener returns (and the inhibitor is released) only once the pause was sent.
    away.watcher.emit(AwayKind.SLEEP, away.clock.now())
    paused = server_timer(away.server)
    assert paused is not None and paused["status"] == "paused"
    slept_at = away.clock.now()
    away.later(8 * 60)
    away.watcher.emit(AwayKind.WAKE, away.clock.now(), since=slept_at)
    away.settle()
    question = away.core.snapshot().away
    assert question is not None and "Nothing was counted" in question.message
    assert away.core.answer_away("discard").result(30).ok
    away.settle()
    resumed = server_timer(away.server)
    assert resumed is not None and resumed["status"] == "running"
    assert manual_logs(away.server) == []


def test_sleep_without_warning_pauses_on_wake_and_says_it_was_counted(away: Away) -> None:
    away.later(10)
    slept_at = away.clock.now()
    away.later(3 * 60)
    away.watcher.emit(AwayKind.WAKE, away.clock.now(), since=slept_at)
    away.settle()
    paused = server_timer(away.server)
    assert paused is not None and paused["status"] == "paused"
    question = away.core.snapshot().away
    assert question is not None and "slept without warning" in question.message
    assert away.core.answer_away("keep").result(30).ok
    away.settle()
    assert manual_logs(away.server) == []  # nothing the server did not already count
    resumed = server_timer(away.server)
    assert resumed is not None and resumed["status"] == "running"


def test_offline_absence_syncs_later_in_order(away: Away) -> None:
    away.proxy.down()
    go_idle(away)
    away.later(30)
    away.watcher.emit(AwayKind.ACTIVE, away.clock.now())
    away.settle()
    assert away.core.snapshot().away is not None
    # Answered while the pause still waits: the server will have counted until it arrives.
    assert away.core.answer_away("keep").result(30).status == "queued"
    away.settle()
    assert away.core.snapshot().away is None
    away.later(5)
    away.proxy.up()
    away.settle()
    away.settle()
    resumed = server_timer(away.server)
    assert resumed is not None and resumed["status"] == "running"
    # The pause reached the server 35 min after the return: it counted everything.
    assert manual_logs(away.server) == []
    order = [k for k in away.server.requests if "time-logs/pause" in k or "resume" in k]
    assert order == ["/api/v1/time-logs/pause", "/api/v1/time-logs/resume"]


def test_offline_keep_of_a_lock_is_sent_after_the_pause(away: Away) -> None:
    away.later(5)
    away.proxy.down()
    away.watcher.emit(AwayKind.LOCK, away.clock.now())
    away.proxy.up()
    away.settle()  # the pause reaches the server at once after the network came back
    away.proxy.down()
    away.later(40)
    away.watcher.emit(AwayKind.UNLOCK, away.clock.now())
    assert away.core.answer_away("keep").result(30).status == "queued"
    away.proxy.up()
    away.settle()
    (kept,) = manual_logs(away.server)
    assert 39.9 <= minutes(kept) <= 40.1
    resumed = server_timer(away.server)
    assert resumed is not None and resumed["status"] == "running"


def test_a_break_during_the_absence_wins(away: Away) -> None:
    away.later(5)
    away.watcher.emit(AwayKind.LOCK, away.clock.now())
    away.settle()
    away.later(10)
    assert away.core.start_break("dinner").result(30).ok
    away.settle()
    away.later(30)
    away.watcher.emit(AwayKind.UNLOCK, away.clock.now())
    away.settle()
    question = away.core.snapshot().away
    assert question is not None and not question.can_resume
    assert "Your break began" in question.message
    assert "discard" not in question.choices
    assert away.core.answer_away("keep").result(30).ok
    away.settle()
    (kept,) = manual_logs(away.server)
    assert 9.9 <= minutes(kept) <= 10.1  # up to the break only
    paused = server_timer(away.server)
    assert paused is not None and paused["status"] == "paused"


def test_two_absences_in_a_row_are_asked_oldest_first(away: Away) -> None:
    away.later(5)
    away.watcher.emit(AwayKind.LOCK, away.clock.now())
    away.settle()  # the pause is sent at once (before time moves on)
    away.later(20)
    away.watcher.emit(AwayKind.UNLOCK, away.clock.now())
    away.settle()
    assert away.core.snapshot().away is not None
    # Not answered yet, the timer stays paused: the next lock is no new absence...
    away.later(5)
    away.watcher.emit(AwayKind.LOCK, away.clock.now())
    away.settle()  # the pause is sent at once (before time moves on)
    away.later(10)
    away.watcher.emit(AwayKind.UNLOCK, away.clock.now())
    away.settle()
    assert len(away.notices()) == 1
    assert away.core.answer_away("discard").result(30).ok
    away.settle()
    # ...and once resumed, the next one is.
    away.later(5)
    away.watcher.emit(AwayKind.LOCK, away.clock.now())
    away.settle()  # the pause is sent at once (before time moves on)
    away.later(15)
    away.watcher.emit(AwayKind.UNLOCK, away.clock.now())
    away.settle()
    question = away.core.snapshot().away
    assert question is not None and "(15 min)" in question.message
    assert len(away.notices()) == 2


def test_the_question_survives_a_restart_and_the_cli_answers_it(
    away: Away, proxy: Proxy, tmp_path: Path
) -> None:
    go_idle(away)
    away.settle()
    away.later(20)
    away.watcher.emit(AwayKind.ACTIVE, away.clock.now())
    away.settle()
    away.core.shutdown()
    cli = build_core(
        Settings(server_url=proxy.url), tmp_path / "data", clock=away.clock, role="cli"
    )
    cli.open(poll=False)
    try:
        assert cli.login(proxy.url, EMAIL, PASSWORD).result(30).status == "done"
        question = cli.snapshot().away
        assert question is not None and "Implement tray sync" in question.message
        assert cli.answer_away("keep").result(30).ok
        cli.sync_now().result(30)
        assert cli.snapshot().away is None
    finally:
        cli.shutdown()
    (kept,) = manual_logs(away.server)
    assert kept["task_id"] == TRAY
    resumed = server_timer(away.server)
    assert resumed is not None and resumed["status"] == "running"
    # The tray core starts again for the fixture's shutdown.
    away.core = make(proxy, away.server, tmp_path / "data").core


def test_no_absence_while_not_timing_and_unavailable_is_shown(away: Away) -> None:
    assert away.core.pause().result(30).ok
    away.settle()
    away.later(5)
    away.watcher.emit(AwayKind.LOCK, away.clock.now())
    away.settle()  # the pause is sent at once (before time moves on)
    away.later(30)
    away.watcher.emit(AwayKind.UNLOCK, away.clock.now())
    away.settle()
    assert away.core.snapshot().away is None
    assert away.core.snapshot().away_unavailable == (
        "lock detection unavailable: not on this test machine",
    )
    assert away.core.answer_away("keep").result(30).status == "failed"


def test_status_shows_the_question_and_the_cli_answers_it(
    server: BackendHandle, proxy: Proxy, tmp_path: Path
) -> None:
    from tests.test_cli import cli, env_for

    env = env_for(tmp_path, server)
    a = make(proxy, server, Path(env["TIMETRAY_DATA_DIR"]))
    try:
        assert a.core.check_in().result(30).status == "done"
        assert a.core.start(TRAY).result(30).status == "done"
        a.watcher.emit(AwayKind.LOCK, a.clock.now())
        a.settle()
        a.later(20)
        a.watcher.emit(AwayKind.UNLOCK, a.clock.now())
        a.settle()
    finally:
        a.core.shutdown()
    assert cli(env, "login", "--email", EMAIL, "--password-stdin", stdin=PASSWORD).returncode == 0
    status = cli(env, "status")
    assert "while 'Implement tray sync' was running" in status.stdout
    assert "timetray away keep" in status.stdout
    shown = json.loads(cli(env, "status", "--json").stdout)
    assert shown["away"]["task_id"] == TRAY and "keep-as" in shown["away"]["choices"]
    answered = cli(env, "away", "keep", "--task", "review")
    assert answered.returncode == 0, answered.stderr
    assert json.loads(cli(env, "status", "--json").stdout)["away"] is None
    (kept,) = manual_logs(server)
    assert kept["task_id"] == SPEC and 19.9 <= minutes(kept) <= 20.1
    resumed = server_timer(server)
    assert resumed is not None and resumed["status"] == "running"
