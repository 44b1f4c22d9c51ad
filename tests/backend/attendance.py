"""Attendance: check-in/out with the shift rules, breaks, the automatic timer pauses and
resumes they cause (§4.2), and the server-side auto-checkout that does NOT pause the timer."""

from __future__ import annotations

import logging
import sqlite3
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel

from tests.backend.auth import State, User
from tests.backend.clock import from_micros, iso_micros, to_micros
from tests.backend.errors import ApiError
from tests.backend.sessions import live_session, pause_session, resume_session

logger = logging.getLogger(__name__)

router = APIRouter()

_MINUTE = 60_000_000
STALE_AFTER = 16 * 60 * _MINUTE
SHIFT_GRACE = 60 * _MINUTE
PAID_BREAKS = {"prayer"}


class CheckInRequest(BaseModel):
    work_mode: Literal["office", "wfh"]


class CheckOutRequest(BaseModel):
    early_checkout_reason: str | None = None
    checkout_after_shift_reason: str | None = None
    checkout_after_shift_note: str | None = None


class BreakStartRequest(BaseModel):
    break_type: Literal["dinner", "prayer", "other"]
    note: str | None = None


# --- stored data ------------------------------------------------------------------------------


def open_attendance(conn: sqlite3.Connection, user_id: str) -> sqlite3.Row | None:
    row: sqlite3.Row | None = conn.execute(
        "SELECT * FROM attendance_sessions WHERE user_id = ? AND check_out_at IS NULL"
        " ORDER BY check_in_at DESC LIMIT 1",
        (user_id,),
    ).fetchone()
    return row


def _active_break(conn: sqlite3.Connection, session_id: str) -> sqlite3.Row | None:
    row: sqlite3.Row | None = conn.execute(
        "SELECT * FROM attendance_breaks WHERE attendance_session_id = ? AND ended_at IS NULL",
        (session_id,),
    ).fetchone()
    return row


def _end_break(conn: sqlite3.Connection, brk: sqlite3.Row, now: int) -> None:
    conn.execute(
        "UPDATE attendance_breaks SET ended_at = ?, duration_minutes = ? WHERE id = ?",
        (now, (now - brk["started_at"]) // _MINUTE, brk["id"]),
    )


def _shift_window(
    conn: sqlite3.Connection, shift_id: str | None, check_in: int
) -> tuple[int, int] | None:
    if shift_id is None:
        return None
    shift = conn.execute("SELECT * FROM shifts WHERE id = ?", (shift_id,)).fetchone()
    if shift is None:
        return None
    day = datetime.combine(from_micros(check_in).date(), datetime.min.time(), tzinfo=UTC)
    start = day + timedelta(minutes=shift["start_minute"])
    end = day + timedelta(minutes=shift["end_minute"])
    return to_micros(start), to_micros(end)


def auto_checkout(conn: sqlite3.Connection, session: sqlite3.Row, now: int, reason: str) -> None:
    """Close a stale session the way the real server does: the break is closed, the timer is
    left alone (it keeps running with no attendance), and a notification is the only trace."""
    brk = _active_break(conn, session["id"])
    if brk is not None:
        _end_break(conn, brk, now)
    conn.execute(
        "UPDATE attendance_sessions SET check_out_at = ?, session_status = 'incomplete',"
        " updated_at = ? WHERE id = ?",
        (now, now, session["id"]),
    )
    day = iso_micros(session["check_in_at"])
    conn.execute(
        "INSERT INTO notifications (id, user_id, title, message, notification_type,"
        " related_entity_type, related_entity_id, is_read, created_at)"
        " VALUES (?, ?, 'Attendance Auto-Checkout', ?, 'system', 'attendance_session', ?, 0, ?)",
        (
            str(uuid.uuid4()),
            session["user_id"],
            f"Your attendance session started at {day} was automatically closed: {reason}",
            session["id"],
            now,
        ),
    )
    logger.info("auto-checkout of attendance %s (%s)", session["id"], reason)


def close_stale(conn: sqlite3.Connection, user_id: str, now: int) -> None:
    """The lazy auto-checkout: more than 16 h open, or shift end + 60 min grace passed."""
    session = open_attendance(conn, user_id)
    if session is None:
        return
    shift_end = session["expected_shift_end_at"]
    if now - session["check_in_at"] > STALE_AFTER:
        auto_checkout(conn, session, now, "Session exceeded 16 hours.")
    elif (
        shift_end is not None
        and session["check_in_at"] < shift_end
        and now > shift_end + SHIFT_GRACE
    ):
        auto_checkout(conn, session, now, "Shift ended.")


# --- views ------------------------------------------------------------------------------------


def break_view(row: sqlite3.Row) -> dict[str, Any]:
    return {
        "id": row["id"],
        "attendance_session_id": row["attendance_session_id"],
        "break_type": row["break_type"],
        "started_at": iso_micros(row["started_at"]),
        "ended_at": iso_micros(row["ended_at"]),
        "duration_minutes": row["duration_minutes"],
        "note": row["note"],
        "is_paid": bool(row["is_paid"]),
    }


def session_view(conn: sqlite3.Connection, row: sqlite3.Row, now: int) -> dict[str, Any]:
    breaks = conn.execute(
        "SELECT * FROM attendance_breaks WHERE attendance_session_id = ? ORDER BY started_at",
        (row["id"],),
    ).fetchall()
    per_type = {"dinner": 0, "prayer": 0, "other": 0}
    for brk in breaks:
        end = brk["ended_at"] if brk["ended_at"] is not None else now
        per_type[brk["break_type"]] += (end - brk["started_at"]) // _MINUTE
    total_break = sum(per_type.values())
    end = row["check_out_at"] if row["check_out_at"] is not None else now
    duration = max(0, (end - row["check_in_at"]) // _MINUTE)
    worked = max(0, duration - total_break)
    user = conn.execute("SELECT full_name FROM users WHERE id = ?", (row["user_id"],)).fetchone()
    active = next((b for b in breaks if b["ended_at"] is None), None)
    return {
        "id": row["id"],
        "user_id": row["user_id"],
        "user_full_name": user["full_name"] if user else None,
        "check_in_at": iso_micros(row["check_in_at"]),
        "check_out_at": iso_micros(row["check_out_at"]),
        "work_mode": row["work_mode"],
        "session_status": row["session_status"],
        "is_late_login": bool(row["is_late_login"]),
        "late_minutes": row["late_minutes"],
        "is_early_logout": bool(row["is_early_logout"]),
        "early_checkout_minutes": row["early_checkout_minutes"],
        "early_checkout_reason": row["early_checkout_reason"],
        "is_overtime": bool(row["is_overtime"]),
        "attendance_classification": None if row["check_out_at"] is None else "present",
        "worked_minutes": worked,
        "duration_minutes": duration,
        "total_hours": round(worked / 60, 2),
        "expected_shift_start_at": iso_micros(row["expected_shift_start_at"]),
        "expected_shift_end_at": iso_micros(row["expected_shift_end_at"]),
        "checkout_after_shift_reason": row["checkout_after_shift_reason"],
        "checkout_after_shift_note": row["checkout_after_shift_note"],
        "correction_reason": None,
        "corrected_by": None,
        "corrected_at": None,
        "total_break_minutes": total_break,
        "dinner_break_minutes": per_type["dinner"],
        "prayer_break_minutes": per_type["prayer"],
        "other_break_minutes": per_type["other"],
        "breaks": [break_view(b) for b in breaks],
        "active_break": None if active is None else break_view(active),
        "created_at": iso_micros(row["created_at"]),
        "updated_at": iso_micros(row["updated_at"]),
    }


def _get(conn: sqlite3.Connection, session_id: str) -> sqlite3.Row:
    row: sqlite3.Row = conn.execute(
        "SELECT * FROM attendance_sessions WHERE id = ?", (session_id,)
    ).fetchone()
    return row


# --- endpoints --------------------------------------------------------------------------------


@router.post("/attendance/check-in")
def check_in(body: CheckInRequest, user: User, state: State) -> dict[str, Any]:
    """Checking in resumes a timer that the last check-out paused, and only that one."""
    now = to_micros(state.clock.now())
    with state.db.transaction() as conn:
        close_stale(conn, user.id, now)
        if open_attendance(conn, user.id) is not None:
            raise ApiError(409, "You already have an active attendance session.")
        window = _shift_window(conn, user.shift_id, now)
        late = 0 if window is None else max(0, (now - window[0]) // _MINUTE)
        session_id = str(uuid.uuid4())
        conn.execute(
            "INSERT INTO attendance_sessions (id, user_id, check_in_at, work_mode,"
            " session_status, is_late_login, late_minutes, expected_shift_start_at,"
            " expected_shift_end_at, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, 'active', ?, ?, ?, ?, ?, ?)",
            (session_id, user.id, now, body.work_mode, late > 0, late,
             window[0] if window else None, window[1] if window else None, now, now),
        )  # fmt: skip
        timer = live_session(conn, user.id)
        if timer is not None and timer["pause_reason"] == "attendance_checkout":
            resume_session(conn, timer, now)
        return session_view(conn, _get(conn, session_id), now)


def _check_shift_rules(session: sqlite3.Row, body: CheckOutRequest, now: int) -> dict[str, Any]:
    """Early and after-shift check-outs need the user's words; returns the columns to store."""
    end = session["expected_shift_end_at"]
    if end is None:
        return {}
    if now < end:
        reason = (body.early_checkout_reason or "").strip()
        if len(reason) < 5:
            raise ApiError(
                400,
                "A reason of at least 5 characters is required for checking out before "
                "your shift ends.",
            )
        return {
            "is_early_logout": 1,
            "early_checkout_minutes": (end - now) // _MINUTE,
            "early_checkout_reason": reason,
        }
    if now > end:
        reason = (body.checkout_after_shift_reason or "").strip()
        note = (body.checkout_after_shift_note or "").strip()
        if not (reason and note):
            raise ApiError(422, "Reason and note are required for checkout after shift end.")
        return {
            "is_overtime": int(reason == "overtime"),
            "checkout_after_shift_reason": reason,
            "checkout_after_shift_note": note,
        }
    return {}


@router.post("/attendance/check-out")
def check_out(user: User, state: State, body: CheckOutRequest | None = None) -> dict[str, Any]:
    """A break is ended first (resuming a break-paused timer), then the session is closed and
    a running timer is paused as ``attendance_checkout``."""
    now = to_micros(state.clock.now())
    body = body or CheckOutRequest()
    with state.db.transaction() as conn:
        close_stale(conn, user.id, now)
        session = open_attendance(conn, user.id)
        if session is None:
            raise ApiError(404, "No active attendance session found.")
        columns = _check_shift_rules(session, body, now)
        brk = _active_break(conn, session["id"])
        if brk is not None:
            _end_break(conn, brk, now)
            _resume_after_break(conn, user.id, now)
        columns.update(check_out_at=now, session_status="completed", updated_at=now)
        assignments = ", ".join(f"{name} = ?" for name in columns)
        conn.execute(
            f"UPDATE attendance_sessions SET {assignments} WHERE id = ?",
            (*columns.values(), session["id"]),
        )
        timer = live_session(conn, user.id)
        if timer is not None and timer["status"] == "running":
            pause_session(conn, timer, "attendance_checkout", now)
        return session_view(conn, _get(conn, session["id"]), now)


def _resume_after_break(conn: sqlite3.Connection, user_id: str, now: int) -> None:
    timer = live_session(conn, user_id)
    if timer is not None and timer["pause_reason"] == "break_started":
        resume_session(conn, timer, now)


@router.get("/attendance/active")
def active(user: User, state: State) -> dict[str, Any] | None:
    now = to_micros(state.clock.now())
    with state.db.transaction() as conn:
        close_stale(conn, user.id, now)
        session = open_attendance(conn, user.id)
        return None if session is None else session_view(conn, session, now)


@router.get("/attendance/me")
def history(
    user: User, state: State, date_from: date | None = None, date_to: date | None = None
) -> list[dict[str, Any]]:
    """Dates compare with ``date(check_in_at)`` in UTC, newest first."""
    now = to_micros(state.clock.now())
    with state.db.transaction() as conn:
        close_stale(conn, user.id, now)
        rows = conn.execute(
            "SELECT * FROM attendance_sessions WHERE user_id = ? ORDER BY check_in_at DESC",
            (user.id,),
        ).fetchall()
        result = []
        for row in rows:
            day = from_micros(row["check_in_at"]).date()
            if (date_from and day < date_from) or (date_to and day > date_to):
                continue
            result.append(session_view(conn, row, now))
        return result


@router.post("/attendance/breaks/start")
def start_break(body: BreakStartRequest, user: User, state: State) -> dict[str, Any]:
    """A running timer is paused as ``break_started``; a paused one keeps its reason."""
    now = to_micros(state.clock.now())
    with state.db.transaction() as conn:
        close_stale(conn, user.id, now)
        session = open_attendance(conn, user.id)
        if session is None:
            raise ApiError(400, "Cannot start break without an active attendance session.")
        note = (body.note or "").strip() or None
        if body.break_type == "other" and note is None:
            raise ApiError(422, "Note is required for 'other' break type.")
        if _active_break(conn, session["id"]) is not None:
            raise ApiError(400, "You already have an active break.")
        break_id = str(uuid.uuid4())
        conn.execute(
            "INSERT INTO attendance_breaks (id, attendance_session_id, break_type, started_at,"
            " note, is_paid) VALUES (?, ?, ?, ?, ?, ?)",
            (break_id, session["id"], body.break_type, now, note,
             body.break_type in PAID_BREAKS),
        )  # fmt: skip
        timer = live_session(conn, user.id)
        if timer is not None and timer["status"] == "running":
            pause_session(conn, timer, "break_started", now)
        row = conn.execute("SELECT * FROM attendance_breaks WHERE id = ?", (break_id,)).fetchone()
        return break_view(row)


@router.post("/attendance/breaks/end")
def end_break(user: User, state: State) -> dict[str, Any]:
    """Only a timer paused by the break (``break_started``) is resumed."""
    now = to_micros(state.clock.now())
    with state.db.transaction() as conn:
        close_stale(conn, user.id, now)
        session = open_attendance(conn, user.id)
        brk = None if session is None else _active_break(conn, session["id"])
        if brk is None:
            raise ApiError(404, "No active break found.")
        _end_break(conn, brk, now)
        _resume_after_break(conn, user.id, now)
        row = conn.execute("SELECT * FROM attendance_breaks WHERE id = ?", (brk["id"],)).fetchone()
        return break_view(row)


@router.get("/attendance/breaks/current")
def current_break(user: User, state: State) -> dict[str, Any] | None:
    now = to_micros(state.clock.now())
    with state.db.transaction() as conn:
        close_stale(conn, user.id, now)
        session = open_attendance(conn, user.id)
        brk = None if session is None else _active_break(conn, session["id"])
        return None if brk is None else break_view(brk)
