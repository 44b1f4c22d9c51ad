"""The icon's pixels: one look per state, a badge that shows, legible sizes, dark panels."""

from __future__ import annotations

import pytest
from pytestqt.qtbot import QtBot

from app.ui.icon import SIZES, build_icon, render_icon
from app.ui.qt import QColor, QImage
from app.ui.text import IconView

STATES = [
    IconView("running", "1:07"),
    IconView("paused", "1:07"),
    IconView("paused_auto", "1:07"),
    IconView("idle", ""),
    IconView("signed_out", ""),
]


def pixels(image: QImage) -> bytes:
    converted = image.convertToFormat(QImage.Format.Format_ARGB32)
    return bytes(converted.constBits())  # type: ignore[arg-type]


EVERY_STATE = [
    *STATES,
    IconView("running", "1:07", "offline"),
    IconView("running", "1:07", "waiting"),
    IconView("running", "1:07", "parked"),
]


@pytest.mark.parametrize("ratio", [1.0, 2.0])
@pytest.mark.parametrize("size", [16, 22, 32])
def test_each_state_has_its_own_pixels(qtbot: QtBot, size: int, ratio: float) -> None:
    """Running, paused by hand, paused automatically, no timer, signed out, offline, waiting
    and parked: eight looks, told apart at every panel size and on HiDPI."""
    drawn = {pixels(render_icon(view, size, False, ratio)) for view in EVERY_STATE}
    assert len(drawn) == len(EVERY_STATE)
    drawn_dark = {pixels(render_icon(view, size, True, ratio)) for view in EVERY_STATE}
    assert len(drawn_dark) == len(EVERY_STATE)


def test_running_is_green_and_paused_is_amber(qtbot: QtBot) -> None:
    def corner_colour(view: IconView) -> QColor:
        return render_icon(view, 32, False).pixelColor(4, 28)

    running = corner_colour(IconView("running", "5m"))
    paused = corner_colour(IconView("paused", "5m"))
    assert running.green() > running.red()
    assert paused.red() > paused.blue() and paused.green() > paused.blue()


@pytest.mark.parametrize("badge", ["offline", "parked", "waiting"])
def test_badges_change_the_icon(qtbot: QtBot, badge: str) -> None:
    plain = pixels(render_icon(IconView("running", "7m"), 22, False))
    badged = pixels(render_icon(IconView("running", "7m", badge), 22, False))  # type: ignore[arg-type]
    assert plain != badged


def test_text_changes_the_pixels_even_at_16px(qtbot: QtBot) -> None:
    a = pixels(render_icon(IconView("running", "1:07"), 16, False))
    b = pixels(render_icon(IconView("running", "1:08"), 16, False))
    assert a != b


def test_idle_glyph_follows_dark_palette(qtbot: QtBot) -> None:
    light = render_icon(IconView("idle", ""), 32, False)
    dark = render_icon(IconView("idle", ""), 32, True)
    assert pixels(light) != pixels(dark)
    # somewhere on the ring: dark theme draws a light glyph
    lightest_dark = max(
        dark.pixelColor(x, 16).lightness()
        for x in range(32)
        if dark.pixelColor(x, 16).alpha() > 200
    )
    darkest_light = min(
        light.pixelColor(x, 16).lightness()
        for x in range(32)
        if light.pixelColor(x, 16).alpha() > 200
    )
    assert lightest_dark > 180 and darkest_light < 100


def test_hidpi_pixmaps_have_double_resolution(qtbot: QtBot) -> None:
    image = render_icon(IconView("running", "1:07"), 22, False, 2.0)
    assert (image.width(), image.height()) == (44, 44)
    assert image.devicePixelRatio() == 2.0
    icon = build_icon(IconView("running", "1:07"), False)
    assert {s.width() for s in icon.availableSizes()} >= set(SIZES)


def test_rendering_is_cached(qtbot: QtBot) -> None:
    view = IconView("paused", "3:33", "waiting")
    assert render_icon(view, 24, False) is render_icon(view, 24, False)
