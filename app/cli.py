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

import argparse
import contextlib
import getpass
import json
import logging
import os
import sys
from collections.abc import Callable, Mapping
from concurrent.futures import Future
from dataclasses import asdict, replace
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app import __version__
from app.core import wording
from app.settings_schema import insecure_http_refusal

if TYPE_CHECKING:
    from app.config import LoadedSettings

logger = logging.getLogger(__name__)

EXIT_OK, EXIT_REJECTED, EXIT_USAGE, EXIT_SIGN_IN = 0, 1, 2, 3
WAIT_SECONDS = 180.0
# Network budget per command, (in all, per request), in seconds. `status` answers within
# about 3 s whatever the server does and every other command within 8 s (process start
# included); `sync` may run long while the server answers, but never waits more than one
# request's bound on a server that does not.
DEADLINES: dict[str, tuple[float | None, float | None]] = {
    "status": (1.5, None),
    "sync": (None, 4.0),
}
DEFAULT_DEADLINE: tuple[float | None, float | None] = (4.5, None)


class UsageError(Exception):
    """Bad input from the command line (exit 2)."""


def _globals(parser: argparse.ArgumentParser, *, suppress: bool) -> None:
    """The global options, accepted before and after the subcommand."""
    default: Any = argparse.SUPPRESS if suppress else None
    flag_default: Any = argparse.SUPPRESS if suppress else False
    parser.add_argument("--server", metavar="URL", default=default, help="server address")
    parser.add_argument("--data-dir", metavar="DIR", default=default, help="data folder")
    parser.add_argument("--json", action="store_true", default=flag_default, help="JSON output")
    parser.add_argument("--verbose", action="store_true", default=flag_default, help="more logging")
    if not suppress:
        parser.add_argument(
            "--demo",
            action="store_true",
            help="start against the bundled contract test server with demo data",
        )
        parser.add_argument(
            "--smoke-test", action="store_true", help="start the tray, quit after about 1 s"
        )
        parser.add_argument(
            "--autostart", action="store_true", help="started by the login autostart entry"
        )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="timetray",
        description="Timetray: time tracking from the system tray. "
        "Without a command it starts the tray; with one it works headless.",
    )
    parser.add_argument("--version", action="version", version=f"timetray {__version__}")
    _globals(parser, suppress=False)
    common = argparse.ArgumentParser(add_help=False)
    _globals(common, suppress=True)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def add(name: str, help_text: str) -> argparse.ArgumentParser:
        return sub.add_parser(name, help=help_text, parents=[common], description=help_text)

    p = add("login", "sign in (the password is asked for, or read from stdin)")
    p.add_argument("--email", required=True)
    p.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    p.add_argument(
        "--insecure-storage",
        action="store_true",
        help="on a computer with no system keyring (ssh, containers, minimal desktops): keep "
        "the sign-in in a file only you can read, in the data folder, instead of for this "
        "command only",
    )
    add("logout", "sign out and forget the session")
    add("status", "timer, attendance and queue")
    add("tasks", "your tasks")
    p = add("checkin", "check in")
    p.add_argument("--mode", choices=("office", "wfh"), default="office")
    p = add("checkout", "check out")
    p.add_argument("--reason", help="why you leave before the end of your shift (or overtime)")
    p.add_argument("--note", help="note for a checkout after the end of your shift")
    p = add("break", "start or end a break")
    p.add_argument("action", choices=("start", "end"), help="start or end the break")
    p.add_argument(
        "--type",
        dest="break_type",
        choices=("dinner", "prayer", "other"),
        default="dinner",
        help="kind of break (default: dinner, as in the tray; other needs --note)",
    )
    p.add_argument("--note", help="note for the break (required for --type other)")
    p = add("start", "start the timer on a task")
    p.add_argument("task", metavar="TASK", help="task id or a unique prefix of its title")
    add("pause", "pause the timer")
    add("resume", "resume the timer")
    p = add("stop", "stop the timer and log the time")
    p.add_argument("--notes", help="what you did (kept with the time log)")
    p = add("switch", "stop the running timer and start one on another task")
    p.add_argument("task", metavar="TASK", help="task id or a unique prefix of its title")
    p.add_argument("--notes", help="notes for the timer being stopped")
    p = add("log", "log a manual entry (time worked without the timer)")
    p.epilog = (
        "Times are ISO 8601, e.g. 2026-11-23T09:00 or 2026-11-23T09:00+01:00; a time without "
        'a zone is your local time. Example: timetray log "Review API" '
        '--from 2026-11-23T09:00 --to 2026-11-23T09:45 --notes "spec review"'
    )
    p.add_argument("task", metavar="TASK", help="task id or a unique prefix of its title")
    p.add_argument(
        "--from", dest="start", required=True, metavar="TIME", help="when the work started"
    )
    p.add_argument("--to", dest="end", required=True, metavar="TIME", help="when it ended")
    p.add_argument("--notes", help="what you did")
    p = add("logs", "your time logs")
    group = p.add_mutually_exclusive_group()
    group.add_argument("--today", action="store_true")
    group.add_argument("--week", action="store_true")
    p.add_argument(
        "--week-of",
        metavar="DATE",
        type=_parse_date,
        help="the week holding this day (YYYY-MM-DD); implies --week",
    )
    p.add_argument(
        "--csv",
        action="store_true",
        help="the week as CSV (UTF-8 with BOM, local times), as the week window exports it",
    )
    add("sync", "send everything queued now")
    p = add("away", "answer the 'you were away' question (see `timetray status`)")
    p.add_argument("answer", choices=("keep", "discard"), help="keep the away time or drop it")
    p.add_argument("--task", metavar="TASK", help="keep: log it on this task instead")
    p.add_argument("--stay-paused", action="store_true", help="discard: leave the timer paused")
    p = add("queue", "list, retry or discard queued items")
    p.add_argument(
        "action",
        nargs="?",
        choices=("list", "retry", "discard"),
        default="list",
        help="list the items waiting or parked (the default), send a parked item again, "
        "or drop one",
    )
    p.add_argument(
        "item",
        nargs="?",
        metavar="ID",
        help="the item to retry or discard: its id, or the first characters shown by "
        "`timetray queue list`",
    )
    add("mcp", "serve the time tools to an AI assistant over MCP on stdio (see README)")
    return parser


# ------------------------------------------------------------------------------ output ----
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


def _wait(core: Any, fut: Future[Any]) -> Any:
    """The outcome of a facade call. A CLI core has no worker thread: the jobs this command
    queued run here, on this thread, until the outcome is known (see app.core.worker). When
    nothing due is left to run and a command is still unanswered (say, a tray holds the
    queue), it is safe in the outbox, and that is the answer."""
    core.worker.run_until(fut.done)
    if fut.done() or not core.worker.inline:
        return fut.result(timeout=WAIT_SECONDS)
    from app.core.facade import CommandResult

    return CommandResult("queued", "Saved on this computer; it will sync.")


def _finish(out: Out, result: Any, core: Any = None) -> int:
    """Print a command's outcome and map it to the exit code.

    A command the server refused while the person waits at the terminal is not kept: they
    read the refusal and run the command again fixed. Left parked, it showed up in `logs` as
    "not synced yet" and piled up (two refused check-outs after a third one succeeded)."""
    status = result.status
    if status == "rejected" and result.item_id and core is not None:
        _wait(core, core.discard_parked(result.item_id))
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
def _parse_time(text: str, what: str) -> datetime:
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(f"{what}: not an ISO date-time: {text!r}") from None
    if value.tzinfo is None:
        value = value.astimezone()  # a time typed without a zone is local time
    return value


def _resolve_task(core: Any, text: str) -> str:
    def candidates() -> list[Any]:
        tasks = list(core.snapshot().tasks)
        wanted = text.strip().lower()
        exact = [t for t in tasks if t.id.lower() == wanted]
        if exact:
            return exact
        return [t for t in tasks if t.title.lower().startswith(wanted)]

    found = candidates()
    if len(found) != 1 and core.snapshot().signed_in:
        _wait(core, core.refresh_tasks())
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


def _status_obj(core: Any) -> dict[str, Any]:
    snap = core.snapshot()
    timer = snap.timer
    now = core.clock.now()
    return {
        "signed_in": snap.signed_in,
        "online": snap.sync.online,
        "user": snap.user_name,
        "email": snap.email,
        "server": snap.server_url or core.server_url(),
        "attendance": {
            "checked_in": snap.attendance.checked_in,
            "on_break": snap.attendance.on_break,
        },
        "timer": None
        if timer is None
        else {
            "task_id": timer.task_id,
            "task_title": timer.task_title,
            "project_title": timer.project_title,
            "state": timer.state,
            "pause_reason": timer.pause_reason,
            "elapsed_seconds": int(timer.elapsed_seconds(now)),
            "source": timer.source,
        },
        "queue": {"pending": snap.sync.pending, "parked": snap.sync.parked},
        "away": None
        if snap.away is None
        else {
            "message": snap.away.message,
            "task_id": snap.away.task_id,
            "began": snap.away.began.isoformat(),
            "ended": snap.away.ended.isoformat(),
            "choices": list(snap.away.choices),
            "can_resume": snap.away.can_resume,
        },
    }


def _hms(seconds: float) -> str:
    s = int(seconds)
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}"


def _status_text(obj: dict[str, Any], snap: Any) -> str:
    lines = []
    if obj["signed_in"]:
        lines.append(f"Signed in as {obj['user'] or obj['email']} on {obj['server']}")
        lines.append(
            "Online"
            if obj["online"]
            else "Offline: the server can't be reached; changes are saved and will sync"
        )
    elif obj["server"]:
        lines.append(f"Not signed in to {obj['server']} (timetray login --email you@example.com)")
    else:
        lines.append("No server set up (timetray login --server URL --email you@example.com)")
    att = obj["attendance"]
    lines.append(
        "Checked in" + (" (on a break)" if att["on_break"] else "")
        if att["checked_in"]
        else "Not checked in"
    )
    timer = obj["timer"]
    if timer is None:
        lines.append("No timer")
    else:
        where = " [measured on this computer]" if timer["source"] == "local" else ""
        state = "running" if timer["state"] == "running" else (snap.timer.pause_text or "paused")
        lines.append(
            f"Timer: {timer['task_title'] or timer['task_id']} {_hms(timer['elapsed_seconds'])} "
            f"{state}{where}"
        )
    q = obj["queue"]
    lines.append(f"Queue: {q['pending']} waiting, {q['parked']} need attention")
    if obj.get("away"):
        lines.append(obj["away"]["message"])
        lines.append("Answer: timetray away keep [--task TASK] | discard [--stay-paused]")
    return "\n".join(lines)


# ---------------------------------------------------------------------------- commands ----
def _signed_in(core: Any) -> bool:
    if not core.snapshot().signed_in:
        print(
            "timetray: not signed in; run `timetray login --email you@example.com`", file=sys.stderr
        )
        return False
    return True


def _fresh(core: Any) -> None:
    """Bring the cached state up to date before acting on it (best effort, quick offline)."""
    _wait(core, core.sync_now())


def _cmd_login(core: Any, options: argparse.Namespace, out: Out) -> int:
    server = options.server or core.server_url()
    if not server:
        raise UsageError("which server? give --server URL (or set TIMETRAY_SERVER)")
    from app.api.errors import address_problem

    problem = address_problem(server)
    if problem:
        raise UsageError(problem)
    # Also a server remembered from an earlier sign-in: no password goes out in clear.
    why = insecure_http_refusal(server, allowed=options.settings.allow_insecure_http)
    if why:
        raise UsageError(f"{server}: {why}")
    if options.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    elif not sys.stdin.isatty():
        raise UsageError("no terminal to ask for the password; pipe it in with --password-stdin")
    else:
        try:
            password = getpass.getpass(f"Password for {options.email}: ")
        except EOFError:
            raise UsageError("no password given") from None
    if not password:
        raise UsageError("empty password")
    if options.insecure_storage and not core.session.keep_sign_in_in_file():
        raise UsageError(
            "your organisation's policy does not allow keeping the sign-in in a file "
            "(allow_token_file); use the system keyring"
        )
    result = _wait(core, core.login(server, options.email, password))
    if result.status == "rejected" and result.http_status in (401, 403):
        print(f"timetray: {result.message}", file=sys.stderr)
        return EXIT_SIGN_IN
    data = result.data or {}
    if result.status == "done" and data.get("sign_in_kept") == "memory":
        # The tray's wording speaks of its next start; here the very next command needs it.
        print(
            "timetray: no system keyring here, so the next command will need a sign-in "
            "again; use `timetray login --insecure-storage ...` to keep it in a file only you "
            "can read (or start a Secret Service such as gnome-keyring)",
            file=sys.stderr,
        )
        result = replace(result, message=f"Signed in as {data.get('user') or options.email}")
    return _finish(out, result)


def _cmd_logout(core: Any, options: argparse.Namespace, out: Out) -> int:
    return _finish(out, _wait(core, core.logout()))


def _cmd_status(core: Any, options: argparse.Namespace, out: Out) -> int:
    note = None
    if core.snapshot().signed_in:
        result = _wait(core, core.sync_now())
        if result.status == "sign_in_needed":
            obj = _status_obj(core)
            out.emit(obj, _status_text(obj, core.snapshot()))
            return EXIT_SIGN_IN
        if result.status != "done":
            # Within the deadline or not at all: what the store and the outbox hold.
            note = f"{result.message} (showing what is saved on this computer)"
    obj = _status_obj(core)
    obj["note"] = note
    text = _status_text(obj, core.snapshot())
    out.emit(obj, text + (f"\n{note}" if note else ""))
    return EXIT_OK if obj["signed_in"] else EXIT_SIGN_IN


def _cmd_tasks(core: Any, options: argparse.Namespace, out: Out) -> int:
    if not _signed_in(core):
        return EXIT_SIGN_IN
    result = _wait(core, core.refresh_tasks())
    if result.status == "sign_in_needed":
        return _finish(out, result)
    tasks = [asdict(t) for t in core.snapshot().tasks]
    text = "\n".join(
        f"{t['id']}  {t['title']}  [{t['status']}]  {t['project_title'] or ''}"
        + ("" if t["startable"] else f"  ({t['reason']})")
        for t in tasks
    )
    if result.status != "done":
        print(f"timetray: {result.message} (showing the saved list)", file=sys.stderr)
    out.emit(tasks, text or "No tasks")
    return EXIT_OK


def _simple(
    call: Callable[[Any, argparse.Namespace], Future[Any]], fresh: bool = True
) -> Callable[[Any, argparse.Namespace, Out], int]:
    def handler(core: Any, options: argparse.Namespace, out: Out) -> int:
        if not _signed_in(core):
            return EXIT_SIGN_IN
        if fresh:
            _fresh(core)
        return _finish(out, _wait(core, call(core, options)), core)

    return handler


def _cmd_start(core: Any, options: argparse.Namespace, out: Out) -> int:
    if not _signed_in(core):
        return EXIT_SIGN_IN
    _fresh(core)
    task_id = _resolve_task(core, options.task)
    return _finish(out, _wait(core, core.start(task_id)), core)


def _cmd_switch(core: Any, options: argparse.Namespace, out: Out) -> int:
    if not _signed_in(core):
        return EXIT_SIGN_IN
    notes = _notes(options, options.notes)
    _fresh(core)
    task_id = _resolve_task(core, options.task)
    if core.snapshot().timer is None:
        return _finish(out, _wait(core, core.start(task_id)), core)
    return _finish(out, _wait(core, core.switch(task_id, notes)), core)


def _notes(options: argparse.Namespace, notes: str | None) -> str | None:
    """Notes over the limit are a usage error (exit 2), found before anything is queued; exit
    1 is kept for what the server refuses."""
    from app.core.commands import CommandError, check_notes

    try:
        return check_notes(notes, options.settings.notes_max_length)
    except CommandError as exc:
        raise UsageError(str(exc)) from None


def _cmd_log(core: Any, options: argparse.Namespace, out: Out) -> int:
    if not _signed_in(core):
        return EXIT_SIGN_IN
    start = _parse_time(options.start, "--from")
    end = _parse_time(options.end, "--to")
    if end <= start:
        raise UsageError("--to must be after --from")
    notes = _notes(options, options.notes)
    if end > core.clock.now():
        # The server takes future times without a word; a typo in the date is the likely cause.
        print(
            f"timetray: note: this entry ends in the future ({end.astimezone():%Y-%m-%d %H:%M})",
            file=sys.stderr,
        )
    task_id = _resolve_task(core, options.task)
    return _finish(out, _wait(core, core.log_manual(task_id, start, end, notes)), core)


def _parse_date(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date like 2026-11-23: {text!r}") from None


def _cmd_week_csv(core: Any, options: argparse.Namespace) -> int:
    """The week's CSV on stdout: the same bytes the week window's "Export week..." writes."""
    import tzlocal

    from app.core.week import WeekEntry, build_week, local_midnight, monday_of
    from app.core.week_csv import week_csv

    zone = tzlocal.get_localzone()
    now = core.clock.now()
    monday = monday_of(options.week_of or now.astimezone(zone).date())
    since = local_midnight(monday, zone) - timedelta(days=1)  # entries over Monday's midnight
    view = _wait(core, core.logs(since))
    if view.note:
        print(f"timetray: {view.note}", file=sys.stderr)
    projects = {task.id: task.project_title for task in core.snapshot().tasks}
    model = build_week(
        (WeekEntry.from_log(e, project=projects.get(e.task_id)) for e in view.entries),
        monday,
        zone,
        now,
        timer=core.snapshot().timer,
        target_hours=options.settings.weekly_target_hours,
        fetched_at=view.fetched_at,
        offline=not view.complete,
    )
    sys.stdout.flush()
    sys.stdout.buffer.write(week_csv(model))
    sys.stdout.buffer.flush()
    return EXIT_OK


def _cmd_logs(core: Any, options: argparse.Namespace, out: Out) -> int:
    if not _signed_in(core):
        return EXIT_SIGN_IN
    if options.csv:
        return _cmd_week_csv(core, options)
    if options.week_of:
        options.week = True
    today = core.clock.now().astimezone().replace(hour=0, minute=0, second=0, microsecond=0)
    if options.week_of:
        today = datetime.combine(options.week_of, time()).astimezone()
    if options.week:
        since = today - timedelta(days=today.weekday())
    elif options.today:
        since = today
    else:
        since = today - timedelta(days=30)
    view = _wait(core, core.logs(since))
    entries = view.entries
    marks = {"waiting": "  (not synced yet)", "parked": "  (not accepted; see queue list)"}
    text = "\n".join(
        f"{e.started_at.astimezone():%Y-%m-%d %H:%M}-{e.ended_at.astimezone():%H:%M} "
        f"{wording.minutes(e.duration_minutes):>8}  {e.task_title}{marks.get(e.state, '')}"
        + (f"  -- {e.notes}" if e.notes else "")
        for e in entries
    )
    total = sum(e.duration_minutes for e in entries)
    if view.note:
        # Said on stderr, so that a script reading the list still sees what it lacks.
        print(f"timetray: {view.note}", file=sys.stderr)
    doc = {
        "entries": [asdict(e) for e in entries],
        "complete": view.complete,
        "server_fetched_at": view.fetched_at.isoformat() if view.fetched_at else None,
        "note": view.note,
    }
    incomplete = "" if view.complete else " (incomplete)"
    out.emit(doc, (text + "\n" if text else "") + f"Total: {wording.minutes(total)}{incomplete}")
    return EXIT_OK


def _cmd_break(core: Any, options: argparse.Namespace, out: Out) -> int:
    if (
        options.action == "start"
        and options.break_type == "other"
        and not (options.note or "").strip()
    ):
        # The server refuses it (422); say so before anything is queued.
        raise UsageError("an 'other' break needs --note TEXT (or choose --type dinner|prayer)")
    return _simple(
        lambda core, options: (
            core.start_break(options.break_type, options.note)
            if options.action == "start"
            else core.end_break()
        )
    )(core, options, out)


def _cmd_sync(core: Any, options: argparse.Namespace, out: Out) -> int:
    if not _signed_in(core):
        return EXIT_SIGN_IN
    return _finish(out, _wait(core, core.sync_now()))


def _find_item(core: Any, text: str | None) -> str:
    if not text:
        raise UsageError("give the item ID (see `timetray queue list`)")
    matches = [e.id for e in core.outbox() if e.id.startswith(text.lower())]
    if len(matches) != 1:
        raise UsageError(f"no single queued item matches {text!r}")
    return str(matches[0])


def _cmd_queue(core: Any, options: argparse.Namespace, out: Out) -> int:
    if options.action == "list":
        entries = core.outbox()
        objs = [
            {
                "id": e.id,
                "kind": e.kind,
                "state": e.state,
                "attempts": e.attempts,
                "last_error": e.last_error,
                "summary": e.summary,
                "created_at": e.created_at,
                "payload": e.payload,
            }
            for e in entries
        ]
        text = "\n".join(
            f"{e.id[:8]}  {e.state:9s} {e.summary}"
            + (f"  -- {e.last_error}" if e.last_error else "")
            for e in entries
        )
        out.emit(objs, text or "The queue is empty.")
        return EXIT_OK
    item_id = _find_item(core, options.item)
    if options.action == "retry":
        if not _signed_in(core):
            return EXIT_SIGN_IN
        return _finish(out, _wait(core, core.retry_parked(item_id)))
    return _finish(out, _wait(core, core.discard_parked(item_id)))


def _cmd_away(core: Any, options: argparse.Namespace, out: Out) -> int:
    if options.answer == "keep":
        task = _resolve_task(core, options.task) if options.task else None
        choice = "keep-as" if task else "keep"
    else:
        task, choice = None, "discard-paused" if options.stay_paused else "discard"
    return _finish(out, _wait(core, core.answer_away(choice, task)), core)


HANDLERS: dict[str, Callable[[Any, argparse.Namespace, Out], int]] = {
    "login": _cmd_login,
    "logout": _cmd_logout,
    "status": _cmd_status,
    "tasks": _cmd_tasks,
    "checkin": _simple(lambda core, options: core.check_in(options.mode)),
    "checkout": _simple(
        lambda core, options: core.check_out(
            early_reason=options.reason if not options.note else None,
            after_shift_reason=options.reason if options.note else None,
            after_shift_note=options.note,
        )
    ),
    "break": _cmd_break,
    "start": _cmd_start,
    "pause": _simple(lambda core, options: core.pause()),
    "resume": _simple(lambda core, options: core.resume()),
    "stop": _simple(lambda core, options: core.stop(_notes(options, options.notes))),
    "switch": _cmd_switch,
    "log": _cmd_log,
    "logs": _cmd_logs,
    "sync": _cmd_sync,
    "queue": _cmd_queue,
    "away": _cmd_away,
}


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
