"""A week of my time, as a person reads it: 7 local days, each entry cut at local midnight.

Pure (no Qt, no I/O, no clock): the caller hands in the entries, the running timer, the week's
Monday, the time zone and "now", so every figure on the week window and in its CSV can be
checked on fixed data, DST changes included. Durations are whole seconds; splitting an entry
over several days distributes its duration so the pieces always add up to the whole.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Literal

from app.core.facade import LogEntry
from app.core.snapshot import TimerView

logger = logging.getLogger(__name__)

SyncState = Literal["synced", "waiting", "parked", "running"]
Source = Literal["timer", "manual"]
NO_PROJECT = "No project"
WORKDAYS = 5  # the daily target line is the weekly target spread over Monday to Friday


@dataclass(frozen=True)
class WeekEntry:
    """One time entry as the week needs it: LogEntry plus the project and a sync state that
    tells a parked entry (refused by the server) from one merely waiting to sync."""

    task_id: str
    task_title: str
    project: str | None
    started_at: datetime  # aware
    ended_at: datetime  # aware
    source: Source
    state: SyncState = "synced"
    notes: str | None = None
    duration_seconds: int | None = None  # worked time if less than the span (timer pauses)

    @classmethod
    def from_log(cls, log: LogEntry, *, project: str | None = None) -> WeekEntry:
        """``project`` fills in for a log that names none (an entry saved offline names the
        project only when the task list knew it)."""
        return cls(
            task_id=log.task_id,
            task_title=log.task_title,
            project=log.project_title or project,
            started_at=log.started_at,
            ended_at=log.ended_at,
            source=log.source,
            state=log.state,
            notes=log.notes,
            duration_seconds=log.duration_minutes * 60,
        )

    @property
    def span_seconds(self) -> float:
        return max(0.0, (self.ended_at - self.started_at).total_seconds())

    @property
    def worked_seconds(self) -> int:
        """The server's duration excludes a timer's pauses, so it wins over the span."""
        span = int(self.span_seconds)
        if self.duration_seconds is None:
            return span
        return max(0, min(self.duration_seconds, span))


def timer_entries(timer: TimerView | None, now: datetime) -> list[WeekEntry]:
    """The live timer as entries: earlier runs from its start, then the current run to now.

    TimerView keeps no pause history, so the time accumulated before the current run is
    placed from the timer's start onward: right when it was never paused, and on the right
    day unless the pauses themselves crossed midnight.
    """
    if timer is None:
        return []
    # A server timer, running or paused, is time in progress (it becomes a log at its stop);
    # only a timer measured here while offline is waiting to sync.
    state: SyncState = "waiting" if timer.source == "local" else "running"
    project = timer.project_title
    out: list[WeekEntry] = []
    earlier = timer.accumulated_seconds
    run_start = timer.running_since if timer.state == "running" else None
    if earlier >= 1:
        end = timer.started_at + timedelta(seconds=earlier)
        if run_start is not None:
            end = min(end, run_start)
        if end > timer.started_at:
            out.append(
                WeekEntry(
                    timer.task_id, timer.task_title, project, timer.started_at, end, "timer",
                    state,
                )
            )  # fmt: skip
    if run_start is not None and now > run_start:
        out.append(
            WeekEntry(timer.task_id, timer.task_title, project, run_start, now, "timer", state)
        )
    return out


@dataclass(frozen=True)
class DayPiece:
    """The part of one entry that falls on one local day."""

    entry: WeekEntry
    start: datetime  # local
    end: datetime  # local
    seconds: int
    from_day_before: bool
    into_day_after: bool


@dataclass(frozen=True)
class WeekDay:
    day: date
    pieces: tuple[DayPiece, ...]  # time order
    by_project: tuple[tuple[str, int], ...]  # stacking order: the week's project order
    total_seconds: int
    is_today: bool


@dataclass(frozen=True)
class GridRow:
    task_id: str
    task_title: str
    project: str
    seconds: tuple[int, ...]  # Monday..Sunday
    total_seconds: int


@dataclass(frozen=True)
class WeekModel:
    start: date  # the Monday
    tz: tzinfo
    now: datetime
    days: tuple[WeekDay, ...]
    rows: tuple[GridRow, ...]
    projects: tuple[str, ...]  # stable order for stacking and colours
    target_seconds: int  # 0 = no target
    fetched_at: datetime | None = None  # when the server's logs were fetched
    offline: bool = False  # the last fetch failed: the logs may be stale

    @property
    def end(self) -> date:
        return self.start + timedelta(days=6)

    @property
    def total_seconds(self) -> int:
        return sum(day.total_seconds for day in self.days)

    @property
    def day_totals(self) -> tuple[int, ...]:
        return tuple(day.total_seconds for day in self.days)

    @property
    def day_target_seconds(self) -> int:
        return self.target_seconds // WORKDAYS

    @property
    def progress(self) -> float | None:
        """Share of the weekly target done (may pass 1.0), or None without a target."""
        if self.target_seconds <= 0:
            return None
        return self.total_seconds / self.target_seconds

    @property
    def today(self) -> date:
        return self.now.astimezone(self.tz).date()

    @property
    def is_current(self) -> bool:
        return self.start == monday_of(self.today)


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def local_midnight(day: date, tz: tzinfo) -> datetime:
    """Where a local day begins, as an aware UTC instant (DST changes move it, not the date)."""
    return datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)


def split_entry(entry: WeekEntry, tz: tzinfo) -> list[tuple[date, DayPiece]]:
    """Cut one entry at each local midnight it crosses; the pieces' seconds sum to the whole."""
    start = entry.started_at.astimezone(UTC)
    end = entry.ended_at.astimezone(UTC)
    if end <= start:
        return []
    span = (end - start).total_seconds()
    worked = entry.worked_seconds
    bounds: list[tuple[date, datetime, datetime]] = []
    day = start.astimezone(tz).date()
    while True:
        day_begin = local_midnight(day, tz)
        day_end = local_midnight(day + timedelta(days=1), tz)
        lo, hi = max(start, day_begin), min(end, day_end)
        if hi > lo:
            bounds.append((day, lo, hi))
        if day_end >= end:
            break
        day += timedelta(days=1)
    out: list[tuple[date, DayPiece]] = []
    done_before = 0
    covered = 0.0
    for index, (day, lo, hi) in enumerate(bounds):
        covered += (hi - lo).total_seconds()
        # cumulative rounding: each piece's share, and the pieces sum to ``worked`` exactly
        upto = round(worked * covered / span)
        piece = DayPiece(
            entry=entry,
            start=lo.astimezone(tz),
            end=hi.astimezone(tz),
            seconds=upto - done_before,
            from_day_before=index > 0,
            into_day_after=index < len(bounds) - 1,
        )
        done_before = upto
        out.append((day, piece))
    return out


def build_week(
    entries: Iterable[WeekEntry],
    week_of: date,
    tz: tzinfo,
    now: datetime,
    *,
    timer: TimerView | None = None,
    target_hours: float = 0,
    fetched_at: datetime | None = None,
    offline: bool = False,
) -> WeekModel:
    """The week holding ``week_of`` (any day of it), with the live timer counted up to now."""
    start = monday_of(week_of)
    dates = [start + timedelta(days=i) for i in range(7)]
    index = {d: i for i, d in enumerate(dates)}
    today = now.astimezone(tz).date()
    per_day: list[list[DayPiece]] = [[] for _ in dates]
    for entry in [*entries, *timer_entries(timer, now)]:
        for day, piece in split_entry(entry, tz):
            if day in index:
                per_day[index[day]].append(piece)
    project_totals: dict[str, int] = {}
    tasks: dict[str, tuple[str, str, list[int]]] = {}
    for i, pieces in enumerate(per_day):
        pieces.sort(key=lambda p: (p.start, p.end))
        for piece in pieces:
            project = piece.entry.project or NO_PROJECT
            project_totals[project] = project_totals.get(project, 0) + piece.seconds
            row = tasks.setdefault(piece.entry.task_id, (piece.entry.task_title, project, [0] * 7))
            row[2][i] += piece.seconds
    # the biggest project sits at the bottom of every bar, so days compare at a glance
    projects = tuple(sorted(project_totals, key=lambda p: (-project_totals[p], p.casefold())))
    days = tuple(
        WeekDay(
            day=d,
            pieces=tuple(per_day[i]),
            by_project=_stack(per_day[i], projects),
            total_seconds=sum(p.seconds for p in per_day[i]),
            is_today=d == today,
        )
        for i, d in enumerate(dates)
    )
    rows = tuple(
        GridRow(task_id, title, project, tuple(secs), sum(secs))
        for task_id, (title, project, secs) in sorted(
            tasks.items(), key=lambda kv: (kv[1][1].casefold(), kv[1][0].casefold(), kv[0])
        )
    )
    return WeekModel(
        start=start,
        tz=tz,
        now=now,
        days=days,
        rows=rows,
        projects=projects,
        target_seconds=max(0, round(target_hours * 3600)),
        fetched_at=fetched_at,
        offline=offline,
    )


def _stack(pieces: Sequence[DayPiece], order: Sequence[str]) -> tuple[tuple[str, int], ...]:
    sums: dict[str, int] = {}
    for piece in pieces:
        project = piece.entry.project or NO_PROJECT
        sums[project] = sums.get(project, 0) + piece.seconds
    return tuple((p, sums[p]) for p in order if sums.get(p))
