"""My week: the week window, fed from the core's logs (server copy + what waits here) and the
live timer, rebuilt once a minute while it is open so the running time and the data's age
stay true.

The week is computed in the user's time zone as the OS names it (``tzlocal``), not a fixed
offset, so a week that crosses a daylight-saving change splits its days at the real midnights.
"""

from __future__ import annotations

from concurrent.futures import Future
from datetime import UTC, date, timedelta, tzinfo
from typing import TYPE_CHECKING

from app.core.facade import LogsView
from app.ui.flows.context import FlowContext
from app.ui.qt import QTimer

if TYPE_CHECKING:  # the window and the week model load when first opened (start-up memory)
    from app.ui.dialogs.week_window import WeekWindow

REFRESH_MS = 60_000


def local_zone() -> tzinfo:
    """The OS's named zone (DST rules included); APScheduler already depends on tzlocal."""
    import tzlocal

    zone: tzinfo = tzlocal.get_localzone()
    return zone


class WeekFlow:
    """Owns which week is shown and the minute refresh while the window is open."""

    def __init__(self, ctx: FlowContext) -> None:
        self._ctx = ctx
        self._week_of: date | None = None
        self._view: LogsView | None = None
        self._timer = QTimer()
        self._timer.setInterval(REFRESH_MS)
        self._timer.timeout.connect(self._rebuild)

    def _window(self) -> WeekWindow | None:
        window = self._ctx.dialogs.get("week")
        if window is None:
            return None
        from app.ui.dialogs.week_window import WeekWindow

        return window if isinstance(window, WeekWindow) else None

    def open(self) -> None:
        window = self._window()
        if window is None:
            from app.ui.dialogs.week_window import WeekWindow

            window = WeekWindow()
            window.week_requested.connect(self.load)
            window.destroyed.connect(self._timer.stop)
            self._ctx.dialogs.restore_place(window, "week")
            self._ctx.dialogs.keep("week", window)
        window.show()
        window.raise_()
        window.activateWindow()
        self._timer.start()
        self.load(self._ctx.clock().astimezone(local_zone()).date())

    def load(self, week_of: object) -> None:
        """Ask the core for the week holding ``week_of``; the answer arrives on the GUI thread."""
        from app.core.week import local_midnight, monday_of

        window = self._window()
        if window is None or not isinstance(week_of, date):
            return
        self._week_of = monday_of(week_of)
        wanted = self._week_of
        zone = local_zone()
        # From the Sunday before: an entry over Monday's midnight counts on Monday too.
        since = local_midnight(wanted, zone).astimezone(UTC) - timedelta(days=1)
        window.set_status("Loading…")

        def done(fut: Future[LogsView]) -> None:
            if self._week_of != wanted:
                return  # the person moved to another week meanwhile
            try:
                self._view = fut.result()
            except Exception as exc:
                window.set_status(f"Could not load your time: {exc}")
                return
            self._rebuild()

        self._ctx.bridge.watch(self._ctx.core.logs(since), done)

    def _rebuild(self) -> None:
        window = self._window()
        if window is None or not window.isVisible():
            self._timer.stop()
            return
        if self._week_of is None or self._view is None:
            return
        from app.core.week import WeekEntry, build_week

        view = self._view
        projects = {task.id: task.project_title for task in self._ctx.snapshot().tasks}
        model = build_week(
            (WeekEntry.from_log(e, project=projects.get(e.task_id)) for e in view.entries),
            self._week_of,
            local_zone(),
            self._ctx.clock(),
            timer=self._ctx.snapshot().timer,
            target_hours=float(self._ctx.settings.get("weekly_target_hours") or 0),
            fetched_at=view.fetched_at,
            offline=not view.complete,
        )
        window.show_week(model)
        if view.note:
            window.set_status(view.note)
