"""Sign in (remembering the server and e-mail that worked) and sign out (warning when entries
still wait to sync)."""

from __future__ import annotations

import logging
from typing import Any

from app.core.facade import CommandResult
from app.ui.flows.context import FlowContext
from app.ui.plain import plain_message_box
from app.ui.qt import QMessageBox
from app.ui.text import retry_after_text, sync_text

log = logging.getLogger(__name__)


class SessionFlow:
    def __init__(self, ctx: FlowContext) -> None:
        self._ctx = ctx

    def sign_in(self) -> None:
        from app.ui.dialogs.sign_in import SignInDialog

        ctx = self._ctx
        existing = ctx.dialogs.get("sign_in")
        if isinstance(existing, SignInDialog) and existing.isVisible():
            existing.raise_()
            return
        snap = ctx.snapshot()
        dialog = SignInDialog(
            snap.server_url or ctx.settings.get("server_url"),
            snap.email or ctx.settings.get("last_email"),
            server_locked="server_url" in ctx.settings.locked,
            allow_insecure_http=bool(ctx.settings.get("allow_insecure_http")),
        )

        def submit(server: str, email: str, password: str) -> None:
            def done(result: CommandResult) -> None:
                if result.ok:
                    dialog.finish()
                    self._remember(server, email)
                    return
                if result.http_status == 429:
                    retry = result.data.get("retry_after") if result.data else None
                    if retry is None and result.message:
                        dialog.show_failure(result.message)  # the core's text has the wait
                    else:
                        dialog.show_failure(
                            retry_after_text(float(retry) if retry is not None else None)
                        )
                else:
                    dialog.show_failure(result.message or "Sign-in failed.")

            ctx.commands.run("login", lambda: ctx.core.login(server, email, password), done)

        dialog.submitted.connect(submit)
        ctx.dialogs.open("sign_in", dialog)

    def _remember(self, server: str, email: str) -> None:
        changes: dict[str, Any] = {"last_email": email}
        if server != self._ctx.settings.get("server_url"):
            changes["server_url"] = server
        try:
            self._ctx.settings.apply(changes)
        except Exception:
            log.exception("could not remember the sign-in details")

    def sign_out(self) -> None:
        ctx = self._ctx
        sync = ctx.snapshot().sync
        if not (sync.pending + sync.parked):
            ctx.commands.run("logout", lambda: ctx.core.logout())
            return
        box = plain_message_box(
            QMessageBox.Icon.Question,
            "Sign out",
            f"{sync_text(sync)}. They stay saved on this computer and are sent "
            "after you sign in again. Sign out now?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
        )
        box.finished.connect(
            lambda code: (
                ctx.commands.run("logout", lambda: ctx.core.logout())
                if code == QMessageBox.StandardButton.Yes
                else None
            )
        )
        ctx.dialogs.open("confirm_sign_out", box)
