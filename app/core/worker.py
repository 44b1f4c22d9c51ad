"""The one worker thread (an APScheduler ``BackgroundScheduler`` with a single-thread pool).

Every job of the core runs here, one after the other: drains, polls, command jobs. That is what
makes the Tracker single-writer and the outbox drain serial without any lock of our own.

A CLI command has no use for a scheduler thread: it runs a few jobs and exits. An ``inline``
worker keeps the same jobs in a list and runs them on the caller's thread, when the caller
waits for an outcome (:meth:`Worker.run_until`), in the order they became due. Jobs due later
(a retry in 5 s) are never run: a command does not start new network work on its way out, and
the next command or the tray sends what is left. APScheduler is not even imported then.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable
from concurrent.futures import Future
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from apscheduler.schedulers.background import BackgroundScheduler

logger = logging.getLogger(__name__)

T = TypeVar("T")


def guard(fn: Callable[[], None]) -> Callable[[], None]:
    """A job must never kill the worker: log and carry on."""

    def run() -> None:
        try:
            fn()
        except Exception:
            logger.exception("worker job %s failed", getattr(fn, "__name__", fn))

    return run


class _Inline:
    """The jobs of an inline worker: (due at, order, name, job), run by :meth:`Worker.run_until`."""

    def __init__(self) -> None:
        self.jobs: list[tuple[float, int, str | None, Callable[[], None]]] = []
        self.order = 0

    def add(self, name: str | None, fn: Callable[[], None], delay: float) -> None:
        if name is not None:
            self.jobs = [job for job in self.jobs if job[2] != name]
        self.order += 1
        self.jobs.append((time.monotonic() + max(0.0, delay), self.order, name, fn))

    def take_due(self) -> Callable[[], None] | None:
        now = time.monotonic()
        due = [job for job in self.jobs if job[0] <= now]
        if not due:
            return None
        first = min(due, key=lambda job: (job[0], job[1]))
        self.jobs.remove(first)
        return first[3]


class Worker:
    def __init__(self, *, inline: bool = False) -> None:
        self._scheduler: BackgroundScheduler | None = None
        self._inline = _Inline() if inline else None
        self.started = False

    @property
    def inline(self) -> bool:
        return self._inline is not None

    def run_until(self, done: Callable[[], bool]) -> None:
        """Inline worker: run the jobs that are due, one by one on this thread, until ``done``
        or none is due any more. A threaded worker runs them itself: nothing to do."""
        inline = self._inline
        while inline is not None and self.started and not done():
            job = inline.take_due()
            if job is None:
                return
            job()

    def start(self) -> None:
        if self._inline is not None:
            self.started = True
            return
        from apscheduler.executors.pool import ThreadPoolExecutor
        from apscheduler.schedulers.background import BackgroundScheduler

        scheduler = BackgroundScheduler(
            executors={"default": ThreadPoolExecutor(max_workers=1)},
            # Many instances may wait: the single thread runs them one after the other, and a
            # drain asked for while one runs must not be dropped.
            job_defaults={"coalesce": True, "max_instances": 100, "misfire_grace_time": None},
            timezone=UTC,
        )
        self._scheduler = scheduler
        scheduler.start()
        self.started = True

    def stop(self) -> None:
        if self._inline is not None:
            self.started = False
            self._inline.jobs.clear()  # nothing new starts on the way out
            return
        if self._scheduler is None or not self.started:
            return
        # Let queued jobs finish, then stop the scheduler's loop before tearing it down:
        # shutting down while its thread is between "submit" and "remove" of a one-off job
        # makes APScheduler print a JobLookupError traceback.
        with contextlib.suppress(Exception):
            self.submit(lambda: None).result(timeout=30)
        self.started = False
        with contextlib.suppress(Exception):
            self._scheduler.pause()
            time.sleep(0.05)
            self._scheduler.shutdown(wait=True)

    def later(self, fn: Callable[[], None]) -> None:
        if self._inline is not None:
            if self.started:
                self._inline.add(None, guard(fn), 0.0)
            return
        if self._scheduler is not None and self.started:
            self._scheduler.add_job(guard(fn), "date", run_date=None, name="later")

    def submit(self, fn: Callable[[], T]) -> Future[T]:
        fut: Future[T] = Future()

        def job() -> None:
            if not fut.set_running_or_notify_cancel():
                return
            try:
                fut.set_result(fn())
            except BaseException as exc:
                logger.exception("command job failed")
                fut.set_exception(exc)

        if not self.started:
            fut.set_exception(RuntimeError("the core is not started"))
            return fut
        if self._inline is not None:
            self._inline.add(None, job, 0.0)
            return fut
        assert self._scheduler is not None
        self._scheduler.add_job(job, "date", run_date=None, name="command")
        return fut

    def schedule(self, name: str, fn: Callable[[], None], delay: float) -> None:
        """(Re)schedule the one job called ``name`` to run ``delay`` seconds from now."""
        if self._inline is not None:
            if self.started:
                self._inline.add(name, guard(fn), delay)
            return
        if self._scheduler is None or not self.started:
            return
        run = datetime.now(UTC) + timedelta(seconds=max(0.0, delay))
        with contextlib.suppress(Exception):
            self._scheduler.add_job(
                guard(fn), "date", run_date=run, id=name, name=name, replace_existing=True
            )

    def every(self, name: str, fn: Callable[[], None], seconds: float) -> None:
        """Periodic jobs belong to a long-running process; an inline worker has none."""
        if self._scheduler is not None and self.started:
            self._scheduler.add_job(guard(fn), "interval", seconds=seconds, id=name, name=name)
