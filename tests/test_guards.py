"""The suite's own guards: an unexpected logged error fails a test, and a run stays in its
private folders (no machine policy, no user settings, keyring or data, nothing left behind)."""

from __future__ import annotations

import logging
import os
import re
import sys
import tempfile
import threading
from pathlib import Path

import keyring
import platformdirs
import pytest

from app import paths
from tests.isolation import ROOT_ENV, Isolation
from tests.logfail import LogFail

log = logging.getLogger("app.core.worker")


def test_an_error_logged_on_another_thread_is_reported(logfail: LogFail) -> None:
    def job() -> None:
        try:
            raise RuntimeError("boom")
        except RuntimeError:
            log.exception("job failed")

    worker = threading.Thread(target=job)
    worker.start()
    worker.join()
    assert logfail.problems() == ["ERROR app.core.worker: job failed (RuntimeError: boom)"]
    logfail.records.clear()  # judged here; the fixture need not fail this test


def test_warnings_are_not_errors(logfail: LogFail) -> None:
    log.warning("server slow")
    assert logfail.problems() == []


@pytest.mark.expect_logged_error(r"job failed", logger="app.core")
def test_an_expected_error_is_allowed() -> None:
    log.error("job failed")


def test_an_expected_error_that_never_came_is_reported() -> None:
    handler = LogFail()
    handler.expect(r"cannot open", logger="app.core.service")
    handler.emit(logging.LogRecord("app.ui", logging.ERROR, __file__, 1, "cannot open", None, None))
    assert handler.problems() == [
        "ERROR app.ui: cannot open",
        "expected an error matching 'cannot open' on app.core.service; none logged",
    ]


def test_the_run_lives_in_private_folders() -> None:
    root = Path(os.environ[ROOT_ENV])
    places = [Path(tempfile.gettempdir()), Path.home(), paths.data_dir(), paths.config_dir()]
    places.append(paths.log_dir())
    if not sys.platform.startswith("win"):  # Windows asks the shell, not the environment,
        # for these; TIMETRAY_DATA_DIR (above) is what keeps the product off them there.
        places += [Path(platformdirs.user_config_dir("timetray"))]
        places += [Path(platformdirs.user_data_dir("timetray"))]
    for place in places:
        assert place.resolve().is_relative_to(root.resolve()), place
    assert type(keyring.get_keyring()).__module__ == "keyring.backends.null"
    assert "TIMETRAY_SERVER" not in os.environ


def test_leftovers_are_found_in_the_temp_folder_and_home_but_not_caches(tmp_path: Path) -> None:
    isolation = Isolation(tmp_path)
    for folder in (isolation.tmp, isolation.home / ".cache" / "fontconfig", isolation.home):
        folder.mkdir(parents=True, exist_ok=True)
    (isolation.tmp / "timetray-demo-x").mkdir()
    (isolation.home / ".cache" / "fontconfig" / "cache-9").write_text("")
    (isolation.home / ".config" / "autostart").mkdir(parents=True)
    (isolation.home / ".config" / "autostart" / "timetray.desktop").write_text("")
    assert isolation.leftovers() == ["timetray-demo-x"]
    assert isolation.home_leftovers() == [str(Path(".config", "autostart", "timetray.desktop"))]


def test_the_tests_workflow_covers_three_oses_with_actions_pinned_by_commit() -> None:
    workflow = Path(__file__).resolve().parent.parent / ".github/workflows/tests.yml"
    text = workflow.read_text(encoding="utf-8")
    assert "runs-on: ubuntu-24.04" in text and "bash .ci/run" in text
    assert "os: [windows-latest, macos-latest]" in text and "python -m pytest" in text
    uses = re.findall(r"uses: (\S+)@(\S+)(.*)", text)
    assert uses, "no actions?"
    for action, ref, comment in uses:
        assert re.fullmatch(r"[0-9a-f]{40}", ref), f"{action} is not pinned by commit: {ref}"
        assert re.fullmatch(r"\s+# v\d+\.\d+\.\d+", comment), f"{action}: say the tag"
