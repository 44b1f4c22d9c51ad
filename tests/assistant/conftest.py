"""A signed-in data folder (file keyring) for ``timetray mcp`` processes, per test module."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

EMAIL, PASSWORD = "emp1@example.com", "Employee1234!"
ROOT = Path(__file__).resolve().parents[2]
SPEC = "60000000-0000-4000-8000-000000000002"  # "Review API spec", approved: startable
SYNC = "60000000-0000-4000-8000-000000000003"  # "Implement tray sync"
BLOCKED = "60000000-0000-4000-8000-000000000004"  # "Fix login bug"


def signed_in_env(folder: Path, server_url: str) -> dict[str, str]:
    folder.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    env.update(
        PYTHON_KEYRING_BACKEND="tests.core.filekeyring.FileKeyring",
        TIMETRAY_TEST_KEYRING=str(folder / "keyring.json"),
        TIMETRAY_DATA_DIR=str(folder / "data"),
        TIMETRAY_SERVER=server_url,
        TIMETRAY_TEST_CLOCK_SHIFT=str(folder / "clock-shift"),
    )
    done = subprocess.run(
        [sys.executable, "-m", "tests.app_launcher", "login", "--email", EMAIL, "--password-stdin"],
        input=PASSWORD + "\n",
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    return env


@pytest.fixture(scope="module")
def module_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("mcp")
