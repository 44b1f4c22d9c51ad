"""Demo mode, across a boundary: the app never imports the test package.

In a source checkout, ``timetray`` with no server configured (or ``timetray --demo``) hands
over to the demo launcher beside the contract test server (``python -m tests.backend.demo``,
as a separate program in this same process, by ``exec``). The launcher starts that server on
127.0.0.1 with a fresh data folder, prepares a working day on it, and calls :func:`app.main.main`
back with a :class:`DemoSession`: the server's URL and the public demo account. The server's
control secret stays with the launcher; the app needs none.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

LAUNCHER_MODULE = "tests.backend.demo"
LAUNCHER_FILE = Path("tests", "backend", "demo.py")
UNAVAILABLE = (
    "--demo needs a development checkout with the test server "
    "(the tests/ folder and fastapi); this installation has neither."
)


@dataclass(frozen=True)
class DemoSession:
    """What the launcher hands the tray: where the demo server is and whom to sign in as."""

    server_url: str
    email: str
    password: str  # the contract server's public demo account, not a secret
    data_dir: str  # a fresh folder the launcher removes when the tray has ended


def checkout_root() -> Path | None:
    """The source checkout this package was loaded from, when it has the demo launcher.

    The installed ``timetray`` script runs with its own folder on ``sys.path``, not the
    checkout's, so the checkout is found from this file, not from the working directory."""
    root = Path(__file__).resolve().parents[1]
    return root if (root / LAUNCHER_FILE).is_file() else None


def launcher_available() -> bool:
    return checkout_root() is not None and importlib.util.find_spec("fastapi") is not None


def wanted(options: object) -> bool:
    """``--demo``; or, in a checkout, no server given anywhere (flag, environment, settings)."""
    if getattr(options, "demo", False):
        return True
    if getattr(options, "server", None) or not launcher_available():
        return False
    from app import config, paths

    loaded = config.load_settings(config_dir=paths.config_dir(getattr(options, "data_dir", None)))
    if loaded.values.server_url:
        return False
    if loaded.problems:
        # A broken settings file must not pass silently for "no server set up".
        print(
            f"timetray: starting the demo: no usable server in your settings "
            f"({loaded.problems[0]})",
            file=sys.stderr,
        )
    return True


def run_launcher(argv: Sequence[str]) -> int:
    """Become the launcher (POSIX ``exec``: one process, so signals reach it directly), or run
    it and wait where there is no ``exec`` (Windows)."""
    root = checkout_root()
    assert root is not None
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(root), env.get("PYTHONPATH")) if p)
    command = [sys.executable, "-m", LAUNCHER_MODULE, *argv]
    log.info("handing over to the demo launcher in %s", root)
    if os.name == "posix":
        sys.stdout.flush()
        sys.stderr.flush()
        os.execve(sys.executable, command, env)
    return subprocess.call(command, env=env)
