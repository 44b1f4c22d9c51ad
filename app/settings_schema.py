"""Every Timetray setting, described once: type, default, validation, policy, restart, meaning.

Modelled on qutebrowser's ``configdata.yml``: one table, and everything else is derived from
it, so a new setting is one entry here rather than edits in five files that drift apart. The
settings file and the environment/command-line layers (``app.config``), the machine-policy
readers (``app.policy``), the Settings dialog's read-only and restart hints, the README's
settings table and the shipped ``policy.toml`` (``app.settings_docs``) all read this table.

This module is a leaf (standard library only, besides its value types in
``app.settings_types``, a leaf too), so ``app.config`` and ``app.policy`` both import it and
neither needs the other to know what a setting is.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from typing import Any, Literal
from urllib.parse import urlsplit

# The value types are re-exported: they were defined here before app.settings_types existed.
from app.settings_types import Boolean as Boolean
from app.settings_types import Email as Email
from app.settings_types import FloatRange as FloatRange
from app.settings_types import IntRange as IntRange
from app.settings_types import Kind as Kind
from app.settings_types import OneOf as OneOf
from app.settings_types import PemFile as PemFile
from app.settings_types import ServerUrl as ServerUrl

# --- the table ----------------------------------------------------------------------------

Policy = Literal["set", "lock", "only"]
"""What machine policy may do with a key: ``set`` a value (a company default, or pinned when
listed in ``locked_keys``), only ``lock`` it at its built-in default, or ``only``: a key that
nothing but policy may set (user file, environment and command line are refused), which is
therefore as good as locked."""


@dataclass(frozen=True)
class Option:
    name: str
    kind: Kind
    default: Any
    doc: str  # one line, for the README table, the policy docs and policy.toml
    policy: Policy = "lock"
    restart: bool = False  # read when Timetray starts: a change applies after a restart
    env: str | None = None  # environment variable that sets it
    example: str | None = None  # TOML value shown (commented out) in the shipped policy.toml
    listed: bool = True  # False: bookkeeping the app keeps for itself, not in the README

    @property
    def camel(self) -> str:
        """The Windows registry value / macOS managed-preference key."""
        return "".join(part.capitalize() for part in self.name.split("_"))

    @property
    def user(self) -> bool:
        """Whether the user may set it (settings file, environment, command line)."""
        return self.policy != "only"


LOCKED_KEYS = "locked_keys"  # the policy key that lists the settings users may not change

_TABLE: tuple[Option, ...] = (
    Option(
        "server_url",
        ServerUrl(),
        None,
        "the company's HR Monitoring server (`http://` only to this computer, "
        "or where policy sets `allow_insecure_http`)",
        policy="set",
        restart=True,
        env="TIMETRAY_SERVER",
        example='"https://hr.example.com"',
    ),
    Option(
        "poll_interval_seconds",
        IntRange(5, 3600),
        15,
        "how often the running timer and attendance are checked "
        "(with ±20 % jitter; backs off while offline)",
        policy="set",
        restart=True,
        env="TIMETRAY_POLL_INTERVAL",
        example="15",
    ),
    Option(
        "tasks_refresh_seconds",
        IntRange(30, 86400),
        300,
        "how often the task list is fetched again",
        restart=True,
    ),
    Option(
        "auto_resume",
        Boolean(),
        True,
        "resume a timer the server paused for a break or check-out when that ends",
        policy="set",
        restart=True,
        example="true",
    ),
    Option(
        "autostart",
        Boolean(),
        True,
        "start at login (XDG autostart, Windows Run key, macOS LaunchAgent)",
        policy="set",
        example="true",
    ),
    Option(
        "notifications",
        Boolean(),
        True,
        "desktop notifications (parked entries and sign-in are always shown)",
    ),
    Option(
        "ca_bundle",
        PemFile(),
        None,
        "PEM file of a private CA, trusted instead of the OS trust store "
        "(TLS verification stays on)",
        policy="set",
        restart=True,
        env="TIMETRAY_CA_BUNDLE",
        example='"/etc/timetray/company-ca.pem"',
    ),
    Option(
        "long_timer_hours",
        FloatRange(0, 168),
        10.0,
        "notify when a timer runs longer (0 = off)",
        restart=True,
    ),
    Option(
        "idle_reminder_minutes",
        IntRange(0, 1440),
        0,
        "remind when checked in with no timer (0 = off)",
        restart=True,
    ),
    Option(
        "weekly_target_hours",
        FloatRange(0, 168),
        40.0,
        "the week's goal, shown as progress in the week window and the tooltip (0 = off)",
        policy="set",
        example="40",
    ),
    Option(
        "away_minutes",
        IntRange(0, 480),
        10,
        "pause a running timer after this many idle minutes, at a screen lock or before "
        "sleep, and ask on return (0 = off)",
        policy="set",
        restart=True,
        example="10",
    ),
    Option(
        "away_action",
        OneOf("ask", "pause"),
        "ask",
        "on return from an absence: `ask` keep or discard, or only `pause` and tell",
        policy="set",
        restart=True,
        example='"ask"',
    ),
    Option(
        "notes_max_length",
        IntRange(1, 100_000),
        5000,
        "longest note the app accepts (the server accepts any length)",
        restart=True,
    ),
    Option(
        "retention_days",
        IntRange(1, 365),
        7,
        "how long synced outbox items are kept",
        restart=True,
    ),
    Option(
        "last_email",
        Email(),
        None,
        "the e-mail address last signed in with, offered by the sign-in dialog",
        listed=False,
    ),
    Option(
        "allow_insecure_http",
        Boolean(),
        False,
        "let `server_url` be plain `http://` to another computer: passwords and tokens "
        "then cross the network unencrypted",
        policy="only",
        restart=True,
        example="false",
    ),
    Option(
        "allow_token_file",
        Boolean(),
        True,
        "let a person who asks for it (`timetray login --insecure-storage`, for hosts with no "
        "keyring) keep their sign-in in a file only they can read; false: the OS keyring or "
        "nothing",
        policy="only",
        restart=True,
        example="true",
    ),
    Option(
        "mcp_access",
        OneOf("full", "read", "off"),
        "full",
        "what an AI assistant may do through `timetray mcp`: `full` (reads, and changes the "
        "person approves one by one), `read` (reads only) or `off` (the server does not start)",
        policy="set",
        restart=True,
        example='"read"',
    ),
)

OPTIONS: dict[str, Option] = {option.name: option for option in _TABLE}
SETTING_NAMES: frozenset[str] = frozenset(OPTIONS)
ENV_VARS: dict[str, str] = {o.env: o.name for o in _TABLE if o.env}
# Keys machine policy may give a value: canonical snake_case -> CamelCase (registry / plist).
POLICY_KEYS: dict[str, str] = {
    **{o.name: o.camel for o in _TABLE if o.policy != "lock"},
    LOCKED_KEYS: "LockedKeys",
}
RESTART_KEYS: frozenset[str] = frozenset(o.name for o in _TABLE if o.restart)
POLICY_ONLY: frozenset[str] = frozenset(o.name for o in _TABLE if o.policy == "only")


def needs_restart(keys: Iterable[str]) -> bool:
    """Whether changing any of ``keys`` takes effect only after Timetray restarts."""
    return any(key in RESTART_KEYS for key in keys)


def validate_setting(key: str, value: object, *, text: bool = False) -> Any:
    """The typed value of ``key``; ValueError with a human reason when it is unusable.

    ``text`` allows strings for numbers and booleans (environment variables, command lines).
    """
    option = OPTIONS.get(key)
    if option is None:
        raise ValueError("not a Timetray setting")
    return option.kind.check(value, text)


# --- plain http -------------------------------------------------------------------------------
# One rule for the settings, the policy, the dialogs, the CLI and the HTTP client: a password
# and bearer tokens must not cross a network in clear. Loopback is exempt (the demo and tests
# run there), and so is a server IT explicitly allowed by machine policy.

INSECURE_HTTP_REASON = (
    "plain http:// would send your password and sign-in tokens unencrypted; use https:// "
    "(http:// is only allowed to this computer, or where your organisation's policy sets "
    "allow_insecure_http)"
)


def is_loopback_host(host: str | None) -> bool:
    """127.0.0.0/8, ::1 and ``localhost``: traffic that never leaves this computer."""
    if not host:
        return False
    name = host.strip("[]").rstrip(".").lower()
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def insecure_http_refusal(url: str | None, *, allowed: bool = False) -> str | None:
    """Why ``url`` may not be used, or None when it may (https, loopback, or allowed)."""
    if not url or allowed:
        return None
    parts = urlsplit(url.strip())
    if parts.scheme.lower() != "http" or is_loopback_host(parts.hostname):
        return None
    return INSECURE_HTTP_REASON


def check_layer(values: Mapping[str, Any], *, insecure_http_allowed: bool) -> dict[str, str]:
    """Rules across keys, for one layer's validated values: ``{key: why it is refused}``."""
    refused: dict[str, str] = {}
    why = insecure_http_refusal(values.get("server_url"), allowed=insecure_http_allowed)
    if why:
        refused["server_url"] = why
    return refused


# --- the typed view -------------------------------------------------------------------------


def _default(name: str) -> Any:
    return OPTIONS[name].default


@dataclass(frozen=True)
class Settings:
    """The settings in force, typed; one field per option above, defaults taken from it."""

    server_url: str | None = _default("server_url")
    poll_interval_seconds: int = _default("poll_interval_seconds")
    tasks_refresh_seconds: int = _default("tasks_refresh_seconds")
    auto_resume: bool = _default("auto_resume")
    autostart: bool = _default("autostart")
    notifications: bool = _default("notifications")
    ca_bundle: str | None = _default("ca_bundle")
    long_timer_hours: float = _default("long_timer_hours")
    idle_reminder_minutes: int = _default("idle_reminder_minutes")
    weekly_target_hours: float = _default("weekly_target_hours")
    away_minutes: int = _default("away_minutes")
    away_action: str = _default("away_action")
    notes_max_length: int = _default("notes_max_length")
    retention_days: int = _default("retention_days")
    last_email: str | None = _default("last_email")
    allow_insecure_http: bool = _default("allow_insecure_http")
    allow_token_file: bool = _default("allow_token_file")
    mcp_access: str = _default("mcp_access")


if tuple(f.name for f in fields(Settings)) != tuple(OPTIONS):  # pragma: no cover
    raise RuntimeError("Settings fields and the settings table disagree")
