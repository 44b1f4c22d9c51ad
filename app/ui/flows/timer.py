"""Start, switch, pause, resume and stop the timer, and log time by hand."""

from __future__ import annotations

import logging
from concurrent.futures import Future
from datetime import datetime, timedelta

from app.core.facade import CommandResult, LogEntry, LogsView
from app.ui.flows.context import FlowContext, text_or_none
from app.ui.text import human_duration

log = logging.getLogger(__name__)

RECENT_LIMIT = 10


class TimerFlow:
    """Owns the recently started tasks (most recent first), which order the Start menu."""

    def __init__(self, ctx: FlowContext) -> None:
        self._ctx = ctx
        self.recent_ids: list[str] = []

    @property
    def _notes_max(self) -> int:
        return int(self._ctx.settings.get("notes_max_length") or 0)

    def _remember(self, task_id: str) -> None:
        if task_id in self.recent_ids:
            self.recent_ids.remove(task_id)
        self.recent_ids.insert(0, task_id)
        del self.recent_ids[RECENT_LIMIT:]

    def start_task(self, task_id: str) -> None:
        self._remember(task_id)
        self._ctx.commands.run("start", lambda: self._ctx.core.start(task_id))

    def switch_task(self, task_id: str) -> None:
        snap = self._ctx.snapshot()
        timer = snap.timer
        if timer is None:
            self.start_task(task_id)
            return
        target = next((t.title for t in snap.tasks if t.id == task_id), "the new task")
        from app.ui.dialogs.notes import StopNotesDialog

        dialog = StopNotesDialog(
            "Switch task",
            f"Stop “{timer.task_title}” and start “{target}”. Notes for “{timer.task_title}”:",
            "Switch",
            self._notes_max,
        )

        def go(notes: object) -> None:
            self._remember(task_id)
            self._ctx.commands.run(
                "switch", lambda: self._ctx.core.switch(task_id, text_or_none(notes))
            )

        dialog.submitted.connect(go)
        self._ctx.dialogs.open("switch", dialog)

    def pause(self) -> None:
        self._ctx.commands.run("pause", lambda: self._ctx.core.pause())

    def resume(self) -> None:
        self._ctx.commands.run("resume", lambda: self._ctx.core.resume())

    def stop(self) -> None:
        timer = self._ctx.snapshot().timer
        if timer is None:
            return
        from app.ui.dialogs.notes import StopNotesDialog

        dialog = StopNotesDialog(
            "Stop timer",
            f"Stop “{timer.task_title}” and log the time. Notes:",
            "Stop",
            self._notes_max,
        )
        dialog.submitted.connect(
            lambda notes: self._ctx.commands.run(
                "stop", lambda: self._ctx.core.stop(text_or_none(notes))
            )
        )
        self._ctx.dialogs.open("stop", dialog)

    def log_manual(self) -> None:
        ctx = self._ctx
        now = ctx.clock()
        snap = ctx.snapshot()
        default = (
            snap.timer.task_id if snap.timer else (self.recent_ids[0] if self.recent_ids else None)
        )
        from app.ui.dialogs.manual_entry import ManualEntryDialog

        dialog = ManualEntryDialog(
            snap.tasks, now=now, notes_max=self._notes_max, default_task_id=default
        )
        ctx.bridge.watch(
            ctx.core.logs(now - timedelta(days=31)),
            lambda fut: dialog.set_known_logs(_logs_or_empty(fut)),
        )

        def submit(task_id: str, started: object, ended: object, notes: object) -> None:
            assert isinstance(started, datetime) and isinstance(ended, datetime)
            note = text_or_none(notes)

            def done(result: CommandResult) -> None:
                if result.ok:
                    dialog.finish()
                    tail = (
                        " It will sync when the server is reachable."
                        if result.status == "queued"
                        else ""
                    )
                    ctx.tell(
                        "Time logged",
                        f"{human_duration((ended - started).total_seconds())} logged.{tail}",
                    )
                    return
                if result.status == "rejected" and result.item_id:
                    # Fixed here in the dialog, so the parked copy would only be a duplicate.
                    ctx.commands.discard(result.item_id)
                dialog.show_failure(result.message or "The entry was not saved.")

            ctx.commands.run(
                "log_manual", lambda: ctx.core.log_manual(task_id, started, ended, note), done
            )

        dialog.submitted.connect(submit)
        ctx.dialogs.open("manual", dialog)


def _logs_or_empty(fut: Future[LogsView]) -> list[LogEntry]:
    try:
        return list(fut.result().entries)
    except Exception:
        log.warning("could not load logs for the overlap check", exc_info=True)
        return []
