"""Headless commands: the same core as the tray, driven from a terminal or a script."""

from __future__ import annotations

import argparse

from app import __version__


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="timetray",
        description="Timetray: time tracking from the system tray. "
        "Without a command it starts the tray; with one it works headless.",
    )
    parser.add_argument("--version", action="version", version=f"timetray {__version__}")
    parser.add_subparsers(dest="command", metavar="COMMAND")
    return parser


def run(options: argparse.Namespace) -> int:
    raise SystemExit(f"timetray: command {options.command!r} is not implemented yet")
