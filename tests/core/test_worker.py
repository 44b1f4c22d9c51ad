"""The one worker thread: jobs that reschedule themselves keep running, the latest request wins."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from app.core.worker import Worker


@pytest.fixture
def worker() -> Iterator[Worker]:
    w = Worker()
    w.start()
    yield w
    w.stop()


def test_a_job_that_reschedules_itself_never_stops(worker: Worker) -> None:
    # A poll reschedules itself, under the same job id, from inside its own run.
    runs: list[float] = []
    done = threading.Event()

    def poll() -> None:
        runs.append(time.monotonic())
        if len(runs) >= 200:
            done.set()
        else:
            worker.schedule("poll", poll, 0)

    worker.schedule("poll", poll, 0)
    assert done.wait(30), f"polling stopped after {len(runs)} runs"


def test_the_latest_request_for_a_job_wins(worker: Worker) -> None:
    ran: list[str] = []
    sentinel = threading.Event()
    worker.schedule("drain", lambda: ran.append("late"), 0.2)
    worker.schedule("drain", lambda: ran.append("now"), 0)
    # A job due after the replaced one: the one thread runs due jobs in time order, so once it
    # has run, the replaced job would have run too had it survived.
    worker.schedule("sentinel", sentinel.set, 0.4)
    assert sentinel.wait(30)
    assert ran == ["now"]


def test_a_replaced_job_would_be_seen(worker: Worker) -> None:
    """The check above can fail: a job under another name is not replaced and runs first."""
    ran: list[str] = []
    sentinel = threading.Event()
    worker.schedule("drain", lambda: ran.append("late"), 0.2)
    worker.schedule("other", lambda: ran.append("now"), 0)
    worker.schedule("sentinel", sentinel.set, 0.4)
    assert sentinel.wait(30)
    assert ran == ["now", "late"]


def test_jobs_run_one_at_a_time_on_one_thread(worker: Worker) -> None:
    threads = {worker.submit(threading.get_ident).result(5) for _ in range(20)}
    assert len(threads) == 1
    assert threading.get_ident() not in threads
