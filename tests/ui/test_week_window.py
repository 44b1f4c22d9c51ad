"""The week window as a person uses it: move between weeks, pick a day, read the grid, export,
and see bars whose heights are the day totals (rendered at 200 %)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from pytestqt.qtbot import QtBot

from app.core.week import WeekEntry, WeekModel, build_week
from app.core.week_csv import week_csv
from app.ui.dialogs.week_bars import project_colours
from app.ui.dialogs.week_window import WeekWindow
from app.ui.qt import QColor, QImage, QPalette, Qt

BERLIN = ZoneInfo("Europe/Berlin")
MONDAY = date(2025, 3, 3)
NOW = datetime(2025, 3, 6, 15, 0, tzinfo=BERLIN)  # Thursday


def at(day: int, hh: int, mm: int = 0) -> datetime:
    d = MONDAY + timedelta(days=day)
    return datetime(d.year, d.month, d.day, hh, mm, tzinfo=BERLIN).astimezone(UTC)


def week(monday: date = MONDAY) -> WeekModel:
    entries = [
        WeekEntry("a", "Sync engine", "Tray", at(0, 9), at(0, 13), "timer"),
        WeekEntry("b", "Guide", "Docs", at(0, 14), at(0, 16), "manual", notes="ch. 2"),
        WeekEntry("a", "Sync engine", "Tray", at(1, 9), at(1, 10), "timer"),
        WeekEntry("b", "Guide", "Docs", at(3, 8), at(3, 9, 30), "manual", "waiting", "train"),
        WeekEntry("b", "Guide", "Docs", at(3, 10), at(3, 10, 30), "manual", "parked"),
    ]
    return build_week(
        entries, monday, BERLIN, NOW, target_hours=40, fetched_at=NOW - timedelta(minutes=5)
    )


@pytest.fixture
def window(qtbot: QtBot) -> WeekWindow:
    w = WeekWindow()
    qtbot.addWidget(w)
    w.show_week(week())
    w.show()
    qtbot.waitExposed(w)
    return w


def test_navigation_asks_for_the_right_weeks(qtbot: QtBot, window: WeekWindow) -> None:
    assert not window.this_week.isEnabled()  # already there
    with qtbot.waitSignal(window.week_requested) as previous:
        qtbot.mouseClick(window.previous, Qt.MouseButton.LeftButton)
    assert previous.args == [date(2025, 2, 24)]
    with qtbot.waitSignal(window.week_requested) as following:
        qtbot.mouseClick(window.next, Qt.MouseButton.LeftButton)
    assert following.args == [date(2025, 3, 10)]
    window.show_week(week(date(2025, 2, 24)))
    assert window.title.text() == "24 Feb – 2 Mar 2025"
    assert window.this_week.isEnabled()
    with qtbot.waitSignal(window.week_requested) as back:
        qtbot.mouseClick(window.this_week, Qt.MouseButton.LeftButton)
    assert back.args == [MONDAY]


def _rows(window: WeekWindow) -> list[list[str]]:
    tree = window.day_list
    return [
        [tree.topLevelItem(i).text(c) for c in range(tree.columnCount())]  # type: ignore[union-attr]
        for i in range(tree.topLevelItemCount())
    ]


def test_today_is_shown_first_and_clicking_a_day_shows_its_entries(
    qtbot: QtBot, window: WeekWindow
) -> None:
    assert window.day_title.text() == "Thursday 6 March: 2:00 (2 entries)"
    assert _rows(window) == [
        ["08:00–09:30", "Guide", "Docs", "1:30", "train", "manual", "waiting to sync"],
        ["10:00–10:30", "Guide", "Docs", "0:30", "", "manual", "parked: see Sync"],
    ]
    monday = window.bars.bar_rects()[0].center().toPoint()
    qtbot.mouseClick(window.bars, Qt.MouseButton.LeftButton, pos=monday)
    assert window.day_title.text() == "Monday 3 March: 6:00 (2 entries)"
    assert [r[:4] for r in _rows(window)] == [
        ["09:00–13:00", "Sync engine", "Tray", "4:00"],
        ["14:00–16:00", "Guide", "Docs", "2:00"],
    ]
    qtbot.keyClick(window.bars, Qt.Key.Key_Right)
    assert window.day_title.text().startswith("Tuesday 4 March: 1:00")
    window.show_week(week())  # a refresh of the same week keeps the chosen day
    assert window.day_title.text().startswith("Tuesday")


def test_the_grid_has_row_column_and_week_totals(window: WeekWindow) -> None:
    grid = window.grid

    def text(r: int, c: int) -> str:
        item = grid.item(r, c)
        return item.text() if item is not None else "?"

    table = [[text(r, c) for c in range(grid.columnCount())] for r in range(grid.rowCount())]
    assert table == [
        ["Guide", "Docs", "2:00", "", "", "2:00", "", "", "", "4:00"],
        ["Sync engine", "Tray", "4:00", "1:00", "", "", "", "", "", "5:00"],
        ["Total", "", "6:00", "1:00", "", "2:00", "", "", "", "9:00"],
    ]
    assert window.total.text() == "9:00 of 40:00"
    assert window.progress.value() == 225  # per mille
    assert window.age.text() == "Updated 5 min ago"


def test_export_writes_the_week_as_csv(qtbot: QtBot, window: WeekWindow, tmp_path: Path) -> None:
    target = tmp_path / "week.csv"
    window.ask_save_path = lambda suggested: str(target)
    with qtbot.waitSignal(window.exported) as done:
        qtbot.mouseClick(window.export, Qt.MouseButton.LeftButton)
    assert done.args == [str(target)]
    assert window.model is not None
    assert target.read_bytes() == week_csv(window.model)
    assert target.read_bytes().startswith(b"\xef\xbb\xbfdate,start,end")


def test_a_failed_export_says_so_in_the_window(window: WeekWindow, tmp_path: Path) -> None:
    window.ask_save_path = lambda suggested: str(tmp_path)  # a folder: cannot be written
    window.export.click()
    assert window.status.text().startswith(f"Could not write {tmp_path}")
    window.ask_save_path = lambda suggested: None  # cancelled: nothing happens
    window.export.click()
    assert list(tmp_path.iterdir()) == []


def _render(widget: WeekWindow, ratio: float) -> QImage:
    bars = widget.bars
    image = QImage(bars.size() * ratio, QImage.Format.Format_ARGB32)
    image.setDevicePixelRatio(ratio)
    image.fill(bars.palette().color(QPalette.ColorRole.Window))
    bars.render(image)
    return image


def test_bars_painted_at_200_percent_are_as_tall_as_the_day_totals(window: WeekWindow) -> None:
    image = _render(window, 2)
    colours = {QColor(c).rgb() for c in project_colours(window.model.projects).values()}  # type: ignore[union-attr]
    background = window.bars.palette().color(QPalette.ColorRole.Window).rgb()
    distinct = {
        image.pixel(x, y) for x in range(0, image.width(), 7) for y in range(0, image.height(), 7)
    }
    assert background in distinct and len(distinct) > 3  # not blank

    def painted_height(day: int) -> int:
        """Project-coloured pixels up the middle of a day's bar, in image pixels."""
        x = round(window.bars.bar_rects()[day].center().x() * 2)
        return sum(image.pixel(x, y) in colours for y in range(image.height()))

    heights = [painted_height(i) for i in range(7)]
    totals = window.model.day_totals  # type: ignore[union-attr]
    assert [h > 0 for h in heights] == [t > 0 for t in totals]
    unit = heights[0] / totals[0]
    for h, t in zip(heights, totals, strict=True):
        assert abs(h - t * unit) <= 3, (heights, totals)
    # and the geometry the painter used says the same
    rects = window.bars.bar_rects()
    assert rects[0].height() == pytest.approx(rects[1].height() * 6, rel=0.01)


def test_an_empty_week_paints_its_placeholder(window: WeekWindow) -> None:
    window.show_week(build_week([], date(2025, 3, 10), BERLIN, NOW))
    image = _render(window, 2)
    assert window.bars.bar_rects()[0].height() == 0
    assert window.day_title.text() == "Monday 10 March: 0:00 (0 entries)"
    text = window.bars.palette().color(QPalette.ColorRole.PlaceholderText).rgb()
    assert any(
        image.pixel(x, y) == text
        for x in range(image.width() // 4, image.width() * 3 // 4)
        for y in range(image.height())
    )
