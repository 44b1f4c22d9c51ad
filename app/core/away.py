"""Away time in the core: the signals' listener, the decider's commands, and its saved state.

The watchers call :meth:`AwayKeeper.on_event` on their own threads and *wait* for it (logind's
sleep inhibitor is released when it returns), so the decision and the durable outbox insert
happen right there, under one lock; the worker sends them like any other command, so a pause,
a kept manual entry and a resume are each sent exactly once, in order, and survive being
offline. The decider's state lives in the store (cache ``away_state``) and is re-read before
each use, so a question answered by ``timetray away`` in another process vanishes here too.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any

from app.api.timeutil import to_wire
from app.away.commands import (
    AskAway,
    AwayCommand,
    Choice,
    LogManualEntry,
    NotifyAway,
    PauseTimer,
    ResumeTimer,
)
from app.away.decider import AwayAction, AwayDecider
from app.away.events import AwayEvent, AwayKind
from app.away.question import Question, TaskRef
from app.core import commands
from app.core.context import CoreContext
from app.core.facade import CommandResult
from app.core.snapshot import AwayPending, Notice, Snapshot
from app.core.waiters import Waiters

logger = logging.getLogger(__name__)

CACHE_KEY = "away_state"
AWAY_REASON = "away"  # the pause reason the snapshot shows ("paused while you were away")
# How long the listener holds the machine awake for the pause to reach the server before sleep
# (logind's own inhibitor delay is 5 s by default).
SLEEP_SEND_SECONDS = 4.0
_BACK = (AwayKind.ACTIVE, AwayKind.UNLOCK, AwayKind.WAKE)


def _done(result: CommandResult) -> Future[CommandResult]:
    fut: Future[CommandResult] = Future()
    fut.set_result(result)
    return fut


def pending_view(question: Question) -> AwayPending:
    a = question.absence
    choices = [c.value for c in Choice]
    if not question.can_resume:
        choices = [Choice.DISCARD_STAY_PAUSED.value, Choice.KEEP.value, Choice.KEEP_AS.value]
    return AwayPending(
        id=question.id,
        message=question.message(),
        task_id=a.task.id,
        task_title=a.task.name,
        kind=a.kind,
        began=a.began,
        ended=question.end,
        can_resume=question.can_resume,
        choices=tuple(choices),
    )


class AwayKeeper:
    def __init__(
        self,
        ctx: CoreContext,
        snapshot: Callable[[], Snapshot],
        server_timer_id: Callable[[], str | None],
        waiters: Waiters,
        kick: Callable[[], None],
        hurry: Callable[[], None],
        *,
        away_minutes: int,
        away_action: AwayAction,
    ) -> None:
        self._ctx = ctx
        self._snapshot = snapshot
        self._server_timer_id = server_timer_id
        self._waiters = waiters
        self._kick = kick  # apply and send the outbox soon (worker)
        self._hurry = hurry  # the person is here: poll at the quick interval again
        self._lock = threading.RLock()
        self.decider = AwayDecider(
            ctx.clock.now, away_minutes=away_minutes, away_action=away_action
        )
        self._saved: dict[str, Any] | None = None
        self._pause_item: str | None = None  # the away pause not yet confirmed by the server
        self._pause_absence: int | None = None
        # An answer given while the pause had not reached the server yet (offline): carried out
        # once it has, because only then is it known how much of the absence the server counted.
        self._deferred: dict[str, Any] | None = None
        self._seen_timer: TaskRef | None = None
        self._seen_attendance: tuple[bool, bool] | None = None
        self.unavailable: tuple[str, ...] = ()

    # ---- state in the store ------------------------------------------------------------------
    def _state(self) -> dict[str, Any]:
        return {
            "decider": self.decider.to_dict(),
            "pause_item": self._pause_item,
            "pause_absence": self._pause_absence,
            "deferred": self._deferred,
        }

    def _load(self) -> None:
        cached = self._ctx.store.cache_get(CACHE_KEY)
        value = cached.value if cached is not None else None
        if not isinstance(value, dict) or value == self._saved:
            return
        self.decider.restore(value.get("decider") or {})
        self._pause_item = value.get("pause_item")
        self._pause_absence = value.get("pause_absence")
        self._deferred = value.get("deferred")
        self._saved = value

    def _save(self) -> None:
        state = self._state()
        if state != self._saved:
            self._ctx.store.cache_put(CACHE_KEY, state)
            self._saved = state

    # ---- what the core knows -------------------------------------------------------------------
    def _observe(self, snap: Snapshot) -> None:
        """Tell the decider what changed in the timer and attendance; confirm a sent pause."""
        timer = snap.timer
        running = (
            TaskRef(timer.task_id, timer.task_title or timer.task_id)
            if timer is not None and timer.state == "running"
            else None
        )
        # Only changes: a snapshot published just before our pause still shows the timer
        # running, and must not undo the decider's "paused".
        if running != self._seen_timer:
            self._seen_timer = running
            self.decider.timer_changed(running)
        att = snap.attendance
        if att.known and (att.on_break, att.checked_in) != self._seen_attendance:
            self._seen_attendance = (att.on_break, att.checked_in)
            self.decider.attendance_changed(
                on_break=att.on_break, checked_in=att.checked_in, at=self._ctx.clock.now()
            )
        if self._pause_item is not None:
            item = self._ctx.store.get(self._pause_item)
            if item is None or item.state in ("done", "parked"):
                # A parked pause never reached the server: it counted on until now.
                done = item is not None and item.state == "done"
                at = item.updated_at if item is not None and done else self._ctx.clock.now()
                self.decider.pause_confirmed(at, self._pause_absence)
                self._pause_item = self._pause_absence = None
                if self._deferred is not None:
                    d, self._deferred = self._deferred, None
                    task = TaskRef(d["task_id"], d["task_name"]) if d.get("task_id") else None
                    cmds = self.decider.answer(Choice(d["choice"]), task=task, question_id=d["id"])
                    if self._carry_out(cmds):
                        self._kick()

    def _pending(self) -> Question | None:
        """The oldest question not yet answered (a deferred answer counts as given)."""
        deferred = self._deferred["id"] if self._deferred is not None else None
        return next((q for q in self.decider.questions if q.id != deferred), None)

    def on_snapshot(self, snap: Snapshot) -> None:
        """Worker thread, after every published change."""
        with self._lock:
            self._load()
            before = self._pending()
            self._observe(snap)
            self._save()
            changed = self._pending() != before
        if changed:
            self._ctx.worker.later(self._ctx.publish)

    def view(self) -> tuple[AwayPending | None, tuple[str, ...]]:
        """The oldest unanswered question and what cannot be detected, for the snapshot."""
        with self._lock:
            self._load()
            question = self._pending()
        return (pending_view(question) if question is not None else None), self.unavailable

    # ---- the signals ---------------------------------------------------------------------------
    def on_event(self, event: AwayEvent) -> None:
        """A watcher's thread; returns once the decision is in the outbox (and, before a sleep,
        once the pause reached the server or a few seconds passed)."""
        logger.info("away signal %s from %s", event.kind.value, event.source or "?")
        with self._lock:
            self._load()
            self._observe(self._snapshot())
            items = self._carry_out(self.decider.handle(event))
            self._save()
            # Registered before the drain can run, so that its answer cannot be missed.
            sent = [self._waiters.add(i) for i in items] if event.kind == AwayKind.SLEEP else []
        if items:
            self._kick()
        if event.kind in _BACK:
            self._hurry()
        for fut in sent:
            try:
                fut.result(timeout=SLEEP_SEND_SECONDS)
            except FutureTimeout:
                logger.info("the away pause did not reach the server before sleep")

    # ---- answers -------------------------------------------------------------------------------
    def answer(self, choice: Choice, task_id: str | None = None) -> Future[CommandResult]:
        """Carry out the person's answer; the Future settles when its last command was sent
        (or with ``queued`` when the core shuts down first)."""
        with self._lock:
            self._load()
            snap = self._snapshot()
            self._observe(snap)
            question = self._pending()
            if question is None:
                return _done(CommandResult("failed", "There is no away time to answer."))
            task: TaskRef | None = None
            if choice == Choice.KEEP_AS:
                if not task_id:
                    return _done(CommandResult("failed", "Pick the task to keep the time on."))
                title = next((t.title for t in snap.tasks if t.id == task_id), task_id)
                task = TaskRef(task_id, title)
            if self._pause_item is not None and self._pause_absence == question.id:
                self._deferred = {
                    "id": question.id,
                    "choice": choice.value,
                    "task_id": task.id if task else None,
                    "task_name": task.name if task else None,
                }
                self._save()
                self._ctx.worker.later(self._ctx.publish)
                return _done(CommandResult("queued", "Saved; it is done once the pause syncs."))
            items = self._carry_out(self.decider.answer(choice, task=task, question_id=question.id))
            self._save()
            fut = self._waiters.add(items[-1]) if items else None
        self._kick()
        self._hurry()
        self._ctx.worker.later(self._ctx.publish)
        return fut if fut is not None else _done(CommandResult("done", "Discarded."))

    # ---- carrying out ----------------------------------------------------------------------------
    def _carry_out(self, cmds: list[AwayCommand]) -> list[str]:
        """Queue the decider's commands, in order; returns the outbox ids (the caller kicks the
        drain once it has registered what it waits for)."""
        now = self._ctx.clock.now()
        items: list[str] = []
        for cmd in cmds:
            if isinstance(cmd, PauseTimer):
                payload = commands.timer_payload(
                    commands.PAUSE,
                    cmd.task.id,
                    now,
                    auto_reason=AWAY_REASON,
                    timer_id=self._server_timer_id(),
                )
                payload["away_began"] = to_wire(cmd.absence_began)
                payload["away_kind"] = cmd.reason
                item = self._ctx.enqueue(commands.PAUSE, payload)
                self._pause_item = item.id
                absence = self.decider.absence
                self._pause_absence = absence.id if absence is not None else None
                items.append(item.id)
            elif isinstance(cmd, LogManualEntry):
                try:
                    payload = commands.manual_payload(
                        cmd.task.id, cmd.start, cmd.end, cmd.note, now
                    )
                except commands.CommandError as exc:
                    logger.warning("away: no manual entry kept: %s", exc)
                    continue
                payload["task_title"] = cmd.task.name
                items.append(self._ctx.enqueue(commands.MANUAL, payload).id)
            elif isinstance(cmd, ResumeTimer):
                payload = commands.timer_payload(commands.RESUME, cmd.task.id, now)
                items.append(self._ctx.enqueue(commands.RESUME, payload).id)
            else:
                self._tell(cmd)
        return items

    def _tell(self, cmd: AskAway | NotifyAway) -> None:
        message = cmd.question.message()
        if isinstance(cmd, AskAway):
            notice = Notice("away", "You were away", message, "away")
        else:
            notice = Notice("away", "Timer paused while you were away", message, "menu")
        self._ctx.worker.later(lambda: self._ctx.notify(notice))
        self._ctx.worker.later(self._ctx.publish)
