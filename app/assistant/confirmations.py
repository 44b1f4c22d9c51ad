"""Writes waiting for the person's approval: single use, short lived.

An assistant may ask for a change, but only the person may let it happen. A prepared write is
kept here under a random id; ``confirm`` takes it out exactly once, and not after
:data:`TTL_SECONDS`, so an approval given long ago (or replayed by a confused model) cannot
act on a situation that has moved on. The clock is injected so expiry is tested without
waiting.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Generic, TypeVar

TTL_SECONDS = 120.0

T = TypeVar("T")


class ConfirmationError(LookupError):
    """The id is unknown, already used or expired; the message is for the person."""


@dataclass(frozen=True)
class Pending(Generic[T]):
    id: str
    action: T
    expires_at: datetime


class Confirmations(Generic[T]):
    def __init__(self, now: Callable[[], datetime], ttl_seconds: float = TTL_SECONDS) -> None:
        self._now = now
        self._ttl = timedelta(seconds=ttl_seconds)
        self._lock = threading.Lock()
        self._items: dict[str, Pending[T]] = {}
        self._spent: dict[str, str] = {}  # id -> why it can no longer be used

    def add(self, action: T) -> Pending[T]:
        with self._lock:
            self._forget_expired()
            item = Pending(secrets.token_urlsafe(9), action, self._now() + self._ttl)
            self._items[item.id] = item
            return item

    def take(self, confirmation_id: str) -> T:
        """The action, removed for good; ConfirmationError when it cannot run."""
        with self._lock:
            self._forget_expired()
            item = self._items.pop(confirmation_id, None)
            if item is None:
                why = self._spent.get(confirmation_id, "is unknown")
                raise ConfirmationError(
                    f"Confirmation {confirmation_id} {why}; nothing was changed. "
                    "Ask for the change again and let the person approve the new one."
                )
            self._spent[confirmation_id] = "was already used"
            return item.action

    def drop(self, confirmation_id: str, why: str) -> None:
        with self._lock:
            if self._items.pop(confirmation_id, None) is not None:
                self._spent[confirmation_id] = why

    def _forget_expired(self) -> None:
        now = self._now()
        for key in [k for k, item in self._items.items() if item.expires_at <= now]:
            del self._items[key]
            self._spent[key] = f"expired (approvals last {int(self._ttl.total_seconds())} s)"
