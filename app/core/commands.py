"""The outbox command kinds: what each stores, how it reads to a person, and which server refusals
really mean "this already happened".

A command is stored with everything needed to send it later, including the local UTC time the
user pressed the button (``at``), because an offline pause or stop is sent minutes or hours after
the fact and the server cannot be told when it really happened.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Final

from app.api.timeutil import parse_datetime, to_wire

START: Final = "start"
PAUSE: Final = "pause"
RESUME: Final = "resume"
STOP: Final = "stop"
MANUAL: Final = "manual"
CHECK_IN: Final = "check_in"
CHECK_OUT: Final = "check_out"
BREAK_START: Final = "break_start"
BREAK_END: Final = "break_end"

TIMER_KINDS: Final = frozenset({START, PAUSE, RESUME, STOP})
ATTENDANCE_KINDS: Final = frozenset({CHECK_IN, CHECK_OUT, BREAK_START, BREAK_END})
ALL_KINDS: Final = TIMER_KINDS | ATTENDANCE_KINDS | {MANUAL}

WORK_MODES: Final = ("office", "wfh")
BREAK_TYPES: Final = ("dinner", "prayer", "other")

# A stop sent this long after it was pressed gets the real stop time written into its notes.
LATE_STOP_SECONDS: Final = 60.0

# Refusals that only say the wanted state is already there: a retry after a lost answer, or a
# change made elsewhere (web app, server auto-checkout). Nothing is lost, so they count as done.
_ALREADY_DONE: Final[dict[str, tuple[tuple[int, str], ...]]] = {
    PAUSE: ((404, "active task timer not found"),),
    RESUME: ((404, "paused task timer not found"),),
    STOP: ((404, "active task timer not found"),),
    CHECK_IN: ((409, "already have an active attendance session"),),
    CHECK_OUT: ((404, "no active attendance session"),),
    BREAK_START: ((400, "already have an active break"),),
    BREAK_END: ((404, "no active break"),),
}


class CommandError(ValueError):
    """Bad input caught before anything is stored; the message is for the user."""


def already_done(kind: str, status: int, message: str) -> bool:
    text = message.lower()
    return any(status == s and part in text for s, part in _ALREADY_DONE.get(kind, ()))


def _iso(value: datetime) -> str:
    return to_wire(value)


def at_of(payload: Mapping[str, Any]) -> datetime | None:
    """The local UTC time the user gave the command."""
    try:
        return parse_datetime(payload.get("at"))
    except ValueError:
        return None


def check_notes(notes: str | None, limit: int) -> str | None:
    if notes is None:
        return None
    notes = notes.strip()
    if not notes:
        return None
    if len(notes) > limit:
        raise CommandError(f"Notes are limited to {limit} characters (these have {len(notes)}).")
    return notes


def timer_payload(
    kind: str,
    task_id: str,
    at: datetime,
    *,
    notes: str | None = None,
    auto_reason: str | None = None,
    timer_id: str | None = None,
) -> dict[str, Any]:
    payload: dict[str, Any] = {"task_id": task_id, "at": _iso(at)}
    if notes is not None:
        payload["notes"] = notes
    if auto_reason is not None:
        payload["auto_reason"] = auto_reason
    if timer_id is not None:
        payload["timer_id"] = timer_id
    return payload


def manual_payload(
    task_id: str,
    started_at: datetime,
    ended_at: datetime,
    notes: str | None,
    at: datetime,
    *,
    offline_timer: bool = False,
) -> dict[str, Any]:
    if started_at.tzinfo is None or ended_at.tzinfo is None:
        raise CommandError("Start and end times need a time zone.")
    if ended_at <= started_at:
        raise CommandError("The end time must be after the start time.")
    payload: dict[str, Any] = {
        "task_id": task_id,
        "started_at": _iso(started_at),
        "ended_at": _iso(ended_at),
        "at": _iso(at),
    }
    if notes is not None:
        payload["notes"] = notes
    if offline_timer:
        payload["offline_timer"] = True
    return payload


def check_in_payload(work_mode: str, at: datetime) -> dict[str, Any]:
    if work_mode not in WORK_MODES:
        raise CommandError(f"Work mode must be one of: {', '.join(WORK_MODES)}.")
    return {"work_mode": work_mode, "at": _iso(at)}


def check_out_payload(
    at: datetime,
    early_reason: str | None = None,
    after_shift_reason: str | None = None,
    after_shift_note: str | None = None,
) -> dict[str, Any]:
    payload: dict[str, Any] = {"at": _iso(at)}
    for key, value in (
        ("early_checkout_reason", early_reason),
        ("checkout_after_shift_reason", after_shift_reason),
        ("checkout_after_shift_note", after_shift_note),
    ):
        if value is not None and value.strip():
            payload[key] = value.strip()
    return payload


def break_start_payload(break_type: str, note: str | None, at: datetime) -> dict[str, Any]:
    if break_type not in BREAK_TYPES:
        raise CommandError(f"Break type must be one of: {', '.join(BREAK_TYPES)}.")
    note = note.strip() if note else None
    if break_type == "other" and not note:
        raise CommandError("A note is required for an 'other' break.")
    payload: dict[str, Any] = {"break_type": break_type, "at": _iso(at)}
    if note:
        payload["note"] = note
    return payload


def late_stop_notes(notes: str | None, stopped_at: datetime, sent_at: datetime) -> str | None:
    """The notes to send with a stop: the user's, plus the real stop time when sent late."""
    if (sent_at - stopped_at).total_seconds() < LATE_STOP_SECONDS:
        return notes
    local = stopped_at.astimezone()
    stamp = local.strftime("%Y-%m-%d %H:%M:%S %Z").strip()
    line = f"[Timetray: stopped at {stamp} on this computer while offline; synced later]"
    return f"{notes}\n{line}" if notes else line


def offline_notes(notes: str | None) -> str:
    line = "[Timetray: recorded offline on this computer]"
    return f"{notes}\n{line}" if notes else line


def _hm(value: str | None) -> str:
    when = parse_datetime(value) if value else None
    return when.astimezone().strftime("%H:%M") if when else "?"


def summary(kind: str, payload: Mapping[str, Any], titles: Mapping[str, str]) -> str:
    """One human line for the queue list."""
    task = str(payload.get("task_id") or "")
    title = titles.get(task) or str(payload.get("task_title") or "") or task[:8]
    if kind == MANUAL:
        day = parse_datetime(payload.get("started_at"))
        date = day.astimezone().strftime("%Y-%m-%d ") if day else ""
        return (
            f"Manual entry: {title} {date}{_hm(payload.get('started_at'))}-"
            f"{_hm(payload.get('ended_at'))}"
        )
    at = _hm(payload.get("at"))
    if kind == START:
        return f"Start timer: {title} ({at})"
    if kind == PAUSE:
        why = payload.get("auto_reason")
        return f"Pause timer: {title} ({at}{', automatic' if why else ''})"
    if kind == RESUME:
        return f"Resume timer: {title} ({at})"
    if kind == STOP:
        return f"Stop timer: {title} ({at})"
    if kind == CHECK_IN:
        return f"Check in ({payload.get('work_mode', 'office')}, {at})"
    if kind == CHECK_OUT:
        return f"Check out ({at})"
    if kind == BREAK_START:
        return f"Start {payload.get('break_type', '')} break ({at})"
    if kind == BREAK_END:
        return f"End break ({at})"
    return f"{kind} ({at})"
