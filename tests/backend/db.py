"""The server's SQLite database: one shared in-memory connection behind a lock.

Every request runs its whole read-check-write sequence inside :meth:`Database.transaction`, so
requests are serialised and each one either commits completely or not at all (which is what the
drop-after-commit fault relies on: the effect is durable before the connection is dropped).
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager

logger = logging.getLogger(__name__)

SCHEMA = """
CREATE TABLE shifts (
    id TEXT PRIMARY KEY, name TEXT NOT NULL,
    start_minute INTEGER NOT NULL, end_minute INTEGER NOT NULL
);
CREATE TABLE users (
    id TEXT PRIMARY KEY, email TEXT NOT NULL UNIQUE, password_hash TEXT NOT NULL,
    full_name TEXT NOT NULL, role TEXT NOT NULL, status TEXT NOT NULL,
    department TEXT, designation TEXT, phone TEXT, manager_id TEXT, shift_id TEXT,
    created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL
);
CREATE TABLE projects (
    id TEXT PRIMARY KEY, title TEXT NOT NULL, status TEXT NOT NULL
);
CREATE TABLE tasks (
    id TEXT PRIMARY KEY, project_id TEXT NOT NULL, title TEXT NOT NULL, description TEXT,
    assigned_to TEXT, created_by TEXT NOT NULL, status TEXT NOT NULL,
    priority TEXT NOT NULL DEFAULT 'medium', blocked_reason TEXT, due_date TEXT,
    completed_at INTEGER, completed_by TEXT, actual_duration_minutes INTEGER,
    expected_duration_minutes INTEGER, complexity_level TEXT,
    created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL
);
CREATE TABLE timer_sessions (
    id TEXT PRIMARY KEY, task_id TEXT NOT NULL, user_id TEXT NOT NULL, status TEXT NOT NULL,
    started_at INTEGER NOT NULL, last_resumed_at INTEGER, paused_at INTEGER,
    accumulated_seconds INTEGER NOT NULL DEFAULT 0, pause_reason TEXT,
    created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL
);
CREATE TABLE time_logs (
    id TEXT PRIMARY KEY, task_id TEXT NOT NULL, user_id TEXT NOT NULL,
    started_at INTEGER NOT NULL, ended_at INTEGER, duration_minutes INTEGER,
    source_type TEXT NOT NULL, notes TEXT, status TEXT NOT NULL,
    created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL
);
CREATE TABLE refresh_tokens (
    jti TEXT PRIMARY KEY, family_id TEXT NOT NULL, user_id TEXT NOT NULL,
    expires_at INTEGER NOT NULL, revoked INTEGER NOT NULL DEFAULT 0, created_at INTEGER NOT NULL
);
CREATE TABLE auth_rate_limits (
    key TEXT PRIMARY KEY, failures INTEGER NOT NULL, window_started_at INTEGER NOT NULL,
    locked_until INTEGER
);
CREATE TABLE attendance_sessions (
    id TEXT PRIMARY KEY, user_id TEXT NOT NULL, check_in_at INTEGER NOT NULL,
    check_out_at INTEGER, work_mode TEXT NOT NULL, session_status TEXT NOT NULL,
    is_late_login INTEGER NOT NULL DEFAULT 0, late_minutes INTEGER NOT NULL DEFAULT 0,
    is_early_logout INTEGER NOT NULL DEFAULT 0, early_checkout_minutes INTEGER NOT NULL DEFAULT 0,
    early_checkout_reason TEXT, is_overtime INTEGER NOT NULL DEFAULT 0,
    expected_shift_start_at INTEGER, expected_shift_end_at INTEGER,
    checkout_after_shift_reason TEXT, checkout_after_shift_note TEXT,
    created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL
);
CREATE TABLE attendance_breaks (
    id TEXT PRIMARY KEY, attendance_session_id TEXT NOT NULL, break_type TEXT NOT NULL,
    started_at INTEGER NOT NULL, ended_at INTEGER, duration_minutes INTEGER, note TEXT,
    is_paid INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE notifications (
    id TEXT PRIMARY KEY, user_id TEXT NOT NULL, title TEXT NOT NULL, message TEXT NOT NULL,
    notification_type TEXT NOT NULL, related_entity_type TEXT, related_entity_id TEXT,
    is_read INTEGER NOT NULL DEFAULT 0, created_at INTEGER NOT NULL
);
"""

# Child tables first so a reset never trips over references.
TABLES = (
    "notifications",
    "attendance_breaks",
    "attendance_sessions",
    "auth_rate_limits",
    "refresh_tokens",
    "time_logs",
    "timer_sessions",
    "tasks",
    "projects",
    "users",
    "shifts",
)


class Database:
    """A single SQLite connection shared by the server's worker threads."""

    def __init__(self, path: str = ":memory:") -> None:
        self._conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._conn.row_factory = sqlite3.Row
        self._lock = threading.RLock()
        self._depth = 0
        self._conn.executescript(SCHEMA)

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """Hold the lock for a whole request; commit on success, roll back on any error."""
        with self._lock:
            outermost = self._depth == 0
            if outermost:
                self._conn.execute("BEGIN")
            self._depth += 1
            try:
                yield self._conn
            except BaseException:
                self._depth -= 1
                if outermost:
                    self._conn.execute("ROLLBACK")
                raise
            self._depth -= 1
            if outermost:
                self._conn.execute("COMMIT")

    def clear(self, conn: sqlite3.Connection) -> None:
        for table in TABLES:
            conn.execute(f"DELETE FROM {table}")

    def close(self) -> None:
        with self._lock:
            self._conn.close()
