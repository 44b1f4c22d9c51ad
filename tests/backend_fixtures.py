"""Pytest fixtures for the contract test server (imported by tests/conftest.py).

``backend`` starts one server per test session on a free 127.0.0.1 port; ``server`` hands the
same server to a test after resetting it to the demo data, so tests never see each other's
timers, tokens, faults or clock changes.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.backend import BackendHandle, start_in_thread

__all__ = ["backend", "server"]


@pytest.fixture(scope="session")
def backend() -> Iterator[BackendHandle]:
    handle = start_in_thread(port=0)
    try:
        yield handle
    finally:
        handle.stop()


@pytest.fixture
def server(backend: BackendHandle) -> BackendHandle:
    backend.reset()
    return backend
