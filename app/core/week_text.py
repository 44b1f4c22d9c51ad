"""The words and figures of the week view, shared by the window, the tooltip, the CSV and the CLI.

Week figures are written h:mm ("31:20"), as timesheets write them, so a total over 24 hours
still reads as hours and lines up in a column.
"""

from __future__ import annotations

from datetime import date, datetime

from app.core.week import DayPiece, WeekModel

SYNC_TEXT = {
    "synced": "",
    "waiting": "waiting to sync",
    "parked": "parked: see Sync",
    "running": "running",
}


def hm(seconds: float) -> str:
    """h:mm, minutes rounded down so a figure never claims time not yet worked."""
    minutes = max(0, int(seconds // 60))
    hours, rest = divmod(minutes, 60)
    return f"{hours}:{rest:02d}"


def progress_text(model: WeekModel) -> str:
    """ "31:20 of 40:00" with a target, "31:20" without."""
    if model.target_seconds <= 0:
        return hm(model.total_seconds)
    return f"{hm(model.total_seconds)} of {hm(model.target_seconds)}"


def tooltip_line(model: WeekModel) -> str:
    """The tray tooltip's week line: "Week: 31:20 of 40:00"."""
    return f"Week: {progress_text(model)}"


def week_title(model: WeekModel) -> str:
    """ "This week, 3 – 9 Mar 2025" or "3 – 9 Mar 2025"; months and years only where needed.

    Day numbers are formatted by hand: strftime's "%-d" does not exist on Windows.
    """
    start, end = model.start, model.end
    if start.year != end.year:
        span = f"{start.day} {start:%b %Y} – {end.day} {end:%b %Y}"
    elif start.month != end.month:
        span = f"{start.day} {start:%b} – {end.day} {end:%b %Y}"
    else:
        span = f"{start.day} – {end.day} {end:%b %Y}"
    if model.is_current:
        return f"This week, {span}"
    return span


def day_label(day: date) -> str:
    """Short enough for a bar's foot: "Mon 3"."""
    return f"{day:%a} {day.day}"


def day_heading(day: date) -> str:
    return f"{day:%A} {day.day} {day:%B}"


def piece_range(piece: DayPiece) -> str:
    """ "22:30–24:00" for a piece that runs on into the next day: the day's own view of it."""
    start = f"{piece.start:%H:%M}"
    end = "24:00" if piece.into_day_after else f"{piece.end:%H:%M}"
    return f"{start}–{end}"


def data_age(model: WeekModel) -> str:
    """How far to trust the server's part of the figures, in words."""
    fetched = model.fetched_at
    if fetched is None:
        return "Not fetched from the server yet: showing entries on this computer only"
    local = fetched.astimezone(model.tz)
    if model.offline:
        when = f"{local:%H:%M}"
        if local.date() != model.today:
            when = f"{local:%a} {local.day} {local:%b} {when}"
        return f"Offline: showing entries fetched at {when}"
    return f"Updated {ago(fetched, model.now)}"


def ago(then: datetime, now: datetime) -> str:
    seconds = (now - then).total_seconds()
    if seconds < 60:
        return "just now"
    minutes = int(seconds // 60)
    if minutes < 60:
        return f"{minutes} min ago"
    hours = minutes // 60
    if hours < 48:
        return f"{hours} h ago"
    return f"{hours // 24} days ago"
