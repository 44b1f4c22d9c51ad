"""The `timetray` executable's outer behaviour: version, help, usage errors, no display."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from app import __version__
from app.display import has_display

ROOT = Path(__file__).resolve().parent.parent


def _run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    # tests.app_launcher: the real entry point, with the machine policy out of reach.
    return subprocess.run(
        [sys.executable, "-m", "tests.app_launcher", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        cwd=ROOT,
    )


def test_version_prints_name_and_version() -> None:
    done = _run("--version")
    assert done.returncode == 0
    assert done.stdout.strip() == f"timetray {__version__}"


def test_help_lists_usage() -> None:
    done = _run("--help")
    assert done.returncode == 0
    assert "usage: timetray" in done.stdout


def test_unknown_subcommand_is_a_usage_error() -> None:
    done = _run("frobnicate")
    assert done.returncode == 2
    assert "usage: timetray" in done.stderr
    assert "frobnicate" in done.stderr


@pytest.mark.needs_linux("only X11/Wayland sessions can lack a display")
def test_no_display_gives_one_clear_line(tmp_path: object) -> None:
    env = {
        "PATH": "/usr/bin:/bin",
        "TIMETRAY_DATA_DIR": str(tmp_path),
        "HOME": str(tmp_path),
        "TMPDIR": str(tmp_path),
    }
    done = _run(env=env)
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "no graphical display" in lines[0]
    assert "timetray status" in lines[0]


def test_display_detection_rules() -> None:
    assert not has_display({}, "linux")
    assert has_display({"DISPLAY": ":0"}, "linux")
    assert has_display({"WAYLAND_DISPLAY": "wayland-0"}, "linux")
    assert has_display({"QT_QPA_PLATFORM": "offscreen"}, "linux")
    assert has_display({}, "win32")
