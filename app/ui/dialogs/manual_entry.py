"""Log time manually: the server's checks run here first, so mistakes are fixed in place."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta

from app.core.facade import LogEntry
from app.core.snapshot import TaskView
from app.ui.dialogs.common import SubmitOnEnter, error_label, ok_cancel, show_error
from app.ui.qt import (
    QComboBox,
    QDate,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QPlainTextEdit,
    QTime,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
    Signal,
)
from app.ui.text import human_duration, task_label, validate_manual


def local_to_utc(day: date, at: time) -> datetime:
    """A wall-clock time in the user's zone (DST included) as aware UTC."""
    return datetime.combine(day, at).astimezone().astimezone(UTC)


class ManualEntryDialog(QDialog):
    submitted = Signal(str, object, object, str)  # task_id, start UTC, end UTC, notes ("" = none)

    def __init__(
        self,
        tasks: Sequence[TaskView],
        *,
        now: datetime,
        notes_max: int,
        default_task_id: str | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Log time manually")
        self.notes_max = notes_max
        self.known_logs: list[LogEntry] = []
        # Spans this dialog already sent: the known logs load on the core's worker and may
        # arrive after a submit, holding that very entry as "waiting to sync"; after a refusal
        # the user's retry must not be told it overlaps itself.
        self._sent: set[tuple[datetime, datetime]] = set()
        self.task = QComboBox()
        for task in tasks:
            if task.startable:
                self.task.addItem(task_label(task), task.id)
        if default_task_id:
            index = self.task.findData(default_task_id)
            if index >= 0:
                self.task.setCurrentIndex(index)
        local_now = now.astimezone()
        self.day = QDateEdit(QDate(local_now.year, local_now.month, local_now.day))
        self.day.setCalendarPopup(True)
        self.day.setDisplayFormat("ddd d MMM yyyy")
        end = local_now.replace(second=0, microsecond=0)
        start = end - timedelta(hours=1)
        self.start = QTimeEdit(QTime(start.hour, start.minute))
        self.end = QTimeEdit(QTime(end.hour, end.minute))
        for edit in (self.start, self.end):
            edit.setDisplayFormat("HH:mm")
        self.duration = QLabel()
        self.notes = QPlainTextEdit()
        self.notes.setPlaceholderText("Notes (optional; Shift+Enter for a new line)")
        self.notes.setFixedHeight(70)
        self.error = error_label()
        self.status = QLabel()
        form = QFormLayout()
        form.addRow("Task", self.task)
        form.addRow("Date", self.day)
        form.addRow("Start", self.start)
        form.addRow("End", self.end)
        form.addRow("", self.duration)
        form.addRow("Notes", self.notes)
        self.buttons = ok_cancel(self, "Log time")
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.status)
        layout.addWidget(self.buttons)
        SubmitOnEnter(self.notes, self.accept)
        for edit in (self.start, self.end):
            edit.timeChanged.connect(self._update_duration)
        self.day.dateChanged.connect(self._update_duration)
        self._update_duration()
        if self.task.count() == 0:
            show_error(self.error, "No task accepts time right now.")

    def set_known_logs(self, logs: Sequence[LogEntry]) -> None:
        self.known_logs = list(logs)

    def span(self) -> tuple[datetime, datetime]:
        day = self.day.date().toPython()
        assert isinstance(day, date)
        start = self.start.time().toPython()
        end = self.end.time().toPython()
        assert isinstance(start, time) and isinstance(end, time)
        return local_to_utc(day, start), local_to_utc(day, end)

    def _update_duration(self) -> None:
        started, ended = self.span()
        seconds = (ended - started).total_seconds()
        self.duration.setText(human_duration(seconds) if seconds > 0 else "")

    def accept(self) -> None:
        if self.task.count() == 0:
            return
        started, ended = self.span()
        notes = self.notes.toPlainText().strip()
        known = [
            log
            for log in self.known_logs
            if not (log.pending and (log.started_at, log.ended_at) in self._sent)
        ]
        problems = validate_manual(started, ended, notes, known, self.notes_max)
        if problems:
            show_error(self.error, "\n".join(problems))
            return
        self._sent.add((started, ended))
        self.set_busy(True)
        self.submitted.emit(str(self.task.currentData()), started, ended, notes)

    def set_busy(self, busy: bool) -> None:
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(not busy)
        self.status.setText("Saving…" if busy else "")
        if busy:
            show_error(self.error, "")

    def show_failure(self, message: str) -> None:
        self.set_busy(False)
        show_error(self.error, message)

    def finish(self) -> None:
        super().accept()
