"""Linux machine policy: ``/etc/timetray/policy.toml`` (the .deb ships a commented example)."""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path

from app.policy.schema import PolicyResult, validate_policy

DEFAULT_PATH = Path("/etc/timetray/policy.toml")
PATH_ENV = "TIMETRAY_POLICY_FILE"


class TomlPolicyReader:
    """Reads a flat TOML table of policy keys. A missing file simply means "no policy"."""

    def __init__(self, path: Path | None = None, *, env: Mapping[str, str] | None = None) -> None:
        environ = os.environ if env is None else env
        override = environ.get(PATH_ENV)
        self.path = path if path is not None else Path(override) if override else DEFAULT_PATH

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
            return PolicyResult(
                {}, set(), [f"{self.path}: not valid TOML ({exc}); the whole policy is ignored"]
            )
        except (OSError, UnicodeDecodeError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            return PolicyResult(
                {}, set(), [f"{self.path}: cannot be read ({reason}); the whole policy is ignored"]
            )
        return validate_policy(raw, str(self.path))
