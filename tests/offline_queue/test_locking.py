"""Lock contention inside one process: other connections, threads, and a deadline."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from offline_queue import Store, StoreBusyError


def _hold_write_lock(path: Path, seconds: float) -> tuple[sqlite3.Connection, threading.Timer]:
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    release = threading.Timer(seconds, lambda: other.execute("COMMIT"))
    release.start()
    return other, release


def test_a_held_write_lock_is_waited_out(store: Store) -> None:
    other, release = _hold_write_lock(store.path, 0.4)
    try:
        item = store.enqueue("k", {"waited": True})  # waits for the lock; no error
    finally:
        release.join()
        other.close()
    assert store.get(item.id) is not None


def test_a_lock_held_past_the_deadline_gives_a_plain_error(tmp_path: Path) -> None:
    store = Store.open(tmp_path, busy_deadline=0.3)
    before = store.enqueue("k", {})
    other, release = _hold_write_lock(store.path, 1.5)
    try:
        with pytest.raises(StoreBusyError, match="locked by another Timetray process") as info:
            store.enqueue("k", {"late": True})
        assert "database is locked" not in str(info.value)
        assert store.counts()["pending"] == 1  # reads still work while another process writes
    finally:
        release.join()
        other.close()
    assert [i.id for i in store.items()] == [before.id]
    store.close()


def test_threads_enqueue_and_read_concurrently(store: Store) -> None:
    errors: list[BaseException] = []
    ids: list[str] = []
    lock = threading.Lock()

    def writer(t: int) -> None:
        try:
            for n in range(40):
                item = store.enqueue("k", {"t": t, "n": n})
                with lock:
                    ids.append(item.id)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    def reader() -> None:
        try:
            for _ in range(60):
                store.counts()
                store.items(["pending"])
        except BaseException as exc:  # pragma: no cover
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(t,)) for t in range(4)]
    threads.append(threading.Thread(target=reader))
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert errors == []
    items = store.items()
    assert sorted(i.id for i in items) == sorted(ids) and len(items) == 160
    # Each thread's items keep that thread's order.
    for t in range(4):
        assert [i.payload["n"] for i in items if i.payload["t"] == t] == list(range(40))


def test_store_closed_while_another_thread_uses_it(tmp_path: Path) -> None:
    from offline_queue import StoreClosedError

    store = Store.open(tmp_path)
    seen: list[BaseException] = []

    def use() -> None:
        store.counts()
        ready.set()
        done.wait()
        try:
            store.enqueue("k", {})
        except BaseException as exc:
            seen.append(exc)

    ready, done = threading.Event(), threading.Event()
    th = threading.Thread(target=use)
    th.start()
    ready.wait()
    store.close()
    done.set()
    th.join()
    assert len(seen) == 1 and isinstance(seen[0], StoreClosedError)
