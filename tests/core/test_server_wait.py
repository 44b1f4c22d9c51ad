"""The server's Retry-After outlives the process that saw it: on the outbox item (a 429 on a
send) and for the whole server (a 503 with Retry-After, a 429 on sign-in), honoured by every
core on the same data folder and by "Sync now"."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from app.config import Settings
from app.core.service import CoreService
from app.core.wiring import build_core
from tests.backend import BackendHandle
from tests.core.clocks import ManualClock
from tests.core.conftest import EMAIL, PASSWORD
from tests.core.test_sync import SPEC, my_logs

MANUAL = "/api/v1/time-logs/manual"


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(datetime.now(UTC))


@pytest.fixture
def two(server: BackendHandle, tmp_path: Path, clock: ManualClock) -> Iterator[list[CoreService]]:
    """Two cores on one data folder (a tray and a CLI command), signed in to the same server."""
    cores: list[CoreService] = []
    for _ in range(2):
        c = build_core(Settings(server_url=server.url), tmp_path / "data", clock=clock, role="cli")
        c.open(poll=False)
        cores.append(c)
    for c in cores:  # (no keyring in tests: each signs in itself)
        assert c.login(server.url, EMAIL, PASSWORD).result(30).status == "done"
    yield cores
    for c in cores:
        c.shutdown()


def entry(core: CoreService, clock: ManualClock) -> str:
    start = clock.now() - timedelta(hours=2)
    return core.log_manual(SPEC, start, start + timedelta(minutes=30), "limited").result(30).status


def test_a_429_on_a_send_is_kept_on_the_item_and_sync_now_in_another_core_waits(
    two: list[CoreService], server: BackendHandle, clock: ManualClock
) -> None:
    tray, cli = two
    limit = {"count": 1, "status": 429, "retry_after": 2, "path_prefix": MANUAL}
    server.set_faults(fail_next=limit)
    assert entry(tray, clock) == "queued"
    assert server.requests.get(MANUAL) == 1

    # Right after, from the other core: nothing is sent, and it says when it will try.
    result = cli.sync_now().result(30)
    assert result.status == "queued"
    assert result.message.startswith("The server asked to wait; next try at ")
    at = (clock.now() + timedelta(seconds=2)).astimezone()
    assert f"{at:%H:%M:%S}" in result.message
    assert server.requests.get(MANUAL) == 1

    clock.advance(2.5)
    assert cli.sync_now().result(30).status == "done"
    assert server.requests.get(MANUAL) == 2
    assert [e["notes"] for e in my_logs(server)] == ["limited"]


def test_a_503_with_retry_after_quiets_every_core_until_it_ends(
    two: list[CoreService], server: BackendHandle, clock: ManualClock
) -> None:
    tray, cli = two
    server.set_faults(
        fail_next={"count": 1, "status": 503, "retry_after": 30, "path_prefix": MANUAL}
    )
    assert entry(tray, clock) == "queued"
    before = sum(server.requests.values())

    result = cli.sync_now().result(30)
    assert result.status == "queued" and "next try at" in result.message
    assert cli.refresh_tasks().result(30).status == "failed"
    assert sum(server.requests.values()) == before  # not a single request to the server

    clock.advance(31)
    assert cli.sync_now().result(30).status == "done"
    assert [e["notes"] for e in my_logs(server)] == ["limited"]


def test_a_429_on_sign_in_is_honoured_by_the_next_attempt_from_another_core(
    server: BackendHandle, tmp_path: Path, clock: ManualClock
) -> None:
    cores = [
        build_core(Settings(server_url=server.url), tmp_path / "data", clock=clock, role="cli")
        for _ in range(2)
    ]
    try:
        for c in cores:
            c.open(poll=False)
        server.set_faults(
            fail_next={"count": 1, "status": 429, "retry_after": 60, "path_prefix": "/auth/login"}
        )
        first = cores[0].login(server.url, EMAIL, PASSWORD).result(30)
        assert first.status == "rejected" and first.http_status == 429
        second = cores[1].login(server.url, EMAIL, PASSWORD).result(30)
        assert second.status == "rejected"
        assert second.message.startswith("The server asked to wait; try again at ")
        assert server.requests.get("/api/v1/auth/login") == 1
        clock.advance(61)
        assert cores[1].login(server.url, EMAIL, PASSWORD).result(30).status == "done"
    finally:
        for c in cores:
            c.shutdown()
