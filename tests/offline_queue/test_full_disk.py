"""A full disk: a clear error, nothing already stored is lost, and the store keeps working."""

from __future__ import annotations

from pathlib import Path

import pytest

from offline_queue import Store, StoreFullError
from tests.offline_queue.conftest import FakeClock


def _cap_file_size(store: Store) -> None:
    # SQLite answers SQLITE_FULL when the file may not grow, exactly as with a full disk.
    conn = store._conns.get()
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    conn.execute(f"PRAGMA max_page_count={pages + 2}")


def test_full_disk_raises_clear_error_and_keeps_earlier_items(
    tmp_path: Path, clock: FakeClock
) -> None:
    store = Store.open(tmp_path, clock=clock)
    saved = [store.enqueue("k", {"n": n, "pad": "x" * 500}) for n in range(20)]
    store.claim_next("w")
    store.complete(saved[0].id, server_id="srv-0")
    seg = store.open_segment("t", clock.now)
    _cap_file_size(store)

    with pytest.raises(StoreFullError, match="Disk full") as info:
        for n in range(1000):
            store.enqueue("k", {"n": 100 + n, "pad": "y" * 4000})
    assert "safe" in str(info.value)

    # The store still answers and still changes what fits in place.
    accepted = [i for i in store.items() if i.payload["n"] >= 100]
    assert store.counts()["done"] == 1
    store.claim_next("w")
    store.complete(saved[1].id, server_id="srv-1")
    store.heartbeat()
    store.close()

    with Store.open(tmp_path, clock=clock) as again:
        by_id = {i.id: i for i in again.items()}
        for item in saved:
            assert by_id[item.id].payload == item.payload
        assert by_id[saved[0].id].server_id == "srv-0"
        assert by_id[saved[1].id].state == "done"
        assert len(by_id) == len(saved) + len(accepted)  # nothing half-written appeared
        assert [s.id for s in again.open_segments()] == [seg.id]
        again.enqueue("k", {"room": "again"})  # room again after the disk was freed
