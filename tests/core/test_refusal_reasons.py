"""The reason a refused command gives is the one that helps (what the CLI prints): a blocked task
says it is blocked even while another timer runs, and Resume on a break says to end the break."""

from __future__ import annotations

from app.core.service import CoreService

TRAY = "60000000-0000-4000-8000-000000000003"
BLOCKED = "60000000-0000-4000-8000-000000000004"  # "Fix login bug"


def test_starting_a_blocked_task_while_a_timer_runs_says_it_is_blocked(
    core: CoreService,
) -> None:
    assert core.check_in("office").result(30).status == "done"
    assert core.start(TRAY).result(30).status == "done"
    refused = core.start(BLOCKED).result(30)
    assert refused.status == "failed"
    assert refused.message == "Cannot start timer on a blocked task"
    # A task that can be started: the running timer is the reason, and switching the cure.
    other = core.start("60000000-0000-4000-8000-000000000002").result(30)
    assert other.status == "failed"
    assert "already running on Implement tray sync" in other.message
    assert "switch" in other.message


def test_resume_on_a_break_is_refused_with_the_way_out(core: CoreService) -> None:
    assert core.check_in("office").result(30).status == "done"
    assert core.start(TRAY).result(30).status == "done"
    assert core.start_break("dinner").result(30).status == "done"
    timer = core.snapshot().timer
    assert timer is not None and timer.state == "paused"
    refused = core.resume().result(30)
    assert refused.status == "failed"
    assert refused.message.startswith("You are on a break")
    assert "End break" in refused.message
    assert [i for i in core.outbox(include_done=True) if i.kind == "resume"] == []
    assert core.end_break().result(30).status == "done"
    timer = core.snapshot().timer
    assert timer is not None and timer.state == "running"  # the break's pause is undone
