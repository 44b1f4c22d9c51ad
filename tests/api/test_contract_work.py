"""Tasks, the timer, time logs and attendance against the contract server (contract §2-4)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from app.api import ApiClient, errors
from tests.api.conftest import EMP2
from tests.backend import BackendHandle

MakeApi = Callable[..., ApiClient]
TASK = "60000000-0000-4000-8000-0000000000{:02d}"
SYNC = TASK.format(3)  # "Implement tray sync", in progress


def rejected(call: Callable[[], object]) -> errors.Rejected:
    with pytest.raises(errors.Rejected) as info:
        call()
    return info.value


# -- tasks ----------------------------------------------------------------------------------


def test_list_and_get_tasks(api: ApiClient) -> None:
    tasks = {t.id: t for t in api.list_tasks()}
    # Employees never see archived tasks (07) in lists, nor other people's (10).
    assert sorted(tasks) == [TASK.format(n) for n in (1, 2, 3, 4, 5, 6, 8, 9)]
    assert tasks[SYNC].title == "Implement tray sync"
    assert tasks[SYNC].project_title == "Desktop Tray Client"
    assert tasks[TASK.format(4)].start_block_reason == "Cannot start timer on a blocked task"
    assert [t.status for t in api.list_tasks(status="blocked")] == ["blocked"]
    task = api.get_task(SYNC)
    assert task.status == "in_progress" and task.created_at is not None
    assert task.created_at.tzinfo is UTC


def test_task_errors(api: ApiClient) -> None:
    other = rejected(lambda: api.get_task(TASK.format(10)))
    assert (other.status, other.user_message) == (403, "Access denied")
    missing = rejected(lambda: api.get_task("60000000-0000-4000-8000-000000000099"))
    assert (missing.status, missing.user_message) == (404, "Task not found")
    bad = rejected(lambda: api.get_task("not-a-uuid"))
    assert bad.status == 422 and bad.code == "VALIDATION_ERROR" and bad.details
    todo = rejected(lambda: api.list_tasks(status="todo"))
    assert todo.status == 422


# -- timer --------------------------------------------------------------------------------


def test_timer_lifecycle(api: ApiClient, server: BackendHandle) -> None:
    assert api.active_timer() is None
    api.check_in()
    started = api.start_timer(SYNC)
    assert started.status == "running" and started.task_id == SYNC
    assert started.task_title == "Implement tray sync"
    assert started.started_at.tzinfo is UTC and started.accumulated_seconds == 0
    assert api.active_timer() == started
    server.advance_clock(40)
    paused = api.pause_timer(SYNC)
    assert (paused.status, paused.pause_reason) == ("paused", "manual_pause")
    assert 39 <= paused.accumulated_seconds <= 41
    assert api.pause_timer(SYNC) == paused  # already paused: a no-op, not an error
    resumed = api.resume_timer(SYNC)
    assert resumed.status == "running" and resumed.pause_reason is None
    assert api.resume_timer(SYNC).status == "running"  # already running: no-op
    server.advance_clock(25)
    log = api.stop_timer(SYNC, notes="sixty-five seconds")
    assert log.source_type == "timer" and log.notes == "sixty-five seconds"
    assert log.duration_minutes == 1
    assert log.ended_at is not None and log.ended_at > log.started_at
    assert api.active_timer() is None
    again = rejected(lambda: api.stop_timer(SYNC))
    assert (again.status, again.user_message) == (404, "Active task timer not found.")
    assert api.my_logs()[0].id == log.id


def test_timer_errors(api: ApiClient) -> None:
    not_in = rejected(lambda: api.start_timer(SYNC))
    assert (not_in.status, not_in.user_message) == (
        400,
        "You must check in before starting a task.",
    )
    resume = rejected(lambda: api.resume_timer(SYNC))
    assert (resume.status, resume.user_message) == (
        400,
        "You must check in before resuming a task.",
    )
    pause = rejected(lambda: api.pause_timer(SYNC))
    assert (pause.status, pause.user_message) == (404, "Active task timer not found.")
    api.check_in()
    blocked = rejected(lambda: api.start_timer(TASK.format(4)))
    assert blocked.user_message == "Cannot start timer on a blocked task"
    completed = rejected(lambda: api.start_timer(TASK.format(5)))
    assert completed.user_message == "Cannot start timer on a completed task"
    theirs = rejected(lambda: api.start_timer(TASK.format(10)))
    assert (theirs.status, theirs.user_message) == (
        403,
        "You can only log time on tasks assigned to you",
    )
    unknown = rejected(lambda: api.start_timer("60000000-0000-4000-8000-000000000099"))
    assert (unknown.status, unknown.user_message) == (404, "Task not found")
    assert api.start_timer(TASK.format(7)).status == "running"  # archived is accepted
    twice = rejected(lambda: api.start_timer(SYNC))
    assert (twice.status, twice.user_message) == (
        409,
        "You already have an active or paused task timer.",
    )
    wrong = rejected(lambda: api.resume_timer(SYNC))
    assert (wrong.status, wrong.user_message) == (404, "Paused task timer not found.")


def test_manual_entries(api: ApiClient) -> None:
    start = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
    log = api.log_manual(SYNC, start, start + timedelta(minutes=45, seconds=59), notes="spec")
    assert (log.source_type, log.duration_minutes, log.notes) == ("manual", 45, "spec")
    assert log.started_at == start
    backwards = rejected(lambda: api.log_manual(SYNC, start, start - timedelta(minutes=1)))
    assert backwards.status == 422
    assert backwards.user_message == "ended_at must be after started_at"
    overlap = rejected(
        lambda: api.log_manual(
            TASK.format(2), start + timedelta(minutes=30), start + timedelta(hours=1)
        )
    )
    assert (overlap.status, overlap.user_message) == (
        409,
        "Manual log overlaps an existing time log.",
    )
    # Touching ends is fine.
    api.log_manual(
        TASK.format(2), start + timedelta(minutes=45, seconds=59), start + timedelta(hours=1)
    )
    on_hold = rejected(
        lambda: api.log_manual(
            TASK.format(9), start - timedelta(hours=2), start - timedelta(hours=1)
        )
    )
    assert (on_hold.status, on_hold.user_message) == (400, "Task project is not approved or active")
    with pytest.raises(ValueError):
        api.log_manual(SYNC, datetime(2026, 11, 21, 10), datetime(2026, 11, 21, 11))
    logs = api.my_logs()
    assert [entry.started_at for entry in logs] == sorted(
        (entry.started_at for entry in logs), reverse=True
    )


# -- attendance ---------------------------------------------------------------------------


def test_attendance_breaks_and_the_timer(api: ApiClient) -> None:
    assert api.active_attendance() is None and api.current_break() is None
    session = api.check_in("wfh")
    assert session.checked_in and session.work_mode == "wfh"
    assert session.check_in_at.tzinfo is UTC
    again = rejected(lambda: api.check_in())
    assert (again.status, again.user_message) == (
        409,
        "You already have an active attendance session.",
    )
    api.start_timer(SYNC)
    other = rejected(lambda: api.start_break("other"))
    assert (other.status, other.code) == (422, "API_ERROR")
    assert other.user_message == "Note is required for 'other' break type."
    brk = api.start_break("prayer")
    assert brk.break_type == "prayer" and brk.active
    timer = api.active_timer()
    assert timer is not None and (timer.status, timer.pause_reason) == ("paused", "break_started")
    assert api.current_break() == brk
    current = api.active_attendance()
    assert current is not None and current.on_break and current.active_break == brk
    second = rejected(lambda: api.start_break("dinner"))
    assert (second.status, second.user_message) == (400, "You already have an active break.")
    ended = api.end_break()
    assert ended.id == brk.id and not ended.active
    timer = api.active_timer()
    assert timer is not None and timer.status == "running"  # auto-resumed
    no_break = rejected(lambda: api.end_break())
    assert (no_break.status, no_break.user_message) == (404, "No active break found.")
    out = api.check_out()
    assert not out.checked_in
    timer = api.active_timer()
    assert timer is not None and timer.pause_reason == "attendance_checkout"
    gone = rejected(lambda: api.check_out())
    assert (gone.status, gone.user_message) == (404, "No active attendance session found.")
    no_session = rejected(lambda: api.start_break("dinner"))
    assert no_session.user_message == "Cannot start break without an active attendance session."
    assert api.my_attendance()[0].id == session.id


def test_shift_checkout_rules(make_api: MakeApi, server: BackendHandle) -> None:
    sam = make_api()
    sam.login(*EMP2)
    day = datetime(2026, 11, 23, tzinfo=UTC)
    server.set_clock(day.replace(hour=9, minute=5))
    sam.check_in()
    early = rejected(lambda: sam.check_out())
    assert early.status == 400
    assert early.user_message == (
        "A reason of at least 5 characters is required for checking out before your shift ends."
    )
    assert not sam.check_out(early_checkout_reason="Doctor appointment").checked_in
    server.set_clock(day.replace(hour=9, minute=10) + timedelta(days=1))
    sam.check_in("office")
    server.set_clock(day.replace(hour=17, minute=30) + timedelta(days=1))
    late = rejected(lambda: sam.check_out())
    assert (late.status, late.user_message) == (
        422,
        "Reason and note are required for checkout after shift end.",
    )
    done = sam.check_out(
        checkout_after_shift_reason="overtime", checkout_after_shift_note="release night"
    )
    assert done.is_overtime and done.checkout_after_shift_reason == "overtime"


def test_server_auto_checkout_leaves_the_timer_running(
    api: ApiClient, server: BackendHandle
) -> None:
    api.check_in()
    api.start_timer(SYNC)
    server.auto_checkout("emp1@example.com")
    assert api.active_attendance() is None
    timer = api.active_timer()
    assert timer is not None and timer.status == "running"
