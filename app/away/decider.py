"""What to do when the person leaves and comes back: a pure state machine.

Fed with :class:`AwayEvent` values, what the core knows of the timer and of attendance, and an
injected clock; it answers with commands (pause, log a manual entry, resume, ask) and never
calls anything itself. The server cannot backdate a pause nor edit or delete a time log, so the
only honest moves are: pause at once when the person leaves, remember when the absence really
began, and on return offer to add back (as a manual entry) the part the server did not count.
Its whole state is a JSON-safe dict so that the core can keep an unanswered question in the
store across restarts.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, Literal

from app.away.commands import (
    AskAway,
    AwayCommand,
    Choice,
    LogManualEntry,
    NotifyAway,
    PauseTimer,
    ResumeTimer,
)
from app.away.events import AwayEvent, AwayKind
from app.away.question import Absence, Question, TaskRef

log = logging.getLogger(__name__)

AwayAction = Literal["ask", "pause"]
WallClock = Callable[[], datetime]

# A return this short after the pause is a flicker (a lock screen that came back at once),
# still asked about: the person decides, we only avoid a zero-length question.
MIN_ABSENCE = timedelta(seconds=1)


@dataclass
class _Presence:
    locked: bool = False
    asleep: bool = False
    idle: bool = False


class AwayDecider:
    def __init__(
        self,
        wall: WallClock,
        *,
        away_minutes: int = 10,
        away_action: AwayAction = "ask",
    ) -> None:
        self._wall = wall
        self.away_minutes = away_minutes
        self.away_action: AwayAction = away_action
        self.timer: TaskRef | None = None  # the running timer, as the core last said
        self.absence: Absence | None = None  # open: the person has not come back yet
        self.questions: list[Question] = []  # oldest first; the tray badge and CLI answer [0]
        self._presence = _Presence()
        self._next_id = 1
        self._last_return: datetime | None = None

    @property
    def enabled(self) -> bool:
        return self.away_minutes > 0

    # ---- facts from the core -------------------------------------------------------------

    def timer_changed(self, running: TaskRef | None) -> list[AwayCommand]:
        """The core's view of the timer: the task running now, or None (paused or stopped)."""
        self.timer = running
        return []

    def pause_confirmed(self, at: datetime, absence_id: int | None = None) -> list[AwayCommand]:
        """The server took our pause at ``at``: it counted the absence up to there, not beyond.

        Offline, the pause reaches the server later than we decided it, and the server counts
        until then; the manual entry offered on return starts where the server stopped. The
        person may already be back (the question waits): its absence is corrected the same way.
        """
        a = self.absence
        if a is not None and absence_id in (None, a.id):
            self.absence = replace(a, counted_until=max(at, a.began))
            return []
        for i, q in enumerate(self.questions):
            if q.absence.id == absence_id:
                fixed = replace(q.absence, counted_until=max(at, q.absence.began))
                self.questions[i] = replace(q, absence=fixed)
        return []

    def attendance_changed(
        self, *, on_break: bool, checked_in: bool, at: datetime | None = None
    ) -> list[AwayCommand]:
        """A break or check-out during an absence wins: the absence ends where it began."""
        leaving = on_break or not checked_in
        if self.absence is not None and self.absence.cut_by is None and leaving:
            now = at or self._wall()
            why = "break" if on_break and checked_in else "check-out"
            self.absence = replace(self.absence, cut_at=now, cut_by=why)
        return []

    # ---- signals -------------------------------------------------------------------------

    def handle(self, event: AwayEvent) -> list[AwayCommand]:
        before = self._presence
        self._presence = self._after(before, event.kind)
        if not self.enabled:
            return []
        if event.kind in (AwayKind.IDLE, AwayKind.LOCK, AwayKind.SLEEP):
            return self._leaving(event)
        if event.kind == AwayKind.WAKE and self.absence is None and event.since is not None:
            # Slept without a chance to pause (no inhibitor, battery died): the server counted
            # the whole sleep. Pause first, then ask about it. The same wake reported again
            # by another back end (logind, then the clock gap) is not a second sleep.
            seen = self._last_return is not None and event.since < self._last_return
            if self.timer is not None and not seen:
                task = self.timer
                self._open(AwayKind.WAKE, began=event.since, paused_at=event.at)
                cmds: list[AwayCommand] = [PauseTimer(event.since, "sleep", task)]
                return cmds + self._maybe_return(event)
            return []
        return self._maybe_return(event)

    @staticmethod
    def _after(p: _Presence, kind: AwayKind) -> _Presence:
        if kind == AwayKind.LOCK:
            return replace(p, locked=True)
        if kind == AwayKind.UNLOCK:
            return replace(p, locked=False, idle=False)
        if kind == AwayKind.SLEEP:
            return replace(p, asleep=True)
        if kind == AwayKind.WAKE:
            return replace(p, asleep=False)
        if kind == AwayKind.IDLE:
            return replace(p, idle=True)
        return replace(p, idle=False)  # ACTIVE

    def _leaving(self, event: AwayEvent) -> list[AwayCommand]:
        if self.absence is not None or self.timer is None:
            return []  # already away (a lock during idle keeps the earlier start), or not timing
        began = event.since or event.at
        if event.kind == AwayKind.IDLE:
            idle_for = event.at - began
            if idle_for < timedelta(minutes=self.away_minutes):
                return []
        task = self.timer
        self._open(event.kind, began=began, paused_at=event.at)
        return [PauseTimer(began, event.kind.value, task)]

    def _open(self, kind: AwayKind, *, began: datetime, paused_at: datetime) -> None:
        assert self.timer is not None
        self.absence = Absence(
            id=self._next_id,
            kind=kind.value,
            task=self.timer,
            began=began,
            counted_until=paused_at,
        )
        self._next_id += 1
        log.info("away (%s) since %s; pausing %s", kind.value, began.isoformat(), self.timer.name)
        self.timer = None  # we asked for the pause; the core confirms with timer_changed

    def _maybe_return(self, event: AwayEvent) -> list[AwayCommand]:
        p = self._presence
        if self.absence is None or p.locked or p.asleep:
            return []
        if event.kind not in (AwayKind.ACTIVE, AwayKind.UNLOCK, AwayKind.WAKE):
            return []
        absence = self.absence
        self.absence = None
        self._last_return = event.at
        ended = absence.cut_at or event.at
        if ended - absence.began < MIN_ABSENCE:
            return []
        question = Question(absence=replace(absence, ended=ended), away_minutes=self.away_minutes)
        if self.away_action == "pause":
            return [NotifyAway(question)]  # stays paused, nothing kept: no question to answer
        self.questions.append(question)
        return [AskAway(question)]

    # ---- answers ---------------------------------------------------------------------------

    @property
    def pending(self) -> Question | None:
        return self.questions[0] if self.questions else None

    def answer(
        self, choice: Choice, *, task: TaskRef | None = None, question_id: int | None = None
    ) -> list[AwayCommand]:
        """The person's answer to the oldest question (or the one named), as commands."""
        question = self._take(question_id)
        if question is None:
            return []
        a = question.absence
        cmds: list[AwayCommand] = []
        if choice in (Choice.KEEP, Choice.KEEP_AS):
            target = task if choice == Choice.KEEP_AS and task is not None else a.task
            start, end = question.uncounted
            if end > start:
                cmds.append(LogManualEntry(target, start, end, f"away ({a.kind}), kept"))
        may_resume = a.cut_by is None and self.timer is None
        if choice != Choice.DISCARD_STAY_PAUSED and may_resume:
            cmds.append(ResumeTimer(a.task))
        return cmds

    def _take(self, question_id: int | None) -> Question | None:
        for i, q in enumerate(self.questions):
            if question_id is None or q.absence.id == question_id:
                return self.questions.pop(i)
        return None

    # ---- persistence -----------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": 1,
            "next_id": self._next_id,
            "absence": self.absence.to_dict() if self.absence else None,
            "questions": [q.to_dict() for q in self.questions],
        }

    def restore(self, data: dict[str, Any]) -> None:
        """Take back what :meth:`to_dict` saved; an unknown version is dropped, not guessed."""
        if data.get("version") != 1:
            log.warning("dropping away state of unknown version %r", data.get("version"))
            return
        self._next_id = int(data["next_id"])
        raw = data.get("absence")
        self.absence = Absence.from_dict(raw) if raw else None
        self.questions = [Question.from_dict(q) for q in data.get("questions", [])]
