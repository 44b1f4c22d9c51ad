"""The cache of server state."""

from __future__ import annotations

from datetime import timedelta

import pytest

from offline_queue import Store
from tests.offline_queue.conftest import FakeClock


def test_put_get_with_fetch_time(store: Store, clock: FakeClock) -> None:
    assert store.cache_get("tasks") is None
    tasks = [{"id": "t1", "title": "Write guide"}]
    store.cache_put("tasks", tasks)
    got = store.cache_get("tasks")
    assert got is not None and got.value == tasks and got.fetched_at == clock.now
    clock.advance(90)
    assert got.age(clock.now) == timedelta(seconds=90)


def test_put_replaces_and_keeps_explicit_fetch_time(store: Store, clock: FakeClock) -> None:
    store.cache_put("timer", {"state": "running"})
    fetched = clock.now - timedelta(seconds=3)
    store.cache_put("timer", None, fetched_at=fetched)
    got = store.cache_get("timer")
    assert got is not None and got.value is None and got.fetched_at == fetched


def test_delete_and_bad_values(store: Store) -> None:
    store.cache_put("attendance", {"checked_in": True})
    assert store.cache_delete("attendance") is True
    assert store.cache_delete("attendance") is False
    assert store.cache_get("attendance") is None
    with pytest.raises(ValueError):
        store.cache_put("x", {1, 2})
    with pytest.raises(ValueError):
        store.cache_put("", 1)
