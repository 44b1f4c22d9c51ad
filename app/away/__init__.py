"""Away time: the OS's own idle, lock and sleep signals, and what to do about them.

This package sits beside ``app.core`` and below ``app.ui`` (no Qt here): the watchers run on
their own threads and hand plain :class:`AwayEvent` values to a callback, and
:class:`~app.away.decider.AwayDecider` turns those into commands the core carries out. No
keyboard or mouse hook is ever installed: idle time comes only from the counter the OS keeps.
"""

from __future__ import annotations

from app.away.events import AwayEvent, AwayKind, Unavailable

__all__ = ["AwayEvent", "AwayKind", "Unavailable"]
