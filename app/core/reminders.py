"""Gentle reminders: a timer left running for hours, and a working day with no timer.

Each is owed once per occasion (one long-timer notice per timer, one idle notice per idle
stretch), so a reminder never nags on every tick.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from app.core.snapshot import Notice, Snapshot


class Reminders:
    def __init__(self, long_timer_hours: float, idle_reminder_minutes: float) -> None:
        self.long_timer_hours = long_timer_hours
        self.idle_reminder_minutes = idle_reminder_minutes
        self._notified: set[str] = set()
        self._idle_since: datetime | None = None

    def check(self, snap: Snapshot, now: datetime) -> list[Notice]:
        out: list[Notice] = []
        timer = snap.timer
        hours = self.long_timer_hours
        if timer is not None and timer.state == "running" and hours > 0:
            key = f"long:{timer.task_id}:{timer.started_at.isoformat()}"
            if timer.elapsed_seconds(now) > hours * 3600 and key not in self._notified:
                self._notified.add(key)
                out.append(
                    Notice(
                        "long_timer",
                        "Timer still running",
                        f"Your timer on {timer.task_title} has run for more than {hours:g} hours. "
                        "Did you forget to stop it?",
                        "menu",
                    )
                )
        minutes = self.idle_reminder_minutes
        idle = snap.attendance.checked_in and not snap.attendance.on_break and timer is None
        if not idle:
            self._idle_since = None
            return out
        if self._idle_since is None:
            self._idle_since = now
        if minutes > 0 and now - self._idle_since >= timedelta(minutes=minutes):
            key = f"idle:{self._idle_since.isoformat()}"
            if key not in self._notified:
                self._notified.add(key)
                out.append(
                    Notice(
                        "idle_reminder",
                        "No timer running",
                        f"You are checked in but no timer has run for {minutes:g} minutes.",
                        "menu",
                    )
                )
        return out
