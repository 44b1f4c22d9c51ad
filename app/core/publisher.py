"""Publishing: from the store and the Tracker to the subscribed front ends.

:class:`Listeners` owns the subscribed callbacks. :class:`Publisher` is the one place that
feeds the Tracker what the store holds (the outbox, the local timer, the automatic-pause
marker, the projects refused manual entries; also what another process changed) and then
publishes the snapshot, the notices its change deserves, and the callbacks. Worker thread only.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime

from app.core import local_timer, manual_refusals, marker
from app.core.rules import PendingCommand, transition_notices
from app.core.snapshot import Notice, Snapshot
from app.core.tracker import Tracker
from offline_queue import OutboxItem, Store

logger = logging.getLogger(__name__)


class Listeners:
    def __init__(self) -> None:
        self._on_snapshot: list[Callable[[Snapshot], None]] = []
        self._on_notice: list[Callable[[Notice], None]] = []

    def subscribe(
        self, on_snapshot: Callable[[Snapshot], None], on_notice: Callable[[Notice], None]
    ) -> None:
        self._on_snapshot.append(on_snapshot)
        self._on_notice.append(on_notice)

    def notify(self, notice: Notice) -> None:
        logger.info("notice %s: %s", notice.kind, notice.message)
        for callback in list(self._on_notice):
            try:
                callback(notice)
            except Exception:
                logger.exception("notice callback failed")

    def deliver(self, snapshot: Snapshot) -> None:
        for callback in list(self._on_snapshot):
            try:
                callback(snapshot)
            except Exception:
                logger.exception("snapshot callback failed")


class Publisher:
    def __init__(
        self,
        store: Store,
        tracker: Tracker,
        listeners: Listeners,
        accepts: Callable[[], Callable[[OutboxItem], bool]],
        now: Callable[[], datetime] | None = None,
    ) -> None:
        self._now = now or (lambda: datetime.now(UTC))
        self._store = store
        self._tracker = tracker
        self._listeners = listeners
        self._accepts = accepts

    def reload(self) -> None:
        """Feed the tracker what the store holds now (also what another process changed)."""
        store = self._store
        accept = self._accepts()
        items = store.items(("pending", "in_flight", "parked"))
        pending = [
            PendingCommand(i.id, i.kind, i.payload, i.created_at)
            for i in items
            if i.state != "parked" and accept(i)
        ]
        self._tracker.set_outbox(pending, store.counts().get("parked", 0))
        parked = [i for i in items if i.state == "parked"]
        manual_refusals.learn(store, parked, self._project_of)
        self._tracker.set_manual_refused(manual_refusals.refused_projects(store, self._now()))
        _, local = local_timer.load(store)
        self._tracker.set_local(local)
        self._tracker.set_marker(marker.load(store))

    def _project_of(self, task_id: str) -> str | None:
        task = self._tracker.task(task_id)
        return task.project_id if task is not None else None

    def prime(self) -> None:
        """The first snapshot at start-up, before the worker runs: nothing to tell anyone."""
        self.reload()
        self._tracker.publish()

    def publish(self) -> None:
        self.reload()
        prev, new = self._tracker.publish()
        if new.revision == prev.revision:
            return
        for notice in transition_notices(prev, new):
            self._listeners.notify(notice)
        self._listeners.deliver(new)
