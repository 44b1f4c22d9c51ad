"""A bar per day, stacked by project: the week taken in at a glance.

Painted with QPainter (no charting add-on). Every size comes from the widget's font, so the
chart grows with the user's font and at 200 % scaling nothing clips; every colour but the
projects' comes from the palette, so it follows light and dark themes. The projects' colours
are a fixed set of mid-tone hues that keep their contrast on a light and on a dark background.
"""

from __future__ import annotations

import logging
import zlib
from collections.abc import Sequence

from app.core.week import WeekModel
from app.core.week_text import day_label, hm
from app.ui.qt import (
    QColor,
    QFont,
    QFontMetricsF,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPalette,
    QPen,
    QPointF,
    QRectF,
    QSize,
    QSizePolicy,
    Qt,
    QWidget,
    Signal,
)

logger = logging.getLogger(__name__)

# Tableau 10: designed to be told apart, and mid-tone enough for both themes.
PROJECT_COLOURS: tuple[str, ...] = (
    "#4e79a7",
    "#f28e2b",
    "#59a14f",
    "#e15759",
    "#76b7b2",
    "#edc948",
    "#b07aa1",
    "#ff9da7",
    "#9c755f",
    "#bab0ac",
)


def project_colours(projects: Sequence[str]) -> dict[str, str]:
    """A project keeps its colour from week to week (a hash of its name picks the slot), and
    two projects of one week never share one while slots are free."""
    taken: set[int] = set()
    out: dict[str, str] = {}
    n = len(PROJECT_COLOURS)
    for project in projects:
        slot = zlib.crc32(project.encode("utf-8")) % n
        for step in range(n):
            if (slot + step) % n not in taken:
                slot = (slot + step) % n
                break
        taken.add(slot)
        out[project] = PROJECT_COLOURS[slot]
    return out


class WeekBars(QWidget):
    """Seven bars; a click (or Left / Right) selects a day."""

    day_selected = Signal(int)  # 0 = Monday

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("week_bars")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setAccessibleName("Hours per day")
        self.model: WeekModel | None = None
        self.colours: dict[str, str] = {}
        self.selected = 0

    def set_model(self, model: WeekModel, selected: int) -> None:
        self.model = model
        self.colours = project_colours(model.projects)
        self.selected = selected
        self.update()

    def select(self, index: int) -> None:
        index = max(0, min(6, index))
        if index != self.selected:
            self.selected = index
            self.update()
        self.day_selected.emit(index)

    # -- geometry, shared by painting, clicks and tests -----------------------------------

    def _line(self) -> float:
        return QFontMetricsF(self.font()).height()

    def sizeHint(self) -> QSize:
        fm = QFontMetricsF(self.font())
        return QSize(int(fm.horizontalAdvance("Wed 30") * 1.8 * 7), int(fm.height() * 11))

    def minimumSizeHint(self) -> QSize:
        fm = QFontMetricsF(self.font())
        return QSize(int(fm.horizontalAdvance("Wed 30") * 1.2 * 7), int(fm.height() * 6))

    def _slot(self, index: int) -> QRectF:
        width = self.width() / 7
        return QRectF(index * width, 0, width, self.height())

    def _plot(self) -> tuple[float, float]:
        """The y of zero and the height of the scale's top, in widget coordinates."""
        line = self._line()
        return self.height() - line * 1.8, max(1.0, self.height() - line * 3.6)

    def _scale_seconds(self) -> float:
        model = self.model
        if model is None:
            return 3600.0
        top = max([*model.day_totals, model.day_target_seconds, 3600])
        return top * 1.05

    def _y(self, seconds: float) -> float:
        base, height = self._plot()
        return base - height * seconds / self._scale_seconds()

    def bar_rects(self) -> list[QRectF]:
        """Each day's whole bar (empty for a day with nothing), in widget coordinates."""
        base, _ = self._plot()
        out: list[QRectF] = []
        totals = self.model.day_totals if self.model is not None else (0,) * 7
        for i, total in enumerate(totals):
            slot = self._slot(i)
            width = min(slot.width() * 0.56, self._line() * 4)
            left = slot.center().x() - width / 2
            top = self._y(total)
            out.append(QRectF(left, top, width, base - top))
        return out

    # -- painting ----------------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        try:
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            self._paint(painter)
        finally:
            painter.end()

    def _paint(self, painter: QPainter) -> None:
        pal = self.palette()
        line = self._line()
        base, _ = self._plot()
        model = self.model
        text = pal.color(QPalette.ColorRole.WindowText)
        highlight = pal.color(QPalette.ColorRole.Highlight)
        rects = self.bar_rects()
        for i in range(7):
            slot = self._slot(i)
            day = model.days[i] if model is not None else None
            if day is not None and day.is_today:
                band = QColor(highlight)
                band.setAlpha(40)
                painter.fillRect(slot.adjusted(2, 2, -2, -2), band)
            if i == self.selected and model is not None:
                pen = QPen(highlight, max(1.0, line / 8))
                painter.setPen(pen)
                painter.setBrush(Qt.BrushStyle.NoBrush)
                inset = pen.widthF()
                painter.drawRoundedRect(
                    slot.adjusted(inset, inset, -inset, -inset), line / 4, line / 4
                )
            if day is None:
                continue
            bar = rects[i]
            bottom, stacked = base, 0
            for project, seconds in day.by_project:
                stacked += seconds
                top = self._y(stacked)
                painter.fillRect(
                    QRectF(bar.left(), top, bar.width(), bottom - top),
                    QColor(self.colours.get(project, PROJECT_COLOURS[-1])),
                )
                bottom = top
            font = QFont(self.font())
            font.setBold(day.is_today)
            painter.setFont(font)
            painter.setPen(text)
            if day.total_seconds:
                above = QRectF(slot.left(), bar.top() - line * 1.2, slot.width(), line)
                painter.drawText(above, Qt.AlignmentFlag.AlignCenter, hm(day.total_seconds))
            foot = QRectF(slot.left(), base + line * 0.3, slot.width(), line * 1.2)
            painter.drawText(foot, Qt.AlignmentFlag.AlignCenter, day_label(day.day))
        axis = QColor(text)
        axis.setAlpha(110)
        painter.setPen(QPen(axis, 1))
        painter.drawLine(QPointF(0, base), QPointF(self.width(), base))
        if model is not None and model.day_target_seconds > 0:
            self._paint_target(painter, model.day_target_seconds, text)
        if model is not None and model.total_seconds == 0:
            painter.setPen(pal.color(QPalette.ColorRole.PlaceholderText))
            painter.setFont(self.font())
            painter.drawText(
                QRectF(0, 0, self.width(), base),
                Qt.AlignmentFlag.AlignCenter,
                "Nothing logged this week",
            )

    def _paint_target(self, painter: QPainter, seconds: int, text: QColor) -> None:
        """A dashed line over the workdays at the daily share of the weekly target."""
        colour = QColor(text)
        colour.setAlpha(170)
        pen = QPen(colour, max(1.0, self._line() / 10))
        pen.setStyle(Qt.PenStyle.DashLine)
        painter.setPen(pen)
        y = self._y(seconds)
        left, right = self._slot(0).left() + 4, self._slot(4).right() - 4
        painter.drawLine(QPointF(left, y), QPointF(right, y))
        painter.setPen(colour)
        painter.setFont(self.font())
        label = QRectF(right + 4, y - self._line(), self._slot(5).width(), self._line())
        painter.drawText(
            label, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignBottom, hm(seconds)
        )

    # -- input -------------------------------------------------------------------------------

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self.width() > 0:
            self.select(int(event.position().x() * 7 // self.width()))
        super().mousePressEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Left:
            self.select(self.selected - 1)
        elif event.key() == Qt.Key.Key_Right:
            self.select(self.selected + 1)
        else:
            super().keyPressEvent(event)
