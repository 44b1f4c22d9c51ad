"""The value types of the settings table: each checks a raw value and describes itself.

Apart from :mod:`app.settings_schema` so the table reads as the list of settings, not as
validation code. Like it, a leaf: standard library only, so every settings layer may import
it without a cycle.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

# --- value types --------------------------------------------------------------------------
# A type checks a raw value (from TOML, a policy reader, argparse, or text from the
# environment when ``text`` is true) and returns the typed value, or raises ValueError whose
# message completes "<where>: <key>: ...". It also describes itself for the documentation
# and says how Windows Group Policy stores it, so the docs cannot disagree with the check.

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def _show(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


class IntRange:
    registry = "REG_DWORD"
    plist = "integer"

    def __init__(self, low: int, high: int) -> None:
        self.low, self.high = low, high
        self.describe = f"integer {low}..{high}"

    def check(self, value: object, text: bool) -> int:
        what = f"expected an integer {self.low}..{self.high}, got {_show(value)}"
        if text and isinstance(value, str):
            try:
                value = int(value.strip())
            except ValueError:
                raise ValueError(what) from None
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(what)
        if not self.low <= value <= self.high:
            raise ValueError(what)
        return value


class FloatRange:
    registry = "REG_SZ"
    plist = "real"

    def __init__(self, low: float, high: float) -> None:
        self.low, self.high = low, high
        self.describe = f"number {low:g}..{high:g}"

    def check(self, value: object, text: bool) -> float:
        what = f"expected a number {self.low:g}..{self.high:g}, got {_show(value)}"
        if text and isinstance(value, str):
            try:
                value = float(value.strip())
            except ValueError:
                raise ValueError(what) from None
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(what)
        number = float(value)
        if not self.low <= number <= self.high:  # also rejects NaN
            raise ValueError(what)
        return number


class Boolean:
    registry = "REG_DWORD 0/1"
    plist = "boolean"
    describe = "boolean"

    def check(self, value: object, text: bool) -> bool:
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


class ServerUrl:
    registry = "REG_SZ"
    plist = "string"
    describe = "URL, `https://`"

    def check(self, value: object, text: bool) -> str | None:
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


class PemFile:
    registry = "REG_SZ or REG_EXPAND_SZ"
    plist = "string"
    describe = "path of a PEM file"

    def check(self, value: object, text: bool) -> str | None:
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


class Email:
    registry = "REG_SZ"
    plist = "string"
    describe = "e-mail address"

    def check(self, value: object, text: bool) -> str | None:
        if value is None:
            return None
        if not isinstance(value, str) or len(value) > 320:
            raise ValueError(f"expected an email address, got {_show(value)}")
        email = value.strip()
        if email and "@" not in email:
            raise ValueError(f"expected an email address, got {_show(value)}")
        return email or None


class OneOf:
    registry = "REG_SZ"
    plist = "string"

    def __init__(self, *values: str) -> None:
        self.values = values
        self.describe = " or ".join(f"`{v}`" for v in values)

    def check(self, value: object, text: bool) -> str:
        if isinstance(value, str) and value.strip() in self.values:
            return value.strip()
        raise ValueError(f"expected one of {', '.join(self.values)}, got {_show(value)}")


Kind = IntRange | FloatRange | Boolean | ServerUrl | PemFile | Email | OneOf

__all__ = [
    "Boolean",
    "Email",
    "FloatRange",
    "IntRange",
    "Kind",
    "OneOf",
    "PemFile",
    "ServerUrl",
]
