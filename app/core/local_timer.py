"""The timer measured on this computer: segments in the store plus a small description.

A timer the server does not know about (started offline, or whose start the server never got)
is measured here as segments of running time; a pause closes a segment, a resume opens one.
When it is stopped each segment becomes a queued manual entry, so pauses are left out and
nothing depends on the server being able to backdate anything.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta
from typing import Any

from app.api.timeutil import to_wire
from app.core import commands
from app.core.rules import LocalTimer, local_timer_from
from offline_queue import Store
from offline_queue.errors import DuplicateItemError

logger = logging.getLogger(__name__)

META_KEY = "local_timer"
_NS = uuid.UUID("6f1c3d0e-6a8f-4c5e-9a43-0d2b7c1e5a11")


def load(store: Store) -> tuple[dict[str, Any] | None, LocalTimer | None]:
    cached = store.cache_get(META_KEY)
    meta = cached.value if cached is not None and isinstance(cached.value, dict) else None
    if not meta:
        return None, None
    if meta.get("stopped"):
        return meta, None
    return meta, local_timer_from(meta, store.segments(meta.get("task_id")))


def save_meta(store: Store, meta: dict[str, Any] | None) -> None:
    store.cache_put(META_KEY, meta)


def begin(
    store: Store,
    task_id: str,
    task_title: str,
    project_title: str | None,
    at: datetime,
    start_item: str | None,
) -> dict[str, Any]:
    meta: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "task_id": task_id,
        "task_title": task_title,
        "project_title": project_title,
        "started_at": to_wire(at),
        "start_item": start_item,
        "pause_reason": None,
    }
    save_meta(store, meta)
    store.open_segment(task_id, at, {"timer_id": meta["id"]})
    return meta


def _open_segments(store: Store, meta: dict[str, Any]) -> list[Any]:
    return [s for s in store.open_segments() if (s.meta or {}).get("timer_id") == meta["id"]]


def pause(store: Store, meta: dict[str, Any], at: datetime, reason: str) -> bool:
    """Close the running segment; False if it was not running."""
    running = _open_segments(store, meta)
    for seg in running:
        store.close_segment(seg.id, max(at, seg.started_at))
    meta = dict(meta, pause_reason=reason)
    save_meta(store, meta)
    return bool(running)


def resume(store: Store, meta: dict[str, Any], at: datetime) -> bool:
    if _open_segments(store, meta):
        return False
    store.open_segment(str(meta["task_id"]), at, {"timer_id": meta["id"]})
    save_meta(store, dict(meta, pause_reason=None))
    return True


def rebase(store: Store, meta: dict[str, Any], true_end: datetime, now: datetime) -> None:
    """After a wall-clock jump: end the running segment where it really ended on the old clock
    and go on from ``now`` on the new one, so the jump is neither added nor lost."""
    for seg in _open_segments(store, meta):
        store.close_segment(seg.id, max(true_end, seg.started_at))
        store.open_segment(str(meta["task_id"]), now, {"timer_id": meta["id"]})


def mark_stopped(
    store: Store, meta: dict[str, Any], at: datetime, notes: str | None, item_id: str | None = None
) -> dict[str, Any]:
    """Close the running stretch at ``at``; ``item_id`` (the stop command) makes a repeat after
    a crash recognisable as the same stop."""
    for seg in _open_segments(store, meta):
        store.close_segment(seg.id, max(at, seg.started_at))
    meta = dict(meta, stopped={"at": to_wire(at), "notes": notes, "item": item_id})
    save_meta(store, meta)
    return meta


def finalize(store: Store, meta: dict[str, Any], now: datetime) -> list[str]:
    """Turn a stopped local timer into queued manual entries, one per running stretch.

    Item ids derive from the segment ids, so repeating this after a crash halfway enqueues
    nothing twice.
    """
    stopped = meta.get("stopped") or {}
    notes = commands.offline_notes(stopped.get("notes"))
    segs = [
        s
        for s in store.segments(meta.get("task_id"))
        if (s.meta or {}).get("timer_id") == meta["id"]
    ]
    ids: list[str] = []
    for seg in sorted(segs, key=lambda s: s.started_at):
        start = seg.started_at.replace(microsecond=0)
        end = (seg.ended_at or now).replace(microsecond=0)
        if end - start < timedelta(seconds=1):
            continue
        item_id = str(uuid.uuid5(_NS, seg.id))
        payload = commands.manual_payload(
            str(meta["task_id"]), start, end, notes, now, offline_timer=True
        )
        payload["task_title"] = meta.get("task_title") or ""
        try:
            store.enqueue(commands.MANUAL, payload, item_id=item_id)
        except DuplicateItemError:
            logger.info("manual entry for segment %s was already queued", seg.id)
        ids.append(item_id)
    store.delete_segments([s.id for s in segs])
    save_meta(store, None)
    return ids


def drop(store: Store, meta: dict[str, Any]) -> None:
    segs = [
        s
        for s in store.segments(meta.get("task_id"))
        if (s.meta or {}).get("timer_id") == meta["id"]
    ]
    store.delete_segments([s.id for s in segs])
    save_meta(store, None)
