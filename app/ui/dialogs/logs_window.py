"""Today / This week: my logs from the server plus the ones still waiting to sync."""

from __future__ import annotations

from app.core.facade import LogsView
from app.ui.dialogs.common import close_controls
from app.ui.plain import plain_label
from app.ui.qt import (
    QComboBox,
    QHBoxLayout,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
    Signal,
)
from app.ui.text import day_totals, entries, human_duration

_STATE_LABELS = {"waiting": "  (waiting to sync)", "parked": "  (not accepted: see Sync)"}


class LogsWindow(QWidget):
    range_changed = Signal(str)  # "today" | "week"
    refresh_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("logs_window")
        self.setWindowTitle("My time")
        self.range = QComboBox()
        self.range.addItem("Today", "today")
        self.range.addItem("This week", "week")
        self.range.currentIndexChanged.connect(
            lambda _i: self.range_changed.emit(str(self.range.currentData()))
        )
        refresh = QPushButton("Refresh")
        refresh.clicked.connect(self.refresh_requested.emit)
        self.total = plain_label()
        self.status = plain_label("Loading…")
        self.tree = QTreeWidget()
        self.tree.setColumnCount(4)
        self.tree.setHeaderLabels(["When", "Task", "Duration", "Notes"])
        self.tree.setRootIsDecorated(True)
        top = QHBoxLayout()
        top.addWidget(self.range)
        top.addStretch(1)
        top.addWidget(self.total)
        top.addWidget(refresh)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.tree)
        layout.addWidget(self.status)
        layout.addWidget(close_controls(self))
        self.resize(640, 420)

    def current_range(self) -> str:
        return str(self.range.currentData())

    def set_range(self, which: str) -> None:
        index = self.range.findData(which)
        if index >= 0 and index != self.range.currentIndex():
            self.range.setCurrentIndex(index)

    def set_loading(self) -> None:
        self.status.setText("Loading…")

    def set_failed(self, message: str) -> None:
        self.status.setText(message)

    def set_logs(self, view: LogsView) -> None:
        """The entries, and a plain line when the server's part of them is a cached copy or
        missing: a total that looks complete must be complete."""
        logs = view.entries
        self.tree.clear()
        grand = 0
        pending = 0
        for day, minutes, items in day_totals(logs):
            grand += minutes
            node = QTreeWidgetItem([day, entries(len(items)), human_duration(minutes * 60), ""])
            font = node.font(0)
            font.setBold(True)
            for col in range(3):
                node.setFont(col, font)
            for log in items:
                span = f"{log.started_at.astimezone():%H:%M}-{log.ended_at.astimezone():%H:%M}"
                title = log.task_title + _STATE_LABELS.get(log.state, "")
                pending += int(log.pending)
                kind = "" if log.source == "timer" else "manual"
                child = QTreeWidgetItem(
                    [span, title, human_duration(log.duration_minutes * 60), log.notes or kind]
                )
                node.addChild(child)
            self.tree.addTopLevelItem(node)
            node.setExpanded(True)
        for col in range(4):
            self.tree.resizeColumnToContents(col)
        incomplete = "" if view.complete else " (incomplete)"
        self.total.setText(f"Total: {human_duration(grand * 60)}{incomplete}")
        lines = [] if view.note is None else [view.note]
        if not logs:
            lines.append("Nothing logged in this period yet.")
        elif pending:
            lines.append(f"{pending} of these are saved here and not on the server yet.")
        self.status.setText("\n".join(lines))
        self.status.setWordWrap(True)
