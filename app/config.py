"""Layered settings: defaults < machine policy < user file < environment < command line.

IT can pin a value for everybody (policy) and lock it so that nothing the user does on this
machine changes it; an unlocked policy value is only a better default. Every layer is
forgiving: a bad value is reported in words (file, key, why) and the next layer down is used,
because a tray app that refuses to start over a typo in a settings file helps nobody.
Secrets are never settings: tokens live in the OS keyring (see ``app.api``).
"""

from __future__ import annotations

import contextlib
import logging
import os
import tempfile
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import tomli_w

from app.policy import PolicyReader, default_policy_reader
from app.settings_schema import (
    ENV_VARS,
    POLICY_ONLY,
    SETTING_NAMES,
    Settings,
    check_layer,
    validate_setting,
)

__all__ = [
    "ENV_VARS",
    "SETTING_NAMES",
    "LoadedSettings",
    "Settings",
    "SettingsError",
    "autostart_allowed",
    "load_settings",
    "save_user_settings",
    "validate_setting",
]

log = logging.getLogger(__name__)

USER_FILE_NAME = "settings.toml"
POLICY_ONLY_REASON = "only your organisation's machine policy may set this; ignored"


class SettingsError(Exception):
    """A setting the user tried to save is unknown, invalid or locked by policy."""


@dataclass(frozen=True)
class LoadedSettings:
    values: Settings
    locked: frozenset[str]
    sources: dict[str, str]  # key -> "default" | "policy" | "user" | "env" | "cli"
    problems: tuple[str, ...]  # "<file>: <key>: <why>", ready to show to a person
    user_file: Path

    def is_locked(self, key: str) -> bool:
        """True when IT pinned this key: the UI shows it read-only."""
        return key in self.locked


# --- layers -----------------------------------------------------------------------------------


def _read_toml(path: Path) -> tuple[dict[str, Any], list[str]]:
    """The file's table, or an empty one plus a problem naming the file (and the line)."""
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle), []
    except FileNotFoundError:
        return {}, []
    except tomllib.TOMLDecodeError as exc:
        return {}, [f"{path}: not valid TOML ({exc}); all of its settings are ignored"]
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        return {}, [f"{path}: cannot be read ({reason}); all of its settings are ignored"]


def _layer(
    raw: Mapping[str, object],
    where: str,
    *,
    text: bool,
    insecure_http_allowed: bool,
    name_of: Callable[[str], str] = str,
) -> tuple[dict[str, Any], list[str]]:
    """Validated values of one layer; a bad, unknown or policy-only key becomes a problem."""
    good: dict[str, Any] = {}
    problems: list[str] = []
    for key, value in raw.items():
        if key not in SETTING_NAMES:
            problems.append(f"{where}: {name_of(key)}: not a Timetray setting; ignored")
            continue
        if key in POLICY_ONLY:
            problems.append(f"{where}: {name_of(key)}: {POLICY_ONLY_REASON}")
            continue
        try:
            good[key] = validate_setting(key, value, text=text)
        except ValueError as exc:
            problems.append(f"{where}: {name_of(key)}: {exc}")
    for key, why in check_layer(good, insecure_http_allowed=insecure_http_allowed).items():
        del good[key]
        problems.append(f"{where}: {name_of(key)}: {why}")
    return good, problems


def _resolve_dir(config_dir: Path | None) -> Path:
    if config_dir is not None:
        return Path(config_dir)
    from app import paths

    return paths.config_dir()


def load_settings(
    *,
    config_dir: Path | None = None,
    env: Mapping[str, str] | None = None,
    cli: Mapping[str, object] | None = None,
    policy: PolicyReader | None = None,
) -> LoadedSettings:
    """Merge every layer. Never raises for bad input: problems are listed instead.

    ``env`` defaults to ``os.environ``; ``cli`` maps setting names to values (``None`` means
    "flag not given"); ``policy`` defaults to this platform's machine-policy reader.
    """
    directory = _resolve_dir(config_dir)
    user_file = directory / USER_FILE_NAME
    environ = os.environ if env is None else env
    reader = default_policy_reader() if policy is None else policy

    problems: list[str] = []
    policy_values, policy_locked, policy_problems = reader.read()
    problems.extend(policy_problems)
    locked = frozenset(k for k in policy_locked if k in SETTING_NAMES)

    # Policy-only keys come from policy or stay at their default: nothing below can set them.
    insecure_http_allowed = bool(policy_values.get("allow_insecure_http", False))
    values: dict[str, Any] = {}
    sources: dict[str, str] = {name: "default" for name in SETTING_NAMES}
    for key, value in policy_values.items():
        if key in SETTING_NAMES:
            values[key] = value
            sources[key] = "policy"

    raw_user, user_problems = _read_toml(user_file)
    problems.extend(user_problems)
    user_values, bad = _layer(
        raw_user, str(user_file), text=False, insecure_http_allowed=insecure_http_allowed
    )
    problems.extend(bad)

    env_raw = {ENV_VARS[name]: environ[name] for name in ENV_VARS if name in environ}
    env_names = {key: name for name, key in ENV_VARS.items()}
    env_values, bad = _layer(
        env_raw,
        "environment",
        text=True,
        insecure_http_allowed=insecure_http_allowed,
        name_of=env_names.__getitem__,
    )
    problems.extend(bad)

    cli_raw = {k: v for k, v in (cli or {}).items() if v is not None}
    cli_values, bad = _layer(
        cli_raw, "command line", text=True, insecure_http_allowed=insecure_http_allowed
    )
    problems.extend(bad)

    for layer_name, layer in (("user", user_values), ("env", env_values), ("cli", cli_values)):
        for key, value in layer.items():
            if key in locked:
                if layer_name == "user":
                    # Typically written before IT locked the key; nothing for the user to do.
                    log.info("settings: %s in %s is locked by policy; ignored", key, user_file)
                else:
                    where = "environment" if layer_name == "env" else "command line"
                    problems.append(
                        f"{where}: {key}: locked by your organisation's policy "
                        f"({reader.source}); ignored"
                    )
                continue
            values[key] = value
            sources[key] = layer_name

    for line in problems:
        log.warning("settings: %s", line)
    return LoadedSettings(
        values=replace(Settings(), **values),
        locked=locked,
        sources=sources,
        problems=tuple(problems),
        user_file=user_file,
    )


def save_user_settings(
    changes: Mapping[str, object],
    *,
    config_dir: Path | None = None,
    policy: PolicyReader | None = None,
    env: Mapping[str, str] | None = None,
    cli: Mapping[str, object] | None = None,
) -> LoadedSettings:
    """Validate ``changes`` and write them to the user file; returns the settings now in force.

    A ``None`` value removes the key (back to policy or default). All or nothing: one bad
    change raises :class:`SettingsError` and nothing is written. The file is replaced
    atomically so a crash never leaves it half-written; keys this version does not know
    (written by a newer one) are kept.
    """
    directory = _resolve_dir(config_dir)
    reader = default_policy_reader() if policy is None else policy
    policy_values, policy_locked, _ = reader.read()
    insecure_http_allowed = bool(policy_values.get("allow_insecure_http", False))

    typed: dict[str, Any] = {}
    for key, value in changes.items():
        if key not in SETTING_NAMES:
            raise SettingsError(f"{key}: not a Timetray setting")
        if key in policy_locked:
            raise SettingsError(f"{key}: locked by your organisation's policy ({reader.source})")
        if key in POLICY_ONLY:
            raise SettingsError(f"{key}: only your organisation's machine policy may set this")
        if value is None:
            typed[key] = None
            continue
        try:
            typed[key] = validate_setting(key, value)
        except ValueError as exc:
            raise SettingsError(f"{key}: {exc}") from None
    for key, why in check_layer(typed, insecure_http_allowed=insecure_http_allowed).items():
        raise SettingsError(f"{key}: {why}")

    user_file = directory / USER_FILE_NAME
    current, problems = _read_toml(user_file)
    if problems and user_file.exists():
        # Keep the broken file for the user to look at rather than silently losing it.
        backup = user_file.with_name(USER_FILE_NAME + ".broken")
        with contextlib.suppress(OSError):
            os.replace(user_file, backup)
            log.warning("settings: moved unreadable %s to %s", user_file, backup)
    for key, value in typed.items():
        if value is None:
            current.pop(key, None)
        else:
            current[key] = value
    _write_atomically(user_file, tomli_w.dumps(current).encode("utf-8"))
    return load_settings(config_dir=directory, env=env, cli=cli, policy=reader)


def _write_atomically(path: Path, data: bytes) -> None:
    # Private folder; mkstemp makes the file 0600, and os.replace keeps that mode.
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp_name)
        raise


def autostart_allowed(
    *, policy: PolicyReader | None = None, config_dir: Path | None = None
) -> bool:
    """Whether a start-at-login launch (``timetray --autostart``) should go on.

    The system-wide autostart entry (``/etc/xdg/autostart``, the MSI's Run key) starts the app
    for everybody; this is the check that makes it quietly do nothing when policy turns autostart
    off, or when the user switched it off in their settings (unless policy locks it on).
    Environment and command-line layers are deliberately left out: a login session's
    environment is not a choice the user made about autostart.
    """
    return load_settings(config_dir=config_dir, env={}, cli=None, policy=policy).values.autostart
