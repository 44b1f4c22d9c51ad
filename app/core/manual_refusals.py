"""Projects whose tasks the server refuses manual entries for, learnt from its refusals.

The task list carries no project status (contract §2.1), yet ``POST /time-logs/manual`` on a
task of an on-hold project is always refused with "Task project is not approved or active" (a
timer start on the same task is accepted). So the refusal itself is the only source: a parked
manual entry with that message teaches its project, kept in the store's cache so that every
process (the tray, a CLI run) knows it, and the task view marks those tasks. A project can be
made active again and nothing would say so, hence the memory fades after :data:`REMEMBER_FOR`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from app.api.timeutil import parse_datetime, to_wire
from app.core import commands
from offline_queue import OutboxItem, Store

logger = logging.getLogger(__name__)

CACHE_KEY = "manual_refused_projects"
PROJECT_REFUSAL = "Task project is not approved or active"
MANUAL_REASON = "manual entries refused: project not approved or active"
REMEMBER_FOR = timedelta(days=1)


def _stored(store: Store) -> dict[str, str]:
    cached = store.cache_get(CACHE_KEY)
    if cached is None or not isinstance(cached.value, dict):
        return {}
    return {str(k): str(v) for k, v in cached.value.items()}


def refused_projects(store: Store, now: datetime) -> frozenset[str]:
    """Project ids refused within :data:`REMEMBER_FOR` of ``now``."""
    out: set[str] = set()
    for project_id, when in _stored(store).items():
        at = parse_datetime(when)
        if at is not None and now - at < REMEMBER_FOR:
            out.add(project_id)
    return frozenset(out)


def learn(
    store: Store, parked: Iterable[OutboxItem], project_of: Callable[[str], str | None]
) -> None:
    """Remember the project of every parked manual entry the server refused for its
    project's status (at the time of the refusal), once."""
    known = _stored(store)
    changed = False
    for item in parked:
        if item.kind != commands.MANUAL or PROJECT_REFUSAL not in (item.last_error or ""):
            continue
        project_id = project_of(str(item.payload.get("task_id") or ""))
        if project_id is None:
            continue
        when = to_wire(item.updated_at)
        if known.get(project_id, "") < when:
            known[project_id] = when
            changed = True
            logger.info("manual entries refused for project %s", project_id)
    if changed:
        store.cache_put(CACHE_KEY, known)
