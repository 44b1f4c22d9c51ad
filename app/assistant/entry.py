"""``timetray mcp``: check policy, build the core, serve the tools on stdin/stdout.

Standard output belongs to the protocol, so everything for a person goes to standard error
and the log file. The core is built like the tray's, on the same data folder, sign-in and
outbox, and may run beside it: the drain's file lock keeps the two from sending the same item.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from app import logging_setup, paths
from app.config import load_settings

logger = logging.getLogger(__name__)

EXIT_OFF, EXIT_MISSING = 2, 2


def run(options: argparse.Namespace, *, confirm_clock: Callable[[], datetime] | None = None) -> int:
    """``confirm_clock``: for tests, the clock confirmations expire by."""
    data_dir = paths.data_dir(getattr(options, "data_dir", None))
    verbose = bool(getattr(options, "verbose", False))
    with contextlib.suppress(OSError):
        logging_setup.configure(paths.log_dir(data_dir), verbose=verbose, stderr=verbose)
    config_dir = Path(options.data_dir) if getattr(options, "data_dir", None) else None
    loaded = load_settings(
        config_dir=config_dir, cli={"server_url": getattr(options, "server", None)}
    )
    access = loaded.values.mcp_access
    if access == "off":
        who = (
            "your organisation's policy"
            if loaded.sources.get("mcp_access") == "policy"
            else ("the settings")
        )
        print(f'timetray mcp: turned off by {who} (mcp_access = "off")', file=sys.stderr)
        return EXIT_OFF
    try:
        from app.assistant.server import Assistant, build_server
    except ImportError as exc:
        print(
            f"timetray mcp: the MCP SDK is not installed ({exc}); this needs Timetray "
            "installed with pip as timetray[mcp] (the installers leave it out)",
            file=sys.stderr,
        )
        return EXIT_MISSING
    from app.core.wiring import build_core

    core = build_core(loaded.values, data_dir, role="mcp")
    try:
        core.open(poll=True)
        assistant = Assistant(core, core.clock.now, access, confirm_clock)
        logger.info("timetray mcp serving (%s access) on %s", access, data_dir)
        build_server(assistant).run("stdio")
        return 0
    finally:
        core.shutdown()
