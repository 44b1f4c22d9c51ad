"""The Today / This week window: opened from the menu or a notification, loaded off-thread."""

from __future__ import annotations

from concurrent.futures import Future
from datetime import UTC
from typing import TYPE_CHECKING

from app.core.facade import LogsView
from app.ui.flows.context import FlowContext
from app.ui.text import local_day_start, week_start

if TYPE_CHECKING:  # the dialogs load when first opened (see app/ui/flows/__init__.py)
    from app.ui.dialogs.logs_window import LogsWindow


class LogsFlow:
    def __init__(self, ctx: FlowContext) -> None:
        self._ctx = ctx

    def _window(self) -> LogsWindow | None:
        window = self._ctx.dialogs.get("logs")
        if window is None:
            return None
        from app.ui.dialogs.logs_window import LogsWindow

        return window if isinstance(window, LogsWindow) else None

    def open(self, which: str | None = None) -> None:
        """Show the logs window; ``which`` ("today" or "week") picks its range, e.g. when a
        notification about today's time is clicked while the window showed the week."""
        window = self._window()
        if window is None:
            from app.ui.dialogs.logs_window import LogsWindow

            window = LogsWindow()
            window.range_changed.connect(lambda _r: self.load())
            window.refresh_requested.connect(self.load)
            self._ctx.dialogs.restore_place(window, "logs")
            self._ctx.dialogs.keep("logs", window)
        if which is not None:
            window.set_range(which)
        window.show()
        window.raise_()
        self.load()

    def load(self) -> None:
        window = self._window()
        if window is None:
            return
        now = self._ctx.clock()
        wanted = window.current_range()
        since = local_day_start(now) if wanted == "today" else week_start(now)
        window.set_loading()

        def done(fut: Future[LogsView]) -> None:
            if window.current_range() != wanted:
                return  # the user switched range meanwhile; that load will answer
            try:
                window.set_logs(fut.result())
            except Exception as exc:
                window.set_failed(f"Could not load the logs: {exc}")

        self._ctx.bridge.watch(self._ctx.core.logs(since.astimezone(UTC)), done)
