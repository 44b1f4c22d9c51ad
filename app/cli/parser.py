"""The command line: every command, option and help text."""

from __future__ import annotations

import argparse
from datetime import date
from typing import Any

from app import __version__


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
        type=parse_date,
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


def parse_date(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date like 2026-11-23: {text!r}") from None
