"""The log file: where it goes, and that it never holds a token."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.logging_setup import LOG_FILE_NAME, configure

JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJlLXBhcnQ"


@pytest.fixture
def log_file(tmp_path: Path) -> Iterator[Path]:
    root = logging.getLogger()
    before = list(root.handlers), root.level
    path = configure(tmp_path, stderr=False)
    yield path
    for handler in list(root.handlers):
        if handler not in before[0]:
            handler.close()
            root.removeHandler(handler)
    root.setLevel(before[1])


def _read(path: Path) -> str:
    for handler in logging.getLogger().handlers:
        handler.flush()
    return path.read_text(encoding="utf-8")


def test_log_goes_to_a_file_in_the_log_dir(log_file: Path, tmp_path: Path) -> None:
    assert log_file == tmp_path / LOG_FILE_NAME
    logging.getLogger("app.test").info("timer started on %s", "Implement tray sync")
    assert "timer started on Implement tray sync" in _read(log_file)


def test_tokens_are_redacted_from_messages_and_arguments(log_file: Path) -> None:
    log = logging.getLogger("app.test")
    log.warning("refresh failed for token %s", JWT)
    log.warning(f"inline {JWT} too")
    text = _read(log_file)
    assert JWT not in text
    assert text.count("<redacted>") == 2


def test_scheduler_chatter_stays_out_of_the_log(log_file: Path) -> None:
    logging.getLogger("apscheduler.executors.default").info('Running job "poll"')
    logging.getLogger("apscheduler.scheduler").warning("job missed its run time")
    text = _read(log_file)
    assert "Running job" not in text
    assert "missed its run time" in text


def test_configuring_twice_does_not_double_lines(log_file: Path, tmp_path: Path) -> None:
    configure(tmp_path, stderr=False)
    logging.getLogger("app.test").info("exactly once")
    assert _read(log_file).count("exactly once") == 1
