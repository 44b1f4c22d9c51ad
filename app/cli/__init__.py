"""Headless commands: the same core as the tray, driven from a terminal or a script.

Each command opens the core without its background polling and without a scheduler thread
(its few jobs run on this thread while it waits for them), commits what it must to the
outbox, sends it, prints the outcome and exits. Every command has a network deadline
(:data:`DEADLINES`): when the server does not answer in time it answers from the store and the
outbox, says so, and starts nothing new on its way out. Exit codes: 0 done (or safely
queued, and it says so), 1 refused by the server (its words on stderr), 2 usage error,
3 sign-in needed.
"""

from __future__ import annotations

from app.cli.commands import HANDLERS
from app.cli.parser import build_parser
from app.cli.runner import refused_server, run
from app.cli.support import (
    EXIT_OK,
    EXIT_REJECTED,
    EXIT_SIGN_IN,
    EXIT_USAGE,
    Out,
    UsageError,
)

__all__ = [
    "EXIT_OK",
    "EXIT_REJECTED",
    "EXIT_SIGN_IN",
    "EXIT_USAGE",
    "HANDLERS",
    "Out",
    "UsageError",
    "build_parser",
    "refused_server",
    "run",
]
