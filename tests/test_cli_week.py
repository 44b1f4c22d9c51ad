"""`timetray logs --week [--week-of DATE] --csv`: the week window's export, from a terminal
(issue 12)."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from tests.backend import BackendHandle
from tests.test_cli import EMAIL, PASSWORD, cli, env_for

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def env(tmp_path: Path, server: BackendHandle) -> dict[str, str]:
    signed_in = env_for(tmp_path, server)
    login = cli(signed_in, "login", "--email", EMAIL, "--password-stdin", stdin=PASSWORD + "\n")
    assert login.returncode == 0, login.stderr
    return signed_in


def test_a_past_week_as_csv_opens_cleanly_in_a_spreadsheet(env: dict[str, str]) -> None:
    day = (datetime.now().astimezone() - timedelta(days=8)).replace(
        hour=10, minute=0, second=0, microsecond=0
    )
    end = day + timedelta(minutes=45)
    notes = 'spec review, "part 1"'
    span = ("--from", day.isoformat(), "--to", end.isoformat())
    logged = cli(env, "log", "review", *span, "--notes", notes)
    assert logged.returncode == 0, logged.stderr
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "tests.app_launcher",
            "logs",
            "--csv",
            "--week-of",
            day.date().isoformat(),
        ],
        capture_output=True,
        env=env,
        cwd=ROOT,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM, for spreadsheets
    rows = list(csv.reader(io.StringIO(done.stdout.decode("utf-8-sig"), newline="")))
    assert rows[0] == [
        "date", "start", "end", "minutes", "task", "project", "source", "notes", "synced",
    ]  # fmt: skip
    assert rows[1:] == [
        [
            day.date().isoformat(),
            "10:00",
            "10:45",
            "45",
            "Review API spec",
            "Desktop Tray Client",
            "manual",
            notes,
            "yes",
        ]
    ]


def test_week_of_alone_lists_that_week(env: dict[str, str]) -> None:
    day = (datetime.now().astimezone() - timedelta(days=15)).replace(
        hour=9, minute=0, second=0, microsecond=0
    )
    end = day + timedelta(minutes=30)
    assert (
        cli(env, "log", "review", "--from", day.isoformat(), "--to", end.isoformat()).returncode
        == 0
    )
    listed = cli(env, "logs", "--week-of", day.date().isoformat())
    assert listed.returncode == 0, listed.stderr
    assert "Review API spec" in listed.stdout and "30 min" in listed.stdout
    assert cli(env, "logs", "--week-of", "23/11/2026").returncode == 2
