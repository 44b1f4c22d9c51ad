"""The tray ends cleanly however it is ended: SIGTERM, SIGINT, or the session closing the
application (``aboutToQuit``). Cleanly means: a log line, the core shut down (its store closed),
and the demo's temporary folder gone. The signal tests run the real program, offscreen."""

from __future__ import annotations

import queue
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from app.demo import launcher_available
from app.ui.controller import TrayController
from app.ui.qt import QApplication
from tests.ui.fake_core import FakeCore
from tests.ui.test_clean_exit import ROOT, isolated_env

# The tray logs this once its core is open and the controller is waiting for a tray host
# (offscreen has none): from then on a signal has a running tray to end.
READY = "no system tray yet"
STARTUP_TIMEOUT = 60  # seconds; a test timeout on a loaded machine, not a measured bound
EXIT_TIMEOUT = 10  # the tray's own bound is 2 s; this only keeps a broken build from hanging


class Tray:
    """A ``timetray`` process whose stderr is read on a thread, so waiting has a timeout."""

    def __init__(self, args: list[str], tmp_path: Path) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "app", "--verbose", *args],
            cwd=ROOT,
            env=isolated_env(tmp_path),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.lines.put(line)
        self.lines.put(None)

    def wait_for(self, text: str) -> None:
        while True:
            line = self.lines.get(timeout=STARTUP_TIMEOUT)
            assert line is not None, "the tray ended before it was ready:\n" + "".join(self.seen)
            self.seen.append(line)
            if text in line:
                return

    def end_with(self, sig: signal.Signals) -> int:
        self.proc.send_signal(sig)
        return self.proc.wait(timeout=EXIT_TIMEOUT)

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


@pytest.fixture
def tray_process(tmp_path: Path) -> Any:
    started: list[Tray] = []

    def start(*args: str) -> Tray:
        started.append(Tray(list(args), tmp_path))
        return started[-1]

    yield start
    for tray in started:
        tray.kill()


def in_order(text: str, *parts: str) -> bool:
    at = 0
    for part in parts:
        at = text.find(part, at)
        if at < 0:
            return False
    return True


def log_text(tmp_path: Path) -> str:
    return (tmp_path / "timetray" / "logs" / "timetray.log").read_text(encoding="utf-8")


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_sigterm_shuts_the_core_down_and_says_so(
    tmp_path: Path, server: Any, tray_process: Any
) -> None:
    tray = tray_process("--server", server.url)
    tray.wait_for(READY)
    assert tray.end_with(signal.SIGTERM) == 0
    log = log_text(tmp_path)
    assert in_order(log, "received SIGTERM", "core shut down", "timetray exiting with 0")
    data = tmp_path / "timetray"
    assert (data / "offline_queue.sqlite3").exists()
    assert not (data / "offline_queue.sqlite3-wal").exists(), "the store was left open"


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
@pytest.mark.skipif(not launcher_available(), reason="needs the contract test server (fastapi)")
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_ends_the_demo_without_leaving_its_folder(
    tmp_path: Path, tray_process: Any, sig: signal.Signals
) -> None:
    tray = tray_process("--demo")
    tray.wait_for(READY)
    assert list(tmp_path.glob("timetray-demo-*")), "the demo runs in a temporary folder"
    assert tray.end_with(sig) == 0
    assert not list(tmp_path.glob("timetray-demo-*")), "the demo's temporary folder is left"
    log = log_text(tmp_path)
    assert in_order(log, f"received {sig.name}", "core shut down", "timetray exiting with 0")


def test_the_session_closing_the_application_shuts_the_core_down(
    qtbot: QtBot, controller: TrayController, core: FakeCore
) -> None:
    # A logout ends the event loop without our Quit: Qt emits aboutToQuit, and no queued
    # signal is delivered after it, so the shutdown must be done when the signal returns.
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    app.aboutToQuit.emit()
    assert core.shut_down
    assert not controller.tray.isVisible()
    assert controller.quits == [True]  # type: ignore[attr-defined]
