"""``claim_next`` options: claim-and-mark-sent in one commit, completing the previous item in
the same commit, and leaving some items alone."""

from __future__ import annotations

from datetime import timedelta

from offline_queue import Completion, OutboxItem, Store
from tests.offline_queue.conftest import FakeClock


def test_mark_sent_claim_flags_the_item_before_anything_is_sent(store: Store) -> None:
    a = store.enqueue("k", {"n": 1})
    item = store.claim_next("w", mark_sent=True)
    assert item is not None and item.id == a.id
    assert item.maybe_sent is False  # what it was before this attempt: never sent
    stored = store.get(a.id)
    assert stored is not None and stored.state == "in_flight" and stored.maybe_sent


def test_crash_after_a_mark_sent_claim_means_one_check_never_a_blind_resend(
    store: Store, clock: FakeClock
) -> None:
    a = store.enqueue("k", {"n": 1})
    assert store.claim_next("tray", lease_seconds=10, mark_sent=True) is not None
    # The worker dies here: the request may or may not have left.
    clock.advance(11)
    again = store.claim_next("restarted")
    assert again is not None and again.id == a.id
    assert again.maybe_sent  # the new owner must check the server first


def test_plain_claim_does_not_mark_sent(store: Store) -> None:
    a = store.enqueue("k", {"n": 1})
    assert store.claim_next("w") is not None
    stored = store.get(a.id)
    assert stored is not None and not stored.maybe_sent


def test_refused_items_stay_pending_in_place_and_block_nothing(store: Store) -> None:
    other = store.enqueue("k", {"who": "b"})
    mine = store.enqueue("k", {"who": "a"})

    def accept(item: OutboxItem) -> bool:
        return item.payload["who"] == "a"

    got = store.claim_next("w", accept=accept)
    assert got is not None and got.id == mine.id
    store.complete(mine.id)
    assert store.claim_next("w", accept=accept) is None
    left = store.get(other.id)
    assert left is not None and left.state == "pending" and left.attempts == 0
    # Once accepted (the other account signs in), it goes first among what is left.
    later = store.enqueue("k", {"who": "b"})
    first = store.claim_next("w")
    assert first is not None and first.id == other.id
    store.complete(first.id)
    second = store.claim_next("w")
    assert second is not None and second.id == later.id


def test_an_accepted_head_waiting_for_its_retry_still_holds_back_the_rest(
    store: Store, clock: FakeClock
) -> None:
    store.enqueue("k", {"who": "b"})
    a1 = store.enqueue("k", {"who": "a"})
    store.enqueue("k", {"who": "a"})

    def accept(item: OutboxItem) -> bool:
        return item.payload["who"] == "a"

    claimed = store.claim_next("w", accept=accept)
    assert claimed is not None and claimed.id == a1.id
    store.retry_later(a1.id, "503", clock() + timedelta(seconds=30))
    assert store.claim_next("w", accept=accept) is None  # strict FIFO among accepted items
    clock.advance(31)
    again = store.claim_next("w", accept=accept)
    assert again is not None and again.id == a1.id


def test_a_claim_can_complete_the_previous_item_in_the_same_commit(store: Store) -> None:
    a = store.enqueue("k", {"n": 1})
    b = store.enqueue("k", {"n": 2})
    assert store.claim_next("w", mark_sent=True) is not None
    nxt = store.claim_next("w", mark_sent=True, complete=Completion(a.id, "srv-1", {"ok": 1}, "w"))
    assert nxt is not None and nxt.id == b.id
    done = store.get(a.id)
    assert done is not None and (done.state, done.server_id, done.result) == (
        "done",
        "srv-1",
        {"ok": 1},
    )
    assert store.counts()["done"] == 1 and store.counts()["in_flight"] == 1


def test_the_last_completion_is_recorded_even_when_nothing_is_left(store: Store) -> None:
    a = store.enqueue("k", {"n": 1})
    assert store.claim_next("w", mark_sent=True) is not None
    assert store.claim_next("w", complete=Completion(a.id, "srv-1")) is None
    done = store.get(a.id)
    assert done is not None and done.state == "done"


def test_a_crash_before_the_completing_claim_leaves_the_item_to_be_checked(
    store: Store, clock: FakeClock
) -> None:
    a = store.enqueue("k", {"n": 1})
    store.enqueue("k", {"n": 2})
    assert store.claim_next("tray", lease_seconds=10, mark_sent=True) is not None
    # The server applied item a; the process dies before the next claim records it.
    clock.advance(11)
    again = store.claim_next("restarted")
    assert again is not None and again.id == a.id and again.maybe_sent
