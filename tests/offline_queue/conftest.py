"""Fixtures for the offline_queue tests: a controllable clock and a store in a temp dir."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from offline_queue import Store

REPO_ROOT = Path(__file__).resolve().parents[2]
WORKER = Path(__file__).with_name("worker.py")


class FakeClock:
    """A clock the test moves by hand; always aware UTC like the real one."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2026, 1, 5, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float = 0, **kw: float) -> datetime:
        self.now += timedelta(seconds=seconds, **kw)
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def store(tmp_path: Path, clock: FakeClock) -> Iterator[Store]:
    s = Store.open(tmp_path, clock=clock)
    yield s
    s.close()


def worker_cmd(*args: str) -> list[str]:
    return [sys.executable, str(WORKER), *args]


def worker_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(REPO_ROOT), env.get("PYTHONPATH", "")])
    return env


def spawn_worker(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        worker_cmd(*args),
        cwd=REPO_ROOT,
        env=worker_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        bufsize=1,
    )
