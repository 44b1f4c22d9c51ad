"""Where the machine policy comes from: a fixed place that nothing a user sets can move.

IT locks a key so that users cannot change it; a variable that moved the policy (the old
``TIMETRAY_POLICY_FILE``) or picked another user's managed profile (``$USER``) would undo that.
The end-to-end checks run the real command against a policy in ``/etc/timetray`` made visible
to that one process only (tests/machine_policy.py).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.config import load_settings
from app.policy import (
    StaticPolicyReader,
    TomlPolicyReader,
    default_policy_reader,
    replace_policy_source_for_tests,
)
from app.policy.linux import DEFAULT_PATH
from app.policy.macos import DOMAIN, MANAGED_DIR, default_paths
from tests.machine_policy import with_machine_policy

ROOT = Path(__file__).resolve().parent.parent
LOCKED_URL = "https://127.0.0.1:9"  # never contacted: nobody is signed in
EVIL_URL = "http://127.0.0.1:8"
LOCKED_POLICY = f'server_url = "{LOCKED_URL}"\nlocked_keys = ["server_url"]\n'


@pytest.fixture
def machine_policy(tmp_path: Path) -> Iterator[Path]:
    """A locked policy file standing in for the machine's, installed as the OS reader would be."""
    path = tmp_path / "policy.toml"
    path.write_text(LOCKED_POLICY, encoding="utf-8")
    previous = replace_policy_source_for_tests(TomlPolicyReader(path))
    try:
        yield path
    finally:
        replace_policy_source_for_tests(previous)


def test_no_variable_moves_the_linux_policy_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TIMETRAY_POLICY_FILE", str(tmp_path / "mine.toml"))
    assert TomlPolicyReader().path == DEFAULT_PATH
    assert default_policy_reader("linux").source == "/etc/timetray/policy.toml"


def test_variables_cannot_unlock_a_locked_key(
    machine_policy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TIMETRAY_POLICY_FILE", os.devnull)
    monkeypatch.setenv("TIMETRAY_SERVER", EVIL_URL)
    loaded = load_settings(config_dir=tmp_path)
    assert loaded.values.server_url == LOCKED_URL
    assert loaded.is_locked("server_url")
    assert any("TIMETRAY_SERVER" in p or "server_url: locked" in p for p in loaded.problems)


def test_the_test_session_never_reads_the_machine_policy() -> None:
    assert default_policy_reader().read() == ({}, set(), [])
    assert isinstance(default_policy_reader(), StaticPolicyReader)


def _status(command: list[str], tmp_path: Path, **env: str) -> tuple[dict[str, object], str]:
    """``timetray --json status`` as run by ``command``: its JSON and its stderr."""
    environ = {
        **os.environ,
        "TIMETRAY_DATA_DIR": str(tmp_path / "data"),
        "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring",
        **env,
    }
    done = subprocess.run(
        command, capture_output=True, text=True, env=environ, timeout=60, cwd=ROOT
    )
    assert done.returncode == 3, done.stderr  # nobody signed in: status says so
    return json.loads(done.stdout), done.stderr


@pytest.mark.needs_linux("runs timetray under a private /etc overlay (mount namespace)")
def test_the_installed_command_keeps_a_locked_server_whatever_the_environment(
    tmp_path: Path,
) -> None:
    # The report in issue 16: TIMETRAY_POLICY_FILE=/dev/null TIMETRAY_SERVER=... timetray ...
    timetray = [sys.executable, "-m", "app", "--json", "status"]
    locked, _ = _status(
        with_machine_policy(tmp_path / "a", LOCKED_POLICY, timetray),
        tmp_path,
        TIMETRAY_POLICY_FILE=os.devnull,
        TIMETRAY_SERVER=EVIL_URL,
    )
    assert locked["server"] == LOCKED_URL
    # The same policy without the lock is only a default, and the variable wins: the overlay
    # really is what the command read.
    unlocked, _ = _status(
        with_machine_policy(tmp_path / "b", f'server_url = "{LOCKED_URL}"\n', timetray),
        tmp_path,
        TIMETRAY_SERVER=EVIL_URL,
    )
    assert unlocked["server"] == EVIL_URL


@pytest.mark.needs_linux("runs timetray under a private /etc overlay (mount namespace)")
def test_the_tests_launcher_never_reads_the_machine_policy(tmp_path: Path) -> None:
    launcher = [sys.executable, "-m", "tests.app_launcher", "--json", "status"]
    shown, _ = _status(
        with_machine_policy(tmp_path, LOCKED_POLICY, launcher),
        tmp_path,
        TIMETRAY_SERVER="http://127.0.0.1:7",
    )
    assert shown["server"] == "http://127.0.0.1:7"


@pytest.mark.needs_posix("user accounts come from the pwd database")
def test_user_variable_does_not_choose_the_managed_profile(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import pwd

    monkeypatch.setenv("USER", "mallory")
    monkeypatch.setenv("LOGNAME", "mallory")
    me = pwd.getpwuid(os.getuid()).pw_name
    assert default_paths() == [
        MANAGED_DIR / me / f"{DOMAIN}.plist",
        MANAGED_DIR / f"{DOMAIN}.plist",
    ]
