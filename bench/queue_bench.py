"""Benchmark of the offline_queue store: what durability costs, and how fast the queue drains.

Prints:
  * durable enqueue latency (p50, p99) over N items (default 10,000);
  * the same for a bare sqlite3 ``BEGIN IMMEDIATE; INSERT; COMMIT`` into the same schema with
    the same pragmas (WAL, synchronous=FULL), row values prepared outside the timing;
  * their ratio (goal: <= 1.3, i.e. the library adds at most 30 % to the fsync-bound cost);
  * claim_next + complete throughput per second.

The two enqueue series are interleaved item by item (alternating which goes first) so both
see the same disk conditions.
Usage: python bench/queue_bench.py [--count N] [--dir PATH]
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

# Measure this checkout's code, whatever is installed in the environment.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from offline_queue import Store, utc_now
from offline_queue.connection import configure
from offline_queue.timeutil import to_db

PAYLOAD = {"task_id": "60000000-0000-4000-8000-000000000003", "notes": "n" * 120}


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def bare_connection(path: Path) -> sqlite3.Connection:
    Store.open(path).close()  # the same schema and indexes as the store
    conn = sqlite3.connect(str(path), isolation_level=None)
    configure(conn)
    conn.execute("PRAGMA journal_mode=WAL")
    return conn


def run(count: int, directory: Path) -> dict[str, float]:
    store = Store.open(directory / "store.sqlite3")
    bare = bare_connection(directory / "bare.sqlite3")
    body = json.dumps(PAYLOAD)
    stamp = to_db(utc_now())
    rows = [(str(uuid.uuid4()), "timer.start", body, stamp, stamp) for _ in range(count)]
    insert = (
        "INSERT INTO outbox (id, kind, payload, state, attempts, created_at, updated_at,"
        " maybe_sent) VALUES (?, ?, ?, 'pending', 0, ?, ?, 0)"
    )
    for _ in range(50):  # warm up both files and the code paths
        store.enqueue("warmup", PAYLOAD)
        bare.execute("BEGIN IMMEDIATE")
        bare.execute(insert, (str(uuid.uuid4()), "warmup", body, stamp, stamp))
        bare.execute("COMMIT")

    ours: list[float] = []
    theirs: list[float] = []
    clock = time.perf_counter
    for n, row in enumerate(rows):
        for which in (0, 1) if n % 2 else (1, 0):  # alternate who goes first
            t0 = clock()
            if which == 0:
                store.enqueue("timer.start", PAYLOAD)
            else:
                bare.execute("BEGIN IMMEDIATE")
                bare.execute(insert, row)
                bare.execute("COMMIT")
            (ours if which == 0 else theirs).append(clock() - t0)
    bare.close()

    drained = 0
    t0 = clock()
    while (item := store.claim_next("bench", lease_seconds=60)) is not None:
        store.complete(item.id, server_id="s")
        drained += 1
    drain_s = clock() - t0
    store.close()

    return {
        "count": count,
        "enqueue_p50_us": percentile(ours, 0.50) * 1e6,
        "enqueue_p99_us": percentile(ours, 0.99) * 1e6,
        "bare_p50_us": percentile(theirs, 0.50) * 1e6,
        "bare_p99_us": percentile(theirs, 0.99) * 1e6,
        "enqueue_mean_us": statistics.fmean(ours) * 1e6,
        "bare_mean_us": statistics.fmean(theirs) * 1e6,
        "claim_complete_per_s": drained / drain_s if drain_s else float("inf"),
        "drained": drained,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--count", type=int, default=10_000, help="items (default 10000)")
    parser.add_argument("--dir", type=Path, default=None, help="where to put the files")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        r = run(args.count, Path(tmp))
    p50_ratio = r["enqueue_p50_us"] / r["bare_p50_us"]
    p99_ratio = r["enqueue_p99_us"] / r["bare_p99_us"]
    print(f"items: {r['count']:.0f} (WAL, synchronous=FULL, fsync per commit)")
    ours = f"p50 {r['enqueue_p50_us']:8.1f} us   p99 {r['enqueue_p99_us']:8.1f} us"
    print(f"durable enqueue      {ours}")
    print(f"bare INSERT+COMMIT   p50 {r['bare_p50_us']:8.1f} us   p99 {r['bare_p99_us']:8.1f} us")
    print(
        f"ratio                p50 {p50_ratio:8.2f}      p99 {p99_ratio:8.2f}     "
        f"(goal <= 1.30: {'met' if max(p50_ratio, p99_ratio) <= 1.3 else 'NOT met'})"
    )
    print(
        f"claim+complete       {r['claim_complete_per_s']:8.0f} items/s "
        f"({r['drained']:.0f} items, two durable commits each)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
