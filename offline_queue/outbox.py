"""The outbox: commands for the server, drained strictly in order, one at a time.

States: ``pending`` -> (claim) ``in_flight`` -> ``done`` | back to ``pending`` (retry later) |
``parked`` (permanent failure, waits for the user). Order is ``seq``, assigned at enqueue and
never changed, so an unparked item goes back to its original place.

Claim rules (all decided inside one BEGIN IMMEDIATE, so they hold across processes):

* a live lease on any in-flight item blocks everyone else: the server is not safe against
  parallel timer calls, so the queue drains serially even with the tray and the CLI both open;
  the lease holder itself gets its item back (a restarted worker resumes it);
* otherwise the head (lowest ``seq`` among pending items and in-flight items whose lease
  expired) is handed out only if due: a head waiting for its retry time holds back the items
  behind it (strict FIFO), while parked and done items are skipped and block nothing;
* an expired lease is taken over with ``maybe_sent`` kept, so a send that may have reached the
  server is checked there before it is repeated.
"""

from __future__ import annotations

import logging
import sqlite3
import uuid
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from offline_queue.codec import dumps_object, loads
from offline_queue.connection import Connections
from offline_queue.errors import DuplicateItemError, InvalidStateError
from offline_queue.models import (
    IN_FLIGHT,
    PARKED,
    PENDING,
    STATES,
    Completion,
    OutboxCounts,
    OutboxItem,
)
from offline_queue.outbox_sql import (
    COLUMNS,
    SELECT,
    Row,
    accepted_head,
    check_owner,
    complete_in,
    fetch_item,
    head,
    is_waiting,
    normalise_id,
    row_to_item,
    select_items,
)
from offline_queue.timeutil import Clock, from_db, to_db

log = logging.getLogger(__name__)

__all__ = ["COLUMNS", "Outbox", "Row", "normalise_id", "row_to_item"]


class Outbox:
    def __init__(self, conns: Connections, clock: Clock) -> None:
        self._conns = conns
        self._clock = clock

    def _now(self) -> datetime:
        return self._clock()

    # -- adding ------------------------------------------------------------------------------

    def enqueue(
        self, kind: str, payload: dict[str, Any], *, item_id: str | None = None
    ) -> OutboxItem:
        """Store a command durably; returning means it survives a crash or power cut.

        Enqueueing the same ``item_id`` again with the same content returns the stored item
        (so a caller may safely repeat an enqueue whose outcome it did not see).
        """
        if not kind or not isinstance(kind, str):
            raise ValueError("kind must be a non-empty string")
        iid = normalise_id(item_id) if item_id is not None else str(uuid.uuid4())
        body = dumps_object(payload, "payload")
        stamp = to_db(self._now())
        created = from_db(stamp)

        def tx(conn: sqlite3.Connection) -> OutboxItem:
            cur = conn.execute(
                "INSERT INTO outbox (id, kind, payload, state, attempts, created_at, updated_at,"
                " maybe_sent) VALUES (?, ?, ?, 'pending', 0, ?, ?, 0)"
                " ON CONFLICT(id) DO NOTHING",
                (iid, kind, body, stamp, stamp),
            )
            if cur.rowcount == 0:
                existing = fetch_item(conn, iid)
                if existing.kind != kind or existing.payload != loads(body):
                    raise DuplicateItemError(iid)
                return existing
            seq = cur.lastrowid
            assert seq is not None
            return OutboxItem(
                id=iid,
                seq=seq,
                kind=kind,
                payload=loads(body),
                state=PENDING,
                attempts=0,
                last_error=None,
                last_status=None,
                not_before=None,
                created_at=created,
                updated_at=created,
                maybe_sent=False,
                server_id=None,
                result=None,
                owner=None,
            )

        return self._conns.write(tx)

    # -- draining ----------------------------------------------------------------------------

    def claim_next(
        self,
        owner: str,
        lease_seconds: float = 60,
        *,
        mark_sent: bool = False,
        accept: Callable[[OutboxItem], bool] | None = None,
        complete: Completion | None = None,
    ) -> OutboxItem | None:
        """Hand the head of the queue to ``owner`` for ``lease_seconds``, or None if none is due.

        ``complete`` first marks the caller's previous item done, in the same transaction, so a
        drain commits once per item instead of twice. A crash before that commit leaves the
        previous item in flight and maybe sent: the next owner checks the server before
        resending it, exactly as after a crash right after the send.

        ``mark_sent=True`` also sets ``maybe_sent`` in the same transaction, for a caller that
        sends right after claiming: one commit per item instead of two. The price is on the
        crash path only: a crash after the claim but before the request left makes the next
        owner check the server once (the item comes back ``maybe_sent``) for a send that never
        happened. It can never cause a duplicate, since the flag is set *before* the send.
        The returned item reports the ``maybe_sent`` it had before this claim, so the caller
        still knows whether an earlier attempt may have reached the server.

        ``accept`` lets the caller leave some items alone (e.g. another account's): a refused
        item stays pending, keeps its place and holds back nothing behind it. The lease rule
        is unchanged (a live lease held by another owner still blocks everyone).
        """
        if not owner:
            raise ValueError("owner must be a non-empty string")
        if lease_seconds <= 0:
            raise ValueError("lease_seconds must be positive")
        now = self._now()
        now_s = to_db(now)
        lease_s = to_db(now + timedelta(seconds=lease_seconds))

        def take(conn: sqlite3.Connection, item: OutboxItem) -> OutboxItem:
            conn.execute(
                "UPDATE outbox SET state = 'in_flight', owner = ?, lease_until = ?, updated_at = ?"
                + (", maybe_sent = 1" if mark_sent else "")
                + " WHERE seq = ?",
                (owner, lease_s, now_s, item.seq),
            )
            if item.state == IN_FLIGHT and item.owner != owner:
                log.warning(
                    "outbox item %s: lease of %s expired, taken over by %s (maybe_sent=%s)",
                    item.id,
                    item.owner,
                    owner,
                    item.maybe_sent,
                )
            return replace(
                item,
                state=IN_FLIGHT,
                owner=owner,
                lease_until=from_db(lease_s),
                updated_at=from_db(now_s),
            )

        def tx(conn: sqlite3.Connection) -> OutboxItem | None:
            if complete is not None:
                complete_in(conn, complete, now_s)
            live = conn.execute(
                f"{SELECT} WHERE state = 'in_flight' AND lease_until > ? ORDER BY seq LIMIT 1",
                (now_s,),
            ).fetchone()
            if live is not None:
                held = row_to_item(live)
                return take(conn, held) if held.owner == owner else None
            item = head(conn) if accept is None else accepted_head(conn, accept)
            if item is None or is_waiting(item, now):
                return None
            return take(conn, item)

        return self._conns.write(tx)

    def next_due_at(self) -> datetime | None:
        """When :meth:`claim_next` could next return something (None: the queue is empty).

        Lets a worker sleep until then instead of polling.
        """
        now = self._now()

        def tx(conn: sqlite3.Connection) -> datetime | None:
            live = conn.execute(
                "SELECT lease_until FROM outbox WHERE state = 'in_flight' AND lease_until > ?"
                " ORDER BY lease_until LIMIT 1",
                (to_db(now),),
            ).fetchone()
            if live is not None:
                return from_db(live[0])
            item = head(conn)
            if item is None:
                return None
            return item.not_before if is_waiting(item, now) and item.not_before else now

        return self._conns.read(tx)

    def _update(
        self,
        item_id: str,
        action: str,
        allowed: Iterable[str],
        change: Callable[[OutboxItem, str], dict[str, Any] | None],
        owner: str | None = None,
    ) -> OutboxItem:
        """Read-check-write one item atomically; ``change`` returns the columns to set."""
        allowed = tuple(allowed)
        now_s = to_db(self._now())

        def tx(conn: sqlite3.Connection) -> OutboxItem:
            item = fetch_item(conn, item_id)
            if item.state not in allowed:
                raise InvalidStateError(item.id, item.state, action)
            check_owner(item, owner, action)
            values = change(item, now_s)
            if values is None:  # nothing to do (an idempotent repeat)
                return item
            values["updated_at"] = now_s
            assignments = ", ".join(f"{col} = ?" for col in values)
            conn.execute(
                f"UPDATE outbox SET {assignments} WHERE seq = ?", (*values.values(), item.seq)
            )
            return fetch_item(conn, item.id)

        return self._conns.write(tx)

    def mark_sent(self, item_id: str, *, owner: str | None = None) -> OutboxItem:
        """Record, before sending, that the outcome may soon be unknown (crash recovery)."""
        return self._update(
            item_id, "mark as sent", (IN_FLIGHT,), lambda _i, _n: {"maybe_sent": 1}, owner
        )

    def complete(
        self,
        item_id: str,
        server_id: str | None = None,
        result: dict[str, Any] | None = None,
        *,
        owner: str | None = None,
    ) -> OutboxItem:
        """The server applied it. Completing a done item again changes nothing.

        ``owner`` is accepted but not enforced: if the server applied the command, the item
        is done whoever's lease it is under now.
        """
        completion = Completion(item_id, server_id, result, owner)
        now_s = to_db(self._now())
        return self._conns.write(lambda conn: complete_in(conn, completion, now_s))

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
        """A transient failure: back to pending, due at ``not_before``; ``attempts`` += 1.

        ``maybe_sent`` None keeps the flag (the outcome may still be unknown); False says the
        server certainly did not apply it (e.g. the connection was refused).
        """
        nb = to_db(not_before)

        def change(item: OutboxItem, _now: str) -> dict[str, Any]:
            values: dict[str, Any] = {
                "state": PENDING,
                "attempts": item.attempts + 1,
                "last_error": error,
                "last_status": status,
                "not_before": nb,
                "owner": None,
                "lease_until": None,
            }
            if maybe_sent is not None:
                values["maybe_sent"] = int(maybe_sent)
            return values

        return self._update(item_id, "retry", (IN_FLIGHT, PENDING), change, owner)

    def park(
        self, item_id: str, message: str, status: int | None = None, *, owner: str | None = None
    ) -> OutboxItem:
        """A permanent failure: keep it, with the server's words, out of the queue's way."""

        def change(item: OutboxItem, _now: str) -> dict[str, Any]:
            return {
                "state": PARKED,
                "last_error": message,
                "last_status": status,
                "owner": None,
                "lease_until": None,
                "not_before": None,
            }

        return self._update(item_id, "park", (PENDING, IN_FLIGHT, PARKED), change, owner)

    # -- the user's side ---------------------------------------------------------------------

    def edit(self, item_id: str, payload: dict[str, Any]) -> OutboxItem:
        """Fix a parked item's payload (it stays parked until :meth:`unpark`)."""
        body = dumps_object(payload, "payload")
        return self._update(item_id, "edit", (PARKED,), lambda _i, _n: {"payload": body})

    def unpark(self, item_id: str) -> OutboxItem:
        """Parked -> pending, due now, in its original place in the queue."""
        return self._update(
            item_id, "retry", (PARKED,), lambda _i, _n: {"state": PENDING, "not_before": None}
        )

    def discard(self, item_id: str) -> OutboxItem:
        """Delete a parked or pending item for good; returns what was removed."""

        def tx(conn: sqlite3.Connection) -> OutboxItem:
            item = fetch_item(conn, item_id)
            if item.state not in (PARKED, PENDING):
                raise InvalidStateError(item.id, item.state, "discard")
            conn.execute("DELETE FROM outbox WHERE seq = ?", (item.seq,))
            return item

        removed = self._conns.write(tx)
        log.info("outbox item %s (%s) discarded", removed.id, removed.kind)
        return removed

    # -- reading -----------------------------------------------------------------------------

    def get(self, item_id: str) -> OutboxItem | None:
        def tx(conn: sqlite3.Connection) -> OutboxItem | None:
            row = conn.execute(f"{SELECT} WHERE id = ?", (item_id,)).fetchone()
            return None if row is None else row_to_item(row)

        return self._conns.read(tx)

    def items(self, states: Iterable[str] | None = None) -> list[OutboxItem]:
        """Items in queue (FIFO) order, optionally only those in ``states``."""
        wanted = None if states is None else tuple(dict.fromkeys(states))
        unknown = set(wanted or ()) - set(STATES)
        if unknown:
            raise ValueError(f"unknown states: {sorted(unknown)}")
        if wanted == ():
            return []
        return self._conns.read(lambda c: select_items(c, wanted))

    def counts(self) -> OutboxCounts:
        rows = self._conns.read(
            lambda c: c.execute("SELECT state, count(*) FROM outbox GROUP BY state").fetchall()
        )
        counts = OutboxCounts(dict.fromkeys(STATES, 0))
        counts.update({state: n for state, n in rows})
        return counts

    def purge_done(self, older_than_days: float) -> int:
        """Forget done items finished more than ``older_than_days`` ago; returns how many."""
        if older_than_days < 0:
            raise ValueError("older_than_days must be >= 0")
        cutoff = to_db(self._now() - timedelta(days=older_than_days))
        n = self._conns.write(
            lambda c: (
                c.execute(
                    "DELETE FROM outbox WHERE state = 'done' AND done_at <= ?", (cutoff,)
                ).rowcount
            )
        )
        if n:
            log.info("purged %d done outbox items", n)
        return int(n)
