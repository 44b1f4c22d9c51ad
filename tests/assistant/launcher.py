"""``python -m tests.assistant.launcher mcp ARGS``: ``timetray mcp`` as the tests start it.

As tests/app_launcher.py (no machine policy), plus a confirmation clock the test moves: the
number of seconds in the file named by ``TIMETRAY_TEST_CLOCK_SHIFT`` is added to the real
time, so an expired approval is tested without waiting two minutes.
"""

from __future__ import annotations

import os
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.app_launcher import install_test_policy

SHIFT_ENV = "TIMETRAY_TEST_CLOCK_SHIFT"


def shifted_now() -> datetime:
    path = os.environ.get(SHIFT_ENV)
    try:
        shift = float(Path(path).read_text()) if path else 0.0
    except (OSError, ValueError):
        shift = 0.0
    return datetime.now(UTC) + timedelta(seconds=shift)


def main() -> int:
    install_test_policy()
    from app.assistant.entry import run
    from app.cli import build_parser

    options = build_parser().parse_args(sys.argv[1:])
    return run(options, confirm_clock=shifted_now)


if __name__ == "__main__":
    sys.exit(main())
