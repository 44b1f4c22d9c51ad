"""The immutable values the store hands out. Callers never see rows or connections."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Final, Literal

ItemState = Literal["pending", "in_flight", "parked", "done"]
PENDING: Final = "pending"
IN_FLIGHT: Final = "in_flight"
PARKED: Final = "parked"
DONE: Final = "done"
STATES: Final[tuple[str, ...]] = (PENDING, IN_FLIGHT, PARKED, DONE)


class OutboxCounts(dict[str, int]):
    """Items per state (every state present), plus the one sum everybody needs."""

    @property
    def unsent(self) -> int:
        """Still to reach the server: pending, or claimed and not yet confirmed."""
        return self.get(PENDING, 0) + self.get(IN_FLIGHT, 0)


@dataclass(frozen=True, slots=True)
class Completion:
    """ "The server applied this item": what :meth:`Store.complete` records, as a value, so a
    drain can hand it to the next :meth:`Store.claim_next` and commit both at once."""

    item_id: str
    server_id: str | None = None
    result: dict[str, Any] | None = None
    owner: str | None = None


@dataclass(frozen=True, slots=True)
class OutboxItem:
    """One command waiting for (or done with) the server.

    ``maybe_sent`` is True once a send was attempted whose outcome may be unknown (set by
    ``mark_sent``); whoever claims such an item must ask the server before sending it again.
    """

    id: str
    seq: int
    kind: str
    payload: dict[str, Any]
    state: str
    attempts: int
    last_error: str | None
    last_status: int | None
    not_before: datetime | None
    created_at: datetime
    updated_at: datetime
    maybe_sent: bool
    server_id: str | None
    result: dict[str, Any] | None
    owner: str | None
    lease_until: datetime | None = None
    done_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Segment:
    """A stretch of work measured on this machine; ``ended_at`` is None while it runs."""

    id: str
    task_id: str
    started_at: datetime
    ended_at: datetime | None
    last_heartbeat: datetime
    meta: dict[str, Any] = field(default_factory=dict)
    recovered: bool = False  # True: the end was inferred from the last heartbeat after a crash

    @property
    def is_open(self) -> bool:
        return self.ended_at is None

    def duration(self, now: datetime | None = None) -> timedelta:
        """Length so far; an open segment runs up to ``now`` (or its last heartbeat)."""
        end = self.ended_at or now or self.last_heartbeat
        return max(timedelta(0), end - self.started_at)


@dataclass(frozen=True, slots=True)
class CachedValue:
    """A piece of server state and when it was fetched, so callers can judge its staleness."""

    key: str
    value: Any
    fetched_at: datetime

    def age(self, now: datetime) -> timedelta:
        return now - self.fetched_at


@dataclass(frozen=True, slots=True)
class StoreEvent:
    """Something that happened while opening the store that the user should hear about."""

    at: datetime


@dataclass(frozen=True, slots=True)
class CorruptStoreReset(StoreEvent):
    """The file could not be used; it was moved to ``moved_to`` and a fresh store started.

    Whatever was queued in it has not been synced; the moved file is kept for a human to rescue.
    """

    path: Path
    moved_to: Path
    reason: str
    moved_files: tuple[Path, ...] = ()

    @property
    def message(self) -> str:
        return (
            "The local queue file was damaged and has been set aside as "
            f"{self.moved_to.name}; a new one was started. Entries not yet synced before the "
            f"damage may be missing. ({self.reason})"
        )
