"""The journal of locally measured timer segments."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from offline_queue import InvalidStateError, ItemNotFoundError, Store
from tests.offline_queue.conftest import FakeClock


def test_open_heartbeat_close(store: Store, clock: FakeClock) -> None:
    start = clock.now
    seg = store.open_segment("task-1", start, {"source": "offline"})
    assert seg.is_open and seg.meta == {"source": "offline"} and seg.last_heartbeat == start
    clock.advance(5)
    assert store.heartbeat() == 1
    assert store.open_segments()[0].last_heartbeat == clock.now
    clock.advance(60)
    closed = store.close_segment(seg.id, clock.now)
    assert not closed.is_open and closed.ended_at == clock.now
    assert closed.duration() == timedelta(seconds=65)
    assert store.open_segments() == []
    assert store.heartbeat() == 0


def test_heartbeat_never_moves_backwards(store: Store, clock: FakeClock) -> None:
    store.open_segment("t", clock.now)
    clock.advance(30)
    store.heartbeat()
    store.heartbeat(clock.now - timedelta(seconds=20))  # a clock that stepped back
    assert store.open_segments()[0].last_heartbeat == clock.now


def test_crash_recovery_ends_open_segment_at_last_heartbeat(
    tmp_path: Path, clock: FakeClock
) -> None:
    store = Store.open(tmp_path, clock=clock)
    seg = store.open_segment("t", clock.now)
    clock.advance(40)
    store.heartbeat()
    last_beat = clock.now
    # Crash: nobody closes the segment. Hours later the app starts again.
    store._conns.close()
    clock.advance(hours=3)
    again = Store.open(tmp_path, clock=clock)
    recovered = again.recover_open_segments()
    assert [s.id for s in recovered] == [seg.id]
    assert recovered[0].ended_at == last_beat and recovered[0].recovered
    assert recovered[0].duration() == timedelta(seconds=40)
    assert again.open_segments() == []
    assert again.recover_open_segments() == []
    again.close()


def test_recover_with_stale_after_spares_live_segments(store: Store, clock: FakeClock) -> None:
    stale = store.open_segment("a", clock.now)
    clock.advance(120)
    live = store.open_segment("b", clock.now)
    clock.advance(5)
    recovered = store.recover_open_segments(stale_after=60)
    assert [s.id for s in recovered] == [stale.id]
    assert [s.id for s in store.open_segments()] == [live.id]


def test_segment_started_in_the_future_never_recovers_before_its_start(
    store: Store, clock: FakeClock
) -> None:
    start = clock.now + timedelta(seconds=10)
    store.open_segment("t", start)
    [seg] = store.recover_open_segments()
    assert seg.ended_at == start


def test_close_rules(store: Store, clock: FakeClock) -> None:
    seg = store.open_segment("t", clock.now)
    with pytest.raises(ValueError):
        store.close_segment(seg.id, clock.now - timedelta(seconds=1))
    end = clock.advance(10)
    first = store.close_segment(seg.id, end)
    assert store.close_segment(seg.id, end) == first  # repeat is harmless
    with pytest.raises(InvalidStateError):
        store.close_segment(seg.id, end + timedelta(seconds=5))
    with pytest.raises(ItemNotFoundError):
        store.close_segment("nope", end)


def test_naive_times_are_refused(store: Store) -> None:
    with pytest.raises(ValueError, match="naive"):
        store.open_segment("t", datetime(2026, 1, 1, 9))
    assert store.segments() == []


def test_listing_filters_and_delete(store: Store, clock: FakeClock) -> None:
    a = store.open_segment("t1", clock.now)
    clock.advance(60)
    store.close_segment(a.id, clock.now)
    b = store.open_segment("t2", clock.now)
    clock.advance(60)
    c = store.open_segment("t1", clock.now)
    assert [s.id for s in store.segments()] == [a.id, b.id, c.id]
    assert [s.id for s in store.segments(task_id="t1")] == [a.id, c.id]
    assert [s.id for s in store.segments(closed=True)] == [a.id]
    assert [s.id for s in store.segments(task_id="t1", closed=False)] == [c.id]
    assert store.delete_segments([a.id, b.id, "unknown"]) == 2
    assert store.delete_segments([]) == 0
    assert [s.id for s in store.segments()] == [c.id]
