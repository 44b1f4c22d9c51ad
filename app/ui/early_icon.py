"""The icon shown while Timetray starts: a plain clock ring in the panel's text colour.

It is drawn before anything else is loaded, so it stays clear of every Qt call whose overloads
mention a ``Qt.*`` enum (``QImage.fill``, ``QPainter.setPen``, ``fillPath`` with a colour...):
the first such call makes PySide6 build the whole ``Qt`` namespace, about 15 ms, more than
the rest of this icon costs. The ring's pixels are computed here instead (a few hundred per
size, one quadrant mirrored) and handed to Qt as a ready image. The real icon (``icon.py``)
replaces it as soon as the core has told the tray what to show.
"""

from __future__ import annotations

import math
import sys

from app.ui.qt import QColor, QIcon, QImage, QPalette, QPixmap

SIZES = (16, 22, 24, 32, 48, 64)
EARLY_SIZES = ((16, 1.0), (22, 1.0), (22, 2.0), (32, 1.0))  # (logical size, device ratio)


def is_dark(palette: QPalette) -> bool:
    """A dark desktop theme: the window background is darker than mid-grey."""
    return palette.color(QPalette.ColorRole.Window).lightness() < 128


def foreground(dark: bool) -> QColor:
    """The monochrome colour for idle/signed-out glyphs, matching the panel's text colour."""
    return QColor("#e8eaed") if dark else QColor("#3c4043")


def ring_alpha(size: int, dpr: float = 1.0) -> bytes:
    """Coverage (0..255) of the clock ring ``icon.py`` draws, one byte per physical pixel,
    rows top to bottom: same margin and stroke width, edges antialiased by distance."""
    physical = max(1, round(size * dpr))
    centre = physical / 2
    radius = centre - round(size * 0.12) * dpr  # the pen is centred on the outline
    half = max(1.2, size * 0.09) * dpr / 2
    half_n = (physical + 1) // 2
    quadrant: list[bytes] = []
    for y in range(half_n):
        dy = y + 0.5 - centre
        row = bytearray(half_n)
        for x in range(half_n):
            cover = half + 0.5 - abs(math.hypot(x + 0.5 - centre, dy) - radius)
            row[x] = 0 if cover <= 0 else 255 if cover >= 1 else round(cover * 255)
        quadrant.append(bytes(row))
    rows = []
    for y in range(physical):
        left = quadrant[y if y < half_n else physical - 1 - y]
        mirrored = left[: physical - half_n][::-1]
        rows.append(left + mirrored)
    return b"".join(rows)


def tinted(alpha: bytes, colour: QColor) -> bytes:
    """Premultiplied ARGB32 pixels (Qt's native byte order) of ``colour`` at ``alpha``."""
    channels = {
        "a": alpha,
        "r": alpha.translate(_scale_table(colour.red())),
        "g": alpha.translate(_scale_table(colour.green())),
        "b": alpha.translate(_scale_table(colour.blue())),
    }
    order = "bgra" if sys.byteorder == "little" else "argb"
    out = bytearray(len(alpha) * 4)
    for index, name in enumerate(order):
        out[index::4] = channels[name]
    return bytes(out)


def _scale_table(value: int) -> bytes:
    return bytes(round(value * a / 255) for a in range(256))


def starting_icon(dark: bool) -> QIcon:
    """The ring at the common tray sizes, 1x and 2x; Qt scales it for the rest."""
    colour = foreground(dark)
    icon = QIcon()
    for size, dpr in EARLY_SIZES:
        physical = max(1, round(size * dpr))
        data = tinted(ring_alpha(size, dpr), colour)
        image = QImage(data, physical, physical, QImage.Format.Format_ARGB32_Premultiplied)
        pixmap = QPixmap.fromImage(image.copy())  # copy: the image must not outlive ``data``
        pixmap.setDevicePixelRatio(dpr)
        icon.addPixmap(pixmap)
    return icon
