"""The journal of timer segments measured on this machine (used while the server is out of reach).

An open segment is touched by :meth:`SegmentJournal.heartbeat` every few seconds. If the
process dies, nobody closes it; on the next start :meth:`recover_open_segments` closes it at its
last heartbeat, so the crash-time end is known to within one heartbeat interval and no minute
after the crash is counted.
"""

from __future__ import annotations

import logging
import sqlite3
import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from offline_queue.codec import dumps_object, loads
from offline_queue.connection import Connections
from offline_queue.errors import InvalidStateError, ItemNotFoundError
from offline_queue.models import Segment
from offline_queue.timeutil import Clock, from_db, opt_from_db, to_db

log = logging.getLogger(__name__)

_SELECT = "SELECT id, task_id, started_at, ended_at, last_heartbeat, meta, recovered FROM segments"


def _row(row: tuple[Any, ...]) -> Segment:
    return Segment(
        id=row[0],
        task_id=row[1],
        started_at=from_db(row[2]),
        ended_at=opt_from_db(row[3]),
        last_heartbeat=from_db(row[4]),
        meta=loads(row[5]),
        recovered=bool(row[6]),
    )


def _fetch(conn: sqlite3.Connection, segment_id: str) -> Segment:
    row = conn.execute(f"{_SELECT} WHERE id = ?", (segment_id,)).fetchone()
    if row is None:
        raise ItemNotFoundError(segment_id, "segment")
    return _row(row)


class SegmentJournal:
    def __init__(self, conns: Connections, clock: Clock) -> None:
        self._conns = conns
        self._clock = clock

    def open_segment(
        self, task_id: str, started_at: datetime, meta: dict[str, Any] | None = None
    ) -> Segment:
        if not task_id:
            raise ValueError("task_id must be a non-empty string")
        start_s = to_db(started_at)
        meta_s = dumps_object(meta or {}, "meta")
        # The first heartbeat is "now", but never before the start: a recovered end must not
        # precede its start.
        beat = max(self._clock(), started_at)
        beat_s = to_db(beat)
        seg_id = str(uuid.uuid4())
        self._conns.write(
            lambda c: c.execute(
                "INSERT INTO segments (id, task_id, started_at, ended_at, last_heartbeat,"
                " recovered, meta, created_at) VALUES (?, ?, ?, NULL, ?, 0, ?, ?)",
                (seg_id, task_id, start_s, beat_s, meta_s, to_db(self._clock())),
            )
        )
        return Segment(
            id=seg_id,
            task_id=task_id,
            started_at=from_db(start_s),
            ended_at=None,
            last_heartbeat=from_db(beat_s),
            meta=loads(meta_s),
        )

    def heartbeat(self, now: datetime | None = None) -> int:
        """Record that every open segment is still running at ``now``; returns how many."""
        beat_s = to_db(now if now is not None else self._clock())
        n = self._conns.write(
            lambda c: (
                c.execute(
                    "UPDATE segments SET last_heartbeat = max(last_heartbeat, ?)"
                    " WHERE ended_at IS NULL",
                    (beat_s,),
                ).rowcount
            )
        )
        return int(n)

    def close_segment(self, segment_id: str, ended_at: datetime) -> Segment:
        """Close an open segment; closing it again at the same time is harmless."""
        end_s = to_db(ended_at)

        def tx(conn: sqlite3.Connection) -> Segment:
            seg = _fetch(conn, segment_id)
            if seg.ended_at is not None:
                if to_db(seg.ended_at) == end_s:
                    return seg
                raise InvalidStateError(segment_id, "closed", "close")
            if ended_at < seg.started_at:
                raise ValueError("a segment cannot end before it started")
            conn.execute(
                "UPDATE segments SET ended_at = ?, last_heartbeat = max(last_heartbeat, ?)"
                " WHERE id = ?",
                (end_s, end_s, segment_id),
            )
            return _fetch(conn, segment_id)

        return self._conns.write(tx)

    def open_segments(self) -> list[Segment]:
        return self.segments(closed=False)

    def segments(self, task_id: str | None = None, closed: bool | None = None) -> list[Segment]:
        """Segments in start order, optionally of one task and/or only open or closed ones."""
        where: list[str] = []
        args: list[Any] = []
        if task_id is not None:
            where.append("task_id = ?")
            args.append(task_id)
        if closed is not None:
            where.append("ended_at IS NOT NULL" if closed else "ended_at IS NULL")
        sql = _SELECT + (" WHERE " + " AND ".join(where) if where else "")
        sql += " ORDER BY started_at, created_at"
        return self._conns.read(lambda c: [_row(r) for r in c.execute(sql, args)])

    def delete_segments(self, ids: Iterable[str]) -> int:
        wanted = list(dict.fromkeys(ids))
        if not wanted:
            return 0

        def tx(conn: sqlite3.Connection) -> int:
            return sum(
                conn.execute("DELETE FROM segments WHERE id = ?", (i,)).rowcount for i in wanted
            )

        return self._conns.write(tx)

    def recover_open_segments(self, stale_after: float | None = None) -> list[Segment]:
        """Close segments left open by a crash at their last heartbeat.

        ``stale_after`` (seconds) limits this to segments whose last heartbeat is older than
        that, so a second process (the CLI) cannot cut short a segment the running tray is
        still heartbeating. None closes every open segment: call it at start-up of the one
        process that measures time.
        """
        now = self._clock()

        def tx(conn: sqlite3.Connection) -> list[Segment]:
            sql = f"{_SELECT} WHERE ended_at IS NULL"
            args: tuple[str, ...] = ()
            if stale_after is not None:
                sql += " AND last_heartbeat < ?"
                args = (to_db(now - timedelta(seconds=stale_after)),)
            found = [_row(r) for r in conn.execute(sql, args).fetchall()]
            for seg in found:
                conn.execute(
                    "UPDATE segments SET ended_at = last_heartbeat, recovered = 1 WHERE id = ?",
                    (seg.id,),
                )
            return [_fetch(conn, seg.id) for seg in found]

        recovered = self._conns.write(tx)
        for seg in recovered:
            log.warning(
                "recovered timer segment %s of task %s left open by a crash; ended at %s",
                seg.id,
                seg.task_id,
                seg.ended_at,
            )
        return recovered
