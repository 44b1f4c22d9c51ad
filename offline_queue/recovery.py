"""Opening a file that may be damaged: check it, and if it is unusable set it aside.

A damaged file is never deleted: it (with its ``-wal`` and ``-shm``) is renamed to
``<name>.corrupt-YYYYmmddTHHMMSSZ`` so a person can still rescue what was in it, and the caller
gets a :class:`CorruptStoreReset` event to tell the user. The ``-wal`` is renamed to
``<moved>-wal`` so SQLite opens it together with the moved file, and it is moved *before* the
main file: a stale WAL left next to a fresh database would be replayed into it.

A BUSY answer is never taken for damage (another process is merely writing); only SQLite's
"not a database"/"malformed" errors, a failed ``quick_check`` or a file that cannot be opened
at all count.
"""

from __future__ import annotations

import logging
import os
import sqlite3
from datetime import datetime
from pathlib import Path

from offline_queue.connection import (
    BUSY_TIMEOUT_MS,
    SIDE_SUFFIXES,
    SQLITE_CANTOPEN,
    SQLITE_IOERR,
    configure,
    is_corruption,
    make_private,
    primary_code,
)
from offline_queue.models import CorruptStoreReset

log = logging.getLogger(__name__)


class Unusable(Exception):
    """The file exists but cannot be used as a store; ``reason`` says why.

    ``conn`` is the probing connection, still open: closing it would make SQLite delete the
    ``-wal`` (which may hold the last commits), so it is closed only after the move.
    """

    def __init__(self, reason: str, conn: sqlite3.Connection | None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.conn = conn

    def release(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def _is_damage(exc: sqlite3.Error, path: Path, existed: bool) -> bool:
    if is_corruption(exc):
        return True
    if existed and primary_code(exc) in (SQLITE_CANTOPEN, SQLITE_IOERR):
        # "Cannot open" also comes from causes that are not the file's fault (too many open
        # files, a locked-down folder); a healthy file is never set aside for those.
        return _unreadable(path)
    return False


def _unreadable(path: Path) -> bool:
    try:
        with open(path, "rb") as f:
            f.read(100)
    except OSError:
        return True
    return False


def probe(path: Path, busy_ms: int = BUSY_TIMEOUT_MS) -> sqlite3.Connection:
    """Open and check the file; raise :class:`Unusable` if it is damaged or unreadable.

    sqlite3 errors that are not damage (BUSY above all) propagate for the caller to retry.
    """
    existed = path.exists()
    make_private(path)
    try:
        conn = sqlite3.connect(
            str(path), timeout=busy_ms / 1000, isolation_level=None, check_same_thread=False
        )
    except sqlite3.Error as exc:
        if _is_damage(exc, path, existed):
            raise Unusable(str(exc), None) from exc
        raise
    try:
        configure(conn, busy_ms)
        mode = conn.execute("PRAGMA journal_mode=WAL").fetchone()[0]
        if str(mode).lower() != "wal":
            log.warning("local queue could not switch to WAL (journal_mode=%s)", mode)
        rows = conn.execute("PRAGMA quick_check").fetchall()
        if [r[0] for r in rows] != ["ok"]:
            reason = "integrity check failed: " + "; ".join(str(r[0]) for r in rows[:3])
            raise Unusable(reason, conn)
    except sqlite3.Error as exc:
        if _is_damage(exc, path, existed):
            raise Unusable(str(exc), conn) from exc
        conn.close()
        raise
    except Unusable:
        raise
    except BaseException:
        conn.close()
        raise
    return conn


def set_aside(path: Path, bad: Unusable, now: datetime) -> CorruptStoreReset:
    """Move the damaged file away, then let go of the probing connection.

    Renaming files that are open works on POSIX; where it does not (Windows), the connection
    is closed first and the move tried again.
    """
    try:
        event = move_aside(path, bad.reason, now)
    except OSError:
        bad.release()
        event = move_aside(path, bad.reason, now)
    bad.release()
    return event


def move_aside(path: Path, reason: str, now: datetime) -> CorruptStoreReset:
    """Rename the file and its side files out of the way; returns the event to report."""
    stamp = now.strftime("%Y%m%dT%H%M%SZ")
    target = path.with_name(f"{path.name}.corrupt-{stamp}")
    n = 1
    while any(Path(f"{target}{s}").exists() for s in ("", *SIDE_SUFFIXES)):
        n += 1
        target = path.with_name(f"{path.name}.corrupt-{stamp}-{n}")
    moved: list[Path] = []
    for suffix in (*SIDE_SUFFIXES, ""):  # side files first: see the module docstring
        src = Path(f"{path}{suffix}")
        if src.exists():
            dst = Path(f"{target}{suffix}")
            os.replace(src, dst)
            moved.append(dst)
    log.warning("local queue file %s unusable (%s); moved aside to %s", path, reason, target)
    return CorruptStoreReset(
        at=now, path=path, moved_to=target, reason=reason, moved_files=tuple(moved)
    )
