"""What the tray tells the user: one message at a time, never the same one twice in a row.

The core's notices pass the :class:`~app.ui.notifier.Notifier` first (flapping and the
notifications setting); a command's result and the core's notice often say the same thing, so
an identical title and text within ten seconds is shown once. A click on the bubble opens the
place the last message named (its ``target``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from app.core.snapshot import Notice
from app.ui.notifier import Notifier
from app.ui.qt import QObject, Signal

log = logging.getLogger(__name__)

REPEAT_GAP = timedelta(seconds=10)


class Messages(QObject):
    """Owns the last message, its click target and the de-duplication memory."""

    shown = Signal(str, str)  # title, text

    def __init__(
        self,
        clock: Callable[[], datetime],
        display: Callable[[str, str], None],
        open_target: Callable[[str | None], None],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._clock = clock
        self._display = display
        self._open_target = open_target
        self.notifier = Notifier()
        self.last: tuple[str, str] | None = None
        self._target: str | None = None
        self._recent: dict[str, datetime] = {}

    def show(self, title: str, text: str, target: str | None = None) -> None:
        now = self._clock()
        key = f"{title}\n{text}"
        last = self._recent.get(key)
        if last is not None and now - last < REPEAT_GAP:
            return  # the core and the command result told the same thing
        self._recent = {k: t for k, t in self._recent.items() if now - t < REPEAT_GAP}
        self._recent[key] = now
        log.info("message: %s: %s", title, text)
        self.last = (title, text)
        self._target = target
        self.shown.emit(title, text)
        self._display(title, text)

    def on_notice(self, notice: Notice) -> None:
        passed = self.notifier.filter(notice, self._clock())
        if passed is not None:
            self.show(passed.title, passed.message, passed.target)

    def clicked(self) -> None:
        self._open_target(self._target)
