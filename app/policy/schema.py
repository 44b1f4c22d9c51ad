"""Validation of machine policy, the same on every platform.

Which keys policy may set, and how each is checked, comes from :mod:`app.settings_schema`.
Every reader (TOML file, Windows registry, macOS managed preferences) turns its native format
into ``{native name: python value}`` and hands it here, so the rules, and the wording of a
problem ("<source>: <key as the admin wrote it>: <why>"), are the same on every platform.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple

from app.settings_schema import (
    LOCKED_KEYS,
    POLICY_KEYS,
    SETTING_NAMES,
    check_layer,
    validate_setting,
)

__all__ = ["POLICY_KEYS", "PolicyResult", "setting_name", "validate_policy"]


class PolicyResult(NamedTuple):
    values: dict[str, Any]  # setting name -> validated value
    locked: set[str]  # setting names the user may not change
    problems: list[str]  # "<source>: <key>: <why>"


def setting_name(name: str) -> str:
    """``ServerUrl``/``server-url``/``server_url`` -> ``server_url`` (admins mix styles)."""
    snake = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name.strip())
    return snake.replace("-", "_").lower()


def _locked_names(value: object, source: str, shown: str) -> tuple[set[str], list[str]]:
    if isinstance(value, str):
        # A REG_SZ or a single string instead of a list: accept "a, b" and "a;b".
        value = [part for part in re.split(r"[,;\s]+", value) if part]
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        return set(), [f"{source}: {shown}: expected a list of setting names, got {value!r}"]
    locked: set[str] = set()
    problems: list[str] = []
    for raw in value:
        name = setting_name(raw)
        if name in SETTING_NAMES:
            locked.add(name)
        else:
            problems.append(f"{source}: {shown}: {raw!r} is not a Timetray setting; ignored")
    return locked, problems


def validate_policy(
    raw: Mapping[str, object], source: str, *, known: Iterable[str] | None = None
) -> PolicyResult:
    """Check every entry; a bad one is dropped with a problem line, the rest still apply.

    ``raw`` is keyed by the names as they appear in the source (either naming style). A key
    that is locked but whose value is bad stays locked at its default: policy fails closed,
    because a lock usually exists to stop users pointing the app somewhere else.
    """
    allowed = set(POLICY_KEYS) if known is None else set(known)
    values: dict[str, Any] = {}
    locked: set[str] = set()
    problems: list[str] = []
    for shown, value in raw.items():
        key = setting_name(shown)
        if key not in allowed:
            problems.append(
                f"{source}: {shown}: not a policy key (known: {', '.join(POLICY_KEYS)}); ignored"
            )
            continue
        if key == LOCKED_KEYS:
            names, bad = _locked_names(value, source, shown)
            locked |= names
            problems.extend(bad)
            continue
        try:
            values[key] = validate_setting(key, value)
        except ValueError as exc:
            problems.append(f"{source}: {shown}: {exc}")
    shown_as = {setting_name(shown): shown for shown in raw}
    allowed_http = bool(values.get("allow_insecure_http", False))
    for key, why in check_layer(values, insecure_http_allowed=allowed_http).items():
        del values[key]  # dropped; when locked, it stays locked at its default (fail closed)
        problems.append(f"{source}: {shown_as.get(key, key)}: {why}")
    return PolicyResult(values, locked, problems)
