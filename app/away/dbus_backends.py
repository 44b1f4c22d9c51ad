"""Linux desktop signals over D-Bus, with jeepney.

jeepney is pure Python, already installed on Linux as keyring's Secret Service transport, has
a blocking API that suits a plain thread (the core runs threads, not an asyncio loop, which
dbus-fast and dbus-next expect), and passes Unix file descriptors, which the logind delay
inhibitor needs. Every class takes a bus address ("SESSION", "SYSTEM" or a literal address) so
that tests can point it at a private bus with fake services.
"""

from __future__ import annotations

import logging
import os
from collections import deque
from datetime import datetime
from typing import Any

from jeepney import DBusAddress, DBusErrorResponse, MatchRule, Message, new_method_call
from jeepney.bus_messages import message_bus
from jeepney.io.blocking import DBusConnection, open_dbus_connection
from jeepney.low_level import HeaderFields
from jeepney.wrappers import unwrap_msg

from app.away.events import AwayEvent, AwayKind, BackendUnavailable, ThreadedWatcher
from app.away.idle import IdleSource, WallClock

log = logging.getLogger(__name__)

CALL_TIMEOUT = 2.0
RECV_SLICE = 0.25  # how often a watcher thread looks at its stop flag

MUTTER = DBusAddress(
    "/org/gnome/Mutter/IdleMonitor/Core",
    bus_name="org.gnome.Mutter.IdleMonitor",
    interface="org.gnome.Mutter.IdleMonitor",
)
SCREENSAVER = DBusAddress(
    "/org/freedesktop/ScreenSaver",
    bus_name="org.freedesktop.ScreenSaver",
    interface="org.freedesktop.ScreenSaver",
)
LOGIN1 = DBusAddress(
    "/org/freedesktop/login1",
    bus_name="org.freedesktop.login1",
    interface="org.freedesktop.login1.Manager",
)


def connect(bus: str, *, what: str, enable_fds: bool = False) -> DBusConnection:
    try:
        return open_dbus_connection(bus=bus, enable_fds=enable_fds)
    except (OSError, KeyError, ValueError) as exc:  # no bus, no address in the environment
        raise BackendUnavailable(f"{what}: no D-Bus {bus.lower()} bus ({exc})") from exc


def call(conn: DBusConnection, msg: Message, *, what: str) -> tuple[Any, ...]:
    try:
        reply = conn.send_and_get_reply(msg, timeout=CALL_TIMEOUT)
        return tuple(unwrap_msg(reply))
    except DBusErrorResponse as exc:
        raise BackendUnavailable(f"{what}: {exc.name}") from exc
    except (TimeoutError, OSError, ConnectionError) as exc:
        raise BackendUnavailable(f"{what}: {exc!r}") from exc


def subscribe(conn: DBusConnection, rules: list[dict[str, str]], queue: deque[Message]) -> None:
    """Ask the bus for the signals, and route them to ``queue`` on our side.

    The bus resolves a well-known ``sender`` to its owner, so only logind itself can tell us
    the machine is about to sleep; our side sees the owner's unique name instead, so the local
    filter leaves the sender out.
    """
    for fields in rules:
        call(conn, message_bus.AddMatch(MatchRule(**fields)), what="AddMatch")
        local = MatchRule(**{k: v for k, v in fields.items() if k != "sender"})
        conn.filter(local, queue=queue)  # registered until the connection closes


class _DBusIdle(IdleSource):
    def __init__(self, bus: str, address: DBusAddress, method: str, scale: float) -> None:
        self._conn = connect(bus, what=self.name)
        self._address, self._method, self._scale = address, method, scale

    def idle_seconds(self) -> float:
        (value,) = call(self._conn, new_method_call(self._address, self._method), what=self.name)
        return float(value) * self._scale

    def close(self) -> None:
        self._conn.close()


class MutterIdle(_DBusIdle):
    """GNOME (X11 and Wayland): Mutter's own idle monitor, in milliseconds."""

    name = "mutter-idlemonitor"

    def __init__(self, bus: str = "SESSION") -> None:
        super().__init__(bus, MUTTER, "GetIdletime", 1 / 1000)


class ScreenSaverIdle(_DBusIdle):
    """KDE and others: ``org.freedesktop.ScreenSaver.GetSessionIdleTime``, in seconds."""

    name = "freedesktop-screensaver"

    def __init__(self, bus: str = "SESSION") -> None:
        super().__init__(bus, SCREENSAVER, "GetSessionIdleTime", 1.0)


class _SignalWatcher(ThreadedWatcher):
    """Opens its own connection on its own thread and hands each matched signal to ``_on``."""

    def __init__(self, bus: str, *, wall: WallClock, enable_fds: bool = False) -> None:
        super().__init__()
        self._bus = bus
        self._wall = wall
        self._enable_fds = enable_fds
        self._conn: DBusConnection | None = None
        self._queue: deque[Message] = deque()

    def probe(self) -> None:
        """Connect and subscribe now, so that the caller learns at once if it cannot work."""
        self._conn = connect(self._bus, what=self.name, enable_fds=self._enable_fds)
        try:
            self._setup(self._conn)
            subscribe(self._conn, self._rules(), self._queue)
        except BaseException:
            self._conn.close()
            self._conn = None
            raise

    def _run(self) -> None:
        if self._conn is None:
            self.probe()
        conn = self._conn
        assert conn is not None
        try:
            while not self._stopping.is_set():
                try:
                    msg = conn.recv_until_filtered(self._queue, timeout=RECV_SLICE)
                except TimeoutError:
                    continue
                self._on(str(msg.header.fields.get(HeaderFields.member, "")), tuple(msg.body))
        finally:
            self._teardown()
            conn.close()

    def _setup(self, conn: DBusConnection) -> None:
        """Anything to do before subscribing (look up a path, take an inhibitor)."""

    def _teardown(self) -> None:
        """Anything to release when stopping."""

    def _rules(self) -> list[dict[str, str]]:
        """Match rules as fields (type, sender, path, interface, member)."""
        raise NotImplementedError

    def _on(self, member: str, body: tuple[Any, ...]) -> None:
        raise NotImplementedError


class ScreenSaverLockWatcher(_SignalWatcher):
    """``ActiveChanged(b)`` from the freedesktop (KDE, Xfce...) and GNOME screensavers."""

    name = "screensaver-lock"
    INTERFACES = ("org.freedesktop.ScreenSaver", "org.gnome.ScreenSaver")

    def __init__(self, bus: str = "SESSION", *, wall: WallClock) -> None:
        super().__init__(bus, wall=wall)

    def _rules(self) -> list[dict[str, str]]:
        return [
            {"type": "signal", "interface": i, "member": "ActiveChanged"} for i in self.INTERFACES
        ]

    def _on(self, member: str, body: tuple[Any, ...]) -> None:
        kind = AwayKind.LOCK if body and body[0] else AwayKind.UNLOCK
        self.emit(AwayEvent(kind, self._wall(), source=self.name))


class LogindWatcher(_SignalWatcher):
    """logind on the system bus: session Lock/Unlock/LockedHint, and PrepareForSleep.

    A *delay* inhibitor is held while awake, so that on PrepareForSleep(true) the listener runs
    (the core pauses the timer) before the machine sleeps; it is released as soon as the
    listener returns, and taken again on wake. No privilege is needed for a delay lock.
    """

    name = "logind"

    def __init__(self, bus: str = "SYSTEM", *, wall: WallClock, sleep: bool = True) -> None:
        super().__init__(bus, wall=wall, enable_fds=True)
        self._want_sleep = sleep
        self._session_path = ""
        self._inhibitor: Any = None
        self._slept_at: datetime | None = None

    @property
    def inhibiting(self) -> bool:
        return self._inhibitor is not None

    def _setup(self, conn: DBusConnection) -> None:
        try:
            (path,) = call(
                conn,
                new_method_call(LOGIN1, "GetSessionByPID", "u", (os.getpid(),)),
                what="logind session",
            )
        except BackendUnavailable:
            (path,) = call(
                conn, new_method_call(LOGIN1, "GetSession", "s", ("auto",)), what="logind session"
            )
        self._session_path = str(path)
        if self._want_sleep:
            self._inhibit(conn)

    def _inhibit(self, conn: DBusConnection) -> None:
        try:
            (fd,) = call(
                conn,
                new_method_call(
                    LOGIN1,
                    "Inhibit",
                    "ssss",
                    ("sleep", "Timetray", "Pause the running timer before sleep", "delay"),
                ),
                what="logind inhibitor",
            )
        except BackendUnavailable as exc:  # sleep is still seen, just without a head start
            log.warning("no sleep delay inhibitor: %s", exc)
            return
        self._inhibitor = fd

    def _release(self) -> None:
        if self._inhibitor is not None:
            self._inhibitor.close()
            self._inhibitor = None

    def _teardown(self) -> None:
        self._release()

    def _rules(self) -> list[dict[str, str]]:
        signal = {"type": "signal", "sender": LOGIN1.bus_name}
        on_session = {**signal, "path": self._session_path}
        session = "org.freedesktop.login1.Session"
        rules = [
            {**on_session, "interface": session, "member": "Lock"},
            {**on_session, "interface": session, "member": "Unlock"},
            {**on_session, "interface": "org.freedesktop.DBus.Properties"},
        ]
        if self._want_sleep:
            rules.append(
                {
                    **signal,
                    "path": LOGIN1.object_path,
                    "interface": LOGIN1.interface,
                    "member": "PrepareForSleep",
                }
            )
        return rules

    def _on(self, member: str, body: tuple[Any, ...]) -> None:
        now = self._wall()
        if member == "Lock":
            self.emit(AwayEvent(AwayKind.LOCK, now, source=self.name))
        elif member == "Unlock":
            self.emit(AwayEvent(AwayKind.UNLOCK, now, source=self.name))
        elif member == "PropertiesChanged":
            changed = body[1] if len(body) > 1 else {}
            if "LockedHint" in changed:
                locked = bool(changed["LockedHint"][1])
                kind = AwayKind.LOCK if locked else AwayKind.UNLOCK
                self.emit(AwayEvent(kind, now, source=self.name))
        elif member == "PrepareForSleep":
            if body and body[0]:
                self._slept_at = now
                try:
                    self.emit(AwayEvent(AwayKind.SLEEP, now, source=self.name))
                finally:
                    self._release()  # the app has acted: let the machine sleep
            else:
                self.emit(AwayEvent(AwayKind.WAKE, now, self._slept_at, self.name))
                self._slept_at = None
                if self._conn is not None:
                    self._inhibit(self._conn)
