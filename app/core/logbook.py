"""Time logs: the server's (a cached copy with its fetch time), plus manual entries still
waiting in the outbox (one reader of those, for both the Today total and the logs view).

``GET /time-logs/me`` has no pagination: it returns the person's whole history (1.4 MB for
2,800 logs). So it is fetched only when something can have changed it since the last copy (a
stop or manual entry this computer synced, a new local day, the logs window opened, an
unknown outcome to check), and the copy lives in the store, so every process (tray, CLI) and
every start reuses it. Logs the server returned to this computer's own commands since the
copy are in the outbox's done items, so they count at once without a fetch.
"""

from __future__ import annotations

import contextlib
import logging
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from app.api import ApiClient, errors, models
from app.api.timeutil import parse_datetime, to_wire
from app.core import commands, records
from app.core.clock import Clock
from app.core.facade import LogEntry, LogState, LogsView
from app.core.tracker import Tracker
from offline_queue import Store

logger = logging.getLogger(__name__)

LOGS_KEY = "time_logs"  # the last copy of GET /time-logs/me, as records.log_dict rows
LOGS_META_KEY = "time_logs_meta"  # small: whose copy, when fetched, a version stamp
# Commands whose success adds a log on the server; their done items carry that log.
LOG_KINDS = (commands.STOP, commands.MANUAL)


@dataclass(frozen=True)
class QueuedEntry:
    """A manual entry in the outbox, read once."""

    task_id: str
    task_title: str | None
    started_at: datetime
    ended_at: datetime
    notes: str | None
    parked: bool = False


def queued_entries(store: Store, states: Iterable[str]) -> list[QueuedEntry]:
    out: list[QueuedEntry] = []
    for item in store.items(tuple(states)):
        if item.kind != commands.MANUAL:
            continue
        payload = item.payload
        start = parse_datetime(payload.get("started_at"))
        end = parse_datetime(payload.get("ended_at"))
        if start is None or end is None:
            continue
        title = payload.get("task_title")
        out.append(
            QueuedEntry(
                task_id=str(payload.get("task_id")),
                task_title=str(title) if title else None,
                started_at=start,
                ended_at=end,
                notes=payload.get("notes"),
                parked=item.state == "parked",
            )
        )
    return out


@dataclass(frozen=True)
class LogCopy:
    """The server's logs as last fetched (plus those synced from here since), and when."""

    logs: tuple[models.TimeLog, ...]
    fetched_at: datetime
    stale: bool  # this computer synced a stop or manual entry since the fetch


def local_day_start(now: datetime) -> datetime:
    return now.astimezone().replace(hour=0, minute=0, second=0, microsecond=0)


class Logbook:
    def __init__(
        self,
        store: Store,
        clock: Clock,
        tracker: Tracker,
        api: Callable[[], ApiClient | None],
        account: Callable[[], tuple[str | None, str | None]],
    ) -> None:
        self._store = store
        self._clock = clock
        self._tracker = tracker
        self._api = api
        self._account = account
        self._parsed: tuple[str, tuple[models.TimeLog, ...]] | None = None  # (version, logs)

    # ---- the copy --------------------------------------------------------------------------
    def fetch(self) -> list[models.TimeLog]:
        """The server's logs now, kept as the new copy. Raises ApiError."""
        api = self._api()
        if api is None or not api.signed_in:
            raise errors.SignInNeeded("Please sign in first.")
        logs = api.my_logs()
        server, email = self._account()
        version = secrets.token_hex(8)
        self._store.cache_put(LOGS_KEY, [records.log_dict(log) for log in logs])
        self._store.cache_put(
            LOGS_META_KEY,
            {
                "server": server,
                "email": email,
                "fetched_at": to_wire(self._clock.now()),
                "version": version,
            },
        )
        self._parsed = (version, tuple(logs))
        return logs

    def copy(self) -> LogCopy | None:
        """The cached copy for the account in use (None: none, or another account's)."""
        meta = self._store.cache_get(LOGS_META_KEY)
        if meta is None or not isinstance(meta.value, dict):
            return None
        value = meta.value
        if (value.get("server"), value.get("email")) != self._account():
            return None
        fetched_at = parse_datetime(value.get("fetched_at"))
        version = str(value.get("version"))
        if fetched_at is None:
            return None
        if self._parsed is None or self._parsed[0] != version:
            # Another process (or an earlier run) fetched it: parse once per version.
            raw = self._store.cache_get(LOGS_KEY)
            logs: list[models.TimeLog] = []
            if raw is not None and isinstance(raw.value, list):
                for row in raw.value:
                    with contextlib.suppress(models.ModelError, ValueError, TypeError):
                        logs.append(models.TimeLog.from_json(row))
            self._parsed = (version, tuple(logs))
        known = {log.id for log in self._parsed[1]}
        synced = [log for log in self._synced_since(fetched_at) if log.id not in known]
        return LogCopy(self._parsed[1] + tuple(synced), fetched_at, stale=bool(synced))

    def _synced_since(self, since: datetime) -> list[models.TimeLog]:
        """Logs the server returned to this computer's stops and manual entries after
        ``since`` (the outbox keeps each done item's answer)."""
        out: list[models.TimeLog] = []
        for item in self._store.items(("done",)):
            if item.kind not in LOG_KINDS or item.updated_at < since or not item.result:
                continue
            if "id" not in item.result or "started_at" not in item.result:
                continue  # e.g. {"already": ...}: the copy will tell
            with contextlib.suppress(models.ModelError, ValueError, TypeError):
                out.append(models.TimeLog.from_json(item.result))
        return out

    def needs_fetch(self, copy: LogCopy | None = None) -> bool:
        copy = copy if copy is not None else self.copy()
        if copy is None or copy.stale:
            return True
        return copy.fetched_at < local_day_start(self._clock.now())

    # ---- today's total ---------------------------------------------------------------------
    def update_today(self, *, fetch: bool = True) -> None:
        """Today's logged total (server logs and queued entries) for the tray, from the copy;
        the copy is fetched again first only when something can have changed it (``fetch``).
        Unknown (None) while there is no copy from today. Raises ApiError when a needed
        fetch fails (the total from the copy is set first)."""
        copy = self.copy()
        failure: errors.ApiError | None = None
        if fetch and self.needs_fetch(copy):
            try:
                self.fetch()
                copy = self.copy()
            except errors.ApiError as exc:
                failure = exc
        self._tracker.set_logged(*self._totals(copy))
        if failure is not None:
            raise failure

    def _totals(self, copy: LogCopy | None) -> tuple[float | None, float | None]:
        """Logged since today's and since Monday's local midnight: the copy's server logs plus
        the entries queued here. Unknown (None) while there is no copy from today."""
        today = local_day_start(self._clock.now())
        if copy is None or copy.fetched_at < today:
            return None, None
        monday = today - timedelta(days=today.weekday())
        totals = [0.0, 0.0]
        spans = [(log.started_at, log.duration_minutes * 60.0) for log in copy.logs]
        spans += [
            (entry.started_at, (entry.ended_at - entry.started_at).total_seconds())
            for entry in queued_entries(self._store, ("pending", "in_flight"))
        ]
        for started_at, seconds in spans:
            if started_at >= monday:
                totals[1] += seconds
                if started_at >= today:
                    totals[0] += seconds
        return totals[0], totals[1]

    # ---- the logs view ---------------------------------------------------------------------
    def logs(self, since: datetime) -> LogsView:
        """The logs window opened (or refreshed): fetch; when that fails, the copy and its age."""
        out: list[LogEntry] = []
        complete = False
        note: str | None = None
        why = ""
        try:
            self.fetch()
            complete = True
        except errors.ApiError as exc:
            logger.info("could not fetch logs: %s", exc.user_message)
            why = exc.user_message
        copy = self.copy()
        if not complete:
            note = self._incomplete_note(copy, why)
        if copy is not None:
            for log in copy.logs:
                if log.started_at >= since and log.ended_at is not None:
                    out.append(self._server_entry(log))
        for entry in queued_entries(self._store, ("pending", "in_flight", "parked")):
            if entry.started_at < since:
                continue
            state: LogState = "parked" if entry.parked else "waiting"
            out.append(
                LogEntry(
                    task_id=entry.task_id,
                    task_title=entry.task_title or self._tracker.task_title(entry.task_id),
                    started_at=entry.started_at,
                    ended_at=entry.ended_at,
                    duration_minutes=int((entry.ended_at - entry.started_at).total_seconds() // 60),
                    notes=entry.notes,
                    source="manual",
                    pending=True,
                    project_title=task.project_title
                    if (task := self._tracker.task(entry.task_id))
                    else None,
                    state=state,
                )
            )
        out.sort(key=lambda entry: entry.started_at, reverse=True)
        self._tracker.set_logged(*self._totals(copy))
        return LogsView(out, complete, copy.fetched_at if copy else None, note)

    def _server_entry(self, log: models.TimeLog) -> LogEntry:
        assert log.ended_at is not None
        return LogEntry(
            task_id=log.task_id,
            task_title=log.task_title,
            started_at=log.started_at,
            ended_at=log.ended_at,
            duration_minutes=log.duration_minutes,
            notes=log.notes,
            source="manual" if log.source_type == "manual" else "timer",
            pending=False,
            project_title=log.project_title,
            state="synced",
        )

    def _incomplete_note(self, copy: LogCopy | None, why: str) -> str:
        if copy is None:
            return (
                "Could not load the server's entries: the list shows only what is saved here. "
                f"({why})"
            )
        local = copy.fetched_at.astimezone()
        now = self._clock.now().astimezone()
        when = f"{local:%H:%M}" if local.date() == now.date() else f"{local:%Y-%m-%d %H:%M}"
        if now - local > timedelta(days=6):
            when = f"{local:%Y-%m-%d}"
        return f"Offline: server entries as of {when}. ({why})"
