"""A small cache of server state (tasks, last known timer, attendance), each with its fetch time.

It lets the tray show the last known truth at start-up and while offline, labelled by age.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime
from typing import Any

from offline_queue.codec import dumps, loads
from offline_queue.connection import Connections
from offline_queue.models import CachedValue
from offline_queue.timeutil import Clock, from_db, to_db


class StateCache:
    def __init__(self, conns: Connections, clock: Clock) -> None:
        self._conns = conns
        self._clock = clock

    def put(self, key: str, value: Any, fetched_at: datetime | None = None) -> CachedValue:
        """Replace the value under ``key``; ``fetched_at`` defaults to now."""
        if not key:
            raise ValueError("key must be a non-empty string")
        body = dumps(value, "cached value")
        at = to_db(fetched_at if fetched_at is not None else self._clock())
        self._conns.write(
            lambda c: c.execute(
                "INSERT INTO cache (key, value, fetched_at) VALUES (?, ?, ?)"
                " ON CONFLICT(key) DO UPDATE SET value = excluded.value,"
                " fetched_at = excluded.fetched_at",
                (key, body, at),
            )
        )
        return CachedValue(key=key, value=loads(body), fetched_at=from_db(at))

    def get(self, key: str) -> CachedValue | None:
        def tx(conn: sqlite3.Connection) -> tuple[str, str] | None:
            row = conn.execute("SELECT value, fetched_at FROM cache WHERE key = ?", (key,))
            return row.fetchone()  # type: ignore[no-any-return]

        row = self._conns.read(tx)
        if row is None:
            return None
        return CachedValue(key=key, value=loads(row[0]), fetched_at=from_db(row[1]))

    def delete(self, key: str) -> bool:
        n = self._conns.write(
            lambda c: c.execute("DELETE FROM cache WHERE key = ?", (key,)).rowcount
        )
        return bool(n)
