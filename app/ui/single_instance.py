"""One Timetray per user and data dir: a second launch asks the first to show itself.

A local socket (named pipe on Windows) named after the user and the data dir: per-user so two
people on one machine each get their own, per-data-dir so a test profile can run next to the
real one.
"""

from __future__ import annotations

import getpass
import hashlib
import logging
import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

from app.ui.qt import QObject

if TYPE_CHECKING:
    from app.ui.qt import QLocalSocket

log = logging.getLogger(__name__)

SHOW_MESSAGE = b"show\n"


def server_name(data_dir: str) -> str:
    try:
        user = getpass.getuser()
    except Exception:
        user = "user"
    digest = hashlib.sha256(f"{user}|{data_dir}".encode()).hexdigest()[:16]
    return f"timetray-{digest}"


def socket_path(name: str) -> str | None:
    """Where ``QLocalServer.listen(name)`` puts its socket on Linux (``QDir::tempPath()``:
    ``$TMPDIR`` or ``/tmp``); None on other systems, where Qt alone knows."""
    if not sys.platform.startswith("linux"):
        return None
    return os.path.join(os.environ.get("TMPDIR") or "/tmp", name)


def notify_running(name: str, timeout_ms: int = 1000) -> bool:
    """True when another instance answered (it was told to show itself).

    Asked before the first icon is drawn, so the common case (no other instance: no socket
    file) is answered without loading QtNetwork, which costs more than the rest of the check.
    """
    path = socket_path(name)
    if path is not None and not os.path.exists(path):
        return False
    from app.ui.qt import QLocalSocket

    socket = QLocalSocket()
    socket.connectToServer(name)
    if not socket.waitForConnected(timeout_ms):
        return False
    socket.write(SHOW_MESSAGE)
    socket.flush()
    socket.waitForBytesWritten(timeout_ms)
    socket.disconnectFromServer()
    return True


class InstanceServer(QObject):
    """Listens for later launches; ``on_show`` runs on the GUI thread when one arrives."""

    def __init__(self, name: str, on_show: Callable[[], None], parent: QObject | None = None):
        super().__init__(parent)
        from app.ui.qt import QLocalServer

        self.name = name
        self._on_show = on_show
        self.server = QLocalServer(self)
        self.server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        self.server.newConnection.connect(self._accept)

    def listen(self) -> bool:
        if self.server.listen(self.name):
            return True
        # Nobody answered (checked by the caller), so the socket is a leftover of a crash.
        self.server.removeServer(self.name)
        ok = self.server.listen(self.name)
        if not ok:
            log.warning("single-instance socket unavailable: %s", self.server.errorString())
        return ok

    def _accept(self) -> None:
        while self.server.hasPendingConnections():
            socket = self.server.nextPendingConnection()
            socket.readyRead.connect(lambda s=socket: self._read(s))
            socket.disconnected.connect(socket.deleteLater)

    def _read(self, socket: QLocalSocket) -> None:
        data = bytes(socket.readAll().data())
        if b"show" in data:
            log.info("another launch asked us to show ourselves")
            self._on_show()

    def close(self) -> None:
        self.server.close()
