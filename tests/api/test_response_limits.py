"""A hostile or broken server cannot hold the worker thread or fill memory (issue 16, item 6)."""

from __future__ import annotations

import gzip
import itertools
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from app.api import ApiClient, errors
from app.api.bounded import MAX_RESPONSE_BYTES, ReadLimits
from tests.backend import BackendHandle

SYNC = "60000000-0000-4000-8000-000000000003"


def ticking_clock(step: float = 1.0) -> ReadLimits:
    """Limits whose clock moves ``step`` seconds at every look: the deadline passes after a
    known number of reads, whatever the machine's load."""
    counter = itertools.count()
    return ReadLimits(deadline_s=5.0, clock=lambda: next(counter) * step)


def test_a_trickled_answer_is_abandoned_at_the_deadline(
    api: ApiClient, server: BackendHandle
) -> None:
    api.read_limits = ticking_clock()
    server.set_faults(
        bad_body={"kind": "trickle", "path_prefix": "/time-logs/me", "size_bytes": 400}
    )
    with pytest.raises(errors.Unreachable) as info:
        api.my_logs()
    assert info.value.may_have_reached is True
    assert "took more than 5 seconds to answer" in info.value.user_message
    assert server.requests["/api/v1/time-logs/me"] == 1  # a deadline is not retried
    api.read_limits = ReadLimits()
    assert api.my_logs() == []  # the client is usable again


@pytest.mark.parametrize("declare_length", [True, False])
def test_an_oversized_answer_is_refused_unread(
    api: ApiClient, server: BackendHandle, declare_length: bool
) -> None:
    api.read_limits = ReadLimits(max_bytes=256 * 1024)
    server.set_faults(
        bad_body={
            "kind": "oversized",
            "path_prefix": "/tasks",
            "size_bytes": 4 * 1024 * 1024,
            "declare_length": declare_length,
        }
    )
    with pytest.raises(errors.ResponseTooLarge) as info:
        api.list_tasks()
    assert isinstance(info.value, errors.ServerError)  # transient: the core retries later
    assert info.value.user_message == (
        "The server sent a much larger answer than expected (over 0.25 MB); "
        "Timetray did not read it and will try again later."
    )
    assert len(api.list_tasks()) > 0


def test_an_answer_under_the_cap_is_read_whole(api: ApiClient, server: BackendHandle) -> None:
    api.read_limits = ReadLimits(max_bytes=256 * 1024)
    server.set_faults(
        bad_body={"kind": "oversized", "path_prefix": "/time-logs/me", "size_bytes": 200_000}
    )
    assert api.my_logs() == []


def test_the_default_cap_leaves_room_for_a_long_history(
    api: ApiClient, server: BackendHandle
) -> None:
    """``GET /time-logs/me`` is the biggest answer; 3,000 logs with notes must fit many times."""
    start = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    count = 40
    for day in range(count):
        begin = start + timedelta(days=day)
        api.log_manual(SYNC, begin, begin + timedelta(hours=3), notes="Reviewed the sync " * 4)
    with httpx.Client() as raw:
        login = raw.post(
            f"{server.url}/api/v1/auth/login",
            json={"email": "emp1@example.com", "password": "Employee1234!"},
        )
        headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
        body = raw.get(f"{server.url}/api/v1/time-logs/me", headers=headers).content
    per_log = len(body) / count
    print(f"\n[limits] /time-logs/me: {per_log:.0f} bytes per log")
    assert 3_000 * per_log * 4 < MAX_RESPONSE_BYTES


def test_the_cap_counts_the_decompressed_size() -> None:
    """A small gzip body can inflate a thousandfold; the cap is on what lands in memory."""
    payload = b"[" + b" " * 300_000 + b"]"

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200,
            headers={"content-encoding": "gzip", "content-type": "application/json"},
            content=gzip.compress(payload),  # under 1 kB on the wire
        )

    with ApiClient("https://hr.example.com", transport=httpx.MockTransport(handler)) as client:
        assert client.health() is True
        client.read_limits = ReadLimits(max_bytes=100_000)
        assert client.health() is False  # refused, and health() still never raises
