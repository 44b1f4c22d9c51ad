"""A separate process for the crash and two-process tests: ``python worker.py MODE ...``.

Modes:
  writer DIR START       enqueue items START, START+1, ... forever, draining one in three and
                         heartbeating an open segment; prints each acknowledgement as it returns.
  share DIR NAME N S     enqueue N items in lockstep with the other S-1 sharers while draining
                         the shared queue, then drain it empty once every sharer has finished
                         enqueueing; prints what it completed.
"""

from __future__ import annotations

import json
import sys
import time
import uuid
from pathlib import Path
from typing import Any

from offline_queue import Store, utc_now

NAMESPACE = uuid.UUID("6f1c1f0e-8d0e-4a55-9a3c-0c6d2f9e6a11")


def item_id(i: int) -> str:
    return str(uuid.uuid5(NAMESPACE, str(i)))


def payload(i: int) -> dict[str, Any]:
    return {"i": i, "pad": "p" * (i * 37 % 900), "tail": f"end-{i}"}


def say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def writer(directory: str, start: int) -> None:
    store = Store.open(directory)
    seg = store.open_segment("crash-task", utc_now())
    say(f"seg {seg.id}")
    i = start
    while True:
        store.enqueue("k", payload(i), item_id=item_id(i))
        say(f"ack {i}")
        if i % 3 == 0:
            claimed = store.claim_next("writer", lease_seconds=600)
            if claimed is not None:
                store.mark_sent(claimed.id)
                store.complete(claimed.id, server_id=f"srv-{claimed.id}", result={"ok": True})
                say(f"done {claimed.id}")
        if i % 4 == 0:
            beat = utc_now()
            store.heartbeat(beat)
            say(f"hb {beat.isoformat()}")
        i += 1


def share(directory: str, name: str, n: int, sharers: int) -> None:
    go = Path(directory) / "go"
    while not go.exists():  # start together, for the most overlap
        time.sleep(0.005)
    store = Store.open(directory)
    completed: list[str] = []

    def drain_one() -> bool:
        item = store.claim_next(name, lease_seconds=60)
        if item is None:
            return False
        store.mark_sent(item.id, owner=name)
        store.complete(item.id, server_id=name, owner=name)
        completed.append(item.id)
        return True

    others = [f"w{key}" for key in range(sharers) if f"w{key}" != name]

    def enqueued(who: str) -> int:
        got = store.cache_get(f"enqueued:{who}")
        return 0 if got is None else int(got.value)

    for k in range(n):
        # Lockstep: item k only once every other sharer has enqueued k items, so the two
        # processes' writes interleave by construction, however the OS schedules them.
        while any(enqueued(other) < k for other in others):
            time.sleep(0.001)
        store.enqueue("k", {"by": name, "k": k})
        store.cache_put(f"enqueued:{name}", k + 1)
        drain_one()
    store.cache_put(f"finished:{name}", True)
    while True:
        if drain_one():
            continue
        counts = store.counts()
        finished = sum(
            1 for key in range(sharers) if store.cache_get(f"finished:w{key}") is not None
        )
        if finished == sharers and counts["pending"] == 0 and counts["in_flight"] == 0:
            break
        time.sleep(0.002)
    store.close()
    say(json.dumps({"completed": completed}))


def main(argv: list[str]) -> None:
    mode = argv[0]
    if mode == "writer":
        writer(argv[1], int(argv[2]))
    elif mode == "share":
        share(argv[1], argv[2], int(argv[3]), int(argv[4]))
    else:
        raise SystemExit(f"unknown mode {mode}")


if __name__ == "__main__":
    main(sys.argv[1:])
