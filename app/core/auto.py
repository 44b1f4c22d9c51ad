"""Carrying out the Tracker's automatic pause and resume (once per poll).

A timer measured on this computer is paused or resumed here at once; a server timer gets a
queued pause or resume command like one the user pressed, recorded under the account in use.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from app.core import commands, local_timer
from app.core.context import CoreContext
from app.core.tracker import Tracker

logger = logging.getLogger(__name__)


class AutoPauser:
    def __init__(self, ctx: CoreContext, tracker: Tracker, reload: Callable[[], None]) -> None:
        self._ctx = ctx
        self._tracker = tracker
        self._reload = reload

    def apply(self) -> None:
        # Decide on the outbox as it is now (a drain may just have sent part of it).
        self._reload()
        action = self._tracker.decide()
        if action is None:
            return
        timer, _ = self._tracker.effective()
        assert timer is not None
        store = self._ctx.store
        now = self._ctx.clock.now()
        logger.info(
            "automatic %s (%s) of the timer on %s", action.action, action.reason, timer.task_id
        )
        if timer.source == "local":
            meta, _local = local_timer.load(store)
            if meta is None:
                return
            if action.action == "pause":
                local_timer.pause(store, meta, now, action.reason)
            else:
                local_timer.resume(store, meta, now)
        else:
            server = self._tracker.server_timer
            kind = commands.PAUSE if action.action == "pause" else commands.RESUME
            payload = commands.timer_payload(
                kind,
                timer.task_id,
                now,
                auto_reason=action.reason if kind == commands.PAUSE else None,
                timer_id=server.id if server else None,
            )
            self._ctx.enqueue(kind, payload)
        self._reload()
