"""Typed, immutable views of the server's JSON.

Each model reads only the fields the tray needs and ignores the rest, because the real server
keeps adding fields. A missing optional field becomes its default; a missing *identifying* field
(an ``id``) raises :class:`ModelError`, which the client reports as a bad server answer. All
datetimes are aware UTC on the server's clock.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Self

from app.api.timeutil import parse_datetime

# Task statuses on which the server refuses a timer start (contract §2.3). The task's own
# ``can_start_timer`` flag disagrees with the server and must not be used.
_UNSTARTABLE = {
    "blocked": "Cannot start timer on a blocked task",
    "completed": "Cannot start timer on a completed task",
}


class ModelError(ValueError):
    """The server's JSON lacks something without which the object means nothing."""


def _obj(data: object, what: str) -> Mapping[str, Any]:
    if not isinstance(data, Mapping):
        raise ModelError(f"{what}: expected an object, got {type(data).__name__}")
    return data


def _req_str(data: Mapping[str, Any], key: str, what: str) -> str:
    value = data.get(key)
    if value is None or value == "":
        raise ModelError(f"{what}: missing {key!r}")
    return str(value)


def _str(data: Mapping[str, Any], key: str, default: str = "") -> str:
    value = data.get(key)
    return default if value is None else str(value)


def _opt_str(data: Mapping[str, Any], key: str) -> str | None:
    value = data.get(key)
    return None if value is None else str(value)


def _int(data: Mapping[str, Any], key: str, default: int = 0) -> int:
    value = data.get(key)
    if value is None or isinstance(value, bool):
        return default
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _opt_int(data: Mapping[str, Any], key: str) -> int | None:
    return _int(data, key) if data.get(key) is not None else None


def _float(data: Mapping[str, Any], key: str, default: float = 0.0) -> float:
    value = data.get(key)
    if value is None or isinstance(value, bool):
        return default
    try:
        return float(value)
    except (TypeError, ValueError):
        return default


def _bool(data: Mapping[str, Any], key: str, default: bool = False) -> bool:
    value = data.get(key)
    return value if isinstance(value, bool) else default


def _dt(data: Mapping[str, Any], key: str) -> datetime | None:
    try:
        return parse_datetime(data.get(key))
    except ValueError as exc:
        raise ModelError(f"bad timestamp in {key!r}") from exc


def _req_dt(data: Mapping[str, Any], key: str, what: str) -> datetime:
    value = _dt(data, key)
    if value is None:
        raise ModelError(f"{what}: missing {key!r}")
    return value


@dataclass(frozen=True)
class User:
    """The signed-in person (from login's ``user`` or ``/users/me``; login omits ``email``)."""

    id: str
    full_name: str
    email: str | None = None
    role: str = ""
    status: str | None = None
    department: str | None = None
    designation: str | None = None
    manager_name: str | None = None
    shift_id: str | None = None
    shift_name: str | None = None
    shift_timing: str | None = None

    @classmethod
    def from_json(cls, data: object) -> Self:
        d = _obj(data, "user")
        return cls(
            id=_req_str(d, "id", "user"),
            full_name=_str(d, "full_name"),
            email=_opt_str(d, "email"),
            role=_str(d, "role"),
            status=_opt_str(d, "status"),
            department=_opt_str(d, "department_name") or _opt_str(d, "department"),
            designation=_opt_str(d, "designation"),
            manager_name=_opt_str(d, "manager_name"),
            shift_id=_opt_str(d, "shift_id"),
            shift_name=_opt_str(d, "shift_name"),
            shift_timing=_opt_str(d, "shift_timing"),
        )


@dataclass(frozen=True)
class Task:
    id: str
    title: str
    status: str
    project_id: str | None = None
    project_title: str | None = None
    assigned_to: str | None = None
    assigned_to_name: str | None = None
    description: str | None = None
    priority: str | None = None
    blocked_reason: str | None = None
    due_date: str | None = None
    expected_duration_minutes: int | None = None
    actual_duration_minutes: int | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None

    @classmethod
    def from_json(cls, data: object) -> Self:
        d = _obj(data, "task")
        return cls(
            id=_req_str(d, "id", "task"),
            title=_str(d, "title"),
            status=_str(d, "status"),
            project_id=_opt_str(d, "project_id"),
            project_title=_opt_str(d, "project_title"),
            assigned_to=_opt_str(d, "assigned_to"),
            assigned_to_name=_opt_str(d, "assigned_to_name"),
            description=_opt_str(d, "description"),
            priority=_opt_str(d, "priority"),
            blocked_reason=_opt_str(d, "blocked_reason"),
            due_date=_opt_str(d, "due_date"),
            expected_duration_minutes=_opt_int(d, "expected_duration_minutes"),
            actual_duration_minutes=_opt_int(d, "actual_duration_minutes"),
            created_at=_dt(d, "created_at"),
            updated_at=_dt(d, "updated_at"),
        )

    @property
    def start_block_reason(self) -> str | None:
        """The server's words for refusing a timer start on this task's status, else None.

        Only the status part of the rule is knowable here; the project's state and assignment
        are checked by the server (its 400/403 arrives as :class:`~app.api.errors.Rejected`).
        """
        return _UNSTARTABLE.get(self.status)


@dataclass(frozen=True)
class TimerSession:
    """The live task timer (``TaskTimerRead``)."""

    id: str
    task_id: str
    status: str  # running | paused | completed
    started_at: datetime
    task_title: str = ""
    project_title: str | None = None
    user_id: str | None = None
    last_resumed_at: datetime | None = None
    paused_at: datetime | None = None
    accumulated_seconds: float = 0.0
    pause_reason: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None

    @classmethod
    def from_json(cls, data: object) -> Self:
        d = _obj(data, "timer")
        return cls(
            id=_req_str(d, "id", "timer"),
            task_id=_req_str(d, "task_id", "timer"),
            status=_str(d, "status", "running"),
            started_at=_req_dt(d, "started_at", "timer"),
            task_title=_str(d, "task_title"),
            project_title=_opt_str(d, "project_title"),
            user_id=_opt_str(d, "user_id"),
            last_resumed_at=_dt(d, "last_resumed_at"),
            paused_at=_dt(d, "paused_at"),
            accumulated_seconds=_float(d, "accumulated_seconds"),
            pause_reason=_opt_str(d, "pause_reason"),
            created_at=_dt(d, "created_at"),
            updated_at=_dt(d, "updated_at"),
        )

    @property
    def running(self) -> bool:
        return self.status == "running"

    def elapsed_seconds(self, server_now: datetime) -> float:
        """Worked seconds at ``server_now`` (a time on the *server's* clock, see
        ``ApiClient.server_now``): accumulated plus the current run, never negative."""
        if self.running and self.last_resumed_at is not None:
            run = (server_now - self.last_resumed_at).total_seconds()
            return self.accumulated_seconds + max(0.0, run)
        return self.accumulated_seconds


@dataclass(frozen=True)
class TimeLog:
    """A finished entry (``TimeLogRead``), from a timer stop or a manual log."""

    id: str
    task_id: str
    started_at: datetime
    ended_at: datetime | None
    duration_minutes: int = 0
    source_type: str = "timer"  # timer | manual
    notes: str | None = None
    status: str = "completed"
    task_title: str = ""
    project_title: str | None = None
    user_id: str | None = None
    user_name: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None

    @classmethod
    def from_json(cls, data: object) -> Self:
        d = _obj(data, "time log")
        return cls(
            id=_req_str(d, "id", "time log"),
            task_id=_req_str(d, "task_id", "time log"),
            started_at=_req_dt(d, "started_at", "time log"),
            ended_at=_dt(d, "ended_at"),
            duration_minutes=_int(d, "duration_minutes"),
            source_type=_str(d, "source_type", "timer"),
            notes=_opt_str(d, "notes"),
            status=_str(d, "status", "completed"),
            task_title=_str(d, "task_title"),
            project_title=_opt_str(d, "project_title"),
            user_id=_opt_str(d, "user_id"),
            user_name=_opt_str(d, "user_name"),
            created_at=_dt(d, "created_at"),
            updated_at=_dt(d, "updated_at"),
        )


@dataclass(frozen=True)
class Break:
    """An attendance break (``AttendanceBreakRead``); ``ended_at`` None while it runs."""

    id: str
    break_type: str
    started_at: datetime
    ended_at: datetime | None = None
    attendance_session_id: str | None = None
    duration_minutes: int | None = None
    note: str | None = None
    is_paid: bool | None = None

    @classmethod
    def from_json(cls, data: object) -> Self:
        d = _obj(data, "break")
        paid = d.get("is_paid")
        return cls(
            id=_req_str(d, "id", "break"),
            break_type=_str(d, "break_type"),
            started_at=_req_dt(d, "started_at", "break"),
            ended_at=_dt(d, "ended_at"),
            attendance_session_id=_opt_str(d, "attendance_session_id"),
            duration_minutes=_opt_int(d, "duration_minutes"),
            note=_opt_str(d, "note"),
            is_paid=paid if isinstance(paid, bool) else None,
        )

    @property
    def active(self) -> bool:
        return self.ended_at is None


@dataclass(frozen=True)
class AttendanceSession:
    """A check-in (``AttendanceSessionRead``); ``check_out_at`` None while checked in."""

    id: str
    check_in_at: datetime
    check_out_at: datetime | None = None
    work_mode: str | None = None
    session_status: str = "active"
    user_id: str | None = None
    user_full_name: str | None = None
    is_late_login: bool = False
    late_minutes: int | None = None
    is_early_logout: bool = False
    early_checkout_minutes: int | None = None
    is_overtime: bool = False
    worked_minutes: int | None = None
    duration_minutes: int | None = None
    expected_shift_start_at: datetime | None = None
    expected_shift_end_at: datetime | None = None
    checkout_after_shift_reason: str | None = None
    checkout_after_shift_note: str | None = None
    total_break_minutes: int | None = None
    breaks: tuple[Break, ...] = ()
    active_break: Break | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None

    @classmethod
    def from_json(cls, data: object) -> Self:
        d = _obj(data, "attendance session")
        raw_breaks = d.get("breaks")
        raw_active = d.get("active_break")
        return cls(
            id=_req_str(d, "id", "attendance session"),
            check_in_at=_req_dt(d, "check_in_at", "attendance session"),
            check_out_at=_dt(d, "check_out_at"),
            work_mode=_opt_str(d, "work_mode"),
            session_status=_str(d, "session_status", "active"),
            user_id=_opt_str(d, "user_id"),
            user_full_name=_opt_str(d, "user_full_name"),
            is_late_login=_bool(d, "is_late_login"),
            late_minutes=_opt_int(d, "late_minutes"),
            is_early_logout=_bool(d, "is_early_logout"),
            early_checkout_minutes=_opt_int(d, "early_checkout_minutes"),
            is_overtime=_bool(d, "is_overtime"),
            worked_minutes=_opt_int(d, "worked_minutes"),
            duration_minutes=_opt_int(d, "duration_minutes"),
            expected_shift_start_at=_dt(d, "expected_shift_start_at"),
            expected_shift_end_at=_dt(d, "expected_shift_end_at"),
            checkout_after_shift_reason=_opt_str(d, "checkout_after_shift_reason"),
            checkout_after_shift_note=_opt_str(d, "checkout_after_shift_note"),
            total_break_minutes=_opt_int(d, "total_break_minutes"),
            breaks=tuple(Break.from_json(b) for b in raw_breaks)
            if isinstance(raw_breaks, list)
            else (),
            active_break=Break.from_json(raw_active) if raw_active is not None else None,
            created_at=_dt(d, "created_at"),
            updated_at=_dt(d, "updated_at"),
        )

    @property
    def checked_in(self) -> bool:
        return self.check_out_at is None

    @property
    def on_break(self) -> bool:
        return self.active_break is not None


@dataclass(frozen=True)
class TokenPair:
    """What login and refresh hand back. Never logged or put into a message (repr hides it)."""

    access_token: str
    refresh_token: str

    def __repr__(self) -> str:
        return "TokenPair(<redacted>)"

    @classmethod
    def from_json(cls, data: object) -> Self:
        d = _obj(data, "token response")
        access = d.get("access_token")
        refresh = d.get("refresh_token")
        if not isinstance(access, str) or not access or not isinstance(refresh, str) or not refresh:
            raise ModelError("token response: missing a token")
        return cls(access, refresh)
