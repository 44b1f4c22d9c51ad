"""macOS machine policy: managed preferences for ``com.timetray.Timetray`` (pushed by an MDM).

macOS materialises a configuration profile's payload as a plist under
``/Library/Managed Preferences``; a per-user one (``.../<user>/``) wins over the machine one,
as it does for every managed app. Keys are the documented CamelCase names.

The user is the one the process runs as (its real uid), never ``$USER`` or ``$LOGNAME``: a
variable anyone can set must not pick another user's, looser, profile.
"""

from __future__ import annotations

import os
import plistlib
from collections.abc import Sequence
from pathlib import Path
from xml.parsers.expat import ExpatError

from app.policy.schema import PolicyResult, validate_policy

DOMAIN = "com.timetray.Timetray"
MANAGED_DIR = Path("/Library/Managed Preferences")


def login_name() -> str:
    """The account name of the process's real uid; empty where there is none (Windows)."""
    try:
        import pwd  # not on Windows, where this reader is never the default
    except ImportError:
        return ""
    try:
        return pwd.getpwuid(os.getuid()).pw_name
    except KeyError:  # a uid with no account entry (some containers)
        return ""


def default_paths(user: str | None = None) -> list[Path]:
    name = user if user is not None else login_name()
    machine = MANAGED_DIR / f"{DOMAIN}.plist"
    return [MANAGED_DIR / name / f"{DOMAIN}.plist", machine] if name else [machine]


class ManagedPrefsReader:
    """Reads the first managed-preferences plist that exists; none means "no policy"."""

    def __init__(self, paths: Sequence[Path] | Path | None = None) -> None:
        if isinstance(paths, Path):
            paths = [paths]
        self.paths = list(paths) if paths is not None else default_paths()

    @property
    def source(self) -> str:
        found = next((p for p in self.paths if p.exists()), self.paths[-1])
        return str(found)

    def read(self) -> PolicyResult:
        for path in self.paths:
            try:
                with path.open("rb") as handle:
                    data = plistlib.load(handle)
            except FileNotFoundError:
                continue
            except (plistlib.InvalidFileException, ExpatError, ValueError) as exc:
                reason = str(exc) or "unreadable property list"
                return PolicyResult(
                    {}, set(), [f"{path}: not a valid plist ({reason}); the policy is ignored"]
                )
            except OSError as exc:
                reason = exc.strerror or str(exc)
                return PolicyResult(
                    {}, set(), [f"{path}: cannot be read ({reason}); the policy is ignored"]
                )
            if not isinstance(data, dict):
                return PolicyResult(
                    {}, set(), [f"{path}: expected a dictionary at the top; the policy is ignored"]
                )
            # Profile bookkeeping keys (PayloadUUID, ...) may be copied along; they are not ours.
            raw = {k: v for k, v in data.items() if not str(k).startswith("Payload")}
            return validate_policy(raw, str(path))
        return PolicyResult({}, set(), [])
