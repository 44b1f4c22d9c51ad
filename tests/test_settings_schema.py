"""One settings table, and everything that describes settings agrees with it."""

from __future__ import annotations

import tomllib
from dataclasses import fields
from pathlib import Path

import pytest

from app import settings_docs
from app.config import Settings, SettingsError, load_settings, save_user_settings
from app.policy import POLICY_KEYS, StaticPolicyReader, TomlPolicyReader
from app.settings_schema import OPTIONS, RESTART_KEYS, needs_restart, validate_setting

ROOT = Path(__file__).resolve().parent.parent
NO_POLICY = StaticPolicyReader()
HINT = "run `python -m app.settings_docs --write` and commit the result"


def test_readme_settings_table_matches_the_schema() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    found = settings_docs.embedded(text, settings_docs.README_BEGIN, settings_docs.README_END)
    assert found == settings_docs.readme_table(), HINT


def test_deployment_policy_table_matches_the_schema() -> None:
    text = (ROOT / "docs/deployment.md").read_text(encoding="utf-8")
    found = settings_docs.embedded(text, settings_docs.POLICY_BEGIN, settings_docs.POLICY_END)
    assert found == settings_docs.policy_table(), HINT


def test_shipped_policy_toml_matches_the_schema() -> None:
    shipped = (ROOT / "packaging/linux/policy.toml").read_text(encoding="utf-8")
    assert shipped == settings_docs.policy_toml(), HINT
    assert tomllib.loads(shipped) == {}  # all commented out: installing it sets nothing


def test_drift_is_caught(tmp_path: Path) -> None:
    """The comparison above fails on an edited table (the check can fail)."""
    text = (ROOT / "README.md").read_text(encoding="utf-8").replace("| 5000 |", "| 4000 |")
    found = settings_docs.embedded(text, settings_docs.README_BEGIN, settings_docs.README_END)
    assert found != settings_docs.readme_table()


def test_every_key_in_the_docs_is_a_real_setting_or_policy_key() -> None:
    table = settings_docs.readme_table()
    for name, option in OPTIONS.items():
        assert (f"| `{name}` |" in table) == option.listed
    policy_text = settings_docs.policy_toml()
    for key in POLICY_KEYS:
        assert f"# {key} = " in policy_text


def test_defaults_are_valid_and_the_dataclass_follows_the_table() -> None:
    assert [f.name for f in fields(Settings)] == list(OPTIONS)
    for name, option in OPTIONS.items():
        assert getattr(Settings(), name) == option.default
        assert validate_setting(name, option.default) == option.default


def test_restart_hints_come_from_the_schema() -> None:
    assert {"server_url", "poll_interval_seconds", "ca_bundle"} <= RESTART_KEYS
    assert needs_restart(["notifications", "long_timer_hours"])
    assert not needs_restart(["notifications", "autostart", "last_email"])


@pytest.mark.parametrize("layer", ["file", "cli"])
def test_a_policy_only_key_cannot_be_set_by_the_user(tmp_path: Path, layer: str) -> None:
    user_file = tmp_path / "settings.toml"
    if layer == "file":
        user_file.write_text("allow_insecure_http = true\n")
    loaded = load_settings(
        config_dir=tmp_path,
        env={},
        cli={"allow_insecure_http": True} if layer == "cli" else None,
        policy=StaticPolicyReader(),
    )
    assert loaded.values.allow_insecure_http is False
    where = str(user_file) if layer == "file" else "command line"
    assert loaded.problems == (
        f"{where}: allow_insecure_http: only your organisation's machine policy may set this; "
        "ignored",
    )


def test_policy_sets_the_policy_only_key(tmp_path: Path) -> None:
    policy = tmp_path / "policy.toml"
    policy.write_text("allow_insecure_http = true\n")
    loaded = load_settings(config_dir=tmp_path, env={}, policy=TomlPolicyReader(policy))
    assert loaded.values.allow_insecure_http is True
    assert loaded.sources["allow_insecure_http"] == "policy"


# --- plain http (issue 16) ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:8000", "http://127.3.2.1", "http://[::1]:9", "http://localhost:8000"],
)
def test_plain_http_to_this_computer_is_accepted(tmp_path: Path, url: str) -> None:
    loaded = load_settings(config_dir=tmp_path, env={"TIMETRAY_SERVER": url}, policy=NO_POLICY)
    assert loaded.values.server_url == url
    assert loaded.problems == ()


def test_plain_http_elsewhere_is_refused_in_every_user_layer(tmp_path: Path) -> None:
    user = tmp_path / "settings.toml"
    user.write_text('server_url = "http://hr.example.com"\n')
    loaded = load_settings(
        config_dir=tmp_path,
        env={"TIMETRAY_SERVER": "http://10.0.0.5"},
        cli={"server_url": "http://localhost.example.com"},
        policy=StaticPolicyReader({"server_url": "https://hr.example.com"}),
    )
    assert loaded.values.server_url == "https://hr.example.com"  # the next layer down
    assert loaded.sources["server_url"] == "policy"
    starts = [p.split(" would ")[0] for p in loaded.problems]
    assert starts == [
        f"{user}: server_url: plain http://",
        "environment: TIMETRAY_SERVER: plain http://",
        "command line: server_url: plain http://",
    ]
    assert all("unencrypted" in p for p in loaded.problems)


def test_saving_plain_http_is_refused_and_nothing_written(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="server_url: plain http:// would send your password"):
        save_user_settings(
            {"server_url": "http://hr.example.com"}, config_dir=tmp_path, policy=NO_POLICY
        )
    assert not (tmp_path / "settings.toml").exists()
    with pytest.raises(SettingsError, match="allow_insecure_http: only your organisation"):
        save_user_settings({"allow_insecure_http": True}, config_dir=tmp_path, policy=NO_POLICY)


def test_policy_with_plain_http_needs_its_own_allowance(tmp_path: Path) -> None:
    policy = tmp_path / "policy.toml"
    policy.write_text('ServerUrl = "http://hr.example.com"\nlocked_keys = ["server_url"]\n')
    refused = load_settings(config_dir=tmp_path, env={}, policy=TomlPolicyReader(policy))
    assert refused.values.server_url is None  # locked, so it stays at the default: fail closed
    assert refused.is_locked("server_url")
    assert refused.problems[0].startswith(f"{policy}: ServerUrl: plain http://")

    policy.write_text(
        'server_url = "http://hr.example.com"\nallow_insecure_http = true\n'
        'locked_keys = ["server_url"]\n'
    )
    allowed = load_settings(config_dir=tmp_path, env={}, policy=TomlPolicyReader(policy))
    assert allowed.values.server_url == "http://hr.example.com"
    assert allowed.problems == ()


def test_policy_allowance_lets_the_user_choose_an_http_server(tmp_path: Path) -> None:
    policy = StaticPolicyReader({"allow_insecure_http": True})
    loaded = save_user_settings(
        {"server_url": "http://hr.example.com"}, config_dir=tmp_path, policy=policy, env={}
    )
    assert loaded.values.server_url == "http://hr.example.com"


def test_every_platforms_reader_knows_the_allowance(tmp_path: Path) -> None:
    """The new key is read the native way on Windows and macOS too, from the same table."""
    import plistlib

    from app.policy import ManagedPrefsReader, RegistryPolicyReader
    from tests.test_policy import POLICY_SUBKEY, FakeWinreg

    reg = FakeWinreg(
        {
            (FakeWinreg.HKEY_LOCAL_MACHINE, POLICY_SUBKEY): {
                "ServerUrl": ("http://hr.example.com", FakeWinreg.REG_SZ),
                "AllowInsecureHttp": (1, FakeWinreg.REG_DWORD),
            }
        }
    )
    expected = {"server_url": "http://hr.example.com", "allow_insecure_http": True}
    assert RegistryPolicyReader(reg).read() == (expected, set(), [])
    path = tmp_path / "com.timetray.Timetray.plist"
    path.write_bytes(
        plistlib.dumps({"ServerUrl": "http://hr.example.com", "AllowInsecureHttp": True})
    )
    assert ManagedPrefsReader(path).read() == (expected, set(), [])
    wrong_type = FakeWinreg(
        {
            (FakeWinreg.HKEY_LOCAL_MACHINE, POLICY_SUBKEY): {
                "AllowInsecureHttp": ("yes", FakeWinreg.REG_SZ),
            }
        }
    )
    assert RegistryPolicyReader(wrong_type).read().problems == [
        r"HKLM\SOFTWARE\Policies\Timetray: AllowInsecureHttp: expected a REG_DWORD number, "
        "got REG_SZ"
    ]
