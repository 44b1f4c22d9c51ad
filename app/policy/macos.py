"""macOS machine policy: managed preferences for ``com.timetray.Timetray`` (pushed by an MDM).

macOS materialises a configuration profile's payload as a plist under
``/Library/Managed Preferences``; a per-user one (``.../<user>/``) wins over the machine one,
as it does for every managed app. Keys are the documented CamelCase names.
"""

from __future__ import annotations

import getpass
import plistlib
from collections.abc import Sequence
from pathlib import Path
from xml.parsers.expat import ExpatError

from app.policy.schema import PolicyResult, validate_policy

DOMAIN = "com.timetray.Timetray"
MANAGED_DIR = Path("/Library/Managed Preferences")


def default_paths(user: str | None = None) -> list[Path]:
    try:
        name = user if user is not None else getpass.getuser()
    except (KeyError, OSError):
        name = ""
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
