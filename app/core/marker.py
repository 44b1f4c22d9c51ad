"""The record that *we* paused a server timer automatically, kept in the store's cache so that
it survives a restart (the server only says ``manual_pause`` for a pause the client sends)."""

from __future__ import annotations

from app.core.rules import AutoMarker
from offline_queue import Store

MARKER_KEY = "auto_pause"


def load(store: Store) -> AutoMarker | None:
    cached = store.cache_get(MARKER_KEY)
    value = cached.value if cached is not None else None
    if isinstance(value, dict) and value.get("timer_id"):
        return AutoMarker(str(value["timer_id"]), str(value["reason"]))
    return None


def save(store: Store, marker: AutoMarker | None) -> None:
    store.cache_put(
        MARKER_KEY, {"timer_id": marker.timer_id, "reason": marker.reason} if marker else None
    )
