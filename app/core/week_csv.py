"""The week as CSV for a spreadsheet: one row per entry per day, local times, ISO dates.

UTF-8 with a byte order mark, because Excel reads a BOM-less file in the machine's legacy code
page and mangles every accented task title; CRLF rows and csv-module quoting, so notes holding
commas, quotes or line breaks stay in their cell. A piece running on past midnight ends at
"24:00" (ISO 8601's end of day): the next day's row begins at "00:00".
"""

from __future__ import annotations

import csv
import io

from app.core.week import NO_PROJECT, WeekModel
from app.core.week_text import piece_range

HEADER = ("date", "start", "end", "minutes", "task", "project", "source", "notes", "synced")
SYNCED_TEXT = {"synced": "yes", "waiting": "waiting", "parked": "parked", "running": "running"}


def week_rows(model: WeekModel) -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = []
    for day in model.days:
        for piece in day.pieces:
            start, end = piece_range(piece).split("–")
            entry = piece.entry
            rows.append(
                (
                    day.day.isoformat(),
                    start,
                    end,
                    str(round(piece.seconds / 60)),
                    entry.task_title,
                    entry.project or NO_PROJECT,
                    entry.source,
                    entry.notes or "",
                    SYNCED_TEXT[entry.state],
                )
            )
    return rows


def week_csv(model: WeekModel) -> bytes:
    """The file's exact bytes (write them in binary mode: the CRLFs are already in)."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(HEADER)
    writer.writerows(week_rows(model))
    return buffer.getvalue().encode("utf-8-sig")
