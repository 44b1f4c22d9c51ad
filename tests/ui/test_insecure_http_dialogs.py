"""What the dialogs say about plain http, and the restart hints the settings table gives them."""

from __future__ import annotations

import pytest
from pytestqt.qtbot import QtBot

from app.ui.controller import TrayController
from app.ui.dialogs.settings_dialog import RESTART_TIP, SettingsDialog
from app.ui.dialogs.sign_in import SignInDialog
from tests.ui.conftest import make_settings
from tests.ui.fake_core import FakeClock, FakeCore


def _sign_in(qtbot: QtBot, server: str, *, allowed: bool) -> tuple[SignInDialog, list[str]]:
    dialog = SignInDialog(None, None, allow_insecure_http=allowed)
    qtbot.addWidget(dialog)
    sent: list[str] = []
    dialog.submitted.connect(lambda url, _email, _password: sent.append(url))
    dialog.server.setText(server)
    dialog.email.setText("emp1@example.com")
    dialog.password.setText("Employee1234!")
    dialog.accept()
    return dialog, sent


def test_sign_in_refuses_plain_http_to_another_computer_and_says_why(qtbot: QtBot) -> None:
    dialog, sent = _sign_in(qtbot, "http://hr.example.com", allowed=False)
    assert sent == []  # the password never left the dialog
    assert "unencrypted" in dialog.error.text() and "https://" in dialog.error.text()


@pytest.mark.parametrize(
    ("server", "allowed"),
    [
        ("https://hr.example.com", False),
        ("http://127.0.0.1:8000", False),  # the demo
        ("http://localhost:8000", False),
        ("http://hr.example.com", True),  # machine policy allows it
    ],
)
def test_sign_in_sends_what_is_safe_or_allowed(qtbot: QtBot, server: str, allowed: bool) -> None:
    dialog, sent = _sign_in(qtbot, server, allowed=allowed)
    assert sent == [server]
    assert dialog.error.text() == ""


def test_settings_refuses_plain_http_and_saves_nothing(qtbot: QtBot) -> None:
    settings = make_settings(server_url="https://hr.example.com")
    dialog = SettingsDialog(settings)
    qtbot.addWidget(dialog)
    saved: list[object] = []
    dialog.submitted.connect(saved.append)
    dialog.server_url.setText("http://hr.example.com")
    dialog.accept()
    assert saved == []
    assert "unencrypted" in dialog.error.text()


def test_settings_accepts_http_when_policy_allows_it(qtbot: QtBot) -> None:
    settings = make_settings(server_url="https://hr.example.com", allow_insecure_http=True)
    dialog = SettingsDialog(settings)
    qtbot.addWidget(dialog)
    saved: list[object] = []
    dialog.submitted.connect(saved.append)
    dialog.server_url.setText("http://hr.example.com")
    dialog.accept()
    assert saved == [{"server_url": "http://hr.example.com"}]


def test_settings_marks_what_applies_after_a_restart(qtbot: QtBot) -> None:
    dialog = SettingsDialog(make_settings(locked={"ca_bundle"}))
    qtbot.addWidget(dialog)
    assert dialog.poll_interval_seconds.toolTip() == RESTART_TIP
    assert dialog.auto_resume.text().endswith(" *")  # the core reads it when it starts
    assert dialog.notifications.toolTip() == "" and not dialog.notifications.text().endswith("*")
    assert not dialog.autostart.text().endswith("*")
    assert "organisation" in dialog.ca_bundle.toolTip()  # locked wins over the restart hint
    assert not dialog.ca_bundle.isEnabled()


def test_controller_hands_the_policy_allowance_to_the_sign_in_dialog(
    qtbot: QtBot, clock: FakeClock
) -> None:
    for allowed in (False, True):
        core = FakeCore(clock, signed_in=False)
        settings = make_settings(allow_insecure_http=allowed)
        ctl = TrayController(core, settings, wait_for_tray=False, clock=clock)
        try:
            ctl.sign_in()
            dialog = ctl.dialogs["sign_in"]
            assert isinstance(dialog, SignInDialog)
            assert dialog.allow_insecure_http is allowed
        finally:
            ctl.bridge.close()
            ctl.tray.hide()
