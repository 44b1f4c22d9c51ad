"""The tray's settings port shows app.config's values and defaults, and saves through it."""

from __future__ import annotations

from pathlib import Path

import pytest

from app import config
from app.ui.settings_port import SettingsPort, in_memory


def test_defaults_are_app_configs_own() -> None:
    port = SettingsPort()
    for name in config.SETTING_NAMES:
        assert port.get(name) == getattr(config.Settings(), name)


def test_changes_are_saved_to_the_user_file_and_read_back(tmp_path: Path) -> None:
    loaded = config.load_settings(config_dir=tmp_path, env={})
    port = SettingsPort.from_disk(loaded, tmp_path)
    assert port.apply({"poll_interval_seconds": 30, "notifications": False}) == []
    assert (port.get("poll_interval_seconds"), port.get("notifications")) == (30, False)
    again = config.load_settings(config_dir=tmp_path, env={})
    assert (again.values.poll_interval_seconds, again.values.notifications) == (30, False)


def test_an_invalid_value_is_refused_with_nothing_saved(tmp_path: Path) -> None:
    port = SettingsPort.from_disk(config.load_settings(config_dir=tmp_path, env={}), tmp_path)
    with pytest.raises(config.SettingsError):
        port.apply({"poll_interval_seconds": 1, "notifications": False})
    assert port.get("notifications") is True
    assert config.load_settings(config_dir=tmp_path, env={}).values.notifications is True


def test_locked_keys_are_never_written() -> None:
    saved: list[dict[str, object]] = []
    port = SettingsPort(in_memory(locked=frozenset({"server_url"})), save=saved.append)
    refused = port.apply({"server_url": "https://elsewhere.example", "autostart": False})
    assert refused == ["server_url"]
    assert saved == [{"autostart": False}]
    assert port.get("server_url") is None
    assert port.get("autostart") is False
