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
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import tomli_w

if TYPE_CHECKING:
    from app.policy import PolicyReader

log = logging.getLogger(__name__)

USER_FILE_NAME = "settings.toml"
ENV_VARS: dict[str, str] = {
    "TIMETRAY_SERVER": "server_url",
    "TIMETRAY_POLL_INTERVAL": "poll_interval_seconds",
    "TIMETRAY_CA_BUNDLE": "ca_bundle",
}
Source = str  # "default" | "policy" | "user" | "env" | "cli"


class SettingsError(Exception):
    """A setting the user tried to save is unknown, invalid or locked by policy."""


@dataclass(frozen=True)
class Settings:
    server_url: str | None = None
    poll_interval_seconds: int = 15  # 5..3600
    tasks_refresh_seconds: int = 300
    auto_resume: bool = True  # resume an automatic pause when the break/checkout ends
    autostart: bool = True
    notifications: bool = True
    ca_bundle: str | None = None
    long_timer_hours: float = 10.0  # notify when a timer runs longer (0 = off)
    idle_reminder_minutes: int = 0  # remind when checked in with no timer (0 = off)
    notes_max_length: int = 5000
    retention_days: int = 7
    last_email: str | None = None  # remembered for the sign-in dialog (not a secret)


SETTING_NAMES: frozenset[str] = frozenset(f.name for f in fields(Settings))


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


# --- validation -------------------------------------------------------------------------------
# Each validator turns a raw value (from TOML, a policy reader, argparse, or text from the
# environment when ``text`` is true) into the typed value, or raises ValueError whose message
# completes "expected ..., got ...".

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def _show(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _int_range(low: int, high: int) -> Callable[[object, bool], int]:
    def check(value: object, text: bool) -> int:
        what = f"expected an integer {low}..{high}, got {_show(value)}"
        if text and isinstance(value, str):
            try:
                value = int(value.strip())
            except ValueError:
                raise ValueError(what) from None
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise ValueError(what)
        return value

    return check


def _float_range(low: float, high: float) -> Callable[[object, bool], float]:
    def check(value: object, text: bool) -> float:
        what = f"expected a number {low:g}..{high:g}, got {_show(value)}"
        if text and isinstance(value, str):
            try:
                value = float(value.strip())
            except ValueError:
                raise ValueError(what) from None
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(what)
        number = float(value)
        if not low <= number <= high:  # also rejects NaN
            raise ValueError(what)
        return number

    return check


def _boolean(value: object, text: bool) -> bool:
    if isinstance(value, bool):
        return value
    # Registry DWORDs and MDM payloads often carry 0/1 for booleans.
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if text and isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
    raise ValueError(f"expected true or false, got {_show(value)}")


def _server_url(value: object, text: bool) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError(f"expected an http(s) URL, got {_show(value)}")
    url = value.strip().rstrip("/")
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(
            f"expected an http(s) URL such as https://hr.example.com, got {_show(value)}"
        )
    if parts.username or parts.password:
        # A password in a URL would end up in logs and settings files.
        raise ValueError("expected a URL without a user name or password in it")
    return url


def _ca_bundle(value: object, text: bool) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError(f"expected the path of a PEM file, got {_show(value)}")
    raw = value.strip()
    if not raw:
        return None
    path = Path(os.path.expandvars(raw)).expanduser()
    if not path.is_file():
        raise ValueError(f"expected the path of a PEM file, but {str(path)!r} does not exist")
    return str(path)


def _email(value: object, text: bool) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > 320:
        raise ValueError(f"expected an email address, got {_show(value)}")
    email = value.strip()
    if email and "@" not in email:
        raise ValueError(f"expected an email address, got {_show(value)}")
    return email or None


_VALIDATORS: dict[str, Callable[[object, bool], Any]] = {
    "server_url": _server_url,
    "poll_interval_seconds": _int_range(5, 3600),
    "tasks_refresh_seconds": _int_range(30, 86400),
    "auto_resume": _boolean,
    "autostart": _boolean,
    "notifications": _boolean,
    "ca_bundle": _ca_bundle,
    "long_timer_hours": _float_range(0, 168),
    "idle_reminder_minutes": _int_range(0, 1440),
    "notes_max_length": _int_range(1, 100_000),
    "retention_days": _int_range(1, 365),
    "last_email": _email,
}
assert set(_VALIDATORS) == SETTING_NAMES


def validate_setting(key: str, value: object, *, text: bool = False) -> Any:
    """The typed value of ``key``; ValueError with a human reason when it is unusable.

    ``text`` allows strings for numbers and booleans (environment variables, command lines).
    """
    if key not in _VALIDATORS:
        raise ValueError("not a Timetray setting")
    return _VALIDATORS[key](value, text)


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
    raw: Mapping[str, object], where: str, *, text: bool, name_of: Callable[[str], str] = str
) -> tuple[dict[str, Any], list[str]]:
    """Validated values of one layer; a bad or unknown key becomes a problem line."""
    good: dict[str, Any] = {}
    problems: list[str] = []
    for key, value in raw.items():
        if key not in SETTING_NAMES:
            problems.append(f"{where}: {name_of(key)}: not a Timetray setting; ignored")
            continue
        try:
            good[key] = validate_setting(key, value, text=text)
        except ValueError as exc:
            problems.append(f"{where}: {name_of(key)}: {exc}")
    return good, problems


def _default_policy() -> PolicyReader:
    from app.policy import default_policy_reader  # app.policy imports this module

    return default_policy_reader()


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
    reader = _default_policy() if policy is None else policy

    problems: list[str] = []
    policy_values, policy_locked, policy_problems = reader.read()
    problems.extend(policy_problems)
    locked = frozenset(k for k in policy_locked if k in SETTING_NAMES)

    values: dict[str, Any] = {}
    sources: dict[str, str] = {name: "default" for name in SETTING_NAMES}
    for key, value in policy_values.items():
        if key in SETTING_NAMES:
            values[key] = value
            sources[key] = "policy"

    raw_user, user_problems = _read_toml(user_file)
    problems.extend(user_problems)
    user_values, bad = _layer(raw_user, str(user_file), text=False)
    problems.extend(bad)

    env_raw = {ENV_VARS[name]: environ[name] for name in ENV_VARS if name in environ}
    env_names = {key: name for name, key in ENV_VARS.items()}
    env_values, bad = _layer(env_raw, "environment", text=True, name_of=env_names.__getitem__)
    problems.extend(bad)

    cli_raw = {k: v for k, v in (cli or {}).items() if v is not None}
    cli_values, bad = _layer(cli_raw, "command line", text=True)
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
    reader = _default_policy() if policy is None else policy
    _, policy_locked, _ = reader.read()

    typed: dict[str, Any] = {}
    for key, value in changes.items():
        if key not in SETTING_NAMES:
            raise SettingsError(f"{key}: not a Timetray setting")
        if key in policy_locked:
            raise SettingsError(f"{key}: locked by your organisation's policy ({reader.source})")
        if value is None:
            typed[key] = None
            continue
        try:
            typed[key] = validate_setting(key, value)
        except ValueError as exc:
            raise SettingsError(f"{key}: {exc}") from None

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
