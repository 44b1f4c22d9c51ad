"""Opening: where the file goes, how it is set up, schema versions, closing."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest

from offline_queue import SCHEMA_VERSION, Store, StoreClosedError, StoreVersionError
from offline_queue import paths as paths_mod
from tests.offline_queue.conftest import REPO_ROOT, FakeClock


def test_directory_gets_the_default_file_name(tmp_path: Path) -> None:
    with Store.open(tmp_path / "new" / "dir") as store:
        assert store.path == tmp_path / "new" / "dir" / "offline_queue.sqlite3"
        assert store.path.exists()


def test_explicit_file_path_is_used_as_is(tmp_path: Path) -> None:
    with Store.open(tmp_path / "sub" / "q.db") as store:
        assert store.path == tmp_path / "sub" / "q.db"
        assert store.path.exists()


def test_no_path_means_the_user_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []

    def fake_user_data_dir(app: str, appauthor: bool = False) -> str:
        calls.append(app)
        return str(tmp_path / "data" / app)

    monkeypatch.setattr(paths_mod, "user_data_dir", fake_user_data_dir)
    with Store.open() as store:
        assert store.path == tmp_path / "data" / "timetray" / "offline_queue.sqlite3"
    assert calls == ["timetray"]


def test_file_is_wal_with_full_sync(store: Store) -> None:
    conn = store._conns.get()
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert conn.execute("PRAGMA busy_timeout").fetchone()[0] >= 1000
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_data_survives_close_and_reopen(tmp_path: Path, clock: FakeClock) -> None:
    with Store.open(tmp_path, clock=clock) as store:
        a = store.enqueue("k", {"n": 1})
        store.park(store.enqueue("k", {"n": 2}).id, "no", 400)
        seg = store.open_segment("t", clock.now)
        store.cache_put("tasks", [1, 2])
    with Store.open(tmp_path, clock=clock) as again:
        assert again.get(a.id) == a
        assert again.counts() == {"pending": 1, "in_flight": 0, "parked": 1, "done": 0}
        assert [s.id for s in again.open_segments()] == [seg.id]
        assert again.cache_get("tasks").value == [1, 2]  # type: ignore[union-attr]
        assert again.events == []


def test_old_schema_is_migrated_forward(tmp_path: Path) -> None:
    path = tmp_path / "q.sqlite3"
    sqlite3.connect(path).close()  # an empty version-0 file, as a first run leaves it
    with Store.open(path) as store:
        assert store.schema_version == SCHEMA_VERSION
        store.enqueue("k", {})


def test_newer_schema_is_refused_and_left_untouched(tmp_path: Path) -> None:
    path = tmp_path / "q.sqlite3"
    with Store.open(path) as store:
        store.enqueue("k", {"keep": True})
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version={SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(StoreVersionError, match="newer Timetray"):
        Store.open(path)
    assert path.exists() and not list(tmp_path.glob("*.corrupt-*"))
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT count(*) FROM outbox").fetchone()[0] == 1
    conn.close()


def test_another_programs_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA application_id=1234")
    conn.execute("CREATE TABLE mine (x)")
    conn.close()
    with pytest.raises(StoreVersionError, match="another program"):
        Store.open(path)
    assert path.exists()


def test_naive_clock_is_refused_at_open(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="naive"):
        Store.open(tmp_path, clock=lambda: datetime(2026, 1, 1))


def test_closed_store_raises_clear_error(tmp_path: Path) -> None:
    store = Store.open(tmp_path)
    store.close()
    store.close()  # twice is fine
    assert store.closed
    with pytest.raises(StoreClosedError, match="closed"):
        store.enqueue("k", {})
    with pytest.raises(StoreClosedError):
        store.counts()


def test_reopening_a_current_file_does_not_load_the_migration_library(tmp_path: Path) -> None:
    # Every tray start and CLI call opens an up-to-date file; sqlite-utils (~4 MiB resident)
    # is only needed to create or migrate one.
    probe = (
        "import sys; from offline_queue import Store; "
        f"s = Store.open({str(tmp_path)!r}); s.cache_put('k', 1); "
        "print('sqlite_utils' in sys.modules, s.cache_get('k').value); s.close()"
    )

    def run_probe() -> str:
        return subprocess.run(
            [sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=REPO_ROOT
        ).stdout.strip()

    assert run_probe() == "True 1"  # a new file: created with the library
    assert run_probe() == "False 1"  # the same file again: opened and used without it
