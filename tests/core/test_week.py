"""The week's arithmetic on fixed data: what the bars, the grid and the CSV will show."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from app.core.facade import LogEntry
from app.core.snapshot import TimerView
from app.core.week import WeekEntry, build_week, timer_entries
from app.core.week_text import data_age, day_label, hm, piece_range, progress_text, week_title

BERLIN = ZoneInfo("Europe/Berlin")
MONDAY = date(2025, 3, 3)  # an ordinary week, CET (UTC+1)
NOW = datetime(2025, 3, 9, 12, 0, tzinfo=BERLIN)  # Sunday noon of that week


def at(day: date, hh: int, mm: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hh, mm, tzinfo=BERLIN)


def entry(
    start: datetime,
    end: datetime,
    task: str = "Write guide",
    project: str | None = "Docs",
    **kw: object,
) -> WeekEntry:
    return WeekEntry(
        task_id=kw.pop("task_id", task),  # type: ignore[arg-type]
        task_title=task,
        project=project,
        started_at=start.astimezone(UTC),  # the server sends UTC
        ended_at=end.astimezone(UTC),
        source=kw.pop("source", "manual"),  # type: ignore[arg-type]
        **kw,  # type: ignore[arg-type]
    )


def hours(seconds: int) -> float:
    return seconds / 3600


def test_an_entry_over_midnight_counts_on_both_days() -> None:
    tue = MONDAY + timedelta(days=1)
    wed = tue + timedelta(days=1)
    week = build_week([entry(at(tue, 23, 30), at(wed, 0, 45))], MONDAY, BERLIN, NOW)
    assert [d.total_seconds // 60 for d in week.days] == [0, 30, 45, 0, 0, 0, 0]
    (late,) = week.days[1].pieces
    (early,) = week.days[2].pieces
    assert piece_range(late) == "23:30–24:00" and late.into_day_after
    assert piece_range(early) == "00:00–00:45" and early.from_day_before
    assert week.total_seconds == 75 * 60
    (row,) = week.rows
    assert row.total_seconds == 75 * 60 and row.seconds[1:3] == (30 * 60, 45 * 60)


def test_a_timer_log_with_pauses_splits_its_worked_time_not_its_span() -> None:
    # 22:00-01:00 is 3 h on the clock, but the server says 2 h were worked (pauses)
    tue = MONDAY + timedelta(days=1)
    log = entry(at(tue, 22), at(tue + timedelta(days=1), 1), source="timer", duration_seconds=7200)
    week = build_week([log], MONDAY, BERLIN, NOW)
    assert week.days[1].total_seconds == 4800 and week.days[2].total_seconds == 2400
    assert week.total_seconds == 7200


def test_spring_dst_sunday_has_23_hours_and_splits_right() -> None:
    monday = date(2025, 3, 24)
    sat, sun = date(2025, 3, 29), date(2025, 3, 30)  # clocks jump 02:00 -> 03:00 on Sunday
    overnight = entry(at(sat, 22), at(sun, 4))  # 5 real hours
    whole_sunday = entry(at(sun, 0), at(sun + timedelta(days=1), 0), task="Whole day")
    week = build_week([overnight, whole_sunday], monday, BERLIN, at(sun, 23))
    assert hours(week.days[5].total_seconds) == 2
    assert hours(week.days[6].total_seconds) == 3 + 23
    assert week.total_seconds == (5 + 23) * 3600


def test_autumn_dst_sunday_has_25_hours() -> None:
    monday = date(2025, 10, 20)
    sat, sun = date(2025, 10, 25), date(2025, 10, 26)  # clocks fall back 03:00 -> 02:00
    overnight = entry(at(sat, 22), at(sun, 4))  # 7 real hours
    week = build_week([overnight], monday, BERLIN, at(sun, 23))
    assert hours(week.days[5].total_seconds) == 2
    assert hours(week.days[6].total_seconds) == 5
    assert [piece_range(p) for p in week.days[6].pieces] == ["00:00–04:00"]


def test_the_week_cuts_entries_at_its_own_edges() -> None:
    sunday_before = MONDAY - timedelta(days=1)
    sunday = MONDAY + timedelta(days=6)
    inside_from_before = entry(at(sunday_before, 23), at(MONDAY, 1))
    inside_to_after = entry(at(sunday, 23, 30), at(sunday + timedelta(days=1), 2))
    outside = entry(at(MONDAY + timedelta(days=7), 9), at(MONDAY + timedelta(days=7), 17))
    week = build_week([inside_from_before, inside_to_after, outside], MONDAY, BERLIN, NOW)
    assert week.days[0].total_seconds == 3600
    assert week.days[6].total_seconds == 1800
    assert week.total_seconds == 5400


def test_waiting_and_parked_entries_count_and_keep_their_state() -> None:
    wed = MONDAY + timedelta(days=2)
    log = LogEntry(
        task_id="t1",
        task_title="Review spec",
        started_at=at(wed, 9).astimezone(UTC),
        ended_at=at(wed, 10).astimezone(UTC),
        duration_minutes=60,
        notes="first pass",
        source="manual",
        pending=True,
        state="waiting",
    )
    waiting = WeekEntry.from_log(log, project="API")
    parked = WeekEntry.from_log(
        replace(log, started_at=at(wed, 11), ended_at=at(wed, 11, 30), state="parked"),
        project="API",
    )
    synced = WeekEntry.from_log(
        replace(log, pending=False, state="synced", started_at=at(wed, 8), ended_at=at(wed, 8, 15), duration_minutes=15)  # noqa: E501
    )  # fmt: skip
    week = build_week([waiting, parked, synced], MONDAY, BERLIN, NOW)
    assert week.days[2].total_seconds == (60 + 30 + 15) * 60
    assert [p.entry.state for p in week.days[2].pieces] == ["synced", "waiting", "parked"]
    assert [p.entry.project for p in week.days[2].pieces] == [None, "API", "API"]
    assert dict(week.days[2].by_project) == {"API": 90 * 60, "No project": 15 * 60}


def _timer(started: datetime, since: datetime | None, acc: float) -> TimerView:
    return TimerView(
        task_id="t9",
        task_title="Implement tray sync",
        project_title="Desktop Tray Client",
        state="running" if since is not None else "paused",
        pause_reason=None if since is not None else "manual_pause",
        source="server",
        started_at=started.astimezone(UTC),
        accumulated_seconds=acc,
        running_since=since.astimezone(UTC) if since is not None else None,
    )


def test_a_running_timer_over_midnight_counts_live_time_on_both_days() -> None:
    thu, fri = MONDAY + timedelta(days=3), MONDAY + timedelta(days=4)
    timer = _timer(at(thu, 23), at(thu, 23), 0)
    week = build_week([], MONDAY, BERLIN, at(fri, 1, 30), timer=timer)
    assert week.days[3].total_seconds == 3600 and week.days[4].total_seconds == 5400
    assert {p.entry.state for d in week.days for p in d.pieces} == {"running"}
    assert week.days[4].is_today and not week.days[3].is_today
    (row,) = week.rows
    assert row.task_title == "Implement tray sync" and row.total_seconds == 9000


def test_a_timer_resumed_after_a_pause_keeps_its_earlier_runs_where_they_began() -> None:
    thu = MONDAY + timedelta(days=3)
    # started 09:00, ran 1 h, paused, resumed 14:00; now 14:30 -> 1:30 in all
    timer = _timer(at(thu, 9), at(thu, 14), 3600)
    pieces = timer_entries(timer, at(thu, 14, 30))
    assert [(p.started_at, p.ended_at) for p in pieces] == [
        (at(thu, 9), at(thu, 10)),
        (at(thu, 14), at(thu, 14, 30)),
    ]
    paused = build_week([], MONDAY, BERLIN, at(thu, 16), timer=_timer(at(thu, 9), None, 5400))
    assert paused.days[3].total_seconds == 5400


def test_an_empty_week() -> None:
    week = build_week([], MONDAY + timedelta(days=3), BERLIN, NOW, target_hours=40)
    assert week.start == MONDAY and len(week.days) == 7
    assert week.day_totals == (0,) * 7 and week.rows == () and week.projects == ()
    assert week.progress == 0 and progress_text(week) == "0:00 of 40:00"
    assert [day_label(d.day) for d in week.days][:2] == ["Mon 3", "Tue 4"]
    assert week.days[6].is_today and week.is_current


def test_grid_totals_agree_and_projects_stack_biggest_first() -> None:
    mon, tue = MONDAY, MONDAY + timedelta(days=1)
    week = build_week(
        [
            entry(at(mon, 9), at(mon, 12), "Guide", "Docs"),
            entry(at(mon, 13), at(mon, 14), "Sync", "Tray"),
            entry(at(tue, 9), at(tue, 17), "Sync", "Tray"),
            entry(at(tue, 17), at(tue, 17, 20), "Standup", None),
        ],
        MONDAY,
        BERLIN,
        NOW,
        target_hours=40,
    )
    assert week.projects == ("Tray", "Docs", "No project")
    assert week.days[0].by_project == (("Tray", 3600), ("Docs", 3 * 3600))
    assert [(r.task_title, r.project) for r in week.rows] == [
        ("Guide", "Docs"),
        ("Standup", "No project"),
        ("Sync", "Tray"),
    ]
    for i in range(7):
        assert sum(r.seconds[i] for r in week.rows) == week.days[i].total_seconds
    assert sum(r.total_seconds for r in week.rows) == week.total_seconds == (12 * 60 + 20) * 60
    assert progress_text(week) == "12:20 of 40:00" and week.day_target_seconds == 8 * 3600


def test_words_for_totals_titles_and_data_age() -> None:
    assert hm(31 * 3600 + 20 * 60 + 59) == "31:20" and hm(-5) == "0:00"
    week = build_week([], MONDAY, BERLIN, NOW, fetched_at=NOW - timedelta(minutes=5))
    assert week_title(week) == "This week, 3 – 9 Mar 2025"
    assert data_age(week) == "Updated 5 min ago"
    offline = build_week(
        [], MONDAY, BERLIN, NOW, fetched_at=at(date(2025, 3, 9), 9, 12), offline=True
    )
    assert data_age(offline) == "Offline: showing entries fetched at 09:12"
    other = build_week([], date(2025, 3, 31), BERLIN, NOW)
    assert week_title(other) == "31 Mar – 6 Apr 2025" and not other.is_current
    assert data_age(other).startswith("Not fetched")
