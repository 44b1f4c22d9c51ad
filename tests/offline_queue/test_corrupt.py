"""A damaged file is set aside under a timestamped name and a fresh store starts."""

from __future__ import annotations

import os
import sqlite3
import threading
from pathlib import Path

import pytest

from offline_queue import CorruptStoreReset, Store, StoreError
from tests.offline_queue.conftest import FakeClock

STAMP = "20260105T090000Z"  # FakeClock's start


def _filled_store(path: Path, clock: FakeClock, n: int = 200) -> Path:
    with Store.open(path, clock=clock) as store:
        for i in range(n):
            store.enqueue("k", {"n": i, "pad": "x" * 300})
        return store.path


def _reset_event(store: Store) -> CorruptStoreReset:
    [event] = store.events
    assert isinstance(event, CorruptStoreReset)
    return event


def test_garbage_file_is_moved_aside_with_its_wal_and_shm(tmp_path: Path, clock: FakeClock) -> None:
    path = tmp_path / "offline_queue.sqlite3"
    path.write_bytes(b"this is not a database\n" * 200)
    Path(f"{path}-wal").write_bytes(b"stale wal")  # may hold the last commits: must survive
    Path(f"{path}-shm").write_bytes(b"stale shm")

    with Store.open(tmp_path, clock=clock) as store:
        event = _reset_event(store)
        moved = tmp_path / f"offline_queue.sqlite3.corrupt-{STAMP}"
        assert event.path == path and event.moved_to == moved
        assert "not a database" in event.reason
        assert moved.read_bytes().startswith(b"this is not a database")
        assert Path(f"{moved}-wal").read_bytes() == b"stale wal"
        assert Path(f"{moved}-shm").exists()  # only an index SQLite rebuilds; kept anyway
        assert set(event.moved_files) == {moved, Path(f"{moved}-wal"), Path(f"{moved}-shm")}
        assert "set aside" in event.message and moved.name in event.message
        # A fresh, working store in the original place.
        assert store.counts()["pending"] == 0
        item = store.enqueue("k", {"after": "reset"})
    with Store.open(tmp_path, clock=clock) as again:
        assert again.events == []
        assert again.get(item.id) is not None


def test_damaged_pages_are_detected(tmp_path: Path, clock: FakeClock) -> None:
    path = _filled_store(tmp_path, clock)
    data = bytearray(path.read_bytes())
    for page in range(3, 6):
        data[page * 4096 : page * 4096 + 256] = os.urandom(256)
    path.write_bytes(bytes(data))

    with Store.open(tmp_path, clock=clock) as store:
        event = _reset_event(store)
        assert event.moved_to.read_bytes() == bytes(data)
        assert store.items() == []


def test_truncated_file_is_detected(tmp_path: Path, clock: FakeClock) -> None:
    path = _filled_store(tmp_path, clock)
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with Store.open(tmp_path, clock=clock) as store:
        assert "malformed" in _reset_event(store).reason


def test_two_resets_in_the_same_second_do_not_overwrite(tmp_path: Path, clock: FakeClock) -> None:
    path = tmp_path / "offline_queue.sqlite3"
    for n in range(2):
        path.write_bytes(f"garbage {n}".encode() * 100)
        Store.open(tmp_path, clock=clock).close()
    moved = sorted(tmp_path.glob("*.corrupt-*"))
    assert [p.name for p in moved] == [
        f"offline_queue.sqlite3.corrupt-{STAMP}",
        f"offline_queue.sqlite3.corrupt-{STAMP}-2",
    ]
    assert {p.read_bytes()[:9] for p in moved} == {b"garbage 0", b"garbage 1"}


def test_a_locked_file_is_waited_for_not_taken_for_damage(tmp_path: Path, clock: FakeClock) -> None:
    # A file still in rollback-journal mode, exclusively locked by another writer: switching
    # it to WAL answers BUSY until the lock goes. That must never look like corruption.
    path = tmp_path / "offline_queue.sqlite3"
    holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    holder.execute("CREATE TABLE unrelated (x)")
    holder.execute("BEGIN EXCLUSIVE")
    holder.execute("INSERT INTO unrelated VALUES (1)")
    released = threading.Timer(0.5, lambda: holder.execute("COMMIT"))
    released.start()
    try:
        with Store.open(tmp_path, clock=clock) as store:
            assert store.events == []
            store.enqueue("k", {})
    finally:
        released.join()
        holder.close()
    assert not list(tmp_path.glob("*.corrupt-*"))


def test_unmovable_damaged_file_gives_clear_error(
    tmp_path: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    from offline_queue import StoreCorruptError

    path = tmp_path / "offline_queue.sqlite3"
    path.write_bytes(b"junk" * 100)

    def refuse(src: object, dst: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(os, "replace", refuse)  # the rename that moves the file aside
    with pytest.raises(StoreCorruptError, match="could not be moved aside"):
        Store.open(tmp_path, clock=clock)
    assert path.read_bytes() == b"junk" * 100


def test_healthy_file_that_cannot_be_opened_is_not_set_aside(
    tmp_path: Path, clock: FakeClock
) -> None:
    # "Cannot open" caused by the surroundings (here a directory where the -wal must go) is
    # not damage: the queued items must stay where they are.
    path = _filled_store(tmp_path, clock, n=3)
    Path(f"{path}-wal").mkdir()
    with pytest.raises(StoreError, match="cannot be opened"):
        Store.open(tmp_path, clock=clock, busy_deadline=1)
    assert not list(tmp_path.glob("*.corrupt-*"))
    Path(f"{path}-wal").rmdir()
    with Store.open(tmp_path, clock=clock) as store:
        assert store.counts()["pending"] == 3 and store.events == []
