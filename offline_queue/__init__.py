"""offline_queue: a durable local store for a client that must work offline.

No Qt, no HTTP: an outbox of commands for a server (drained once, in order), a journal of
locally measured timer segments, and a cache of server state, in one SQLite file that several
threads and processes may share. Start with :meth:`Store.open`.
"""

from offline_queue.errors import (
    DuplicateItemError,
    InvalidStateError,
    ItemNotFoundError,
    LeaseLostError,
    StoreBusyError,
    StoreClosedError,
    StoreCorruptError,
    StoreError,
    StoreFullError,
    StoreVersionError,
)
from offline_queue.models import (
    DONE,
    IN_FLIGHT,
    PARKED,
    PENDING,
    STATES,
    CachedValue,
    Completion,
    CorruptStoreReset,
    ItemState,
    OutboxCounts,
    OutboxItem,
    Segment,
    StoreEvent,
)
from offline_queue.schema import SCHEMA_VERSION
from offline_queue.store import Store
from offline_queue.timeutil import utc_now

__all__ = [
    "DONE",
    "IN_FLIGHT",
    "PARKED",
    "PENDING",
    "SCHEMA_VERSION",
    "STATES",
    "CachedValue",
    "Completion",
    "CorruptStoreReset",
    "DuplicateItemError",
    "InvalidStateError",
    "ItemNotFoundError",
    "ItemState",
    "LeaseLostError",
    "OutboxCounts",
    "OutboxItem",
    "Segment",
    "Store",
    "StoreBusyError",
    "StoreClosedError",
    "StoreCorruptError",
    "StoreError",
    "StoreEvent",
    "StoreFullError",
    "StoreVersionError",
    "utc_now",
]
