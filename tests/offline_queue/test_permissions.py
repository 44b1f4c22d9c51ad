"""The store holds notes, task titles and attendance: no other user of the machine may read it."""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from offline_queue import Store
from tests.offline_queue.conftest import FakeClock

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def open_umask() -> Iterator[None]:
    """The usual desktop umask, under which files come out 0644 unless created private."""
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)


@pytest.mark.usefixtures("open_umask")
def test_a_new_store_and_its_wal_files_are_private(tmp_path: Path, clock: FakeClock) -> None:
    folder = tmp_path / "timetray"
    store = Store.open(folder, clock=clock)
    try:
        store.enqueue("timer.stop", {"notes": "salary talk with HR"})
        db = folder / "offline_queue.sqlite3"
        files = [db, Path(f"{db}-wal"), Path(f"{db}-shm")]
        assert all(f.exists() for f in files)
        assert {f.name: _mode(f) for f in files} == {f.name: 0o600 for f in files}
        assert _mode(folder) == 0o700
    finally:
        store.close()


@pytest.mark.usefixtures("open_umask")
def test_an_existing_readable_store_is_tightened_and_the_change_logged(
    tmp_path: Path, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    store = Store.open(tmp_path, clock=clock)
    store.enqueue("timer.stop", {"notes": "kept"})
    store.close()
    db = tmp_path / "offline_queue.sqlite3"
    wal = Path(f"{db}-wal")
    wal.write_bytes(b"")  # an older version's leftover side file
    for f in (db, wal):
        os.chmod(f, 0o644)

    with caplog.at_level(logging.INFO, logger="offline_queue"):
        again = Store.open(tmp_path, clock=clock)
    try:
        assert _mode(db) == 0o600
        assert [item.payload for item in again.items()] == [{"notes": "kept"}]
    finally:
        again.close()
    tightened = [r.getMessage() for r in caplog.records if "made private" in r.getMessage()]
    assert any(str(db) in m and "0644 -> 0600" in m for m in tightened), tightened
