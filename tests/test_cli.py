"""The headless CLI as a user runs it: separate processes sharing one data folder."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from offline_queue import Store
from tests.backend import BackendHandle
from tests.core.proxy import Proxy

EMAIL, PASSWORD = "emp1@example.com", "Employee1234!"
SPEC = "60000000-0000-4000-8000-000000000002"


def env_for(tmp_path: Path, server: BackendHandle) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        PYTHON_KEYRING_BACKEND="tests.core.filekeyring.FileKeyring",
        TIMETRAY_TEST_KEYRING=str(tmp_path / "keyring.json"),
        TIMETRAY_DATA_DIR=str(tmp_path / "data"),
        TIMETRAY_SERVER=server.url,
    )
    return env


def cli(
    env: dict[str, str], *args: str, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tests.app_launcher", *args],
        capture_output=True,
        text=True,
        env=env,
        input=stdin,
        timeout=120,
        cwd=Path(__file__).resolve().parents[1],
    )


def server_logs(server: BackendHandle) -> list[dict[str, object]]:
    with httpx.Client(base_url=server.url + "/api/v1", timeout=30) as h:
        token = h.post("/auth/login", json={"email": EMAIL, "password": PASSWORD}).json()[
            "access_token"
        ]
        logs: list[dict[str, object]] = h.get(
            "/time-logs/me", headers={"Authorization": f"Bearer {token}"}
        ).json()
    return logs


@pytest.fixture
def env(tmp_path: Path, server: BackendHandle) -> dict[str, str]:
    e = env_for(tmp_path, server)
    done = cli(e, "login", "--email", EMAIL, "--password-stdin", stdin=PASSWORD + "\n")
    assert done.returncode == 0, done.stderr
    return e


def test_status_json_has_the_promised_shape(env: dict[str, str]) -> None:
    assert cli(env, "checkin", "--mode", "wfh").returncode == 0
    assert cli(env, "start", "implement").returncode == 0  # a unique title prefix
    done = cli(env, "status", "--json")
    assert done.returncode == 0, done.stderr
    obj = json.loads(done.stdout)
    assert obj["signed_in"] is True and obj["online"] is True
    assert obj["attendance"] == {"checked_in": True, "on_break": False}
    timer = obj["timer"]
    assert timer["task_title"] == "Implement tray sync"
    assert timer["state"] == "running" and timer["source"] == "server"
    assert isinstance(timer["elapsed_seconds"], int)
    assert obj["queue"] == {"pending": 0, "parked": 0}
    assert cli(env, "pause").returncode == 0
    obj = json.loads(cli(env, "--json", "status").stdout)
    assert obj["timer"]["state"] == "paused" and obj["timer"]["pause_reason"] == "manual_pause"
    done = cli(env, "stop", "--notes", "cli")
    assert done.returncode == 0 and "stopped" in done.stdout.lower()


def test_exit_codes(env: dict[str, str], tmp_path: Path, server: BackendHandle) -> None:
    rejected = cli(
        env, "log", "fix login", "--from", "2026-01-01T10:00Z", "--to", "2026-01-01T11:00Z"
    )
    assert rejected.returncode == 1
    assert "blocked" in rejected.stderr
    assert (
        cli(
            env, "log", "zzz-no-such-task", "--from", "2026-01-01T10:00", "--to", "2026-01-01T11:00"
        ).returncode
        == 2
    )
    assert (
        cli(env, "log", "review", "--from", "yesterday", "--to", "2026-01-01T11:00").returncode == 2
    )
    # Refused while the person watched: told, and not kept to pile up as "not synced yet".
    assert json.loads(cli(env, "queue", "list", "--json").stdout) == []
    fresh = env_for(tmp_path / "other", server)
    assert cli(fresh, "status").returncode == 3
    assert cli(fresh, "pause").returncode == 3
    wrong = cli(fresh, "login", "--email", EMAIL, "--password-stdin", stdin="nope\n")
    assert wrong.returncode == 3 and "Invalid email or password" in wrong.stderr


def test_offline_entry_is_saved_and_said_so(tmp_path: Path, server: BackendHandle) -> None:
    proxy = Proxy(urlsplit(server.url).port or 80)
    env = dict(env_for(tmp_path, server), TIMETRAY_SERVER=proxy.url)
    assert cli(env, "login", "--email", EMAIL, "--password-stdin", stdin=PASSWORD).returncode == 0
    proxy.down()  # the network is gone
    done = cli(env, "log", SPEC, "--from", "2026-02-01T10:00Z", "--to", "2026-02-01T10:30Z")
    assert done.returncode == 0, done.stderr
    assert "sync" in done.stdout.lower()
    obj = json.loads(cli(env, "status", "--json").stdout)
    assert obj["online"] is False and obj["queue"]["pending"] == 1
    # No copy of the server's entries yet: the list says it holds only what is saved here.
    logs = cli(env, "logs")
    assert "Could not load the server's entries" in logs.stderr
    assert "(incomplete)" in logs.stdout
    proxy.up()
    assert cli(env, "sync").returncode == 0
    assert len(server_logs(server)) == 1
    assert json.loads(cli(env, "--json", "logs").stdout)["complete"] is True
    proxy.down()
    # Offline again: the copy fetched by the last `logs`, with its age.
    offline = cli(env, "--json", "logs")
    obj = json.loads(offline.stdout)
    assert obj["complete"] is False and obj["server_fetched_at"] is not None
    assert obj["note"].startswith("Offline: server entries as of ")
    assert "timetray: Offline: server entries as of " in offline.stderr


def _fill(store: Store, start: datetime, n: int) -> list[str]:
    stamps = []
    for i in range(n):
        s = start + timedelta(minutes=2 * i)
        payload = {
            "task_id": SPEC,
            "started_at": s.isoformat().replace("+00:00", "Z"),
            "ended_at": (s + timedelta(minutes=1)).isoformat().replace("+00:00", "Z"),
            "notes": f"item {i}",
            "at": s.isoformat(),
        }
        store.enqueue("manual", payload)
        stamps.append(payload["started_at"])
    return stamps


KILL_ROUNDS = 10
PROGRESS_TIMEOUT_S = 60.0  # a bound for a hang, never a decision: progress ends each wait


def _done_count(store: Store) -> int:
    return store.counts().get("done", 0)


def _kill_after_progress(store: Store, env: dict[str, str], target: int) -> bool:
    """Start ``sync`` and SIGKILL it once the store shows ``target`` items done.

    The kill point is chosen on observed progress, not on a sleep, so the same seed exercises
    the same stretch of the drain however loaded the machine is. False if the drain ended
    (or failed) by itself first.
    """
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.app_launcher", "sync"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=Path(__file__).resolve().parents[1],
    )
    deadline = time.monotonic() + PROGRESS_TIMEOUT_S
    try:
        while _done_count(store) < target:
            if proc.poll() is not None:
                return False
            assert time.monotonic() < deadline, f"no progress to {target} done items"
            time.sleep(0.01)  # polling interval only: the condition decides
        proc.send_signal(signal.SIGKILL)
        return True
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()


@pytest.mark.needs_posix("kills the CLI with SIGKILL")
def test_sigkill_during_a_200_item_drain_loses_and_doubles_nothing(
    env: dict[str, str], tmp_path: Path, server: BackendHandle
) -> None:
    """The soak: a seeded number of SIGKILLs at seeded points of a 200-item drain, then a
    final drain; every item reaches the server exactly once."""
    rng = random.Random(4)
    server.set_faults(latency_ms=3)
    store = Store.open(tmp_path / "data")
    expected = _fill(store, datetime(2025, 1, 1, tzinfo=UTC), 200)
    kills = 0
    try:
        for _round in range(KILL_ROUNDS):
            # Steps of 1..12 items over 10 rounds stay below 200: every round ends in a kill.
            target = _done_count(store) + rng.randint(1, 12)
            kills += _kill_after_progress(store, env, target)
    finally:
        store.close()
        server.set_faults(latency_ms=0)
    assert kills == KILL_ROUNDS
    done = cli(env, "sync")
    assert done.returncode == 0, done.stderr
    seen = [str(log["started_at"]) for log in server_logs(server)]
    norm = sorted(s.replace(".000000", "") for s in seen)
    assert len(seen) == len(set(seen)), "a duplicate reached the server"
    assert norm == sorted(expected), "an item was lost"


def _json(done: subprocess.CompletedProcess[str]) -> Any:
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_every_command_prints_its_object_with_json(
    env: dict[str, str], server: BackendHandle
) -> None:
    tasks = _json(cli(env, "--json", "tasks"))
    assert "Implement tray sync" in [t["title"] for t in tasks]
    ambiguous = cli(env, "start", "re")  # Review API spec, Refactor queue, Reopened crash
    assert ambiguous.returncode == 2 and "matches several tasks" in ambiguous.stderr
    assert _json(cli(env, "--json", "checkin", "--mode", "office"))["status"] == "done"
    assert _json(cli(env, "start", "implement", "--json"))["data"]["status"] == "running"
    other = cli(env, "break", "start", "--type", "other")  # without a note: refused here
    assert other.returncode == 2 and "--note" in other.stderr
    brk = _json(cli(env, "--json", "break", "start", "--type", "dinner"))
    assert brk["status"] == "done" and brk["data"]["break_type"] == "dinner"
    obj = _json(cli(env, "--json", "status"))
    assert obj["attendance"] == {"checked_in": True, "on_break": True}
    assert obj["timer"]["state"] == "paused" and obj["timer"]["pause_reason"] == "break_started"
    assert _json(cli(env, "--json", "break", "end"))["status"] == "done"
    assert _json(cli(env, "--json", "status"))["timer"]["state"] == "running"
    assert _json(cli(env, "--json", "pause"))["data"]["pause_reason"] == "manual_pause"
    assert _json(cli(env, "--json", "resume"))["data"]["status"] == "running"
    stopped = _json(cli(env, "--json", "stop", "--notes", "from the cli"))
    assert stopped["data"]["notes"] == "from the cli" and stopped["data"]["source_type"] == "timer"
    out = _json(cli(env, "--json", "checkout", "--reason", "going home early"))
    assert out["status"] == "done" and out["data"]["checked_in"] is False
    now = datetime.now(UTC)
    old = now - timedelta(days=10)
    iso = "%Y-%m-%dT%H:%M:%SZ"
    logged = _json(
        cli(env, "--json", "log", SPEC, "--from", f"{old:{iso}}", "--to", f"{old:%Y-%m-%dT}23:59Z")
    )
    assert logged["status"] == "done" and logged["data"]["source_type"] == "manual"
    today = _json(cli(env, "--json", "logs", "--today"))
    assert [e["notes"] for e in today["entries"]] == ["from the cli"]
    assert today["complete"] is True and today["note"] is None
    week = _json(cli(env, "--json", "logs", "--week"))["entries"]
    assert [e["notes"] for e in week] == ["from the cli"]
    month = _json(cli(env, "--json", "logs"))["entries"]
    assert len(month) == 2 and month[0]["pending"] is False and month[0]["state"] == "synced"
    assert _json(cli(env, "--json", "sync"))["data"] == {"pending": 0, "parked": 0, "sent": 0}
    assert _json(cli(env, "--json", "logout"))["status"] == "done"
    assert cli(env, "status").returncode == 3


def test_queue_retry_sends_a_parked_item_once_fixed(
    env: dict[str, str], server: BackendHandle
) -> None:
    blocked = "60000000-0000-4000-8000-000000000004"
    times = ("--from", "2026-03-02T09:00Z", "--to", "2026-03-02T10:00Z")
    # Queued while the server had an outage, refused when it came back: that one is parked,
    # since the person was not there to read the refusal.
    server.set_faults(fail_next={"count": 1, "status": 503})
    assert cli(env, "log", blocked, *times).returncode == 0
    assert cli(env, "sync").returncode == 0
    [item] = _json(cli(env, "--json", "queue"))
    assert item["state"] == "parked" and item["attempts"] >= 0 and "blocked" in item["last_error"]
    still = cli(env, "queue", "retry", item["id"][:8])
    assert still.returncode == 1 and "blocked" in still.stderr  # parked again, said why
    server.set_task_status(blocked, "in_progress")  # the manager unblocks the task
    retried = _json(cli(env, "--json", "queue", "retry", item["id"]))
    assert retried["status"] == "done"
    assert _json(cli(env, "--json", "queue", "list")) == []
    assert [log["task_id"] for log in server_logs(server)] == [blocked]
    assert cli(env, "queue", "retry").returncode == 2  # no ID given


def test_server_and_data_dir_flags_work_without_the_environment(
    tmp_path: Path, server: BackendHandle
) -> None:
    env = {
        k: v
        for k, v in env_for(tmp_path, server).items()
        if k not in ("TIMETRAY_SERVER", "TIMETRAY_DATA_DIR")
    }
    data = str(tmp_path / "flags")
    login = cli(
        env,
        "--server",
        server.url,
        "--data-dir",
        data,
        "login",
        "--email",
        EMAIL,
        "--password-stdin",
        stdin=PASSWORD,
    )
    assert login.returncode == 0, login.stderr
    obj = _json(cli(env, "status", "--json", "--data-dir", data))
    assert obj["signed_in"] is True and obj["server"] == server.url
    assert (tmp_path / "flags").is_dir()


def test_cli_and_tray_work_on_the_same_data_at_the_same_time(
    env: dict[str, str], server: BackendHandle
) -> None:
    from app.config import Settings
    from app.core.wiring import build_core

    tray = build_core(
        Settings(server_url=server.url, poll_interval_seconds=5),
        Path(env["TIMETRAY_DATA_DIR"]),
        role="tray",
    )
    tray.open(poll=True)
    try:
        assert tray.login(server.url, EMAIL, PASSWORD).result(30).status == "done"
        assert cli(env, "checkin").returncode == 0
        assert cli(env, "start", "implement").returncode == 0
        assert tray.sync_now().result(30).status == "done"
        snap = tray.snapshot()
        assert snap.timer is not None and snap.timer.task_title == "Implement tray sync"
        assert tray.pause().result(30).status == "done"
        obj = _json(cli(env, "--json", "status"))
        assert obj["timer"]["state"] == "paused" and obj["timer"]["pause_reason"] == "manual_pause"
        # Both queue entries at once: each reaches the server exactly once.
        day = datetime(2026, 4, 1, 9, tzinfo=UTC)
        fut = tray.log_manual(SPEC, day, day + timedelta(minutes=30), "tray")
        done = cli(env, "log", SPEC, "--from", "2026-04-01T10:00Z", "--to", "2026-04-01T10:30Z")
        assert done.returncode == 0, done.stderr
        assert fut.result(30).ok
        assert cli(env, "stop").returncode == 0
        assert tray.sync_now().result(30).status == "done"
        assert tray.snapshot().timer is None
        assert tray.outbox() == []
    finally:
        tray.shutdown()
    logs = server_logs(server)
    assert sorted(str(log["source_type"]) for log in logs) == ["manual", "manual", "timer"]
