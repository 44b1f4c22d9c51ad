"""The away decisions on an injected clock: what a person sees and what reaches the server."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from app.away.commands import (
    AskAway,
    Choice,
    LogManualEntry,
    NotifyAway,
    PauseTimer,
    ResumeTimer,
)
from app.away.decider import AwayDecider
from app.away.events import AwayEvent, AwayKind
from app.away.question import TaskRef

TASK = TaskRef("7", "Implement tray sync")
OTHER = TaskRef("9", "Meetings")
T0 = datetime(2026, 11, 23, 12, 4, tzinfo=UTC)


class Wall:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now

    def at(self, minutes: float) -> datetime:
        self.now = T0 + timedelta(minutes=minutes)
        return self.now


def m(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def ev(kind: AwayKind, at: datetime, since: datetime | None = None) -> AwayEvent:
    return AwayEvent(kind, at, since)


@pytest.fixture
def wall() -> Wall:
    return Wall()


@pytest.fixture
def d(wall: Wall) -> AwayDecider:
    decider = AwayDecider(wall, away_minutes=10)
    decider.timer_changed(TASK)
    return decider


def leave_idle_and_return(d: AwayDecider, back_at: float = 47) -> AskAway:
    """Idle from 12:04, noticed at 12:14, back at 12:51 (47 min)."""
    cmds = d.handle(ev(AwayKind.IDLE, m(10), since=m(0)))
    assert cmds == [PauseTimer(m(0), "idle", TASK)]
    d.timer_changed(None)  # the core paused it
    (ask,) = d.handle(ev(AwayKind.ACTIVE, m(back_at)))
    assert isinstance(ask, AskAway)
    return ask


def test_idle_absence_asks_and_says_what_the_server_already_counted(d: AwayDecider) -> None:
    ask = leave_idle_and_return(d)
    assert ask.question.message(UTC).splitlines() == [
        "You were away 12:04-12:51 (47 min) while 'Implement tray sync' was running.",
        "The first 10 min were counted before the pause and cannot be removed.",
    ]
    assert d.pending == ask.question


def test_discard_and_resume_is_the_default_and_adds_nothing(d: AwayDecider) -> None:
    leave_idle_and_return(d)
    assert d.answer(Choice.DISCARD_AND_RESUME) == [ResumeTimer(TASK)]
    assert d.pending is None


def test_discard_and_stay_paused_sends_nothing(d: AwayDecider) -> None:
    leave_idle_and_return(d)
    assert d.answer(Choice.DISCARD_STAY_PAUSED) == []
    assert d.pending is None


def test_keep_logs_only_the_uncounted_part_then_resumes(d: AwayDecider) -> None:
    leave_idle_and_return(d)
    manual, resume = d.answer(Choice.KEEP)
    assert isinstance(manual, LogManualEntry)
    assert (manual.task, manual.start, manual.end) == (TASK, m(10), m(47))
    assert resume == ResumeTimer(TASK)


def test_keep_as_another_task_logs_there_and_resumes_the_original(d: AwayDecider) -> None:
    leave_idle_and_return(d)
    manual, resume = d.answer(Choice.KEEP_AS, task=OTHER)
    assert isinstance(manual, LogManualEntry)
    assert (manual.task, manual.start, manual.end) == (OTHER, m(10), m(47))
    assert resume == ResumeTimer(TASK)


def test_idle_shorter_than_the_threshold_or_without_a_timer_does_nothing(wall: Wall) -> None:
    d = AwayDecider(wall, away_minutes=10)
    assert d.handle(ev(AwayKind.IDLE, m(30), since=m(0))) == []  # not timing
    d.timer_changed(TASK)
    assert d.handle(ev(AwayKind.IDLE, m(9), since=m(0))) == []  # 9 min < 10
    assert d.handle(ev(AwayKind.ACTIVE, m(9.5))) == []


def test_away_minutes_zero_turns_everything_off(wall: Wall) -> None:
    d = AwayDecider(wall, away_minutes=0)
    d.timer_changed(TASK)
    for kind in (AwayKind.IDLE, AwayKind.LOCK, AwayKind.SLEEP):
        assert d.handle(ev(kind, m(60), since=m(0))) == []
    assert d.handle(ev(AwayKind.WAKE, m(90), since=m(0))) == []


def test_lock_pauses_at_the_lock_and_loses_nothing(d: AwayDecider) -> None:
    assert d.handle(ev(AwayKind.LOCK, m(0))) == [PauseTimer(m(0), "lock", TASK)]
    d.timer_changed(None)
    assert d.handle(ev(AwayKind.ACTIVE, m(20))) == []  # typing the password is not a return
    (ask,) = d.handle(ev(AwayKind.UNLOCK, m(21)))
    assert isinstance(ask, AskAway)
    assert "Nothing was counted" in ask.question.message(UTC)
    manual, _ = d.answer(Choice.KEEP)
    assert isinstance(manual, LogManualEntry)
    assert (manual.start, manual.end) == (m(0), m(21))


def test_a_lock_during_idle_keeps_the_earlier_start(d: AwayDecider) -> None:
    d.handle(ev(AwayKind.IDLE, m(10), since=m(0)))
    d.timer_changed(None)
    assert d.handle(ev(AwayKind.LOCK, m(15))) == []
    assert d.handle(ev(AwayKind.ACTIVE, m(30))) == []  # still locked
    (ask,) = d.handle(ev(AwayKind.UNLOCK, m(31)))
    assert isinstance(ask, AskAway)
    assert ask.question.absence.began == m(0)


def test_sleep_with_a_pre_sleep_pause_asks_after_wake_and_unlock(d: AwayDecider) -> None:
    assert d.handle(ev(AwayKind.LOCK, m(0))) == [PauseTimer(m(0), "lock", TASK)]
    d.timer_changed(None)
    assert d.handle(ev(AwayKind.SLEEP, m(1))) == []  # already paused by the lock
    assert d.handle(ev(AwayKind.WAKE, m(600), since=m(1))) == []  # screen still locked
    (ask,) = d.handle(ev(AwayKind.UNLOCK, m(601)))
    assert isinstance(ask, AskAway)
    assert ask.question.counted == timedelta(0)


def test_sleep_alone_pauses_before_sleeping(d: AwayDecider) -> None:
    assert d.handle(ev(AwayKind.SLEEP, m(0))) == [PauseTimer(m(0), "sleep", TASK)]
    d.timer_changed(None)
    (ask,) = d.handle(ev(AwayKind.WAKE, m(60), since=m(0)))
    assert isinstance(ask, AskAway)
    assert ask.question.message(UTC).splitlines()[0].startswith("You were away 12:04-13:04 (1 h)")


def test_sleep_without_warning_pauses_first_then_asks_and_cannot_discard(d: AwayDecider) -> None:
    """The battery died at 18:00 with the timer running; the machine wakes the next morning."""
    cmds = d.handle(ev(AwayKind.WAKE, m(15 * 60), since=m(0)))
    assert cmds[0] == PauseTimer(m(0), "sleep", TASK)
    assert isinstance(cmds[1], AskAway)
    assert "server counted all of it" in cmds[1].question.message(UTC)
    d.timer_changed(None)
    assert d.answer(Choice.KEEP) == [ResumeTimer(TASK)]  # nothing uncounted to add


def test_a_break_during_the_absence_wins(d: AwayDecider) -> None:
    leave = d.handle(ev(AwayKind.IDLE, m(10), since=m(0)))
    assert leave
    d.timer_changed(None)
    d.attendance_changed(on_break=True, checked_in=True, at=m(26))  # lunch break from 12:30
    (ask,) = d.handle(ev(AwayKind.ACTIVE, m(80)))
    assert isinstance(ask, AskAway)
    assert ask.question.end == m(26)
    assert "break began at 12:30" in ask.question.message(UTC)
    (manual,) = d.answer(Choice.KEEP)  # no resume: attendance rules stay as they are
    assert isinstance(manual, LogManualEntry)
    assert (manual.start, manual.end) == (m(10), m(26))


def test_a_check_out_during_the_absence_means_no_resume(d: AwayDecider) -> None:
    d.handle(ev(AwayKind.LOCK, m(0)))
    d.timer_changed(None)
    d.attendance_changed(on_break=False, checked_in=False, at=m(5))
    d.handle(ev(AwayKind.UNLOCK, m(600)))
    assert d.answer(Choice.DISCARD_AND_RESUME) == []


def test_two_absences_in_a_row_are_two_questions_answered_oldest_first(d: AwayDecider) -> None:
    leave_idle_and_return(d)  # unanswered
    d.timer_changed(TASK)  # the person restarted the timer by hand
    assert d.handle(ev(AwayKind.LOCK, m(60))) == [PauseTimer(m(60), "lock", TASK)]
    d.timer_changed(None)
    (second,) = d.handle(ev(AwayKind.UNLOCK, m(70)))
    assert isinstance(second, AskAway)
    assert [q.absence.began for q in d.questions] == [m(0), m(60)]
    first_answer = d.answer(Choice.KEEP)
    assert first_answer[0] == LogManualEntry(TASK, m(10), m(47), "away (idle), kept")
    assert d.pending == second.question


def test_a_second_absence_right_after_answering(d: AwayDecider) -> None:
    leave_idle_and_return(d)
    assert d.answer(Choice.DISCARD_AND_RESUME) == [ResumeTimer(TASK)]
    d.timer_changed(TASK)
    assert d.handle(ev(AwayKind.IDLE, m(70), since=m(60))) == [PauseTimer(m(60), "idle", TASK)]


def test_an_unanswered_question_survives_a_restart(d: AwayDecider, wall: Wall) -> None:
    leave_idle_and_return(d)
    saved = json.loads(json.dumps(d.to_dict()))
    again = AwayDecider(wall, away_minutes=10)
    again.restore(saved)
    assert again.pending == d.pending
    manual, _ = again.answer(Choice.KEEP)
    assert isinstance(manual, LogManualEntry)
    assert (manual.start, manual.end) == (m(10), m(47))


def test_an_open_absence_survives_a_restart_and_new_ids_do_not_clash(
    d: AwayDecider, wall: Wall
) -> None:
    d.handle(ev(AwayKind.LOCK, m(0)))
    again = AwayDecider(wall, away_minutes=10)
    again.restore(json.loads(json.dumps(d.to_dict())))
    (ask,) = again.handle(ev(AwayKind.UNLOCK, m(30)))
    assert isinstance(ask, AskAway)
    again.timer_changed(TASK)
    again.handle(ev(AwayKind.LOCK, m(40)))
    again.handle(ev(AwayKind.UNLOCK, m(50)))
    assert len({q.id for q in again.questions}) == 2


def test_unknown_saved_state_is_dropped_not_guessed(d: AwayDecider) -> None:
    d.restore({"version": 99, "questions": [{"junk": 1}]})
    assert d.pending is None


def test_offline_pause_counts_until_the_server_took_it(d: AwayDecider) -> None:
    d.handle(ev(AwayKind.LOCK, m(0)))
    d.timer_changed(None)
    d.pause_confirmed(m(12))  # the outbox delivered the pause 12 min later
    (ask,) = d.handle(ev(AwayKind.UNLOCK, m(30)))
    assert isinstance(ask, AskAway)
    assert ask.question.counted == timedelta(minutes=12)
    manual, _ = d.answer(Choice.KEEP)
    assert isinstance(manual, LogManualEntry)
    assert manual.start == m(12)


def test_away_action_pause_only_tells(wall: Wall) -> None:
    d = AwayDecider(wall, away_minutes=10, away_action="pause")
    d.timer_changed(TASK)
    assert d.handle(ev(AwayKind.LOCK, m(0))) == [PauseTimer(m(0), "lock", TASK)]
    d.timer_changed(None)
    (note,) = d.handle(ev(AwayKind.UNLOCK, m(30)))
    assert isinstance(note, NotifyAway)
    assert d.pending is None


def test_answering_with_nothing_pending_does_nothing(d: AwayDecider) -> None:
    assert d.answer(Choice.KEEP) == []


def test_a_resumed_timer_is_not_resumed_twice(d: AwayDecider) -> None:
    leave_idle_and_return(d)
    d.timer_changed(TASK)  # resumed from the web meanwhile
    manual, *rest = d.answer(Choice.KEEP)
    assert isinstance(manual, LogManualEntry)
    assert rest == []


def test_the_same_wake_from_two_back_ends_is_one_question(d: AwayDecider) -> None:
    d.handle(ev(AwayKind.SLEEP, m(0)))  # logind: paused before sleeping
    (ask,) = d.handle(ev(AwayKind.WAKE, m(60), since=m(0)))
    assert isinstance(ask, AskAway)
    assert d.handle(ev(AwayKind.WAKE, m(60.1), since=m(-0.1))) == []  # the clock gap, later
    assert len(d.questions) == 1


def test_a_pause_is_asked_once_even_before_the_core_confirms_it(d: AwayDecider) -> None:
    assert d.handle(ev(AwayKind.LOCK, m(0))) == [PauseTimer(m(0), "lock", TASK)]
    d.handle(ev(AwayKind.UNLOCK, m(5)))
    # The core has not reported the pause yet; a gap-detected wake must not pause again.
    assert d.handle(ev(AwayKind.WAKE, m(6), since=m(1))) == []
