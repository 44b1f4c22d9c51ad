"""Timer sessions and time logs as stored data: the operations shared by the timer endpoints,
the attendance auto-pause/resume rules and task completion."""

from __future__ import annotations

import sqlite3
import uuid
from typing import Any

from tests.backend.clock import iso_micros

LIVE = ("running", "paused")


def live_session(conn: sqlite3.Connection, user_id: str) -> sqlite3.Row | None:
    """The user's running or paused session (the oldest, should a race ever leave two)."""
    row: sqlite3.Row | None = conn.execute(
        "SELECT * FROM timer_sessions WHERE user_id = ? AND status IN ('running', 'paused')"
        " ORDER BY started_at, rowid LIMIT 1",
        (user_id,),
    ).fetchone()
    return row


def get_session(conn: sqlite3.Connection, session_id: str) -> sqlite3.Row:
    row: sqlite3.Row = conn.execute(
        "SELECT * FROM timer_sessions WHERE id = ?", (session_id,)
    ).fetchone()
    return row


def create_session(conn: sqlite3.Connection, user_id: str, task_id: str, now: int) -> str:
    session_id = str(uuid.uuid4())
    conn.execute(
        "INSERT INTO timer_sessions (id, task_id, user_id, status, started_at, last_resumed_at,"
        " paused_at, accumulated_seconds, pause_reason, created_at, updated_at)"
        " VALUES (?, ?, ?, 'running', ?, ?, NULL, 0, NULL, ?, ?)",
        (session_id, task_id, user_id, now, now, now, now),
    )
    return session_id


def _run_seconds(session: sqlite3.Row, now: int) -> float:
    if session["status"] != "running" or session["last_resumed_at"] is None:
        return 0.0
    elapsed: int = max(0, now - session["last_resumed_at"])
    return elapsed / 1_000_000


def pause_session(conn: sqlite3.Connection, session: sqlite3.Row, reason: str, now: int) -> None:
    """Pause a running session; ``accumulated_seconds`` is truncated to whole seconds, as the
    real server does at every pause. A paused session is left exactly as it is."""
    if session["status"] != "running":
        return
    accumulated = int(session["accumulated_seconds"] + _run_seconds(session, now))
    conn.execute(
        "UPDATE timer_sessions SET status = 'paused', paused_at = ?, accumulated_seconds = ?,"
        " pause_reason = ?, updated_at = ? WHERE id = ?",
        (now, accumulated, reason, now, session["id"]),
    )


def resume_session(conn: sqlite3.Connection, session: sqlite3.Row, now: int) -> None:
    if session["status"] != "paused":
        return
    conn.execute(
        "UPDATE timer_sessions SET status = 'running', last_resumed_at = ?, paused_at = NULL,"
        " pause_reason = NULL, updated_at = ? WHERE id = ?",
        (now, now, session["id"]),
    )


def add_task_minutes(conn: sqlite3.Connection, task_id: str, minutes: int, now: int) -> None:
    conn.execute(
        "UPDATE tasks SET actual_duration_minutes = COALESCE(actual_duration_minutes, 0) + ?,"
        " updated_at = ? WHERE id = ?",
        (minutes, now, task_id),
    )


def insert_log(
    conn: sqlite3.Connection,
    *,
    user_id: str,
    task_id: str,
    started_at: int,
    ended_at: int,
    duration_minutes: int,
    source_type: str,
    notes: str | None,
    now: int,
) -> str:
    log_id = str(uuid.uuid4())
    conn.execute(
        "INSERT INTO time_logs (id, task_id, user_id, started_at, ended_at, duration_minutes,"
        " source_type, notes, status, created_at, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'completed', ?, ?)",
        (log_id, task_id, user_id, started_at, ended_at, duration_minutes, source_type, notes,
         now, now),
    )  # fmt: skip
    add_task_minutes(conn, task_id, duration_minutes, now)
    return log_id


def stop_session(
    conn: sqlite3.Connection, session: sqlite3.Row, notes: str | None, now: int
) -> str:
    """Close the session and write its time log: floor(running seconds / 60) minutes, spanning
    the first start to now (pauses included in the span, excluded from the duration)."""
    total = session["accumulated_seconds"] + _run_seconds(session, now)
    accumulated = int(total)
    conn.execute(
        "UPDATE timer_sessions SET status = 'completed', accumulated_seconds = ?,"
        " paused_at = NULL, updated_at = ? WHERE id = ?",
        (accumulated, now, session["id"]),
    )
    return insert_log(
        conn,
        user_id=session["user_id"],
        task_id=session["task_id"],
        started_at=session["started_at"],
        ended_at=now,
        duration_minutes=int(total // 60),
        source_type="timer",
        notes=notes,
        now=now,
    )


def session_view(conn: sqlite3.Connection, session: sqlite3.Row) -> dict[str, Any]:
    titles = conn.execute(
        "SELECT t.title AS task_title, p.title AS project_title FROM tasks t"
        " LEFT JOIN projects p ON p.id = t.project_id WHERE t.id = ?",
        (session["task_id"],),
    ).fetchone()
    return {
        "id": session["id"],
        "task_id": session["task_id"],
        "task_title": titles["task_title"] if titles else None,
        "project_title": titles["project_title"] if titles else None,
        "user_id": session["user_id"],
        "status": session["status"],
        "started_at": iso_micros(session["started_at"]),
        "last_resumed_at": iso_micros(session["last_resumed_at"]),
        "paused_at": iso_micros(session["paused_at"]),
        "accumulated_seconds": session["accumulated_seconds"],
        "pause_reason": session["pause_reason"],
        "created_at": iso_micros(session["created_at"]),
        "updated_at": iso_micros(session["updated_at"]),
    }


_LOG_QUERY = (
    "SELECT l.*, t.title AS task_title, p.title AS project_title, u.full_name AS user_name"
    " FROM time_logs l LEFT JOIN tasks t ON t.id = l.task_id"
    " LEFT JOIN projects p ON p.id = t.project_id LEFT JOIN users u ON u.id = l.user_id"
)


def log_view(row: sqlite3.Row) -> dict[str, Any]:
    return {
        "id": row["id"],
        "task_id": row["task_id"],
        "task_title": row["task_title"],
        "user_id": row["user_id"],
        "user_name": row["user_name"],
        "project_title": row["project_title"],
        "started_at": iso_micros(row["started_at"]),
        "ended_at": iso_micros(row["ended_at"]),
        "duration_minutes": row["duration_minutes"],
        "source_type": row["source_type"],
        "notes": row["notes"],
        "status": row["status"],
        "created_at": iso_micros(row["created_at"]),
        "updated_at": iso_micros(row["updated_at"]),
    }


def get_log(conn: sqlite3.Connection, log_id: str) -> dict[str, Any]:
    return log_view(conn.execute(_LOG_QUERY + " WHERE l.id = ?", (log_id,)).fetchone())


def logs_of(conn: sqlite3.Connection, user_ids: list[str] | None) -> list[dict[str, Any]]:
    """Newest ``started_at`` first; ``None`` means everyone's."""
    if user_ids is None:
        rows = conn.execute(_LOG_QUERY + " ORDER BY l.started_at DESC, l.rowid DESC").fetchall()
    else:
        marks = ", ".join("?" for _ in user_ids)
        rows = conn.execute(
            _LOG_QUERY + f" WHERE l.user_id IN ({marks}) ORDER BY l.started_at DESC, l.rowid DESC",
            user_ids,
        ).fetchall()
    return [log_view(r) for r in rows]
