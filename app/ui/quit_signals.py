"""SIGTERM and SIGINT end the tray as Quit does: a log line, the core shut down, temp removed.

Qt's event loop runs in C, so a Python signal handler would wait for the next Python call,
which in an idle tray may be never. ``signal.set_wakeup_fd`` writes the signal's number to a
socket that a ``QSocketNotifier`` watches, so the loop wakes at once and no timer has to poll.
"""

from __future__ import annotations

import logging
import signal
import socket
from collections.abc import Callable
from types import FrameType
from typing import Any

from app.ui.qt import QObject, QSocketNotifier

log = logging.getLogger(__name__)

QUIT_SIGNALS = (signal.SIGTERM, signal.SIGINT)


class QuitSignals(QObject):
    """Turns SIGTERM / SIGINT into ``on_signal(name)`` on the GUI thread until ``close()``."""

    def __init__(self, on_signal: Callable[[str], None], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._on_signal = on_signal
        self._read, self._write = socket.socketpair()
        self._read.setblocking(False)
        self._write.setblocking(False)
        self._previous_fd = signal.set_wakeup_fd(self._write.fileno(), warn_on_full_buffer=False)
        self._previous: dict[int, Any] = {}
        for sig in QUIT_SIGNALS:
            self._previous[sig] = signal.signal(sig, _note)
        self._notifier = QSocketNotifier(self._read.fileno(), QSocketNotifier.Type.Read, self)
        self._notifier.activated.connect(self._wake)

    def _wake(self) -> None:
        try:
            data = self._read.recv(64)
        except OSError:
            return
        for number in data:
            if number in QUIT_SIGNALS:
                name = signal.Signals(number).name
                log.info("received %s", name)
                self._on_signal(name)

    def close(self) -> None:
        """Give the signals back (the caller's handlers, e.g. a demo launcher's, come back)."""
        self._notifier.setEnabled(False)
        signal.set_wakeup_fd(self._previous_fd)
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)
        self._read.close()
        self._write.close()


def _note(signum: int, frame: FrameType | None) -> None:
    """The Python-level handler: nothing to do here, the wake-up byte carries the signal."""
