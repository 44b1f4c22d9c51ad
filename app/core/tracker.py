"""The Tracker: the single owner of what the server said and what waits to reach it.

It knows three things: what the server last said (polled timer and attendance, corrected for
the clock offset), what is still on its way to the server (the outbox, applied on top in order,
so a pause pressed offline shows as paused at once), and the timer measured on this computer
while offline (segments in the store). From those, plus the sign-in and connection status it
reads from their owners, it builds the one immutable :class:`~app.core.snapshot.Snapshot`
everybody else reads, and it decides the automatic pause and resume (:mod:`app.core.rules`).
It does no I/O; the Syncer and the Publisher feed it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import timedelta

from app.api import models
from app.core.rules import (
    AutoAction,
    AutoMarker,
    LocalTimer,
    PendingCommand,
    apply_pending,
    attendance_view,
    decide_auto,
    local_timer_view,
    server_timer_view,
    task_view,
)
from app.core.snapshot import AttendanceView, AwayPending, Snapshot, SyncView, TimerView
from app.core.status import AccountStatus, Connection

logger = logging.getLogger(__name__)


@dataclass
class _TrackedState:
    server_timer: models.TimerSession | None = None
    offset: timedelta = timedelta(0)
    attendance: models.AttendanceSession | None = None
    attendance_known: bool = False
    pending: tuple[PendingCommand, ...] = ()
    parked: int = 0
    local: LocalTimer | None = None
    marker: AutoMarker | None = None
    tasks: tuple[models.Task, ...] = ()
    manual_refused: frozenset[str] = frozenset()
    today_logged_seconds: float | None = None
    week_logged_seconds: float | None = None


class Tracker:
    """Owns the state above; every change goes through one of its methods.

    Mutators are called on the worker thread; :meth:`snapshot` may be called from any thread
    (it returns the last published immutable snapshot).
    """

    def __init__(
        self,
        *,
        auto_resume: bool = True,
        account: Callable[[], AccountStatus] = AccountStatus,
        connection: Callable[[], Connection] = Connection,
        away: Callable[[], tuple[AwayPending | None, tuple[str, ...]]] = lambda: (None, ()),
    ) -> None:
        self._lock = threading.RLock()
        self._state = _TrackedState()
        self._account = account
        self._connection = connection
        self._away = away
        self.auto_resume = auto_resume
        self._snapshot = Snapshot()
        self._revision = 0

    # ---- reading -------------------------------------------------------------------------
    def snapshot(self) -> Snapshot:
        return self._snapshot

    @property
    def server_timer(self) -> models.TimerSession | None:
        return self._state.server_timer

    @property
    def local_timer(self) -> LocalTimer | None:
        return self._state.local

    @property
    def marker(self) -> AutoMarker | None:
        return self._state.marker

    @property
    def offset(self) -> timedelta:
        return self._state.offset

    @property
    def tasks(self) -> tuple[models.Task, ...]:
        return self._state.tasks

    def task_title(self, task_id: str) -> str:
        task = self.task(task_id)
        return task.title if task is not None else ""

    def task(self, task_id: str) -> models.Task | None:
        for task in self._state.tasks:
            if task.id == task_id:
                return task
        return None

    def effective(self) -> tuple[TimerView | None, AttendanceView]:
        state = self._state
        timer: TimerView | None = None
        if state.local is not None:
            timer = local_timer_view(state.local)
        elif state.server_timer is not None:
            timer = server_timer_view(state.server_timer, state.offset, state.marker)
        att = attendance_view(state.attendance, state.attendance_known, state.offset)
        return apply_pending(timer, att, state.pending, online=self._connection().online)

    def decide(self) -> AutoAction | None:
        with self._lock:
            timer, att = self.effective()
            return decide_auto(timer, att, auto_resume=self.auto_resume)

    # ---- changing ------------------------------------------------------------------------
    def set_server_state(
        self,
        timer: models.TimerSession | None,
        attendance: models.AttendanceSession | None,
        offset: timedelta,
    ) -> None:
        """A full poll: both halves read together, so automatic decisions may follow."""
        with self._lock:
            self._state.server_timer = timer
            self._state.attendance = attendance
            self._state.attendance_known = True
            self._state.offset = offset
            self._prune_marker()

    def set_server_timer(self, timer: models.TimerSession | None) -> None:
        with self._lock:
            self._state.server_timer = timer
            self._prune_marker()

    def set_outbox(self, pending: Sequence[PendingCommand], parked: int) -> None:
        with self._lock:
            self._state.pending = tuple(pending)
            self._state.parked = parked

    def set_local(self, local: LocalTimer | None) -> None:
        with self._lock:
            self._state.local = local

    def set_marker(self, marker: AutoMarker | None) -> None:
        with self._lock:
            self._state.marker = marker

    def set_tasks(self, tasks: Iterable[models.Task]) -> None:
        with self._lock:
            self._state.tasks = tuple(tasks)

    def set_manual_refused(self, project_ids: frozenset[str]) -> None:
        with self._lock:
            self._state.manual_refused = project_ids

    def set_logged(self, today: float | None, week: float | None) -> None:
        with self._lock:
            self._state.today_logged_seconds = today
            self._state.week_logged_seconds = week

    def _prune_marker(self) -> None:
        marker, timer = self._state.marker, self._state.server_timer
        if marker is None or marker.timer_id.startswith("local:"):
            return
        if timer is None or timer.id != marker.timer_id or timer.status == "running":
            self._state.marker = None

    def publish(self) -> tuple[Snapshot, Snapshot]:
        """Build the snapshot from the current state; returns (previous, new)."""
        with self._lock:
            state = self._state
            account = self._account()
            connection = self._connection()
            away, unavailable = self._away()
            timer, att = self.effective()
            sync = SyncView(
                online=connection.online,
                pending=len(state.pending),
                parked=state.parked,
                last_error=connection.last_error,
                last_success_at=connection.last_success_at,
                next_retry_at=connection.next_retry_at,
            )
            candidate = Snapshot(
                signed_in=account.signed_in,
                user_name=account.user_name,
                email=account.email,
                server_url=account.server_url,
                timer=timer,
                attendance=att,
                sync=sync,
                tasks=tuple(task_view(t, state.manual_refused) for t in state.tasks),
                today_logged_seconds=state.today_logged_seconds,
                week_logged_seconds=state.week_logged_seconds,
                away=away,
                away_unavailable=unavailable,
                revision=self._revision,
            )
            prev = self._snapshot
            if candidate != prev:
                self._revision += 1
                candidate = replace(candidate, revision=self._revision)
                self._snapshot = candidate
            return prev, self._snapshot
