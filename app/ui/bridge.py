"""Carries the core's worker-thread callbacks over to the GUI thread as queued Qt signals.

The core calls ``on_snapshot``/``on_notice`` from its worker thread, and Futures complete there
too. Touching a widget from that thread would crash Qt, and waiting on it from the GUI thread
would freeze the tray, so everything goes through one queued signal and runs on the GUI thread
later. Snapshots are coalesced: if ten arrive while the GUI is busy, only the newest is drawn.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

from app.core.facade import CommandResult, CoreFacade
from app.core.snapshot import Notice, Snapshot
from app.ui.qt import QObject, Qt, Signal

log = logging.getLogger(__name__)

T = TypeVar("T")


class Bridge(QObject):
    snapshot_changed = Signal(object)  # Snapshot
    notice = Signal(object)  # Notice
    command_done = Signal(str, object)  # (command label, CommandResult)

    _deliver = Signal(object)  # a zero-argument callable to run on the GUI thread

    def __init__(self, core: CoreFacade, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._core = core
        self._lock = threading.Lock()
        self._pending_snapshot: Snapshot | None = None
        self._closed = False
        self._background = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ui-reader")
        self._deliver.connect(self._run, Qt.ConnectionType.QueuedConnection)

    def attach(self) -> None:
        self._core.subscribe(self._on_snapshot, self._on_notice)

    def close(self) -> None:
        self._closed = True
        self._background.shutdown(wait=False, cancel_futures=True)

    # --- from any thread -------------------------------------------------------------------

    def _post(self, fn: Callable[[], None]) -> None:
        if self._closed:
            return
        try:
            self._deliver.emit(fn)
        except RuntimeError:  # the QObject is gone (application shutting down)
            log.debug("bridge gone; dropped a callback")

    def _on_snapshot(self, snapshot: Snapshot) -> None:
        with self._lock:
            first = self._pending_snapshot is None
            self._pending_snapshot = snapshot
        if first:
            self._post(self._flush_snapshot)

    def _on_notice(self, notice: Notice) -> None:
        self._post(lambda: self.notice.emit(notice))

    # --- on the GUI thread -----------------------------------------------------------------

    def _run(self, fn: Callable[[], None]) -> None:
        try:
            fn()
        except Exception:  # a bug in a slot must not take the tray down
            log.exception("UI callback failed")

    def _flush_snapshot(self) -> None:
        with self._lock:
            snapshot, self._pending_snapshot = self._pending_snapshot, None
        if snapshot is not None:
            self.snapshot_changed.emit(snapshot)

    def watch(self, future: Future[T], callback: Callable[[Future[T]], None]) -> None:
        """Run ``callback(future)`` on the GUI thread once the future is done (never blocks)."""
        future.add_done_callback(lambda done: self._post(lambda: callback(done)))

    def command(
        self,
        label: str,
        future: Future[CommandResult],
        callback: Callable[[CommandResult], None] | None = None,
    ) -> None:
        """Watch a facade command; emit ``command_done`` and call ``callback`` with its result.
        An exception in the core becomes a ``failed`` result, so the user is told in words."""

        def done(fut: Future[CommandResult]) -> None:
            try:
                result = fut.result()
            except Exception as exc:
                log.exception("command %s raised", label)
                result = CommandResult(status="failed", message=str(exc) or type(exc).__name__)
            self.command_done.emit(label, result)
            if callback is not None:
                callback(result)

        self.watch(future, done)

    def in_background(self, fn: Callable[[], T], callback: Callable[[T | None], None]) -> None:
        """Run a facade read that may touch SQLite (``outbox()``) off the GUI thread."""

        def work() -> T | None:
            try:
                return fn()
            except Exception:
                log.exception("background read failed")
                return None

        try:
            future: Future[Any] = self._background.submit(work)
        except RuntimeError:
            return
        self.watch(future, lambda fut: callback(fut.result()))
