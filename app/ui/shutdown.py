"""Quitting: ask when something is at stake, then end within a bound, however the end came.

Three ways in, one sequence: Quit from the menu (:meth:`QuitSequence.request`, which warns
while a timer runs or entries wait), a SIGTERM / SIGINT (:mod:`app.ui.quit_signals` calls
:meth:`QuitSequence.start`), and the session ending (``QApplication.aboutToQuit`` calls
:meth:`QuitSequence.finish_now`, which blocks, since the event loop is over by then). The core
shuts down on a thread of its own so the GUI never waits on its worker; after
:data:`QUIT_BUDGET_MS` the tray ends anyway and says so in the log.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import datetime

from app.core.facade import CoreFacade
from app.core.snapshot import Snapshot
from app.ui.dialog_registry import DialogRegistry
from app.ui.plain import plain_message_box
from app.ui.qt import QMessageBox, QObject, QTimer, Signal
from app.ui.text import quit_warning

log = logging.getLogger(__name__)

QUIT_BUDGET_MS = 1500  # the core's share of the 2 s a quit may take
WATCH_MS = 10  # how often the GUI thread looks whether the core has finished


class QuitSequence(QObject):
    """Owns "are we quitting" and the thread that shuts the core down."""

    finished = Signal()

    def __init__(
        self,
        core: CoreFacade,
        dialogs: DialogRegistry,
        teardown: Callable[[], None],
        on_quit: Callable[[], None] | None = None,
        *,
        budget_ms: int = QUIT_BUDGET_MS,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._core = core
        self._dialogs = dialogs
        self._teardown = teardown
        self._on_quit = on_quit
        self._budget_ms = budget_ms
        self._thread: threading.Thread | None = None
        self._started_at = 0.0
        self._done = False
        self._deadline = QTimer(self)
        self._deadline.setSingleShot(True)
        self._deadline.timeout.connect(self._give_up)
        # The shutdown thread never touches a Qt object: this sequence may be deleted while the
        # core is still shutting down (a test's controller, the app at exit), and a signal
        # emitted from another thread on a deleted QObject crashed the process. The GUI thread
        # watches the thread instead.
        self._watch = QTimer(self)
        self._watch.setInterval(WATCH_MS)
        self._watch.timeout.connect(self._check_core)

    @property
    def quitting(self) -> bool:
        return self._thread is not None

    def request(self, snapshot: Snapshot, now: datetime) -> None:
        """Quit from the menu or the window's close box: warn first when work is at stake."""
        warning = quit_warning(snapshot, now)
        if warning is None:
            self.start()
            return
        box = plain_message_box(
            QMessageBox.Icon.Warning,
            "Quit Timetray",
            warning,
            QMessageBox.StandardButton.Close | QMessageBox.StandardButton.Cancel,
        )
        box.button(QMessageBox.StandardButton.Close).setText("Quit")
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.finished.connect(
            lambda code: self.start() if code == QMessageBox.StandardButton.Close else None
        )
        self._dialogs.open("confirm_quit", box)

    def start(self, reason: str = "quit") -> None:
        """Take the UI down, let the core finish its current write off the GUI thread, then
        end (when the core is done, or when the budget is spent)."""
        if self._thread is not None:
            return
        log.info("quitting (%s)", reason)
        self._started_at = time.monotonic()
        self._thread = threading.Thread(target=self._shutdown_core, name="core-shutdown")
        self._thread.daemon = True
        try:
            self._teardown()
        finally:
            self._thread.start()
            self._deadline.start(self._budget_ms)
            self._watch.start()

    def finish_now(self) -> None:
        """The event loop is ending (``aboutToQuit``, e.g. a session logout): no queued signal
        will be delivered any more, so wait here for the core, within what is left of the
        budget."""
        self.start("the application is closing")
        assert self._thread is not None
        left = self._budget_ms / 1000 - (time.monotonic() - self._started_at)
        self._thread.join(timeout=max(0.0, left))
        if self._thread.is_alive():
            log.warning("the core did not shut down within %d ms; ending anyway", self._budget_ms)
        self._finish()

    def _shutdown_core(self) -> None:
        try:
            self._core.shutdown()
            log.info("core shut down")
        except Exception:
            log.exception("core shutdown failed")

    def _check_core(self) -> None:
        if self._thread is not None and not self._thread.is_alive():
            self._finish()

    def _give_up(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            log.warning("the core did not shut down within %d ms; ending anyway", self._budget_ms)
        self._finish()

    def _finish(self) -> None:
        if self._done:
            return
        self._done = True
        self._deadline.stop()
        self._watch.stop()
        self.finished.emit()
        if self._on_quit is not None:
            self._on_quit()
