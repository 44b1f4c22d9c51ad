"""The user's notifications: where the auto-checkout notice shows up."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from tests.backend.auth import State, User
from tests.backend.clock import iso_micros

router = APIRouter()


@router.get("/notifications")
def notifications(
    user: User, state: State, limit: Annotated[int, Query(ge=1, le=200)] = 50
) -> list[dict[str, Any]]:
    with state.db.transaction() as conn:
        rows = conn.execute(
            "SELECT * FROM notifications WHERE user_id = ? ORDER BY created_at DESC LIMIT ?",
            (user.id, limit),
        ).fetchall()
    return [
        {
            "id": r["id"],
            "user_id": r["user_id"],
            "title": r["title"],
            "message": r["message"],
            "notification_type": r["notification_type"],
            "related_entity_type": r["related_entity_type"],
            "related_entity_id": r["related_entity_id"],
            "is_read": bool(r["is_read"]),
            "created_at": iso_micros(r["created_at"]),
        }
        for r in rows
    ]


@router.get("/notifications/unread-count")
def unread_count(user: User, state: State) -> dict[str, int]:
    with state.db.transaction() as conn:
        row = conn.execute(
            "SELECT COUNT(*) AS n FROM notifications WHERE user_id = ? AND is_read = 0", (user.id,)
        ).fetchone()
    return {"unread_count": row["n"]}
