"""Running one command: settings, the core without a scheduler, a deadline, the exit code."""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from app.cli.commands import HANDLERS
from app.cli.support import EXIT_USAGE, Out, UsageError
from app.settings_schema import insecure_http_refusal

if TYPE_CHECKING:
    from app.config import LoadedSettings

logger = logging.getLogger(__name__)

# Network budget per command, (in all, per request), in seconds. `status` answers within
# about 3 s whatever the server does and every other command within 8 s (process start
# included); `sync` may run long while the server answers, but never waits more than one
# request's bound on a server that does not.
DEADLINES: dict[str, tuple[float | None, float | None]] = {
    "status": (1.5, None),
    "sync": (None, 4.0),
}
DEFAULT_DEADLINE: tuple[float | None, float | None] = (4.5, None)


def refused_server(
    flag: str | None, environ: Mapping[str, str], loaded: LoadedSettings
) -> str | None:
    """One line saying why the server the user gave is refused (not a server address, or
    plain http to another computer without policy's allowance), or None. The settings layer
    has already dropped such a value and fallen back; the CLI says so and stops rather than
    quietly using another server. A locked ``server_url`` ignores both anyway, so there is
    nothing to refuse."""
    if loaded.is_locked("server_url"):
        return None
    given = [("--server", flag), ("TIMETRAY_SERVER", environ.get("TIMETRAY_SERVER"))]
    where, url = next(((w, u) for w, u in given if u), ("", None))
    if url:
        from app.api.errors import address_problem

        problem = address_problem(url)
        if problem:
            return f"{where}: {problem}"
    why = insecure_http_refusal(url, allowed=loaded.values.allow_insecure_http)
    return f"{where} {url}: {why}" if why else None


def run(options: argparse.Namespace) -> int:
    from app import logging_setup, paths
    from app.config import load_settings
    from app.core.wiring import build_core

    command = options.command
    if command == "mcp":  # its own front end (app/assistant), and the only one loading the SDK
        from app.assistant.entry import run as run_mcp

        return run_mcp(options)
    handler = HANDLERS.get(command)
    if handler is None:
        print(f"timetray: unknown command {command!r}", file=sys.stderr)
        return EXIT_USAGE
    data_dir = paths.data_dir(getattr(options, "data_dir", None))
    verbose = bool(getattr(options, "verbose", False))
    with contextlib.suppress(OSError):  # no log file is no reason to refuse the command
        logging_setup.configure(paths.log_dir(data_dir), verbose=verbose, stderr=verbose)
    config_dir = Path(options.data_dir) if getattr(options, "data_dir", None) else None
    loaded = load_settings(
        config_dir=config_dir, cli={"server_url": getattr(options, "server", None)}
    )
    refused = refused_server(getattr(options, "server", None), os.environ, loaded)
    if refused:
        print(f"timetray: {refused}", file=sys.stderr)
        return EXIT_USAGE
    out = Out(bool(getattr(options, "json", False)))
    options.settings = loaded.values  # the merged settings, for the handlers' own checks
    core = build_core(loaded.values, data_dir, role="cli", inline=True)
    core.session.set_deadline(*DEADLINES.get(command, DEFAULT_DEADLINE))
    try:
        core.open(poll=False)
        return handler(core, options, out)
    except UsageError as exc:
        print(f"timetray: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("timetray: interrupted; anything already queued is kept", file=sys.stderr)
        return 130
    finally:
        core.shutdown()
