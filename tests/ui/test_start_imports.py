"""What the tray loads before its icon shows: Qt and the icon painter, not the core's libraries.

run_tray shows the icon before it loads the settings, the core, the HTTP client, the scheduler
and SQLite (bench/ui_bench.py measures the start against a bare Qt tray); an import added to one
of the early modules would quietly bill all of that to the start again.
"""

from __future__ import annotations

import subprocess
import sys

EARLY = (
    "app.ui.tray_app",
    "app.paths",
    "app.logging_setup",
    "app.ui.qt",
    "app.ui.quit_signals",
    "app.ui.single_instance",
    "app.ui.early_icon",
)
HEAVY = (
    "httpx",
    "apscheduler",
    "sqlite3",
    "keyring",
    "app.api.client",
    "app.core",
    "offline_queue",
)


def test_modules_loaded_before_the_icon_leave_the_core_libraries_for_later() -> None:
    code = (
        "import sys\n"
        f"for name in {EARLY!r}: __import__(name)\n"
        f"print(' '.join(sorted(h for h in {HEAVY!r} if h in sys.modules)))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.split() == []
