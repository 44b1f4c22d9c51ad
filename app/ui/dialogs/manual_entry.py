"""Log time manually: the server's checks run here first, so mistakes are fixed in place."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, time, timedelta

from app.core.facade import LogEntry
from app.core.snapshot import TaskView
from app.ui.dialogs.common import SubmitOnEnter, error_label, ok_cancel, show_error
from app.ui.plain import plain_label
from app.ui.qt import (
    QComboBox,
    QDate,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QKeyEvent,
    QPlainTextEdit,
    QTime,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
    Signal,
)
from app.ui.text import human_duration, task_label, validate_manual

DEFAULT_LENGTH = timedelta(hours=1)


def local_to_utc(day: date, at: time) -> datetime:
    """A wall-clock time in the user's zone (DST included) as aware UTC."""
    return datetime.combine(day, at).astimezone().astimezone(UTC)


def free_slot(
    busy: Iterable[tuple[datetime, datetime]], now: datetime
) -> tuple[datetime, datetime] | None:
    """The latest free stretch of today, up to an hour long, ending at the latest at ``now``,
    on whole minutes (the fields have no seconds), or None when today has no free minute.

    The old default, the last hour, overlapped the timer the person had just stopped, so the
    first thing the dialog did was refuse its own suggestion."""
    minute = timedelta(minutes=1)
    local_now = now.astimezone()
    day_start = local_now.replace(hour=0, minute=0, second=0, microsecond=0)
    end = local_now.replace(second=0, microsecond=0)
    for started, ended in sorted(busy, key=lambda span: span[1], reverse=True):
        started, ended = started.astimezone(), ended.astimezone()
        if started >= end:
            continue  # after the candidate end: no bearing on it
        if ended < end:
            free_from = ended.replace(second=0, microsecond=0)
            if free_from < ended:
                free_from += minute  # touching is fine; overlapping by 37 s is refused
            if end - free_from >= minute:
                return max(free_from, day_start, end - DEFAULT_LENGTH), end
        end = min(end, started.replace(second=0, microsecond=0))
    if end - day_start < minute:
        return None
    return max(day_start, end - DEFAULT_LENGTH), end


def default_range(now: datetime) -> tuple[datetime, datetime]:
    """The last hour, kept within one day (the dialog has one date): just after midnight it
    is the start of today, and in the day's first minute the last hour of yesterday. "The last
    hour" at 00:20 used to read 23:20-00:20 on one date, an end before its start."""
    end = now.astimezone().replace(second=0, microsecond=0)
    day_start = end.replace(hour=0, minute=0)
    if end - day_start < timedelta(minutes=1):
        end = day_start - timedelta(minutes=1)
        return end - DEFAULT_LENGTH + timedelta(minutes=1), end
    return max(day_start, end - DEFAULT_LENGTH), end


class TimeField(QTimeEdit):
    """An HH:mm field that takes typing over a fully selected value ("0930" -> 09:30).

    Qt's time edit types into one section at a time and rejects a whole-text replacement, so
    a person who selected the time and typed a new one saw nothing happen."""

    def __init__(self, value: QTime) -> None:
        super().__init__(value)
        self.setDisplayFormat("HH:mm")

    def keyPressEvent(self, event: QKeyEvent) -> None:
        line = self.lineEdit()
        if event.text().isdigit() and line.hasSelectedText() and line.selectedText() == line.text():
            self.setSelectedSection(QTimeEdit.Section.HourSection)
        super().keyPressEvent(event)


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
            if task.startable and task.manual_reason is None:
                self.task.addItem(task_label(task), task.id)
        # Tasks the server is known to refuse manual entries for are left out, and said so
        # with the reason (as the Start menu greys a task it would refuse to start).
        self.refused = plain_label(
            "\n".join(
                f"Not offered: {task.title} ({task.manual_reason})"
                for task in tasks
                if task.startable and task.manual_reason is not None
            ),
            wrap=True,
        )
        self.refused.setObjectName("refused_tasks")
        self.refused.setEnabled(False)  # greyed, like a disabled menu entry
        self.refused.setVisible(bool(self.refused.text()))
        if default_task_id:
            index = self.task.findData(default_task_id)
            if index >= 0:
                self.task.setCurrentIndex(index)
        self.now = now
        # Once the person has touched a time, suggestions stop moving it under their hands.
        self._times_touched = False
        self._placing = False
        start, end = default_range(now)
        self.day = QDateEdit(QDate(end.year, end.month, end.day))
        self.day.setCalendarPopup(True)
        self.day.setDisplayFormat("ddd d MMM yyyy")
        self.start = TimeField(QTime(start.hour, start.minute))
        self.end = TimeField(QTime(end.hour, end.minute))
        self.duration = plain_label()
        self.notes = QPlainTextEdit()
        self.notes.setPlaceholderText("Notes (optional; Shift+Enter for a new line)")
        self.notes.setFixedHeight(70)
        self.error = error_label()
        self.status = plain_label()
        form = QFormLayout()
        form.addRow("Task", self.task)
        form.addRow("", self.refused)
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
            edit.timeChanged.connect(self._times_changed)
        self.day.dateChanged.connect(self._times_changed)
        self.task.currentIndexChanged.connect(self._recheck)
        self._update_duration()
        if self.task.count() == 0:
            show_error(self.error, "No task accepts time right now.")

    def set_known_logs(self, logs: Sequence[LogEntry]) -> None:
        """The logs arrive from the core after the dialog opened: the suggested range moves to
        a free slot unless the person already chose their times."""
        self.known_logs = list(logs)
        if not self._times_touched:
            slot = free_slot(((log.started_at, log.ended_at) for log in logs), self.now)
            if slot is not None:
                self._show_span(*slot)
        self._recheck()

    def _show_span(self, started: datetime, ended: datetime) -> None:
        self._placing = True
        try:
            self.day.setDate(QDate(ended.year, ended.month, ended.day))
            self.start.setTime(QTime(started.hour, started.minute))
            self.end.setTime(QTime(ended.hour, ended.minute))
        finally:
            self._placing = False
        self._update_duration()

    def _times_changed(self) -> None:
        if not self._placing:
            self._times_touched = True
        self._update_duration()
        self._recheck()

    def _recheck(self) -> None:
        """A shown problem is re-checked as the fields change, so "It overlaps ..." goes away
        the moment the times are fixed, instead of staying until the next submit."""
        if self.error.isHidden():
            return
        show_error(self.error, "\n".join(self._problems()))

    def _problems(self) -> list[str]:
        started, ended = self.span()
        known = [
            log
            for log in self.known_logs
            if not (log.pending and (log.started_at, log.ended_at) in self._sent)
        ]
        notes = self.notes.toPlainText().strip()
        return validate_manual(started, ended, notes, known, self.notes_max)

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
        self._times_touched = True  # submitted: these are the person's times now
        problems = self._problems()
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
