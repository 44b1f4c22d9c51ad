"""The ``/_test`` control endpoints: reset, faults, tokens, clock and server-side events.

They are never delayed or failed by the fault switches. This server only ever listens on
127.0.0.1, but any local user or process can reach that, so every control call must carry the
server's random secret in :data:`CONTROL_HEADER` (the handle of ``start_in_thread`` does; a
separate ``python -m tests.backend`` takes it from ``TIMETRAY_CONTROL_SECRET`` or prints it).
A call without it gets 403 and changes nothing.
"""

from __future__ import annotations

import logging
import secrets
import uuid
from datetime import datetime, timedelta
from typing import Any, Literal

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from tests.backend.attendance import auto_checkout as close_attendance
from tests.backend.attendance import open_attendance
from tests.backend.auth import State
from tests.backend.clock import iso_z, to_micros
from tests.backend.errors import ApiError
from tests.backend.faults import BadBody, DropAfterCommit, FailNext, normalize_prefix
from tests.backend.state import BackendState
from tests.backend.tasks import TaskStatus, set_status

logger = logging.getLogger(__name__)

CONTROL_HEADER = "X-Timetray-Control"


def require_secret(request: Request, state: State) -> None:
    given = request.headers.get(CONTROL_HEADER, "")
    if not secrets.compare_digest(given.encode(), state.control_secret.encode()):
        logger.warning("control call to %s refused: no or wrong secret", request.url.path)
        raise ApiError(403, "Control endpoints need the server's secret.")


router = APIRouter(prefix="/_test", dependencies=[Depends(require_secret)])


class FailNextIn(BaseModel):
    count: int = Field(1, ge=0)
    status: int = Field(503, ge=400, le=599)
    retry_after: float | None = Field(None, ge=0)
    path_prefix: str | None = None


class DropIn(BaseModel):
    count: int = Field(1, ge=0)
    path_prefix: str | None = None


class BadBodyIn(BaseModel):
    count: int = Field(1, ge=0)
    path_prefix: str | None = None
    kind: Literal["trickle", "oversized"] = "trickle"
    size_bytes: int = Field(4096, ge=2)
    interval_ms: float = Field(5, ge=0)
    declare_length: bool = False


class FaultsIn(BaseModel):
    """Only the switches present are changed; ``count: 0`` or ``latency_ms: 0`` turns one off."""

    latency_ms: float | None = Field(None, ge=0)
    fail_next: FailNextIn | None = None
    drop_after_commit: DropIn | None = None
    bad_body: BadBodyIn | None = None
    # A path prefix never answered ("" or "/" for every API path); null: unchanged.
    blackhole: str | None = None
    blackhole_off: bool = False


class TtlIn(BaseModel):
    seconds: float = Field(ge=0)


class EmailIn(BaseModel):
    email: str


class StatusIn(BaseModel):
    status: TaskStatus


class SeedLogsIn(BaseModel):
    """``count`` completed logs for ``email``, 30 min each, one per hour going back from a day
    ago (so today's and this week's totals stay those of the demo data)."""

    email: str
    count: int = Field(ge=0, le=100_000)


class ClockIn(BaseModel):
    """One of: an absolute ``now``, an ``offset_seconds`` from real time, or ``advance_seconds``."""

    now: datetime | None = None
    offset_seconds: float | None = None
    advance_seconds: float | None = None


@router.post("/reset")
def reset(state: State) -> dict[str, str]:
    state.reset()
    return {"status": "ok"}


@router.post("/faults")
def set_faults(body: FaultsIn, state: State) -> dict[str, Any]:
    fail = body.fail_next
    drop = body.drop_after_commit
    bad = body.bad_body
    state.faults.update(
        latency_ms=body.latency_ms,
        fail_next=None
        if fail is None
        else FailNext(
            fail.count, fail.status, fail.retry_after, normalize_prefix(fail.path_prefix)
        ),
        drop_after_commit=None
        if drop is None
        else DropAfterCommit(drop.count, normalize_prefix(drop.path_prefix)),
        bad_body=None
        if bad is None
        else BadBody(
            bad.count,
            normalize_prefix(bad.path_prefix),
            bad.kind,
            bad.size_bytes,
            bad.interval_ms,
            bad.declare_length,
        ),
        blackhole=""
        if body.blackhole_off
        else (None if body.blackhole is None else normalize_prefix(body.blackhole.strip("/"))),
    )
    return state.faults.describe()


@router.get("/faults")
def get_faults(state: State) -> dict[str, Any]:
    return state.faults.describe()


@router.post("/faults/clear")
def clear_faults(state: State) -> dict[str, Any]:
    state.faults.clear()
    return state.faults.describe()


@router.post("/expire-tokens")
def expire_tokens(state: State) -> dict[str, str]:
    state.tokens.not_before = state.clock.now().timestamp()
    return {"status": "ok"}


@router.post("/token-ttl")
def token_ttl(body: TtlIn, state: State) -> dict[str, float]:
    state.tokens.access_ttl_seconds = body.seconds
    return {"seconds": body.seconds}


@router.post("/auto-checkout")
def auto_checkout(body: EmailIn, state: State) -> dict[str, Any]:
    """What the real server does lazily to a stale session, on demand."""
    now = to_micros(state.clock.now())
    with state.db.transaction() as conn:
        user = conn.execute(
            "SELECT id FROM users WHERE lower(email) = ?", (body.email.strip().lower(),)
        ).fetchone()
        if user is None:
            raise ApiError(404, "User not found")
        session = open_attendance(conn, user["id"])
        if session is None:
            raise ApiError(404, "No active attendance session found.")
        close_attendance(conn, session, now, "Shift ended.")
    return {"status": "ok", "attendance_session_id": session["id"]}


@router.post("/tasks/{task_id}/status")
def task_status(task_id: uuid.UUID, body: StatusIn, state: State) -> dict[str, str]:
    """A manager's change of task state; it never touches anyone's timer."""
    now = to_micros(state.clock.now())
    with state.db.transaction() as conn:
        if conn.execute("SELECT 1 FROM tasks WHERE id = ?", (str(task_id),)).fetchone() is None:
            raise ApiError(404, "Task not found")
        set_status(conn, str(task_id), body.status, now)
    return {"id": str(task_id), "status": body.status}


@router.post("/seed-logs")
def seed_logs(body: SeedLogsIn, state: State) -> dict[str, Any]:
    """A user with a long history: ``GET /time-logs/me`` then answers with all of it."""
    now = to_micros(state.clock.now())
    hour = 3_600_000_000
    with state.db.transaction() as conn:
        user = conn.execute(
            "SELECT id FROM users WHERE lower(email) = ?", (body.email.strip().lower(),)
        ).fetchone()
        if user is None:
            raise ApiError(404, "User not found")
        task = conn.execute(
            "SELECT id FROM tasks WHERE assigned_to = ? ORDER BY id LIMIT 1", (user["id"],)
        ).fetchone()
        if task is None:
            raise ApiError(404, "The user has no task")
        rows = []
        for i in range(body.count):
            end = now - 24 * hour - i * hour
            rows.append(
                (str(uuid.uuid4()), task["id"], user["id"], end - hour // 2, end, 30,
                 "manual", f"seeded history {i}", now, now)
            )  # fmt: skip
        conn.executemany(
            "INSERT INTO time_logs (id, task_id, user_id, started_at, ended_at, duration_minutes,"
            " source_type, notes, status, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'completed', ?, ?)",
            rows,
        )
    return {"status": "ok", "count": body.count}


@router.get("/stats")
def stats(state: State) -> dict[str, Any]:
    return state.stats.snapshot()


@router.post("/clock")
def clock(body: ClockIn, state: State) -> dict[str, Any]:
    if body.now is not None:
        state.clock.set_now(body.now)
    if body.offset_seconds is not None:
        state.clock.set_offset(timedelta(seconds=body.offset_seconds))
    if body.advance_seconds is not None:
        state.clock.advance(body.advance_seconds)
    return _clock_view(state)


@router.get("/clock")
def get_clock(state: State) -> dict[str, Any]:
    return _clock_view(state)


def _clock_view(state: BackendState) -> dict[str, Any]:
    return {
        "now": iso_z(state.clock.now()),
        "offset_seconds": state.clock.offset.total_seconds(),
    }
