"""The contract test server's own tests: every rule of backend-contract.md it claims to mimic,
checked with plain httpx against the running server."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import jwt
import pytest

from tests.backend import BackendHandle, start_in_thread

EMP1 = "emp1@example.com"
EMP2 = "emp2@example.com"
MANAGER = "manager@example.com"
ADMIN = "admin@example.com"
PASSWORDS = {
    EMP1: "Employee1234!",
    EMP2: "Employee1234!",
    MANAGER: "Manager1234!",
    ADMIN: "Admin1234!",
}
EMP1_ID = "33333333-3333-4333-8333-333333333333"


def task(n: int) -> str:
    return f"60000000-0000-4000-8000-{n:012d}"


SYNC = task(3)  # "Implement tray sync", in_progress


# --- helpers ----------------------------------------------------------------------------------


def anon(server: BackendHandle) -> httpx.Client:
    return httpx.Client(base_url=server.api_url, timeout=10)


def login(server: BackendHandle, email: str = EMP1) -> httpx.Response:
    with anon(server) as c:
        return c.post("/auth/login", json={"email": email, "password": PASSWORDS[email]})


@pytest.fixture
def emp1(server: BackendHandle) -> Iterator[httpx.Client]:
    yield from _client(server, EMP1)


@pytest.fixture
def emp2(server: BackendHandle) -> Iterator[httpx.Client]:
    yield from _client(server, EMP2)


def _client(server: BackendHandle, email: str) -> Iterator[httpx.Client]:
    token = login(server, email).json()["access_token"]
    with httpx.Client(
        base_url=server.api_url, headers={"Authorization": f"Bearer {token}"}, timeout=10
    ) as client:
        yield client


def relogin(client: httpx.Client, server: BackendHandle, email: str = EMP1) -> None:
    client.headers["Authorization"] = f"Bearer {login(server, email).json()['access_token']}"


def error(response: httpx.Response) -> dict[str, Any]:
    body: dict[str, Any] = response.json()
    assert set(body) == {"error"}, body
    err: dict[str, Any] = body["error"]
    assert set(err) == {"code", "message", "details"}, body
    return err


def assert_error(response: httpx.Response, status: int, code: str, message: str) -> None:
    assert response.status_code == status, response.text
    err = error(response)
    assert (err["code"], err["message"]) == (code, message)


def check_in(client: httpx.Client) -> dict[str, Any]:
    r = client.post("/attendance/check-in", json={"work_mode": "office"})
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def start(client: httpx.Client, task_id: str = SYNC) -> httpx.Response:
    return client.post("/time-logs/start", json={"task_id": task_id})


def timer_call(client: httpx.Client, action: str, task_id: str = SYNC) -> httpx.Response:
    return client.post(f"/time-logs/{action}", json={"task_id": task_id})


def active_timer(client: httpx.Client) -> dict[str, Any] | None:
    r = client.get("/time-logs/active-timer")
    assert r.status_code == 200
    result: dict[str, Any] | None = r.json()
    return result


def manual(client: httpx.Client, started: str, ended: str, task_id: str = SYNC) -> httpx.Response:
    return client.post(
        "/time-logs/manual", json={"task_id": task_id, "started_at": started, "ended_at": ended}
    )


def parse(ts: str) -> datetime:
    return datetime.fromisoformat(ts.replace("Z", "+00:00"))


# --- conventions ------------------------------------------------------------------------------


def test_health_answers_without_auth_with_security_headers(server: BackendHandle) -> None:
    r = httpx.get(server.url + "/health")
    assert (r.status_code, r.json()) == (200, {"status": "ok"})
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["x-frame-options"] == "DENY"
    assert r.headers["referrer-policy"] == "strict-origin-when-cross-origin"
    assert r.headers["cache-control"] == "no-store"
    assert "x-api-version" not in r.headers


def test_unknown_route_and_wrong_method_use_the_envelope(emp1: httpx.Client) -> None:
    assert_error(emp1.get("/no-such-thing"), 404, "NOT_FOUND", "Not Found")
    assert_error(emp1.delete("/time-logs/me"), 405, "API_ERROR", "Method Not Allowed")


def test_schema_422_has_details_and_hides_secret_values(server: BackendHandle) -> None:
    with anon(server) as c:
        r = c.post("/auth/refresh", json={})
        assert r.status_code == 422
        assert error(r) == {
            "code": "VALIDATION_ERROR",
            "message": "Request validation failed.",
            "details": [{"field": "refresh_token", "message": "Invalid value."}],
        }
        broken = c.post(
            "/auth/login", content=b"{bad", headers={"content-type": "application/json"}
        )
        assert error(broken)["details"] == [{"field": "1", "message": "JSON decode error"}]
        form = c.post("/auth/login", data={"username": EMP1, "password": "x"})
        assert form.status_code == 422
        assert error(form)["details"][0]["message"] == (
            "Input should be a valid dictionary or object to extract fields from"
        )


def test_bad_uuid_is_a_validation_error_and_other_uuid_forms_are_accepted(
    emp1: httpx.Client,
) -> None:
    r = emp1.get("/tasks/not-a-uuid")
    assert r.status_code == 422
    assert error(r)["code"] == "VALIDATION_ERROR"
    check_in(emp1)
    braced = "{" + SYNC.upper() + "}"
    r = start(emp1, braced)
    assert r.status_code == 200 and r.json()["task_id"] == SYNC
    assert timer_call(emp1, "pause", SYNC.replace("-", "")).status_code == 200


def test_unknown_json_fields_are_ignored(emp1: httpx.Client) -> None:
    check_in(emp1)
    r = emp1.post("/time-logs/start", json={"task_id": SYNC, "client_request_id": "abc"})
    assert r.status_code == 200


def test_timestamps_use_z_with_microseconds_and_whole_seconds_without(emp1: httpx.Client) -> None:
    check_in(emp1)
    session = start(emp1).json()
    assert session["started_at"].endswith("Z")
    log = manual(emp1, "2026-01-05T10:00:00+05:00", "2026-01-05T06:00:00Z").json()
    assert log["started_at"] == "2026-01-05T05:00:00Z"  # +05:00 turned into UTC
    assert log["ended_at"] == "2026-01-05T06:00:00Z"
    naive = manual(emp1, "2026-01-07T10:00:00", "2026-01-07T11:00:00").json()
    assert naive["started_at"] == "2026-01-07T10:00:00Z"  # naive taken as UTC
    r = manual(emp1, "2026-01-06T10:00:00.250000Z", "2026-01-06T10:30:00Z")
    assert r.json()["started_at"] == "2026-01-06T10:00:00.250000Z"


def test_date_header_follows_the_server_clock(server: BackendHandle) -> None:
    server.advance_clock(3600)
    r = httpx.get(server.url + "/health")
    server_time = datetime.strptime(r.headers["date"], "%a, %d %b %Y %H:%M:%S GMT")
    skew = server_time.replace(tzinfo=UTC) - datetime.now(UTC)
    assert timedelta(minutes=59) < skew < timedelta(minutes=61)


# --- auth -------------------------------------------------------------------------------------


def test_login_returns_hs256_tokens_with_the_contract_claims(server: BackendHandle) -> None:
    r = login(server)
    assert r.status_code == 200
    body = r.json()
    assert set(body) == {"access_token", "refresh_token", "token_type", "user"}
    assert body["token_type"] == "bearer"
    assert body["user"]["id"] == EMP1_ID and body["user"]["full_name"] == "Erin Employee"
    assert jwt.get_unverified_header(body["access_token"])["alg"] == "HS256"
    access = jwt.decode(body["access_token"], options={"verify_signature": False})
    assert set(access) == {"sub", "role", "type", "exp"}
    assert (access["sub"], access["role"], access["type"]) == (EMP1_ID, "employee", "access")
    assert 890 <= access["exp"] - time.time() <= 901
    refresh = jwt.decode(body["refresh_token"], options={"verify_signature": False})
    assert set(refresh) == {"sub", "type", "jti", "family_id", "exp"}
    assert refresh["type"] == "refresh"
    assert refresh["exp"] - time.time() > 6 * 24 * 3600
    assert "set-cookie" not in r.headers


def test_wrong_password_is_401_with_www_authenticate(server: BackendHandle) -> None:
    with anon(server) as c:
        r = c.post("/auth/login", json={"email": EMP1, "password": "nope"})
    assert_error(r, 401, "AUTH_ERROR", "Invalid email or password")
    assert r.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize("email", ["emp1@corp.test", "a@b.local", "x@host.localhost"])
def test_special_use_email_domains_are_refused_before_credentials(
    server: BackendHandle, email: str
) -> None:
    with anon(server) as c:
        r = c.post("/auth/login", json={"email": email, "password": "whatever"})
    assert r.status_code == 422
    err = error(r)
    assert err["code"] == "VALIDATION_ERROR" and err["details"][0]["field"] == "email"


def test_missing_authorization_header_is_403_not_authenticated(server: BackendHandle) -> None:
    with anon(server) as c:
        assert_error(c.get("/time-logs/active-timer"), 403, "PERMISSION_ERROR", "Not authenticated")


def test_bad_or_wrong_type_token_is_401_could_not_validate(server: BackendHandle) -> None:
    refresh_token = login(server).json()["refresh_token"]
    for token in ("garbage", refresh_token):
        with anon(server) as c:
            r = c.get("/users/me", headers={"Authorization": f"Bearer {token}"})
        assert_error(r, 401, "AUTH_ERROR", "Could not validate credentials")
        assert r.headers["www-authenticate"] == "Bearer"


def test_refresh_rotates_and_access_tokens_stay_valid(server: BackendHandle) -> None:
    first = login(server).json()
    with anon(server) as c:
        r = c.post("/auth/refresh", json={"refresh_token": first["refresh_token"]})
        assert r.status_code == 200
        body = r.json()
        assert set(body) == {"access_token", "refresh_token", "token_type"}
        assert body["refresh_token"] != first["refresh_token"]
        old_family = jwt.decode(first["refresh_token"], options={"verify_signature": False})
        new_claims = jwt.decode(body["refresh_token"], options={"verify_signature": False})
        assert new_claims["family_id"] == old_family["family_id"]
        for token in (first["access_token"], body["access_token"]):
            me = c.get("/users/me", headers={"Authorization": f"Bearer {token}"})
            assert me.status_code == 200 and me.json()["email"] == EMP1
    assert server.refreshes == 1


def test_refresh_reuse_revokes_the_whole_family(server: BackendHandle) -> None:
    old = login(server).json()["refresh_token"]
    other_session = login(server).json()["refresh_token"]
    with anon(server) as c:
        newest = c.post("/auth/refresh", json={"refresh_token": old}).json()["refresh_token"]
        reuse = c.post("/auth/refresh", json={"refresh_token": old})
        assert_error(reuse, 401, "AUTH_ERROR", "Invalid or expired refresh token")
        assert "www-authenticate" not in reuse.headers
        r = c.post("/auth/refresh", json={"refresh_token": newest})
        assert_error(r, 401, "AUTH_ERROR", "Invalid or expired refresh token")
        # Another login's family is untouched.
        assert c.post("/auth/refresh", json={"refresh_token": other_session}).status_code == 200


def test_logout_revokes_the_given_refresh_token_only(server: BackendHandle) -> None:
    tokens = login(server).json()
    auth = {"Authorization": f"Bearer {tokens['access_token']}"}
    with anon(server) as c:
        r = c.post("/auth/logout", json={"refresh_token": tokens["refresh_token"]}, headers=auth)
        assert (r.status_code, r.json()) == (200, {"message": "Logged out successfully"})
        r = c.post("/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
        assert r.status_code == 401
        assert c.get("/users/me", headers=auth).status_code == 200  # access lives until exp
        assert c.post("/auth/logout", headers=auth).status_code == 200  # no body: fine


def test_fifth_failure_is_already_429_and_locks_even_the_right_password(
    server: BackendHandle,
) -> None:
    with anon(server) as c:
        statuses = [
            c.post("/auth/login", json={"email": EMP1, "password": "bad"}).status_code
            for _ in range(5)
        ]
        assert statuses == [401, 401, 401, 401, 429]
        r = c.post("/auth/login", json={"email": EMP1, "password": PASSWORDS[EMP1]})
    assert_error(r, 429, "RATE_LIMIT_ERROR", "Too many requests. Please try again later.")
    assert 895 <= int(r.headers["retry-after"]) <= 900


def test_rate_limit_counts_per_ip_across_users(server: BackendHandle) -> None:
    ip = {"X-Forwarded-For": "10.1.2.3"}
    with anon(server) as c:
        for email in (EMP1, EMP2, MANAGER, ADMIN):
            r = c.post("/auth/login", json={"email": email, "password": "bad"}, headers=ip)
            assert r.status_code == 401
        r = c.post("/auth/login", json={"email": "new@example.com", "password": "x"}, headers=ip)
        assert r.status_code == 429
        ok = {"email": ADMIN, "password": PASSWORDS[ADMIN]}
        assert c.post("/auth/login", json=ok, headers=ip).status_code == 429
        # Another IP is not locked.
        other = {"X-Forwarded-For": "10.9.9.9"}
        assert c.post("/auth/login", json=ok, headers=other).status_code == 200


def test_successful_login_clears_the_failure_counters(server: BackendHandle) -> None:
    bad = {"email": EMP1, "password": "bad"}
    good = {"email": EMP1, "password": PASSWORDS[EMP1]}
    with anon(server) as c:
        for _ in range(4):
            assert c.post("/auth/login", json=bad).status_code == 401
        assert c.post("/auth/login", json=good).status_code == 200
        for _ in range(4):
            assert c.post("/auth/login", json=bad).status_code == 401


def test_token_ttl_and_clock_expire_access_tokens(server: BackendHandle) -> None:
    server.set_token_ttl(60)
    token = login(server).json()["access_token"]
    exp = jwt.decode(token, options={"verify_signature": False})["exp"]
    assert 55 <= exp - time.time() <= 61
    auth = {"Authorization": f"Bearer {token}"}
    with anon(server) as c:
        assert c.get("/users/me", headers=auth).status_code == 200
        server.advance_clock(61)
        assert_error(
            c.get("/users/me", headers=auth), 401, "AUTH_ERROR", "Could not validate credentials"
        )


def test_expire_tokens_rejects_every_earlier_access_token(server: BackendHandle) -> None:
    old = login(server).json()
    server.expire_tokens()
    with anon(server) as c:
        r = c.get("/users/me", headers={"Authorization": f"Bearer {old['access_token']}"})
        assert r.status_code == 401
        # The refresh token still works and gives a usable access token.
        fresh = c.post("/auth/refresh", json={"refresh_token": old["refresh_token"]}).json()
        r = c.get("/users/me", headers={"Authorization": f"Bearer {fresh['access_token']}"})
        assert r.status_code == 200


def test_a_token_minted_in_the_cut_off_second_does_not_revive_an_expired_one(
    server: BackendHandle,
) -> None:
    refresh_token = login(server).json()["refresh_token"]
    # Start just past a whole server second, so both mints below share their second and, with
    # the contract's claims (whole-second exp, no issue time), would be the same string.
    server.set_clock(datetime.fromtimestamp(int(time.time()) + 1.02, UTC))
    with anon(server) as c:
        first = c.post("/auth/refresh", json={"refresh_token": refresh_token}).json()
        server.expire_tokens()
        second = c.post("/auth/refresh", json={"refresh_token": first["refresh_token"]}).json()
        old = c.get("/users/me", headers={"Authorization": f"Bearer {first['access_token']}"})
        new = c.get("/users/me", headers={"Authorization": f"Bearer {second['access_token']}"})
    assert old.status_code == 401
    assert new.status_code == 200
    claims = jwt.decode(second["access_token"], options={"verify_signature": False})
    assert set(claims) == {"sub", "role", "type", "exp"}  # still exactly the contract's claims


def test_users_me_and_permissions(emp2: httpx.Client) -> None:
    me = emp2.get("/users/me").json()
    assert me["email"] == EMP2 and me["shift_timing"] == "09:00 - 17:00"
    assert me["manager_name"] == "Mona Manager"
    perms = emp2.get("/auth/me/permissions").json()
    assert perms["role"] == "employee" and "attendance.view_own" in perms["permissions"]


# --- tasks ------------------------------------------------------------------------------------


def test_employee_task_list_scope_order_and_flags(emp1: httpx.Client) -> None:
    tasks = emp1.get("/tasks", params={"limit": 1, "include_archived": "true"}).json()
    ids = [t["id"] for t in tasks]
    # Newest first, archived hidden for employees (even when asked), Sam's task out of scope.
    assert ids == [task(n) for n in (9, 8, 6, 5, 4, 3, 2, 1)]
    assert all(not (t["can_start_timer"] or t["can_complete"]) for t in tasks)
    assert tasks[0]["project_title"] == "Paused Initiative"
    assert tasks[0]["created_at"].endswith("Z")


def test_task_list_status_filter_and_todo_is_rejected(emp1: httpx.Client) -> None:
    blocked = emp1.get("/tasks", params={"status": "blocked"}).json()
    assert [t["title"] for t in blocked] == ["Fix login bug"]
    r = emp1.get("/tasks", params={"status": "todo"})
    assert r.status_code == 422
    err = error(r)
    assert err["code"] == "VALIDATION_ERROR" and err["details"][0]["field"] == "status"
    assert "'in_progress'" in err["details"][0]["message"]


def test_admin_sees_archived_only_when_asked(server: BackendHandle) -> None:
    token = login(server, ADMIN).json()["access_token"]
    with anon(server) as c:
        c.headers["Authorization"] = f"Bearer {token}"
        assert task(7) not in [t["id"] for t in c.get("/tasks").json()]
        every = c.get("/tasks", params={"include_archived": True}).json()
        assert task(7) in [t["id"] for t in every] and task(10) in [t["id"] for t in every]


def test_task_detail_scope_and_can_start_timer_quirk(emp1: httpx.Client) -> None:
    assert_error(emp1.get(f"/tasks/{task(10)}"), 403, "PERMISSION_ERROR", "Access denied")
    assert_error(emp1.get(f"/tasks/{task(99)}"), 404, "NOT_FOUND", "Task not found")
    assert emp1.get(f"/tasks/{task(4)}").json()["can_start_timer"] is True  # blocked
    assert emp1.get(f"/tasks/{task(7)}").json()["can_start_timer"] is False  # archived


START_TABLE = [
    (1, 200, None),
    (2, 200, None),
    (3, 200, None),
    (8, 200, None),
    (6, 200, None),
    (7, 200, None),
    (9, 200, None),
    (4, 400, "Cannot start timer on a blocked task"),
    (5, 400, "Cannot start timer on a completed task"),
    (10, 403, "You can only log time on tasks assigned to you"),
    (99, 404, "Task not found"),
]


@pytest.mark.parametrize(("number", "status", "message"), START_TABLE)
def test_timer_start_task_state_table(
    emp1: httpx.Client, number: int, status: int, message: str | None
) -> None:
    check_in(emp1)
    r = start(emp1, task(number))
    assert r.status_code == status, r.text
    if message is not None:
        assert error(r)["message"] == message


def test_starting_a_to_do_task_moves_it_to_in_progress(emp1: httpx.Client) -> None:
    check_in(emp1)
    assert start(emp1, task(1)).status_code == 200
    assert emp1.get(f"/tasks/{task(1)}").json()["status"] == "in_progress"
    assert timer_call(emp1, "stop", task(1)).status_code == 200
    assert start(emp1, task(6)).status_code == 200
    assert emp1.get(f"/tasks/{task(6)}").json()["status"] == "reviewed"


MANUAL_TABLE = [
    (3, 200, None),
    (6, 200, None),
    (7, 200, None),
    (4, 400, "Cannot start timer on a blocked task"),
    (5, 400, "Cannot start timer on a completed task"),
    (9, 400, "Task project is not approved or active"),
    (10, 403, "You can only log time on tasks assigned to you"),
    (99, 404, "Task not found"),
]


@pytest.mark.parametrize(("number", "status", "message"), MANUAL_TABLE)
def test_manual_task_state_table(
    emp1: httpx.Client, number: int, status: int, message: str | None
) -> None:
    r = manual(emp1, "2026-03-01T10:00:00Z", "2026-03-01T11:00:00Z", task(number))
    assert r.status_code == status, r.text
    if message is not None:
        assert error(r)["message"] == message


def test_manager_gets_the_manager_wording_for_foreign_tasks(server: BackendHandle) -> None:
    token = login(server, MANAGER).json()["access_token"]
    with anon(server) as c:
        c.headers["Authorization"] = f"Bearer {token}"
        check_in(c)
        assert_error(
            start(c, SYNC),
            403,
            "PERMISSION_ERROR",
            "You can only start timers for tasks assigned to you.",
        )


# --- timer ------------------------------------------------------------------------------------


def test_start_needs_check_in_first_before_any_other_check(emp1: httpx.Client) -> None:
    msg = "You must check in before starting a task."
    assert_error(start(emp1), 400, "API_ERROR", msg)
    assert_error(start(emp1, task(4)), 400, "API_ERROR", msg)  # blocked: still the check-in 400


def test_one_live_timer_per_user(emp1: httpx.Client) -> None:
    check_in(emp1)
    assert start(emp1).status_code == 200
    conflict = "You already have an active or paused task timer."
    assert_error(start(emp1), 409, "CONFLICT", conflict)
    assert_error(start(emp1, task(8)), 409, "CONFLICT", conflict)
    assert timer_call(emp1, "pause").status_code == 200
    assert_error(start(emp1, task(8)), 409, "CONFLICT", conflict)


def test_pause_is_a_no_op_when_paused_and_404_without_timer(
    emp1: httpx.Client, server: BackendHandle
) -> None:
    assert_error(timer_call(emp1, "pause"), 404, "NOT_FOUND", "Active task timer not found.")
    check_in(emp1)
    start(emp1)
    server.advance_clock(1.6)
    first = timer_call(emp1, "pause").json()
    assert (first["status"], first["pause_reason"]) == ("paused", "manual_pause")
    assert first["accumulated_seconds"] == 1  # truncated at the pause
    server.advance_clock(5)
    assert timer_call(emp1, "pause").json() == first
    r = timer_call(emp1, "pause", task(8))
    assert_error(r, 404, "NOT_FOUND", "Active task timer not found.")


def test_resume_rules(emp1: httpx.Client, server: BackendHandle) -> None:
    r = timer_call(emp1, "resume")
    assert_error(r, 400, "API_ERROR", "You must check in before resuming a task.")
    check_in(emp1)
    assert_error(timer_call(emp1, "resume"), 404, "NOT_FOUND", "Paused task timer not found.")
    running = start(emp1).json()
    assert timer_call(emp1, "resume").json() == running  # already running: no-op
    timer_call(emp1, "pause")
    server.advance_clock(10)
    resumed = timer_call(emp1, "resume").json()
    assert (resumed["status"], resumed["pause_reason"], resumed["paused_at"]) == (
        "running",
        None,
        None,
    )
    assert parse(resumed["last_resumed_at"]) > parse(running["last_resumed_at"])
    assert_error(
        timer_call(emp1, "resume", task(8)), 404, "NOT_FOUND", "Paused task timer not found."
    )


def test_stop_writes_a_floor_minutes_log_and_repeat_is_404(
    emp1: httpx.Client, server: BackendHandle
) -> None:
    check_in(emp1)
    session = start(emp1).json()
    server.advance_clock(30)
    timer_call(emp1, "pause")
    server.advance_clock(600)  # paused time is not counted
    timer_call(emp1, "resume")
    server.advance_clock(35)
    r = emp1.post("/time-logs/stop", json={"task_id": SYNC, "notes": "sixty-five seconds"})
    assert r.status_code == 200
    log = r.json()
    assert log["duration_minutes"] == 1
    assert (log["source_type"], log["status"], log["notes"]) == (
        "timer",
        "completed",
        "sixty-five seconds",
    )
    assert log["user_name"] == "Erin Employee" and log["task_title"] == "Implement tray sync"
    assert log["started_at"] == session["started_at"]
    span = parse(log["ended_at"]) - parse(log["started_at"])
    assert span >= timedelta(seconds=665)  # the span includes the pause
    assert active_timer(emp1) is None
    assert_error(timer_call(emp1, "stop"), 404, "NOT_FOUND", "Active task timer not found.")
    assert emp1.get(f"/tasks/{SYNC}").json()["actual_duration_minutes"] == 1


def test_a_run_under_a_minute_still_logs_zero_minutes(emp1: httpx.Client) -> None:
    check_in(emp1)
    start(emp1)
    log = timer_call(emp1, "stop").json()
    assert log["duration_minutes"] == 0
    assert [entry["id"] for entry in emp1.get("/time-logs/me").json()] == [log["id"]]


def test_stop_and_pause_need_no_check_in(emp1: httpx.Client, server: BackendHandle) -> None:
    check_in(emp1)
    start(emp1)
    server.auto_checkout(EMP1)
    assert emp1.get("/attendance/active").json() is None
    assert timer_call(emp1, "pause").status_code == 200
    assert timer_call(emp1, "stop").status_code == 200


def test_active_timer_is_null_without_a_timer(emp1: httpx.Client) -> None:
    r = emp1.get("/time-logs/active-timer")
    assert (r.status_code, r.content) == (200, b"null")


# --- manual entries ---------------------------------------------------------------------------


@pytest.mark.parametrize("ended", ["2026-03-01T09:00:00Z", "2026-03-01T10:00:00Z"])
def test_manual_order_rule_is_a_validation_422(emp1: httpx.Client, ended: str) -> None:
    r = manual(emp1, "2026-03-01T10:00:00Z", ended)
    assert r.status_code == 422
    assert error(r) == {
        "code": "VALIDATION_ERROR",
        "message": "Request validation failed.",
        "details": [
            {"field": "request", "message": "Value error, ended_at must be after started_at"}
        ],
    }


def test_manual_mixing_naive_and_aware_times_is_a_500(emp1: httpx.Client) -> None:
    r = manual(emp1, "2026-03-01T10:00:00", "2026-03-01T11:00:00Z")
    assert_error(r, 500, "INTERNAL_ERROR", error(r)["message"])
    assert emp1.get("/time-logs/me").json() == []


def test_manual_duration_floor_and_task_minutes(emp1: httpx.Client) -> None:
    log = manual(emp1, "2026-11-20T10:00:00Z", "2026-11-20T10:45:59Z").json()
    assert (log["duration_minutes"], log["source_type"]) == (45, "manual")
    assert (
        manual(emp1, "2026-11-21T10:00:00Z", "2026-11-21T10:00:30Z").json()["duration_minutes"] == 0
    )
    long = manual(emp1, "2026-11-22T00:00:00Z", "2026-11-23T06:00:00Z").json()
    assert long["duration_minutes"] == 1800
    assert emp1.get(f"/tasks/{SYNC}").json()["actual_duration_minutes"] == 1845


def test_manual_overlap_with_completed_logs_is_409_touching_is_fine(emp1: httpx.Client) -> None:
    assert manual(emp1, "2026-03-01T10:00:00Z", "2026-03-01T11:00:00Z").status_code == 200
    overlap = "Manual log overlaps an existing time log."
    r = manual(emp1, "2026-03-01T10:59:00Z", "2026-03-01T12:00:00Z", task(8))  # any task
    assert_error(r, 409, "CONFLICT", overlap)
    assert_error(
        manual(emp1, "2026-03-01T10:00:00Z", "2026-03-01T11:00:00Z"), 409, "CONFLICT", overlap
    )
    assert manual(emp1, "2026-03-01T11:00:00Z", "2026-03-01T12:00:00Z").status_code == 200
    assert manual(emp1, "2026-03-01T09:00:00Z", "2026-03-01T10:00:00Z").status_code == 200


def test_manual_ignores_the_live_timer_and_needs_no_check_in(emp1: httpx.Client) -> None:
    check_in(emp1)
    start(emp1)
    now = datetime.now(UTC)
    r = manual(
        emp1, (now - timedelta(minutes=5)).isoformat(), (now + timedelta(minutes=5)).isoformat()
    )
    assert r.status_code == 200
    emp1.post("/attendance/check-out")
    assert manual(emp1, "2027-06-01T10:00:00Z", "2027-06-01T11:00:00Z").status_code == 200


def test_my_logs_are_newest_started_at_first(emp1: httpx.Client) -> None:
    for day in ("2026-03-02", "2027-06-01", "2025-01-01"):
        assert manual(emp1, f"{day}T10:00:00Z", f"{day}T11:00:00Z").status_code == 200
    starts = [log["started_at"][:10] for log in emp1.get("/time-logs/me").json()]
    assert starts == ["2027-06-01", "2026-03-02", "2025-01-01"]


def test_team_logs_are_for_managers_and_admins_only(
    emp1: httpx.Client, server: BackendHandle
) -> None:
    manual(emp1, "2026-03-01T10:00:00Z", "2026-03-01T11:00:00Z")
    assert_error(emp1.get("/time-logs/team"), 403, "PERMISSION_ERROR", "Access denied")
    token = login(server, MANAGER).json()["access_token"]
    with anon(server) as c:
        team = c.get("/time-logs/team", headers={"Authorization": f"Bearer {token}"}).json()
    assert [log["user_id"] for log in team] == [EMP1_ID]


# --- attendance -------------------------------------------------------------------------------


def test_attendance_basics(emp1: httpx.Client) -> None:
    r = emp1.get("/attendance/active")
    assert (r.status_code, r.content) == (200, b"null")
    assert emp1.post("/attendance/check-in").status_code == 422  # body required
    assert_error(
        emp1.post("/attendance/check-out"), 404, "NOT_FOUND", "No active attendance session found."
    )
    session = check_in(emp1)
    assert session["session_status"] == "active" and session["check_in_at"].endswith("Z")
    r = emp1.post("/attendance/check-in", json={"work_mode": "wfh"})
    assert_error(r, 409, "CONFLICT", "You already have an active attendance session.")
    assert emp1.get("/attendance/active").json()["id"] == session["id"]
    done = emp1.post("/attendance/check-out").json()
    assert done["session_status"] == "completed" and done["check_out_at"] is not None
    history = emp1.get("/attendance/me").json()
    assert [h["id"] for h in history] == [session["id"]]
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).date().isoformat()
    assert emp1.get("/attendance/me", params={"date_from": tomorrow}).json() == []


def test_break_rules(emp1: httpx.Client) -> None:
    r = emp1.post("/attendance/breaks/start", json={"break_type": "dinner"})
    assert_error(r, 400, "API_ERROR", "Cannot start break without an active attendance session.")
    check_in(emp1)
    r = emp1.post("/attendance/breaks/start", json={"break_type": "other"})
    assert_error(r, 422, "API_ERROR", "Note is required for 'other' break type.")
    assert error(r)["details"] == []
    r = emp1.post("/attendance/breaks/start", json={"break_type": "nap"})
    assert error(r)["code"] == "VALIDATION_ERROR"
    assert_error(emp1.post("/attendance/breaks/end"), 404, "NOT_FOUND", "No active break found.")
    assert emp1.get("/attendance/breaks/current").json() is None
    brk = emp1.post("/attendance/breaks/start", json={"break_type": "other", "note": "errand"})
    assert brk.status_code == 200 and brk.json()["note"] == "errand"
    r = emp1.post("/attendance/breaks/start", json={"break_type": "prayer"})
    assert_error(r, 400, "API_ERROR", "You already have an active break.")
    assert emp1.get("/attendance/breaks/current").json()["id"] == brk.json()["id"]
    assert emp1.get("/attendance/active").json()["active_break"]["id"] == brk.json()["id"]
    ended = emp1.post("/attendance/breaks/end").json()
    assert ended["ended_at"] is not None


def _reason(client: httpx.Client) -> tuple[str, str | None]:
    timer = active_timer(client)
    assert timer is not None
    return timer["status"], timer["pause_reason"]


def test_break_pauses_a_running_timer_and_its_end_resumes_it(emp1: httpx.Client) -> None:
    check_in(emp1)
    start(emp1)
    emp1.post("/attendance/breaks/start", json={"break_type": "dinner"})
    assert _reason(emp1) == ("paused", "break_started")
    # Pausing a break-paused timer keeps the break reason.
    assert timer_call(emp1, "pause").json()["pause_reason"] == "break_started"
    emp1.post("/attendance/breaks/end")
    assert _reason(emp1) == ("running", None)


def test_break_leaves_a_manually_paused_timer_paused(emp1: httpx.Client) -> None:
    check_in(emp1)
    start(emp1)
    timer_call(emp1, "pause")
    emp1.post("/attendance/breaks/start", json={"break_type": "prayer"})
    assert _reason(emp1) == ("paused", "manual_pause")
    emp1.post("/attendance/breaks/end")
    assert _reason(emp1) == ("paused", "manual_pause")


def test_resume_during_a_break_is_allowed_and_the_break_end_resumes_nothing(
    emp1: httpx.Client,
) -> None:
    check_in(emp1)
    start(emp1)
    emp1.post("/attendance/breaks/start", json={"break_type": "dinner"})
    assert timer_call(emp1, "resume").json()["status"] == "running"
    timer_call(emp1, "pause")
    emp1.post("/attendance/breaks/end")
    assert _reason(emp1) == ("paused", "manual_pause")


def test_check_out_pauses_and_check_in_resumes_only_that_pause(emp1: httpx.Client) -> None:
    check_in(emp1)
    start(emp1)
    emp1.post("/attendance/check-out")
    assert _reason(emp1) == ("paused", "attendance_checkout")
    check_in(emp1)
    assert _reason(emp1) == ("running", None)
    timer_call(emp1, "pause")
    emp1.post("/attendance/check-out")
    check_in(emp1)
    assert _reason(emp1) == ("paused", "manual_pause")


def test_check_out_during_a_break_ends_it_then_pauses_as_checkout(emp1: httpx.Client) -> None:
    check_in(emp1)
    start(emp1)
    emp1.post("/attendance/breaks/start", json={"break_type": "dinner"})
    done = emp1.post("/attendance/check-out").json()
    assert done["active_break"] is None and done["breaks"][0]["ended_at"] is not None
    assert _reason(emp1) == ("paused", "attendance_checkout")


def test_server_auto_checkout_leaves_the_timer_running(
    emp1: httpx.Client, server: BackendHandle
) -> None:
    check_in(emp1)
    start(emp1)
    server.auto_checkout(EMP1)
    assert emp1.get("/attendance/active").json() is None
    assert _reason(emp1) == ("running", None)
    timer_call(emp1, "pause")
    r = timer_call(emp1, "resume")
    assert_error(r, 400, "API_ERROR", "You must check in before resuming a task.")
    notes = emp1.get("/notifications", params={"limit": 50}).json()
    assert notes[0]["title"] == "Attendance Auto-Checkout"
    assert notes[0]["related_entity_type"] == "attendance_session"


def test_stale_session_is_closed_lazily_without_pausing(
    emp1: httpx.Client, server: BackendHandle
) -> None:
    check_in(emp1)
    start(emp1)
    server.advance_clock(16 * 3600 + 60)
    relogin(emp1, server)  # the old access token expired with the clock
    assert emp1.get("/attendance/active").json() is None
    assert _reason(emp1) == ("running", None)


def _today_at(hour: int, minute: int = 0) -> datetime:
    return datetime.now(UTC).replace(hour=hour, minute=minute, second=0, microsecond=0)


def test_shift_user_early_check_out_needs_a_reason(
    emp2: httpx.Client, server: BackendHandle
) -> None:
    server.set_clock(_today_at(12))
    relogin(emp2, server, EMP2)
    session = check_in(emp2)
    assert session["expected_shift_end_at"].endswith("T17:00:00Z")
    assert session["is_late_login"] is True and session["late_minutes"] == 180
    message = (
        "A reason of at least 5 characters is required for checking out before your shift ends."
    )
    assert_error(emp2.post("/attendance/check-out"), 400, "API_ERROR", message)
    r = emp2.post("/attendance/check-out", json={"early_checkout_reason": "dr."})
    assert_error(r, 400, "API_ERROR", message)
    done = emp2.post("/attendance/check-out", json={"early_checkout_reason": "dentist"}).json()
    assert done["is_early_logout"] is True and done["check_out_at"] is not None


def test_shift_user_check_out_after_shift_end_needs_reason_and_note(
    emp2: httpx.Client, server: BackendHandle
) -> None:
    server.set_clock(_today_at(16, 30))
    relogin(emp2, server, EMP2)
    check_in(emp2)
    server.advance_clock(3600)  # 17:30: past the end, inside the 60 min grace
    relogin(emp2, server, EMP2)
    r = emp2.post("/attendance/check-out", json={"checkout_after_shift_reason": "overtime"})
    assert_error(r, 422, "API_ERROR", "Reason and note are required for checkout after shift end.")
    done = emp2.post(
        "/attendance/check-out",
        json={"checkout_after_shift_reason": "overtime", "checkout_after_shift_note": "release"},
    ).json()
    assert done["is_overtime"] is True


def test_shift_end_plus_grace_auto_checks_out(emp2: httpx.Client, server: BackendHandle) -> None:
    server.set_clock(_today_at(16))
    relogin(emp2, server, EMP2)
    check_in(emp2)
    start(emp2, task(10))
    server.set_clock(_today_at(18, 1))
    relogin(emp2, server, EMP2)
    assert emp2.get("/attendance/active").json() is None
    assert _reason(emp2) == ("running", None)


# --- other task operations --------------------------------------------------------------------


def test_task_completion_and_the_timer(emp1: httpx.Client, server: BackendHandle) -> None:
    check_in(emp1)
    start(emp1)
    r = emp1.patch(f"/tasks/{SYNC}", json={"status": "completed"})
    assert_error(r, 400, "API_ERROR", "Stop the timer before marking this task complete")
    server.advance_clock(120)
    done = emp1.post(f"/tasks/{SYNC}/complete").json()
    assert done["status"] == "completed"
    assert active_timer(emp1) is None
    log = emp1.get("/time-logs/me").json()[0]
    assert (log["duration_minutes"], log["notes"]) == (2, None)


def test_a_manager_blocking_the_task_does_not_touch_the_timer(
    emp1: httpx.Client, server: BackendHandle
) -> None:
    check_in(emp1)
    start(emp1)
    server.set_task_status(SYNC, "blocked")
    assert emp1.get(f"/tasks/{SYNC}").json()["status"] == "blocked"
    assert timer_call(emp1, "pause").status_code == 200
    assert timer_call(emp1, "resume").status_code == 200
    assert timer_call(emp1, "stop").status_code == 200
    assert_error(start(emp1), 400, "API_ERROR", "Cannot start timer on a blocked task")


# --- faults and control -----------------------------------------------------------------------


def test_fail_next_answers_without_doing_anything(
    emp1: httpx.Client, server: BackendHandle
) -> None:
    server.set_faults(fail_next={"count": 2, "status": 503, "path_prefix": "/attendance/check-in"})
    for _ in range(2):
        r = emp1.post("/attendance/check-in", json={"work_mode": "office"})
        assert r.status_code == 503 and error(r)["code"] == "API_ERROR"
        assert emp1.get("/attendance/active").json() is None  # other paths unaffected
    assert emp1.post("/attendance/check-in", json={"work_mode": "office"}).status_code == 200


@pytest.mark.parametrize(("status", "code"), [(500, "INTERNAL_ERROR"), (429, "RATE_LIMIT_ERROR")])
def test_fail_next_status_and_retry_after(
    emp1: httpx.Client, server: BackendHandle, status: int, code: str
) -> None:
    server.set_faults(fail_next={"count": 1, "status": status, "retry_after": 7})
    r = emp1.get("/tasks")
    assert r.status_code == status and error(r)["code"] == code
    assert r.headers["retry-after"] == "7"
    assert emp1.get("/tasks").status_code == 200


def test_faults_never_touch_control_or_health(server: BackendHandle) -> None:
    server.set_faults(fail_next={"count": 5, "status": 500})
    assert httpx.get(server.url + "/health").status_code == 200
    assert server.stats()["requests"] == {"/health": 1}
    assert server.set_faults(latency_ms=1)["fail_next"]["count"] == 5  # other switch kept


def test_drop_after_commit_commits_then_drops_the_connection(
    emp1: httpx.Client, server: BackendHandle
) -> None:
    check_in(emp1)
    server.set_faults(drop_after_commit={"count": 1, "path_prefix": "/time-logs/start"})
    with pytest.raises(httpx.RemoteProtocolError):
        start(emp1)
    timer = active_timer(emp1)
    assert timer is not None and timer["status"] == "running"  # the start happened
    assert_error(start(emp1), 409, "CONFLICT", "You already have an active or paused task timer.")


def test_latency_delays_api_calls_only(emp1: httpx.Client, server: BackendHandle) -> None:
    server.set_faults(latency_ms=400)
    with pytest.raises(httpx.ReadTimeout):
        emp1.get("/tasks", timeout=0.1)
    assert server.requests["/api/v1/tasks"] == 1
    with httpx.Client(base_url=server.url, timeout=0.3, headers=server.control_headers) as control:
        assert control.get("/_test/stats").status_code == 200


def test_reset_restores_the_demo_data(emp1: httpx.Client, server: BackendHandle) -> None:
    check_in(emp1)
    start(emp1, task(1))
    server.set_token_ttl(5)
    server.reset()
    relogin(emp1, server)
    assert active_timer(emp1) is None
    assert emp1.get("/attendance/active").json() is None
    assert emp1.get(f"/tasks/{task(1)}").json()["status"] == "created"
    token = login(server).json()["access_token"]
    assert jwt.decode(token, options={"verify_signature": False})["exp"] - time.time() > 800


def test_a_second_server_in_a_thread_is_independent_and_stops() -> None:
    with start_in_thread(port=0) as other:
        assert other.url.startswith("http://127.0.0.1:")
        r = httpx.post(other.api_url + "/auth/login", json={"email": EMP1, "password": "bad"})
        assert r.status_code == 401
        assert other.requests == {"/health": 1, "/api/v1/auth/login": 1}
    assert other._thread is not None and not other._thread.is_alive()


def test_standalone_module_prints_demo_data_and_serves(tmp_path: Any) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.backend", "--port", str(port), "--log-level", "warning"],
        env={**os.environ, "TIMETRAY_CONTROL_SECRET": "from-the-environment"},
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert proc.stdout is not None
        banner = "".join(proc.stdout.readline() for _ in range(4))
        assert "emp1@example.com" in banner and "Employee1234!" in banner
        deadline = time.monotonic() + 60  # a bound for a hang; /health answering decides
        while True:
            try:
                assert httpx.get(f"http://127.0.0.1:{port}/health").json() == {"status": "ok"}
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        handle = BackendHandle.connect(f"http://127.0.0.1:{port}", "from-the-environment")
        r = httpx.post(
            handle.api_url + "/auth/login", json={"email": EMP2, "password": PASSWORDS[EMP2]}
        )
        assert r.status_code == 200
        assert handle.requests["/api/v1/auth/login"] == 1  # a control call, with the secret
        assert httpx.get(handle.url + "/_test/stats").status_code == 403
        handle.stop()  # only closes its control client: the process is not ours to stop
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.mark.parametrize("headers", [{}, {"X-Timetray-Control": "guessed"}])
def test_control_endpoints_refuse_a_caller_without_the_secret(
    emp1: httpx.Client, server: BackendHandle, headers: dict[str, str]
) -> None:
    check_in(emp1)
    with httpx.Client(base_url=server.url, timeout=10, headers=headers) as stranger:
        assert stranger.post("/_test/reset").status_code == 403
        assert stranger.post("/_test/clock", json={"advance_seconds": 3600}).status_code == 403
        assert stranger.get("/_test/stats").status_code == 403
    assert emp1.get("/attendance/active").json() is not None  # the reset did not happen
    with httpx.Client(base_url=server.url, timeout=10, headers=server.control_headers) as owner:
        assert owner.get("/_test/clock").json()["offset_seconds"] == 0  # nor the clock move
        assert owner.post("/_test/reset").status_code == 200
    relogin(emp1, server)
    assert emp1.get("/attendance/active").json() is None  # with the secret, it did


def test_each_server_has_its_own_control_secret() -> None:
    with start_in_thread(port=0) as one, start_in_thread(port=0) as two:
        assert one.control_secret != two.control_secret
        with httpx.Client(base_url=two.url, headers=one.control_headers) as wrong:
            assert wrong.get("/_test/stats").status_code == 403
