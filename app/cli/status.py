"""`timetray status`: the object `--json` prints and the lines a person reads."""

from __future__ import annotations

from typing import Any


def status_obj(core: Any) -> dict[str, Any]:
    snap = core.snapshot()
    timer = snap.timer
    now = core.clock.now()
    return {
        "signed_in": snap.signed_in,
        "online": snap.sync.online,
        "user": snap.user_name,
        "email": snap.email,
        "server": snap.server_url or core.server_url(),
        "attendance": {
            "checked_in": snap.attendance.checked_in,
            "on_break": snap.attendance.on_break,
        },
        "timer": None
        if timer is None
        else {
            "task_id": timer.task_id,
            "task_title": timer.task_title,
            "project_title": timer.project_title,
            "state": timer.state,
            "pause_reason": timer.pause_reason,
            "elapsed_seconds": int(timer.elapsed_seconds(now)),
            "source": timer.source,
        },
        "queue": {"pending": snap.sync.pending, "parked": snap.sync.parked},
        "away": None
        if snap.away is None
        else {
            "message": snap.away.message,
            "task_id": snap.away.task_id,
            "began": snap.away.began.isoformat(),
            "ended": snap.away.ended.isoformat(),
            "choices": list(snap.away.choices),
            "can_resume": snap.away.can_resume,
        },
    }


def _hms(seconds: float) -> str:
    s = int(seconds)
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}"


def status_text(obj: dict[str, Any], snap: Any) -> str:
    lines = []
    if obj["signed_in"]:
        lines.append(f"Signed in as {obj['user'] or obj['email']} on {obj['server']}")
        lines.append(
            "Online"
            if obj["online"]
            else "Offline: the server can't be reached; changes are saved and will sync"
        )
    elif obj["server"]:
        lines.append(f"Not signed in to {obj['server']} (timetray login --email you@example.com)")
    else:
        lines.append("No server set up (timetray login --server URL --email you@example.com)")
    att = obj["attendance"]
    lines.append(
        "Checked in" + (" (on a break)" if att["on_break"] else "")
        if att["checked_in"]
        else "Not checked in"
    )
    timer = obj["timer"]
    if timer is None:
        lines.append("No timer")
    else:
        where = " [measured on this computer]" if timer["source"] == "local" else ""
        state = "running" if timer["state"] == "running" else (snap.timer.pause_text or "paused")
        lines.append(
            f"Timer: {timer['task_title'] or timer['task_id']} {_hms(timer['elapsed_seconds'])} "
            f"{state}{where}"
        )
    q = obj["queue"]
    lines.append(f"Queue: {q['pending']} waiting, {q['parked']} need attention")
    if obj.get("away"):
        lines.append(obj["away"]["message"])
        lines.append("Answer: timetray away keep [--task TASK] | discard [--stay-paused]")
    return "\n".join(lines)
