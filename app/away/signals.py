"""All the away signals this machine can give, started and stopped as one.

Like vorta's ``get_network_status_monitor``: pick the back ends for this OS, keep the ones
that answer, and keep the reasons for the ones that do not, so that Settings and the log can
say "lock detection unavailable: no D-Bus system bus" instead of pretending.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from dataclasses import dataclass, field

from app.away.clockgap import ClockGapWatcher
from app.away.events import BackendUnavailable, Listener, Unavailable, Watcher
from app.away.idle import IdleSource, IdleWatcher, WallClock, find_idle_source

log = logging.getLogger(__name__)


@dataclass
class AwaySignals:
    watchers: list[Watcher] = field(default_factory=list)
    unavailable: list[Unavailable] = field(default_factory=list)

    @property
    def idle(self) -> IdleWatcher | None:
        return next((w for w in self.watchers if isinstance(w, IdleWatcher)), None)

    def start(self, listener: Listener) -> None:
        for watcher in self.watchers:
            watcher.start(listener)
            log.info("away: watching %s", watcher.name)
        for missing in self.unavailable:
            log.info("away: %s", missing)  # Settings shows it too

    def stop(self) -> None:
        for watcher in self.watchers:
            watcher.stop()


def _linux_lock_and_sleep(wall: WallClock, system_bus: str, session_bus: str) -> AwaySignals:
    from app.away.dbus_backends import LogindWatcher, ScreenSaverLockWatcher

    found = AwaySignals()
    logind = LogindWatcher(system_bus, wall=wall)
    try:
        logind.probe()
        found.watchers.append(logind)
    except BackendUnavailable as exc:
        found.unavailable.append(Unavailable("sleep", str(exc)))
        logind_reason = str(exc)
    else:
        logind_reason = ""
    saver = ScreenSaverLockWatcher(session_bus, wall=wall)
    try:
        saver.probe()
        found.watchers.append(saver)
    except BackendUnavailable as exc:
        if logind_reason:
            found.unavailable.append(Unavailable("lock", f"{logind_reason}; {exc}"))
    return found


def _other_lock_and_sleep(wall: WallClock) -> AwaySignals:
    found = AwaySignals()
    try:
        if sys.platform == "win32":
            from app.away.windows import WindowsSessionWatcher

            found.watchers.append(WindowsSessionWatcher(wall=wall))
        else:
            from app.away.macos import MacNotificationWatcher

            found.watchers.append(MacNotificationWatcher(wall=wall))
    except BackendUnavailable as exc:
        found.unavailable.append(Unavailable("lock", str(exc)))
        found.unavailable.append(Unavailable("sleep", f"{exc} (the clock-gap fallback remains)"))
    return found


def away_signals(
    wall: WallClock,
    *,
    idle_threshold_seconds: float,
    idle_sources: list[Callable[[], IdleSource]] | None = None,
    system_bus: str = "SYSTEM",
    session_bus: str = "SESSION",
    idle_interval: float = 5.0,
) -> AwaySignals:
    """Every signal this machine gives; the clock-gap sleep fallback is always there."""
    if sys.platform in ("win32", "darwin"):
        found = _other_lock_and_sleep(wall)
    else:
        try:
            found = _linux_lock_and_sleep(wall, system_bus, session_bus)
        except ImportError as exc:
            found = AwaySignals()
            for signal in ("lock", "sleep"):
                found.unavailable.append(Unavailable(signal, f"missing dependency: {exc.name}"))
    source = find_idle_source(idle_sources)
    if isinstance(source, Unavailable):
        found.unavailable.insert(0, source)
    else:
        idle = IdleWatcher(source, idle_threshold_seconds, wall=wall, interval=idle_interval)
        found.watchers.insert(0, idle)
    found.watchers.append(ClockGapWatcher(wall=wall))
    return found
