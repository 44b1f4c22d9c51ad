"""Tasks: the list and detail views, the task-state rule of the timer and manual logs (§2.3),
and the task operations that touch a running timer."""

from __future__ import annotations

import sqlite3
import uuid
from typing import Annotated, Any, Literal, get_args

from fastapi import APIRouter, Query
from pydantic import BaseModel

from tests.backend.auth import CurrentUser, State, User
from tests.backend.clock import iso_micros, to_micros
from tests.backend.errors import ApiError
from tests.backend.sessions import live_session, stop_session

router = APIRouter()

TaskStatus = Literal[
    "created", "approved", "in_progress", "blocked", "completed", "reviewed", "reopened", "archived"
]
TASK_STATUSES: tuple[str, ...] = get_args(TaskStatus)

SEE_EVERYTHING = {"admin", "hr_operations"}
NO_ASSIGNMENT_CHECK = {"admin", "hr_operations", "team_lead"}
ACTIVE_PROJECT_STATUSES = {"approved", "active"}

_TASK_QUERY = (
    "SELECT t.*, p.title AS project_title, p.status AS project_status,"
    " a.full_name AS assigned_to_name, a.role AS assigned_to_role,"
    " c.full_name AS created_by_name, cb.full_name AS completed_by_name"
    " FROM tasks t LEFT JOIN projects p ON p.id = t.project_id"
    " LEFT JOIN users a ON a.id = t.assigned_to LEFT JOIN users c ON c.id = t.created_by"
    " LEFT JOIN users cb ON cb.id = t.completed_by"
)


def _task_row(conn: sqlite3.Connection, task_id: str) -> sqlite3.Row | None:
    row: sqlite3.Row | None = conn.execute(_TASK_QUERY + " WHERE t.id = ?", (task_id,)).fetchone()
    return row


def _reports(conn: sqlite3.Connection, manager_id: str) -> list[str]:
    rows = conn.execute("SELECT id FROM users WHERE manager_id = ?", (manager_id,)).fetchall()
    return [r["id"] for r in rows]


def in_scope(conn: sqlite3.Connection, user: CurrentUser, task: sqlite3.Row) -> bool:
    if user.role in SEE_EVERYTHING:
        return True
    if user.role == "manager":
        return task["assigned_to"] in {user.id, *_reports(conn, user.id)} or (
            task["created_by"] == user.id
        )
    return user.id in (task["assigned_to"], task["created_by"])


def task_view(
    row: sqlite3.Row, flags: tuple[bool, bool, bool] = (False, False, False)
) -> dict[str, Any]:
    can_complete, can_update_status, can_start_timer = flags
    return {
        "id": row["id"],
        "project_id": row["project_id"],
        "project_title": row["project_title"],
        "assigned_to": row["assigned_to"],
        "assigned_to_name": row["assigned_to_name"],
        "assigned_to_role": row["assigned_to_role"],
        "created_by": row["created_by"],
        "created_by_name": row["created_by_name"],
        "title": row["title"],
        "description": row["description"],
        "parent_id": None,
        "complexity_level": row["complexity_level"],
        "expected_duration_minutes": row["expected_duration_minutes"],
        "actual_duration_minutes": row["actual_duration_minutes"],
        "priority": row["priority"],
        "status": row["status"],
        "blocked_reason": row["blocked_reason"],
        "due_date": row["due_date"],
        "completed_at": iso_micros(row["completed_at"]),
        "completed_by": row["completed_by"],
        "completed_by_name": row["completed_by_name"],
        "created_at": iso_micros(row["created_at"]),
        "updated_at": iso_micros(row["updated_at"]),
        "pending_completion_request": None,
        "can_complete": can_complete,
        "can_update_status": can_update_status,
        "can_start_timer": can_start_timer,
    }


def _detail_flags(user: CurrentUser, task: sqlite3.Row) -> tuple[bool, bool, bool]:
    """The detail view's flags, including the real server's quirk: ``can_start_timer`` is true
    for blocked tasks and false for reviewed/archived ones, the opposite of its actual rule."""
    mine = task["assigned_to"] == user.id
    open_status = task["status"] not in ("completed", "reviewed", "archived")
    return (mine and open_status, mine, mine and open_status)


def check_task_for_time(
    conn: sqlite3.Connection, user: CurrentUser, task_id: str, *, manual: bool
) -> sqlite3.Row:
    """The rule ``TaskTimerService._validate_task`` applies to timer starts and manual logs."""
    task = _task_row(conn, task_id)
    if task is None:
        raise ApiError(404, "Task not found")
    if user.role not in NO_ASSIGNMENT_CHECK and task["assigned_to"] != user.id:
        if user.role == "manager":
            raise ApiError(403, "You can only start timers for tasks assigned to you.")
        raise ApiError(403, "You can only log time on tasks assigned to you")
    if task["status"] in ("blocked", "completed"):
        raise ApiError(400, f"Cannot start timer on a {task['status']} task")
    if manual and task["project_status"] not in ACTIVE_PROJECT_STATUSES:
        raise ApiError(400, "Task project is not approved or active")
    return task


@router.get("/tasks")
def list_tasks(
    user: User,
    state: State,
    project_id: uuid.UUID | None = None,
    assigned_to: uuid.UUID | None = None,
    status: Annotated[TaskStatus | None, Query()] = None,
    include_archived: bool = False,
) -> list[dict[str, Any]]:
    with state.db.transaction() as conn:
        rows = conn.execute(_TASK_QUERY + " ORDER BY t.created_at DESC, t.rowid DESC").fetchall()
        visible = [r for r in rows if in_scope(conn, user, r)]
    show_archived = include_archived and user.role in SEE_EVERYTHING
    result = []
    for row in visible:
        if row["status"] == "archived" and not show_archived:
            continue
        if project_id is not None and row["project_id"] != str(project_id):
            continue
        if assigned_to is not None and row["assigned_to"] != str(assigned_to):
            continue
        if status is not None and row["status"] != status:
            continue
        result.append(task_view(row))
    return result


def _visible_task(conn: sqlite3.Connection, user: CurrentUser, task_id: uuid.UUID) -> sqlite3.Row:
    task = _task_row(conn, str(task_id))
    if task is None:
        raise ApiError(404, "Task not found")
    if not in_scope(conn, user, task):
        raise ApiError(403, "Access denied")
    return task


@router.get("/tasks/{task_id}")
def get_task(task_id: uuid.UUID, user: User, state: State) -> dict[str, Any]:
    with state.db.transaction() as conn:
        task = _visible_task(conn, user, task_id)
    return task_view(task, _detail_flags(user, task))


class TaskPatch(BaseModel):
    status: TaskStatus | None = None
    blocked_reason: str | None = None


def set_status(
    conn: sqlite3.Connection, task_id: str, status: str, now: int, by: str | None = None
) -> None:
    completed = status == "completed"
    conn.execute(
        "UPDATE tasks SET status = ?, updated_at = ?,"
        " completed_at = CASE WHEN ? THEN ? ELSE completed_at END,"
        " completed_by = CASE WHEN ? THEN ? ELSE completed_by END WHERE id = ?",
        (status, now, completed, now, completed, by, task_id),
    )


@router.patch("/tasks/{task_id}")
def patch_task(task_id: uuid.UUID, body: TaskPatch, user: User, state: State) -> dict[str, Any]:
    now = to_micros(state.clock.now())
    with state.db.transaction() as conn:
        task = _visible_task(conn, user, task_id)
        if body.status is not None:
            if body.status == "completed":
                live = live_session(conn, user.id)
                if live is not None and live["task_id"] == task["id"]:
                    raise ApiError(400, "Stop the timer before marking this task complete")
            set_status(conn, task["id"], body.status, now, user.id)
        if body.blocked_reason is not None:
            conn.execute(
                "UPDATE tasks SET blocked_reason = ?, updated_at = ? WHERE id = ?",
                (body.blocked_reason, now, task["id"]),
            )
        updated = _task_row(conn, task["id"])
        assert updated is not None
    return task_view(updated, _detail_flags(user, updated))


@router.post("/tasks/{task_id}/complete")
def complete_task(task_id: uuid.UUID, user: User, state: State) -> dict[str, Any]:
    """Completing a task stops the caller's own timer on it first (a log with no notes)."""
    now = to_micros(state.clock.now())
    with state.db.transaction() as conn:
        task = _visible_task(conn, user, task_id)
        if task["status"] == "completed":
            raise ApiError(400, "Task is already completed")
        live = live_session(conn, user.id)
        if live is not None and live["task_id"] == task["id"]:
            stop_session(conn, live, None, now)
        set_status(conn, task["id"], "completed", now, user.id)
        updated = _task_row(conn, task["id"])
        assert updated is not None
    return task_view(updated, _detail_flags(user, updated))
