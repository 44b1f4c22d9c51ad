"""Property-based tests of the FIFO / retry / park rules (hypothesis).

Two views: a user-level property (draining the queue completes every non-parked item once, in
enqueue order, whatever retries happen), and a state machine comparing the store with a
plain in-memory model of the rules through random sequences of every operation.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import hypothesis.strategies as st
from hypothesis import HealthCheck, given, settings
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from offline_queue import InvalidStateError, Store
from tests.offline_queue.conftest import FakeClock

# What happens to an item on each attempt: "ok", "retry" (transient, with a delay) or "park".
outcome = st.one_of(
    st.just(("ok", 0)),
    st.tuples(st.just("retry"), st.integers(min_value=0, max_value=120)),
    st.just(("park", 0)),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(plans=st.lists(st.lists(outcome, min_size=1, max_size=4), min_size=1, max_size=12))
def test_drain_completes_every_unparked_item_once_in_enqueue_order(
    plans: list[list[tuple[str, int]]],
) -> None:
    clock = FakeClock()
    tmp = Path(tempfile.mkdtemp())
    try:
        with Store.open(tmp, clock=clock) as store:
            ids = [store.enqueue("k", {"n": n}).id for n in range(len(plans))]
            attempt = dict.fromkeys(ids, 0)
            completed: list[str] = []
            parked: set[str] = set()
            due: dict[str, datetime] = {}  # retry time of each retried item
            for _ in range(200):
                item = store.claim_next("w", lease_seconds=30)
                if item is None:
                    wake = store.next_due_at()
                    if wake is None:
                        break
                    clock.now = max(clock.now, wake)  # wait for the head's retry time
                    continue
                assert clock.now >= due.get(item.id, clock.now)  # never before its retry time
                plan = plans[ids.index(item.id)]
                # Once the plan runs out, the item succeeds.
                kind, delay = plan[min(attempt[item.id], len(plan) - 1)]
                if attempt[item.id] >= len(plan):
                    kind = "ok"
                attempt[item.id] += 1
                if kind == "ok":
                    store.complete(item.id, server_id=f"s-{item.id}")
                    completed.append(item.id)
                elif kind == "park":
                    store.park(item.id, "rejected", 422)
                    parked.add(item.id)
                else:
                    due[item.id] = clock.now + timedelta(seconds=delay)
                    store.retry_later(item.id, "busy", due[item.id])
            assert completed == [i for i in ids if i not in parked]
            assert store.counts() == {
                "pending": 0,
                "in_flight": 0,
                "parked": len(parked),
                "done": len(completed),
            }
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


@dataclass
class ModelItem:
    id: str
    seq: int
    state: str = "pending"
    not_before: datetime | None = None
    owner: str | None = None
    lease_until: datetime | None = None
    maybe_sent: bool = False
    attempts: int = 0


class QueueMachine(RuleBasedStateMachine):
    """The store against a model that states the claim rules in the plainest way."""

    @initialize()
    def setup(self) -> None:
        self.tmp = Path(tempfile.mkdtemp())
        self.clock = FakeClock()
        self.store = Store.open(self.tmp, clock=self.clock)
        self.model: dict[str, ModelItem] = {}

    def teardown(self) -> None:
        if hasattr(self, "store"):
            self.store.close()
            shutil.rmtree(self.tmp, ignore_errors=True)

    def _in(self, *states: str) -> list[str]:
        return [m.id for m in self.model.values() if m.state in states]

    def _expected_claim(self, owner: str) -> ModelItem | None:
        now = self.clock.now
        active = sorted(
            (m for m in self.model.values() if m.state in ("pending", "in_flight")),
            key=lambda m: m.seq,
        )
        live = [m for m in active if m.state == "in_flight" and m.lease_until > now]  # type: ignore[operator]
        if live:
            return live[0] if live[0].owner == owner else None
        if not active:
            return None
        head = active[0]
        if head.state == "pending" and head.not_before is not None and head.not_before > now:
            return None
        return head

    @rule(n=st.integers(0, 99))
    def enqueue(self, n: int) -> None:
        item = self.store.enqueue("k", {"n": n})
        self.model[item.id] = ModelItem(item.id, item.seq)

    @rule(owner=st.sampled_from(["tray", "cli"]), lease=st.sampled_from([5, 30]))
    def claim(self, owner: str, lease: int) -> None:
        expected = self._expected_claim(owner)
        got = self.store.claim_next(owner, lease_seconds=lease)
        assert (got.id if got else None) == (expected.id if expected else None)
        if got is not None and expected is not None:
            assert got.maybe_sent == expected.maybe_sent
            expected.state, expected.owner = "in_flight", owner
            expected.lease_until = self.clock.now + timedelta(seconds=lease)

    @precondition(lambda self: self._in("in_flight"))
    @rule(data=st.data())
    def mark_sent(self, data: st.DataObject) -> None:
        iid = data.draw(st.sampled_from(self._in("in_flight")))
        self.store.mark_sent(iid)
        self.model[iid].maybe_sent = True

    @precondition(lambda self: self._in("in_flight", "pending"))
    @rule(data=st.data())
    def complete(self, data: st.DataObject) -> None:
        iid = data.draw(st.sampled_from(self._in("in_flight", "pending")))
        self.store.complete(iid, server_id="s")
        m = self.model[iid]
        m.state, m.owner, m.lease_until, m.not_before = "done", None, None, None

    @precondition(lambda self: self._in("in_flight", "pending"))
    @rule(data=st.data(), delay=st.sampled_from([0, 10, 60]))
    def retry_later(self, data: st.DataObject, delay: int) -> None:
        iid = data.draw(st.sampled_from(self._in("in_flight", "pending")))
        when = self.clock.now + timedelta(seconds=delay)
        self.store.retry_later(iid, "transient", when)
        m = self.model[iid]
        m.state, m.owner, m.lease_until, m.not_before = "pending", None, None, when
        m.attempts += 1

    @precondition(lambda self: self._in("in_flight", "pending"))
    @rule(data=st.data())
    def park(self, data: st.DataObject) -> None:
        iid = data.draw(st.sampled_from(self._in("in_flight", "pending")))
        self.store.park(iid, "rejected", 400)
        m = self.model[iid]
        m.state, m.owner, m.lease_until, m.not_before = "parked", None, None, None

    @precondition(lambda self: self._in("parked"))
    @rule(data=st.data())
    def unpark(self, data: st.DataObject) -> None:
        iid = data.draw(st.sampled_from(self._in("parked")))
        self.store.edit(iid, {"edited": True})
        self.store.unpark(iid)
        self.model[iid].state = "pending"

    @precondition(lambda self: self._in("parked", "pending"))
    @rule(data=st.data())
    def discard(self, data: st.DataObject) -> None:
        iid = data.draw(st.sampled_from(self._in("parked", "pending")))
        self.store.discard(iid)
        del self.model[iid]

    @precondition(lambda self: self._in("in_flight", "done"))
    @rule(data=st.data())
    def refused_changes(self, data: st.DataObject) -> None:
        iid = data.draw(st.sampled_from(self._in("in_flight", "done")))
        for call in (self.store.unpark, self.store.discard):
            try:
                call(iid)
            except InvalidStateError:
                pass
            else:
                raise AssertionError(f"{call.__name__} accepted a {self.model[iid].state} item")

    @rule(seconds=st.sampled_from([1, 6, 31, 61]))
    def tick(self, seconds: int) -> None:
        self.clock.advance(seconds)

    @invariant()
    def store_matches_model(self) -> None:
        if not hasattr(self, "store"):
            return
        items = self.store.items()
        expected = sorted(self.model.values(), key=lambda m: m.seq)
        assert [(i.id, i.state) for i in items] == [(m.id, m.state) for m in expected]
        assert [i.attempts for i in items] == [m.attempts for m in expected]
        counts = self.store.counts()
        for state in ("pending", "in_flight", "parked", "done"):
            assert counts[state] == sum(1 for m in expected if m.state == state)


QueueMachine.TestCase.settings = settings(
    max_examples=60,
    stateful_step_count=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
test_queue_state_machine = QueueMachine.TestCase
