"""SQLite connections: durability pragmas, one connection per thread, and lock-free errors.

Durability. The file is in WAL mode with ``synchronous=FULL``. In WAL mode SQLite appends each
transaction to the ``-wal`` file; with FULL it fsyncs that file before COMMIT returns, so a
commit we acknowledged is on stable storage and survives both ``kill -9`` and power loss. (With
NORMAL the WAL is synced only at checkpoints: kill -9 would still be safe, but a power cut
could roll back the last few acknowledged commits, which is exactly the "lost minute" this
store exists to prevent.) A torn write at power loss can only damage frames after the last
synced commit, and SQLite discards those by their checksums. ``fullfsync`` and
``checkpoint_fullfsync`` make macOS use F_FULLFSYNC, because its plain fsync does not flush the
drive's cache; they do nothing elsewhere. EXTRA is not needed: it only adds a directory sync for
rollback-journal DELETE mode. WAL also lets readers (the tray, the CLI) read while another
process writes.

Concurrency. Each thread gets its own connection (so a reader never waits behind another
thread's fsync), and every write is a ``BEGIN IMMEDIATE`` transaction: it takes the file's
write lock up front, so two processes can never both read-then-write the same state (no lost
update) and a transaction never has to upgrade a read lock (which could fail without waiting).
``busy_timeout`` makes SQLite wait for the lock; if it still reports BUSY/LOCKED we back off and
retry the whole transaction until a deadline, so "database is locked" never reaches a caller;
past the deadline they get a :class:`StoreBusyError` in plain words.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import stat
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from offline_queue.errors import (
    StoreBusyError,
    StoreClosedError,
    StoreCorruptError,
    StoreError,
    StoreFullError,
)

log = logging.getLogger(__name__)

T = TypeVar("T")

# SQLite primary result codes (the low byte of an extended code).
SQLITE_BUSY = 5
SQLITE_LOCKED = 6
SQLITE_READONLY = 8
SQLITE_IOERR = 10
SQLITE_CORRUPT = 11
SQLITE_FULL = 13
SQLITE_CANTOPEN = 14
SQLITE_NOTADB = 26

BUSY_TIMEOUT_MS = 5_000
RETRY_DEADLINE_S = 30.0

PER_CONNECTION_PRAGMAS = (
    "PRAGMA synchronous=FULL",
    "PRAGMA fullfsync=ON",
    "PRAGMA checkpoint_fullfsync=ON",
    "PRAGMA foreign_keys=ON",
    "PRAGMA journal_size_limit=4194304",
)


def primary_code(exc: BaseException) -> int | None:
    code = getattr(exc, "sqlite_errorcode", None)
    return None if code is None else int(code) & 0xFF


def is_busy(exc: BaseException) -> bool:
    if primary_code(exc) in (SQLITE_BUSY, SQLITE_LOCKED):
        return True
    text = str(exc).lower()
    return "database is locked" in text or "database is busy" in text or "is locked" in text


def is_corruption(exc: BaseException) -> bool:
    if primary_code(exc) in (SQLITE_CORRUPT, SQLITE_NOTADB):
        return True
    text = str(exc).lower()
    return "malformed" in text or "not a database" in text


def translate(exc: sqlite3.Error, path: Path) -> StoreError:
    """Turn a sqlite3 error into our hierarchy, in words a user can act on."""
    code = primary_code(exc)
    text = str(exc)
    if code == SQLITE_FULL or "disk is full" in text.lower():
        return StoreFullError(str(path))
    if is_corruption(exc):
        return StoreCorruptError(
            f"The local queue file {path} is damaged ({text}); restart Timetray to set it "
            "aside and start a new one."
        )
    if isinstance(exc, sqlite3.ProgrammingError) and "closed" in text.lower():
        return StoreClosedError()
    if code == SQLITE_READONLY:
        return StoreError(f"The local queue file {path} is read-only; nothing can be saved.")
    if code == SQLITE_CANTOPEN:
        return StoreError(f"The local queue file {path} cannot be opened.")
    if code == SQLITE_IOERR:
        return StoreError(f"Disk error while using the local queue file {path} ({text}).")
    return StoreError(f"Local queue error ({text}).")


PRIVATE_FILE_MODE = 0o600
SIDE_SUFFIXES = ("-wal", "-shm", "-journal")


def make_private(path: Path) -> None:
    """Create the store file 0600 before SQLite does, and tighten an existing one.

    SQLite creates a new database with mode 0644 (less the umask), and its ``-wal``/``-shm``
    copy the database file's mode; the store holds notes, task titles and attendance, which
    no other user of the machine should read. An existing file (and its side files) keeps
    its content but loses group and other access; what changed is logged. Nothing on
    Windows, where POSIX modes do not decide access.
    """
    if os.name != "posix":
        return
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, PRIVATE_FILE_MODE)
    except FileExistsError:
        pass
    except OSError:
        return  # SQLite will report the folder's problem in its own words
    else:
        os.close(fd)
        return
    for candidate in (path, *(Path(f"{path}{suffix}") for suffix in SIDE_SUFFIXES)):
        try:
            info = candidate.lstat()
            mode = stat.S_IMODE(info.st_mode)
            if not stat.S_ISREG(info.st_mode) or info.st_uid != os.getuid() or not mode & 0o077:
                continue
            os.chmod(candidate, mode & PRIVATE_FILE_MODE)
        except OSError:
            continue
        log.info(
            "made private (was readable by others): %s %04o -> %04o",
            candidate,
            mode,
            mode & PRIVATE_FILE_MODE,
        )


def busy_timeout_ms(deadline_s: float) -> int:
    """SQLite's own wait, never longer than our overall deadline."""
    return max(1, min(BUSY_TIMEOUT_MS, int(deadline_s * 1000)))


def connect(path: Path, busy_ms: int = BUSY_TIMEOUT_MS) -> sqlite3.Connection:
    """A new connection with the durability pragmas; autocommit so we own every BEGIN."""
    conn = sqlite3.connect(
        str(path),
        timeout=busy_ms / 1000,
        isolation_level=None,
        check_same_thread=False,  # only so close() may close another thread's connection
    )
    try:
        configure(conn, busy_ms)
    except BaseException:
        conn.close()
        raise
    return conn


def configure(conn: sqlite3.Connection, busy_ms: int = BUSY_TIMEOUT_MS) -> None:
    conn.execute(f"PRAGMA busy_timeout={int(busy_ms)}")
    for pragma in PER_CONNECTION_PRAGMAS:
        conn.execute(pragma)


def retry_busy(
    op: Callable[[], T],
    *,
    path: Path,
    deadline_s: float = RETRY_DEADLINE_S,
) -> T:
    """Run ``op`` again while SQLite says BUSY/LOCKED; translate every other sqlite3 error."""
    start = time.monotonic()
    delay = 0.002
    while True:
        try:
            return op()
        except sqlite3.Error as exc:
            waited = time.monotonic() - start
            if is_busy(exc) and waited < deadline_s:
                log.debug("store busy, retrying in %.3f s", delay)
                time.sleep(delay)
                delay = min(delay * 2, 0.1)
                continue
            if is_busy(exc):
                raise StoreBusyError(waited) from exc
            raise translate(exc, path) from exc


class Connections:
    """Per-thread connections to one file, all closed together by :meth:`close`."""

    def __init__(self, path: Path, *, deadline_s: float = RETRY_DEADLINE_S) -> None:
        self.path = path
        self.deadline_s = deadline_s
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self._closed = False

    @property
    def closed(self) -> bool:
        return self._closed

    def get(self) -> sqlite3.Connection:
        if self._closed:
            raise StoreClosedError()
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = retry_busy(
                lambda: connect(self.path), path=self.path, deadline_s=self.deadline_s
            )
            self.adopt(conn)
        return conn

    def adopt(self, conn: sqlite3.Connection) -> None:
        """Make an already open connection (the one the opener checked) this thread's."""
        with self._lock:
            if self._closed:
                conn.close()
                raise StoreClosedError()
            self._all.append(conn)
        self._local.conn = conn

    def write(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Run ``fn`` in one BEGIN IMMEDIATE transaction, retried as a whole while busy."""

        def attempt() -> T:
            conn = self.get()
            conn.execute("BEGIN IMMEDIATE")
            try:
                result = fn(conn)
                conn.execute("COMMIT")
            except BaseException:
                _rollback_quietly(conn)
                raise
            return result

        return self._guard(attempt)

    def read(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Run ``fn`` in a read transaction, so several SELECTs see one consistent state."""

        def attempt() -> T:
            conn = self.get()
            conn.execute("BEGIN")
            try:
                return fn(conn)
            finally:
                _rollback_quietly(conn)

        return self._guard(attempt)

    def _guard(self, attempt: Callable[[], T]) -> T:
        return retry_busy(attempt, path=self.path, deadline_s=self.deadline_s)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            conns, self._all = self._all, []
        for conn in conns:
            try:
                conn.close()
            except sqlite3.Error:  # pragma: no cover - best effort at shutdown
                log.debug("error closing a store connection", exc_info=True)


def _rollback_quietly(conn: sqlite3.Connection) -> None:
    if conn.in_transaction:
        try:
            conn.execute("ROLLBACK")
        except sqlite3.Error:
            log.debug("rollback failed (transaction already gone)", exc_info=True)
