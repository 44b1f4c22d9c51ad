"""Polling follows the person: a quarter of the polls while signed in but neither checked in
nor timing, the usual interval again at once when they turn up."""

from __future__ import annotations

from datetime import UTC, datetime

from app.core.polling import QUIET_POLL_SECONDS, poll_interval
from app.core.service import CoreService
from app.core.snapshot import AttendanceView, Snapshot, TimerView
from tests.core.test_sync import TRAY

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def timer(state: str) -> TimerView:
    return TimerView(TRAY, "Implement tray sync", None, state, None, "server", T0, 0.0, None)  # type: ignore[arg-type]


def test_interval_per_state() -> None:
    out = AttendanceView(known=True, checked_in=False)
    inside = AttendanceView(known=True, checked_in=True)
    assert poll_interval(Snapshot(signed_in=True, attendance=out), 15) == QUIET_POLL_SECONDS == 60
    assert poll_interval(Snapshot(signed_in=True, attendance=inside), 15) == 15
    running = Snapshot(signed_in=True, attendance=out, timer=timer("running"))
    assert poll_interval(running, 15) == 15
    paused = Snapshot(signed_in=True, attendance=out, timer=timer("paused"))
    assert poll_interval(paused, 15) == 60
    # Not known yet (the first poll), or signed out: no reason to slow down.
    assert poll_interval(Snapshot(signed_in=True), 15) == 15
    assert poll_interval(Snapshot(signed_in=False, attendance=out), 15) == 15
    assert poll_interval(Snapshot(signed_in=True, attendance=out), 120) == 120


def test_quiet_until_a_command_or_the_menu(core: CoreService) -> None:
    core.worker.submit(core.poller.poll).result(30)
    assert core.poller.quiet
    core.poll_soon()  # the menu opened
    core.worker.submit(lambda: None).result(30)
    assert not core.poller.quiet
    core.worker.submit(core.poller.poll).result(30)
    assert core.poller.quiet
    assert core.check_in().result(30).status == "done"
    core.worker.submit(lambda: None).result(30)
    assert not core.poller.quiet
    core.worker.submit(core.poller.poll).result(30)
    assert not core.poller.quiet  # checked in: the usual interval
