"""Idle seconds from the OS's own counter, and a watcher that turns them into events.

Every back end answers one question, "how long since the last keyboard or mouse input?", from
a counter the OS already keeps (X11 MIT-SCREEN-SAVER, Mutter's IdleMonitor, the freedesktop
ScreenSaver, Win32 ``GetLastInputInfo``, the macOS HID system). None of them sees *what* was
typed, which is why no hook of our own is ever needed.
"""

from __future__ import annotations

import logging
import sys
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable
from datetime import datetime, timedelta

from app.away.events import (
    AwayEvent,
    AwayKind,
    BackendUnavailable,
    ThreadedWatcher,
    Unavailable,
)

log = logging.getLogger(__name__)

WallClock = Callable[[], datetime]


class IdleSource(ABC):
    """One OS idle counter. Constructing it probes it: it raises BackendUnavailable if absent."""

    name = "idle"

    @abstractmethod
    def idle_seconds(self) -> float:
        """Seconds since the last input; raises BackendUnavailable if the counter went away."""

    def close(self) -> None:  # noqa: B027 - most counters hold nothing to release
        """Release the connection to the counter, if any."""


def _linux_candidates() -> list[Callable[[], IdleSource]]:
    from app.away import dbus_backends, x11

    # Wayland compositors do not give X clients the real idle time (XWayland only sees its
    # own clients' input), so ask the desktop first and fall back to X11.
    return [
        dbus_backends.MutterIdle,
        dbus_backends.ScreenSaverIdle,
        x11.XScreenSaverIdle,
    ]


def _candidates() -> list[Callable[[], IdleSource]]:
    if sys.platform == "win32":
        from app.away import windows

        return [windows.LastInputIdle]
    if sys.platform == "darwin":
        from app.away import macos

        return [macos.HIDIdle]
    return _linux_candidates()


def find_idle_source(
    candidates: list[Callable[[], IdleSource]] | None = None,
) -> IdleSource | Unavailable:
    """The first counter that answers, or why none did (every reason, for Settings)."""
    reasons: list[str] = []
    try:
        factories = _candidates() if candidates is None else candidates
    except ImportError as exc:  # an optional dependency is missing
        return Unavailable("idle", f"missing optional dependency: {exc.name}")
    for factory in factories:
        try:
            source = factory()
            source.idle_seconds()
        except BackendUnavailable as exc:
            reasons.append(str(exc))
            continue
        except ImportError as exc:
            reasons.append(f"missing optional dependency: {exc.name}")
            continue
        log.info("idle time from %s", source.name)
        return source
    unavailable = Unavailable("idle", "; ".join(reasons) or "no idle counter on this platform")
    log.info("%s", unavailable)  # said in Settings; no alarm on stderr
    return unavailable


class IdleWatcher(ThreadedWatcher):
    """Polls an idle counter and says IDLE once the threshold is passed, ACTIVE on return.

    IDLE carries ``since`` = the last input (now minus the counter), so the absence begins
    where the person really left, not where we noticed. ACTIVE is sent when the counter drops
    below what it was, i.e. there was input. :meth:`poll` is one step, for tests and for a
    caller that has its own scheduler.
    """

    name = "idle"

    def __init__(
        self,
        source: IdleSource,
        threshold_seconds: float,
        *,
        wall: WallClock,
        interval: float = 5.0,
    ) -> None:
        super().__init__()
        self.source = source
        self.threshold = threshold_seconds
        self._wall = wall
        self._interval = interval
        self._idle_since: datetime | None = None
        self._last = 0.0
        self._lock = threading.Lock()

    def poll(self) -> AwayEvent | None:
        with self._lock:
            seconds = self.source.idle_seconds()
            now = self._wall()
            event: AwayEvent | None = None
            if self._idle_since is None:
                if self.threshold > 0 and seconds >= self.threshold:
                    self._idle_since = now - timedelta(seconds=seconds)
                    event = AwayEvent(AwayKind.IDLE, now, self._idle_since, self.source.name)
            elif seconds < self._last:
                # The counter only ever grows while nobody touches anything: it went back, so
                # there was input.
                event = AwayEvent(AwayKind.ACTIVE, now, self._idle_since, self.source.name)
                self._idle_since = None
            self._last = seconds
        if event is not None:
            self.emit(event)
        return event

    def _run(self) -> None:
        while not self._stopping.wait(self._interval):
            try:
                self.poll()
            except BackendUnavailable as exc:
                log.warning("idle counter %s went away: %s", self.source.name, exc)
                return
        self.source.close()
