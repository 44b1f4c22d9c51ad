"""What the decider asks the core to do. Plain values: the core carries them out, in order.

A pause carries when the absence began, not to backdate anything (the server cannot) but so
that the core keeps it with the outbox entry and the question can say what was counted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from app.away.question import Question, TaskRef


class Choice(StrEnum):
    DISCARD_AND_RESUME = "discard"  # the default: drop the absence, carry on with the task
    DISCARD_STAY_PAUSED = "discard-paused"
    KEEP = "keep"  # a manual entry for the part the server did not count, then resume
    KEEP_AS = "keep-as"  # the same on another task, then resume the original one


@dataclass(frozen=True)
class PauseTimer:
    absence_began: datetime
    reason: str  # "idle", "lock", "sleep"
    task: TaskRef


@dataclass(frozen=True)
class ResumeTimer:
    task: TaskRef


@dataclass(frozen=True)
class LogManualEntry:
    task: TaskRef
    start: datetime
    end: datetime
    note: str


@dataclass(frozen=True)
class AskAway:
    """Show the question: one notification, the dialog, the tray badge, ``timetray status``."""

    question: Question


@dataclass(frozen=True)
class NotifyAway:
    """``away_action = pause``: tell the person the timer was paused; nothing to answer."""

    question: Question


AwayCommand = PauseTimer | ResumeTimer | LogManualEntry | AskAway | NotifyAway
