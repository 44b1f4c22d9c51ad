"""Decides which notices reach the user, and how often.

Pure logic (no Qt): the controller feeds it the core's notices (the core owes each reminder
once, see app/core/reminders.py) and shows whatever it returns. Offline/online flapping is
folded to one bubble a minute; with notifications off only errors the user must act on pass.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from app.core.snapshot import Notice

log = logging.getLogger(__name__)

CONNECTIVITY_KINDS = frozenset({"offline", "online"})
CONNECTIVITY_GAP = timedelta(minutes=1)


class Notifier:
    def __init__(self) -> None:
        self.enabled = True
        self._last_connectivity_at: datetime | None = None
        self._last_connectivity_kind: str | None = None

    def filter(self, notice: Notice, now: datetime) -> Notice | None:
        """The notice to show, or None when it would be noise."""
        if notice.kind in CONNECTIVITY_KINDS:
            if notice.kind == self._last_connectivity_kind:
                return None
            last = self._last_connectivity_at
            self._last_connectivity_kind = notice.kind
            if last is not None and now - last < CONNECTIVITY_GAP:
                log.info("connectivity notice folded: %s", notice.kind)
                return None
            self._last_connectivity_at = now
        if not self.enabled and notice.kind not in ("parked", "sign_in_needed", "store_reset"):
            return None
        return notice
