"""What every command shares: exit codes, output, waiting on the core, the usual checks."""

from __future__ import annotations

import argparse
import json
import sys
from concurrent.futures import Future
from datetime import datetime
from typing import Any

EXIT_OK, EXIT_REJECTED, EXIT_USAGE, EXIT_SIGN_IN = 0, 1, 2, 3
WAIT_SECONDS = 180.0


class UsageError(Exception):
    """Bad input from the command line (exit 2)."""


class Out:
    def __init__(self, as_json: bool) -> None:
        self.as_json = as_json

    def emit(self, obj: Any, text: str) -> None:
        if self.as_json:
            print(json.dumps(obj, default=str, indent=None))
        else:
            print(text)


def _result_obj(result: Any) -> dict[str, Any]:
    return {
        "status": result.status,
        "message": result.message,
        "item_id": result.item_id,
        "http_status": result.http_status,
        "data": result.data,
    }


def wait(core: Any, fut: Future[Any]) -> Any:
    """The outcome of a facade call. A CLI core has no worker thread: the jobs this command
    queued run here, on this thread, until the outcome is known (see app.core.worker). When
    nothing due is left to run and a command is still unanswered (say, a tray holds the
    queue), it is safe in the outbox, and that is the answer."""
    core.worker.run_until(fut.done)
    if fut.done() or not core.worker.inline:
        return fut.result(timeout=WAIT_SECONDS)
    from app.core.facade import CommandResult

    return CommandResult("queued", "Saved on this computer; it will sync.")


def finish(out: Out, result: Any, core: Any = None) -> int:
    """Print a command's outcome and map it to the exit code.

    A command the server refused while the person waits at the terminal is not kept: they
    read the refusal and run the command again fixed. Left parked, it showed up in `logs` as
    "not synced yet" and piled up (two refused check-outs after a third one succeeded)."""
    status = result.status
    if status == "rejected" and result.item_id and core is not None:
        wait(core, core.discard_parked(result.item_id))
    if status in ("done", "queued"):
        text = result.message or status
        if status == "queued" and "sync" not in text.lower():
            text += " (saved on this computer; it will sync)"
        out.emit(_result_obj(result), text)
        return EXIT_OK
    if out.as_json:
        out.emit(_result_obj(result), "")
    print(f"timetray: {result.message or status}", file=sys.stderr)
    if status == "sign_in_needed":
        return EXIT_SIGN_IN
    return EXIT_REJECTED


# ----------------------------------------------------------------------------- helpers ----
def parse_time(text: str, what: str) -> datetime:
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(f"{what}: not an ISO date-time: {text!r}") from None
    if value.tzinfo is None:
        value = value.astimezone()  # a time typed without a zone is local time
    return value


def resolve_task(core: Any, text: str) -> str:
    def candidates() -> list[Any]:
        tasks = list(core.snapshot().tasks)
        wanted = text.strip().lower()
        exact = [t for t in tasks if t.id.lower() == wanted]
        if exact:
            return exact
        return [t for t in tasks if t.title.lower().startswith(wanted)]

    found = candidates()
    if len(found) != 1 and core.snapshot().signed_in:
        wait(core, core.refresh_tasks())
        found = candidates()
    if len(found) == 1:
        return str(found[0].id)
    if not found:
        if len(text) == 36 and text.count("-") == 4:
            return (
                text.lower()
            )  # an id we have not seen (e.g. task list not loaded): let the server judge
        raise UsageError(f"no task matches {text!r} (see `timetray tasks`)")
    names = ", ".join(f"{t.title!r}" for t in found[:5])
    raise UsageError(f"{text!r} matches several tasks: {names}; type more of the title")


def signed_in(core: Any) -> bool:
    if not core.snapshot().signed_in:
        print(
            "timetray: not signed in; run `timetray login --email you@example.com`", file=sys.stderr
        )
        return False
    return True


def fresh(core: Any) -> None:
    """Bring the cached state up to date before acting on it (best effort, quick offline)."""
    wait(core, core.sync_now())


def notes_or_usage_error(options: argparse.Namespace, notes: str | None) -> str | None:
    """Notes over the limit are a usage error (exit 2), found before anything is queued; exit
    1 is kept for what the server refuses."""
    from app.core.commands import CommandError, check_notes

    try:
        return check_notes(notes, options.settings.notes_max_length)
    except CommandError as exc:
        raise UsageError(str(exc)) from None
