"""Task titles, project names and the server's words are shown as text, never as markup.

A task titled like the one below once showed a fake "Session expired" link in the fallback
window and blew a label up from 93x42 to 3000x2014 px. Each test feeds that title (or message)
through the real UI and checks what a user would notice: the words as written, a window of a
sane size, nothing to click, and a tray tooltip and bubble that cannot be read as markup.
"""

from __future__ import annotations

import html
import importlib
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from pytestqt.qtbot import QtBot

import app.ui.plain as plain
from app.core.facade import CommandResult, OutboxEntry
from app.core.snapshot import TaskView
from app.core.week import WeekEntry, build_week
from app.ui.controller import TrayController
from app.ui.dialogs.notes import CheckoutReasonDialog
from app.ui.dialogs.settings_problems import SettingsProblemsWindow
from app.ui.dialogs.sign_in import SignInDialog
from app.ui.dialogs.sync_window import ParkedEditDialog, SyncWindow
from app.ui.dialogs.week_window import WeekWindow
from app.ui.qt import QLabel, QMessageBox, QPoint, Qt, QTextDocument, QWidget
from tests.ui.fake_core import T0, FakeCore, task_id
from tests.ui.helpers import action, trigger

LINK = '<a href="https://evil.example/">Session expired - click to sign in</a>'
EVIL = f'{LINK}<img src="https://evil.example/x.png" width=3000 height=2000>'
SANE_WIDTH = 1000  # px: any window of this app is far narrower; the image alone was 3000
EVIL_ID = task_id("42")


def shows_evil(label: QLabel) -> bool:
    return "Session expired" in label.text()


def assert_shown_as_text(root: QWidget, escaped: QLabel | None = None) -> list[QLabel]:
    """Every label under ``root`` showing the hostile text shows it as plain text: no link to
    click, no 3000 px image; returns them (at least one, or the test proved nothing).
    ``escaped``: a rich label checked on its own (the week's legend)."""
    labels = [
        label for label in root.findChildren(QLabel) if shows_evil(label) and label is not escaped
    ]
    if isinstance(root, QLabel) and shows_evil(root):
        labels.append(root)
    assert labels, "the hostile text is not on screen at all"
    for label in labels:
        assert label.textFormat() == Qt.TextFormat.PlainText, label.objectName()
        assert label.sizeHint().width() < SANE_WIDTH, label.sizeHint()
        assert label.sizeHint().height() < SANE_WIDTH, label.sizeHint()
    return labels


def assert_no_link_fires(qtbot: QtBot, label: QLabel) -> None:
    """Clicks where the fake link would be: an AutoText label emits linkActivated here."""
    fired: list[str] = []
    label.linkActivated.connect(fired.append)
    for x in (5, 40, label.width() // 2):
        qtbot.mouseClick(label, Qt.MouseButton.LeftButton, pos=QPoint(x, label.height() // 2))
    assert fired == []


def as_qt_shows_a_tooltip(text: str) -> str:
    """What a tooltip drawn by Qt reads: Qt takes it as rich text when it looks like it."""
    if not importlib.import_module("PySide6.QtGui").Qt.mightBeRichText(text):
        return text
    doc = QTextDocument()
    doc.setHtml(text)
    return doc.toPlainText()


def evil_tasks(core: FakeCore) -> None:
    evil = TaskView(
        id=EVIL_ID,
        title=EVIL,
        project_title=f"<b>{LINK}</b>",
        status="in_progress",
        startable=True,
        reason=None,
        updated_at=T0,
    )
    rnd = replace(evil, id=task_id("43"), title="R&D budget", project_title="Ops & Admin")
    blocked = replace(
        evil, id=task_id("44"), title="Blocked", startable=False, reason=f"Blocked: {LINK}"
    )
    core.set(tasks=(evil, rnd, blocked, *core.snapshot().tasks))


def start_evil(qtbot: QtBot, controller: TrayController, core: FakeCore) -> None:
    evil_tasks(core)
    trigger(controller, "action:check_in:office")
    qtbot.waitUntil(lambda: controller.snapshot.attendance.checked_in)
    trigger(controller, f"task:{EVIL_ID}")
    qtbot.waitUntil(lambda: controller.snapshot.timer is not None)
    controller.refresh(force=True)


# --- the tray: fallback window, menu, tooltip, bubbles ----------------------------------------


def test_fallback_window_shows_a_hostile_title_as_text(
    qtbot: QtBot, controller: TrayController, core: FakeCore
) -> None:
    window = controller.show_fallback_window()
    qtbot.addWidget(window)
    start_evil(qtbot, controller, core)
    controller.show_message("Could not sync", EVIL)
    labels = assert_shown_as_text(window)
    assert window.header in labels and window.message in labels
    assert window.header.text().startswith(EVIL)  # the title as the server wrote it
    assert window.sizeHint().width() < SANE_WIDTH
    qtbot.waitExposed(window)
    assert_no_link_fires(qtbot, window.header)
    window.hide()


def test_menu_shows_titles_as_written_with_their_ampersands(
    qtbot: QtBot, controller: TrayController, core: FakeCore
) -> None:
    evil_tasks(core)
    trigger(controller, "action:check_in:office")
    qtbot.waitUntil(lambda: controller.snapshot.attendance.checked_in)
    # iconText() is the text as the menu draws it: one '&' of each '&&', mnemonic marks gone.
    assert action(controller, f"task:{task_id('43')}").iconText() == "R&D budget  ·  Ops & Admin"
    assert action(controller, f"task:{EVIL_ID}").iconText().startswith(EVIL)
    blocked = action(controller, f"task:{task_id('44')}")
    assert as_qt_shows_a_tooltip(blocked.toolTip()) == f"Blocked: {LINK}"
    trigger(controller, f"task:{task_id('43')}")
    qtbot.waitUntil(lambda: controller.snapshot.timer is not None)
    assert action(controller, "header").iconText().startswith("R&D budget (Ops & Admin): ")


def test_tray_tooltip_and_bubble_reach_a_markup_reading_desktop_escaped(
    qtbot: QtBot, controller: TrayController, core: FakeCore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(plain, "TRAY_READS_MARKUP", True)  # Linux: SNI hosts, notify servers
    bubbles: list[tuple[str, str]] = []
    tray = controller.tray
    monkeypatch.setattr(tray, "isVisible", lambda: True)
    monkeypatch.setattr(tray, "showMessage", lambda title, text, *_: bubbles.append((title, text)))
    start_evil(qtbot, controller, core)
    tip = tray.toolTip()
    assert "<" not in tip and f"Task: {html.escape(EVIL, quote=False)}\n" in tip
    controller.show_message("R&D <b>sync</b>", f"Refused: {EVIL}")
    assert bubbles == [
        ("R&amp;D &lt;b&gt;sync&lt;/b&gt;", f"Refused: {html.escape(EVIL, quote=False)}")
    ]


def test_tray_text_is_left_alone_where_the_desktop_shows_plain_text(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Windows and macOS draw the tooltip and bubble as text: "&lt;" would be shown as is."""
    monkeypatch.setattr(plain, "TRAY_READS_MARKUP", False)
    assert plain.tray_text(f"R&D {LINK}") == f"R&D {LINK}"


def test_quit_warning_names_the_hostile_task_as_text(
    qtbot: QtBot, controller: TrayController, core: FakeCore
) -> None:
    start_evil(qtbot, controller, core)
    controller.quit()
    box = controller.dialogs["confirm_quit"]
    assert isinstance(box, QMessageBox)
    assert box.textFormat() == Qt.TextFormat.PlainText
    assert EVIL in box.text()
    assert_shown_as_text(box)
    box.reject()


# --- dialogs: the server's words ----------------------------------------------------------------


def rejected(message: str) -> Callable[..., Future[CommandResult]]:
    def answer(*_args: Any) -> Future[CommandResult]:
        future: Future[CommandResult] = Future()
        future.set_result(CommandResult(status="rejected", message=message, http_status=400))
        return future

    return answer


def test_sign_in_shows_the_servers_refusal_as_text(
    qtbot: QtBot, controller: TrayController, core: FakeCore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(core, "login", rejected(EVIL))
    controller.sign_in()
    dialog = controller.dialogs["sign_in"]
    assert isinstance(dialog, SignInDialog)
    dialog.email.setText("emp1@example.com")
    dialog.password.setText("x")
    dialog.accept()
    qtbot.waitUntil(lambda: shows_evil(dialog.error))
    assert_shown_as_text(dialog)
    assert dialog.sizeHint().width() < SANE_WIDTH
    dialog.reject()


def test_check_out_intro_shows_the_servers_words_as_text(
    qtbot: QtBot, controller: TrayController, core: FakeCore, monkeypatch: pytest.MonkeyPatch
) -> None:
    trigger(controller, "action:check_in:office")
    qtbot.waitUntil(lambda: controller.snapshot.attendance.checked_in)
    monkeypatch.setattr(core, "check_out", rejected(f"{EVIL} before your shift ends."))
    trigger(controller, "action:check_out")
    qtbot.waitUntil(lambda: "checkout_reason" in controller.dialogs)
    dialog = controller.dialogs["checkout_reason"]
    assert isinstance(dialog, CheckoutReasonDialog)
    assert_shown_as_text(dialog)
    assert dialog.sizeHint().width() < SANE_WIDTH
    dialog.reject()


def parked(message: str) -> OutboxEntry:
    return OutboxEntry(
        id="p1",
        kind="start",
        state="parked",
        payload={f"<b>{LINK}</b>": "x"},
        attempts=1,
        last_error=message,
        created_at=T0,
        summary=f"Start {EVIL}",
    )


def test_sync_window_and_its_editor_show_refusals_as_text(qtbot: QtBot) -> None:
    window = SyncWindow()
    qtbot.addWidget(window)
    window.set_items([parked(EVIL)])
    item = window.list.item(0)
    assert as_qt_shows_a_tooltip(item.toolTip()) == EVIL
    assert window.sizeHint().width() < SANE_WIDTH
    editor = ParkedEditDialog(parked(EVIL), window)
    assert len(assert_shown_as_text(editor)) == 3  # summary, message, the field's name
    assert editor.sizeHint().width() < SANE_WIDTH


def test_week_window_shows_titles_projects_and_notes_as_text(qtbot: QtBot) -> None:
    berlin = ZoneInfo("Europe/Berlin")
    monday = date(2025, 3, 3)
    start = datetime(2025, 3, 3, 9, tzinfo=berlin).astimezone(UTC)
    entry = WeekEntry(
        "a", EVIL, f"R&D {LINK}", start, start + timedelta(hours=2), "manual", notes=EVIL
    )
    now = datetime(2025, 3, 3, 15, tzinfo=berlin)
    model = build_week([entry], monday, berlin, now, target_hours=40, fetched_at=now)
    window = WeekWindow()
    qtbot.addWidget(window)
    window.show_week(model)
    legend_doc = QTextDocument()
    legend_doc.setHtml(window.legend.text())
    assert f"R&D {LINK}" in legend_doc.toPlainText()  # the one rich label: names escaped
    assert window.legend.sizeHint().width() < SANE_WIDTH
    window.set_status(EVIL)
    assert len(assert_shown_as_text(window, escaped=window.legend)) == 1
    notes = window.day_list.topLevelItem(0)
    assert as_qt_shows_a_tooltip(notes.toolTip(4)) == EVIL


def test_settings_problems_show_a_hostile_reason_as_text(qtbot: QtBot) -> None:
    window = SettingsProblemsWindow([f"settings.toml: colour: {EVIL}"], lambda _key: None)
    qtbot.addWidget(window)
    item = window.tree.topLevelItem(0)
    assert as_qt_shows_a_tooltip(item.toolTip(2)) == EVIL


@pytest.mark.parametrize("text", ["", "plain", "R&D", "a < b", "&lt;", EVIL, "two\nlines <i>"])
def test_a_tooltip_reads_exactly_as_written(text: str) -> None:
    assert as_qt_shows_a_tooltip(plain.tip(text)) == text
