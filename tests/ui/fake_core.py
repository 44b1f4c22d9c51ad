"""An in-memory CoreFacade for UI tests: the server's rules (contract sections 2-4) without a
network, a database or threads, so every menu action can be tested in milliseconds.

Futures complete at once unless ``hold`` is set, in which case they stay pending in ``held``
until the test releases them (to prove the UI never waits on one).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from app.core.facade import (
    CommandResult,
    CoreFacade,
    LogEntry,
    LogsView,
    OutboxEntry,
    ResultStatus,
)
from app.core.snapshot import (
    AttendanceView,
    Notice,
    Snapshot,
    SyncView,
    TaskView,
    TimerView,
)

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)

PROJECT = "Desktop Tray Client"
DEMO_TASKS = (
    ("01", "Write onboarding guide", "created", PROJECT),
    ("02", "Review API spec", "approved", PROJECT),
    ("03", "Implement tray sync", "in_progress", PROJECT),
    ("04", "Fix login bug", "blocked", PROJECT),
    ("05", "Ship v1.0", "completed", PROJECT),
    ("06", "Refactor queue", "reviewed", PROJECT),
    ("07", "Old migration", "archived", PROJECT),
    ("08", "Reopened crash", "reopened", PROJECT),
    ("09", "Task in on-hold project", "in_progress", "Paused Initiative"),
)


def task_id(nn: str) -> str:
    return f"60000000-0000-4000-8000-0000000000{nn}"


def demo_tasks(extra: int = 0) -> tuple[TaskView, ...]:
    tasks = []
    for i, (nn, title, status, project) in enumerate(DEMO_TASKS):
        startable = status not in ("blocked", "completed")
        reason = None if startable else f"Cannot start timer on a {status} task"
        tasks.append(
            TaskView(
                id=task_id(nn),
                title=title,
                project_title=project,
                status=status,
                startable=startable,
                reason=reason,
                updated_at=T0 - timedelta(hours=i),
            )
        )
    for i in range(extra):
        tasks.append(
            TaskView(
                id=str(uuid.UUID(int=1000 + i)),
                title=f"Extra task {i:02d}",
                project_title=PROJECT,
                status="approved",
                startable=True,
                reason=None,
                updated_at=T0 - timedelta(days=2, minutes=i),
            )
        )
    return tuple(tasks)


class FakeClock:
    def __init__(self, now: datetime = T0) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


class FakeCore:
    def __init__(self, clock: FakeClock | None = None, *, signed_in: bool = True) -> None:
        self.clock = clock or FakeClock()
        self.calls: list[tuple[str, tuple[Any, ...]]] = []
        self.hold = False
        self.held: list[tuple[Future[Any], Any]] = []
        self.shift_rule: str | None = None  # "early" | "after_shift": check-out needs a reason
        self.offline = False
        self.password = "Employee1234!"
        self.rate_limited: float | None = None
        self.parked: dict[str, OutboxEntry] = {}
        self.logs_list: list[LogEntry] = []
        self._subs: list[tuple[Callable[[Snapshot], None], Callable[[Notice], None]]] = []
        self._snap = Snapshot(
            signed_in=signed_in,
            user_name="Erin Employee" if signed_in else None,
            email="emp1@example.com" if signed_in else None,
            server_url="http://127.0.0.1:9",
            attendance=AttendanceView(known=True),
            sync=SyncView(online=True, last_success_at=self.clock()),
            tasks=demo_tasks(),
        )
        self.shut_down = False
        self.polls_soon = 0  # poll_soon() calls (the menu opened)

    # --- test helpers ----------------------------------------------------------------------

    def set(self, **changes: Any) -> None:
        self._snap = replace(self._snap, revision=self._snap.revision + 1, **changes)
        for on_snap, _ in self._subs:
            on_snap(self._snap)

    def emit_notice(self, notice: Notice) -> None:
        for _, on_notice in self._subs:
            on_notice(notice)

    def release(self) -> None:
        held, self.held = self.held, []
        for fut, value in held:
            fut.set_result(value)

    def _done(self, value: Any) -> Future[Any]:
        fut: Future[Any] = Future()
        if self.hold:
            self.held.append((fut, value))
        else:
            fut.set_result(value)
        return fut

    def _ok(self, name: str, *args: Any, message: str = "") -> Future[CommandResult]:
        self.calls.append((name, args))
        status: ResultStatus = "queued" if self.offline else "done"
        return self._done(CommandResult(status=status, message=message))

    def _reject(
        self, name: str, args: tuple[Any, ...], message: str, http: int = 400
    ) -> Future[CommandResult]:
        self.calls.append((name, args))
        item = OutboxEntry(
            id=str(uuid.uuid4()),
            kind=name,
            state="parked",
            payload={"args": list(args)},
            attempts=1,
            last_error=message,
            created_at=self.clock(),
            summary=f"{name}: rejected",
        )
        self.parked[item.id] = item
        self.set(sync=replace(self._snap.sync, parked=len(self.parked)))
        return self._done(
            CommandResult(status="rejected", message=message, item_id=item.id, http_status=http)
        )

    # --- CoreFacade --------------------------------------------------------------------------

    def snapshot(self) -> Snapshot:
        return self._snap

    def subscribe(
        self, on_snapshot: Callable[[Snapshot], None], on_notice: Callable[[Notice], None]
    ) -> None:
        self._subs.append((on_snapshot, on_notice))

    def login(self, server_url: str, email: str, password: str) -> Future[CommandResult]:
        self.calls.append(("login", (server_url, email)))
        if self.rate_limited:
            return self._done(
                CommandResult(
                    status="rejected",
                    message="Too many requests. Please try again later.",
                    http_status=429,
                    data={"retry_after": self.rate_limited},
                )
            )
        if password != self.password:
            return self._done(
                CommandResult(
                    status="rejected", message="Invalid email or password", http_status=401
                )
            )
        self.set(signed_in=True, email=email, user_name="Erin Employee", server_url=server_url)
        return self._done(CommandResult(status="done"))

    def logout(self) -> Future[CommandResult]:
        self.set(signed_in=False, user_name=None, timer=None)
        return self._ok("logout")

    def start(self, task_id: str) -> Future[CommandResult]:
        args = (task_id,)
        if not self._snap.attendance.checked_in:
            return self._reject("start", args, "You must check in before starting a task.")
        if self._snap.timer is not None:
            return self._reject(
                "start", args, "You already have an active or paused task timer.", 409
            )
        task = next((t for t in self._snap.tasks if t.id == task_id), None)
        if task is None:
            return self._reject("start", args, "Task not found", 404)
        if not task.startable:
            return self._reject("start", args, task.reason or "rejected")
        now = self.clock()
        timer = TimerView(
            task_id=task.id,
            task_title=task.title,
            project_title=task.project_title,
            state="running",
            pause_reason=None,
            source="server",
            started_at=now,
            accumulated_seconds=0.0,
            running_since=now,
        )
        self.set(timer=timer)
        return self._ok("start", task_id)

    def _pause_timer(self, reason: str) -> None:
        timer = self._snap.timer
        if timer is None or timer.state == "paused":
            return
        now = self.clock()
        self.set(
            timer=replace(
                timer,
                state="paused",
                pause_reason=reason,
                accumulated_seconds=float(int(timer.elapsed_seconds(now))),
                running_since=None,
            )
        )

    def _resume_timer(self) -> None:
        timer = self._snap.timer
        if timer is None or timer.state == "running":
            return
        self.set(
            timer=replace(timer, state="running", pause_reason=None, running_since=self.clock())
        )

    def pause(self) -> Future[CommandResult]:
        if self._snap.timer is None:
            return self._reject("pause", (), "Active task timer not found.", 404)
        self._pause_timer("manual_pause")
        return self._ok("pause")

    def resume(self) -> Future[CommandResult]:
        if not self._snap.attendance.checked_in:
            return self._reject("resume", (), "You must check in before resuming a task.")
        self._resume_timer()
        return self._ok("resume")

    def stop(self, notes: str | None = None) -> Future[CommandResult]:
        timer = self._snap.timer
        if timer is None:
            return self._reject("stop", (notes,), "Active task timer not found.", 404)
        now = self.clock()
        seconds = timer.elapsed_seconds(now)
        self.logs_list.append(
            LogEntry(
                task_id=timer.task_id,
                task_title=timer.task_title,
                started_at=timer.started_at,
                ended_at=now,
                duration_minutes=int(seconds // 60),
                notes=notes,
                source="timer",
                pending=self.offline,
                state="waiting" if self.offline else "synced",
            )
        )
        before = self._snap.today_logged_seconds or 0.0
        self.set(timer=None, today_logged_seconds=before + seconds)
        return self._ok("stop", notes)

    def switch(self, task_id: str, notes: str | None = None) -> Future[CommandResult]:
        self.calls.append(("switch", (task_id, notes)))
        if self._snap.timer is not None:
            self.stop(notes)
        return self.start(task_id)

    def log_manual(
        self, task_id: str, started_at: datetime, ended_at: datetime, notes: str | None
    ) -> Future[CommandResult]:
        task = next(t for t in self._snap.tasks if t.id == task_id)
        self.logs_list.append(
            LogEntry(
                task_id=task_id,
                task_title=task.title,
                started_at=started_at,
                ended_at=ended_at,
                duration_minutes=int((ended_at - started_at).total_seconds() // 60),
                notes=notes,
                source="manual",
                pending=self.offline,
                state="waiting" if self.offline else "synced",
            )
        )
        return self._ok("log_manual", task_id, started_at, ended_at, notes)

    def check_in(self, work_mode: str = "office") -> Future[CommandResult]:
        if self._snap.attendance.checked_in:
            return self._reject(
                "check_in", (work_mode,), "You already have an active attendance session.", 409
            )
        self.set(
            attendance=AttendanceView(
                checked_in=True, work_mode=work_mode, checked_in_at=self.clock(), known=True
            )
        )
        timer = self._snap.timer
        if timer and timer.pause_reason == "attendance_checkout":
            self._resume_timer()
        return self._ok("check_in", work_mode)

    def check_out(
        self,
        early_reason: str | None = None,
        after_shift_reason: str | None = None,
        after_shift_note: str | None = None,
    ) -> Future[CommandResult]:
        args = (early_reason, after_shift_reason, after_shift_note)
        if not self._snap.attendance.checked_in:
            return self._reject("check_out", args, "No active attendance session found.", 404)
        if self.shift_rule == "early" and len((early_reason or "").strip()) < 5:
            return self._reject(
                "check_out",
                args,
                "A reason of at least 5 characters is required for checking out before "
                "your shift ends.",
            )
        if self.shift_rule == "after_shift" and not (after_shift_reason and after_shift_note):
            return self._reject(
                "check_out", args, "Reason and note are required for checkout after shift end.", 422
            )
        self._pause_timer("attendance_checkout")
        self.set(attendance=AttendanceView(known=True))
        return self._ok("check_out", *args)

    def start_break(self, break_type: str, note: str | None = None) -> Future[CommandResult]:
        if break_type == "other" and not note:
            return self._reject(
                "start_break", (break_type, note), "Note is required for 'other' break type.", 422
            )
        self.set(attendance=replace(self._snap.attendance, on_break=True, break_type=break_type))
        self._pause_timer("break_started")
        return self._ok("start_break", break_type, note)

    def end_break(self) -> Future[CommandResult]:
        self.set(attendance=replace(self._snap.attendance, on_break=False, break_type=None))
        timer = self._snap.timer
        if timer and timer.pause_reason == "break_started":
            self._resume_timer()
        return self._ok("end_break")

    def answer_away(self, choice: str, task_id: str | None = None) -> Future[CommandResult]:
        """Clears the question; a resume choice resumes the timer, like the real core."""
        if self._snap.away is None:
            return self._done(CommandResult("failed", "There is no away time to answer."))
        self.set(away=None)
        if choice != "discard-paused":
            self._resume_timer()
        return self._ok("answer_away", choice, task_id)

    def poll_soon(self) -> None:
        self.polls_soon += 1

    def sync_now(self) -> Future[CommandResult]:
        return self._ok("sync_now")

    def refresh_tasks(self) -> Future[CommandResult]:
        return self._ok("refresh_tasks")

    def outbox(self, include_done: bool = False) -> list[OutboxEntry]:
        return list(self.parked.values())

    def retry_parked(
        self, item_id: str, payload: dict[str, Any] | None = None
    ) -> Future[CommandResult]:
        self.parked.pop(item_id, None)
        self.set(sync=replace(self._snap.sync, parked=len(self.parked)))
        return self._ok("retry_parked", item_id, payload)

    def discard_parked(self, item_id: str) -> Future[CommandResult]:
        self.parked.pop(item_id, None)
        self.set(sync=replace(self._snap.sync, parked=len(self.parked)))
        return self._ok("discard_parked", item_id)

    def logs(self, since: datetime) -> Future[LogsView]:
        self.calls.append(("logs", (since,)))
        entries = [log for log in self.logs_list if log.ended_at >= since]
        if self.offline:
            note = "Could not load the server's entries: the list shows only what is saved here."
            return self._done(LogsView(entries, False, None, note))
        return self._done(LogsView(entries, True, self.clock()))

    def network_changed(self, reachable: bool | None) -> None:
        self.calls.append(("network_changed", (reachable,)))

    def shutdown(self) -> None:
        self.shut_down = True


if TYPE_CHECKING:
    # mypy (pyproject.toml lists this file) holds the double to the real protocol: a method the
    # core gains, loses or changes the signature of fails the type check, not a UI test.
    _checked: CoreFacade = FakeCore()
