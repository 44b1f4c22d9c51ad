"""Check in, breaks, and check out (which may ask for a reason the server requires)."""

from __future__ import annotations

from app.core.facade import CommandResult
from app.ui.flows.context import FlowContext, text_or_none
from app.ui.text import checkout_requirement


class AttendanceFlow:
    def __init__(self, ctx: FlowContext) -> None:
        self._ctx = ctx

    def check_in(self, work_mode: str) -> None:
        self._ctx.commands.run("check_in", lambda: self._ctx.core.check_in(work_mode))

    def start_break(self) -> None:
        from app.ui.dialogs.notes import BreakDialog

        dialog = BreakDialog()
        dialog.submitted.connect(
            lambda kind, note: self._ctx.commands.run(
                "start_break", lambda: self._ctx.core.start_break(kind, text_or_none(note))
            )
        )
        self._ctx.dialogs.open("break", dialog)

    def end_break(self) -> None:
        self._ctx.commands.run("end_break", lambda: self._ctx.core.end_break())

    def check_out(
        self,
        early: str | None = None,
        after_reason: str | None = None,
        after_note: str | None = None,
    ) -> None:
        ctx = self._ctx

        def done(result: CommandResult) -> None:
            kind = checkout_requirement(result.message) if result.status == "rejected" else None
            if kind is None:
                ctx.commands.report("check_out", result)
                return
            if result.item_id:
                # Asked again with the reason as a fresh check-out: the parked one is replaced.
                ctx.commands.discard(result.item_id)
            from app.ui.dialogs.notes import CheckoutReasonDialog

            dialog = CheckoutReasonDialog(kind, result.message)
            dialog.submitted.connect(
                lambda e, r, n: self.check_out(text_or_none(e), text_or_none(r), text_or_none(n))
            )
            ctx.dialogs.open("checkout_reason", dialog)

        ctx.commands.run(
            "check_out", lambda: ctx.core.check_out(early, after_reason, after_note), done
        )
