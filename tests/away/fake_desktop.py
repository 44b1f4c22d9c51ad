"""Small stand-ins for logind, Mutter's IdleMonitor and the screensaver on a private bus.

They answer only what the away back ends ask, and emit signals on demand, so the real
jeepney code paths (name lookup, match rules, fd passing for the inhibitor) run end to end.
"""

from __future__ import annotations

import os
import queue
import select
import threading
from typing import Any

from jeepney import DBusAddress, MessageType, new_error, new_method_return, new_signal
from jeepney.bus_messages import message_bus
from jeepney.io.blocking import open_dbus_connection
from jeepney.low_level import HeaderFields

SESSION_PATH = "/org/freedesktop/login1/session/_31"


class FakeDesktop:
    def __init__(self, address: str, names: list[str]) -> None:
        self.conn = open_dbus_connection(bus=address, enable_fds=True)
        for name in names:
            self.conn.send_and_get_reply(message_bus.RequestName(name), timeout=5)
        self.idle_ms = 0
        self.inhibit_calls = 0
        self.inhibitors: list[int] = []  # read ends: EOF once the client let go
        self._signals: queue.Queue[Any] = queue.Queue()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def emit(self, path: str, interface: str, member: str, signature: str, *body: Any) -> None:
        self._signals.put(
            new_signal(DBusAddress(path, interface=interface), member, signature, body)
        )

    def released(self, index: int) -> bool:
        """True once the client closed the inhibitor fd number ``index``."""
        fd = self.inhibitors[index]
        ready, _, _ = select.select([fd], [], [], 0)
        return bool(ready) and os.read(fd, 1) == b""

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5)
        self.conn.close()
        for fd in self.inhibitors:
            os.close(fd)

    def _serve(self) -> None:
        while not self._stop.is_set():
            while not self._signals.empty():
                self.conn.send(self._signals.get())
            try:
                msg = self.conn.receive(timeout=0.02)
            except TimeoutError:
                continue
            if msg.header.message_type == MessageType.method_call:
                self._answer(msg)

    def _answer(self, msg: Any) -> None:
        member = msg.header.fields.get(HeaderFields.member)
        if member == "GetIdletime":
            self.conn.send(new_method_return(msg, "t", (self.idle_ms,)))
        elif member == "GetSessionIdleTime":
            self.conn.send(new_method_return(msg, "u", (self.idle_ms // 1000,)))
        elif member == "GetSessionByPID":
            self.conn.send(new_method_return(msg, "o", (SESSION_PATH,)))
        elif member == "Inhibit":
            read, write = os.pipe()
            self.inhibitors.append(read)
            self.conn.send(new_method_return(msg, "h", (write,)))
            os.close(write)  # the bus and then the client hold the only copies
            self.inhibit_calls += 1
        else:
            error = "org.freedesktop.DBus.Error.UnknownMethod"
            self.conn.send(new_error(msg, error, "s", (str(member),)))
