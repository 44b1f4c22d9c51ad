"""Time logs: the server's, plus manual entries still waiting in the outbox (one reader of
those, for both the Today total and the logs view)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from app.api import ApiClient, errors
from app.api.timeutil import parse_datetime
from app.core import commands
from app.core.clock import Clock
from app.core.facade import LogEntry
from app.core.tracker import Tracker
from offline_queue import Store

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class QueuedEntry:
    """A manual entry in the outbox, read once."""

    task_id: str
    task_title: str | None
    started_at: datetime
    ended_at: datetime
    notes: str | None


def queued_entries(store: Store, states: Iterable[str]) -> list[QueuedEntry]:
    out: list[QueuedEntry] = []
    for item in store.items(tuple(states)):
        if item.kind != commands.MANUAL:
            continue
        payload = item.payload
        start = parse_datetime(payload.get("started_at"))
        end = parse_datetime(payload.get("ended_at"))
        if start is None or end is None:
            continue
        title = payload.get("task_title")
        out.append(
            QueuedEntry(
                task_id=str(payload.get("task_id")),
                task_title=str(title) if title else None,
                started_at=start,
                ended_at=end,
                notes=payload.get("notes"),
            )
        )
    return out


class Logbook:
    def __init__(
        self,
        store: Store,
        clock: Clock,
        tracker: Tracker,
        api: Callable[[], ApiClient | None],
    ) -> None:
        self._store = store
        self._clock = clock
        self._tracker = tracker
        self._api = api

    def update_today(self) -> None:
        """Today's logged total (server logs and queued entries), for the tray. Raises
        ApiError when the server's logs cannot be read."""
        api = self._api()
        assert api is not None
        start = self._clock.now().astimezone().replace(hour=0, minute=0, second=0, microsecond=0)
        total = 0.0
        for log in api.my_logs():
            if log.started_at >= start:
                total += log.duration_minutes * 60.0
        for entry in queued_entries(self._store, ("pending", "in_flight")):
            if entry.started_at >= start:
                total += (entry.ended_at - entry.started_at).total_seconds()
        self._tracker.set_today_logged(total)

    def logs(self, since: datetime) -> list[LogEntry]:
        out: list[LogEntry] = []
        api = self._api()
        if api is not None:
            try:
                for log in api.my_logs():
                    if log.started_at >= since and log.ended_at is not None:
                        out.append(
                            LogEntry(
                                task_id=log.task_id,
                                task_title=log.task_title,
                                started_at=log.started_at,
                                ended_at=log.ended_at,
                                duration_minutes=log.duration_minutes,
                                notes=log.notes,
                                source="manual" if log.source_type == "manual" else "timer",
                                pending=False,
                            )
                        )
            except errors.ApiError as exc:
                logger.info("could not fetch logs: %s", exc.user_message)
        for entry in queued_entries(self._store, ("pending", "in_flight", "parked")):
            if entry.started_at < since:
                continue
            out.append(
                LogEntry(
                    task_id=entry.task_id,
                    task_title=entry.task_title or self._tracker.task_title(entry.task_id),
                    started_at=entry.started_at,
                    ended_at=entry.ended_at,
                    duration_minutes=int((entry.ended_at - entry.started_at).total_seconds() // 60),
                    notes=entry.notes,
                    source="manual",
                    pending=True,
                )
            )
        out.sort(key=lambda entry: entry.started_at, reverse=True)
        return out
