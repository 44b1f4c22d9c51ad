"""The exported week, byte for byte: what a spreadsheet will open."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from app.core.week import WeekEntry, build_week
from app.core.week_csv import week_csv

BERLIN = ZoneInfo("Europe/Berlin")


def at(d: int, hh: int, mm: int = 0) -> datetime:
    return datetime(2025, 3, d, hh, mm, tzinfo=BERLIN).astimezone(UTC)


ENTRIES = [
    WeekEntry("t1", "Café menu", "Docs", at(3, 9), at(3, 10, 30), "timer", "synced", None, 5400),
    WeekEntry(
        "t2", "Review", None, at(4, 23, 30), at(5, 0, 45), "manual", "waiting",
        'Spec, part "B"\nsecond line',
    ),
    WeekEntry("t2", "Review", None, at(6, 8), at(6, 8, 20), "manual", "parked", "a;b"),
]  # fmt: skip


NOTES = '"Spec, part ""B""\nsecond line"'  # quoted, quotes doubled, the line break kept


def test_the_csv_has_a_bom_local_times_and_quoted_notes() -> None:
    week = build_week(ENTRIES, date(2025, 3, 5), BERLIN, datetime(2025, 3, 6, 12, tzinfo=BERLIN))
    expected = (
        "\ufeffdate,start,end,minutes,task,project,source,notes,synced\r\n"
        "2025-03-03,09:00,10:30,90,Café menu,Docs,timer,,yes\r\n"
        "2025-03-04,23:30,24:00,30,Review,No project,manual," + NOTES + ",waiting\r\n"
        "2025-03-05,00:00,00:45,45,Review,No project,manual," + NOTES + ",waiting\r\n"
        "2025-03-06,08:00,08:20,20,Review,No project,manual,a;b,parked\r\n"
    ).encode()
    data = week_csv(week)
    assert data == expected
    # and a csv reader gets the notes back whole
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert rows[2][7] == 'Spec, part "B"\nsecond line' and len(rows) == 5


def test_an_empty_week_is_just_the_header() -> None:
    week = build_week([], date(2025, 3, 5), BERLIN, datetime(2025, 3, 6, tzinfo=BERLIN))
    header = b"date,start,end,minutes,task,project,source,notes,synced\r\n"
    assert week_csv(week) == b"\xef\xbb\xbf" + header
