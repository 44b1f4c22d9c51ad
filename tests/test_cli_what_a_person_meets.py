"""The CLI defects a person met in real use (issue 14, items 11-16), each as they met it."""

from __future__ import annotations

import json
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


def local_span(days_back: int, hour: int, minutes: int) -> tuple[str, str]:
    day = datetime.now().astimezone() - timedelta(days=days_back)
    start = day.replace(hour=hour, minute=0, second=0, microsecond=0)
    return start.isoformat(), (start + timedelta(minutes=minutes)).isoformat()


def test_login_without_a_terminal_says_how_in_one_line(
    tmp_path: Path, server: BackendHandle
) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "app", "login", "--email", EMAIL],
        capture_output=True,
        text=True,
        env=env_for(tmp_path, server),
        stdin=subprocess.DEVNULL,
        timeout=120,
        cwd=ROOT,
    )
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert done.stderr.strip().count("\n") == 0
    assert "--password-stdin" in done.stderr


def test_a_break_with_no_options_is_a_dinner_break(env: dict[str, str]) -> None:
    assert cli(env, "checkin").returncode == 0
    done = cli(env, "break", "start")
    assert done.returncode == 0, done.stderr
    status = json.loads(cli(env, "status", "--json").stdout)
    assert status["attendance"]["on_break"] is True


def test_a_refused_entry_is_not_kept_as_if_it_would_sync(env: dict[str, str]) -> None:
    start, end = local_span(1, 9, 60)
    assert cli(env, "log", "review", "--from", start, "--to", end).returncode == 0
    overlap_start, overlap_end = local_span(1, 9, 30)
    refused = cli(env, "log", "review", "--from", overlap_start, "--to", overlap_end)
    assert refused.returncode == 1
    assert "overlaps" in refused.stderr
    queue = json.loads(cli(env, "queue", "--json").stdout)
    assert [item for item in queue if item["state"] == "parked"] == []
    logs = cli(env, "logs")
    assert "not synced yet" not in logs.stdout
    assert "Total: 1:00 h" in logs.stdout


def test_check_out_refused_twice_leaves_nothing_parked(
    tmp_path: Path, server: BackendHandle
) -> None:
    shift = env_for(tmp_path, server)
    assert (
        cli(
            shift,
            "login",
            "--email",
            "emp2@example.com",
            "--password-stdin",
            stdin="Employee1234!\n",
        ).returncode
        == 0
    )
    assert cli(shift, "checkin").returncode == 0
    for _ in range(2):  # Sam's shift rules want a reason before and after the shift's end
        refused = cli(shift, "checkout")
        assert refused.returncode == 1, refused.stderr
        assert "required" in refused.stderr
    queue = json.loads(cli(shift, "queue", "--json").stdout)
    assert [item for item in queue if item["kind"] == "check_out"] == []


def test_notes_over_the_limit_are_a_usage_error(env: dict[str, str]) -> None:
    start, end = local_span(2, 10, 15)
    done = cli(env, "log", "review", "--from", start, "--to", end, "--notes", "x" * 5001)
    assert done.returncode == 2
    assert "5000" in done.stderr
    assert json.loads(cli(env, "queue", "--json").stdout) == []


def test_switch_moves_the_timer_to_another_task(env: dict[str, str]) -> None:
    assert cli(env, "checkin").returncode == 0
    assert cli(env, "start", "implement").returncode == 0
    done = cli(env, "switch", "review", "--notes", "tray part done")
    assert done.returncode == 0, done.stderr
    timer = json.loads(cli(env, "status", "--json").stdout)["timer"]
    assert timer["task_title"] == "Review API spec"
    assert "tray part done" in cli(env, "logs", "--today").stdout


def test_status_signed_out_does_not_claim_to_be_offline(
    tmp_path: Path, server: BackendHandle
) -> None:
    done = cli(env_for(tmp_path, server), "status")
    assert done.returncode == 3
    assert "Offline" not in done.stdout
    assert f"Not signed in to {server.url}" in done.stdout


def test_log_help_tells_the_options_and_the_time_format(env: dict[str, str]) -> None:
    text = cli(env, "log", "--help").stdout
    for needed in ("--from", "--to", "--notes", "ISO 8601", "local time"):
        assert needed in text


def test_logs_show_notes_and_a_future_entry_is_pointed_out(env: dict[str, str]) -> None:
    start, end = local_span(3, 14, 30)
    assert (
        cli(env, "log", "review", "--from", start, "--to", end, "--notes", "spec").returncode == 0
    )
    assert "-- spec" in cli(env, "logs").stdout
    future_start, future_end = local_span(-2, 9, 30)
    done = cli(env, "log", "review", "--from", future_start, "--to", future_end)
    assert done.returncode == 0
    assert "in the future" in done.stderr
