"""The outbox's rows: mapping them to items, and the lookups several operations share.

Kept apart from :mod:`offline_queue.outbox` so that module reads as the queue's rules
(claim, lease, retry, park) while the SQL details of finding "the head" live here.
Every function runs inside a transaction its caller opened.
"""

from __future__ import annotations

import logging
import sqlite3
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

from offline_queue.codec import dumps_object, loads
from offline_queue.errors import InvalidStateError, ItemNotFoundError, LeaseLostError
from offline_queue.models import DONE, IN_FLIGHT, PENDING, Completion, OutboxItem
from offline_queue.timeutil import from_db, opt_from_db

log = logging.getLogger(__name__)

COLUMNS = (
    "id, seq, kind, payload, state, attempts, last_error, last_status, not_before, created_at, "
    "updated_at, maybe_sent, server_id, result, owner, lease_until, done_at"
)
SELECT = f"SELECT {COLUMNS} FROM outbox"

Row = tuple[Any, ...]


def row_to_item(row: Row) -> OutboxItem:
    return OutboxItem(
        id=row[0],
        seq=row[1],
        kind=row[2],
        payload=loads(row[3]),
        state=row[4],
        attempts=row[5],
        last_error=row[6],
        last_status=row[7],
        not_before=opt_from_db(row[8]),
        created_at=from_db(row[9]),
        updated_at=from_db(row[10]),
        maybe_sent=bool(row[11]),
        server_id=row[12],
        result=None if row[13] is None else loads(row[13]),
        owner=row[14],
        lease_until=opt_from_db(row[15]),
        done_at=opt_from_db(row[16]),
    )


def normalise_id(item_id: str) -> str:
    """Client ids are UUIDs in the server's form (lowercase, hyphenated)."""
    try:
        return str(uuid.UUID(str(item_id)))
    except ValueError as exc:
        raise ValueError(f"item_id must be a UUID, got {item_id!r}") from exc


def fetch_item(conn: sqlite3.Connection, item_id: str) -> OutboxItem:
    row = conn.execute(f"{SELECT} WHERE id = ?", (item_id,)).fetchone()
    if row is None:
        raise ItemNotFoundError(item_id)
    return row_to_item(row)


def head(conn: sqlite3.Connection) -> OutboxItem | None:
    """The first active item by seq, when no lease is live (expired in-flight or pending).

    Two indexed seeks rather than one ``state IN (...)`` query, which would sort every
    pending item to find the first.
    """
    rows = [
        conn.execute(f"{SELECT} WHERE state = ? ORDER BY seq LIMIT 1", (state,)).fetchone()
        for state in (IN_FLIGHT, PENDING)
    ]
    found = [row_to_item(r) for r in rows if r is not None]
    return min(found, key=lambda i: i.seq, default=None)


def accepted_head(
    conn: sqlite3.Connection, accept: Callable[[OutboxItem], bool]
) -> OutboxItem | None:
    """Like :func:`head`, but the first active item ``accept`` takes; refused ones are
    stepped over one indexed seek at a time (they are few: items of a signed-out account)."""
    after = -1
    while True:
        rows = [
            conn.execute(
                f"{SELECT} WHERE state = ? AND seq > ? ORDER BY seq LIMIT 1", (state, after)
            ).fetchone()
            for state in (IN_FLIGHT, PENDING)
        ]
        found = [row_to_item(r) for r in rows if r is not None]
        item = min(found, key=lambda i: i.seq, default=None)
        if item is None or accept(item):
            return item
        after = item.seq


def is_waiting(item: OutboxItem, now: datetime) -> bool:
    """A pending head whose retry time has not come yet (it holds back the whole queue)."""
    return item.state == PENDING and item.not_before is not None and item.not_before > now


def check_owner(item: OutboxItem, owner: str | None, action: str) -> None:
    if owner is not None and item.state == IN_FLIGHT and item.owner != owner:
        raise LeaseLostError(item.id, item.owner, action)


def select_items(conn: sqlite3.Connection, states: tuple[str, ...] | None) -> list[OutboxItem]:
    """Items in queue (FIFO) order; ``states`` None: all of them."""
    if states is None:
        return [row_to_item(r) for r in conn.execute(f"{SELECT} ORDER BY seq")]
    marks = ", ".join("?" * len(states))
    sql = f"{SELECT} WHERE state IN ({marks}) ORDER BY seq"
    return [row_to_item(r) for r in conn.execute(sql, states)]


def complete_in(conn: sqlite3.Connection, done: Completion, now_s: str) -> OutboxItem:
    """Mark an item done; shared by ``complete`` and a claim that completes the previous item
    in its own transaction. Completing a done item again changes nothing."""
    item = fetch_item(conn, done.item_id)
    if item.state == DONE:
        return item
    if item.state not in (IN_FLIGHT, PENDING):
        raise InvalidStateError(item.id, item.state, "complete")
    if done.owner is not None and item.owner not in (None, done.owner):
        log.warning(
            "outbox item %s completed by %s under %s's lease", item.id, done.owner, item.owner
        )
    result_s = None if done.result is None else dumps_object(done.result, "result")
    conn.execute(
        "UPDATE outbox SET state = ?, server_id = ?, result = ?, done_at = ?, owner = NULL,"
        " lease_until = NULL, not_before = NULL, updated_at = ? WHERE seq = ?",
        (DONE, done.server_id, result_s, now_s, now_s, item.seq),
    )
    return fetch_item(conn, item.id)
