"""Machine policy set by IT: one documented set of keys, read the native way on each OS.

The keys are those of :data:`app.settings_schema.POLICY_KEYS` (snake_case in the Linux TOML
file, CamelCase in the Windows registry and macOS managed preferences; see
docs/deployment.md). Readers never raise on bad input: they report problems in words. This
package knows nothing of the other settings layers: ``app.config`` merges policy with them.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Mapping
from typing import Any, Protocol

from app.policy.linux import TomlPolicyReader
from app.policy.macos import ManagedPrefsReader
from app.policy.schema import POLICY_KEYS, PolicyResult, validate_policy
from app.policy.windows import RegistryPolicyReader
from app.settings_schema import LOCKED_KEYS, SETTING_NAMES

__all__ = [
    "POLICY_KEYS",
    "ManagedPrefsReader",
    "PolicyReader",
    "PolicyResult",
    "RegistryPolicyReader",
    "StaticPolicyReader",
    "TomlPolicyReader",
    "default_policy_reader",
]


class PolicyReader(Protocol):
    @property
    def source(self) -> str:
        """Where the policy comes from, as an admin would name it (file path or registry key)."""
        ...

    def read(self) -> PolicyResult:
        """``(values, locked, problems)``; never raises for a missing or broken policy."""
        ...


class StaticPolicyReader:
    """A policy given in code: no policy at all by default; handy for tests and the UI's demos."""

    def __init__(
        self,
        values: Mapping[str, Any] | None = None,
        locked: Iterable[str] = (),
        *,
        source: str = "built-in policy",
    ) -> None:
        self._source = source
        # Code may pin any setting, not only the documented policy keys.
        self._result = validate_policy(
            {**(values or {}), LOCKED_KEYS: list(locked)},
            source,
            known=SETTING_NAMES | {LOCKED_KEYS},
        )

    @property
    def source(self) -> str:
        return self._source

    def read(self) -> PolicyResult:
        result = self._result
        return PolicyResult(dict(result.values), set(result.locked), list(result.problems))


def default_policy_reader(platform: str | None = None) -> PolicyReader:
    """The reader for this OS (``platform`` as in :data:`sys.platform`, for tests)."""
    plat = sys.platform if platform is None else platform
    if plat.startswith("win"):
        return RegistryPolicyReader()
    if plat == "darwin":
        return ManagedPrefsReader()
    return TomlPolicyReader()
