"""Away time in the tray: the dialog once per question, from the notification or the menu.

The question itself lives in the core (``snapshot.away``) so that the CLI and a restart see the
same one; the tray only shows it and hands the answer back.
"""

from __future__ import annotations

from app.core.snapshot import Snapshot
from app.ui.dialogs.away import AwayDialog
from app.ui.flows.context import FlowContext, text_or_none


class AwayFlow:
    def __init__(self, ctx: FlowContext) -> None:
        self._ctx = ctx
        self._shown: int | None = None  # the question whose dialog opened by itself
        self.dialog: AwayDialog | None = None

    def on_snapshot(self, snapshot: Snapshot) -> None:
        """Open the dialog by itself once per question; close it when answered elsewhere."""
        question = snapshot.away
        if question is None:
            if self.dialog is not None:
                self.dialog.close()
                self.dialog = None
            return
        if question.id != self._shown:
            self._shown = question.id
            self.open()

    def open(self) -> None:
        snap = self._ctx.snapshot()
        question = snap.away
        if question is None:
            return
        dialog = AwayDialog(question, [t for t in snap.tasks if t.startable])
        dialog.answered.connect(self.answer)
        self.dialog = dialog
        self._ctx.dialogs.open("away", dialog)

    def answer(self, choice: str, task_id: str) -> None:
        self.dialog = None
        self._ctx.commands.run(
            "answer_away", lambda: self._ctx.core.answer_away(choice, text_or_none(task_id))
        )
