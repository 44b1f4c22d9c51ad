"""Decides which notices reach the user, and how often.

Pure logic (no Qt): the controller feeds it the core's notices and a once-a-second look at the
snapshot, and shows whatever it returns. Offline/online flapping is folded to one bubble a
minute, and the long-timer and idle reminders fire once per stretch, whether the core or the
tray noticed first.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from app.core.snapshot import Notice, Snapshot
from app.ui.text import human_duration

log = logging.getLogger(__name__)

CONNECTIVITY_KINDS = frozenset({"offline", "online"})
CONNECTIVITY_GAP = timedelta(minutes=1)


class Notifier:
    def __init__(self) -> None:
        self.enabled = True
        self.long_timer_hours = 0.0
        self.idle_reminder_minutes = 0
        self._last_connectivity_at: datetime | None = None
        self._last_connectivity_kind: str | None = None
        self._long_timer_done: set[tuple[str, datetime]] = set()
        self._idle_done: set[datetime | None] = set()
        self._idle_since: datetime | None = None

    def filter(
        self, notice: Notice, now: datetime, snapshot: Snapshot | None = None
    ) -> Notice | None:
        """The notice to show, or None when it would be noise."""
        if snapshot is not None:
            timer = snapshot.timer
            self._long_key = (timer.task_id, timer.started_at) if timer else None
        if notice.kind in CONNECTIVITY_KINDS:
            if notice.kind == self._last_connectivity_kind:
                return None
            last = self._last_connectivity_at
            self._last_connectivity_kind = notice.kind
            if last is not None and now - last < CONNECTIVITY_GAP:
                log.info("connectivity notice folded: %s", notice.kind)
                return None
            self._last_connectivity_at = now
        elif notice.kind == "long_timer" and self._long_key is not None:
            if self._long_key in self._long_timer_done:
                return None
            self._long_timer_done.add(self._long_key)
        elif notice.kind == "idle_reminder":
            if self._idle_since in self._idle_done:
                return None
            self._idle_done.add(self._idle_since)
        if not self.enabled and notice.kind not in ("parked", "sign_in_needed", "store_reset"):
            return None
        return notice

    _long_key: tuple[str, datetime] | None = None

    def tick(self, snapshot: Snapshot, now: datetime) -> list[Notice]:
        """Reminders the tray derives from the snapshot itself (the core may send them too)."""
        out: list[Notice] = []
        timer = snapshot.timer
        self._long_key = (timer.task_id, timer.started_at) if timer else None
        if (
            timer is not None
            and self.long_timer_hours > 0
            and timer.state == "running"
            and timer.elapsed_seconds(now) >= self.long_timer_hours * 3600
            and self._long_key not in self._long_timer_done
        ):
            notice = Notice(
                kind="long_timer",
                title="Timer still running",
                message=(
                    f"“{timer.task_title}” has been running for "
                    f"{human_duration(timer.elapsed_seconds(now))}. Forgot to stop it?"
                ),
                target="menu",
            )
            shown = self.filter(notice, now)
            if shown:
                out.append(shown)
        att = snapshot.attendance
        idle = snapshot.signed_in and att.checked_in and not att.on_break and timer is None
        if not idle:
            self._idle_since = None
        elif self._idle_since is None:
            self._idle_since = now
        if (
            idle
            and self.idle_reminder_minutes > 0
            and self._idle_since is not None
            and now - self._idle_since >= timedelta(minutes=self.idle_reminder_minutes)
            and self._idle_since not in self._idle_done
        ):
            notice = Notice(
                kind="idle_reminder",
                title="No timer running",
                message=(
                    f"You are checked in but no timer has run for "
                    f"{human_duration((now - self._idle_since).total_seconds())}."
                ),
                target="menu",
            )
            shown = self.filter(notice, now)
            if shown:
                out.append(shown)
        return out
