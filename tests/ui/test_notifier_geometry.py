"""Notification throttling and safe window placement (pure logic)."""

from __future__ import annotations

from pathlib import Path

from app.core.snapshot import AttendanceView, Notice, Snapshot
from app.ui.geometry import WindowPlaces, safe_rect
from app.ui.notifier import Notifier
from tests.ui.fake_core import T0

CHECKED_IN = Snapshot(signed_in=True, attendance=AttendanceView(checked_in=True, known=True))


def test_disabled_notifications_still_tell_about_parked_items() -> None:
    notifier = Notifier()
    notifier.enabled = False
    assert notifier.filter(Notice("auto_pause", "Paused", "break"), T0) is None
    assert notifier.filter(Notice("parked", "Parked", "blocked"), T0) is not None


def test_a_screen_that_disappeared_brings_the_window_back() -> None:
    laptop = (0, 0, 1920, 1080)
    external = (1920, 0, 2560, 1440)
    on_external = (2500, 300, 600, 400)
    assert safe_rect(on_external, [laptop, external]) == on_external
    moved = safe_rect(on_external, [laptop])
    assert moved is not None
    x, y, w, h = moved
    assert x >= 0 and x + w <= 1920 and y >= 0 and y + h <= 1080
    assert safe_rect((100, -500, 600, 400), [laptop])[1] >= 0  # type: ignore[index]
    assert safe_rect(on_external, []) is None


def test_window_places_survive_a_restart_and_a_corrupt_file(tmp_path: Path) -> None:
    path = tmp_path / "windows.json"
    WindowPlaces(path).put("logs", (10, 20, 300, 200))
    assert WindowPlaces(path).get("logs") == (10, 20, 300, 200)
    path.write_text("{not json", encoding="utf-8")
    assert WindowPlaces(path).get("logs") is None
