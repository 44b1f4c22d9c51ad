"""What a collaborator of the core may use: a small explicit context instead of the whole core.

Each part (the Syncer, the drain, the poll loop, the local effects) gets exactly these and
nothing else, so none of them can reach into another's state. All callables run on the worker
thread except ``enqueue`` and ``clock``, which any thread may use.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from app.core.clock import Clock
from app.core.snapshot import Notice
from app.core.worker import Worker
from offline_queue import OutboxItem, Store


@dataclass(frozen=True)
class CoreContext:
    store: Store
    clock: Clock
    worker: Worker
    # Feed the Tracker what the store holds now, publish the snapshot and its notices.
    publish: Callable[[], None]
    # Tell the user something once (a notification).
    notify: Callable[[Notice], None]
    # Queue a command durably, recorded under the account in use.
    enqueue: Callable[[str, dict[str, Any]], OutboxItem]
