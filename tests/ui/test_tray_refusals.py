"""What the tray refuses and says, on the real core against the contract server: Resume is
greyed with the reason during a break (ending the break resumes), a sign-out made on purpose
never reads as an ended session, and a task the server refuses manual entries for is not
offered again in "Log time manually"."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from app import config
from app.core import wiring
from app.core.facade import CommandResult
from app.core.service import CoreService
from app.core.snapshot import Notice
from app.ui.controller import TrayController
from app.ui.dialogs.manual_entry import ManualEntryDialog
from app.ui.dialogs.notes import BreakDialog
from app.ui.settings_port import SettingsPort, in_memory
from tests.ui.fake_core import task_id
from tests.ui.helpers import action, close_tray, trigger
from tests.ui.test_real_core_flows import sign_in

WAIT = 15_000


@pytest.fixture
def real_core(server: Any, tmp_path: Path) -> Iterator[CoreService]:
    values = config.Settings(server_url=server.url, poll_interval_seconds=60, autostart=False)
    core = wiring.build_core(values, tmp_path / "data")
    core.open()
    try:
        yield core
    finally:
        core.shutdown()


@pytest.fixture
def tray(qtbot: QtBot, real_core: CoreService) -> Iterator[TrayController]:
    settings = SettingsPort(in_memory(config.Settings(autostart=False)))
    controller = TrayController(real_core, settings, wait_for_tray=False, on_quit=lambda: None)
    controller.show()
    try:
        yield controller
    finally:
        close_tray(controller)


def messages_of(ctl: TrayController) -> list[tuple[str, str]]:
    seen: list[tuple[str, str]] = []
    ctl.message_shown.connect(lambda title, text: seen.append((title, text)))
    return seen


def start_dinner_break(qtbot: QtBot, ctl: TrayController) -> None:
    trigger(ctl, "action:start_break")
    dialog = ctl.dialogs["break"]
    assert isinstance(dialog, BreakDialog)
    dialog.accept()  # dinner, the default
    qtbot.waitUntil(lambda: ctl.snapshot.attendance.on_break, timeout=WAIT)


def test_on_a_break_resume_is_greyed_with_the_reason_and_ending_the_break_resumes(
    qtbot: QtBot, tray: TrayController, real_core: CoreService
) -> None:
    sign_in(qtbot, tray)
    seen = messages_of(tray)
    trigger(tray, "action:check_in:office")
    qtbot.waitUntil(lambda: tray.snapshot.attendance.checked_in, timeout=WAIT)
    trigger(tray, f"task:{task_id('03')}")
    qtbot.waitUntil(
        lambda: tray.snapshot.timer is not None and tray.snapshot.timer.state == "running",
        timeout=WAIT,
    )
    start_dinner_break(qtbot, tray)
    qtbot.waitUntil(
        lambda: tray.snapshot.timer is not None and tray.snapshot.timer.state == "paused",
        timeout=WAIT,
    )

    resume = action(tray, "action:resume")
    assert not resume.isEnabled()
    assert resume.text() == "Resume (end the break first)"
    assert "on a break" in resume.toolTip() and "End break" in resume.toolTip()
    # The fallback window's main button says the same.
    window = tray.show_fallback_window()
    qtbot.addWidget(window)
    tray.refresh()
    assert window.primary.text() == "Resume (end the break first)"
    assert not window.primary.isEnabled() and "on a break" in window.primary.toolTip()
    window.hide()
    # Asked anyway (the CLI, a stale click): refused in words, nothing queued, still paused.
    refused: CommandResult = tray.core.resume().result(WAIT / 1000)
    assert refused.status == "failed" and "on a break" in (refused.message or "")
    assert [e for e in real_core.outbox(include_done=True) if e.kind == "resume"] == []
    assert tray.snapshot.timer is not None and tray.snapshot.timer.state == "paused"
    assert not [m for m in seen if m[0].startswith("Timer resumed")]

    trigger(tray, "action:end_break")
    qtbot.waitUntil(
        lambda: tray.snapshot.timer is not None and tray.snapshot.timer.state == "running",
        timeout=WAIT,
    )
    qtbot.waitUntil(lambda: any(m[0].startswith("Timer resumed") for m in seen), timeout=WAIT)
    told = "Your timer was resumed because your break ended."
    assert ("Timer resumed: Implement tray sync", told) in seen


def test_signing_out_on_purpose_never_says_the_session_ended(
    qtbot: QtBot, tray: TrayController, real_core: CoreService
) -> None:
    sign_in(qtbot, tray)
    notices: list[Notice] = []
    real_core.subscribe(lambda _snap: None, notices.append)  # told on the worker, in order
    trigger(tray, "action:sign_out")
    qtbot.waitUntil(lambda: not tray.snapshot.signed_in, timeout=WAIT)
    assert action(tray, "action:sign_in").isEnabled()
    # The poll and task loops still run after a sign-out, and meet no session.
    real_core.worker.submit(real_core.poller.poll).result(WAIT / 1000)
    real_core.worker.submit(real_core.poller.tasks).result(WAIT / 1000)
    assert [n for n in notices if n.kind == "sign_in_needed"] == []
    assert tray.last_message is None or "session has ended" not in tray.last_message[1]


def test_a_project_the_server_refuses_manual_entries_for_is_not_offered_again(
    qtbot: QtBot, tray: TrayController, server: Any, tmp_path: Path
) -> None:
    sign_in(qtbot, tray)
    on_hold = task_id("09")  # "Task in on-hold project": its project is on hold
    trigger(tray, "action:manual")
    first = tray.dialogs["manual"]
    assert isinstance(first, ManualEntryDialog)
    assert first.task.findData(on_hold) >= 0  # nothing says so yet: the task list has no status
    assert first.refused.isHidden()
    first.task.setCurrentIndex(first.task.findData(on_hold))
    first.accept()
    qtbot.waitUntil(lambda: bool(first.error.text()), timeout=WAIT)
    assert first.error.text() == "Task project is not approved or active"
    first.reject()

    qtbot.waitUntil(
        lambda: any(t.manual_reason for t in tray.snapshot.tasks if t.id == on_hold),
        timeout=WAIT,
    )
    trigger(tray, "action:manual")
    second = tray.dialogs["manual"]
    assert isinstance(second, ManualEntryDialog) and second is not first
    assert second.task.findData(on_hold) == -1
    assert second.task.findData(task_id("02")) >= 0  # its project is active
    assert not second.refused.isHidden()
    assert second.refused.text() == (
        "Not offered: Task in on-hold project "
        "(manual entries refused: project not approved or active)"
    )
    # The Start menu still offers it: the server accepts a timer on that task.
    assert "manual" not in action(tray, f"task:{on_hold}").toolTip()

    # Another process (a CLI run) on the same data knows it too.
    other = wiring.build_core(
        config.Settings(server_url=server.url, autostart=False), tmp_path / "data", role="cli"
    )
    try:
        other.open(poll=False)
        views = {t.id: t for t in other.snapshot().tasks}
        assert views[on_hold].manual_reason == (
            "manual entries refused: project not approved or active"
        )
        assert views[task_id("02")].manual_reason is None
    finally:
        other.shutdown()
