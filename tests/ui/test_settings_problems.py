"""Bad lines in the settings file: one notice, and a window that names each file and key and
what is used instead (issue 14, item 6)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from app.config import load_settings
from app.policy import StaticPolicyReader
from app.ui.controller import TrayController
from app.ui.dialogs.settings_problems import SettingsProblemsWindow, parse_problem
from app.ui.settings_port import SettingsPort
from tests.ui.fake_core import FakeClock, FakeCore
from tests.ui.helpers import close_tray
from tests.ui.test_clean_exit import demo_available, isolated_env


@pytest.fixture
def broken_settings(tmp_path: Path) -> SettingsPort:
    (tmp_path / "settings.toml").write_text(
        'server_url = "https://hr.example.com"\n'
        'poll_interval_seconds = "often"\n'
        "notes_max_length = -3\n"
        'auto_resume = "maybe"\n'
        "colour = 3\n",
        encoding="utf-8",
    )
    # Never the machine's own policy or environment.
    loaded = load_settings(config_dir=tmp_path, env={}, policy=StaticPolicyReader())
    assert len(loaded.problems) == 4
    return SettingsPort(loaded)


@pytest.fixture
def controller_with(
    qtbot: QtBot, broken_settings: SettingsPort, clock: FakeClock
) -> Iterator[TrayController]:
    ctl = TrayController(FakeCore(clock), broken_settings, wait_for_tray=False, clock=clock)
    ctl.show()
    yield ctl
    close_tray(ctl)


def test_four_bad_keys_make_one_notice_whose_click_lists_them_all(
    qtbot: QtBot, controller_with: TrayController, tmp_path: Path
) -> None:
    shown: list[tuple[str, str]] = []
    controller_with.messages.shown.connect(lambda title, text: shown.append((title, text)))
    controller_with.settings_flow.report_problems()
    assert len(shown) == 1
    title, text = shown[0]
    assert title == "Settings problems" and text.startswith("4 settings could not be used")
    controller_with.messages.clicked()
    window = controller_with.dialogs["settings_problems"]
    assert isinstance(window, SettingsProblemsWindow)
    rows = [
        [window.tree.topLevelItem(i).text(col) for col in range(4)]
        for i in range(window.tree.topLevelItemCount())
    ]
    by_key = {row[1]: row for row in rows}
    assert set(by_key) == {"poll_interval_seconds", "notes_max_length", "auto_resume", "colour"}
    assert all(row[0] == str(tmp_path / "settings.toml") for row in rows)
    assert by_key["poll_interval_seconds"][3] == "15"  # the default, used instead
    assert by_key["notes_max_length"][3] == "5000"
    assert "not a Timetray setting" in by_key["colour"][2]


def test_no_problems_no_notice(qtbot: QtBot, controller: TrayController) -> None:
    shown: list[str] = []
    controller.messages.shown.connect(lambda title, _text: shown.append(title))
    controller.settings_flow.report_problems()
    assert shown == []


def test_problem_lines_split_into_file_key_and_reason() -> None:
    problem = parse_problem("/home/erin/.config/timetray/settings.toml: colour: ignored")
    assert problem == ("/home/erin/.config/timetray/settings.toml", "colour", "ignored")
    whole_file = parse_problem("/x/settings.toml: not valid TOML: line 3")
    assert whole_file.key == "" and "line 3" in whole_file.why


@pytest.mark.skipif(not demo_available(), reason="needs the contract test server (fastapi)")
def test_a_broken_settings_file_does_not_pass_silently_for_demo_mode(tmp_path: Path) -> None:
    folder = tmp_path / "timetray"
    folder.mkdir()
    (folder / "settings.toml").write_text('server_url = "https://hr.example.com\n', "utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "app", "--smoke-test"],
        cwd=Path(__file__).resolve().parents[2],
        env=isolated_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "starting the demo: no usable server in your settings" in done.stderr
    assert str(folder / "settings.toml") in done.stderr
