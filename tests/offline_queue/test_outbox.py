"""Every outbox operation and state change, with a hand-driven clock."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from offline_queue import (
    DuplicateItemError,
    InvalidStateError,
    ItemNotFoundError,
    LeaseLostError,
    Store,
)
from tests.offline_queue.conftest import FakeClock


def test_enqueue_stores_a_pending_item_with_client_uuid_and_utc_time(
    store: Store, clock: FakeClock
) -> None:
    item = store.enqueue("timer.start", {"task_id": "t-1", "note": "café"})

    assert uuid.UUID(item.id).version == 4
    assert item.state == "pending"
    assert item.kind == "timer.start"
    assert item.payload == {"task_id": "t-1", "note": "café"}
    assert item.attempts == 0 and not item.maybe_sent
    assert item.created_at == clock.now and item.created_at.tzinfo is not None
    assert store.get(item.id) == item


def test_enqueue_keeps_a_given_id_in_canonical_form(store: Store) -> None:
    raw = "{A1B2C3D4-0000-4000-8000-00000000000F}"
    item = store.enqueue("k", {}, item_id=raw)
    assert item.id == "a1b2c3d4-0000-4000-8000-00000000000f"
    assert store.get(item.id) is not None


def test_enqueue_same_id_twice_is_idempotent(store: Store) -> None:
    iid = str(uuid.uuid4())
    first = store.enqueue("k", {"a": 1}, item_id=iid)
    again = store.enqueue("k", {"a": 1}, item_id=iid)
    assert again == first
    assert store.counts()["pending"] == 1


def test_enqueue_same_id_with_other_content_is_refused(store: Store) -> None:
    iid = str(uuid.uuid4())
    store.enqueue("k", {"a": 1}, item_id=iid)
    with pytest.raises(DuplicateItemError):
        store.enqueue("k", {"a": 2}, item_id=iid)
    assert store.get(iid) is not None and store.get(iid).payload == {"a": 1}  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("kind", "payload", "item_id", "exc"),
    [
        ("", {}, None, ValueError),
        ("k", [1, 2], None, TypeError),
        ("k", {"x": float("nan")}, None, ValueError),
        ("k", {"x": object()}, None, ValueError),
        ("k", {}, "not-a-uuid", ValueError),
    ],
)
def test_enqueue_rejects_bad_input_and_stores_nothing(
    store: Store, kind: str, payload: object, item_id: str | None, exc: type[Exception]
) -> None:
    with pytest.raises(exc):
        store.enqueue(kind, payload, item_id=item_id)  # type: ignore[arg-type]
    assert store.items() == []


def test_claim_returns_items_in_fifo_order(store: Store) -> None:
    ids = [store.enqueue("k", {"n": n}).id for n in range(5)]
    got = []
    while (item := store.claim_next("w")) is not None:
        assert item.state == "in_flight" and item.owner == "w"
        store.complete(item.id)
        got.append(item.id)
    assert got == ids


def test_claim_on_empty_queue_returns_none(store: Store) -> None:
    assert store.claim_next("w") is None


def test_claimed_item_blocks_other_owners_until_completed(store: Store) -> None:
    a = store.enqueue("k", {"n": 1})
    b = store.enqueue("k", {"n": 2})
    assert store.claim_next("tray").id == a.id  # type: ignore[union-attr]
    assert store.claim_next("cli") is None
    store.complete(a.id, server_id="srv-a")
    assert store.claim_next("cli").id == b.id  # type: ignore[union-attr]


def test_owner_claiming_again_gets_its_own_item_back(store: Store, clock: FakeClock) -> None:
    a = store.enqueue("k", {})
    store.enqueue("k", {})
    store.claim_next("w", lease_seconds=30)
    clock.advance(10)
    again = store.claim_next("w", lease_seconds=30)
    assert again is not None and again.id == a.id
    assert again.lease_until == clock.now + timedelta(seconds=30)


def test_expired_lease_is_claimable_and_reports_maybe_sent(store: Store, clock: FakeClock) -> None:
    a = store.enqueue("k", {})
    store.claim_next("crashed", lease_seconds=60)
    store.mark_sent(a.id)
    clock.advance(59)
    assert store.claim_next("other") is None
    clock.advance(2)
    taken = store.claim_next("other")
    assert taken is not None and taken.id == a.id
    assert taken.maybe_sent is True and taken.owner == "other"


def test_expired_lease_without_mark_sent_is_not_maybe_sent(store: Store, clock: FakeClock) -> None:
    a = store.enqueue("k", {})
    store.claim_next("crashed", lease_seconds=5)
    clock.advance(6)
    taken = store.claim_next("other")
    assert taken is not None and taken.id == a.id and taken.maybe_sent is False


def test_old_owner_cannot_touch_an_item_taken_over(store: Store, clock: FakeClock) -> None:
    a = store.enqueue("k", {})
    store.claim_next("old", lease_seconds=5)
    clock.advance(6)
    store.claim_next("new")
    with pytest.raises(LeaseLostError):
        store.mark_sent(a.id, owner="old")
    with pytest.raises(LeaseLostError):
        store.retry_later(a.id, "x", clock.now, owner="old")
    with pytest.raises(LeaseLostError):
        store.park(a.id, "x", owner="old")
    assert store.get(a.id).owner == "new"  # type: ignore[union-attr]
    store.mark_sent(a.id, owner="new")


def test_mark_sent_requires_a_claimed_item(store: Store) -> None:
    a = store.enqueue("k", {})
    with pytest.raises(InvalidStateError):
        store.mark_sent(a.id)
    store.claim_next("w")
    assert store.mark_sent(a.id).maybe_sent is True
    assert store.get(a.id).maybe_sent is True  # type: ignore[union-attr]


def test_complete_records_server_id_and_result(store: Store, clock: FakeClock) -> None:
    a = store.enqueue("k", {})
    store.claim_next("w")
    done = store.complete(a.id, server_id="srv-1", result={"duration": 45})
    assert done.state == "done" and done.server_id == "srv-1"
    assert done.result == {"duration": 45} and done.done_at == clock.now
    assert done.owner is None and done.lease_until is None
    assert store.counts() == {"pending": 0, "in_flight": 0, "parked": 0, "done": 1}


def test_complete_twice_changes_nothing(store: Store, clock: FakeClock) -> None:
    a = store.enqueue("k", {})
    store.claim_next("w")
    first = store.complete(a.id, server_id="srv-1")
    clock.advance(5)
    assert store.complete(a.id, server_id="srv-other") == first


def test_complete_a_pending_item_directly(store: Store) -> None:
    # The syncer found on the server that the command already happened.
    a = store.enqueue("k", {})
    assert store.complete(a.id, server_id="s").state == "done"


def test_complete_parked_item_is_refused(store: Store) -> None:
    a = store.enqueue("k", {})
    store.park(a.id, "nope", 422)
    with pytest.raises(InvalidStateError):
        store.complete(a.id)


def test_retry_later_counts_attempts_and_holds_the_queue_until_due(
    store: Store, clock: FakeClock
) -> None:
    a = store.enqueue("k", {})
    b = store.enqueue("k", {})
    store.claim_next("w")
    later = clock.now + timedelta(seconds=30)
    item = store.retry_later(a.id, "connection refused", later, status=503)
    assert item.state == "pending" and item.attempts == 1
    assert item.last_error == "connection refused" and item.last_status == 503
    assert item.not_before == later and item.owner is None

    # Strict FIFO: b must not overtake a while a waits.
    assert store.claim_next("w") is None
    assert store.next_due_at() == later
    clock.advance(30)
    assert store.claim_next("w").id == a.id  # type: ignore[union-attr]
    store.retry_later(a.id, "again", clock.now)
    assert store.get(a.id).attempts == 2  # type: ignore[union-attr]
    assert store.get(b.id).state == "pending"  # type: ignore[union-attr]


def test_retry_later_keeps_or_clears_maybe_sent(store: Store, clock: FakeClock) -> None:
    a = store.enqueue("k", {})
    store.claim_next("w")
    store.mark_sent(a.id)
    assert store.retry_later(a.id, "timeout", clock.now).maybe_sent is True
    store.claim_next("w")
    assert store.retry_later(a.id, "refused", clock.now, maybe_sent=False).maybe_sent is False


def test_retry_later_rejects_naive_time(store: Store) -> None:
    a = store.enqueue("k", {})
    with pytest.raises(ValueError, match="naive"):
        store.retry_later(a.id, "x", datetime(2026, 1, 1))
    assert store.get(a.id).attempts == 0  # type: ignore[union-attr]


def test_parked_item_is_kept_listed_and_does_not_block(store: Store) -> None:
    a = store.enqueue("k", {"n": 1})
    b = store.enqueue("k", {"n": 2})
    store.claim_next("w")
    parked = store.park(a.id, "Task is blocked.", 422)
    assert parked.state == "parked" and parked.last_error == "Task is blocked."
    assert parked.last_status == 422 and parked.owner is None
    assert [i.id for i in store.items(["parked"])] == [a.id]
    assert store.claim_next("w").id == b.id  # type: ignore[union-attr]
    assert store.counts() == {"pending": 0, "in_flight": 1, "parked": 1, "done": 0}


def test_edit_changes_a_parked_payload_only(store: Store) -> None:
    a = store.enqueue("k", {"note": "bad"})
    with pytest.raises(InvalidStateError):
        store.edit(a.id, {"note": "good"})
    store.park(a.id, "Note is required.", 422)
    edited = store.edit(a.id, {"note": "good"})
    assert edited.payload == {"note": "good"} and edited.state == "parked"
    assert store.get(a.id).payload == {"note": "good"}  # type: ignore[union-attr]


def test_unpark_puts_item_back_in_its_original_place(store: Store) -> None:
    a = store.enqueue("k", {"n": 1})
    b = store.enqueue("k", {"n": 2})
    c = store.enqueue("k", {"n": 3})
    store.park(a.id, "no", 409)
    assert store.claim_next("w").id == b.id  # type: ignore[union-attr]
    store.complete(b.id)
    back = store.unpark(a.id)
    assert back.state == "pending" and back.seq == a.seq and back.not_before is None
    assert [i.id for i in store.items(["pending"])] == [a.id, c.id]
    assert store.claim_next("w").id == a.id  # type: ignore[union-attr]


def test_unpark_while_another_item_is_in_flight_keeps_drain_serial(store: Store) -> None:
    a = store.enqueue("k", {})
    b = store.enqueue("k", {})
    store.park(a.id, "no")
    assert store.claim_next("tray").id == b.id  # type: ignore[union-attr]
    store.unpark(a.id)
    assert store.claim_next("cli") is None  # b is still being sent by the tray


def test_unpark_requires_parked(store: Store) -> None:
    a = store.enqueue("k", {})
    with pytest.raises(InvalidStateError, match="pending"):
        store.unpark(a.id)


def test_discard_removes_parked_or_pending_but_not_in_flight_or_done(store: Store) -> None:
    a = store.enqueue("k", {})
    b = store.enqueue("k", {})
    c = store.enqueue("k", {})
    store.park(a.id, "no")
    assert store.discard(a.id).id == a.id
    assert store.get(a.id) is None
    store.claim_next("w")  # b in flight
    with pytest.raises(InvalidStateError, match="in flight"):
        store.discard(b.id)
    store.complete(b.id)
    with pytest.raises(InvalidStateError):
        store.discard(b.id)
    store.discard(c.id)
    assert [i.id for i in store.items()] == [b.id]


def test_park_done_item_is_refused(store: Store) -> None:
    a = store.enqueue("k", {})
    store.complete(a.id)
    with pytest.raises(InvalidStateError):
        store.park(a.id, "late")


def test_unknown_item_raises_not_found(store: Store, clock: FakeClock) -> None:
    missing = str(uuid.uuid4())
    assert store.get(missing) is None
    calls: list[Callable[[], object]] = [
        lambda: store.mark_sent(missing),
        lambda: store.complete(missing),
        lambda: store.retry_later(missing, "x", clock.now),
        lambda: store.park(missing, "x"),
        lambda: store.edit(missing, {}),
        lambda: store.unpark(missing),
        lambda: store.discard(missing),
    ]
    for call in calls:
        with pytest.raises(ItemNotFoundError):
            call()


def test_items_filters_by_state_in_fifo_order(store: Store) -> None:
    ids = [store.enqueue("k", {"n": n}).id for n in range(4)]
    store.park(ids[1], "no")
    store.complete(ids[2])
    assert [i.id for i in store.items()] == ids
    assert [i.id for i in store.items(["pending", "parked"])] == [ids[0], ids[1], ids[3]]
    assert store.items([]) == []
    with pytest.raises(ValueError):
        store.items(["bogus"])


def test_purge_done_keeps_recent_and_unfinished_items(tmp_path: Path, clock: FakeClock) -> None:
    store = Store.open(tmp_path, clock=clock, retention_days=7)
    old = store.enqueue("k", {})
    store.complete(old.id)
    clock.advance(days=3)
    recent = store.enqueue("k", {})
    store.complete(recent.id)
    waiting = store.enqueue("k", {})
    clock.advance(days=5)  # old is 8 days done, recent 5
    assert store.purge_done() == 1
    assert store.get(old.id) is None
    assert store.get(recent.id) is not None and store.get(waiting.id) is not None
    assert store.purge_done(older_than_days=0) == 1
    assert [i.id for i in store.items()] == [waiting.id]
    store.close()


def test_retention_is_applied_on_open_and_while_running(tmp_path: Path, clock: FakeClock) -> None:
    store = Store.open(tmp_path, clock=clock, retention_days=1)
    a = store.enqueue("k", {})
    store.complete(a.id)
    clock.advance(days=2)
    b = store.enqueue("k", {})
    store.complete(b.id)  # more than an hour since the last purge: a goes
    assert store.get(a.id) is None and store.get(b.id) is not None
    store.close()
    clock.advance(days=2)
    reopened = Store.open(tmp_path, clock=clock, retention_days=1)
    assert reopened.items() == []
    reopened.close()


def test_next_due_at(store: Store, clock: FakeClock) -> None:
    assert store.next_due_at() is None
    a = store.enqueue("k", {})
    assert store.next_due_at() == clock.now
    store.claim_next("w", lease_seconds=20)
    assert store.next_due_at() == clock.now + timedelta(seconds=20)
    store.retry_later(a.id, "x", clock.now + timedelta(minutes=2))
    assert store.next_due_at() == clock.now + timedelta(minutes=2)


def test_times_are_stored_and_returned_as_aware_utc(tmp_path: Path) -> None:
    from zoneinfo import ZoneInfo

    local = datetime(2026, 3, 1, 12, 0, tzinfo=ZoneInfo("Asia/Karachi"))
    store = Store.open(tmp_path, clock=lambda: local)
    item = store.enqueue("k", {})
    assert item.created_at == local and item.created_at.utcoffset() == timedelta(0)
    assert store.get(item.id).created_at.tzinfo == UTC  # type: ignore[union-attr]
    store.close()
