"""The OS back ends on their own OS (the GitHub workflow runs this on Windows and macOS runners).

Elsewhere in the suite these run against fakes. Here the Windows policy reader and Run key use
the real registry, but under a key of their own in HKEY_CURRENT_USER that the test removes, so
neither the machine's policy nor the user's Run entries are read or touched; the macOS agent and
managed preferences are checked with the system's own plist tools; the OS keyring is used only
when ``TIMETRAY_TEST_REAL_KEYRING=1`` (set on CI runners), under a throwaway account it deletes.
"""

from __future__ import annotations

import contextlib
import os
import plistlib
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from app.autostart import RUN_SUBKEY, RUN_VALUE, LaunchAgent, WindowsRunKey
from app.policy import ManagedPrefsReader, RegistryPolicyReader
from app.policy.windows import SUBKEY as POLICY_SUBKEY

windows = pytest.mark.skipif(sys.platform != "win32", reason="the real registry is Windows only")
macos = pytest.mark.skipif(sys.platform != "darwin", reason="plutil and launchd are macOS only")


class RedirectedWinreg:
    """The real ``winreg``, with HKLM and HKCU keys moved under a private HKCU test key."""

    def __init__(self, base: str) -> None:
        import winreg

        self._reg: Any = winreg
        self.base = base

    def __getattr__(self, name: str) -> Any:
        return getattr(self._reg, name)

    def _map(self, key: Any, sub_key: str) -> tuple[Any, str]:
        hives = {self._reg.HKEY_LOCAL_MACHINE: "HKLM", self._reg.HKEY_CURRENT_USER: "HKCU"}
        if key not in hives:
            return key, sub_key
        return self._reg.HKEY_CURRENT_USER, f"{self.base}\\{hives[key]}\\{sub_key}"

    def OpenKey(self, key: Any, sub_key: str, reserved: int = 0, access: int = 0x20019) -> Any:
        return self._reg.OpenKey(*self._map(key, sub_key), reserved, access)

    def CreateKeyEx(self, key: Any, sub_key: str, reserved: int = 0, access: int = 0x20006) -> Any:
        return self._reg.CreateKeyEx(*self._map(key, sub_key), reserved, access)

    def write(self, hive: str, sub_key: str, values: dict[str, tuple[Any, int]]) -> None:
        reg = self._reg
        with reg.CreateKeyEx(reg.HKEY_CURRENT_USER, f"{self.base}\\{hive}\\{sub_key}") as key:
            for name, (data, kind) in values.items():
                reg.SetValueEx(key, name, 0, kind, data)

    def read(self, hive: str, sub_key: str, name: str) -> Any:
        reg = self._reg
        with reg.OpenKey(reg.HKEY_CURRENT_USER, f"{self.base}\\{hive}\\{sub_key}") as key:
            return reg.QueryValueEx(key, name)[0]

    def delete_tree(self, path: str | None = None) -> None:
        reg = self._reg
        path = self.base if path is None else path
        try:
            with reg.OpenKey(reg.HKEY_CURRENT_USER, path) as key:
                children = []
                index = 0
                while True:
                    try:
                        children.append(reg.EnumKey(key, index))
                    except OSError:
                        break
                    index += 1
        except FileNotFoundError:
            return
        for child in children:
            self.delete_tree(f"{path}\\{child}")
        reg.DeleteKey(reg.HKEY_CURRENT_USER, path)


@pytest.fixture
def registry() -> Iterator[RedirectedWinreg]:
    reg = RedirectedWinreg(f"Software\\TimetrayTests\\{uuid.uuid4().hex}")
    try:
        yield reg
    finally:
        reg.delete_tree()
        with_parent = "Software\\TimetrayTests"
        with contextlib.suppress(OSError):  # the parent too, unless another run uses it
            reg._reg.DeleteKey(reg._reg.HKEY_CURRENT_USER, with_parent)


@windows
def test_windows_policy_reader_converts_real_registry_values(registry: RedirectedWinreg) -> None:
    import winreg

    registry.write(
        "HKLM",
        POLICY_SUBKEY,
        {
            "ServerUrl": ("https://hr.example.com", winreg.REG_SZ),
            "PollIntervalSeconds": (30, winreg.REG_DWORD),
            "Autostart": (0, winreg.REG_DWORD),
            "CaBundle": ("%TEMP%\\missing-ca.pem", winreg.REG_EXPAND_SZ),
            "LockedKeys": (["ServerUrl", "Autostart"], winreg.REG_MULTI_SZ),
        },
    )
    values, locked, problems = RegistryPolicyReader(registry).read()  # type: ignore[arg-type]
    assert values == {
        "server_url": "https://hr.example.com",
        "poll_interval_seconds": 30,
        "autostart": False,
    }
    assert locked == {"server_url", "autostart"}
    # REG_EXPAND_SZ was expanded before the file was looked for.
    assert len(problems) == 1 and os.environ["TEMP"] in problems[0]


@windows
def test_windows_run_key_round_trip_in_the_real_registry(registry: RedirectedWinreg) -> None:
    import ctypes

    run = WindowsRunKey(registry)  # type: ignore[arg-type]
    exe = r"C:\Program Files\Timetray\timetray.exe"
    assert not run.is_enabled()
    run.enable([exe])
    assert run.is_enabled()
    line = registry.read("HKCU", RUN_SUBKEY, RUN_VALUE)
    # Windows itself splits the command line the way the login will.
    argc = ctypes.c_int()
    shell32 = ctypes.windll.shell32  # type: ignore[attr-defined]
    shell32.CommandLineToArgvW.restype = ctypes.POINTER(ctypes.c_wchar_p)
    argv = shell32.CommandLineToArgvW(line, ctypes.byref(argc))
    assert [argv[i] for i in range(argc.value)] == [exe, "--autostart"]
    run.disable()
    assert not run.is_enabled()


@macos
def test_macos_launch_agent_is_a_valid_launchd_plist(tmp_path: Path) -> None:
    agent = LaunchAgent(tmp_path)
    agent.enable(["/Applications/Timetray.app/Contents/MacOS/timetray"])
    subprocess.run(["plutil", "-lint", str(agent.path)], check=True, timeout=30)
    assert agent.is_enabled()
    agent.disable()
    assert not agent.is_enabled()


@macos
def test_macos_managed_preferences_in_the_binary_format_mdm_writes(tmp_path: Path) -> None:
    plist = tmp_path / "com.timetray.Timetray.plist"
    with plist.open("wb") as handle:
        plistlib.dump({"ServerUrl": "https://hr.example.com", "LockedKeys": ["ServerUrl"]}, handle)
    subprocess.run(["plutil", "-convert", "binary1", str(plist)], check=True, timeout=30)
    values, locked, problems = ManagedPrefsReader(plist).read()
    assert (values, locked, problems) == (
        {"server_url": "https://hr.example.com"},
        {"server_url"},
        [],
    )


@pytest.mark.skipif(
    os.environ.get("TIMETRAY_TEST_REAL_KEYRING") != "1",
    reason="uses the OS keyring: only on CI runners (TIMETRAY_TEST_REAL_KEYRING=1)",
)
def test_the_os_keyring_keeps_and_forgets_a_sign_in(tmp_path: Path) -> None:
    from keyring.backend import get_all_keyring

    from app.api.tokens import TokenStore

    native = [
        b
        for b in get_all_keyring()
        if type(b).__module__.split(".")[-1] in ("macOS", "Windows", "SecretService")
        and b.priority > 0
    ]
    assert native, "no OS keyring back end on this runner"
    server = f"https://{uuid.uuid4().hex}.invalid"
    store = TokenStore(server, "ci@example.com", tmp_path / "lock", keyring_backend=native[0])
    try:
        assert store.persistent
        store.save("refresh-token-1")
        again = TokenStore(server, "ci@example.com", keyring_backend=native[0])
        assert again.load() == "refresh-token-1"
    finally:
        store.clear()
    assert TokenStore(server, "ci@example.com", keyring_backend=native[0]).load() is None
