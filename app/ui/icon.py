"""Draws the tray icon: the elapsed time itself, in a state colour, with a status badge.

Rendering is a pure function of (IconView, size, dark, device pixel ratio), cached, so the
once-a-second tick costs a dict lookup unless the minute (or the state) actually changed.
"""

from __future__ import annotations

import logging
from functools import lru_cache

from app.ui.early_icon import SIZES, foreground
from app.ui.early_icon import is_dark as is_dark  # where the controller looks for it
from app.ui.icon_view import IconView
from app.ui.qt import (
    QColor,
    QFont,
    QFontMetricsF,
    QIcon,
    QImage,
    QPainter,
    QPainterPath,
    QPen,
    QPixmap,
    QRect,
    Qt,
)

log = logging.getLogger(__name__)


# Fill colours per state; chosen to stay distinct for the common colour-vision deficiencies
# (green/amber differ in lightness too, blue is far from both).
STATE_FILL = {
    "running": "#1e9e4a",
    "paused": "#e0a100",
    "paused_auto": "#2f6fd6",
}
BADGE_FILL = {
    "offline": "#8a8f98",
    "parked": "#d93025",
    "waiting": "#2f6fd6",
    "away": "#e37400",
}


@lru_cache(maxsize=256)
def render_icon(view: IconView, size: int, dark: bool, dpr: float = 1.0) -> QImage:
    """One pixmap of the icon at ``size`` logical pixels (``size * dpr`` physical)."""
    physical = max(1, round(size * dpr))
    image = QImage(physical, physical, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    image.setDevicePixelRatio(dpr)
    painter = QPainter(image)
    try:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing, True)
        _draw(painter, view, float(size), dark)
    finally:
        painter.end()
    return image


def _draw(painter: QPainter, view: IconView, s: float, dark: bool) -> None:
    fg = foreground(dark)
    paused = view.state in ("paused", "paused_auto")
    # A top band holds the pause bars (left) and the badge (right) so neither covers the digits.
    band = s * 0.4 if (paused or view.badge) else 0.0
    if view.state in STATE_FILL:
        fill = QColor(STATE_FILL[view.state])
        path = QPainterPath()
        radius = s * 0.18
        path.addRoundedRect(0.5, 0.5, s - 1.0, s - 1.0, radius, radius)
        painter.fillPath(path, fill)
        if paused:
            # Shape cue besides colour: two pause bars.
            bar_w = max(1.5, s * 0.1)
            bar_h = max(3.0, band * 0.62)
            top = (band - bar_h) / 2 + s * 0.04
            for left in (s * 0.14, s * 0.14 + bar_w * 2):
                painter.fillRect(
                    QRect(round(left), round(top), round(bar_w), round(bar_h)), QColor("white")
                )
        _draw_text(painter, view.text, s, band, QColor("white"))
    elif view.state == "idle":
        _draw_clock(painter, s, fg, filled=True)
    else:  # signed_out: a hollow clock with a slash
        _draw_clock(painter, s, fg, filled=False)
        pen = QPen(fg, max(1.2, s * 0.09))
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        painter.setPen(pen)
        painter.drawLine(round(s * 0.15), round(s * 0.85), round(s * 0.85), round(s * 0.15))
    if view.badge:
        _draw_badge(painter, view.badge, s, dark)


def _draw_text(painter: QPainter, text: str, s: float, band: float, colour: QColor) -> None:
    if not text:
        return
    font = QFont()
    font.setBold(True)
    font.setStyleHint(QFont.StyleHint.SansSerif)
    # The digits must fill the space to stay legible at 16 px: shrink from a large size until
    # they fit the width and the height below the band, then centre them there.
    room_w = s - max(2.0, s * 0.1)
    room_h = (s - band) * 0.78
    pixel = max(6, int(s * 0.7))
    while pixel > 5:
        font.setPixelSize(pixel)
        metrics = QFontMetricsF(font)
        if metrics.horizontalAdvance(text) <= room_w and metrics.capHeight() <= room_h:
            break
        pixel -= 1
    font.setPixelSize(pixel)
    painter.setFont(font)
    painter.setPen(colour)
    metrics = QFontMetricsF(font)
    width = metrics.horizontalAdvance(text)
    x = (s - width) / 2
    y = band + (s - band + metrics.capHeight()) / 2
    if band:
        y -= s * 0.04
    painter.drawText(round(x), round(y), text)


def _draw_clock(painter: QPainter, s: float, fg: QColor, *, filled: bool) -> None:
    pen = QPen(fg, max(1.2, s * 0.09))
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    painter.setPen(pen)
    if filled:
        painter.setBrush(Qt.BrushStyle.NoBrush)
    margin = s * 0.12
    painter.drawEllipse(round(margin), round(margin), round(s - 2 * margin), round(s - 2 * margin))
    centre = s / 2
    if filled:
        painter.drawLine(round(centre), round(centre), round(centre), round(s * 0.28))
        painter.drawLine(round(centre), round(centre), round(s * 0.68), round(centre))


def _draw_badge(painter: QPainter, badge: str, s: float, dark: bool) -> None:
    d = max(6.0, s * 0.4)
    x = s - d
    y = 0.0
    ring = QColor("#202124") if dark else QColor("white")
    painter.setPen(QPen(ring, max(1.0, s * 0.06)))
    painter.setBrush(QColor(BADGE_FILL[badge]))
    painter.drawEllipse(round(x), round(y), round(d), round(d))
    painter.setPen(QPen(QColor("white"), max(1.0, d * 0.16)))
    cx, cy = x + d / 2, y + d / 2
    if badge == "parked":  # "!"
        painter.drawLine(round(cx), round(y + d * 0.25), round(cx), round(y + d * 0.58))
        painter.drawPoint(round(cx), round(y + d * 0.76))
    elif badge == "offline":  # a dash: no connection
        painter.drawLine(round(x + d * 0.28), round(cy), round(x + d * 0.72), round(cy))


def build_icon(view: IconView, dark: bool) -> QIcon:
    """A QIcon with every tray size at 1x and 2x, so HiDPI panels never scale a bitmap up."""
    icon = QIcon()
    for size in SIZES:
        for dpr in (1.0, 2.0):
            pixmap = QPixmap.fromImage(render_icon(view, size, dark, dpr))
            pixmap.setDevicePixelRatio(dpr)
            icon.addPixmap(pixmap)
    return icon
