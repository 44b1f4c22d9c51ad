"""One Timetray per user and data dir: a second launch asks the first to show itself.

A local socket (named pipe on Windows) per user and data dir: per-user so two people on one
machine each get their own, per-data-dir so a test profile can run next to the real one.

On Unix the socket lives in a folder only the user can write to (``$XDG_RUNTIME_DIR``, else the
data folder, else a private ``timetray-<uid>`` folder in the temp dir when those paths are too
long for AF_UNIX), and an existing socket is trusted only when the user owns it and its folder:
a socket another local user planted in a shared ``/tmp`` used to make the real tray exit
believing it was "already running".
"""

from __future__ import annotations

import contextlib
import getpass
import hashlib
import logging
import os
import stat
import sys
import tempfile
from collections.abc import Callable

from app.ui.qt import QObject

log = logging.getLogger(__name__)

SHOW_MESSAGE = b"show\n"

# sun_path is 108 bytes on Linux and 104 on macOS, both counting the terminating NUL.
MAX_SOCKET_PATH = 100


def server_name(data_dir: str) -> str:
    """The socket's full path on Unix; a pipe name on Windows (Qt picks its place there)."""
    try:
        user = getpass.getuser()
    except Exception:
        user = "user"
    digest = hashlib.sha256(f"{user}|{data_dir}".encode()).hexdigest()[:16]
    name = f"timetray-{digest}"
    if sys.platform == "win32":
        return name
    for folder in _candidate_folders(data_dir):
        path = os.path.join(folder, name)
        if len(os.fsencode(path)) <= MAX_SOCKET_PATH and _is_private_folder(folder):
            return path
    return os.path.join(_private_temp_folder(), name)


def _candidate_folders(data_dir: str) -> list[str]:
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    return [runtime, data_dir] if runtime and os.path.isabs(runtime) else [data_dir]


def _is_private_folder(folder: str) -> bool:
    """Ours, a real folder, and nobody else may create or replace entries in it."""
    try:
        info = os.lstat(folder)
    except OSError:
        return False
    return (
        stat.S_ISDIR(info.st_mode)
        and info.st_uid == os.getuid()
        and not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)
    )


def _private_temp_folder() -> str:
    """A 0700 folder of ours in the temp dir, for data dirs whose path is too long."""
    folder = os.path.join(tempfile.gettempdir(), f"timetray-{os.getuid()}")
    with contextlib.suppress(FileExistsError):
        os.mkdir(folder, 0o700)
    # Someone else may have made it first: then it is not private, and _is_trusted refuses it.
    return folder


def _is_trusted(path: str) -> bool:
    """A socket we may talk to: ours, in a folder only we can write to."""
    try:
        info = os.lstat(path)
    except OSError:
        return False
    if not stat.S_ISSOCK(info.st_mode) or info.st_uid != os.getuid():
        log.warning("ignoring single-instance socket %s: not a socket of this user", path)
        return False
    if not _is_private_folder(os.path.dirname(path)):
        log.warning("ignoring single-instance socket %s: its folder is not private", path)
        return False
    return True


def notify_running(name: str, timeout_ms: int = 1000) -> bool:
    """True when another instance of ours answered (it was told to show itself).

    Asked before the first icon is drawn, so the common case (no other instance: no socket
    file) is answered without loading QtNetwork, which costs more than the rest of the check.
    """
    if sys.platform != "win32" and not _is_trusted(name):
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
    """Listens for later launches; ``on_show`` runs on the GUI thread when one arrives.

    No connection holds a Python reference to this object or to a client socket: a lambda
    that did kept the server alive until a client socket's ``deleteLater`` ran, so the last
    reference died inside the socket's destructor, the server's QLocalServer deleted that
    socket a second time, and the process crashed (a segmentation fault).
    """

    def __init__(self, name: str, on_show: Callable[[], None], parent: QObject | None = None):
        super().__init__(parent)
        from app.ui.qt import QLocalServer

        self.name = name
        self._on_show = on_show
        self.server = QLocalServer(self)
        self.server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        self.server.newConnection.connect(self._accept)

    def listen(self) -> bool:
        if sys.platform != "win32":
            if not _is_private_folder(os.path.dirname(self.name)):
                log.warning("single-instance socket folder is not private: %s", self.name)
                return False
        if self.server.listen(self.name):
            return True
        # Nobody of ours answered (checked by the caller), so the socket is a leftover of a
        # crash or a stranger's: ours to replace, since only we can write to its folder.
        self.server.removeServer(self.name)
        ok = self.server.listen(self.name)
        if not ok:
            log.warning("single-instance socket unavailable: %s", self.server.errorString())
        return ok

    def _accept(self) -> None:
        while self.server.hasPendingConnections():
            socket = self.server.nextPendingConnection()
            socket.readyRead.connect(self._read)
            socket.disconnected.connect(socket.deleteLater)

    def _read(self) -> None:
        from app.ui.qt import QLocalSocket

        socket = self.sender()
        if not isinstance(socket, QLocalSocket):
            return
        while socket.canReadLine():
            if bytes(socket.readLine().data()) == SHOW_MESSAGE:
                log.info("another launch asked us to show ourselves")
                self._on_show()

    def close(self) -> None:
        """Stop listening and drop the clients still connected (their sockets delete later)."""
        from app.ui.qt import QLocalSocket

        self.server.close()
        for socket in self.server.findChildren(QLocalSocket):
            socket.abort()
