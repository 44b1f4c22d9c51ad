"""The one narrow door between a front end (tray or CLI) and the core.

Every method returns at once: work that touches the network runs on the Syncer's single worker
thread, and its outcome arrives through the returned Future. A command that must reach the
server is committed to the outbox *before* the method returns, so the Future completing with
``status="queued"`` still means "safe, will sync". The tray never blocks on a Future; it adds a
done-callback and marshals it to the GUI thread. The CLI may wait on ``result()``.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, Protocol

from app.core.snapshot import Notice, Snapshot

ResultStatus = Literal["done", "queued", "rejected", "sign_in_needed", "failed"]


@dataclass(frozen=True)
class CommandResult:
    """What became of one command.

    done: the server confirmed it. queued: stored locally, will sync (message says so).
    rejected: the server refused it with a 4xx; ``message`` is the server's text and the
    outbox item (``item_id``) is parked for edit/retry/discard. sign_in_needed: no valid
    session. failed: a local error (bad input, disk full); nothing was stored.
    """

    status: ResultStatus
    message: str = ""
    item_id: str | None = None
    data: dict[str, Any] = field(default_factory=dict)
    http_status: int | None = None

    @property
    def ok(self) -> bool:
        return self.status in ("done", "queued")


@dataclass(frozen=True)
class OutboxEntry:
    """An outbox item as the UI and CLI list it."""

    id: str
    kind: str
    state: str  # pending | in_flight | parked | done
    payload: dict[str, Any]
    attempts: int
    last_error: str | None
    created_at: datetime
    summary: str  # one human line, e.g. "Manual entry: Implement tray sync 10:00-10:45"


LogState = Literal["synced", "waiting", "parked"]


@dataclass(frozen=True)
class LogEntry:
    """A time log for the Today/This week views: from the server, or still waiting to sync."""

    task_id: str
    task_title: str
    started_at: datetime
    ended_at: datetime
    duration_minutes: int
    notes: str | None
    source: Literal["timer", "manual"]
    pending: bool  # True: local only, not yet on the server
    project_title: str | None = None
    # synced: on the server; waiting: saved here, will sync; parked: refused, needs the user
    state: LogState = "synced"


@dataclass(frozen=True)
class LogsView:
    """The answer of :meth:`CoreFacade.logs`: the entries, and how far to trust the list.

    ``complete`` is True only when the server's entries were fetched for this answer. Otherwise
    the server's entries shown are the copy fetched at ``fetched_at`` (None: there is none, the
    list holds only what is saved here) and ``note`` says so in one line for the user.
    """

    entries: list[LogEntry]
    complete: bool
    fetched_at: datetime | None
    note: str | None = None


class CoreFacade(Protocol):
    def snapshot(self) -> Snapshot: ...

    def subscribe(
        self, on_snapshot: Callable[[Snapshot], None], on_notice: Callable[[Notice], None]
    ) -> None:
        """Callbacks run on the worker thread; the Qt bridge re-emits them as queued signals."""

    # session
    def login(self, server_url: str, email: str, password: str) -> Future[CommandResult]: ...
    def logout(self) -> Future[CommandResult]: ...

    # timer
    def start(self, task_id: str) -> Future[CommandResult]: ...
    def pause(self) -> Future[CommandResult]: ...
    def resume(self) -> Future[CommandResult]: ...
    def stop(self, notes: str | None = None) -> Future[CommandResult]: ...
    def switch(self, task_id: str, notes: str | None = None) -> Future[CommandResult]: ...
    def log_manual(
        self, task_id: str, started_at: datetime, ended_at: datetime, notes: str | None
    ) -> Future[CommandResult]: ...

    # attendance
    def check_in(self, work_mode: str = "office") -> Future[CommandResult]: ...
    def check_out(
        self,
        early_reason: str | None = None,
        after_shift_reason: str | None = None,
        after_shift_note: str | None = None,
    ) -> Future[CommandResult]: ...
    def start_break(self, break_type: str, note: str | None = None) -> Future[CommandResult]: ...
    def end_break(self) -> Future[CommandResult]: ...

    # away time
    def answer_away(self, choice: str, task_id: str | None = None) -> Future[CommandResult]:
        """Answer the oldest away question (``snapshot().away``); ``choice`` is a value of
        ``app.away.commands.Choice``; ``task_id`` only with ``keep-as``."""

    def poll_soon(self) -> None:
        """The person is here (the menu opened): leave the quiet poll interval at once."""

    # sync and outbox
    def sync_now(self) -> Future[CommandResult]: ...
    def refresh_tasks(self) -> Future[CommandResult]: ...
    def outbox(self, include_done: bool = False) -> list[OutboxEntry]: ...
    def retry_parked(
        self, item_id: str, payload: dict[str, Any] | None = None
    ) -> Future[CommandResult]: ...
    def discard_parked(self, item_id: str) -> Future[CommandResult]: ...
    def logs(self, since: datetime) -> Future[LogsView]:
        """Entries started at or after ``since``, newest first: the server's (fetched now, or
        the cached copy when the server cannot be reached) plus those waiting or parked here."""

    # the machine's network, as the front end's OS source reports it
    def network_changed(self, reachable: bool | None) -> None:
        """True: up (poll now if the server was unreachable); False: down (no probing);
        None: no source (the core probes the server while it cannot reach it)."""

    def shutdown(self) -> None: ...
