"""Client behaviour that needs precise control of the answers (httpx.MockTransport).

Everything the real server can do is tested against the contract server in
test_contract_*.py; this file covers what that server cannot be made to do on demand (garbage
bodies, an exact clock, a refresh that times out).
"""

from __future__ import annotations

import email.utils
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import certifi
import httpx
import pytest

from app import __version__
from app.api import ApiClient, TokenStore, errors
from tests.api.conftest import MemoryKeyring, make_jwt

URL = "https://hr.example.com"
USER = {
    "id": "33333333-3333-4333-8333-333333333333",
    "full_name": "Erin Employee",
    "role": "employee",
}


class FakeServer:
    """Just enough of the API, on a fake clock, to watch what the client sends."""

    def __init__(self, now: datetime) -> None:
        self.now = now
        self.requests: list[httpx.Request] = []
        self.ttl = 900.0
        self.issued = 0
        self.overrides: dict[str, Callable[[httpx.Request], httpx.Response]] = {}

    def tokens(self) -> dict[str, str]:
        self.issued += 1
        exp = self.now.timestamp() + self.ttl
        return {
            "access_token": make_jwt(exp, sub="u", n=self.issued),
            "refresh_token": make_jwt(exp + 1000, type="refresh", n=self.issued),
            "token_type": "bearer",
        }

    def paths(self) -> list[str]:
        return [r.url.path.removeprefix("/api/v1") for r in self.requests]

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        path = request.url.path.removeprefix("/api/v1")
        headers = {"Date": email.utils.format_datetime(self.now, usegmt=True)}
        if path in self.overrides:
            return self.overrides[path](request)
        if path == "/auth/login":
            return httpx.Response(200, json={**self.tokens(), "user": USER}, headers=headers)
        if path == "/auth/refresh":
            return httpx.Response(200, json=self.tokens(), headers=headers)
        if path == "/users/me":
            return httpx.Response(200, json={**USER, "email": "emp1@example.com"}, headers=headers)
        if path == "/time-logs/manual":
            body = json.loads(request.content)
            return httpx.Response(
                200,
                json={
                    "id": "log",
                    "task_id": body["task_id"],
                    "started_at": body["started_at"],
                    "ended_at": body["ended_at"],
                    "duration_minutes": 45,
                    "source_type": "manual",
                },
                headers=headers,
            )
        return httpx.Response(
            404,
            json={"error": {"code": "NOT_FOUND", "message": "Not Found", "details": []}},
            headers=headers,
        )


@pytest.fixture
def fake() -> FakeServer:
    return FakeServer(datetime(2026, 11, 22, 8, 0, tzinfo=UTC))


def make_client(
    fake: FakeServer, clock: Callable[[], datetime] | None = None, **kw: Any
) -> ApiClient:
    return ApiClient(
        URL,
        TokenStore(URL, keyring_backend=MemoryKeyring()),
        clock=clock or (lambda: fake.now),
        transport=httpx.MockTransport(fake),
        **kw,
    )


def test_headers_user_agent_and_bearer(fake: FakeServer) -> None:
    client = make_client(fake)
    user = client.login("emp1@example.com", "Employee1234!")
    assert user.full_name == "Erin Employee" and user.email == "emp1@example.com"
    client.me()
    login, me = fake.requests
    assert login.headers["User-Agent"].startswith(f"timetray/{__version__} (")
    assert "authorization" not in login.headers
    assert json.loads(login.content) == {"email": "emp1@example.com", "password": "Employee1234!"}
    assert me.headers["Authorization"].startswith("Bearer ey")
    assert me.headers["Accept"] == "application/json"


def test_naive_datetime_is_refused_before_anything_is_sent(fake: FakeServer) -> None:
    client = make_client(fake)
    client.login("emp1@example.com", "Employee1234!")
    sent = len(fake.requests)
    with pytest.raises(ValueError):
        client.log_manual("t", datetime(2026, 11, 20, 10), datetime(2026, 11, 20, 11, tzinfo=UTC))
    assert len(fake.requests) == sent


def test_manual_times_go_out_as_utc_with_z(fake: FakeServer) -> None:
    client = make_client(fake)
    client.login("emp1@example.com", "Employee1234!")
    plus2 = datetime(2026, 11, 20, 12, 0, tzinfo=UTC).astimezone(
        __import__("datetime").timezone(timedelta(hours=2))
    )
    log = client.log_manual("t", plus2, plus2 + timedelta(minutes=45), notes="n")
    body = json.loads(fake.requests[-1].content)
    assert body == {
        "task_id": "t",
        "started_at": "2026-11-20T12:00:00Z",
        "ended_at": "2026-11-20T12:45:00Z",
        "notes": "n",
    }
    assert log.started_at == datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def test_clock_offset_from_date_header(fake: FakeServer) -> None:
    client_clock = fake.now - timedelta(hours=1)  # this PC is an hour behind
    client = make_client(fake, clock=lambda: client_clock)
    assert client.clock_offset == timedelta(0)
    client.health()
    offset = client.clock_offset.total_seconds()
    assert 3599 <= offset <= 3601
    assert abs((client.server_now() - fake.now).total_seconds()) <= 1
    # The measurement follows a real change of the server clock...
    fake.now += timedelta(minutes=5)
    client.health()
    assert 3899 <= client.clock_offset.total_seconds() <= 3901


def test_proactive_refresh_before_expiry(fake: FakeServer) -> None:
    now = [fake.now]
    client = make_client(fake, clock=lambda: now[0])
    fake.ttl = 120  # margin is min(30 s, half the lifetime) = 30 s
    client.login("emp1@example.com", "Employee1234!")
    client.me()
    assert "/auth/refresh" not in fake.paths()
    now[0] = fake.now = fake.now + timedelta(seconds=95)  # 25 s left
    client.me()
    assert fake.paths()[-2:] == ["/auth/refresh", "/users/me"]
    assert fake.requests[-1].headers["Authorization"] != fake.requests[1].headers["Authorization"]


def test_refresh_timeout_is_not_retried_and_keeps_the_stored_token(fake: FakeServer) -> None:
    client = make_client(fake)
    client.login("emp1@example.com", "Employee1234!")
    stored = client.token_store.load()

    def timeout(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow", request=request)

    fake.overrides["/auth/refresh"] = timeout
    fake.now += timedelta(seconds=890)
    # 10 s left: the renewal fails, but the current token still works, so the call goes through.
    assert client.me().full_name == "Erin Employee"
    assert fake.paths().count("/auth/refresh") == 1
    fake.now += timedelta(seconds=20)  # now expired: the call cannot be made
    with pytest.raises(errors.Unreachable) as info:
        client.me()
    assert info.value.may_have_reached
    assert fake.paths().count("/auth/refresh") == 2  # one attempt per call, never resent
    assert fake.paths()[-1] == "/auth/refresh"
    assert client.token_store.load() == stored
    assert client.signed_in


def test_get_retried_once_after_a_dropped_connection_but_post_is_not(fake: FakeServer) -> None:
    client = make_client(fake)
    client.login("emp1@example.com", "Employee1234!")
    drops = [1]

    def drop_once(request: httpx.Request) -> httpx.Response:
        if drops[0]:
            drops[0] -= 1
            raise httpx.RemoteProtocolError("Server disconnected", request=request)
        return httpx.Response(200, content=b"null")

    fake.overrides["/time-logs/active-timer"] = drop_once
    assert client.active_timer() is None
    assert fake.paths().count("/time-logs/active-timer") == 2

    def drop(request: httpx.Request) -> httpx.Response:
        raise httpx.RemoteProtocolError("Server disconnected", request=request)

    fake.overrides["/time-logs/stop"] = drop
    with pytest.raises(errors.Unreachable) as info:
        client.stop_timer("t")
    assert info.value.may_have_reached
    assert fake.paths().count("/time-logs/stop") == 1


def test_garbage_success_bodies_are_bad_responses(fake: FakeServer) -> None:
    client = make_client(fake)
    client.login("emp1@example.com", "Employee1234!")
    fake.overrides["/tasks"] = lambda r: httpx.Response(200, text="<html>Portal</html>")
    with pytest.raises(errors.BadResponse):
        client.list_tasks()
    fake.overrides["/tasks"] = lambda r: httpx.Response(200, json=[{"title": "no id"}])
    with pytest.raises(errors.ServerError):
        client.list_tasks()
    fake.overrides["/tasks"] = lambda r: httpx.Response(200, json={"items": []})
    with pytest.raises(errors.BadResponse):
        client.list_tasks()


def test_login_429_is_not_retried(fake: FakeServer) -> None:
    client = make_client(fake)
    fake.overrides["/auth/login"] = lambda r: httpx.Response(
        429,
        headers={"Retry-After": "900"},
        json={
            "error": {
                "code": "RATE_LIMIT_ERROR",
                "message": "Too many requests. Please try again later.",
                "details": [],
            }
        },
    )
    with pytest.raises(errors.RateLimited) as info:
        client.login("emp1@example.com", "Employee1234!")
    assert info.value.retry_after == 900
    assert info.value.user_message == "Too many sign-in attempts. Try again in 15 minutes."
    assert fake.paths() == ["/auth/login"]
    assert not client.signed_in


def test_calls_without_a_session_need_sign_in(fake: FakeServer) -> None:
    client = make_client(fake)
    with pytest.raises(errors.SignInNeeded):
        client.me()
    assert fake.requests == []


def test_ca_bundle_setting(fake: FakeServer, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="CA bundle"):
        make_client(fake, ca_bundle=tmp_path / "missing.pem")
    make_client(fake, ca_bundle=certifi.where()).close()


def test_secrets_never_in_logs_or_error_messages(
    fake: FakeServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("DEBUG")
    client = make_client(fake)
    client.login("emp1@example.com", "Employee1234!")
    fake.overrides["/auth/refresh"] = lambda r: httpx.Response(
        401,
        json={
            "error": {
                "code": "AUTH_ERROR",
                "message": "Invalid or expired refresh token",
                "details": [],
            }
        },
    )
    fake.now += timedelta(seconds=899)
    with pytest.raises(errors.SignInNeeded) as info:
        client.me()
    text = caplog.text + str(info.value) + repr(info.value)
    assert "Employee1234!" not in text
    assert "eyJ" not in text


# --- plain http (issue 16) -------------------------------------------------------------------


@pytest.mark.parametrize("url", ["http://hr.example.com", "HTTP://10.1.2.3:8000/api/v1"])
def test_the_client_refuses_plain_http_to_another_computer(url: str) -> None:
    with pytest.raises(ValueError, match="plain http:// would send your password"):
        ApiClient(url, transport=httpx.MockTransport(lambda r: httpx.Response(500)))


def test_the_client_allows_loopback_and_an_explicit_policy_allowance() -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        return httpx.Response(200, json={"status": "ok"})

    for url, allowed in (("http://127.0.0.1:9", False), ("http://hr.example.com", True)):
        client = ApiClient(url, transport=httpx.MockTransport(handler), allow_insecure_http=allowed)
        try:
            assert client.health() is True
        finally:
            client.close()
    assert seen == ["http://127.0.0.1:9/health", "http://hr.example.com/health"]
