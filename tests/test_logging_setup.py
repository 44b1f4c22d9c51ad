"""The log file: where it goes, and that it never holds a token."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.api import TokenStore, redaction
from app.logging_setup import LOG_FILE_NAME, configure
from tests.api.conftest import memory_keyring  # noqa: F401 (a fixture)

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


OPAQUE = "rt_9fK2mQx7Lw0pZs4VbN8c"  # an opaque (non-JWT) refresh token


@pytest.fixture
def no_held_tokens() -> Iterator[None]:
    redaction.forget_all()
    yield
    redaction.forget_all()


@pytest.mark.expect_logged_error(r"refresh failed", logger="app.test")
def test_a_traceback_carrying_a_token_is_redacted(log_file: Path) -> None:
    try:
        raise RuntimeError(f"proxy echoed Authorization: Bearer {JWT}")
    except RuntimeError:
        logging.getLogger("app.test").exception("refresh failed")
    text = _read(log_file)
    assert "Traceback" in text and "refresh failed" in text
    assert JWT not in text
    assert "Bearer <redacted>" in text


@pytest.mark.expect_logged_error(r"renewal", logger="app.test")
def test_an_opaque_refresh_token_in_a_body_or_traceback_is_redacted(log_file: Path) -> None:
    log = logging.getLogger("app.test")
    log.warning("request body %s", {"refresh_token": OPAQUE})
    try:
        raise ValueError(f'bad answer: {{"refresh_token":"{OPAQUE}","password": "hunter2 x"}}')
    except ValueError:
        log.exception("renewal")
    log.info("login with password=%s", "Employee1234!")
    text = _read(log_file)
    assert OPAQUE not in text
    assert "hunter2" not in text and "Employee1234!" not in text
    assert "'refresh_token': '<redacted>'" in text
    assert '"refresh_token":"<redacted>"' in text


@pytest.mark.usefixtures("no_held_tokens", "memory_keyring")
@pytest.mark.expect_logged_error(r"unexpected text from the server", logger="app.test")
def test_a_token_the_store_holds_is_redacted_wherever_it_appears(log_file: Path) -> None:
    store = TokenStore("https://hr.example.com", "emp1@example.com")
    store.save(OPAQUE)
    logging.getLogger("app.test").error("unexpected text from the server: %s", f"x{OPAQUE}y")
    text = _read(log_file)
    assert OPAQUE not in text
    assert "x<redacted>y" in text


@pytest.mark.expect_logged_error(r"boom", logger="app.test")
def test_stderr_is_redacted_too(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = logging.getLogger()
    before = list(root.handlers), root.level
    try:
        configure(tmp_path, stderr=True)
        try:
            raise RuntimeError(JWT)
        except RuntimeError:
            logging.getLogger("app.test").exception("boom")
    finally:
        for handler in list(root.handlers):
            if handler not in before[0]:
                handler.close()
                root.removeHandler(handler)
        root.setLevel(before[1])
    err = capsys.readouterr().err
    assert "boom" in err and JWT not in err
