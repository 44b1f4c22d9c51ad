"""One place that configures logging: a rotating file in the user log dir, warnings to stderr.

Secrets never reach a log line: the API layer never formats tokens or passwords into messages,
and :class:`RedactingFormatter` is a second line of defence over the whole formatted text,
tracebacks included.
"""

from __future__ import annotations

import io
import logging
import logging.handlers
import os
from pathlib import Path

from app import paths
from app.api import redaction

LOG_FILE_NAME = "timetray.log"


class RedactingFormatter(logging.Formatter):
    """Formats a record, then takes every secret out of the whole text: the message, the
    traceback of ``log.exception`` and the stack of ``stack_info`` (see
    :func:`app.api.redaction.redact`)."""

    def format(self, record: logging.LogRecord) -> str:
        return redaction.redact(super().format(record))


class PrivateRotatingFileHandler(logging.handlers.RotatingFileHandler):
    """A rotating log whose every file is created 0600: the log names tasks and projects.

    The handler opens a new base file at start and after each rotation, with the process
    umask (usually 0644); opening it ourselves with an explicit mode closes that gap. Rotated
    files are renames of the base file, so they keep its mode.
    """

    def _open(self) -> io.TextIOWrapper:
        flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND | getattr(os, "O_CLOEXEC", 0)
        fd = os.open(self.baseFilename, flags, paths.PRIVATE_FILE_MODE)
        return open(fd, "a", encoding=self.encoding, errors=self.errors)  # always "a" here


def configure(log_dir: Path, *, verbose: bool = False, stderr: bool = True) -> Path:
    """Attach the rotating file handler (1 MB x 5) and, optionally, a terse stderr handler."""
    log_path = paths.private_dir(log_dir) / LOG_FILE_NAME
    root = logging.getLogger()
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    for handler in list(root.handlers):
        if getattr(handler, "_timetray", False):
            root.removeHandler(handler)
    file_handler = PrivateRotatingFileHandler(
        log_path, maxBytes=1_000_000, backupCount=5, encoding="utf-8"
    )
    file_handler.setFormatter(
        RedactingFormatter("%(asctime)s %(levelname)s %(name)s [%(threadName)s] %(message)s")
    )
    handlers: list[logging.Handler] = [file_handler]
    if stderr:
        console = logging.StreamHandler()
        console.setLevel(logging.DEBUG if verbose else logging.WARNING)
        console.setFormatter(RedactingFormatter("timetray: %(message)s"))
        handlers.append(console)
    # APScheduler logs every job run at INFO: with a poll every 15 s that drowns the log file.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    for handler in handlers:
        handler._timetray = True  # type: ignore[attr-defined]
        root.addHandler(handler)
    for change in paths.take_tightened():
        logging.getLogger(__name__).info("made private (was readable by others): %s", change)
    return log_path
