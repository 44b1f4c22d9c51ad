"""The local effect of each queued command, applied on the worker thread, once, in queue order.

A facade method only commits the command (with the moment it was pressed) and wakes the worker.
Here the worker turns it into what it means on this computer: a start begins the local
measurement at the press time, a pause or stop of a timer measured here is carried out here
(it never needs the server), and checkout or a break pauses a local timer like the server
would pause its own. Because all of this runs on the one worker thread, nothing races a drain.

Exactly once: the highest queue position applied is kept in the store (``applied_seq``), and
every effect is also safe to repeat, so a crash between an effect and that mark changes nothing.
The drain calls :meth:`LocalEffects.ensure` on each item it claims, so an item that arrived
while a drain was already running still gets its effect before it is sent.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from app.core import commands, local_timer
from app.core.facade import CommandResult
from app.core.tracker import Tracker
from offline_queue import OutboxItem, Store

logger = logging.getLogger(__name__)

APPLIED_KEY = "applied_seq"


@dataclass(frozen=True)
class Outcome:
    """An item finished on this computer (``result``), or whose answer now comes from another
    item (``follow``: the last manual entry of a stopped local timer)."""

    result: CommandResult | None = None
    follow: str | None = None


class LocalEffects:
    def __init__(
        self,
        store: Store,
        tracker: Tracker,
        now: Callable[[], datetime],
        *,
        auto_resume: bool,
    ) -> None:
        self.store = store
        self.tracker = tracker
        self._now = now
        self.auto_resume = auto_resume
        self._applied: int | None = None

    # ---- bookkeeping -----------------------------------------------------------------------
    def applied_seq(self) -> int:
        if self._applied is None:
            cached = self.store.cache_get(APPLIED_KEY)
            value = cached.value if cached is not None else None
            self._applied = int(value) if isinstance(value, int) else 0
        return self._applied

    def _mark(self, seq: int) -> None:
        if seq > self.applied_seq():
            self._applied = seq
            self.store.cache_put(APPLIED_KEY, seq)

    # ---- entry points ----------------------------------------------------------------------
    def apply_pending(self) -> dict[str, Outcome]:
        """Apply every pending item not applied yet; returns what finished here."""
        self._applied = None  # another process may have moved it
        self._recover()
        done: dict[str, Outcome] = {}
        for item in self.store.items(("pending", "in_flight")):
            if item.seq <= self.applied_seq():
                continue
            outcome = self.ensure(item)
            if outcome is not None:
                done[item.id] = outcome
        return done

    def ensure(self, item: OutboxItem) -> Outcome | None:
        """Apply ``item``'s effect unless already applied. Not None: do not send it."""
        if item.seq <= self.applied_seq():
            return None
        if item.kind == commands.MANUAL:
            # No local effect at all: remembered in memory only, which keeps a drain of many
            # entries at one commit each (a repeat after a restart would change nothing).
            self._applied = item.seq
            return None
        try:
            outcome = self._apply(item)
        except (KeyError, ValueError, TypeError) as exc:  # a payload we cannot read
            logger.warning("cannot apply %s %s locally: %s", item.kind, item.id, exc)
            outcome = None
        self._mark(item.seq)
        return outcome

    def _recover(self) -> None:
        """A local timer stopped just before a crash, whose entries were never queued."""
        meta, _ = local_timer.load(self.store)
        if meta is not None and meta.get("stopped") and not meta.get("start_item"):
            logger.info("queueing the entries of a local timer stopped before a restart")
            local_timer.finalize(self.store, meta, self._now())

    # ---- the effects -----------------------------------------------------------------------
    def _apply(self, item: OutboxItem) -> Outcome | None:
        kind, payload = item.kind, item.payload
        at = commands.at_of(payload) or item.created_at
        if kind == commands.START:
            return self._start(item, at)
        meta, local = local_timer.load(self.store)
        ours = local is not None and meta is not None and local.task_id == payload.get("task_id")
        if kind in (commands.PAUSE, commands.RESUME, commands.STOP):
            if meta is not None and kind == commands.STOP and _stopped_by(meta, item.id):
                return self._finish_stop(item, meta)
            if not ours or meta is None or local is None:
                return None  # the server's timer: the drain sends it
            if kind == commands.PAUSE:
                local_timer.pause(
                    self.store, meta, at, str(payload.get("auto_reason") or "manual_pause")
                )
                return self._local_done(item, "Timer paused (measured on this computer).")
            if kind == commands.RESUME:
                local_timer.resume(self.store, meta, at)
                return self._local_done(item, "Timer resumed (measured on this computer).")
            notes = payload.get("notes")
            meta = local_timer.mark_stopped(
                self.store, meta, at, str(notes) if notes else None, item.id
            )
            return self._finish_stop(item, meta)
        # Attendance: a local timer follows the server's rules for its own timers.
        if meta is None or local is None:
            return None
        if kind in (commands.CHECK_OUT, commands.BREAK_START) and local.running_since is not None:
            reason = "attendance_checkout" if kind == commands.CHECK_OUT else "break_started"
            local_timer.pause(self.store, meta, at, reason)
        elif (
            kind in (commands.CHECK_IN, commands.BREAK_END)
            and self.auto_resume
            and local.running_since is None
            and local.pause_reason
            == ("attendance_checkout" if kind == commands.CHECK_IN else "break_started")
        ):
            local_timer.resume(self.store, meta, at)
        return None

    def _local_done(self, item: OutboxItem, message: str) -> Outcome:
        self.store.complete(item.id, result={"local": True})
        return Outcome(CommandResult("done", message, item_id=item.id))

    def _fail(self, item: OutboxItem, message: str) -> Outcome:
        self.store.complete(item.id, result={"failed": message})
        return Outcome(CommandResult("failed", message, item_id=item.id))

    def _finish_stop(self, item: OutboxItem, meta: dict[str, object]) -> Outcome:
        if meta.get("start_item"):
            # The start's fate is still unknown: the drain settles both when it sends it.
            self.store.complete(item.id, result={"local": True})
            return Outcome(CommandResult("queued", "Timer stopped; it will sync.", item.id))
        self.store.complete(item.id, result={"local": True})
        ids = local_timer.finalize(self.store, dict(meta), self._now())
        if not ids:
            return Outcome(
                CommandResult("done", "Timer stopped (under a second, nothing to log).", item.id)
            )
        return Outcome(follow=ids[-1])

    def _start(self, item: OutboxItem, at: datetime) -> Outcome | None:
        payload = item.payload
        task_id = str(payload["task_id"])
        meta, local = local_timer.load(self.store)
        if meta is not None and meta.get("start_item") == item.id:
            return None  # applied before a restart
        if local is not None:
            return self._fail(
                item, f"A timer is already running on {local.task_title or local.task_id}."
            )
        # An earlier local timer, stopped before the server heard of its start.
        if meta is not None and meta.get("stopped") and not self._settle_stopped(meta):
            return self._fail(
                item, "The previous timer is still being saved; try again in a moment."
            )
        if self._server_timer_live(item):
            timer = self.tracker.server_timer
            title = timer.task_title if timer is not None else ""
            return self._fail(item, f"A timer is already running on {title}; stop it first.")
        title = str(payload.get("task_title") or self.tracker.task_title(task_id))
        project = payload.get("project_title")
        if project is None and (task := self.tracker.task(task_id)) is not None:
            project = task.project_title
        # The measurement begins at the press; it is dropped once the server has the timer.
        local_timer.begin(
            self.store, task_id, title, str(project) if project else None, at, item.id
        )
        return None

    def _settle_stopped(self, meta: dict[str, object]) -> bool:
        """Turn a stopped local timer into manual entries now, if its start is not on its way
        to the server; False if it may be (then it must be settled by the drain)."""
        start_id = meta.get("start_item")
        if start_id:
            start = self.store.get(str(start_id))
            if start is not None and (start.state == "in_flight" or start.maybe_sent):
                return False
            if start is not None and start.state == "pending":
                self.store.complete(start.id, result={"local": True, "why": "stopped first"})
        local_timer.finalize(self.store, dict(meta, start_item=None), self._now())
        return True

    def _server_timer_live(self, item: OutboxItem) -> bool:
        """Does the server (as last seen) have a timer that no earlier queued stop ends?"""
        timer = self.tracker.server_timer
        if timer is None:
            return False
        for other in self.store.items(("pending", "in_flight")):
            if other.seq >= item.seq:
                break
            if other.kind == commands.STOP and other.payload.get("task_id") == timer.task_id:
                return False
        return True


def _stopped_by(meta: dict[str, object], item_id: str) -> bool:
    stopped = meta.get("stopped")
    return isinstance(stopped, dict) and stopped.get("item") == item_id
