"""Keep a test run off the machine it runs on, and check that it left nothing behind.

Imported by tests/conftest.py before anything else, so that every path the product or a library
derives (platformdirs, ``Path.home()``, ``tempfile``, Qt's temp path, keyring) and every
process a test starts lands in one private folder that the session removes at the end:

- ``TMPDIR`` (and ``TEMP``/``TMP`` on Windows), ``HOME``/``USERPROFILE`` and the XDG folders
  point into it; ``TIMETRAY_DATA_DIR`` too, since platformdirs on Windows ignores variables.
- the machine policy is replaced by "no policy" in this process (tests/app_launcher.py does the
  same for the ``timetray`` processes tests start);
- the keyring is the null back end (a test that needs one brings a file keyring in tmp_path).

At the end of the session :meth:`Isolation.leftovers` lists what the run left in the private
temp folder: a file a test or a subprocess forgot to remove there is one it would have left in
the real ``/tmp``. pytest's ``tmp_path`` folders live beside it and go with the root.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

from app.policy import StaticPolicyReader, replace_policy_source_for_tests

ROOT_ENV = "TIMETRAY_TESTS_ROOT"
# Per-user caches that libraries fill in a fresh home (fontconfig for Qt): not ours to clean.
# Written by tools, not by Timetray: library caches, and rustup's settings, which its proxy
# creates when pip probes `rustc --version` while the .deb build installs its lock.
HOME_CACHES = frozenset({".cache", ".rustup"})


class Isolation:
    """The private folders of one test session."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.tmp = root / "tmp"
        # pytest's tmp_path folders: short, since a Unix socket path (Qt's single-instance
        # socket lives in a test's TMPDIR) must fit in 104-108 bytes.
        self.basetemp = root / "p"
        self.home = root / "home"
        self.data = root / "timetray-data"

    def folders(self) -> dict[str, Path]:
        return {
            "HOME": self.home,
            "XDG_CONFIG_HOME": self.home / ".config",
            "XDG_DATA_HOME": self.home / ".local" / "share",
            "XDG_STATE_HOME": self.home / ".local" / "state",
            "XDG_CACHE_HOME": self.home / ".cache",
            "XDG_RUNTIME_DIR": self.root / "runtime",
            "TMPDIR": self.tmp,
            "TIMETRAY_DATA_DIR": self.data,
        }

    def enter(self) -> None:
        """Point this process and its children at the private folders."""
        for name, path in self.folders().items():
            path.mkdir(parents=True, exist_ok=True, mode=0o700)
            os.environ[name] = str(path)
        if sys.platform.startswith("win"):
            for name in ("TEMP", "TMP"):
                os.environ[name] = str(self.tmp)
            os.environ["USERPROFILE"] = str(self.home)
        os.environ[ROOT_ENV] = str(self.root)
        os.environ.pop("TIMETRAY_SERVER", None)
        os.environ["PYTHON_KEYRING_BACKEND"] = "keyring.backends.null.Keyring"
        tempfile.tempdir = None  # recomputed from TMPDIR on next use
        replace_policy_source_for_tests(StaticPolicyReader(source="no policy (tests)"))

    def leftovers(self) -> list[str]:
        """Entries the run left in the private temp folder."""
        if not self.tmp.is_dir():
            return []
        return sorted(p.name for p in self.tmp.iterdir())

    def home_leftovers(self) -> list[str]:
        """What the run wrote in the (private) home, apart from library caches."""
        found: list[str] = []
        for path in sorted(self.home.rglob("*")):
            rel = path.relative_to(self.home)
            if rel.parts[0] in HOME_CACHES or path.is_dir():
                continue
            found.append(str(rel))
        return found

    def remove(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


def start() -> Isolation:
    """A fresh private root under the real temp folder, entered."""
    isolation = Isolation(Path(tempfile.mkdtemp(prefix="tt-")))
    isolation.enter()
    return isolation
