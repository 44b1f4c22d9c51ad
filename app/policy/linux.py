"""Linux machine policy: ``/etc/timetray/policy.toml`` (the .deb ships a commented example).

The path is fixed: no environment variable moves it, since whoever could move it could unlock
what IT locked. Tests give another path to the reader, or install a reader with
``app.policy.replace_policy_source_for_tests``.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from app.policy.schema import PolicyResult, validate_policy

DEFAULT_PATH = Path("/etc/timetray/policy.toml")


class TomlPolicyReader:
    """Reads a flat TOML table of policy keys. A missing file simply means "no policy"."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path if path is not None else DEFAULT_PATH

    @property
    def source(self) -> str:
        return str(self.path)

    def read(self) -> PolicyResult:
        try:
            with self.path.open("rb") as handle:
                raw = tomllib.load(handle)
        except FileNotFoundError:
            return PolicyResult({}, set(), [])
        except tomllib.TOMLDecodeError as exc:
            key = _key_at_error(self.path, str(exc))
            where = f"{self.path}: {key}" if key else str(self.path)
            return PolicyResult(
                {}, set(), [f"{where}: not valid TOML ({exc}); the whole policy is ignored"]
            )
        except (OSError, UnicodeDecodeError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            return PolicyResult(
                {}, set(), [f"{self.path}: cannot be read ({reason}); the whole policy is ignored"]
            )
        return validate_policy(raw, str(self.path))


_ERROR_LINE = re.compile(r"\(at line (\d+), column \d+\)")
_TABLE_HEADER = re.compile(r"\s*\[\[?\s*[\w\"']")
# A bare key (spaces allowed: "locked keys = ..." is a typo worth naming) or a quoted one.
_ASSIGNMENT = re.compile(r"""\s*([\w-][\w .-]*?|"[^"]*"|'[^']*')\s*=""")


def _key_at_error(path: Path, message: str) -> str | None:
    """The key the admin was writing where the TOML broke, so the problem can name it.

    The decoder only gives a line (or "end of document" for an unclosed array or string); the
    key is on that line or, for a value spanning lines, on the nearest line above that assigns.
    """
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return None
    found = _ERROR_LINE.search(message)
    index = min(int(found.group(1)), len(lines)) - 1 if found else len(lines) - 1
    if 0 <= index < len(lines) and _TABLE_HEADER.match(lines[index]):
        return None  # the policy has no tables: the header itself is the mistake
    for line in reversed(lines[: index + 1]):
        match = _ASSIGNMENT.match(line)
        if match:
            return match.group(1).strip()
    return None
