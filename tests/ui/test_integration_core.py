"""The tray on the real core against the contract test server: menu actions end to end, and
the GUI staying responsive while the server hangs."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from app import config
from app.core import wiring
from app.ui.controller import TrayController
from app.ui.dialogs.logs_window import LogsWindow
from app.ui.dialogs.notes import StopNotesDialog
from app.ui.dialogs.sign_in import SignInDialog
from app.ui.qt import QTimer
from app.ui.settings_port import SettingsPort, in_memory
from tests.ui.fake_core import task_id
from tests.ui.helpers import action, close_tray, trigger

T3 = task_id("03")
WAIT = 15_000


@pytest.fixture
def real(qtbot: QtBot, server: Any, tmp_path: Path) -> Iterator[tuple[TrayController, Any]]:
    values = config.Settings(server_url=server.url, poll_interval_seconds=5, autostart=False)
    core = wiring.build_core(values, tmp_path / "data")
    core.open()
    quits: list[bool] = []
    ctl = TrayController(
        core,
        SettingsPort(in_memory(values)),
        wait_for_tray=False,
        on_quit=lambda: quits.append(True),
    )
    ctl.show()
    try:
        yield ctl, core
    finally:
        close_tray(ctl)
        core.shutdown()


def sign_in(qtbot: QtBot, ctl: TrayController) -> None:
    trigger(ctl, "action:sign_in")
    dialog = ctl.dialogs["sign_in"]
    assert isinstance(dialog, SignInDialog)
    dialog.email.setText("emp1@example.com")
    dialog.password.setText("Employee1234!")
    dialog.accept()
    qtbot.waitUntil(lambda: ctl.snapshot.signed_in and bool(ctl.snapshot.tasks), timeout=WAIT)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=WAIT)


def test_menu_actions_against_the_contract_server(
    qtbot: QtBot, real: tuple[TrayController, Any]
) -> None:
    ctl, _core = real
    sign_in(qtbot, ctl)
    assert "Erin Employee" in ctl.snapshot.user_name  # type: ignore[operator]

    trigger(ctl, "action:check_in:office")
    qtbot.waitUntil(lambda: ctl.snapshot.attendance.checked_in, timeout=WAIT)
    trigger(ctl, f"task:{T3}")
    qtbot.waitUntil(lambda: ctl.snapshot.timer is not None, timeout=WAIT)
    assert ctl.tray.toolTip().startswith("Task: Implement tray sync")
    blocked = action(ctl, f"task:{task_id('04')}")
    assert not blocked.isEnabled()

    trigger(ctl, "action:pause")
    qtbot.waitUntil(
        lambda: ctl.snapshot.timer is not None and ctl.snapshot.timer.state == "paused",
        timeout=WAIT,
    )
    trigger(ctl, "action:resume")
    qtbot.waitUntil(
        lambda: ctl.snapshot.timer is not None and ctl.snapshot.timer.state == "running",
        timeout=WAIT,
    )
    results: list[tuple[str, str, str]] = []
    ctl.bridge.command_done.connect(lambda label, r: results.append((label, r.status, r.message)))
    trigger(ctl, "action:start_break")
    ctl.dialogs["break"].accept()  # type: ignore[attr-defined]
    qtbot.waitUntil(lambda: any(r[0] == "start_break" for r in results), timeout=WAIT)
    assert [r[1] for r in results if r[0] == "start_break"] == ["done"], results
    qtbot.waitUntil(lambda: ctl.snapshot.attendance.on_break, timeout=WAIT)
    qtbot.waitUntil(
        lambda: (
            ctl.snapshot.timer is not None and ctl.snapshot.timer.pause_reason == "break_started"
        ),
        timeout=WAIT,
    )
    trigger(ctl, "action:end_break")
    qtbot.waitUntil(lambda: any(r[0] == "end_break" for r in results), timeout=WAIT)
    assert [r[1] for r in results if r[0] == "end_break"] == ["done"], results
    qtbot.waitUntil(lambda: not ctl.snapshot.attendance.on_break, timeout=WAIT)  # end_break
    trigger(ctl, "action:sync_now")  # a fresh poll shows the server's automatic resume
    qtbot.waitUntil(
        lambda: ctl.snapshot.timer is not None and ctl.snapshot.timer.state == "running",
        timeout=WAIT,
    )
    trigger(ctl, "action:stop")
    dialog = ctl.dialogs["stop"]
    assert isinstance(dialog, StopNotesDialog)
    dialog.notes.setPlainText("integration")
    dialog.accept()
    qtbot.waitUntil(lambda: ctl.snapshot.timer is None, timeout=WAIT)

    trigger(ctl, "action:logs")
    window = ctl.dialogs["logs"]
    assert isinstance(window, LogsWindow)
    qtbot.waitUntil(lambda: window.tree.topLevelItemCount() == 1, timeout=WAIT)
    assert window.tree.topLevelItem(0).child(0).text(1).startswith("Implement tray sync")

    trigger(ctl, "action:check_out")
    qtbot.waitUntil(lambda: not ctl.snapshot.attendance.checked_in, timeout=WAIT)
    assert ctl.snapshot.sync.parked == 0


def test_gui_stays_responsive_while_the_server_hangs(
    qtbot: QtBot, real: tuple[TrayController, Any], server: Any
) -> None:
    """The GUI thread keeps running while a request hangs on the server.

    Asserts that the GUI thread handled timer ticks and a menu opening before the hanging
    request returned: if the request ran on the GUI thread, neither could happen. How long
    the event loop's longest gap is depends on the machine's load, so that figure lives in
    ``bench/gui_stall_bench.py``.
    """
    ctl, _core = real
    sign_in(qtbot, ctl)
    server.set_faults(latency_ms=5000)
    results: list[str] = []
    ctl.bridge.command_done.connect(lambda label, r: results.append(label))
    ticks_while_waiting: list[bool] = []

    def tick() -> None:
        if "check_in" not in results:
            ticks_while_waiting.append(True)

    ticker = QTimer()
    ticker.setInterval(10)
    ticker.timeout.connect(tick)
    try:
        trigger(ctl, "action:check_in:office")  # waits 5 s on the server
        ticker.start()
        qtbot.waitUntil(lambda: len(ticks_while_waiting) >= 5, timeout=WAIT)
        ctl.menu.aboutToShow.emit()  # the menu opens meanwhile
        menu_opened_while_waiting = "check_in" not in results
        qtbot.waitUntil(lambda: "check_in" in results, timeout=30_000)
    finally:
        ticker.stop()
        server.clear_faults()
    assert menu_opened_while_waiting
    assert ctl.snapshot.attendance.checked_in
