"""Faults on the wire, proxies and the server clock, against the contract server."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator

import httpx
import pytest

from app.api import ApiClient, TokenStore, errors
from app.api.timeutil import utc_now
from tests.api.conftest import EMP1
from tests.backend import BackendHandle

MakeApi = Callable[..., ApiClient]
SYNC = "60000000-0000-4000-8000-000000000003"


@pytest.fixture
def closed_port() -> Iterator[int]:
    """A 127.0.0.1 port nobody listens on (connections are refused)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port: int = sock.getsockname()[1]
    sock.close()
    yield port


@pytest.mark.parametrize("status", [500, 502, 503])
def test_5xx_is_a_server_error(api: ApiClient, server: BackendHandle, status: int) -> None:
    server.set_faults(fail_next={"count": 1, "status": status, "path_prefix": "/time-logs"})
    with pytest.raises(errors.ServerError) as info:
        api.active_timer()
    assert info.value.status == status
    assert api.active_timer() is None  # the next call goes through


def test_429_carries_retry_after(api: ApiClient, server: BackendHandle) -> None:
    server.set_faults(fail_next={"count": 1, "status": 429, "retry_after": 7})
    with pytest.raises(errors.RateLimited) as info:
        api.check_in()
    assert info.value.retry_after == 7
    assert info.value.user_message == "Too many requests. Try again in 7 seconds."
    assert api.active_attendance() is None  # the refused call did nothing


def test_dropped_after_commit_is_unknown_outcome_and_the_work_was_done(
    api: ApiClient, server: BackendHandle
) -> None:
    api.check_in()
    server.set_faults(drop_after_commit={"count": 1, "path_prefix": "/time-logs/start"})
    with pytest.raises(errors.Unreachable) as info:
        api.start_timer(SYNC)
    assert info.value.may_have_reached is True
    assert server.requests["/api/v1/time-logs/start"] == 1  # a POST is never resent here
    timer = api.active_timer()
    assert timer is not None and timer.task_id == SYNC  # it did happen


def test_dropped_read_is_sent_once_more(api: ApiClient, server: BackendHandle) -> None:
    server.set_faults(drop_after_commit={"count": 1, "path_prefix": "/attendance/active"})
    assert api.active_attendance() is None
    assert server.requests["/api/v1/attendance/active"] == 2


def test_connection_refused_never_reached(closed_port: int) -> None:
    client = ApiClient(f"http://127.0.0.1:{closed_port}")
    try:
        with pytest.raises(errors.Unreachable) as info:
            client.login(*EMP1)
        assert info.value.may_have_reached is False
        assert f"127.0.0.1:{closed_port}" in info.value.user_message
        assert client.health() is False
    finally:
        client.close()


def test_read_timeout_may_have_reached(make_api: MakeApi, server: BackendHandle) -> None:
    client = make_api(timeout=httpx.Timeout(0.3))
    client.login(*EMP1)
    server.set_faults(latency_ms=1000)
    with pytest.raises(errors.Unreachable) as info:
        client.check_in()
    assert info.value.may_have_reached is True


def test_system_proxy_settings_are_honoured(
    server: BackendHandle, closed_port: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{closed_port}")
    through_dead_proxy = ApiClient(server.url, TokenStore(server.url))
    try:
        with pytest.raises(errors.Unreachable) as info:
            through_dead_proxy.login(*EMP1)
        assert info.value.may_have_reached is False
    finally:
        through_dead_proxy.close()
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    bypass = ApiClient(server.url, TokenStore(server.url))
    try:
        assert bypass.login(*EMP1).full_name == "Erin Employee"
    finally:
        bypass.close()


def test_clock_offset_follows_the_date_header(api: ApiClient, server: BackendHandle) -> None:
    api.me()
    assert abs(api.clock_offset.total_seconds()) <= 1.5
    server.advance_clock(3600)
    api.active_timer()
    assert 3598.5 <= api.clock_offset.total_seconds() <= 3601.5
    assert abs((api.server_now() - utc_now()).total_seconds() - 3600) <= 1.5


def test_health(api: ApiClient) -> None:
    assert api.health() is True
