"""Machine policy as IT writes it on each OS: good, locked and broken inputs, every reader.

The Windows reader runs against a fake ``winreg`` holding what an MSI or Group Policy would
write; the macOS reader against plists in a temporary folder.
"""

from __future__ import annotations

import plistlib
from dataclasses import fields
from pathlib import Path
from typing import Any

import pytest

from app.config import Settings, autostart_allowed, load_settings
from app.policy import (
    POLICY_KEYS,
    ManagedPrefsReader,
    RegistryPolicyReader,
    StaticPolicyReader,
    TomlPolicyReader,
    default_policy_reader,
)
from app.policy.windows import SOURCE as REG_SOURCE

GOOD_TOML = """\
# /etc/timetray/policy.toml
server_url = "https://hr.example.com/"
poll_interval_seconds = 30
autostart = false
auto_resume = true
locked_keys = ["server_url", "autostart"]
"""


def _toml(tmp_path: Path, text: str) -> TomlPolicyReader:
    path = tmp_path / "policy.toml"
    path.write_text(text, encoding="utf-8")
    return TomlPolicyReader(path)


# --- Linux ------------------------------------------------------------------------------------


def test_documented_keys_are_setting_names() -> None:
    names = {f.name for f in fields(Settings)}
    assert set(POLICY_KEYS) - {"locked_keys"} <= names
    assert list(POLICY_KEYS) == [
        "server_url",
        "poll_interval_seconds",
        "auto_resume",
        "autostart",
        "ca_bundle",
        "weekly_target_hours",
        "away_minutes",
        "away_action",
        "allow_insecure_http",
        "allow_token_file",
        "mcp_access",
        "locked_keys",
    ]


def test_linux_good_and_locked_file(tmp_path: Path) -> None:
    values, locked, problems = _toml(tmp_path, GOOD_TOML).read()
    assert values == {
        "server_url": "https://hr.example.com",
        "poll_interval_seconds": 30,
        "autostart": False,
        "auto_resume": True,
    }
    assert locked == {"server_url", "autostart"}
    assert problems == []


def test_linux_missing_file_is_no_policy(tmp_path: Path) -> None:
    assert TomlPolicyReader(tmp_path / "absent.toml").read() == ({}, set(), [])


def test_linux_bad_values_name_file_and_key_and_keep_the_rest(tmp_path: Path) -> None:
    reader = _toml(
        tmp_path,
        'server_url = "https://hr.example.com"\npoll_interval_seconds = "fast"\n'
        'autostart = "sometimes"\nlocked_keys = ["server_url", "wallpaper"]\nfoo = 1\n',
    )
    values, locked, problems = reader.read()
    path = tmp_path / "policy.toml"
    assert values == {"server_url": "https://hr.example.com"}
    assert locked == {"server_url"}
    assert f"{path}: poll_interval_seconds: expected an integer 5..3600, got 'fast'" in problems
    assert any(p.startswith(f"{path}: autostart: expected true or false") for p in problems)
    assert any(p.startswith(f"{path}: locked_keys: 'wallpaper'") for p in problems)
    assert any(p.startswith(f"{path}: foo: not a policy key") for p in problems)
    assert len(problems) == 4


def test_linux_broken_toml_is_one_problem_with_the_line(tmp_path: Path) -> None:
    reader = _toml(tmp_path, 'server_url = "https://hr.example.com"\nlocked keys = []\nx = 1\n')
    values, locked, problems = reader.read()
    assert (values, locked) == ({}, set())
    assert len(problems) == 1
    assert problems[0].startswith(f"{tmp_path / 'policy.toml'}: locked keys: not valid TOML")
    assert "line 2" in problems[0]


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ('server_url = "https://hr.example.com\n', "server_url"),  # unclosed string
        ("autostart = true\npoll_interval_seconds = 1O\n", "poll_interval_seconds"),
        ('autostart = true\nlocked_keys = ["server_url",\n  "autostart=x",\n', "locked_keys"),
        ("autostart = true\nautostart = false\n", "autostart"),  # set twice
    ],
)
def test_linux_broken_toml_names_the_key_being_written(tmp_path: Path, text: str, key: str) -> None:
    problems = _toml(tmp_path, text).read().problems
    assert len(problems) == 1
    assert problems[0].startswith(f"{tmp_path / 'policy.toml'}: {key}: not valid TOML")


def test_linux_broken_table_header_names_only_the_file(tmp_path: Path) -> None:
    problems = _toml(tmp_path, "autostart = true\n[timetray\n").read().problems
    assert problems[0].startswith(f"{tmp_path / 'policy.toml'}: not valid TOML")
    assert "line 2" in problems[0]


def test_linux_locked_key_with_a_bad_value_stays_locked_at_default(tmp_path: Path) -> None:
    # Fail closed: a typo in the URL must not let users point the app at any server.
    reader = _toml(tmp_path, 'server_url = "hr.example.com"\nlocked_keys = ["server_url"]\n')
    cfg = tmp_path / "cfg"
    (cfg).mkdir()
    (cfg / "settings.toml").write_text('server_url = "https://other.example.com"\n')
    loaded = load_settings(config_dir=cfg, env={}, policy=reader)
    assert loaded.values.server_url is None
    assert loaded.is_locked("server_url")
    assert any("server_url: expected an http(s) URL" in p for p in loaded.problems)


def test_linux_locked_keys_accept_either_naming_style(tmp_path: Path) -> None:
    reader = _toml(tmp_path, 'locked_keys = ["PollIntervalSeconds", "auto-resume"]\n')
    assert reader.read().locked == {"poll_interval_seconds", "auto_resume"}


def test_linux_ca_bundle_path_is_checked(tmp_path: Path) -> None:
    pem = tmp_path / "corp-ca.pem"
    pem.write_text("-----BEGIN CERTIFICATE-----\n")
    ok = _toml(tmp_path, f'ca_bundle = "{pem}"\n').read()
    assert ok.values == {"ca_bundle": str(pem)}
    missing = _toml(tmp_path, f'ca_bundle = "{tmp_path / "nope.pem"}"\n').read()
    assert missing.values == {}
    assert "ca_bundle" in missing.problems[0] and "nope.pem" in missing.problems[0]


# --- Windows (fake registry) ------------------------------------------------------------------


class FakeWinreg:
    """Just enough of :mod:`winreg`: keys are dicts of name -> (data, type)."""

    HKEY_LOCAL_MACHINE = 0x80000002
    HKEY_CURRENT_USER = 0x80000001
    KEY_READ = 0x20019
    KEY_SET_VALUE = 0x0002
    KEY_WOW64_64KEY = 0x0100
    REG_SZ = 1
    REG_EXPAND_SZ = 2
    REG_DWORD = 4
    REG_MULTI_SZ = 7
    REG_QWORD = 11

    def __init__(self, keys: dict[tuple[int, str], dict[str, tuple[Any, int]]] | None = None):
        self.keys = keys if keys is not None else {}
        self.open_handles = 0
        self.denied: set[tuple[int, str]] = set()

    def OpenKey(self, key: Any, sub_key: str, reserved: int = 0, access: int = 0) -> Any:
        if (key, sub_key) in self.denied:
            raise PermissionError(13, "Access is denied")
        for (root, name), values in self.keys.items():
            if root == key and name.lower() == sub_key.lower():  # the registry ignores case
                self.open_handles += 1
                return values
        raise FileNotFoundError(2, "The system cannot find the file specified")

    def CreateKeyEx(self, key: Any, sub_key: str, reserved: int = 0, access: int = 0) -> Any:
        self.keys.setdefault((key, sub_key), {})
        return self.OpenKey(key, sub_key)

    def EnumValue(self, key: Any, index: int) -> tuple[str, Any, int]:
        items = list(key.items())
        if index >= len(items):
            raise OSError(259, "No more data is available")
        name, (data, kind) = items[index]
        return name, data, kind

    def QueryValueEx(self, key: Any, name: str | None) -> tuple[Any, int]:
        if name not in key:
            raise FileNotFoundError(2, "The system cannot find the file specified")
        value: tuple[Any, int] = key[name]
        return value

    def SetValueEx(
        self, key: Any, value_name: str | None, reserved: Any, type: int, value: Any
    ) -> None:
        key[value_name] = (value, type)

    def DeleteValue(self, key: Any, value: str | None) -> None:
        if value not in key:
            raise FileNotFoundError(2, "The system cannot find the file specified")
        del key[value]

    def CloseKey(self, hkey: Any) -> None:
        self.open_handles -= 1


POLICY_SUBKEY = r"SOFTWARE\Policies\Timetray"


def _registry(values: dict[str, tuple[Any, int]]) -> FakeWinreg:
    return FakeWinreg({(FakeWinreg.HKEY_LOCAL_MACHINE, POLICY_SUBKEY): values})


def test_windows_values_as_the_msi_writes_them() -> None:
    reg = _registry(
        {
            "ServerUrl": ("https://hr.example.com", FakeWinreg.REG_SZ),
            "PollIntervalSeconds": (60, FakeWinreg.REG_DWORD),
            "Autostart": (1, FakeWinreg.REG_DWORD),
            "AutoResume": (0, FakeWinreg.REG_DWORD),
            "LockedKeys": (["ServerUrl", "poll_interval_seconds"], FakeWinreg.REG_MULTI_SZ),
        }
    )
    values, locked, problems = RegistryPolicyReader(reg).read()
    assert values == {
        "server_url": "https://hr.example.com",
        "poll_interval_seconds": 60,
        "autostart": True,
        "auto_resume": False,
    }
    assert locked == {"server_url", "poll_interval_seconds"}
    assert problems == []
    assert reg.open_handles == 0  # the key is closed again


def test_windows_no_policy_key_is_no_policy() -> None:
    assert RegistryPolicyReader(FakeWinreg()).read() == ({}, set(), [])


def test_windows_wrong_types_and_values_name_the_key() -> None:
    reg = _registry(
        {
            "ServerUrl": ("https://hr.example.com", FakeWinreg.REG_SZ),
            "PollIntervalSeconds": ("30", FakeWinreg.REG_SZ),
            "Autostart": (7, FakeWinreg.REG_DWORD),
            "LockedKeys": (b"\x00", 3),
            "Colour": ("blue", FakeWinreg.REG_SZ),
        }
    )
    values, locked, problems = RegistryPolicyReader(reg).read()
    assert values == {"server_url": "https://hr.example.com"}
    assert locked == set()
    assert f"{REG_SOURCE}: PollIntervalSeconds: expected a REG_DWORD number, got REG_SZ" in problems
    assert f"{REG_SOURCE}: Autostart: expected true or false, got 7" in problems
    assert any(p.startswith(f"{REG_SOURCE}: LockedKeys: expected a REG_MULTI_SZ") for p in problems)
    assert any(p.startswith(f"{REG_SOURCE}: Colour: not a policy key") for p in problems)
    assert REG_SOURCE == r"HKLM\SOFTWARE\Policies\Timetray"


def test_windows_expand_sz_ca_bundle_and_single_string_lock(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "ca.pem").write_text("pem")
    monkeypatch.setenv("TT_CERTS", str(tmp_path))
    reg = _registry(
        {
            "CaBundle": ("$TT_CERTS/ca.pem", FakeWinreg.REG_EXPAND_SZ),
            "LockedKeys": ("CaBundle, Autostart", FakeWinreg.REG_SZ),
        }
    )
    values, locked, problems = RegistryPolicyReader(reg).read()
    assert values == {"ca_bundle": str(tmp_path / "ca.pem")}
    assert locked == {"ca_bundle", "autostart"}
    assert problems == []


def test_windows_access_denied_is_a_problem_not_a_crash() -> None:
    reg = _registry({"ServerUrl": ("https://hr.example.com", FakeWinreg.REG_SZ)})
    reg.denied.add((FakeWinreg.HKEY_LOCAL_MACHINE, POLICY_SUBKEY))
    values, _locked, problems = RegistryPolicyReader(reg).read()
    assert values == {}
    assert problems == [f"{REG_SOURCE}: cannot be read (Access is denied); ignored"]


def test_windows_policy_drives_settings(tmp_path: Path) -> None:
    reg = _registry(
        {
            "ServerUrl": ("https://hr.example.com", FakeWinreg.REG_SZ),
            "PollIntervalSeconds": (120, FakeWinreg.REG_DWORD),
            "LockedKeys": (["ServerUrl"], FakeWinreg.REG_MULTI_SZ),
        }
    )
    loaded = load_settings(
        config_dir=tmp_path,
        env={"TIMETRAY_SERVER": "https://other.example.com", "TIMETRAY_POLL_INTERVAL": "30"},
        policy=RegistryPolicyReader(reg),
    )
    assert loaded.values.server_url == "https://hr.example.com"
    assert loaded.values.poll_interval_seconds == 30
    assert loaded.locked == {"server_url"}
    assert any(REG_SOURCE in p for p in loaded.problems)


# --- macOS (plists in a temp folder) ----------------------------------------------------------


def _plist(path: Path, data: object, fmt: plistlib.PlistFormat = plistlib.FMT_XML) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        plistlib.dump(data, handle, fmt=fmt)  # type: ignore[arg-type]
    return path


def test_macos_managed_preferences(tmp_path: Path) -> None:
    path = _plist(
        tmp_path / "com.timetray.Timetray.plist",
        {
            "ServerUrl": "https://hr.example.com",
            "PollIntervalSeconds": 45,
            "Autostart": True,
            "AutoResume": False,
            "LockedKeys": ["ServerUrl", "AutoResume"],
            "PayloadUUID": "9F0C...",
        },
        plistlib.FMT_BINARY,
    )
    values, locked, problems = ManagedPrefsReader(path).read()
    assert values == {
        "server_url": "https://hr.example.com",
        "poll_interval_seconds": 45,
        "autostart": True,
        "auto_resume": False,
    }
    assert locked == {"server_url", "auto_resume"}
    assert problems == []


def test_macos_user_profile_wins_over_the_machine_one(tmp_path: Path) -> None:
    user = tmp_path / "erin" / "com.timetray.Timetray.plist"
    machine = _plist(tmp_path / "com.timetray.Timetray.plist", {"PollIntervalSeconds": 600})
    reader = ManagedPrefsReader([user, machine])
    assert reader.read().values == {"poll_interval_seconds": 600}
    assert reader.source == str(machine)
    _plist(user, {"PollIntervalSeconds": 20})
    assert reader.read().values == {"poll_interval_seconds": 20}


def test_macos_broken_and_bad_values(tmp_path: Path) -> None:
    broken = tmp_path / "broken.plist"
    broken.write_bytes(b"<?xml version='1.0'?><plist><dict><key>ServerUrl</key>")
    _values, _locked, problems = ManagedPrefsReader(broken).read()
    assert len(problems) == 1 and str(broken) in problems[0] and "not a valid plist" in problems[0]

    not_dict = _plist(tmp_path / "list.plist", ["ServerUrl"])
    assert "expected a dictionary" in ManagedPrefsReader(not_dict).read().problems[0]

    bad = _plist(tmp_path / "bad.plist", {"PollIntervalSeconds": "30", "Autostart": False})
    values, _locked, problems = ManagedPrefsReader(bad).read()
    assert values == {"autostart": False}
    assert problems == [f"{bad}: PollIntervalSeconds: expected an integer 5..3600, got '30'"]


def test_macos_no_profile_is_no_policy(tmp_path: Path) -> None:
    assert ManagedPrefsReader(tmp_path / "none.plist").read() == ({}, set(), [])


# --- choosing a reader, autostart gate --------------------------------------------------------


def test_default_reader_per_platform() -> None:
    assert isinstance(default_policy_reader("linux"), TomlPolicyReader)
    assert isinstance(default_policy_reader("win32"), RegistryPolicyReader)
    assert isinstance(default_policy_reader("darwin"), ManagedPrefsReader)
    assert default_policy_reader("win32").source == r"HKLM\SOFTWARE\Policies\Timetray"
    assert default_policy_reader("darwin").source.endswith(
        "/Library/Managed Preferences/com.timetray.Timetray.plist"
    )


def test_autostart_allowed_follows_policy_and_the_users_choice(tmp_path: Path) -> None:
    off = StaticPolicyReader({"autostart": False})
    assert autostart_allowed(policy=StaticPolicyReader(), config_dir=tmp_path) is True
    assert autostart_allowed(policy=off, config_dir=tmp_path) is False
    (tmp_path / "settings.toml").write_text("autostart = true\n")
    # Unlocked policy is only a default: the user opted in.
    assert autostart_allowed(policy=off, config_dir=tmp_path) is True
    locked_off = StaticPolicyReader({"autostart": False}, locked=["autostart"])
    assert autostart_allowed(policy=locked_off, config_dir=tmp_path) is False
    (tmp_path / "settings.toml").write_text("autostart = false\n")
    assert autostart_allowed(policy=StaticPolicyReader(), config_dir=tmp_path) is False


def test_static_reader_validates_like_the_others() -> None:
    values, locked, problems = StaticPolicyReader(
        {"notifications": False, "poll_interval_seconds": 0}, locked=["nonsense"], source="test"
    ).read()
    assert values == {"notifications": False}
    assert locked == set()
    assert len(problems) == 2
