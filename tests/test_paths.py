"""The app's folders and files are private to the user (issue 16, item 5)."""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from app import logging_setup, paths
from app.config import save_user_settings
from app.policy import StaticPolicyReader

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


@pytest.fixture(autouse=True)
def open_umask() -> Iterator[None]:
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)


@pytest.fixture
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    before = list(root.handlers), root.level
    yield
    for handler in list(root.handlers):
        if handler not in before[0]:
            handler.close()
            root.removeHandler(handler)
    root.setLevel(before[1])


def test_new_folders_are_private(tmp_path: Path) -> None:
    profile = tmp_path / "profile"
    assert _mode(paths.data_dir(profile)) == 0o700
    assert _mode(paths.config_dir(profile)) == 0o700
    assert _mode(paths.log_dir(profile)) == 0o700


def test_an_existing_profile_is_tightened_and_the_log_says_what_changed(
    tmp_path: Path, restore_logging: None
) -> None:
    profile = tmp_path / "profile"
    (profile / "logs").mkdir(parents=True, mode=0o755)
    os.chmod(profile, 0o755)
    old_log = profile / "logs" / "timetray.log.1"
    settings = profile / "settings.toml"
    for f in (old_log, settings, profile / "logs" / "timetray.log"):
        f.write_text("x\n")
        os.chmod(f, 0o644)
    elsewhere = tmp_path / "not-ours.txt"
    elsewhere.write_text("x\n")
    (profile / "link").symlink_to(elsewhere)
    paths.take_tightened()  # whatever other tests left behind

    data = paths.data_dir(profile)
    log_path = logging_setup.configure(paths.log_dir(profile), stderr=False)

    assert _mode(data) == 0o700 and _mode(profile / "logs") == 0o700
    assert _mode(settings) == 0o600 and _mode(old_log) == 0o600 and _mode(log_path) == 0o600
    assert _mode(elsewhere) == 0o644  # a symlink is never followed
    for handler in logging.getLogger().handlers:
        handler.flush()
    text = log_path.read_text()
    assert f"{settings} 0644 -> 0600" in text
    assert f"{profile} 0755 -> 0700" in text
    assert f"{old_log} 0644 -> 0600" in text


def test_the_log_and_its_rotated_files_are_created_private(
    tmp_path: Path, restore_logging: None
) -> None:
    log_path = logging_setup.configure(paths.log_dir(tmp_path / "p"), stderr=False)
    handler = next(
        h
        for h in logging.getLogger().handlers
        if isinstance(h, logging_setup.PrivateRotatingFileHandler)
    )
    logging.getLogger("app.test").warning("started task %s", "Payroll review")
    handler.doRollover()
    logging.getLogger("app.test").warning("after the rotation")
    handler.flush()
    rotated = log_path.with_name(log_path.name + ".1")
    assert rotated.exists()
    assert _mode(log_path) == 0o600 and _mode(rotated) == 0o600


def test_settings_are_written_private_in_a_private_folder(tmp_path: Path) -> None:
    folder = tmp_path / "config"
    save_user_settings(
        {"poll_interval_seconds": 120}, config_dir=folder, policy=StaticPolicyReader(), env={}
    )
    assert _mode(folder) == 0o700
    assert _mode(folder / "settings.toml") == 0o600
