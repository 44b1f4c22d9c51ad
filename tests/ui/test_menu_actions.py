"""Every menu action against the FakeCore: what the user clicks, and what they then see."""

from __future__ import annotations

from datetime import timedelta

from pytestqt.qtbot import QtBot

from app.core.snapshot import Notice
from app.ui.controller import TrayController
from app.ui.dialogs.logs_window import LogsWindow
from app.ui.dialogs.manual_entry import ManualEntryDialog
from app.ui.dialogs.notes import BreakDialog, CheckoutReasonDialog, StopNotesDialog
from app.ui.dialogs.settings_dialog import SettingsDialog
from app.ui.dialogs.sign_in import SignInDialog
from app.ui.dialogs.sync_window import SyncWindow
from app.ui.menu import find_action
from app.ui.qt import QApplication, QLineEdit, QMessageBox, Qt, QTime, QWidgetAction
from tests.ui.conftest import make_settings
from tests.ui.fake_core import FakeClock, FakeCore, demo_tasks, task_id
from tests.ui.helpers import action, menu_names, trigger

T3 = task_id("03")


def wait_idle(qtbot: QtBot) -> None:
    """Run the bridge's queued deliveries.

    FakeCore completes its futures at once on the GUI thread, so every delivery is already a
    posted event: sending them is a barrier, where a 1 ms wait only hoped they would run.
    A delivery may post another (a result, then a snapshot), hence the loop.
    """
    for _ in range(5):
        QApplication.sendPostedEvents()


def check_in_and_start(qtbot: QtBot, ctl: TrayController, tid: str = T3) -> None:
    trigger(ctl, "action:check_in:office")
    wait_idle(qtbot)
    trigger(ctl, f"task:{tid}")
    wait_idle(qtbot)


def test_header_and_tooltip_follow_the_running_timer(
    qtbot: QtBot, controller: TrayController, clock: FakeClock
) -> None:
    check_in_and_start(qtbot, controller)
    clock.advance(67 * 60)
    controller.refresh()
    assert (
        action(controller, "header").text() == "Implement tray sync (Desktop Tray Client): 1:07:00"
    )
    assert controller.tray.toolTip().startswith("Task: Implement tray sync\nProject: Desktop")


def test_check_in_start_pause_resume(
    qtbot: QtBot, controller: TrayController, core: FakeCore
) -> None:
    assert "task:" + T3 in menu_names(controller)
    assert not action(controller, f"task:{T3}").isEnabled()  # not checked in yet
    check_in_and_start(qtbot, controller)
    assert core.snapshot().timer is not None
    assert [c[0] for c in core.calls] == ["check_in", "start"]
    trigger(controller, "action:pause")
    wait_idle(qtbot)
    assert core.snapshot().timer.state == "paused"  # type: ignore[union-attr]
    assert "action:resume" in menu_names(controller)
    trigger(controller, "action:resume")
    wait_idle(qtbot)
    assert core.snapshot().timer.state == "running"  # type: ignore[union-attr]


def test_blocked_task_is_disabled_with_the_reason(controller: TrayController, qtbot: QtBot) -> None:
    trigger(controller, "action:check_in:wfh")
    wait_idle(qtbot)
    blocked = action(controller, f"task:{task_id('04')}")
    assert not blocked.isEnabled()
    assert "Cannot start timer on a blocked task" in blocked.text()
    assert blocked.toolTip() == "Cannot start timer on a blocked task"


def test_stop_asks_for_notes_then_logs(
    qtbot: QtBot, controller: TrayController, core: FakeCore
) -> None:
    check_in_and_start(qtbot, controller)
    trigger(controller, "action:stop")
    dialog = controller.dialogs["stop"]
    assert isinstance(dialog, StopNotesDialog)
    qtbot.keyClicks(dialog.notes, "Wrote the sync loop")
    qtbot.keyClick(dialog.notes, Qt.Key.Key_Return)  # Enter submits
    wait_idle(qtbot)
    assert core.snapshot().timer is None
    assert core.logs_list[-1].notes == "Wrote the sync loop"


def test_stop_notes_over_the_limit_are_refused(
    qtbot: QtBot, controller: TrayController, core: FakeCore
) -> None:
    check_in_and_start(qtbot, controller)
    trigger(controller, "action:stop")
    dialog = controller.dialogs["stop"]
    assert isinstance(dialog, StopNotesDialog)
    dialog.notes.setPlainText("x" * 201)
    dialog.accept()
    assert dialog.error.isVisibleTo(dialog) and "too long" in dialog.error.text()
    assert core.snapshot().timer is not None


def test_escape_cancels_the_stop(qtbot: QtBot, controller: TrayController, core: FakeCore) -> None:
    check_in_and_start(qtbot, controller)
    trigger(controller, "action:stop")
    dialog = controller.dialogs["stop"]
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    wait_idle(qtbot)
    assert core.snapshot().timer is not None
    assert not dialog.isVisible()


def test_switch_task_stops_then_starts(
    qtbot: QtBot, controller: TrayController, core: FakeCore
) -> None:
    check_in_and_start(qtbot, controller)
    assert f"task:{T3}" not in menu_names(controller)  # the current task is not offered
    assert action(controller, "menu:start").text() == "Switch to"
    trigger(controller, f"task:{task_id('08')}")
    dialog = controller.dialogs["switch"]
    assert isinstance(dialog, StopNotesDialog)
    dialog.accept()
    wait_idle(qtbot)
    assert core.snapshot().timer.task_title == "Reopened crash"  # type: ignore[union-attr]
    assert core.logs_list[-1].task_title == "Implement tray sync"
    assert controller.recent_ids[0] == task_id("08")


def test_rejected_start_is_told_and_not_left_parked(
    qtbot: QtBot, controller: TrayController, core: FakeCore
) -> None:
    controller.start_task(T3)  # not checked in: the server says why
    wait_idle(qtbot)
    assert controller.last_message == (
        "Could not start",
        "You must check in before starting a task.",
    )
    assert core.parked == {}


def test_search_field_filters_a_long_task_list(
    qtbot: QtBot, controller: TrayController, core: FakeCore
) -> None:
    trigger(controller, "action:check_in:office")
    wait_idle(qtbot)
    assert "action:task_search" not in menu_names(controller)  # 7 startable: no search
    core.set(tasks=demo_tasks(extra=6))
    wait_idle(qtbot)
    holder = action(controller, "action:task_search")  # 13 startable: a search field
    assert isinstance(holder, QWidgetAction)
    search = holder.defaultWidget()
    assert isinstance(search, QLineEdit)
    qtbot.keyClicks(search, "extra 03")
    start_menu = find_action(controller.menu, "menu:start").menu()  # type: ignore[union-attr]
    visible = [
        a.objectName()
        for a in start_menu.actions()  # type: ignore[union-attr]
        if a.objectName().startswith("task:") and a.isVisible()
    ]
    assert visible == [f"task:{demo_tasks(extra=6)[12].id}"]


def test_manual_entry_checks_then_logs(
    qtbot: QtBot, controller: TrayController, core: FakeCore
) -> None:
    trigger(controller, "action:manual")
    dialog = controller.dialogs["manual"]
    assert isinstance(dialog, ManualEntryDialog)
    dialog.start.setTime(QTime(11, 0))
    dialog.end.setTime(QTime(10, 0))
    dialog.accept()
    assert "end time must be after" in dialog.error.text()
    dialog.end.setTime(QTime(11, 45))
    index = dialog.task.findData(task_id("02"))
    dialog.task.setCurrentIndex(index)
    qtbot.keyClicks(dialog.notes, "spec review")
    qtbot.keyClick(dialog.notes, Qt.Key.Key_Enter)
    wait_idle(qtbot)
    assert not dialog.isVisible()
    entry = core.logs_list[-1]
    assert (entry.task_title, entry.duration_minutes, entry.notes) == (
        "Review API spec",
        45,
        "spec review",
    )
    assert entry.started_at.astimezone().hour == 11
    assert controller.last_message == ("Time logged", "45 min logged.")


def test_manual_entry_refuses_an_overlap_with_a_known_log(
    qtbot: QtBot, controller: TrayController, core: FakeCore
) -> None:
    trigger(controller, "action:manual")
    first = controller.dialogs["manual"]
    assert isinstance(first, ManualEntryDialog)
    first.start.setTime(QTime(8, 0))
    first.end.setTime(QTime(9, 0))
    first.accept()
    wait_idle(qtbot)
    trigger(controller, "action:manual")
    second = controller.dialogs["manual"]
    assert isinstance(second, ManualEntryDialog)
    wait_idle(qtbot)  # the known logs arrive through the bridge
    second.start.setTime(QTime(8, 30))
    second.end.setTime(QTime(9, 30))
    second.accept()
    assert "overlaps" in second.error.text()
    assert len(core.logs_list) == 1


def test_manual_entry_offline_says_it_will_sync(
    qtbot: QtBot, controller: TrayController, core: FakeCore
) -> None:
    core.offline = True
    trigger(controller, "action:manual")
    dialog = controller.dialogs["manual"]
    dialog.accept()  # type: ignore[attr-defined]
    wait_idle(qtbot)
    assert controller.last_message is not None
    assert "will sync" in controller.last_message[1]


def test_break_needs_a_note_for_other_and_pauses_the_timer(
    qtbot: QtBot, controller: TrayController, core: FakeCore
) -> None:
    check_in_and_start(qtbot, controller)
    trigger(controller, "action:start_break")
    dialog = controller.dialogs["break"]
    assert isinstance(dialog, BreakDialog)
    dialog.kind.setCurrentIndex(dialog.kind.findData("other"))
    dialog.accept()
    assert "note" in dialog.error.text()
    dialog.note.setText("Doctor")
    dialog.accept()
    wait_idle(qtbot)
    assert core.snapshot().attendance.on_break
    assert core.snapshot().timer.pause_reason == "break_started"  # type: ignore[union-attr]
    assert controller.view.drawn is not None and controller.view.drawn.state == "paused_auto"
    trigger(controller, "action:end_break")
    wait_idle(qtbot)
    assert core.snapshot().timer.state == "running"  # type: ignore[union-attr]


def test_check_out_asks_for_the_reason_the_server_demands(
    qtbot: QtBot, controller: TrayController, core: FakeCore
) -> None:
    core.shift_rule = "early"
    trigger(controller, "action:check_in:office")
    wait_idle(qtbot)
    trigger(controller, "action:check_out")
    wait_idle(qtbot)
    dialog = controller.dialogs["checkout_reason"]
    assert isinstance(dialog, CheckoutReasonDialog)
    assert "before your shift ends" in dialog.findChildren(type(dialog.error))[0].text()
    dialog.reason.setEditText("sick")
    dialog.accept()
    assert "5 characters" in dialog.error.text()
    dialog.reason.setEditText("Feeling sick")
    dialog.accept()
    wait_idle(qtbot)
    assert not core.snapshot().attendance.checked_in
    assert core.calls[-1] == ("check_out", ("Feeling sick", None, None))
    assert core.parked == {}  # the refused attempt did not stay parked


def test_check_out_after_shift_needs_reason_and_note(
    qtbot: QtBot, controller: TrayController, core: FakeCore
) -> None:
    core.shift_rule = "after_shift"
    trigger(controller, "action:check_in:office")
    wait_idle(qtbot)
    trigger(controller, "action:check_out")
    wait_idle(qtbot)
    dialog = controller.dialogs["checkout_reason"]
    assert isinstance(dialog, CheckoutReasonDialog)
    dialog.reason.setEditText("overtime")
    dialog.note.setText("release night")
    dialog.accept()
    wait_idle(qtbot)
    assert core.calls[-1] == ("check_out", (None, "overtime", "release night"))
    assert not core.snapshot().attendance.checked_in


def test_logs_window_shows_server_and_pending_logs_with_totals(
    qtbot: QtBot, controller: TrayController, core: FakeCore, clock: FakeClock
) -> None:
    check_in_and_start(qtbot, controller)
    clock.advance(30 * 60)
    core.stop("first")
    core.offline = True
    core.start(T3)
    clock.advance(15 * 60)
    core.stop(None)
    trigger(controller, "action:logs")
    wait_idle(qtbot)
    window = controller.dialogs["logs"]
    assert isinstance(window, LogsWindow)
    day = window.tree.topLevelItem(0)
    assert day.text(2) == "45 min" and day.childCount() == 2
    assert "(waiting to sync)" not in day.child(0).text(1)  # in time order: first stop first
    assert "(waiting to sync)" in day.child(1).text(1)
    # Offline, the list lacks the server's entries: the window says so, not just a total.
    assert window.total.text() == "Total: 45 min (incomplete)"
    assert "Could not load the server's entries" in window.status.text()
    core.offline = False
    window.refresh_requested.emit()
    wait_idle(qtbot)
    assert window.total.text() == "Total: 45 min"
    assert "Could not load" not in window.status.text()
    window.set_range("week")
    wait_idle(qtbot)
    assert core.calls[-1][0] == "logs"


def test_sync_window_retries_and_discards_parked_items(
    qtbot: QtBot, controller: TrayController, core: FakeCore
) -> None:
    core.stop(None)  # no timer: parked with the server's 404 message (FakeCore parks it)
    core.check_out()
    wait_idle(qtbot)
    assert controller.tray.toolTip().endswith("2 entries need your attention")
    assert action(controller, "menu:sync").text() == "Sync (2 need attention)"
    trigger(controller, "action:open_sync")
    window = controller.dialogs["sync"]
    assert isinstance(window, SyncWindow)
    qtbot.waitUntil(lambda: len(window.items) == 2, timeout=2000)
    assert "Active task timer not found." in window.list.item(0).text()
    window.list.setCurrentRow(0)
    window.retry_button.click()
    wait_idle(qtbot)
    qtbot.waitUntil(lambda: len(window.items) == 1, timeout=2000)
    assert core.calls[-1][0] == "retry_parked"
    window.discard_button.click()
    box = controller.dialogs["confirm_discard"]
    assert isinstance(box, QMessageBox)
    box.button(QMessageBox.StandardButton.Discard).click()
    wait_idle(qtbot)
    qtbot.waitUntil(lambda: not window.items, timeout=2000)
    assert core.snapshot().sync.parked == 0


def test_sync_window_edit_and_retry_sends_the_edited_payload(
    qtbot: QtBot, controller: TrayController, core: FakeCore
) -> None:
    core.stop("a note")
    trigger(controller, "action:open_sync")
    window = controller.dialogs["sync"]
    assert isinstance(window, SyncWindow)
    qtbot.waitUntil(lambda: len(window.items) == 1, timeout=2000)
    window.edit_button.click()
    editor = window.editor
    assert editor is not None
    editor.fields["args"].setText('["better note"]')
    editor.accept()
    wait_idle(qtbot)
    assert core.calls[-1] == (
        "retry_parked",
        (window.items[0].id if window.items else core.calls[-1][1][0], {"args": ["better note"]}),
    )


def test_sync_now(qtbot: QtBot, controller: TrayController, core: FakeCore) -> None:
    trigger(controller, "action:sync_now")
    wait_idle(qtbot)
    assert core.calls[-1][0] == "sync_now"


def test_settings_saves_changes_but_never_locked_keys(
    qtbot: QtBot, core: FakeCore, clock: FakeClock
) -> None:
    settings = make_settings(locked={"server_url"})
    applied: list[bool] = []
    ctl = TrayController(
        core, settings, wait_for_tray=False, clock=clock, autostart_apply=applied.append
    )
    try:
        ctl.open_settings()
        dialog = ctl.dialogs["settings"]
        assert isinstance(dialog, SettingsDialog)
        assert not dialog.server_url.isEnabled()
        assert "organisation" in dialog.server_url.toolTip()
        dialog.server_url.setText("https://evil.example.com")
        dialog.autostart.setChecked(True)
        dialog.long_timer_hours.setValue(2.0)
        dialog.accept()
        assert settings.saved == [{"autostart": True, "long_timer_hours": 2.0}]  # type: ignore[attr-defined]
        assert applied == [True]
        # the core reads the reminder thresholds when it starts
        assert ctl.last_message == ("Settings saved", "Some changes apply after Timetray restarts.")
    finally:
        ctl.bridge.close()
        ctl.tray.hide()


def test_sign_in_shows_server_message_then_succeeds(qtbot: QtBot, clock: FakeClock) -> None:
    core = FakeCore(clock, signed_in=False)
    settings = make_settings()
    ctl = TrayController(core, settings, wait_for_tray=False, clock=clock)
    try:
        assert controller_state(ctl) == "signed_out"
        trigger(ctl, "action:sign_in")
        dialog = ctl.dialogs["sign_in"]
        assert isinstance(dialog, SignInDialog)
        dialog.email.setText("emp1@example.com")
        dialog.password.setText("wrong")
        dialog.accept()
        wait_idle(qtbot)
        assert dialog.error.text() == "Invalid email or password"
        assert dialog.isVisible() or not dialog.isHidden()
        dialog.password.setText("Employee1234!")
        qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
        wait_idle(qtbot)
        assert core.snapshot().signed_in
        assert settings.saved[-1] == {"last_email": "emp1@example.com"}  # type: ignore[attr-defined]
        assert controller_state(ctl) == "idle"
    finally:
        ctl.bridge.close()
        ctl.tray.hide()


def test_sign_in_rate_limit_shows_the_wait(qtbot: QtBot, clock: FakeClock) -> None:
    core = FakeCore(clock, signed_in=False)
    core.rate_limited = 900
    ctl = TrayController(core, make_settings(), wait_for_tray=False, clock=clock)
    try:
        ctl.sign_in()
        dialog = ctl.dialogs["sign_in"]
        assert isinstance(dialog, SignInDialog)
        dialog.email.setText("emp1@example.com")
        dialog.password.setText("whatever")
        dialog.accept()
        wait_idle(qtbot)
        assert dialog.error.text() == "Too many attempts. Try again in 15 minutes."
    finally:
        ctl.bridge.close()
        ctl.tray.hide()


def controller_state(ctl: TrayController) -> str:
    ctl.refresh()
    assert ctl.view.drawn is not None
    return ctl.view.drawn.state


def test_sign_out_warns_when_items_wait(
    qtbot: QtBot, controller: TrayController, core: FakeCore
) -> None:
    core.set(sync=core.snapshot().sync.__class__(online=False, pending=2))
    wait_idle(qtbot)
    trigger(controller, "action:sign_out")
    box = controller.dialogs["confirm_sign_out"]
    assert isinstance(box, QMessageBox)
    assert "2 entries waiting to sync" in box.text()
    box.button(QMessageBox.StandardButton.Yes).click()
    wait_idle(qtbot)
    assert not core.snapshot().signed_in
    assert "action:sign_in" in menu_names(controller)


def test_quit_warns_while_a_timer_runs(
    qtbot: QtBot, controller: TrayController, core: FakeCore
) -> None:
    check_in_and_start(qtbot, controller)
    trigger(controller, "action:quit")
    box = controller.dialogs["confirm_quit"]
    assert isinstance(box, QMessageBox)
    assert "A timer is running" in box.text()
    box.button(QMessageBox.StandardButton.Cancel).click()
    wait_idle(qtbot)
    assert controller.quits == []  # type: ignore[attr-defined]
    trigger(controller, "action:quit")
    controller.dialogs["confirm_quit"].button(QMessageBox.StandardButton.Close).click()  # type: ignore[attr-defined]
    qtbot.waitUntil(lambda: controller.quits == [True], timeout=3000)  # type: ignore[attr-defined]
    assert core.shut_down


def test_quit_without_anything_at_stake_just_quits(
    qtbot: QtBot, controller: TrayController, core: FakeCore
) -> None:
    trigger(controller, "action:quit")
    qtbot.waitUntil(lambda: controller.quits == [True], timeout=3000)  # type: ignore[attr-defined]
    assert "confirm_quit" not in controller.dialogs


def test_notice_is_shown_and_its_click_opens_the_place(
    qtbot: QtBot, controller: TrayController, core: FakeCore
) -> None:
    core.emit_notice(
        Notice("parked", "Entry parked", "Cannot start timer on a blocked task", "sync")
    )
    wait_idle(qtbot)
    assert controller.last_message == ("Entry parked", "Cannot start timer on a blocked task")
    controller.tray.messageClicked.emit()
    assert isinstance(controller.dialogs.get("sync"), SyncWindow)
    assert controller.dialogs["sync"].isVisible()


def test_icon_redraws_only_when_the_minute_changes(
    qtbot: QtBot, controller: TrayController, clock: FakeClock
) -> None:
    check_in_and_start(qtbot, controller)
    keys: list[int] = []
    controller.refresh()
    keys.append(controller.tray.icon().cacheKey())
    clock.advance(20)
    controller.refresh()
    keys.append(controller.tray.icon().cacheKey())
    clock.advance(60)
    controller.refresh()
    keys.append(controller.tray.icon().cacheKey())
    assert keys[0] == keys[1] != keys[2]


def test_pending_futures_never_block_and_land_later(
    qtbot: QtBot, controller: TrayController, core: FakeCore
) -> None:
    core.hold = True
    trigger(controller, "action:check_in:office")
    wait_idle(qtbot)
    assert core.held  # the click returned while the command is still pending
    core.offline = False
    core.held[0][0].set_result(type(core.held[0][1])(status="failed", message="disk full"))
    core.held.clear()
    qtbot.waitUntil(
        lambda: controller.last_message == ("Could not check in", "disk full"), timeout=2000
    )


def test_fallback_window_has_the_same_controls(
    qtbot: QtBot, controller: TrayController, core: FakeCore
) -> None:
    window = controller.show_fallback_window()
    qtbot.addWidget(window)
    check_in_and_start(qtbot, controller)
    controller.refresh()
    assert window.primary.text() == "Pause"
    window.primary.click()
    wait_idle(qtbot)
    assert core.snapshot().timer.state == "paused"  # type: ignore[union-attr]
    controller.refresh()
    assert window.primary.text() == "Resume"
    assert window.menu_button.menu() is controller.menu
    controller.show_message("Hello", "world")
    assert window.message.text() == "Hello: world"
    window.hide()


def test_offline_notices_at_most_once_a_minute(
    qtbot: QtBot, controller: TrayController, core: FakeCore, clock: FakeClock
) -> None:
    shown: list[str] = []
    controller.message_shown.connect(lambda t, m: shown.append(t))
    for kind in ("offline", "online", "offline"):
        core.emit_notice(Notice(kind, kind.title(), "x"))  # type: ignore[arg-type]
        clock.advance(5)
    wait_idle(qtbot)
    assert shown == ["Offline"]
    clock.advance(120)
    core.emit_notice(Notice("online", "Online", "back"))
    wait_idle(qtbot)
    assert shown == ["Offline", "Online"]


def test_auto_pause_notice_and_icon(
    qtbot: QtBot, controller: TrayController, core: FakeCore, clock: FakeClock
) -> None:
    check_in_and_start(qtbot, controller)
    core._pause_timer("attendance_checkout")  # the server paused it (seen by a poll)
    core.emit_notice(Notice("auto_pause", "Timer paused", "paused because you checked out", "menu"))
    wait_idle(qtbot)
    assert controller.view.drawn is not None and controller.view.drawn.state == "paused_auto"
    assert "paused because you checked out" in controller.tray.toolTip()
    assert controller.last_message == ("Timer paused", "paused because you checked out")
    clock.advance(timedelta(minutes=1).total_seconds())
