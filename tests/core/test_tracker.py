"""The Tracker's pure rules: what the user sees, and when the timer pauses or resumes by itself."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from app.api import errors, models
from app.api.timeutil import to_wire
from app.core import commands
from app.core.backoff import Backoff
from app.core.clock import ShiftDetector
from app.core.health import SyncHealth
from app.core.rules import (
    AutoMarker,
    PendingCommand,
    decide_auto,
    server_timer_view,
    transition_notices,
)
from app.core.status import AccountStatus, Connection
from app.core.tracker import Tracker
from tests.core.clocks import ManualClock

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
TASK = "60000000-0000-4000-8000-000000000003"


def timer(
    status: str = "running", reason: str | None = None, acc: float = 0.0
) -> models.TimerSession:
    return models.TimerSession(
        id="t1",
        task_id=TASK,
        status=status,
        started_at=T0,
        task_title="Implement tray sync",
        last_resumed_at=T0 + timedelta(minutes=10),
        accumulated_seconds=acc,
        pause_reason=reason,
    )


def attendance(on_break: bool = False) -> models.AttendanceSession:
    brk = models.Break(id="b", break_type="dinner", started_at=T0) if on_break else None
    return models.AttendanceSession(id="a", check_in_at=T0, active_break=brk)


def cmd(kind: str, at: datetime, **payload: object) -> PendingCommand:
    return PendingCommand("i-" + kind, kind, {"task_id": TASK, "at": to_wire(at), **payload}, at)


def test_elapsed_follows_the_server_formula_corrected_for_clock_offset() -> None:
    # The client clock is 30 s behind the server.
    offset = timedelta(seconds=30)
    view = server_timer_view(timer(acc=120), offset, None)
    client_now = T0 + timedelta(minutes=15) - offset
    server_now = client_now + offset
    expected = 120 + (server_now - (T0 + timedelta(minutes=10))).total_seconds()
    assert abs(view.elapsed_seconds(client_now) - expected) < 1


def test_paused_timer_shows_accumulated_only() -> None:
    view = server_timer_view(timer("paused", "manual_pause", acc=300), timedelta(0), None)
    assert view.elapsed_seconds(T0 + timedelta(hours=5)) == 300
    assert view.pause_text == "paused by you"


def test_our_automatic_pause_is_shown_with_its_reason() -> None:
    marker = AutoMarker("t1", "attendance_checkout")
    view = server_timer_view(timer("paused", "manual_pause"), timedelta(0), marker)
    assert view.pause_reason == "attendance_checkout"
    assert view.pause_text == "paused because you checked out"


def tracker_with(
    t: models.TimerSession | None,
    a: models.AttendanceSession | None,
    connection: Callable[[], Connection] = Connection,
) -> Tracker:
    tr = Tracker(account=lambda: AccountStatus(signed_in=True), connection=connection)
    tr.set_server_state(t, a, timedelta(0))
    return tr


def test_offline_pause_shows_paused_at_once() -> None:
    tr = tracker_with(timer(), attendance())
    tr.set_outbox([cmd(commands.PAUSE, T0 + timedelta(minutes=20))], 0)
    _, snap = tr.publish()
    assert snap.timer is not None
    assert snap.timer.state == "paused"
    assert snap.timer.pause_reason == "offline_pause"
    assert snap.timer.elapsed_seconds(T0 + timedelta(hours=1)) == 600
    assert snap.sync.pending == 1


def test_pending_stop_removes_the_timer_and_checkout_pauses_it() -> None:
    tr = tracker_with(timer(), attendance())
    tr.set_outbox([cmd(commands.STOP, T0 + timedelta(minutes=20))], 0)
    assert tr.publish()[1].timer is None
    tr.set_outbox([cmd(commands.CHECK_OUT, T0 + timedelta(minutes=20))], 0)
    snap = tr.publish()[1]
    assert snap.timer is not None and snap.timer.pause_reason == "attendance_checkout"
    assert not snap.attendance.checked_in


def test_checked_out_while_running_means_pause() -> None:
    tr = tracker_with(timer(), None)
    action = tr.decide()
    assert action is not None and (action.action, action.reason) == ("pause", "attendance_checkout")


def test_on_break_while_running_means_pause_for_the_break() -> None:
    tr = tracker_with(timer(), attendance(on_break=True))
    action = tr.decide()
    assert action is not None and (action.action, action.reason) == ("pause", "break_started")


def test_a_queued_automatic_pause_is_not_decided_twice() -> None:
    tr = tracker_with(timer(), None)
    tr.set_outbox([cmd(commands.PAUSE, T0, auto_reason="attendance_checkout")], 0)
    assert tr.decide() is None


def test_automatic_pause_is_resumed_when_the_cause_ends_but_a_manual_one_never() -> None:
    tr = tracker_with(timer("paused", "manual_pause"), attendance())
    assert tr.decide() is None
    tr.set_marker(AutoMarker("t1", "attendance_checkout"))
    action = tr.decide()
    assert action is not None and action.action == "resume"
    tr.auto_resume = False
    assert tr.decide() is None


def test_server_paused_for_checkout_stays_paused_while_checked_out() -> None:
    tr = tracker_with(timer("paused", "attendance_checkout"), None)
    assert tr.decide() is None


def test_unknown_attendance_decides_nothing() -> None:
    t = server_timer_view(timer(), timedelta(0), None)
    from app.core.snapshot import AttendanceView

    assert decide_auto(t, AttendanceView(known=False), auto_resume=True) is None


def test_one_notice_per_automatic_pause_and_resume() -> None:
    tr = tracker_with(timer(), attendance())
    first = tr.publish()[1]
    tr.set_server_state(timer("paused", "break_started"), attendance(on_break=True), timedelta(0))
    prev, second = tr.publish()
    notices = transition_notices(prev, second)
    assert [n.kind for n in notices] == ["auto_pause"]
    assert "break" in notices[0].message
    # The same state again: no second notice.
    prev, third = tr.publish()
    assert third.revision == second.revision
    assert transition_notices(second, second) == []
    tr.set_server_state(timer(), attendance(), timedelta(0))
    prev, fourth = tr.publish()
    assert [n.kind for n in transition_notices(prev, fourth)] == ["auto_resume"]
    assert first.revision < fourth.revision


def test_going_offline_and_back_is_told_once_each() -> None:
    health = SyncHealth(poll_interval=15)
    tr = tracker_with(timer(), attendance(), health.status)
    health.poll_answered(T0)
    tr.publish()
    health.poll_failed(errors.Unreachable(may_have_reached=False))
    prev, new = tr.publish()
    assert [n.kind for n in transition_notices(prev, new)] == ["offline"]
    health.poll_answered(T0 + timedelta(minutes=1))
    prev, new = tr.publish()
    assert [n.kind for n in transition_notices(prev, new)] == ["online"]


def test_sleep_and_clock_jumps_are_told_apart() -> None:
    clock = ManualClock(T0)
    det = ShiftDetector(clock, tick_seconds=10)
    clock.advance(10)
    assert det.check().wall_jump == 0 and not det.check().slept
    clock.advance(3600)  # slept an hour: both clocks moved
    shift = det.check()
    assert shift.slept and shift.wall_jump == 0
    clock.jump(-1800)  # the user set the clock back
    shift = det.check()
    assert shift.wall_jump == -1800


def test_backoff_grows_is_capped_and_honours_retry_after() -> None:
    b = Backoff(base=2, cap=60, rng=random.Random(1))
    delays = [b.next_delay() for _ in range(10)]
    assert delays[0] <= 2 and max(delays) <= 60 and delays[-1] >= 30
    assert b.next_delay(retry_after=120) >= 120
    b.reset()
    assert b.next_delay() <= 2


def test_refusals_that_mean_already_done() -> None:
    assert commands.already_done(
        commands.CHECK_IN, 409, "You already have an active attendance session."
    )
    assert commands.already_done(commands.STOP, 404, "Active task timer not found.")
    assert not commands.already_done(
        commands.MANUAL, 409, "Manual log overlaps an existing time log."
    )
    assert not commands.already_done(
        commands.START, 409, "You already have an active or paused task timer."
    )


def test_late_stop_notes_record_the_local_stop_time() -> None:
    assert commands.late_stop_notes("done", T0, T0 + timedelta(seconds=5)) == "done"
    late = commands.late_stop_notes("done", T0, T0 + timedelta(hours=1))
    assert late is not None and late.startswith("done\n") and "stopped at" in late


def test_a_resume_during_the_break_never_claims_the_break_ended() -> None:
    # Resumed elsewhere (the web app) while the break goes on: the break did not end.
    tr = tracker_with(timer("paused", "break_started"), attendance(on_break=True))
    tr.publish()
    tr.set_server_state(timer(), attendance(on_break=True), timedelta(0))
    prev, new = tr.publish()
    assert [n.kind for n in transition_notices(prev, new)] == []
    assert new.resume_refusal is None  # running: nothing to refuse
