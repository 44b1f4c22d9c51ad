"""A host with elicitation: every change is asked of the person inside the call.

One ``timetray mcp`` process for the module; each test starts from the demo data and from a
state it sets up itself through the tools.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.assistant.client import McpProcess, data, text
from tests.assistant.conftest import BLOCKED, SPEC, signed_in_env
from tests.backend import BackendHandle
from tests.test_cli import server_logs

WRITES = {
    "start_timer", "stop_timer", "pause_timer", "resume_timer", "log_time_entry", "check_in",
    "check_out", "start_break", "end_break", "confirm",
}  # fmt: skip
READS = {
    "get_active_timer",
    "get_my_timesheet",
    "list_my_tasks",
    "get_attendance",
    "get_sync_status",
}


@pytest.fixture(scope="module")
def mcp(backend: BackendHandle, module_dir: Path) -> Iterator[McpProcess]:
    backend.reset()
    proc = McpProcess(signed_in_env(module_dir, backend.url), elicit="accept")
    try:
        yield proc
    finally:
        proc.close()


def test_lists_every_tool_with_a_description(mcp: McpProcess) -> None:
    listed = mcp.client  # noqa: F841  (the process is up)
    assert set(mcp.tools()) == READS | WRITES


def test_a_day_through_the_assistant_with_the_person_approving_each_step(
    mcp: McpProcess, backend: BackendHandle
) -> None:
    assert data(mcp.call("get_attendance"))["checked_in"] is False
    done = data(mcp.call("check_in", mode="wfh"))
    assert done["done"] and done["synced"] and done["approved_via"] == "elicitation"
    assert mcp.asked[-1] == "Timetray: Check in (working from home)?"
    assert data(mcp.call("get_attendance"))["work_mode"] == "wfh"

    tasks = data(mcp.call("list_my_tasks", query="fix login"))["tasks"]
    assert [(t["id"], t["startable"]) for t in tasks] == [(BLOCKED, False)]
    assert tasks[0]["why_not_startable"]

    assert data(mcp.call("start_timer", task="Review API spec"))["synced"]
    timer = data(mcp.call("get_active_timer"))["timer"]
    assert timer["task_id"] == SPEC and timer["state"] == "running"
    # A running timer is stopped first, as the person was told.
    switched = data(mcp.call("start_timer", task="Implement tray sync"))
    assert "Stop the timer on 'Review API spec'" in switched["summary"]
    assert data(mcp.call("get_active_timer"))["timer"]["task_title"] == "Implement tray sync"
    assert data(mcp.call("pause_timer"))["done"]
    assert data(mcp.call("get_active_timer"))["timer"]["state"] == "paused"
    assert data(mcp.call("resume_timer"))["done"]
    assert data(mcp.call("start_break", type="prayer"))["done"]
    assert data(mcp.call("get_attendance"))["on_break"] is True
    assert data(mcp.call("end_break"))["done"]
    assert data(mcp.call("stop_timer", notes="via assistant"))["done"]
    assert data(mcp.call("get_active_timer"))["timer"] is None
    logged = [log for log in server_logs(backend) if log.get("notes") == "via assistant"]
    assert len(logged) == 1

    week = data(mcp.call("get_my_timesheet"))
    assert {row["task_id"] for row in week["tasks"]} >= {SPEC}
    assert week["pending_entries"] == 0 and len(week["days"]) == 7
    assert "Week " in mcp.read("timetray://timesheet/current-week")
    assert data(mcp.call("check_out", reason="done for today"))["done"]


def test_a_declined_change_does_nothing(mcp: McpProcess) -> None:
    mcp.elicit = "decline"
    try:
        result = mcp.call("check_in")
    finally:
        mcp.elicit = "accept"
    assert data(result)["declined"] is True and not result.is_error
    assert "Nothing was changed" in text(result)
    assert data(mcp.call("get_attendance"))["checked_in"] is False


def test_the_servers_refusal_comes_back_in_its_own_words(
    mcp: McpProcess, backend: BackendHandle
) -> None:
    yesterday = (datetime.now(UTC) - timedelta(days=1)).replace(microsecond=0)
    result = mcp.call(
        "log_time_entry",
        task=BLOCKED,
        started_at=yesterday.isoformat(),
        ended_at=(yesterday + timedelta(minutes=30)).isoformat(),
    )
    assert result.is_error
    assert "blocked" in text(result).lower() and "Traceback" not in text(result)
    assert data(result)["status"] == "rejected"
    # Told, and not left parked to pile up.
    assert data(mcp.call("get_sync_status"))["parked"] == []


def test_hours_on_a_date_become_a_start_and_end_the_server_accepts(
    mcp: McpProcess, backend: BackendHandle
) -> None:
    day = (datetime.now().astimezone() - timedelta(days=2)).date()
    first = data(mcp.call("log_time_entry", task=SPEC, hours=1.5, log_date=day.isoformat()))
    second = data(mcp.call("log_time_entry", task=SPEC, hours=0.5, log_date=day.isoformat()))
    assert first["synced"] and second["synced"], (first, second)  # no overlap refused
    assert "1:30" in first["summary"] and "09:00-10:30" in first["summary"]
    assert "10:30-11:00" in second["summary"]
    week = data(mcp.call("get_my_timesheet", period_start=day.isoformat()))
    day_total = next(d for d in week["days"] if d["date"] == day.isoformat())
    assert day_total["total_seconds"] >= 2 * 3600
