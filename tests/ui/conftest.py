"""UI test fixtures: a FakeCore-driven TrayController, and a guard that fails a test on any
Qt warning except the two harmless offscreen ones measured in SCREEN-TESTING.md."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from app.config import Settings
from app.ui.controller import TrayController
from app.ui.settings_port import SettingsPort, in_memory
from tests.ui.fake_core import FakeClock, FakeCore

ALLOWED_QT_WARNINGS = (
    "No such signal",  # QSystemTrayIcon on the offscreen platform
    "does not support raise()",
    "This plugin does not support propagateSizeHints()",
    "This plugin does not support grabbing the keyboard",  # a popup menu on offscreen
)


@pytest.fixture(autouse=True)
def fail_on_qt_warnings(qtlog: Any) -> Iterator[None]:
    """qutebrowser style: an unexpected Qt warning is a bug (a bad connect, a wrong thread)."""
    yield
    bad = [
        record.message
        for record in qtlog.records
        if record.type.name in ("QtWarningMsg", "QtCriticalMsg", "QtFatalMsg")
        and not any(allowed in record.message for allowed in ALLOWED_QT_WARNINGS)
    ]
    assert not bad, f"unexpected Qt warnings: {bad}"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def core(clock: FakeClock) -> FakeCore:
    return FakeCore(clock)


def make_settings(**values: Any) -> SettingsPort:
    locked = frozenset(values.pop("locked", ()))
    saved: list[dict[str, Any]] = []
    base = {
        "server_url": "http://127.0.0.1:9",
        "poll_interval_seconds": 15,
        "auto_resume": True,
        "autostart": False,
        "notifications": True,
        "ca_bundle": None,
        "long_timer_hours": 10.0,
        "idle_reminder_minutes": 0,
        "notes_max_length": 200,
        "last_email": None,
    }
    base.update(values)
    port = SettingsPort(in_memory(Settings(**base), locked), save=saved.append)
    port.saved = saved  # type: ignore[attr-defined]
    return port


@pytest.fixture
def settings() -> SettingsPort:
    return make_settings()


@pytest.fixture
def controller(
    qtbot: QtBot, core: FakeCore, settings: SettingsPort, clock: FakeClock
) -> Iterator[TrayController]:
    quits: list[bool] = []
    ctl = TrayController(
        core, settings, wait_for_tray=False, clock=clock, on_quit=lambda: quits.append(True)
    )
    ctl.quits = quits  # type: ignore[attr-defined]
    ctl.show()
    yield ctl
    ctl.ticker.stop()
    ctl.tray.hide()
    for widget in list(ctl.dialogs.values()):
        widget.close()
        widget.deleteLater()
    if ctl.window is not None:
        ctl.window.hide()
        ctl.window.deleteLater()
    ctl.bridge.close()
    ctl.menu.deleteLater()
    ctl.deleteLater()
