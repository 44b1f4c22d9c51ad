"""The demo launcher: ``python -m tests.backend.demo [timetray options]``.

``timetray`` hands over to this when it finds no server in a source checkout (see app/demo.py).
It makes a private data folder, starts the contract server on 127.0.0.1 with a random control
secret that never leaves this module, prepares a working day on it (Erin Employee checked in,
a timer on "Implement tray sync" running for 1:07), then runs the tray against it. When the
tray ends, however it ends (Quit, SIGTERM, SIGINT, logout), the server stops and the folder
goes.
"""

from __future__ import annotations

import logging
import shutil
import signal
import sys
import tempfile
from types import FrameType

import httpx

from app.demo import DemoSession
from tests.backend.server import BackendHandle, start_in_thread

log = logging.getLogger(__name__)

DEMO_EMAIL = "emp1@example.com"
DEMO_PASSWORD = "Employee1234!"  # the contract test server's public demo account
DEMO_TASK_ID = "60000000-0000-4000-8000-000000000003"  # "Implement tray sync"
DEMO_ELAPSED_MINUTES = 67  # the sample timer started this long ago (the icon shows "1:07")
TEMP_PREFIX = "timetray-demo-"


def prepare_day(backend: BackendHandle) -> None:
    """Check in and start the sample timer in the server's past, then bring its clock back."""
    back = DEMO_ELAPSED_MINUTES * 60
    backend.advance_clock(-back)
    try:
        with httpx.Client(base_url=backend.api_url, timeout=10) as api:
            login = api.post("/auth/login", json={"email": DEMO_EMAIL, "password": DEMO_PASSWORD})
            login.raise_for_status()
            api.headers["Authorization"] = f"Bearer {login.json()['access_token']}"
            api.post("/attendance/check-in", json={"work_mode": "office"}).raise_for_status()
            api.post("/time-logs/start", json={"task_id": DEMO_TASK_ID}).raise_for_status()
    finally:
        backend.advance_clock(back)


def _exit_on_signal(signum: int, frame: FrameType | None) -> None:
    """Before the tray takes the signals over (and after it gives them back): end through
    ``finally``, so the folder is removed even when stopped during start-up."""
    raise SystemExit(128 + signum)


def main(argv: list[str] | None = None) -> int:
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, _exit_on_signal)
    data_dir = tempfile.mkdtemp(prefix=TEMP_PREFIX)
    try:
        with start_in_thread(port=0) as backend:
            prepare_day(backend)
            from app.main import main as timetray

            session = DemoSession(backend.url, DEMO_EMAIL, DEMO_PASSWORD, data_dir)
            return timetray(sys.argv[1:] if argv is None else argv, demo=session)
    finally:
        _close_logs_under(data_dir)
        shutil.rmtree(data_dir, ignore_errors=True)


def _close_logs_under(folder: str) -> None:
    """Let go of log files inside the folder first (Windows cannot remove open files)."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if str(getattr(handler, "baseFilename", "")).startswith(folder):
            root.removeHandler(handler)
            handler.close()


if __name__ == "__main__":
    sys.exit(main())
