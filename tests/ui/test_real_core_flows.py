"""Dialog flows on the real core against the contract test server: what the user sees when the
server refuses (wrong password, 429, shift rules), what the dialogs refuse before sending, and
the parked / pending entries as the Sync and Today windows and the Quit warning show them."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from pytestqt.qtbot import QtBot

from app import config
from app.core import wiring
from app.core.server_wait import SERVER_WAIT_KEY
from app.core.service import CoreService
from app.ui.controller import TrayController
from app.ui.dialogs.logs_window import LogsWindow
from app.ui.dialogs.manual_entry import ManualEntryDialog
from app.ui.dialogs.notes import BreakDialog, CheckoutReasonDialog
from app.ui.dialogs.sign_in import SignInDialog
from app.ui.dialogs.sync_window import SyncWindow
from app.ui.qt import QMessageBox, Qt, QTime
from app.ui.settings_port import SettingsPort, in_memory
from tests.ui.fake_core import task_id
from tests.ui.helpers import close_tray, trigger

WAIT = 15_000
MANUAL = "/api/v1/time-logs/manual"


@pytest.fixture
def ctl(qtbot: QtBot, server: Any, tmp_path: Path) -> Iterator[TrayController]:
    values = config.Settings(server_url=server.url, poll_interval_seconds=60, autostart=False)
    core = wiring.build_core(values, tmp_path / "data")
    core.open()
    quits: list[bool] = []
    controller = TrayController(
        core,
        SettingsPort(in_memory(values)),
        wait_for_tray=False,
        on_quit=lambda: quits.append(True),
    )
    controller.quits = quits  # type: ignore[attr-defined]
    controller.show()
    try:
        yield controller
    finally:
        close_tray(controller)
        core.shutdown()


def open_sign_in(ctl: TrayController, email: str, password: str) -> SignInDialog:
    trigger(ctl, "action:sign_in")
    dialog = ctl.dialogs["sign_in"]
    assert isinstance(dialog, SignInDialog)
    dialog.email.setText(email)
    dialog.password.setText(password)
    return dialog


def sign_in(qtbot: QtBot, ctl: TrayController, email: str = "emp1@example.com") -> None:
    dialog = open_sign_in(ctl, email, "Employee1234!")
    qtbot.keyClick(dialog.password, Qt.Key.Key_Return)  # Enter submits
    qtbot.waitUntil(lambda: ctl.snapshot.signed_in and bool(ctl.snapshot.tasks), timeout=WAIT)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=WAIT)


def results_of(ctl: TrayController) -> list[tuple[str, str]]:
    seen: list[tuple[str, str]] = []
    ctl.bridge.command_done.connect(lambda label, r: seen.append((label, r.status)))
    return seen


def test_sign_in_shows_the_servers_message_and_the_wait_on_a_429(
    qtbot: QtBot, ctl: TrayController, server: Any
) -> None:
    dialog = open_sign_in(ctl, "emp1@example.com", "wrong password")
    dialog.accept()
    qtbot.waitUntil(lambda: bool(dialog.error.text()), timeout=WAIT)
    assert dialog.error.text() == "Invalid email or password"
    assert dialog.isVisible() and not ctl.snapshot.signed_in

    server.set_faults(
        fail_next={"count": 1, "status": 429, "retry_after": 600, "path_prefix": "/api/v1/auth"}
    )
    dialog.error.setText("")
    dialog.password.setText("Employee1234!")
    dialog.accept()
    qtbot.waitUntil(lambda: bool(dialog.error.text()), timeout=WAIT)
    assert "10 minutes" in dialog.error.text(), dialog.error.text()
    assert dialog.isVisible() and not ctl.snapshot.signed_in

    # Asking again at once sends nothing: the server's wait is kept (for every process).
    logins = server.requests.get("/api/v1/auth/login", 0)
    dialog.error.setText("")
    dialog.accept()
    qtbot.waitUntil(lambda: bool(dialog.error.text()), timeout=WAIT)
    assert "The server asked to wait; try again at" in dialog.error.text()
    assert server.requests.get("/api/v1/auth/login", 0) == logins

    # The ten minutes pass (the stored wait is what every process reads).
    store = ctl.core.store  # type: ignore[attr-defined]
    store.cache_put(SERVER_WAIT_KEY, {"until": "2000-01-01T00:00:00Z"})
    dialog.accept()  # after the wait, the same dialog signs in
    qtbot.waitUntil(lambda: ctl.snapshot.signed_in, timeout=WAIT)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=WAIT)


def test_check_out_asks_for_the_reasons_the_shift_demands_then_succeeds(
    qtbot: QtBot, ctl: TrayController, server: Any
) -> None:
    today = datetime.now(UTC).replace(hour=10, minute=0, second=0, microsecond=0)
    server.set_clock(today)  # Sam's shift is 09:00-17:00 UTC: 10:00 is early
    sign_in(qtbot, ctl, "emp2@example.com")
    results = results_of(ctl)

    trigger(ctl, "action:check_in:office")
    qtbot.waitUntil(lambda: ctl.snapshot.attendance.checked_in, timeout=WAIT)
    trigger(ctl, "action:check_out")
    qtbot.waitUntil(lambda: "checkout_reason" in ctl.dialogs, timeout=WAIT)
    early = ctl.dialogs["checkout_reason"]
    assert isinstance(early, CheckoutReasonDialog) and early.kind == "early"
    assert ctl.snapshot.attendance.checked_in
    early.reason.setEditText("ill")
    early.accept()
    assert "5 characters" in early.error.text() and early.isVisible()
    early.reason.setEditText("Dentist appointment")
    early.accept()
    qtbot.waitUntil(lambda: not ctl.snapshot.attendance.checked_in, timeout=WAIT)

    server.set_clock(today.replace(hour=17, minute=20))  # after the shift, within the grace
    trigger(ctl, "action:check_in:wfh")
    qtbot.waitUntil(lambda: ctl.snapshot.attendance.checked_in, timeout=WAIT)
    trigger(ctl, "action:check_out")
    qtbot.waitUntil(lambda: ctl.dialogs.get("checkout_reason") not in (None, early), timeout=WAIT)
    after = ctl.dialogs["checkout_reason"]
    assert isinstance(after, CheckoutReasonDialog) and after.kind == "after_shift"
    after.reason.setEditText("overtime")
    after.accept()
    assert "note" in after.error.text().casefold() and after.isVisible()
    after.note.setText("release night")
    after.accept()
    qtbot.waitUntil(lambda: not ctl.snapshot.attendance.checked_in, timeout=WAIT)
    qtbot.waitUntil(
        lambda: [r for r in results if r[0] == "check_out"][-1:] == [("check_out", "done")],
        timeout=WAIT,
    )
    # The refused check-outs were parked, then discarded once answered: that discard reaches
    # the snapshot on its own schedule, after the successful check-out.
    qtbot.waitUntil(
        lambda: ctl.snapshot.sync.parked == 0 and ctl.snapshot.sync.pending == 0, timeout=WAIT
    )


def test_other_break_needs_a_note_and_reaches_the_server(
    qtbot: QtBot, ctl: TrayController, server: Any
) -> None:
    sign_in(qtbot, ctl)
    results = results_of(ctl)
    trigger(ctl, "action:check_in:office")
    # The menu offers a break once the check-in shows; the check-in's own drain may still be
    # polling when the break is sent, and the break must show all the same.
    qtbot.waitUntil(lambda: ctl.snapshot.attendance.checked_in, timeout=WAIT)
    trigger(ctl, "action:start_break")
    dialog = ctl.dialogs["break"]
    assert isinstance(dialog, BreakDialog)
    dialog.kind.setCurrentIndex(dialog.kind.findData("other"))
    dialog.accept()
    assert "note" in dialog.error.text() and dialog.isVisible()
    assert server.requests.get("/api/v1/attendance/breaks/start", 0) == 0
    dialog.note.setText("Parcel delivery")
    dialog.accept()
    qtbot.waitUntil(lambda: any(r[0] == "start_break" for r in results), timeout=WAIT)
    assert ("start_break", "done") in results, results
    qtbot.waitUntil(lambda: ctl.snapshot.attendance.on_break, timeout=WAIT)
    assert not dialog.isVisible()


def test_manual_entry_checks_before_sending_and_esc_cancels(
    qtbot: QtBot, ctl: TrayController, server: Any
) -> None:
    sign_in(qtbot, ctl)
    trigger(ctl, "action:manual")
    first = ctl.dialogs["manual"]
    assert isinstance(first, ManualEntryDialog)
    first.start.setTime(QTime(9, 0))
    first.end.setTime(QTime(8, 0))
    first.accept()
    assert "end time must be after" in first.error.text()
    first.end.setTime(QTime(10, 0))
    first.notes.setPlainText("x" * 5001)  # the server takes any length; the default limit is 5000
    first.accept()
    assert "too long (5001 of at most 5000" in first.error.text()
    assert server.requests.get(MANUAL, 0) == 0  # nothing the server would refuse was sent
    first.notes.setPlainText("planning")
    # The task list does not say which projects are on hold: the server's refusal is shown in
    # place, nothing is left parked, and the retry is not taken for an overlap with itself
    # (the known logs may arrive after the submit, holding the refused entry).
    first.task.setCurrentIndex(first.task.findData(task_id("09")))
    qtbot.keyClick(first.notes, Qt.Key.Key_Return)  # Enter submits
    qtbot.waitUntil(lambda: bool(first.error.text()), timeout=WAIT)
    assert first.error.text() == "Task project is not approved or active"
    assert first.isVisible()
    first.task.setCurrentIndex(first.task.findData(task_id("02")))
    qtbot.keyClick(first.notes, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not first.isVisible(), timeout=WAIT)
    assert server.requests.get(MANUAL, 0) == 2
    qtbot.waitUntil(lambda: ctl.snapshot.sync.parked == 0, timeout=WAIT)

    trigger(ctl, "action:manual")
    second = ctl.dialogs["manual"]
    assert isinstance(second, ManualEntryDialog)
    qtbot.waitUntil(lambda: bool(second.known_logs), timeout=WAIT)  # read from the server
    second.start.setTime(QTime(9, 30))
    second.end.setTime(QTime(10, 30))
    second.accept()
    assert "overlaps" in second.error.text() and second.isVisible()
    qtbot.keyClick(second, Qt.Key.Key_Escape)  # Esc cancels
    assert not second.isVisible()
    worker_caught_up(ctl)  # a send, had the cancel made one, would have happened by now
    assert server.requests.get(MANUAL, 0) == 2
    assert ctl.core.outbox() == []  # nor is one waiting to be sent


def worker_caught_up(ctl: TrayController) -> None:
    """Every command committed so far has run: the core's one worker runs jobs in order."""
    core = ctl.core
    assert isinstance(core, CoreService)
    core.worker.submit(lambda: None).result(WAIT / 1000)


def _other_device_log(server: Any, started: datetime, ended: datetime) -> None:
    """The same user logs time elsewhere (the web app) while this computer is cut off."""
    with httpx.Client(base_url=server.url + "/api/v1", timeout=10) as web:
        token = web.post(
            "/auth/login", json={"email": "emp1@example.com", "password": "Employee1234!"}
        ).json()["access_token"]
        response = web.post(
            "/time-logs/manual",
            headers={"Authorization": f"Bearer {token}"},
            json={
                "task_id": task_id("02"),
                "started_at": started.isoformat(),
                "ended_at": ended.isoformat(),
            },
        )
        response.raise_for_status()


@pytest.fixture
def logs_arrived(monkeypatch: pytest.MonkeyPatch) -> list[ManualEntryDialog]:
    """The manual-entry dialogs that have received the known logs from the server."""
    arrived: list[ManualEntryDialog] = []
    original = ManualEntryDialog.set_known_logs

    def record(dialog: ManualEntryDialog, logs: Any) -> None:
        original(dialog, logs)
        arrived.append(dialog)

    monkeypatch.setattr(ManualEntryDialog, "set_known_logs", record)
    return arrived


def manual_dialog(
    qtbot: QtBot,
    ctl: TrayController,
    arrived: list[ManualEntryDialog],
    tid: str,
    start: int,
    end: int,
) -> Any:
    trigger(ctl, "action:manual")
    dialog = ctl.dialogs["manual"]
    assert isinstance(dialog, ManualEntryDialog)
    qtbot.waitUntil(lambda: any(d is dialog for d in arrived), timeout=WAIT)
    dialog.task.setCurrentIndex(dialog.task.findData(tid))
    dialog.start.setTime(QTime(start, 0))
    dialog.end.setTime(QTime(end, 0))
    return dialog


def submit(qtbot: QtBot, dialog: Any) -> None:
    dialog.accept()
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=WAIT)


def test_pending_entries_in_today_and_quit_then_parked_ones_edited_or_discarded(
    qtbot: QtBot, ctl: TrayController, server: Any, logs_arrived: list[ManualEntryDialog]
) -> None:
    sign_in(qtbot, ctl)
    first = manual_dialog(qtbot, ctl, logs_arrived, task_id("02"), 7, 8)
    # Meanwhile the user logs 07:30-08:30 on the web, then this computer loses the server.
    local = datetime.now().astimezone().replace(minute=0, second=0, microsecond=0)
    _other_device_log(server, local.replace(hour=7, minute=30), local.replace(hour=8, minute=30))
    server.set_faults(fail_next={"count": 10_000, "status": 503, "path_prefix": MANUAL})
    submit(qtbot, first)
    submit(qtbot, manual_dialog(qtbot, ctl, logs_arrived, task_id("03"), 6, 7))
    qtbot.waitUntil(lambda: ctl.snapshot.sync.pending == 2, timeout=WAIT)
    assert ctl.last_message is not None and "will sync" in ctl.last_message[1]
    assert "2 entries waiting to sync" in ctl.tray.toolTip()

    trigger(ctl, "action:logs")
    logs = ctl.dialogs["logs"]
    assert isinstance(logs, LogsWindow)
    qtbot.waitUntil(lambda: logs.tree.topLevelItemCount() == 1, timeout=WAIT)
    day = logs.tree.topLevelItem(0)
    assert day.childCount() == 3 and day.text(2) == "3:00 h", day.text(2)
    waiting = [i for i in range(3) if "(waiting to sync)" in day.child(i).text(1)]
    assert len(waiting) == 2  # the web entry from the server, and the two of this computer
    assert logs.total.text() == "Total: 3:00 h"

    trigger(ctl, "action:quit")
    box = ctl.dialogs["confirm_quit"]
    assert isinstance(box, QMessageBox)
    assert "2 entries not synced yet" in box.text()
    box.button(QMessageBox.StandardButton.Cancel).click()

    # Task 03 gets blocked before the server comes back.
    server.set_task_status(task_id("03"), "blocked")
    server.clear_faults()
    trigger(ctl, "action:sync_now")
    qtbot.waitUntil(lambda: ctl.snapshot.sync.parked == 2, timeout=WAIT)
    assert ctl.tray.toolTip().endswith("2 entries need your attention")

    trigger(ctl, "action:open_sync")
    window = ctl.dialogs["sync"]
    assert isinstance(window, SyncWindow)
    qtbot.waitUntil(lambda: len(window.items) == 2, timeout=WAIT)
    texts = [window.list.item(i).text() for i in range(2)]
    assert "Manual log overlaps an existing time log." in texts[0]
    assert "Cannot start timer on a blocked task" in texts[1]

    window.list.setCurrentRow(0)  # edit the overlapping one to end before the web entry
    window.edit_button.click()
    editor = window.editor
    assert editor is not None
    ended = datetime.fromisoformat(editor.fields["ended_at"].text())
    editor.fields["ended_at"].setText((ended - timedelta(minutes=30)).isoformat())
    editor.accept()
    qtbot.waitUntil(lambda: len(window.items) == 1, timeout=WAIT)
    qtbot.waitUntil(lambda: ctl.snapshot.sync.parked == 1, timeout=WAIT)

    window.list.setCurrentRow(0)
    window.discard_button.click()
    confirm = ctl.dialogs["confirm_discard"]
    assert isinstance(confirm, QMessageBox)
    confirm.button(QMessageBox.StandardButton.Discard).click()
    qtbot.waitUntil(lambda: not window.items, timeout=WAIT)
    qtbot.waitUntil(lambda: ctl.snapshot.sync.parked == 0, timeout=WAIT)
    assert server.requests.get(MANUAL, 0) >= 3

    logs.refresh_requested.emit()
    qtbot.waitUntil(
        lambda: logs.tree.topLevelItemCount() == 1 and logs.total.text() == "Total: 1:30 h",
        timeout=WAIT,
    )
    titles = sorted(logs.tree.topLevelItem(0).child(i).text(1) for i in range(2))
    assert not any("waiting" in t for t in titles), titles


def test_a_refused_manual_entry_can_be_sent_again_without_overlapping_itself(
    qtbot: QtBot,
) -> None:
    from app.core.facade import LogEntry

    # Mid-afternoon, so the suggested hour is a whole hour whatever time the test runs at.
    now = datetime.now().astimezone().replace(hour=15, minute=30, second=0, microsecond=0)
    dialog = ManualEntryDialog([], now=now, notes_max=100)
    qtbot.addWidget(dialog)
    dialog.task.addItem("Review API spec", task_id("02"))
    sent: list[tuple[datetime, datetime]] = []
    dialog.submitted.connect(lambda _t, s, e, _n: sent.append((s, e)))
    dialog.accept()
    started, ended = sent[0]
    # The known logs land after the submit, holding this very entry, then the server refuses.
    own = LogEntry(task_id("02"), "Review API spec", started, ended, 60, None, "manual", True)
    dialog.set_known_logs([own])
    dialog.show_failure("Task project is not approved or active")
    dialog.accept()
    assert len(sent) == 2 and dialog.error.text() == ""

    # Entries the dialog did not send are still checked.
    half = timedelta(minutes=30)
    elsewhere = LogEntry(
        task_id("03"), "Implement tray sync", started - half, ended - half, 60, None, "timer", True
    )
    dialog.set_known_logs([own, elsewhere])
    dialog.show_failure("Refused")
    dialog.accept()
    assert "overlaps “Implement tray sync”" in dialog.error.text() and len(sent) == 2
