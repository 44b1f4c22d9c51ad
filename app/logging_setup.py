"""One place that configures logging: a rotating file in the user log dir, warnings to stderr.

Secrets never reach a log line: the API layer never formats tokens or passwords into messages,
and :class:`RedactingFilter` is a second line of defence for anything that looks like a JWT.
"""

from __future__ import annotations

import logging
import logging.handlers
import re
from pathlib import Path

_JWT = re.compile(r"eyJ[\w-]+\.[\w-]+\.[\w-]+")
LOG_FILE_NAME = "timetray.log"


class RedactingFilter(logging.Filter):
    """Replaces anything shaped like a JWT with ``<redacted>`` before it is written."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if _JWT.search(message):
            record.msg = _JWT.sub("<redacted>", message)
            record.args = None
        return True


def configure(log_dir: Path, *, verbose: bool = False, stderr: bool = True) -> Path:
    """Attach the rotating file handler (1 MB x 5) and, optionally, a terse stderr handler."""
    log_path = log_dir / LOG_FILE_NAME
    root = logging.getLogger()
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    for handler in list(root.handlers):
        if getattr(handler, "_timetray", False):
            root.removeHandler(handler)
    file_handler = logging.handlers.RotatingFileHandler(
        log_path, maxBytes=1_000_000, backupCount=5, encoding="utf-8"
    )
    file_handler.setFormatter(
        logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(threadName)s] %(message)s")
    )
    handlers: list[logging.Handler] = [file_handler]
    if stderr:
        console = logging.StreamHandler()
        console.setLevel(logging.DEBUG if verbose else logging.WARNING)
        console.setFormatter(logging.Formatter("timetray: %(message)s"))
        handlers.append(console)
    # APScheduler logs every job run at INFO: with a poll every 15 s that drowns the log file.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    for handler in handlers:
        handler.addFilter(RedactingFilter())
        handler._timetray = True  # type: ignore[attr-defined]
        root.addHandler(handler)
    return log_path
