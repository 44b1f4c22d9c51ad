"""The store: one SQLite file holding the outbox, the segment journal and the state cache.

A thin facade over :mod:`offline_queue.outbox`, :mod:`offline_queue.segments` and
:mod:`offline_queue.cache`; it owns opening (checks, reset of a damaged file, migrations),
retention and closing. It is safe to use from several threads and several processes at once;
see :mod:`offline_queue.connection` for how, and for the durability guarantees.
"""

from __future__ import annotations

import logging
import os
import sqlite3
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from offline_queue.cache import StateCache
from offline_queue.connection import RETRY_DEADLINE_S, Connections, busy_timeout_ms, retry_busy
from offline_queue.errors import StoreCorruptError, StoreError
from offline_queue.models import (
    CachedValue,
    Completion,
    OutboxCounts,
    OutboxItem,
    Segment,
    StoreEvent,
)
from offline_queue.outbox import Outbox
from offline_queue.paths import DEFAULT_APP_NAME, resolve_store_path
from offline_queue.recovery import Unusable, probe, set_aside
from offline_queue.schema import migrate
from offline_queue.segments import SegmentJournal
from offline_queue.timeutil import Clock, to_db, utc_now

log = logging.getLogger(__name__)

PURGE_INTERVAL = timedelta(hours=1)


class Store:
    """Use :meth:`open`; the constructor is internal."""

    def __init__(
        self,
        path: Path,
        conns: Connections,
        clock: Clock,
        retention_days: float,
        events: list[StoreEvent],
        schema_version: int,
    ) -> None:
        self.path = path
        self.retention_days = retention_days
        self.schema_version = schema_version
        self._conns = conns
        self._clock = clock
        self._events = events
        self._outbox = Outbox(conns, clock)
        self._segments = SegmentJournal(conns, clock)
        self._cache = StateCache(conns, clock)
        self._last_purge: datetime | None = None

    # -- lifecycle ---------------------------------------------------------------------------

    @classmethod
    def open(
        cls,
        path_or_dir: str | os.PathLike[str] | None = None,
        *,
        clock: Clock = utc_now,
        retention_days: float = 7,
        app_name: str = DEFAULT_APP_NAME,
        busy_deadline: float = RETRY_DEADLINE_S,
    ) -> Self:
        """Open (creating or migrating) the store file.

        ``path_or_dir`` is the file, a directory to put it in, or None for the user data dir.
        A damaged or unreadable file is set aside and a fresh store started; the returned
        store's :attr:`events` then holds a :class:`CorruptStoreReset` to show the user.
        """
        if retention_days < 0:
            raise ValueError("retention_days must be >= 0")
        to_db(clock())  # fail early on a clock that returns naive times
        try:
            path = resolve_store_path(path_or_dir, app_name)
        except OSError as exc:
            raise StoreError(f"Cannot create the folder for the local queue ({exc}).") from exc
        events: list[StoreEvent] = []
        conn = cls._checked_connection(path, clock, events, busy_deadline)
        conns = Connections(path, deadline_s=busy_deadline)
        conns.adopt(conn)
        try:
            version = conns.write(migrate)
            store = cls(path, conns, clock, retention_days, events, version)
            store.purge_done()
        except BaseException:
            conns.close()
            raise
        log.info("local queue open: %s (schema %d)", path, version)
        return store

    @staticmethod
    def _checked_connection(
        path: Path, clock: Clock, events: list[StoreEvent], deadline: float
    ) -> sqlite3.Connection:
        busy_ms = busy_timeout_ms(deadline)
        try:
            return retry_busy(lambda: probe(path, busy_ms), path=path, deadline_s=deadline)
        except Unusable as bad:
            try:
                events.append(set_aside(path, bad, clock()))
            except OSError as exc:
                bad.release()
                raise StoreCorruptError(
                    f"The local queue file {path} is unusable ({bad.reason}) and could not be "
                    f"moved aside ({exc.strerror or exc})."
                ) from exc
        try:
            return retry_busy(lambda: probe(path, busy_ms), path=path, deadline_s=deadline)
        except Unusable as again:
            again.release()
            raise StoreCorruptError(
                f"Cannot start a new local queue file at {path} ({again.reason})."
            ) from again

    @property
    def events(self) -> list[StoreEvent]:
        """What happened while opening (e.g. a reset of a damaged file), oldest first."""
        return list(self._events)

    @property
    def closed(self) -> bool:
        return self._conns.closed

    def close(self) -> None:
        """Close every connection; safe to call twice. Later calls raise StoreClosedError."""
        if not self._conns.closed:
            self._conns.close()
            log.debug("local queue closed: %s", self.path)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Store({str(self.path)!r}, closed={self.closed})"

    # -- outbox ------------------------------------------------------------------------------

    def enqueue(
        self, kind: str, payload: dict[str, Any], *, item_id: str | None = None
    ) -> OutboxItem:
        return self._outbox.enqueue(kind, payload, item_id=item_id)

    def claim_next(
        self,
        owner: str,
        lease_seconds: float = 60,
        *,
        mark_sent: bool = False,
        accept: Callable[[OutboxItem], bool] | None = None,
        complete: Completion | None = None,
    ) -> OutboxItem | None:
        item = self._outbox.claim_next(
            owner, lease_seconds, mark_sent=mark_sent, accept=accept, complete=complete
        )
        if complete is not None:
            self._purge_if_due()
        return item

    def next_due_at(self) -> datetime | None:
        return self._outbox.next_due_at()

    def mark_sent(self, item_id: str, *, owner: str | None = None) -> OutboxItem:
        return self._outbox.mark_sent(item_id, owner=owner)

    def complete(
        self,
        item_id: str,
        server_id: str | None = None,
        result: dict[str, Any] | None = None,
        *,
        owner: str | None = None,
    ) -> OutboxItem:
        item = self._outbox.complete(item_id, server_id, result, owner=owner)
        self._purge_if_due()
        return item

    def retry_later(
        self,
        item_id: str,
        error: str,
        not_before: datetime,
        *,
        status: int | None = None,
        maybe_sent: bool | None = None,
        owner: str | None = None,
    ) -> OutboxItem:
        return self._outbox.retry_later(
            item_id, error, not_before, status=status, maybe_sent=maybe_sent, owner=owner
        )

    def park(
        self, item_id: str, message: str, status: int | None = None, *, owner: str | None = None
    ) -> OutboxItem:
        return self._outbox.park(item_id, message, status, owner=owner)

    def edit(self, item_id: str, payload: dict[str, Any]) -> OutboxItem:
        return self._outbox.edit(item_id, payload)

    def unpark(self, item_id: str) -> OutboxItem:
        return self._outbox.unpark(item_id)

    def discard(self, item_id: str) -> OutboxItem:
        return self._outbox.discard(item_id)

    def get(self, item_id: str) -> OutboxItem | None:
        return self._outbox.get(item_id)

    def items(self, states: Iterable[str] | None = None) -> list[OutboxItem]:
        return self._outbox.items(states)

    def counts(self) -> OutboxCounts:
        return self._outbox.counts()

    def purge_done(self, older_than_days: float | None = None) -> int:
        """Forget done items older than ``older_than_days`` (default: the retention period)."""
        days = self.retention_days if older_than_days is None else older_than_days
        n = self._outbox.purge_done(days)
        self._last_purge = self._clock()
        return n

    def _purge_if_due(self) -> None:
        """Keep retention working in a tray that stays open for weeks, at most hourly."""
        if self._last_purge is None or self._clock() - self._last_purge >= PURGE_INTERVAL:
            try:
                self.purge_done()
            except StoreError:  # housekeeping only: the completion itself is already saved
                log.warning("purging done outbox items failed", exc_info=True)

    # -- timer segments ----------------------------------------------------------------------

    def open_segment(
        self, task_id: str, started_at: datetime, meta: dict[str, Any] | None = None
    ) -> Segment:
        return self._segments.open_segment(task_id, started_at, meta)

    def heartbeat(self, now: datetime | None = None) -> int:
        return self._segments.heartbeat(now)

    def close_segment(self, segment_id: str, ended_at: datetime) -> Segment:
        return self._segments.close_segment(segment_id, ended_at)

    def open_segments(self) -> list[Segment]:
        return self._segments.open_segments()

    def segments(self, task_id: str | None = None, closed: bool | None = None) -> list[Segment]:
        return self._segments.segments(task_id, closed)

    def delete_segments(self, ids: Iterable[str]) -> int:
        return self._segments.delete_segments(ids)

    def recover_open_segments(self, stale_after: float | None = None) -> list[Segment]:
        return self._segments.recover_open_segments(stale_after)

    # -- server state cache ------------------------------------------------------------------

    def cache_put(self, key: str, value: Any, fetched_at: datetime | None = None) -> CachedValue:
        return self._cache.put(key, value, fetched_at)

    def cache_get(self, key: str) -> CachedValue | None:
        return self._cache.get(key)

    def cache_delete(self, key: str) -> bool:
        return self._cache.delete(key)
