"""The tray leaves cleanly: no "Fatal Python error" after a long session, at Quit, or at the end
of ``--smoke-test``. Runs real processes, since an abort at interpreter exit is invisible from
inside the process that is exiting."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from app.demo import launcher_available as demo_available

ROOT = Path(__file__).resolve().parents[2]
# Lines the smoke test may print on a headless machine: facts for the user, not failures.
EXPECTED_STDERR = (
    "No usable system keyring",
    "no system tray after",
    "This plugin does not support",  # Qt's offscreen platform
)


def isolated_env(tmp_path: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        QT_QPA_PLATFORM="offscreen",
        HOME=str(tmp_path / "home"),
        XDG_CONFIG_HOME=str(tmp_path / "config"),
        XDG_DATA_HOME=str(tmp_path / "data"),
        XDG_STATE_HOME=str(tmp_path / "state"),
        XDG_CACHE_HOME=str(tmp_path / "cache"),
        TIMETRAY_DATA_DIR=str(tmp_path / "timetray"),
        TMPDIR=str(tmp_path),
        PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring",
        LANG="C.UTF-8",
    )
    env.pop("TIMETRAY_SERVER", None)
    return env


def run(args: list[str], tmp_path: Path, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env=isolated_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def test_a_long_session_of_qt_calls_ends_without_an_abort(tmp_path: Path) -> None:
    # Under PySide6 6.12.0 on CPython 3.11 each of these calls took one unreturned reference to
    # None (or True, for emit) and a few thousand of them aborted the process: this catches any
    # Qt build with that leak (pyproject.toml excludes that release).
    script = textwrap.dedent(
        """
        from app.ui.qt import QApplication, QObject, QTimer, Signal

        class Ping(QObject):
            pinged = Signal(object)

        app = QApplication([])
        ping = Ping()
        ping.pinged.connect(lambda _value: None)
        for _ in range(20_000):
            ping.setObjectName("tray")
            ping.pinged.emit(None)
        QTimer.singleShot(0, app.quit)
        app.exec()
        print("session over")
        """
    )
    done = run(["-c", script], tmp_path)
    assert "Fatal Python error" not in done.stderr
    assert (done.returncode, done.stdout.strip()) == (0, "session over"), done.stderr


@pytest.mark.skipif(not demo_available(), reason="needs the contract test server (fastapi)")
def test_smoke_test_in_demo_mode_starts_and_quits_cleanly(tmp_path: Path) -> None:
    done = run(["-m", "app", "--smoke-test", "--demo"], tmp_path)
    assert done.returncode == 0, done.stderr
    assert "smoke test ok" in done.stdout
    unexpected = [
        line
        for line in done.stderr.splitlines()
        if line.strip() and not any(known in line for known in EXPECTED_STDERR)
    ]
    assert unexpected == [], done.stderr
    assert not list(tmp_path.glob("timetray-demo-*")), "the demo's temporary folder is left"


@pytest.mark.skipif(not demo_available(), reason="needs the contract test server (fastapi)")
def test_the_readme_run_command_starts_in_demo_mode_from_anywhere(tmp_path: Path) -> None:
    # `.venv/bin/timetray` runs with the script's folder on sys.path, not the checkout: with
    # no server configured it must still find the demo server and sign in there.
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from app.main import main; sys.exit(main())",
            "--smoke-test",
        ],
        cwd=elsewhere,
        env=isolated_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    log = (tmp_path / "timetray" / "logs" / "timetray.log").read_text(encoding="utf-8")
    assert "starting in demo mode" in log
