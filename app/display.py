"""Decides, before Qt is imported, whether a graphical session exists.

Qt aborts the process (SIGABRT, a multi-line message) when the xcb plugin finds no display;
a person who typed ``timetray`` over ssh deserves one clear line instead.
"""

from __future__ import annotations

import os
import sys

NO_DISPLAY_MESSAGE = (
    "timetray: no graphical display found (DISPLAY and WAYLAND_DISPLAY are unset); "
    "the tray cannot start here. Use the headless commands instead, e.g. "
    "`timetray status` (see `timetray --help`)."
)


def has_display(environ: dict[str, str] | None = None, platform: str | None = None) -> bool:
    """True when a Qt GUI can start: always on Windows/macOS, on Linux only with a display."""
    env = os.environ if environ is None else environ
    plat = sys.platform if platform is None else platform
    if plat.startswith(("win", "darwin")):
        return True
    if env.get("QT_QPA_PLATFORM", "").split(":")[0] in {"offscreen", "minimal", "vnc"}:
        return True
    return bool(env.get("DISPLAY") or env.get("WAYLAND_DISPLAY"))
