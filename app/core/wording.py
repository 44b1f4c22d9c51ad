"""Counts and durations in words, one way for the core, the CLI and the tray (no Qt here).

"1 entries", "Synced 0 item(s)." and "300 min" for five hours all came from each place
formatting on its own; these few helpers are the one place that does it now.
"""

from __future__ import annotations


def plural(count: int, word: str, many: str | None = None) -> str:
    """ "1 entry", "0 entries", "3 items": the count with the word in its right form."""
    return f"{count} {word}" if count == 1 else f"{count} {many or word + 's'}"


def entries(count: int) -> str:
    return plural(count, "entry", "entries")


def items(count: int) -> str:
    return plural(count, "item")


def duration(seconds: float) -> str:
    """ "45 min" under an hour, "h:mm h" from an hour on ("5:00 h", not "300 min"): totals,
    where reading beats precision (whole minutes, rounded down as the server does)."""
    total_minutes = max(0, int(seconds // 60))
    hours, minutes = divmod(total_minutes, 60)
    if hours:
        return f"{hours}:{minutes:02d} h"
    return f"{minutes} min"


def minutes(count: float) -> str:
    """A duration given in minutes (the server's ``duration_minutes``)."""
    return duration(count * 60)
