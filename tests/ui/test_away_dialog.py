"""The tray's side of away time: badge and tooltip while a question waits, the dialog opening
once by itself, its answers reaching the core, and task titles shown as plain text."""

from __future__ import annotations

from datetime import timedelta

from pytestqt.qtbot import QtBot

from app.core.snapshot import AwayPending
from app.ui.controller import TrayController
from app.ui.qt import Qt
from app.ui.text import icon_badge, tooltip_text
from tests.ui.fake_core import T0, FakeClock, FakeCore, task_id
from tests.ui.helpers import menu_names

TRAY = task_id("03")
SPEC = task_id("02")


def question(
    qid: int = 1, *, title: str = "Implement tray sync", resume: bool = True
) -> AwayPending:
    choices = ("discard", "discard-paused", "keep", "keep-as")
    return AwayPending(
        id=1,
        message=f"You were away 12:04-12:51 (47 min) while '{title}' was running.\n"
        "The first 10 min were counted before the pause and cannot be removed.",
        task_id=TRAY,
        task_title=title,
        kind="idle",
        began=T0,
        ended=T0 + timedelta(minutes=47),
        can_resume=resume,
        choices=choices if resume else choices[1:],
    )


def away_now(qtbot: QtBot, controller: TrayController, core: FakeCore, q: AwayPending) -> None:
    assert core.check_in().result().ok
    assert core.start(TRAY).result().ok
    core._pause_timer("away")
    core.set(away=q)
    qtbot.waitUntil(
        lambda: controller.away.dialog is not None and controller.away.dialog.isVisible()
    )


def test_badge_tooltip_menu_and_the_dialog_once(
    qtbot: QtBot, controller: TrayController, core: FakeCore, clock: FakeClock
) -> None:
    away_now(qtbot, controller, core, question())
    snap = core.snapshot()
    assert icon_badge(snap) == "away"
    assert (
        tooltip_text(snap, clock()).splitlines()[0]
        == "You were away: keep or discard? (in the menu)"
    )
    controller.view.fill_menu()
    assert "action:away" in menu_names(controller)
    assert core.polls_soon > 0  # opening the menu leaves the quiet poll interval
    dialog = controller.away.dialog
    assert dialog is not None
    assert "(47 min) while 'Implement tray sync'" in dialog.message.text()
    assert dialog.buttons["discard"].isDefault()
    dialog.close()
    core.set(today_logged_seconds=60.0)  # another snapshot, same question: not opened again
    qtbot.waitUntil(lambda: controller.snapshot.today_logged_seconds == 60.0)
    assert not dialog.isVisible()


def test_discard_and_resume_is_the_default(
    qtbot: QtBot, controller: TrayController, core: FakeCore
) -> None:
    away_now(qtbot, controller, core, question())
    dialog = controller.away.dialog
    assert dialog is not None
    qtbot.keyClick(dialog, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: ("answer_away", ("discard", None)) in core.calls)
    qtbot.waitUntil(lambda: "action:away" not in menu_names(controller))
    timer = core.snapshot().timer
    assert timer is not None and timer.state == "running"


def test_keep_as_another_task_sends_the_picked_task(
    qtbot: QtBot, controller: TrayController, core: FakeCore
) -> None:
    away_now(qtbot, controller, core, question())
    dialog = controller.away.dialog
    assert dialog is not None
    titles = [dialog.tasks.itemText(i) for i in range(dialog.tasks.count())]
    assert "Implement tray sync" not in titles  # another task, not the one that ran
    dialog.tasks.setCurrentIndex(dialog.tasks.findData(SPEC))
    dialog.buttons["keep-as"].click()
    qtbot.waitUntil(lambda: ("answer_away", ("keep-as", SPEC)) in core.calls)
    assert not dialog.isVisible()


def test_stay_paused_and_no_resume_after_a_break(
    qtbot: QtBot, controller: TrayController, core: FakeCore
) -> None:
    away_now(qtbot, controller, core, question(resume=False))
    dialog = controller.away.dialog
    assert dialog is not None
    assert "discard" not in dialog.buttons
    assert dialog.buttons["discard-paused"].isDefault()
    dialog.buttons["discard-paused"].click()
    qtbot.waitUntil(lambda: ("answer_away", ("discard-paused", None)) in core.calls)
    timer = core.snapshot().timer
    assert timer is not None and timer.state == "paused"


def test_task_titles_are_plain_text(
    qtbot: QtBot, controller: TrayController, core: FakeCore
) -> None:
    away_now(qtbot, controller, core, question(title="<b>Bold</b> &amp; co"))
    dialog = controller.away.dialog
    assert dialog is not None
    assert dialog.message.textFormat() == Qt.TextFormat.PlainText
    assert "'<b>Bold</b> &amp; co'" in dialog.message.text()


def test_answered_elsewhere_closes_the_dialog(
    qtbot: QtBot, controller: TrayController, core: FakeCore
) -> None:
    away_now(qtbot, controller, core, question())
    dialog = controller.away.dialog
    assert dialog is not None
    core.set(away=None)  # `timetray away keep` answered it
    qtbot.waitUntil(lambda: not dialog.isVisible())
    assert icon_badge(core.snapshot()) != "away"
