"""Sign-in, session renewal and sign-out against the contract server (contract §1)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from app.api import ApiClient, errors
from app.api.timeutil import utc_now
from app.api.tokens import SERVICE
from tests.api.conftest import EMP1, MemoryKeyring
from tests.backend import BackendHandle

MakeApi = Callable[..., ApiClient]
ME = "/api/v1/users/me"


def keyring_token(keyring: MemoryKeyring, server: BackendHandle, email: str) -> str | None:
    return keyring.secrets.get((SERVICE, f"{server.url}|{email}"))


def test_login_returns_the_user_and_keeps_the_refresh_token_only_in_the_keyring(
    make_api: MakeApi, memory_keyring: MemoryKeyring, server: BackendHandle, tmp_path: Path
) -> None:
    client = make_api()
    user = client.login(*EMP1)
    assert user.full_name == "Erin Employee" and user.email == "emp1@example.com"
    assert client.signed_in and client.email == "emp1@example.com"
    assert client.token_store.persistent and client.token_store.warning is None
    token = keyring_token(memory_keyring, server, "emp1@example.com")
    assert token is not None and token.startswith("eyJ")
    # Nothing the client wrote to disk (the lock file's folder) holds the token.
    for path in tmp_path.rglob("*"):
        if path.is_file():
            assert token.encode() not in path.read_bytes()
    assert client.me().email == "emp1@example.com"


def test_wrong_password_and_special_use_domain_are_rejected_with_the_server_words(
    make_api: MakeApi,
) -> None:
    client = make_api()
    with pytest.raises(errors.Rejected) as info:
        client.login("emp1@example.com", "wrong")
    assert info.value.status == 401
    assert info.value.user_message == "Invalid email or password"
    with pytest.raises(errors.Rejected) as bad_domain:
        client.login("emp1@example.test", "Employee1234!")
    assert bad_domain.value.status == 422
    assert "special-use" in bad_domain.value.user_message
    assert not client.signed_in


def test_login_429_says_when_to_try_again_and_is_never_retried(
    make_api: MakeApi, server: BackendHandle
) -> None:
    client = make_api()
    for _ in range(4):
        with pytest.raises(errors.Rejected):
            client.login("emp1@example.com", "wrong")
    with pytest.raises(errors.RateLimited) as fifth:  # the failure that reaches the limit
        client.login("emp1@example.com", "wrong")
    assert fifth.value.retry_after == 900
    assert fifth.value.user_message == "Too many sign-in attempts. Try again in 15 minutes."
    with pytest.raises(errors.RateLimited):  # even the right password, while locked
        client.login(*EMP1)
    assert server.requests["/api/v1/auth/login"] == 6  # one request per call: no retries
    assert not client.signed_in


def test_access_token_renewed_before_expiry(make_api: MakeApi, server: BackendHandle) -> None:
    # Both clocks move by the test, not by sleeping: a slow machine cannot race the margin.
    moved = timedelta(0)
    client = make_api(clock=lambda: utc_now() + moved)
    client.login(*EMP1)
    moved = timedelta(hours=2)
    server.advance_clock(moved.total_seconds())  # the access token has now expired there
    assert client.me().full_name == "Erin Employee"
    assert server.refreshes == 1
    assert server.requests[ME] == 1  # renewed first: the server never had to answer 401


def test_a_fresh_token_is_not_renewed(make_api: MakeApi, server: BackendHandle) -> None:
    """The check above can fail: without expiry, ``me`` goes straight to the server."""
    client = make_api()
    client.login(*EMP1)
    assert client.me().full_name == "Erin Employee"
    assert server.refreshes == 0


def test_expiry_is_judged_on_the_server_clock(make_api: MakeApi, server: BackendHandle) -> None:
    client = make_api()
    client.login(*EMP1)
    server.advance_clock(901)  # 15 minutes later for the server; the client's clock did not move
    assert client.me().full_name == "Erin Employee"
    assert 895 <= client.clock_offset.total_seconds() <= 905
    assert server.refreshes == 1
    # A server clock far behind ours does not make every token look expired.
    server.advance_clock(-7200)
    client.me()
    client.me()
    assert server.refreshes == 1


def test_renewal_after_a_401(api: ApiClient, server: BackendHandle) -> None:
    server.expire_tokens()
    assert api.me().full_name == "Erin Employee"
    assert server.refreshes == 1
    assert server.requests[ME] == 2  # refused once, then sent again with the new token


def test_two_threads_hitting_401_at_once_cause_exactly_one_refresh(
    api: ApiClient, server: BackendHandle
) -> None:
    server.expire_tokens()
    server.set_faults(latency_ms=150)  # both requests are in flight when the first 401 lands
    barrier = threading.Barrier(2)
    results: list[object] = []

    def call() -> None:
        barrier.wait()
        try:
            results.append(api.me())
        except errors.ApiError as exc:  # pragma: no cover - reported by the assertion below
            results.append(exc)

    threads = [threading.Thread(target=call) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert [getattr(r, "full_name", r) for r in results] == ["Erin Employee"] * 2
    assert server.refreshes == 1
    assert server.requests[ME] >= 3  # at least one 401 before the refresh
    assert api.signed_in


def test_two_processes_sharing_the_keyring_never_log_each_other_out(
    make_api: MakeApi, server: BackendHandle, memory_keyring: MemoryKeyring
) -> None:
    tray = make_api()
    tray.login(*EMP1)
    cli = make_api()  # another process: same keyring, same lock file, its own memory
    assert cli.restore_session()  # finds the last e-mail and the token in the keyring
    assert cli.email == "emp1@example.com"
    cli.me()  # renews with the shared token (rotation 1)
    server.expire_tokens()
    server.set_faults(latency_ms=150)
    barrier = threading.Barrier(2)
    results: dict[str, object] = {}

    def call(name: str, client: ApiClient) -> None:
        barrier.wait()
        try:
            results[name] = client.me().full_name
        except errors.ApiError as exc:  # pragma: no cover - reported by the assertion below
            results[name] = exc

    threads = [threading.Thread(target=call, args=a) for a in (("tray", tray), ("cli", cli))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    assert results == {"tray": "Erin Employee", "cli": "Erin Employee"}
    assert server.refreshes == 3  # each process needs its own access token; no reuse
    server.set_faults(latency_ms=0)
    server.expire_tokens()
    assert tray.me().full_name == cli.me().full_name == "Erin Employee"
    assert tray.signed_in and cli.signed_in
    assert keyring_token(memory_keyring, server, "emp1@example.com") is not None


def test_revoked_refresh_token_means_sign_in_again_and_nothing_else(
    api: ApiClient, server: BackendHandle, memory_keyring: MemoryKeyring
) -> None:
    stolen = keyring_token(memory_keyring, server, "emp1@example.com")
    # Someone else rotates the token: ours is now a reused one, and the family is revoked.
    rotated = httpx.post(server.url + "/api/v1/auth/refresh", json={"refresh_token": stolen})
    assert rotated.status_code == 200
    server.expire_tokens()
    with pytest.raises(errors.SignInNeeded) as info:
        api.me()
    assert "sign in again" in info.value.user_message
    assert not api.signed_in
    assert keyring_token(memory_keyring, server, "emp1@example.com") is None
    # Other keyring entries (the remembered e-mail) are left alone.
    assert api.token_store.last_email() == "emp1@example.com"
    assert server.refreshes == 1  # only the outsider's; ours was refused
    with pytest.raises(errors.SignInNeeded):
        api.me()


def test_refresh_failure_by_5xx_keeps_the_session(api: ApiClient, server: BackendHandle) -> None:
    server.expire_tokens()
    server.set_faults(fail_next={"count": 1, "status": 503, "path_prefix": "/auth/refresh"})
    with pytest.raises(errors.ServerError) as info:
        api.me()
    assert info.value.status == 503
    assert api.signed_in
    assert api.me().full_name == "Erin Employee"


def test_refresh_dropped_after_commit_is_unknown_and_not_resent(
    api: ApiClient, server: BackendHandle
) -> None:
    server.expire_tokens()
    server.set_faults(drop_after_commit={"count": 1, "path_prefix": "/auth/refresh"})
    with pytest.raises(errors.Unreachable) as info:
        api.me()
    assert info.value.may_have_reached
    assert server.requests["/api/v1/auth/refresh"] == 1
    # The server did rotate: the kept token is now a reused one, so the next renewal is refused
    # and the user signs in again (the documented trade-off) instead of failing silently.
    with pytest.raises(errors.SignInNeeded):
        api.me()


def test_logout_revokes_the_refresh_token_and_forgets_the_session(
    api: ApiClient, server: BackendHandle, memory_keyring: MemoryKeyring
) -> None:
    token = keyring_token(memory_keyring, server, "emp1@example.com")
    assert api.logout() is True
    assert not api.signed_in
    assert keyring_token(memory_keyring, server, "emp1@example.com") is None
    refused = httpx.post(server.url + "/api/v1/auth/refresh", json={"refresh_token": token})
    assert refused.status_code == 401
    with pytest.raises(errors.SignInNeeded):
        api.me()


def test_restore_session_at_start_without_network(make_api: MakeApi, server: BackendHandle) -> None:
    first = make_api()
    first.login(*EMP1)
    later = make_api()
    assert later.restore_session("emp1@example.com")
    assert later.signed_in
    assert later.me().full_name == "Erin Employee"
    nobody = make_api()
    assert not nobody.restore_session("manager@example.com")
    assert not nobody.signed_in


def test_missing_authorization_header_403_means_sign_in(server: BackendHandle) -> None:
    response = httpx.get(server.url + ME)
    assert response.status_code == 403
    mapped = errors.from_response(response, now=utc_now())
    assert isinstance(mapped, errors.SignInNeeded)


def test_without_a_keyring_the_user_is_told_and_the_session_lasts_this_run(
    server: BackendHandle,
) -> None:
    # tests/conftest.py selects keyring's null backend: no OS keyring at all.
    client = ApiClient(server.url)
    try:
        client.login(*EMP1)
        assert not client.token_store.persistent
        assert client.token_store.warning is not None
        assert "sign in again next time" in client.token_store.warning
        server.expire_tokens()
        assert client.me().full_name == "Erin Employee"  # renewal works from memory
    finally:
        client.close()


def test_inactive_account_is_rejected_with_the_server_words(
    make_api: MakeApi, server: BackendHandle
) -> None:
    assert server.state is not None  # the in-thread server: its DB is reachable
    with server.state.db.transaction() as conn:
        conn.execute("UPDATE users SET status = 'suspended' WHERE email = ?", (EMP1[0],))
    client = make_api()
    with pytest.raises(errors.Rejected) as info:
        client.login(*EMP1)
    assert info.value.status == 403
    assert info.value.user_message == "Account is suspended. Please contact your administrator."
    assert not client.signed_in
