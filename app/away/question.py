"""An absence and the question about it, with the words a person reads.

The wording is honest about the server: it cannot take back what it counted before the pause
(the first ``away_minutes`` of an idle absence, all of a sleep nobody announced), so the
question says so instead of offering a discard that would not happen.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta, tzinfo
from typing import Any


@dataclass(frozen=True)
class TaskRef:
    id: str  # the server's task id (a UUID)
    name: str


@dataclass(frozen=True)
class Absence:
    id: int
    kind: str  # idle | lock | sleep | wake (slept with no chance to pause first)
    task: TaskRef  # the timer that was running when the person left
    began: datetime  # last input, the lock, the sleep
    counted_until: datetime  # the server counted the timer up to here
    ended: datetime | None = None
    cut_at: datetime | None = None  # a break or check-out began here and took over
    cut_by: str | None = None  # "break" | "check-out"

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        for k in ("began", "counted_until", "ended", "cut_at"):
            d[k] = d[k].isoformat() if d[k] is not None else None
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Absence:
        def when(k: str) -> datetime | None:
            v = d.get(k)
            return datetime.fromisoformat(v) if v else None

        began, counted = when("began"), when("counted_until")
        assert began is not None and counted is not None
        return cls(
            id=int(d["id"]),
            kind=str(d["kind"]),
            task=TaskRef(str(d["task"]["id"]), str(d["task"]["name"])),
            began=began,
            counted_until=counted,
            ended=when("ended"),
            cut_at=when("cut_at"),
            cut_by=d.get("cut_by"),
        )


def _minutes(delta: timedelta) -> str:
    total = round(delta.total_seconds() / 60)
    if total < 60:
        return f"{total} min"
    h, m = divmod(total, 60)
    return f"{h} h {m:02d} min" if m else f"{h} h"


@dataclass(frozen=True)
class Question:
    absence: Absence
    away_minutes: int

    @property
    def id(self) -> int:
        return self.absence.id

    @property
    def end(self) -> datetime:
        a = self.absence
        assert a.ended is not None
        return min(a.ended, a.cut_at) if a.cut_at else a.ended

    @property
    def uncounted(self) -> tuple[datetime, datetime]:
        """The part of the absence the server did not count: what Keep adds back."""
        start = max(self.absence.counted_until, self.absence.began)
        return start, max(start, self.end)

    @property
    def counted(self) -> timedelta:
        """What the server counted of the absence and cannot remove."""
        return max(timedelta(0), min(self.absence.counted_until, self.end) - self.absence.began)

    @property
    def can_resume(self) -> bool:
        return self.absence.cut_by is None

    def message(self, tz: tzinfo | None = None) -> str:
        a = self.absence
        began, end = a.began.astimezone(tz), self.end.astimezone(tz)
        lines = [
            f"You were away {began:%H:%M}-{end:%H:%M} ({_minutes(end - began)}) "
            f"while '{a.task.name}' was running."
        ]
        counted = self.counted
        if a.kind == "wake":
            lines.append(
                "The computer slept without warning, so the server counted all of it "
                "and cannot remove it."
            )
        elif counted >= timedelta(minutes=1):
            lines.append(
                f"The first {_minutes(counted)} were counted before the pause and cannot be "
                "removed."
            )
        else:
            lines.append("Nothing was counted while you were away.")
        if a.cut_by is not None and a.cut_at is not None:
            lines.append(
                f"Your {a.cut_by} began at {a.cut_at.astimezone(tz):%H:%M}; "
                "the timer stays as it left it."
            )
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        return {"absence": self.absence.to_dict(), "away_minutes": self.away_minutes}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Question:
        return cls(Absence.from_dict(d["absence"]), int(d["away_minutes"]))
