"""Renders the week window with demo data offscreen to docs/week.png (100 %, light palette).

    .venv/bin/python docs/week_screenshot.py [OUT.png] [--dark] [--scale 2]

Offscreen, with a fixed "now", the Fusion style and its standard palette, so the picture only
changes when the window does. docs/screenshot.sh calls this after the tray picture.
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.core.snapshot import TimerView  # noqa: E402
from app.core.week import WeekEntry, WeekModel, build_week  # noqa: E402

TZ = ZoneInfo("Europe/Berlin")
MONDAY = date(2025, 3, 3)
NOW = datetime(2025, 3, 6, 15, 40, tzinfo=TZ)  # Thursday afternoon, a timer running
TRAY, PAUSED, SUPPORT = "Desktop Tray Client", "Paused Initiative", "Customer support"


def _at(day: int, hh: int, mm: int = 0) -> datetime:
    return (datetime.combine(MONDAY + timedelta(days=day), datetime.min.time(), TZ)
            + timedelta(hours=hh, minutes=mm)).astimezone(UTC)  # fmt: skip


def demo_entries() -> list[WeekEntry]:
    rows: list[tuple[int, int, int, int, int, str, str, str, str, str | None]] = [
        # day, from, to, task, project, source, state, notes
        (0, 8, 45, 12, 15, "Implement tray sync", TRAY, "timer", "synced", None),
        (0, 13, 0, 15, 30, "Review API spec", TRAY, "timer", "synced", "Paging, errors"),
        (0, 15, 45, 17, 0, "Answer tickets", SUPPORT, "manual", "synced", None),
        (1, 9, 0, 12, 30, "Implement tray sync", TRAY, "timer", "synced", None),
        (1, 13, 30, 16, 0, "Write onboarding guide", PAUSED, "timer", "synced", "Chapter 2"),
        (1, 21, 0, 24, 40, "Fix login bug", TRAY, "manual", "synced", "Hotfix, late"),
        (2, 9, 15, 13, 0, "Refactor queue", TRAY, "timer", "synced", None),
        (2, 14, 0, 16, 45, "Answer tickets", SUPPORT, "timer", "synced", None),
        (3, 8, 30, 11, 0, "Review API spec", TRAY, "manual", "waiting", "On the train"),
        (3, 11, 15, 12, 0, "Write onboarding guide", PAUSED, "manual", "parked", None),
    ]
    out = []
    for day, h1, m1, h2, m2, task, project, source, state, notes in rows:
        out.append(
            WeekEntry(task, task, project, _at(day, h1, m1), _at(day, h2, m2), source,  # type: ignore[arg-type]
                      state, notes)  # type: ignore[arg-type]
        )  # fmt: skip
    return out


def demo_model() -> WeekModel:
    timer = TimerView(
        task_id="Implement tray sync",
        task_title="Implement tray sync",
        project_title=TRAY,
        state="running",
        pause_reason=None,
        source="server",
        started_at=_at(3, 13, 10),
        accumulated_seconds=0,
        running_since=_at(3, 13, 10),
    )
    return build_week(
        demo_entries(), MONDAY, TZ, NOW.astimezone(UTC), timer=timer, target_hours=40,
        fetched_at=(NOW - timedelta(minutes=5)).astimezone(UTC),
    )  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("out", nargs="?", default=str(ROOT / "docs" / "week.png"))
    parser.add_argument("--dark", action="store_true")
    parser.add_argument("--scale", type=float, default=1.0)
    args = parser.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ["QT_SCALE_FACTOR"] = str(args.scale)
    from app.ui.dialogs.week_window import WeekWindow
    from app.ui.qt import QApplication, QColor, QPalette

    app = QApplication([])
    app.setStyle("Fusion")
    palette = app.style().standardPalette()
    if args.dark:
        for role, colour in (
            (QPalette.ColorRole.Window, "#2b2b2b"),
            (QPalette.ColorRole.WindowText, "#e8e8e8"),
            (QPalette.ColorRole.Base, "#1f1f1f"),
            (QPalette.ColorRole.AlternateBase, "#2f2f2f"),
            (QPalette.ColorRole.Text, "#e8e8e8"),
            (QPalette.ColorRole.Button, "#3a3a3a"),
            (QPalette.ColorRole.ButtonText, "#e8e8e8"),
            (QPalette.ColorRole.PlaceholderText, "#9a9a9a"),
        ):
            palette.setColor(role, QColor(colour))
    app.setPalette(palette)
    window = WeekWindow()
    window.show_week(demo_model())
    window.show()
    app.processEvents()
    shot = window.grab()
    if not shot.save(args.out):
        print(f"could not write {args.out}", file=sys.stderr)
        return 1
    print(f"wrote {args.out} ({shot.width()}x{shot.height()})")
    window.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
