"""The schema, its version and forward migrations.

The version lives in ``PRAGMA user_version``, which is part of the transaction, so a migration
and its version bump commit together or not at all. Migrations run inside the caller's
``BEGIN IMMEDIATE``: two processes opening an old file at once migrate it exactly once.
A file from a newer version is refused, never "migrated" backwards.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable
from typing import TYPE_CHECKING

from offline_queue.errors import StoreVersionError

if TYPE_CHECKING:
    # Imported for real only in migrate(), past the "already current" return: every open of an
    # up-to-date file (each tray start, each CLI call) skips the library's ~3-5 MiB of RSS.
    import sqlite_utils

log = logging.getLogger(__name__)

# "TtQ1": marks the file as ours, so we never migrate some other program's database.
APPLICATION_ID = 0x54745131

Migration = Callable[["sqlite_utils.Database"], None]


def _v1(db: sqlite_utils.Database) -> None:
    db.table("outbox").create(
        {
            "seq": int,
            "id": str,
            "kind": str,
            "payload": str,
            "state": str,
            "attempts": int,
            "last_error": str,
            "last_status": int,
            "not_before": str,
            "created_at": str,
            "updated_at": str,
            "maybe_sent": int,
            "server_id": str,
            "result": str,
            "owner": str,
            "lease_until": str,
            "done_at": str,
        },
        pk="seq",
        not_null={"id", "kind", "payload", "state", "attempts", "created_at", "updated_at"},
        defaults={"attempts": 0, "maybe_sent": 0},
    )
    db.table("outbox").create_index(["id"], index_name="outbox_id", unique=True)
    # The claim path asks for "first item in state X by seq": one index seek, however many
    # pending or done items there are.
    db.table("outbox").create_index(["state", "seq"], index_name="outbox_state_seq")
    db.table("segments").create(
        {
            "id": str,
            "task_id": str,
            "started_at": str,
            "ended_at": str,
            "last_heartbeat": str,
            "recovered": int,
            "meta": str,
            "created_at": str,
        },
        pk="id",
        not_null={"task_id", "started_at", "last_heartbeat", "recovered", "meta", "created_at"},
        defaults={"recovered": 0, "meta": "{}"},
    )
    db.table("segments").create_index(["task_id", "started_at"], index_name="segments_task")
    db.table("cache").create(
        {"key": str, "value": str, "fetched_at": str},
        pk="key",
        not_null={"value", "fetched_at"},
    )


MIGRATIONS: tuple[tuple[int, Migration], ...] = ((1, _v1),)
SCHEMA_VERSION = MIGRATIONS[-1][0]


def current_version(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def migrate(conn: sqlite3.Connection) -> int:
    """Bring the file up to :data:`SCHEMA_VERSION`; call inside a write transaction."""
    app_id = int(conn.execute("PRAGMA application_id").fetchone()[0])
    version = current_version(conn)
    if app_id not in (0, APPLICATION_ID):
        raise StoreVersionError(
            "This file belongs to another program (application id "
            f"{app_id:#x}); it was left untouched."
        )
    if version > SCHEMA_VERSION:
        raise StoreVersionError(
            f"The local queue file was written by a newer Timetray (schema {version}, this "
            f"version knows {SCHEMA_VERSION}); it was left untouched. Update Timetray."
        )
    if version == SCHEMA_VERSION:
        return version
    import sqlite_utils  # deferred on purpose, see the TYPE_CHECKING import

    db = sqlite_utils.Database(conn, recursive_triggers=False, execute_plugins=False)
    for target, step in MIGRATIONS:
        if target > version:
            log.info("migrating local queue schema %d -> %d", version, target)
            step(db)
            conn.execute(f"PRAGMA user_version={int(target)}")
            version = target
    conn.execute(f"PRAGMA application_id={APPLICATION_ID}")
    return version
