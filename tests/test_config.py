"""Layered settings as a user and an IT admin see them: who wins, what is locked, what is said."""

from __future__ import annotations

import os
import stat
import sys
import tomllib
from pathlib import Path

import pytest

from app.config import (
    SETTING_NAMES,
    Settings,
    SettingsError,
    load_settings,
    save_user_settings,
)
from app.policy import StaticPolicyReader, TomlPolicyReader

NO_POLICY = StaticPolicyReader()


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_when_nothing_is_configured(tmp_path: Path) -> None:
    loaded = load_settings(config_dir=tmp_path, env={}, policy=NO_POLICY)
    assert loaded.values == Settings()
    assert loaded.locked == frozenset()
    assert loaded.problems == ()
    assert set(loaded.sources) == SETTING_NAMES
    assert set(loaded.sources.values()) == {"default"}
    assert loaded.user_file == tmp_path / "settings.toml"


def test_each_layer_overrides_the_one_below(tmp_path: Path) -> None:
    policy = StaticPolicyReader(
        {
            "server_url": "https://policy.example.com",
            "poll_interval_seconds": 60,
            "autostart": False,
        }
    )
    _write(
        tmp_path / "settings.toml",
        'server_url = "https://user.example.com/"\n'
        "poll_interval_seconds = 30\nnotifications = false\n",
    )
    env = {"TIMETRAY_POLL_INTERVAL": "20", "TIMETRAY_SERVER": "https://env.example.com"}
    cli = {"server_url": "https://cli.example.com", "poll_interval_seconds": None}
    loaded = load_settings(config_dir=tmp_path, env=env, cli=cli, policy=policy)
    v = loaded.values
    assert v.server_url == "https://cli.example.com"
    assert v.poll_interval_seconds == 20
    assert v.notifications is False
    assert v.autostart is False  # an unlocked policy value is a default the user did not change
    assert loaded.sources["server_url"] == "cli"
    assert loaded.sources["poll_interval_seconds"] == "env"
    assert loaded.sources["notifications"] == "user"
    assert loaded.sources["autostart"] == "policy"
    assert loaded.sources["retention_days"] == "default"
    assert loaded.problems == ()


def test_locked_policy_key_beats_user_env_and_cli(tmp_path: Path) -> None:
    policy = StaticPolicyReader(
        {"server_url": "https://hr.corp.example.com", "poll_interval_seconds": 60},
        locked=["server_url"],
        source="/etc/timetray/policy.toml",
    )
    _write(tmp_path / "settings.toml", 'server_url = "https://evil.example.com"\n')
    env = {"TIMETRAY_SERVER": "https://env.example.com", "TIMETRAY_POLL_INTERVAL": "10"}
    loaded = load_settings(
        config_dir=tmp_path, env=env, cli={"server_url": "https://cli.example.com"}, policy=policy
    )
    assert loaded.values.server_url == "https://hr.corp.example.com"
    assert loaded.sources["server_url"] == "policy"
    assert loaded.locked == {"server_url"}
    assert loaded.is_locked("server_url") and not loaded.is_locked("poll_interval_seconds")
    # Not locked: the environment may still change the poll interval.
    assert loaded.values.poll_interval_seconds == 10
    # The explicit attempts are explained; the stale user-file value is not nagged about.
    assert any(
        p.startswith("environment: server_url: locked") and "/etc/timetray/policy.toml" in p
        for p in loaded.problems
    )
    assert any(p.startswith("command line: server_url: locked") for p in loaded.problems)
    assert not any("settings.toml" in p for p in loaded.problems)


def test_locked_key_without_policy_value_is_pinned_at_its_default(tmp_path: Path) -> None:
    policy = StaticPolicyReader({}, locked=["notifications"])
    _write(tmp_path / "settings.toml", "notifications = false\n")
    loaded = load_settings(config_dir=tmp_path, env={}, policy=policy)
    assert loaded.values.notifications is True
    assert loaded.is_locked("notifications")


def test_bad_user_values_are_reported_and_fall_back(tmp_path: Path) -> None:
    user = _write(
        tmp_path / "settings.toml",
        'poll_interval_seconds = "fast"\nretention_days = 0\nauto_resume = "maybe"\n'
        'server_url = "ftp://x"\ncolour = "blue"\nnotes_max_length = 200\n',
    )
    policy = StaticPolicyReader({"poll_interval_seconds": 45})
    loaded = load_settings(config_dir=tmp_path, env={}, policy=policy)
    v = loaded.values
    assert v.poll_interval_seconds == 45  # falls back to the next layer down: policy
    assert loaded.sources["poll_interval_seconds"] == "policy"
    assert v.retention_days == 7 and v.auto_resume is True and v.server_url is None
    assert v.notes_max_length == 200  # good keys in the same file still apply
    problems = "\n".join(loaded.problems)
    assert f"{user}: poll_interval_seconds: expected an integer 5..3600, got 'fast'" in problems
    assert f"{user}: retention_days: expected an integer 1..365, got 0" in problems
    assert f"{user}: auto_resume: expected true or false" in problems
    assert f"{user}: server_url: expected an http(s) URL" in problems
    assert f"{user}: colour: not a Timetray setting" in problems
    assert len(loaded.problems) == 5


def test_a_user_file_that_is_not_toml_is_one_problem_and_ignored(tmp_path: Path) -> None:
    user = _write(tmp_path / "settings.toml", "poll_interval_seconds = 30\nthis is [not toml\n")
    loaded = load_settings(config_dir=tmp_path, env={}, policy=NO_POLICY)
    assert loaded.values == Settings()
    assert len(loaded.problems) == 1
    assert str(user) in loaded.problems[0]
    assert "line 2" in loaded.problems[0]


@pytest.mark.skipif(sys.platform == "win32" or os.geteuid() == 0, reason="root reads anything")
def test_an_unreadable_user_file_is_reported(tmp_path: Path) -> None:
    user = _write(tmp_path / "settings.toml", "poll_interval_seconds = 30\n")
    user.chmod(0)
    try:
        loaded = load_settings(config_dir=tmp_path, env={}, policy=NO_POLICY)
    finally:
        user.chmod(stat.S_IRUSR | stat.S_IWUSR)
    assert loaded.values.poll_interval_seconds == 15
    assert "cannot be read" in loaded.problems[0]


def test_bad_environment_values_name_the_variable(tmp_path: Path) -> None:
    env = {"TIMETRAY_POLL_INTERVAL": "soon", "TIMETRAY_SERVER": "not a url"}
    loaded = load_settings(config_dir=tmp_path, env=env, policy=NO_POLICY)
    assert loaded.values.poll_interval_seconds == 15
    assert loaded.values.server_url is None
    assert any(p.startswith("environment: TIMETRAY_POLL_INTERVAL:") for p in loaded.problems)
    assert any(p.startswith("environment: TIMETRAY_SERVER:") for p in loaded.problems)


def test_ca_bundle_must_exist(tmp_path: Path) -> None:
    pem = _write(tmp_path / "corp.pem", "-----BEGIN CERTIFICATE-----\n")
    good = load_settings(
        config_dir=tmp_path, env={"TIMETRAY_CA_BUNDLE": str(pem)}, policy=NO_POLICY
    )
    assert good.values.ca_bundle == str(pem)
    bad = load_settings(
        config_dir=tmp_path,
        env={"TIMETRAY_CA_BUNDLE": str(tmp_path / "gone.pem")},
        policy=NO_POLICY,
    )
    assert bad.values.ca_bundle is None
    assert "gone.pem" in bad.problems[0] and "does not exist" in bad.problems[0]


def test_cli_accepts_text_and_typed_values(tmp_path: Path) -> None:
    loaded = load_settings(
        config_dir=tmp_path,
        env={},
        cli={"poll_interval_seconds": "90", "auto_resume": "off", "long_timer_hours": 2},
        policy=NO_POLICY,
    )
    assert loaded.values.poll_interval_seconds == 90
    assert loaded.values.auto_resume is False
    assert loaded.values.long_timer_hours == 2.0


def test_policy_file_problems_reach_the_user_and_the_app_still_starts(tmp_path: Path) -> None:
    policy_file = _write(
        tmp_path / "policy.toml",
        'server_url = "https://hr.example.com"\npoll_interval_seconds = "fast"\n',
    )
    loaded = load_settings(
        config_dir=tmp_path / "cfg", env={}, policy=TomlPolicyReader(policy_file)
    )
    assert loaded.values.server_url == "https://hr.example.com"
    assert loaded.values.poll_interval_seconds == 15
    assert loaded.problems == (
        f"{policy_file}: poll_interval_seconds: expected an integer 5..3600, got 'fast'",
    )


def test_save_writes_toml_and_returns_the_settings_in_force(tmp_path: Path) -> None:
    loaded = save_user_settings(
        {"poll_interval_seconds": 120, "last_email": "emp1@example.com", "notifications": False},
        config_dir=tmp_path,
        policy=NO_POLICY,
        env={},
    )
    assert loaded.values.poll_interval_seconds == 120
    assert loaded.sources["last_email"] == "user"
    with (tmp_path / "settings.toml").open("rb") as handle:
        on_disk = tomllib.load(handle)
    assert on_disk == {
        "poll_interval_seconds": 120,
        "last_email": "emp1@example.com",
        "notifications": False,
    }
    # A second save keeps earlier keys, and None removes one.
    again = save_user_settings(
        {"notifications": None, "retention_days": 30},
        config_dir=tmp_path,
        policy=NO_POLICY,
        env={},
    )
    assert again.values.notifications is True
    assert again.values.retention_days == 30
    assert again.values.poll_interval_seconds == 120
    assert again.sources["notifications"] == "default"
    assert [p.name for p in tmp_path.iterdir()] == ["settings.toml"]  # no temp file left behind


def test_save_refuses_locked_unknown_and_invalid_keys_and_writes_nothing(tmp_path: Path) -> None:
    policy = StaticPolicyReader({"server_url": "https://hr.example.com"}, locked=["server_url"])
    with pytest.raises(SettingsError, match="server_url: locked"):
        save_user_settings(
            {"notifications": False, "server_url": "https://x.example.com"},
            config_dir=tmp_path,
            policy=policy,
        )
    with pytest.raises(SettingsError, match="colour: not a Timetray setting"):
        save_user_settings({"colour": "red"}, config_dir=tmp_path, policy=policy)
    with pytest.raises(
        SettingsError, match=r"poll_interval_seconds: expected an integer 5\.\.3600"
    ):
        save_user_settings({"poll_interval_seconds": 1}, config_dir=tmp_path, policy=policy)
    assert not (tmp_path / "settings.toml").exists()


def test_save_keeps_keys_from_a_newer_version(tmp_path: Path) -> None:
    _write(tmp_path / "settings.toml", 'future_option = "x"\nretention_days = 9\n')
    loaded = save_user_settings({"retention_days": 10}, config_dir=tmp_path, policy=NO_POLICY)
    with (tmp_path / "settings.toml").open("rb") as handle:
        assert tomllib.load(handle) == {"future_option": "x", "retention_days": 10}
    assert loaded.values.retention_days == 10


def test_save_over_a_broken_file_keeps_a_copy(tmp_path: Path) -> None:
    _write(tmp_path / "settings.toml", "= broken\n")
    loaded = save_user_settings({"retention_days": 3}, config_dir=tmp_path, policy=NO_POLICY)
    assert loaded.values.retention_days == 3
    assert loaded.problems == ()
    assert (tmp_path / "settings.toml.broken").read_text() == "= broken\n"


def test_save_failure_leaves_the_old_file_intact(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _write(tmp_path / "settings.toml", "retention_days = 9\n")

    def boom(src: str, dst: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError):
        save_user_settings({"retention_days": 10}, config_dir=tmp_path, policy=NO_POLICY)
    monkeypatch.undo()
    assert (tmp_path / "settings.toml").read_text() == "retention_days = 9\n"
    assert [p.name for p in tmp_path.iterdir()] == ["settings.toml"]


def test_default_config_dir_follows_the_data_dir_override(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TIMETRAY_DATA_DIR", str(tmp_path))
    save_user_settings({"idle_reminder_minutes": 20})
    loaded = load_settings(env={})
    assert loaded.user_file == tmp_path / "settings.toml"
    assert loaded.values.idle_reminder_minutes == 20
