"""The write tools' requests made concrete: what will be done, in one line, before anything is.

``prepare_*`` check the request against the latest snapshot (a clear refusal now beats asking
the person to approve something certain to fail) and return a :class:`Prepared`: the payload
shown to the person and the call that runs it on the core once approved. Times an assistant
gives without a zone are the person's local time, as the CLI reads them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from app.core.facade import CommandResult, CoreFacade, LogEntry
from app.core.snapshot import Snapshot, TaskView
from app.core.week_text import hm

WORK_MODES = ("office", "wfh")
BREAK_TYPES = ("dinner", "prayer", "other")
DAY_STARTS_AT = time(9, 0)  # where hours logged for a past day are placed, when free


class Refused(ValueError):
    """The request cannot be done as asked; the message says why, in the person's words."""


@dataclass(frozen=True)
class Prepared:
    tool: str
    summary: str
    payload: dict[str, Any]
    run: Callable[[CoreFacade], Future[CommandResult]] = field(repr=False)


def parse_time(text: str, what: str, tz_of: Callable[[datetime], datetime]) -> datetime:
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise Refused(f"{what}: not an ISO 8601 date-time: {text!r}") from None
    return value if value.tzinfo is not None else tz_of(value)


def find_task(tasks: Sequence[TaskView], text: str) -> TaskView | None:
    """An id, a title, or a unique start or part of a title; Refused when several match."""
    wanted = text.strip().casefold()
    for rule in (
        lambda t: t.id.casefold() == wanted,
        lambda t: t.title.casefold() == wanted,
        lambda t: t.title.casefold().startswith(wanted),
        lambda t: wanted in t.title.casefold(),
    ):
        found = [t for t in tasks if rule(t)]
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            names = ", ".join(repr(t.title) for t in found[:5])
            raise Refused(f"{text!r} matches several tasks: {names}. Use the task's id.")
    return None


def _task_label(task: TaskView) -> str:
    return f"'{task.title}'" + (f" ({task.project_title})" if task.project_title else "")


def prepare_start(snap: Snapshot, task: TaskView) -> Prepared:
    if not task.startable:
        raise Refused(task.reason or f"{task.title} cannot be started.")
    running = snap.timer
    payload: dict[str, Any] = {"task_id": task.id, "task_title": task.title}
    if running is not None and running.task_id == task.id:
        raise Refused(f"The timer already runs on {task.title}.")
    if running is not None:
        payload["stops_first"] = {"task_id": running.task_id, "task_title": running.task_title}
        summary = f"Stop the timer on '{running.task_title}' and start one on {_task_label(task)}"
    else:
        summary = f"Start a timer on {_task_label(task)}"

    def run(core: CoreFacade) -> Future[CommandResult]:
        # Decided when it runs: the tray may have stopped or started a timer meanwhile.
        if core.snapshot().timer is not None:
            return core.switch(task.id)
        return core.start(task.id)

    return Prepared("start_timer", summary, payload, run)


def prepare_stop(snap: Snapshot, notes: str | None, now: datetime) -> Prepared:
    timer = snap.timer
    if timer is None:
        raise Refused("No timer is running.")
    worked = hm(timer.elapsed_seconds(now))
    summary = f"Stop the timer on '{timer.task_title}' ({worked} so far) and log the time"
    payload = {"task_id": timer.task_id, "task_title": timer.task_title, "notes": notes}
    return Prepared("stop_timer", summary, payload, lambda core: core.stop(notes))


def prepare_pause(snap: Snapshot) -> Prepared:
    timer = snap.timer
    if timer is None:
        raise Refused("No timer is running.")
    if timer.state == "paused":
        raise Refused(f"The timer on {timer.task_title} is already paused.")
    payload = {"task_id": timer.task_id, "task_title": timer.task_title}
    return Prepared("pause_timer", f"Pause the timer on '{timer.task_title}'", payload, _pause)


def _pause(core: CoreFacade) -> Future[CommandResult]:
    return core.pause()


def prepare_resume(snap: Snapshot) -> Prepared:
    timer = snap.timer
    if timer is None:
        raise Refused("No paused timer to resume.")
    if timer.state == "running":
        raise Refused(f"The timer on {timer.task_title} is already running.")
    payload = {"task_id": timer.task_id, "task_title": timer.task_title}
    return Prepared("resume_timer", f"Resume the timer on '{timer.task_title}'", payload, _resume)


def _resume(core: CoreFacade) -> Future[CommandResult]:
    return core.resume()


def span_for_hours(
    hours: float, day: date, now: datetime, day_logs: Sequence[LogEntry]
) -> tuple[datetime, datetime]:
    """Where ``hours`` on ``day`` go: after the day's last entry (the server refuses an
    overlap), from 09:00 on a free day, and never past now (a future entry is a typo)."""
    if not 0 < hours <= 24:
        raise Refused("hours must be more than 0 and at most 24.")
    length = timedelta(seconds=round(hours * 3600))
    local_now = now.astimezone()
    start = datetime.combine(day, DAY_STARTS_AT).astimezone()
    ends = [e.ended_at for e in day_logs if e.ended_at.astimezone().date() == day]
    if ends:
        start = max(start, max(ends).astimezone())
    end = start + length
    if end > local_now:
        end = local_now.replace(second=0, microsecond=0)
        start = end - length
        if ends and start < max(ends):
            raise Refused(
                f"{hm(length.total_seconds())} does not fit on {day.isoformat()} after the "
                "entries already logged; give started_at and ended_at instead."
            )
    if end.date() != day or start.date() != day:
        raise Refused(f"{hm(length.total_seconds())} does not fit on {day.isoformat()}.")
    return start, end


def prepare_log(
    task: TaskView, start: datetime, end: datetime, notes: str | None, now: datetime
) -> Prepared:
    if end <= start:
        raise Refused("ended_at must be after started_at.")
    if end > now + timedelta(minutes=1):
        raise Refused("The entry would end in the future; time can only be logged once worked.")
    local_start, local_end = start.astimezone(), end.astimezone()
    summary = (
        f"Log {hm((end - start).total_seconds())} on {_task_label(task)}, "
        f"{local_start:%a %Y-%m-%d %H:%M}-{local_end:%H:%M}" + (f' ("{notes}")' if notes else "")
    )
    payload = {
        "task_id": task.id,
        "task_title": task.title,
        "started_at": local_start.isoformat(timespec="minutes"),
        "ended_at": local_end.isoformat(timespec="minutes"),
        "notes": notes,
    }
    return Prepared(
        "log_time_entry", summary, payload, lambda core: core.log_manual(task.id, start, end, notes)
    )


def prepare_check_in(snap: Snapshot, mode: str) -> Prepared:
    if mode not in WORK_MODES:
        raise Refused(f"mode must be one of: {', '.join(WORK_MODES)}.")
    if snap.attendance.known and snap.attendance.checked_in:
        raise Refused("You are already checked in.")
    where = "from the office" if mode == "office" else "working from home"
    return Prepared(
        "check_in", f"Check in ({where})", {"mode": mode}, lambda core: core.check_in(mode)
    )


def prepare_check_out(snap: Snapshot, reason: str | None, note: str | None) -> Prepared:
    if snap.attendance.known and not snap.attendance.checked_in:
        raise Refused("You are not checked in.")
    summary = "Check out" + (f" (reason: {reason})" if reason else "")
    if snap.timer is not None and snap.timer.state == "running":
        summary += f"; the server pauses the timer on '{snap.timer.task_title}'"
    payload = {"reason": reason, "note": note}

    def run(core: CoreFacade) -> Future[CommandResult]:
        # As the CLI: a reason with a note explains overtime, a reason alone an early leave.
        return core.check_out(
            early_reason=reason if not note else None,
            after_shift_reason=reason if note else None,
            after_shift_note=note,
        )

    return Prepared("check_out", summary, payload, run)


def prepare_break(snap: Snapshot, kind: str, note: str | None) -> Prepared:
    if kind not in BREAK_TYPES:
        raise Refused(f"type must be one of: {', '.join(BREAK_TYPES)}.")
    if kind == "other" and not (note or "").strip():
        raise Refused("An 'other' break needs a note saying what it is.")
    if snap.attendance.known and snap.attendance.on_break:
        raise Refused("You are already on a break.")
    summary = f"Start a {kind} break" + (f" ({note})" if note else "")
    return Prepared(
        "start_break",
        summary,
        {"type": kind, "note": note},
        lambda core: core.start_break(kind, note),
    )


def prepare_end_break(snap: Snapshot) -> Prepared:
    if snap.attendance.known and not snap.attendance.on_break:
        raise Refused("You are not on a break.")
    return Prepared("end_break", "End the break", {}, _end_break)


def _end_break(core: CoreFacade) -> Future[CommandResult]:
    return core.end_break()
