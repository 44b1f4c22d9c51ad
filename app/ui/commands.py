"""Runs facade commands for the flows and tells the user, in words, when one did not work.

A success speaks through the icon itself. A rejected command is parked by the core; for the
commands in :data:`DISCARD_ON_REJECT` the parked copy holds nothing the user typed, so it is
discarded at once and the message is the whole story.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

from app.core.facade import CommandResult, CoreFacade
from app.ui.bridge import Bridge

log = logging.getLogger(__name__)

# Commands whose rejection is told at once and whose parked item holds nothing the user typed:
# retrying them later would be meaningless, so their parked item is discarded right away.
DISCARD_ON_REJECT = frozenset(
    {"start", "switch", "pause", "resume", "check_in", "end_break", "start_break"}
)

Tell = Callable[..., None]  # Messages.show(title, text, target=None)


class CommandRunner:
    def __init__(self, core: CoreFacade, bridge: Bridge, tell: Tell) -> None:
        self._core = core
        self._bridge = bridge
        self._tell = tell

    def run(
        self,
        label: str,
        make: Callable[[], Any],
        on_result: Callable[[CommandResult], None] | None = None,
    ) -> None:
        """Call the facade and watch its Future; a core method that raises becomes a "failed"
        result told in words, never an exception loose in the Qt event loop."""
        try:
            future = make()
        except Exception as exc:
            log.exception("command %s raised before returning a Future", label)
            future = Future()
            future.set_result(
                CommandResult(status="failed", message=str(exc) or type(exc).__name__)
            )

        def done(result: CommandResult) -> None:
            if on_result is not None:
                on_result(result)
            else:
                self.report(label, result)

        self._bridge.command(label, future, done)

    def discard(self, item_id: str) -> None:
        """Drop a parked copy the user has no use for (fixed in a dialog, or asked again)."""
        self._bridge.command("discard", self._core.discard_parked(item_id))

    def report(self, label: str, result: CommandResult) -> None:
        """Say in words what went wrong; a success speaks through the icon itself."""
        what = f"Could not {label.replace('_', ' ')}"
        if result.status == "rejected":
            if label in DISCARD_ON_REJECT and result.item_id:
                self.discard(result.item_id)
                self._tell(what, result.message)
            else:
                self._tell(what, f"{result.message} (kept under Sync > Parked items)", "sync")
        elif result.status == "failed":
            self._tell(what, result.message)
        elif result.status == "sign_in_needed":
            self._tell("Please sign in again", result.message or "Session ended.", "sign_in")
