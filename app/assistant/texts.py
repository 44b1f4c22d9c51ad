"""What the model reads to choose a tool: when to use it, what it returns, what it needs.

Kept apart from the code so the wording can be reviewed (and tested) as what it is: the only
documentation an assistant gets.
"""

from __future__ import annotations

INSTRUCTIONS = (
    "Timetray tracks the person's working time against their company's HR server. Read tools "
    "answer at once. Write tools never act on your word alone: each first returns "
    "requires_confirmation with a one-line summary and a confirmation_id. Show the summary to "
    "the person and call confirm(confirmation_id) only after they approve it (hosts with "
    "elicitation ask the person directly instead). Approvals are single use and last 2 "
    "minutes. Offline, changes are saved on the computer and sync later exactly once."
)

_CONFIRM = (
    " Does nothing by itself: returns requires_confirmation, a summary and a confirmation_id "
    "for the person to approve (then call confirm)."
)

DESCRIPTIONS: dict[str, str] = {
    "get_active_timer": (
        "The person's running or paused timer: task, project, state, pause reason, time so far "
        "and whether it was measured offline; null when none. Use for 'what am I working on?'."
    ),
    "get_my_timesheet": (
        "The person's week (Monday to Sunday): hours per day and per task with totals, every "
        "entry marked synced, waiting to sync, refused (parked) or running. period_start: any "
        "date of the wanted week, YYYY-MM-DD; default this week. Use for 'how much did I log?'."
    ),
    "list_my_tasks": (
        "The person's tasks with project and status, and whether a timer can be started on each "
        "(and why not). query filters by title or project. Use to find the task for "
        "start_timer or log_time_entry."
    ),
    "get_attendance": (
        "Whether the person is checked in (since when, office or home) and on a break."
    ),
    "get_sync_status": (
        "Changes waiting on this computer to reach the server, and those the server refused "
        "with its own message. Use when something seems missing or the person is offline."
    ),
    "start_timer": (
        "Start a timer on a task (its id, or its title as list_my_tasks shows it). A running "
        "timer is stopped and its time logged first. Needs the person checked in." + _CONFIRM
    ),
    "stop_timer": "Stop the running timer and log its time, with optional notes." + _CONFIRM,
    "pause_timer": "Pause the running timer (the time so far is kept)." + _CONFIRM,
    "resume_timer": "Resume the paused timer." + _CONFIRM,
    "log_time_entry": (
        "Log time already worked on a task without the timer. Either started_at and ended_at "
        "(ISO 8601; without a zone they are the person's local time), or hours with log_date "
        "(YYYY-MM-DD, default today), placed after that day's existing entries and never in "
        "the future. The server refuses entries that overlap." + _CONFIRM
    ),
    "check_in": "Check the person in for the day; mode is office or wfh." + _CONFIRM,
    "check_out": (
        "Check the person out. reason: why they leave before the end of their shift (or, with "
        "note, why they worked past it). The server pauses a running timer." + _CONFIRM
    ),
    "start_break": (
        "Start a break: type dinner, prayer or other (other needs a note). The server pauses a "
        "running timer until the break ends." + _CONFIRM
    ),
    "end_break": "End the current break." + _CONFIRM,
    "confirm": (
        "Run a change the person has just approved, by the confirmation_id a write tool "
        "returned. Only call it after the person said yes to that exact summary; an id works "
        "once and for 2 minutes."
    ),
}
