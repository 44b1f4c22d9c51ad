"""The Futures handed back by facade commands, keyed by the outbox item that will settle them.

Registered on the caller's thread, settled on the worker; a short lock guards the dict only
(nothing is ever done while holding it).
"""

from __future__ import annotations

import threading
from concurrent.futures import Future

from app.core.facade import CommandResult


class Waiters:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._futures: dict[str, Future[CommandResult]] = {}

    def add(self, item_id: str) -> Future[CommandResult]:
        fut: Future[CommandResult] = Future()
        with self._lock:
            self._futures[item_id] = fut
        return fut

    def ids(self) -> list[str]:
        with self._lock:
            return list(self._futures)

    def move(self, old_id: str, new_id: str) -> None:
        """The answer for ``old_id`` now comes from ``new_id`` (a local stop's last entry)."""
        with self._lock:
            fut = self._futures.pop(old_id, None)
            if fut is not None:
                self._futures[new_id] = fut

    def resolve(self, item_id: str, result: CommandResult) -> None:
        with self._lock:
            fut = self._futures.pop(item_id, None)
        if fut is not None and not fut.done():
            fut.set_result(result)

    def resolve_all(self, result: CommandResult) -> None:
        with self._lock:
            futures, self._futures = self._futures, {}
        for fut in futures.values():
            if not fut.done():
                fut.set_result(result)
