"""The CLI refuses to send a password or token in clear: one line saying why, exit 2."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.cli import EXIT_USAGE, refused_server
from app.config import load_settings
from app.policy import StaticPolicyReader

ROOT = Path(__file__).resolve().parents[1]


def _run(
    tmp_path: Path, *args: str, server_env: str | None = None
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "TIMETRAY_SERVER"}
    env.update(
        PYTHON_KEYRING_BACKEND="tests.core.filekeyring.FileKeyring",
        TIMETRAY_TEST_KEYRING=str(tmp_path / "keyring.json"),
        TIMETRAY_DATA_DIR=str(tmp_path / "data"),
        TIMETRAY_POLICY_FILE=str(tmp_path / "no-policy.toml"),
    )
    if server_env is not None:
        env["TIMETRAY_SERVER"] = server_env
    return subprocess.run(
        [sys.executable, "-m", "app", *args],
        capture_output=True,
        text=True,
        env=env,
        input="Employee1234!\n",
        timeout=120,
        cwd=ROOT,
    )


@pytest.mark.parametrize(
    ("args", "server_env", "named"),
    [
        (("--server", "http://hr.example.com", "status"), None, "--server http://hr.example.com"),
        (("status",), "http://10.0.0.5:8000", "TIMETRAY_SERVER http://10.0.0.5:8000"),
        (
            (
                "login",
                "--email",
                "emp1@example.com",
                "--password-stdin",
                "--server",
                "http://hr.example.com",
            ),
            None,
            "--server http://hr.example.com",
        ),
    ],
)
def test_plain_http_server_is_refused_in_one_line(
    tmp_path: Path, args: tuple[str, ...], server_env: str | None, named: str
) -> None:
    done = _run(tmp_path, *args, server_env=server_env)
    assert done.returncode == EXIT_USAGE
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith(f"timetray: {named}: plain http:// would send your password")
    assert done.stdout == ""
    assert not (tmp_path / "keyring.json").exists()  # nothing was signed in or stored


def test_loopback_and_policy_allowance_are_not_refused(tmp_path: Path) -> None:
    none = load_settings(config_dir=tmp_path, env={}, policy=StaticPolicyReader())
    assert refused_server("http://127.0.0.1:8000", {}, none) is None
    assert refused_server("https://hr.example.com", {}, none) is None
    assert refused_server(None, {"TIMETRAY_SERVER": "http://hr.example.com"}, none)
    allowed = load_settings(
        config_dir=tmp_path, env={}, policy=StaticPolicyReader({"allow_insecure_http": True})
    )
    assert refused_server("http://hr.example.com", {}, allowed) is None
    locked = load_settings(
        config_dir=tmp_path,
        env={},
        policy=StaticPolicyReader({"server_url": "https://hr.example.com"}, locked=["server_url"]),
    )
    # A locked server ignores the flag anyway (the settings layer says so); nothing is sent.
    assert refused_server("http://hr.example.com", {}, locked) is None


def test_login_refuses_a_remembered_plain_http_server_before_asking_for_a_password() -> None:
    """A server remembered from an earlier sign-in (an older version allowed http) too."""
    from types import SimpleNamespace

    from app import cli

    asked: list[str] = []
    core = SimpleNamespace(
        server_url=lambda: "http://hr.example.com",
        login=lambda *a: asked.append("login"),
    )
    options = SimpleNamespace(
        server=None,
        email="emp1@example.com",
        password_stdin=False,
        settings=SimpleNamespace(allow_insecure_http=False),
    )
    with pytest.raises(cli.UsageError, match=r"http://hr\.example\.com: plain http://"):
        cli.HANDLERS["login"](core, options, cli.Out(False))
    assert asked == []
