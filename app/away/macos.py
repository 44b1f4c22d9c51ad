"""macOS: HID idle time from the I/O Registry, lock and sleep from Cocoa notifications.

Idle time is ``HIDIdleTime`` of the IOHIDSystem service (nanoseconds since the last input),
read with ``ioreg`` so that no framework binding is needed for it. Lock, unlock, sleep and wake
need pyobjc (the optional ``macos`` extra): the screen-lock distributed notifications and
NSWorkspace's will-sleep / did-wake. macOS waits for will-sleep observers to return, which is
when the core pauses the timer. Notifications are delivered on the main thread's run loop,
which Qt runs, so this watcher needs no thread of its own.
"""

from __future__ import annotations

import logging
import re
import shutil
import subprocess
import sys
from datetime import datetime
from typing import Any

from app.away.events import AwayEvent, AwayKind, BackendUnavailable, Listener
from app.away.idle import IdleSource, WallClock

log = logging.getLogger(__name__)

_HID_IDLE = re.compile(r'"HIDIdleTime"\s*=\s*(\d+)')

NOTIFICATIONS: dict[str, AwayKind] = {
    "com.apple.screenIsLocked": AwayKind.LOCK,
    "com.apple.screenIsUnlocked": AwayKind.UNLOCK,
    "NSWorkspaceWillSleepNotification": AwayKind.SLEEP,
    "NSWorkspaceDidWakeNotification": AwayKind.WAKE,
}


def parse_hid_idle(ioreg_output: str) -> float:
    """Seconds idle from ``ioreg -c IOHIDSystem`` output (the value is in nanoseconds)."""
    match = _HID_IDLE.search(ioreg_output)
    if match is None:
        raise BackendUnavailable("macOS: no HIDIdleTime in the I/O Registry")
    return int(match.group(1)) / 1e9


class HIDIdle(IdleSource):
    name = "macos-hididle"
    _cmd: list[str]

    def __init__(self) -> None:
        if sys.platform != "darwin":
            raise BackendUnavailable("HIDIdleTime is macOS only")
        ioreg = shutil.which("ioreg") or "/usr/sbin/ioreg"
        self._cmd = [ioreg, "-c", "IOHIDSystem", "-d", "4", "-r", "-k", "HIDIdleTime"]

    def idle_seconds(self) -> float:
        try:
            out = subprocess.run(self._cmd, capture_output=True, text=True, timeout=5, check=True)
        except (OSError, subprocess.SubprocessError) as exc:
            raise BackendUnavailable(f"macOS: ioreg failed: {exc}") from exc
        return parse_hid_idle(out.stdout)


class NotificationEvents:
    """Notification name -> event; a wake carries when the sleep began."""

    def __init__(self, wall: WallClock) -> None:
        self._wall = wall
        self._slept_at: datetime | None = None

    def on(self, name: str) -> AwayEvent | None:
        kind = NOTIFICATIONS.get(name)
        if kind is None:
            return None
        now = self._wall()
        if kind == AwayKind.SLEEP:
            self._slept_at = now
        if kind == AwayKind.WAKE:
            since, self._slept_at = self._slept_at, None
            return AwayEvent(kind, now, since, "macos")
        return AwayEvent(kind, now, source="macos")


class MacNotificationWatcher:
    name = "macos-notifications"
    _events: NotificationEvents
    _observer: Any = None

    def __init__(self, *, wall: WallClock) -> None:
        if sys.platform != "darwin":
            raise BackendUnavailable("Cocoa notifications are macOS only")
        try:
            import AppKit
            import Foundation
        except ImportError as exc:
            raise BackendUnavailable("macOS: pyobjc is not installed (the macos extra)") from exc
        self._appkit: Any = AppKit
        self._foundation: Any = Foundation
        self._events = NotificationEvents(wall)
        self._observer: Any = None

    def start(self, listener: Listener) -> None:
        events = self._events

        class Observer(self._foundation.NSObject):  # type: ignore[misc, name-defined]
            def notified_(self, note: Any) -> None:
                event = events.on(str(note.name()))
                if event is None:
                    return
                try:
                    listener(event)  # returns after the core acted: then the Mac may sleep
                except Exception:
                    log.exception("away listener failed on %s", event.kind)

        self._observer = Observer.alloc().init()
        distributed = self._foundation.NSDistributedNotificationCenter.defaultCenter()
        workspace = self._appkit.NSWorkspace.sharedWorkspace().notificationCenter()
        for name, kind in NOTIFICATIONS.items():
            center = workspace if kind in (AwayKind.SLEEP, AwayKind.WAKE) else distributed
            center.addObserver_selector_name_object_(self._observer, "notified:", name, None)

    def stop(self) -> None:
        if self._observer is not None:
            self._foundation.NSDistributedNotificationCenter.defaultCenter().removeObserver_(
                self._observer
            )
            self._appkit.NSWorkspace.sharedWorkspace().notificationCenter().removeObserver_(
                self._observer
            )
            self._observer = None
