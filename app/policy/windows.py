"""Windows machine policy: values under ``HKLM\\SOFTWARE\\Policies\\Timetray``.

Written by the MSI (``SERVERURL``/``AUTOSTART`` properties) or by Group Policy. ``winreg`` is
imported only when the reader runs, so this module loads (and is tested) on any OS with a fake
registry object that offers the same few functions.
"""

from __future__ import annotations

import importlib
import os
from typing import Any, Protocol, cast

from app.policy.schema import PolicyResult, setting_name, validate_policy
from app.settings_schema import LOCKED_KEYS, OPTIONS, POLICY_KEYS

SUBKEY = r"SOFTWARE\Policies\Timetray"
SOURCE = "HKLM\\" + SUBKEY

# How Group Policy stores each policy key follows from its type in the settings table.
_NUMBER_KEYS = {
    k for k in POLICY_KEYS if k in OPTIONS and OPTIONS[k].kind.registry.startswith("REG_DWORD")
}
_STRING_KEYS = {k for k in POLICY_KEYS if k in OPTIONS} - _NUMBER_KEYS


class WinregModule(Protocol):
    """The part of :mod:`winreg` Timetray uses (policy here, the Run key in app.autostart)."""

    HKEY_LOCAL_MACHINE: int
    HKEY_CURRENT_USER: int
    KEY_READ: int
    KEY_SET_VALUE: int
    KEY_WOW64_64KEY: int
    REG_SZ: int
    REG_EXPAND_SZ: int
    REG_DWORD: int
    REG_QWORD: int
    REG_MULTI_SZ: int

    def OpenKey(self, key: Any, sub_key: str, reserved: int = 0, access: int = ...) -> Any: ...
    def CreateKeyEx(self, key: Any, sub_key: str, reserved: int = 0, access: int = ...) -> Any: ...
    def EnumValue(self, key: Any, index: int) -> tuple[str, Any, int]: ...
    def QueryValueEx(self, key: Any, name: str | None) -> tuple[Any, int]: ...
    def SetValueEx(
        self, key: Any, value_name: str | None, reserved: Any, type: int, value: Any
    ) -> None: ...
    def DeleteValue(self, key: Any, value: str | None) -> None: ...
    def CloseKey(self, hkey: Any) -> None: ...


def load_winreg() -> WinregModule:
    return cast(WinregModule, importlib.import_module("winreg"))


class RegistryPolicyReader:
    """Reads every value of the policy key; the value names are the documented CamelCase ones."""

    def __init__(self, registry: WinregModule | None = None) -> None:
        self._registry = registry

    @property
    def source(self) -> str:
        return SOURCE

    def read(self) -> PolicyResult:
        reg = self._registry if self._registry is not None else load_winreg()
        try:
            handle = reg.OpenKey(
                reg.HKEY_LOCAL_MACHINE, SUBKEY, 0, reg.KEY_READ | reg.KEY_WOW64_64KEY
            )
        except FileNotFoundError:
            return PolicyResult({}, set(), [])
        except OSError as exc:
            reason = exc.strerror or str(exc)
            return PolicyResult({}, set(), [f"{SOURCE}: cannot be read ({reason}); ignored"])
        raw: dict[str, object] = {}
        problems: list[str] = []
        try:
            index = 0
            while True:
                try:
                    name, data, kind = reg.EnumValue(handle, index)
                except OSError:  # ERROR_NO_MORE_ITEMS
                    break
                index += 1
                converted = self._convert(reg, name, data, kind)
                if isinstance(converted, _Problem):
                    problems.append(f"{SOURCE}: {name}: {converted.reason}")
                else:
                    raw[name] = converted
        finally:
            reg.CloseKey(handle)
        result = validate_policy(raw, SOURCE)
        return PolicyResult(result.values, result.locked, problems + result.problems)

    @staticmethod
    def _convert(reg: WinregModule, name: str, data: object, kind: int) -> object:
        key = setting_name(name)
        if key in _STRING_KEYS:
            if kind == reg.REG_EXPAND_SZ and isinstance(data, str):
                return os.path.expandvars(data)
            if kind == reg.REG_SZ:
                return data
            return _Problem(f"expected a REG_SZ string, got {_type_name(reg, kind)}")
        if key in _NUMBER_KEYS:
            if kind in (reg.REG_DWORD, reg.REG_QWORD):
                return data
            return _Problem(f"expected a REG_DWORD number, got {_type_name(reg, kind)}")
        if key == LOCKED_KEYS:
            if kind in (reg.REG_MULTI_SZ, reg.REG_SZ):
                return data
            return _Problem(f"expected a REG_MULTI_SZ list, got {_type_name(reg, kind)}")
        return data  # unknown names are reported by validate_policy


class _Problem:
    def __init__(self, reason: str) -> None:
        self.reason = reason


def _type_name(reg: WinregModule, kind: int) -> str:
    for attr in ("REG_SZ", "REG_EXPAND_SZ", "REG_DWORD", "REG_QWORD", "REG_MULTI_SZ"):
        if getattr(reg, attr, None) == kind:
            return attr
    return f"registry type {kind}"
