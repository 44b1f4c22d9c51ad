"""One handler per command: check, commit through the core, print the outcome."""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import asdict, replace
from datetime import datetime, time, timedelta
from typing import Any

from app.cli.status import status_obj, status_text
from app.cli.support import (
    EXIT_OK,
    EXIT_SIGN_IN,
    Out,
    UsageError,
    finish,
    fresh,
    notes_or_usage_error,
    parse_time,
    resolve_task,
    signed_in,
    wait,
)
from app.core import wording
from app.settings_schema import insecure_http_refusal


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
    result = wait(core, core.login(server, options.email, password))
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
    return finish(out, result)


def _cmd_logout(core: Any, options: argparse.Namespace, out: Out) -> int:
    return finish(out, wait(core, core.logout()))


def _cmd_status(core: Any, options: argparse.Namespace, out: Out) -> int:
    note = None
    if core.snapshot().signed_in:
        result = wait(core, core.sync_now())
        if result.status == "sign_in_needed":
            obj = status_obj(core)
            out.emit(obj, status_text(obj, core.snapshot()))
            return EXIT_SIGN_IN
        if result.status != "done":
            # Within the deadline or not at all: what the store and the outbox hold.
            note = f"{result.message} (showing what is saved on this computer)"
    obj = status_obj(core)
    obj["note"] = note
    text = status_text(obj, core.snapshot())
    out.emit(obj, text + (f"\n{note}" if note else ""))
    return EXIT_OK if obj["signed_in"] else EXIT_SIGN_IN


def _cmd_tasks(core: Any, options: argparse.Namespace, out: Out) -> int:
    if not signed_in(core):
        return EXIT_SIGN_IN
    result = wait(core, core.refresh_tasks())
    if result.status == "sign_in_needed":
        return finish(out, result)
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
    call: Callable[[Any, argparse.Namespace], Future[Any]], refresh_first: bool = True
) -> Callable[[Any, argparse.Namespace, Out], int]:
    def handler(core: Any, options: argparse.Namespace, out: Out) -> int:
        if not signed_in(core):
            return EXIT_SIGN_IN
        if refresh_first:
            fresh(core)
        return finish(out, wait(core, call(core, options)), core)

    return handler


def _cmd_start(core: Any, options: argparse.Namespace, out: Out) -> int:
    if not signed_in(core):
        return EXIT_SIGN_IN
    fresh(core)
    task_id = resolve_task(core, options.task)
    return finish(out, wait(core, core.start(task_id)), core)


def _cmd_switch(core: Any, options: argparse.Namespace, out: Out) -> int:
    if not signed_in(core):
        return EXIT_SIGN_IN
    notes = notes_or_usage_error(options, options.notes)
    fresh(core)
    task_id = resolve_task(core, options.task)
    if core.snapshot().timer is None:
        return finish(out, wait(core, core.start(task_id)), core)
    return finish(out, wait(core, core.switch(task_id, notes)), core)


def _cmd_log(core: Any, options: argparse.Namespace, out: Out) -> int:
    if not signed_in(core):
        return EXIT_SIGN_IN
    start = parse_time(options.start, "--from")
    end = parse_time(options.end, "--to")
    if end <= start:
        raise UsageError("--to must be after --from")
    notes = notes_or_usage_error(options, options.notes)
    if end > core.clock.now():
        # The server takes future times without a word; a typo in the date is the likely cause.
        print(
            f"timetray: note: this entry ends in the future ({end.astimezone():%Y-%m-%d %H:%M})",
            file=sys.stderr,
        )
    task_id = resolve_task(core, options.task)
    return finish(out, wait(core, core.log_manual(task_id, start, end, notes)), core)


def _cmd_week_csv(core: Any, options: argparse.Namespace) -> int:
    """The week's CSV on stdout: the same bytes the week window's "Export week..." writes."""
    import tzlocal

    from app.core.week import WeekEntry, build_week, local_midnight, monday_of
    from app.core.week_csv import week_csv

    zone = tzlocal.get_localzone()
    now = core.clock.now()
    monday = monday_of(options.week_of or now.astimezone(zone).date())
    since = local_midnight(monday, zone) - timedelta(days=1)  # entries over Monday's midnight
    view = wait(core, core.logs(since))
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
    if not signed_in(core):
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
    view = wait(core, core.logs(since))
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
    if not signed_in(core):
        return EXIT_SIGN_IN
    return finish(out, wait(core, core.sync_now()))


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
        if not signed_in(core):
            return EXIT_SIGN_IN
        return finish(out, wait(core, core.retry_parked(item_id)))
    return finish(out, wait(core, core.discard_parked(item_id)))


def _cmd_away(core: Any, options: argparse.Namespace, out: Out) -> int:
    if options.answer == "keep":
        task = resolve_task(core, options.task) if options.task else None
        choice = "keep-as" if task else "keep"
    else:
        task, choice = None, "discard-paused" if options.stay_paused else "discard"
    return finish(out, wait(core, core.answer_away(choice, task)), core)


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
    "stop": _simple(lambda core, options: core.stop(notes_or_usage_error(options, options.notes))),
    "switch": _cmd_switch,
    "log": _cmd_log,
    "logs": _cmd_logs,
    "sync": _cmd_sync,
    "queue": _cmd_queue,
    "away": _cmd_away,
}
