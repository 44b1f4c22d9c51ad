"""My week: a bar per day, the timesheet grid, the selected day's entries, and an export.

The window knows nothing of the core: it is handed a WeekModel (``show_week``) and asks for
another week with ``week_requested(date)``, so the wiring can fetch, cache and rebuild the
model however the core ends up shaped. It writes the CSV itself because the bytes are a pure
function of the model it already shows.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from app.core.week import NO_PROJECT, WeekModel, monday_of
from app.core.week_csv import week_csv
from app.core.week_text import (
    SYNC_TEXT,
    data_age,
    day_heading,
    day_label,
    hm,
    piece_range,
    progress_text,
    week_title,
)
from app.ui.dialogs.common import close_controls
from app.ui.dialogs.week_bars import WeekBars, project_colours
from app.ui.plain import plain_label, tip
from app.ui.qt import (
    QAbstractItemView,
    QFileDialog,
    QFont,
    QFontMetricsF,
    QHBoxLayout,
    QHeaderView,
    QProgressBar,
    QPushButton,
    Qt,
    QTableWidget,
    QTableWidgetItem,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
    Signal,
)

logger = logging.getLogger(__name__)

DAY_COLUMNS = ["Time", "Task", "Project", "Duration", "Notes", "Source", "Sync"]
FIRST_DAY_COLUMN = 2  # grid columns: Task, Project, Mon..Sun, Total


class WeekWindow(QWidget):
    week_requested = Signal(object)  # datetime.date: the Monday of the week wanted
    exported = Signal(str)  # the path written

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("week_window")
        self.setWindowTitle("My week")
        self.model: WeekModel | None = None
        # replaced in tests; returns the chosen path, or None when the user cancels
        self.ask_save_path: Callable[[str], str | None] = self._ask_save_path

        self.previous = QPushButton("◀ Previous")
        self.this_week = QPushButton("This week")
        self.next = QPushButton("Next ▶")
        self.previous.clicked.connect(lambda: self._step(-7))
        self.next.clicked.connect(lambda: self._step(7))
        self.this_week.clicked.connect(self._go_this_week)
        self.title = plain_label()
        title_font = QFont(self.font())
        title_font.setBold(True)
        title_font.setPointSizeF(title_font.pointSizeF() * 1.25)
        self.title.setFont(title_font)
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setTextVisible(False)  # the words are in self.total: never clipped
        self.progress.setMinimumWidth(int(QFontMetricsF(self.font()).averageCharWidth() * 14))
        self.total = plain_label()
        self.total.setAccessibleName("Week total")

        self.bars = WeekBars()
        self.bars.day_selected.connect(self._show_day)
        self.legend = plain_label(wrap=True)
        # The one rich label: coloured squares; _fill_legend escapes every project name.
        self.legend.setTextFormat(Qt.TextFormat.RichText)

        self.grid = QTableWidget()
        self.grid.setObjectName("timesheet")
        self.grid.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.grid.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.grid.setAlternatingRowColors(True)
        self.grid.verticalHeader().setVisible(False)
        self.grid.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.grid.cellClicked.connect(self._grid_clicked)

        self.day_title = plain_label()
        self.day_title.setFont(title_font)
        self.day_list = QTreeWidget()
        self.day_list.setObjectName("day_entries")
        self.day_list.setRootIsDecorated(False)
        self.day_list.setColumnCount(len(DAY_COLUMNS))
        self.day_list.setHeaderLabels(DAY_COLUMNS)
        self.day_list.setAlternatingRowColors(True)

        self.age = plain_label(wrap=True)
        self.status = plain_label(wrap=True)
        self.export = QPushButton("Export week…")
        self.export.clicked.connect(self._export_clicked)

        top = QHBoxLayout()
        for button in (self.previous, self.this_week, self.next):
            top.addWidget(button)
        top.addSpacing(int(QFontMetricsF(self.font()).height()))
        top.addWidget(self.title, 1)
        top.addWidget(self.total)
        top.addWidget(self.progress)
        bottom = QHBoxLayout()
        bottom.addWidget(self.age, 1)
        bottom.addWidget(self.export)
        bottom.addWidget(close_controls(self))
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.bars, 3)
        layout.addWidget(self.legend)
        layout.addWidget(self.grid, 3)
        layout.addWidget(self.day_title)
        layout.addWidget(self.day_list, 2)
        layout.addWidget(self.status)
        layout.addLayout(bottom)
        self._set_enabled(False)
        line = QFontMetricsF(self.font()).height()
        self.resize(int(line * 62), int(line * 50))

    # -- the data ---------------------------------------------------------------------------

    def show_week(self, model: WeekModel) -> None:
        """Show a (re)built week; the selected day stays when the same week is refreshed."""
        same_week = self.model is not None and self.model.start == model.start
        self.model = model
        if same_week:
            selected = self.bars.selected
        else:
            today = [i for i, day in enumerate(model.days) if day.is_today]
            selected = today[0] if today else 0
        self.title.setText(week_title(model))
        self.total.setText(progress_text(model))
        progress = model.progress
        self.progress.setVisible(progress is not None)
        if progress is not None:
            self.progress.setValue(min(1000, round(progress * 1000)))
            self.progress.setToolTip(tip(f"{round(progress * 100)} % of your weekly target"))
        self.bars.set_model(model, selected)
        self._fill_legend(model)
        self._fill_grid(model)
        self._show_day(selected)
        self.age.setText(data_age(model))
        self.status.setText("")
        self._set_enabled(True)
        self.this_week.setEnabled(not model.is_current)

    def set_status(self, text: str) -> None:
        """A line for the wiring: "Loading…", or why the server could not be asked."""
        self.status.setText(text)

    def _set_enabled(self, enabled: bool) -> None:
        for widget in (self.previous, self.next, self.this_week, self.export):
            widget.setEnabled(enabled)

    def _fill_legend(self, model: WeekModel) -> None:
        colours = project_colours(model.projects)
        parts = [
            f'<span style="color:{colours[p]}">■</span>&nbsp;{_escape(p)}' for p in model.projects
        ]
        self.legend.setText("&nbsp;&nbsp;&nbsp; ".join(parts))
        self.legend.setVisible(bool(parts))

    def _fill_grid(self, model: WeekModel) -> None:
        headers = ["Task", "Project", *(day_label(d.day) for d in model.days), "Total"]
        grid = self.grid
        grid.clear()
        grid.setColumnCount(len(headers))
        grid.setHorizontalHeaderLabels(headers)
        grid.setRowCount(len(model.rows) + 1)
        bold = QFont(grid.font())
        bold.setBold(True)
        for r, row in enumerate(model.rows):
            cells = [
                row.task_title,
                row.project,
                *map(_cell, row.seconds),
                _cell(row.total_seconds),
            ]
            for c, text in enumerate(cells):
                item = _item(text, numeric=c >= FIRST_DAY_COLUMN)
                if c == len(cells) - 1:
                    item.setFont(bold)
                grid.setItem(r, c, item)
        totals = ["Total", "", *map(_cell, model.day_totals), hm(model.total_seconds)]
        for c, text in enumerate(totals):
            item = _item(text, numeric=c >= FIRST_DAY_COLUMN)
            item.setFont(bold)
            grid.setItem(len(model.rows), c, item)
        for i, day in enumerate(model.days):
            header = grid.horizontalHeaderItem(FIRST_DAY_COLUMN + i)
            if header is not None and day.is_today:
                header.setFont(bold)
        head = grid.horizontalHeader()
        head.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for c in range(1, len(headers)):
            head.setSectionResizeMode(c, QHeaderView.ResizeMode.ResizeToContents)

    def _show_day(self, index: int) -> None:
        model = self.model
        if model is None:
            return
        day = model.days[index]
        count = len(day.pieces)
        noun = "entry" if count == 1 else "entries"
        self.day_title.setText(f"{day_heading(day.day)}: {hm(day.total_seconds)} ({count} {noun})")
        self.day_list.clear()
        for piece in day.pieces:
            entry = piece.entry
            item = QTreeWidgetItem(
                [
                    piece_range(piece),
                    entry.task_title,
                    entry.project or NO_PROJECT,
                    hm(piece.seconds),
                    (entry.notes or "").replace("\n", " "),
                    "timer" if entry.source == "timer" else "manual",
                    SYNC_TEXT[entry.state],
                ]
            )
            if entry.notes:
                item.setToolTip(4, tip(entry.notes))
            if entry.state in ("waiting", "parked"):
                font = item.font(6)
                font.setItalic(True)
                font.setBold(entry.state == "parked")
                item.setFont(6, font)
            self.day_list.addTopLevelItem(item)
        for col in range(len(DAY_COLUMNS)):
            self.day_list.resizeColumnToContents(col)

    # -- navigation -------------------------------------------------------------------------

    def _step(self, days: int) -> None:
        if self.model is not None:
            self.week_requested.emit(self.model.start + timedelta(days=days))

    def _go_this_week(self) -> None:
        if self.model is not None:
            self.week_requested.emit(monday_of(self.model.today))

    def _grid_clicked(self, _row: int, column: int) -> None:
        if FIRST_DAY_COLUMN <= column < FIRST_DAY_COLUMN + 7:
            self.bars.select(column - FIRST_DAY_COLUMN)

    # -- export ---------------------------------------------------------------------------------

    def _ask_save_path(self, suggested: str) -> str | None:
        path, _filter = QFileDialog.getSaveFileName(
            self, "Export week", suggested, "CSV files (*.csv);;All files (*)"
        )
        return path or None

    def _export_clicked(self) -> None:
        model = self.model
        if model is None:
            return
        path = self.ask_save_path(str(Path.home() / f"timetray-week-{model.start}.csv"))
        if path:
            self.export_to(path)

    def export_to(self, path: str) -> bool:
        """Write the shown week; a failure is said in the window, never raised into Qt."""
        if self.model is None:
            return False
        try:
            Path(path).write_bytes(week_csv(self.model))
        except OSError as exc:
            logger.warning("week export to %s failed: %s", path, exc)
            self.status.setText(f"Could not write {path}: {exc.strerror or exc}")
            return False
        self.status.setText(f"Exported to {path}")
        self.exported.emit(path)
        return True


def _cell(seconds: int) -> str:
    return hm(seconds) if seconds else ""


def _item(text: str, *, numeric: bool) -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    if numeric:
        item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    return item


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
