"""Fail a test when something logs an error it did not expect (after qutebrowser's logfail).

The product logs and swallows what it cannot let crash the tray (``worker.guard``,
``bridge._run``, every ``logger.exception``): without this, such an exception passes every test.
Records are collected from any thread and judged when the test ends, so an error logged on the
worker thread fails the test that caused it rather than killing that thread.

A test that means to provoke one says so, and the error must then really be logged::

    @pytest.mark.expect_logged_error(r"cannot open the store", logger="app.core.service")
    def test_...

or, in the middle of a test, ``logfail.expect(r"...", logger="...")``.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

__all__ = ["LogFail", "logfail"]

MIN_LEVEL = logging.ERROR


@dataclass
class _Expected:
    pattern: re.Pattern[str]
    logger: str | None
    seen: int = 0

    def matches(self, record: logging.LogRecord) -> bool:
        if self.logger is not None and not (
            record.name == self.logger or record.name.startswith(self.logger + ".")
        ):
            return False
        return self.pattern.search(record.getMessage()) is not None


class LogFail(logging.Handler):
    """Collects ERROR-and-above records; :meth:`problems` says which nobody expected."""

    def __init__(self) -> None:
        super().__init__(MIN_LEVEL)
        self.expected: list[_Expected] = []
        self.records: list[logging.LogRecord] = []
        self._records_lock = threading.Lock()

    def emit(self, record: logging.LogRecord) -> None:
        with self._records_lock:
            self.records.append(record)

    def expect(self, pattern: str, *, logger: str | None = None) -> None:
        """This test provokes an error matching ``pattern`` (a regex searched in the message)."""
        self.expected.append(_Expected(re.compile(pattern), logger))

    def problems(self) -> list[str]:
        with self._records_lock:
            records = list(self.records)
        found: list[str] = []
        for record in records:
            hits = [e for e in self.expected if e.matches(record)]
            for hit in hits:
                hit.seen += 1
            if not hits:
                found.append(_describe(record))
        for e in self.expected:
            if not e.seen:
                where = f" on {e.logger}" if e.logger else ""
                found.append(
                    f"expected an error matching {e.pattern.pattern!r}{where}; none logged"
                )
        return found


def _describe(record: logging.LogRecord) -> str:
    text = f"{record.levelname} {record.name}: {record.getMessage()}"
    if record.exc_info and record.exc_info[1] is not None:
        exc = record.exc_info[1]
        text += f" ({type(exc).__name__}: {exc})"
    return text


@pytest.fixture(autouse=True)
def logfail(request: pytest.FixtureRequest) -> Iterator[LogFail]:
    handler = LogFail()
    for mark in request.node.iter_markers("expect_logged_error"):
        handler.expect(*mark.args, **mark.kwargs)
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
    problems = handler.problems()
    if problems:
        pytest.fail("unexpected logged errors:\n  " + "\n  ".join(problems), pytrace=False)
