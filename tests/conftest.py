"""Shared fixtures. Tests run headless: Qt's offscreen platform is forced before any Qt import.

Before anything else the run is moved into private folders (tests/isolation.py): no test reads
the machine's policy, the user's settings, keyring or data, and the session fails when it leaves
anything in the temp folder or the home.
"""

from __future__ import annotations

import os
import sys

os.environ["QT_QPA_PLATFORM"] = "offscreen"
os.environ.setdefault("LANG", "C.UTF-8")

# Before the product (or a library) derives any path from the environment:
from tests import isolation

ISOLATION = isolation.start()

import pytest  # noqa: E402

from tests.backend_fixtures import *  # noqa: F403, E402
from tests.logfail import *  # noqa: F403, E402


@pytest.hookimpl(tryfirst=True)  # before pytest's tmp_path factory reads the option
def pytest_configure(config: pytest.Config) -> None:
    if config.option.basetemp is None:
        config.option.basetemp = str(ISOLATION.basetemp)


def pytest_runtest_setup(item: pytest.Item) -> None:
    """``needs_linux`` / ``needs_posix``: skip elsewhere, saying what is missing there."""
    for mark in item.iter_markers("needs_linux"):
        if not sys.platform.startswith("linux"):
            pytest.skip(f"Linux only: {mark.args[0] if mark.args else 'Linux-specific'}")
    for mark in item.iter_markers("needs_posix"):
        if sys.platform.startswith("win"):
            pytest.skip(f"POSIX only: {mark.args[0] if mark.args else 'POSIX-specific'}")


@pytest.hookimpl(trylast=True)  # after the session fixtures (servers, demo folders) are gone
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Fail the run if it left files where a user would find them (then clean up anyway)."""
    left = ISOLATION.leftovers()
    home = ISOLATION.home_leftovers()
    if left or home:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        lines = [f"  temp folder: {name}" for name in left] + [f"  home: {p}" for p in home]
        message = "the test run left files behind:\n" + "\n".join(lines)
        if reporter is not None:
            reporter.write_sep("=", "leftovers", red=True)
            reporter.write_line(message)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
    ISOLATION.remove()
