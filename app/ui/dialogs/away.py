"""The "you were away" question: what happened, in plain words, and the four answers.

Task titles come from the server: every label is plain text, never rich text.
"""

from __future__ import annotations

from collections.abc import Sequence

from app.core.snapshot import AwayPending, TaskView
from app.ui.plain import plain_label
from app.ui.qt import (
    QComboBox,
    QDialog,
    QHBoxLayout,
    QPushButton,
    QVBoxLayout,
    QWidget,
    Signal,
)

LABELS = {
    "discard": "Discard and resume",
    "discard-paused": "Discard and stay paused",
    "keep": "Keep",
    "keep-as": "Keep as another task",
}


class AwayDialog(QDialog):
    answered = Signal(str, str)  # choice (app.away.commands.Choice value), task id ("" = none)

    def __init__(
        self, question: AwayPending, tasks: Sequence[TaskView], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("You were away")
        self.question_id = question.id
        self.message = plain_label(question.message, wrap=True)
        self.tasks = QComboBox()
        for task in tasks:
            if task.id != question.task_id:
                self.tasks.addItem(task.title, task.id)
        self.buttons: dict[str, QPushButton] = {}
        row = QHBoxLayout()
        for choice in question.choices:
            button = QPushButton(LABELS.get(choice, choice))
            button.setObjectName(f"away:{choice}")
            button.clicked.connect(lambda _=False, c=choice: self._answer(c))
            self.buttons[choice] = button
            row.addWidget(button)
        default = "discard" if "discard" in self.buttons else "discard-paused"
        self.buttons[default].setDefault(True)
        self.buttons[default].setFocus()
        if "keep-as" in self.buttons and self.tasks.count() == 0:
            self.buttons["keep-as"].setEnabled(False)
        layout = QVBoxLayout(self)
        layout.addWidget(self.message)
        other = QHBoxLayout()
        label = plain_label("Another task:")
        other.addWidget(label)
        other.addWidget(self.tasks, 1)
        layout.addLayout(other)
        layout.addLayout(row)

    def _answer(self, choice: str) -> None:
        task = str(self.tasks.currentData() or "") if choice == "keep-as" else ""
        self.answered.emit(choice, task)
        self.accept()
