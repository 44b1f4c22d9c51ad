"""The one worker thread (an APScheduler ``BackgroundScheduler`` with a single-thread pool).

Every job of the core runs here, one after the other: drains, polls, command jobs. That is what
makes the Tracker single-writer and the outbox drain serial without any lock of our own.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable
from concurrent.futures import Future
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from apscheduler.executors.pool import ThreadPoolExecutor
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


class Worker:
    def __init__(self) -> None:
        self._scheduler: BackgroundScheduler | None = None
        self.started = False

    def start(self) -> None:
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

        if self._scheduler is None or not self.started:
            fut.set_exception(RuntimeError("the core is not started"))
            return fut
        self._scheduler.add_job(job, "date", run_date=None, name="command")
        return fut

    def schedule(self, name: str, fn: Callable[[], None], delay: float) -> None:
        """(Re)schedule the one job called ``name`` to run ``delay`` seconds from now."""
        if self._scheduler is None or not self.started:
            return
        run = datetime.now(UTC) + timedelta(seconds=max(0.0, delay))
        with contextlib.suppress(Exception):
            self._scheduler.add_job(
                guard(fn), "date", run_date=run, id=name, name=name, replace_existing=True
            )

    def every(self, name: str, fn: Callable[[], None], seconds: float) -> None:
        if self._scheduler is not None and self.started:
            self._scheduler.add_job(guard(fn), "interval", seconds=seconds, id=name, name=name)
