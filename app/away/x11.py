"""X11 idle time through the MIT-SCREEN-SAVER extension (python-xlib, no C library needed).

The X server counts the time since the last input event itself; asking for it needs no
privilege and sees no key. Under Wayland this only covers XWayland clients, which is why the
desktop's own D-Bus idle monitors are tried first.
"""

from __future__ import annotations

import logging
import os
import threading
from typing import Any

from app.away.events import BackendUnavailable
from app.away.idle import IdleSource

log = logging.getLogger(__name__)


class XScreenSaverIdle(IdleSource):
    name = "x11-screensaver"

    def __init__(self, display: str | None = None) -> None:
        name = display if display is not None else os.environ.get("DISPLAY", "")
        if not name:
            raise BackendUnavailable("X11: no DISPLAY")
        try:
            from Xlib import display as xdisplay
            from Xlib import error as xerror
            from Xlib.ext import screensaver
        except ImportError as exc:
            raise BackendUnavailable("X11: python-xlib is not installed") from exc
        self._screensaver = screensaver
        try:
            self._display: Any = xdisplay.Display(name)
        except (xerror.DisplayError, OSError) as exc:
            raise BackendUnavailable(f"X11: cannot open display {name}: {exc}") from exc
        if not self._display.has_extension("MIT-SCREEN-SAVER"):
            self._display.close()
            raise BackendUnavailable(f"X11: display {name} lacks MIT-SCREEN-SAVER")
        self._root = self._display.screen().root
        # An Xlib Display is not thread-safe; the watcher thread and a Settings probe may
        # both ask.
        self._lock = threading.Lock()

    def idle_seconds(self) -> float:
        with self._lock:
            try:
                info = self._screensaver.query_info(self._root)
            except Exception as exc:  # the connection closed (X server gone)
                raise BackendUnavailable(f"X11: query failed: {exc}") from exc
        return float(info.idle) / 1000.0

    def close(self) -> None:
        with self._lock:
            self._display.close()
