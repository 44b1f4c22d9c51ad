"""Settings that could not be used, all in one place: which file, which key, what was wrong,
and what Timetray uses instead.

Four bad keys used to fire four "Settings problem" balloons within a few milliseconds, so only
the last one was ever seen. One notice now points here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import NamedTuple

from app.ui.dialogs.common import close_controls
from app.ui.plain import plain_label, tip
from app.ui.qt import (
    QAbstractItemView,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)


class Problem(NamedTuple):
    where: str  # the file (or variable, or policy source)
    key: str
    why: str


def parse_problem(line: str) -> Problem:
    """``"<file>: <key>: <why>"`` as the settings loader writes it. A path may hold ": " only
    in odd cases, so the key and the reason are taken from the right-hand side first."""
    head, sep, why = line.rpartition(": ")
    if not sep:
        return Problem("", "", line)
    where, sep, key = head.rpartition(": ")
    if not sep:
        return Problem(head, "", why)
    if " " in key.strip():  # "<file>: <message>: <detail>" with no key in it
        return Problem(where, "", f"{key}: {why}")
    return Problem(where, key, why)


def problems_summary(count: int) -> str:
    setting = "setting" if count == 1 else "settings"
    return (
        f"{count} {setting} could not be used; Timetray uses safe values instead. "
        "Click to see which."
    )


class SettingsProblemsWindow(QWidget):
    """A list of the problems with the value each key has now (``used_instead``)."""

    def __init__(
        self,
        problems: Sequence[str],
        used_instead: Callable[[str], object],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("settings_problems")
        self.setWindowTitle("Settings problems")
        intro = plain_label(
            "These lines in your settings could not be used. Each key falls back to the value "
            "shown; fix the file and restart Timetray to use yours.",
            wrap=True,
        )
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(["File", "Setting", "Problem", "Used instead"])
        self.tree.setRootIsDecorated(False)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        for line in problems:
            problem = parse_problem(line)
            value = used_instead(problem.key) if problem.key else None
            shown = "(none)" if value is None or value == "" else str(value)
            item = QTreeWidgetItem([problem.where, problem.key, problem.why, shown])
            item.setToolTip(2, tip(problem.why))
            self.tree.addTopLevelItem(item)
        for column in range(4):
            self.tree.resizeColumnToContents(column)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.tree)
        layout.addWidget(close_controls(self))
        self.resize(720, 280)
