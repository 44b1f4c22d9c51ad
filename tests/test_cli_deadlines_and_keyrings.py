"""The CLI against a server that never answers, a bad address, and a host with no keyring
(issue 14 items 16 and 18, issue 15 item 1), run as a person runs it: one process per command.

The bound on a hung server is the test's own timeout (pytest-timeout), never a timed
assertion: a loaded machine must not make these fail, a command that waits out the server
must.
"""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from tests.backend import BackendHandle
from tests.test_cli import EMAIL, PASSWORD, cli, env_for

NO_KEYRING = "keyring.backends.fail.Keyring"


@pytest.fixture
def env(tmp_path: Path, server: BackendHandle) -> dict[str, str]:
    signed_in = env_for(tmp_path, server)
    login = cli(signed_in, "login", "--email", EMAIL, "--password-stdin", stdin=PASSWORD + "\n")
    assert login.returncode == 0, login.stderr
    assert cli(signed_in, "checkin").returncode == 0
    return signed_in


# ---- a server that accepts connections and never answers --------------------------------
@pytest.mark.timeout(60)
def test_status_answers_from_the_store_when_the_server_hangs(
    env: dict[str, str], server: BackendHandle
) -> None:
    server.set_faults(blackhole=True)
    done = cli(env, "--json", "status")
    assert done.returncode == 0, done.stderr
    obj = json.loads(done.stdout)
    assert obj["signed_in"] is True and obj["online"] is False
    assert obj["attendance"]["checked_in"] is True  # what the store knew
    assert "saved on this computer" in obj["note"]
    # The timed-out renewal was not tried again in the same command.
    assert server.stats()["refreshes"] <= 1


@pytest.mark.timeout(90)
def test_a_manual_entry_is_queued_and_sent_once_the_server_answers(
    env: dict[str, str], server: BackendHandle
) -> None:
    server.set_faults(blackhole=True)
    done = cli(env, "log", "Review", "--from", "2026-01-05T09:00", "--to", "2026-01-05T10:00")
    assert done.returncode == 0, done.stderr
    assert "Saved on this computer" in done.stdout
    queued = json.loads(cli(env, "--json", "queue").stdout)
    assert [item["kind"] for item in queued] == ["manual"]
    server.set_faults(blackhole=False)
    synced = cli(env, "sync")
    assert synced.returncode == 0, synced.stderr
    assert json.loads(cli(env, "--json", "queue").stdout) == []


@pytest.mark.timeout(120)
@pytest.mark.parametrize("command", [["tasks"], ["sync"], ["start", "Implement"], ["logs"]])
def test_every_command_gives_up_on_a_hung_server(
    env: dict[str, str], server: BackendHandle, command: list[str]
) -> None:
    server.set_faults(blackhole=True)
    done = cli(env, *command)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr


# ---- server addresses -------------------------------------------------------------------
def test_an_address_without_a_scheme_is_named_as_such(
    tmp_path: Path, server: BackendHandle
) -> None:
    env = env_for(tmp_path, server)
    done = cli(env, "--server", "notaurl", "status")
    assert done.returncode == 2
    assert "https://notaurl" in done.stderr and "network" not in done.stderr
    login = cli(
        env, "login", "--server", "notaurl", "--email", EMAIL, "--password-stdin", stdin="x\n"
    )
    assert login.returncode == 2 and "scheme" in login.stderr


def test_https_to_a_plain_http_server_says_tls_failed(
    tmp_path: Path, server: BackendHandle
) -> None:
    env = env_for(tmp_path, server)
    https = server.url.replace("http://", "https://")
    done = cli(
        env, "login", "--server", https, "--email", EMAIL, "--password-stdin", stdin=PASSWORD
    )
    assert done.returncode != 0
    assert "TLS" in done.stderr and "http://" in done.stderr
    assert "network connection" not in done.stderr


def test_an_unknown_host_name_is_named(tmp_path: Path, server: BackendHandle) -> None:
    env = env_for(tmp_path, server)
    done = cli(
        env,
        "login",
        "--server",
        "https://no-such-host.invalid",
        "--email",
        EMAIL,
        "--password-stdin",
        stdin=PASSWORD,
    )
    assert done.returncode != 0
    assert "not known" in done.stderr or "network" in done.stderr  # offline resolvers differ


# ---- hosts without a keyring ------------------------------------------------------------
def _no_keyring(tmp_path: Path, server: BackendHandle) -> dict[str, str]:
    env = env_for(tmp_path, server)
    env["PYTHON_KEYRING_BACKEND"] = NO_KEYRING
    return env


def test_without_a_keyring_login_says_the_next_command_needs_a_sign_in(
    tmp_path: Path, server: BackendHandle
) -> None:
    env = _no_keyring(tmp_path, server)
    done = cli(env, "login", "--email", EMAIL, "--password-stdin", stdin=PASSWORD)
    assert done.returncode == 0, done.stderr
    assert done.stderr.count("\n") == 1 and "--insecure-storage" in done.stderr
    assert "next command" in done.stderr
    assert cli(env, "status").returncode == 3  # as promised


def test_insecure_storage_keeps_the_sign_in_in_a_private_file_until_logout(
    tmp_path: Path, server: BackendHandle
) -> None:
    env = _no_keyring(tmp_path, server)
    token_file = tmp_path / "data" / "sign-in-token.json"
    done = cli(
        env,
        "login",
        "--insecure-storage",
        "--email",
        EMAIL,
        "--password-stdin",
        stdin=PASSWORD,
    )
    assert done.returncode == 0, done.stderr
    assert str(token_file) in done.stdout
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
    assert cli(env, "checkin").returncode == 0  # the next command is signed in
    status = json.loads(cli(env, "--json", "status").stdout)
    assert status["signed_in"] is True and status["attendance"]["checked_in"] is True
    assert cli(env, "logout").returncode == 0
    assert not token_file.exists()
    assert cli(env, "status").returncode == 3


def test_policy_can_forbid_the_sign_in_file(tmp_path: Path, server: BackendHandle) -> None:
    env = _no_keyring(tmp_path, server)
    policy = tmp_path / "policy.toml"
    policy.write_text("allow_token_file = false\n")
    env["TIMETRAY_TEST_POLICY_FILE"] = str(policy)  # read by tests.app_launcher only
    done = cli(
        env,
        "login",
        "--insecure-storage",
        "--email",
        EMAIL,
        "--password-stdin",
        stdin=PASSWORD,
    )
    assert done.returncode == 2
    assert "policy" in done.stderr
    assert not (tmp_path / "data" / "sign-in-token.json").exists()
