"""Sync throughput and idle cost of the core, against the contract test server.

Prints: items/s draining 1,000 queued manual entries through the core; items/s of a bare httpx
loop posting the same bodies to the same server; their ratio (goal >= 0.8), once against the
server as it is (answers in about a millisecond) and once with ``--latency-ms`` added to every
answer (20 ms by default, like the real server), where the per-item overhead of the core no
longer hides behind a fast server. Then, for an idle signed-in tray of a user with
``--history`` (3,000) logs: CPU seconds, bytes and requests per hour, measured over a window of
several poll intervals (60 s by default: four 15 s polls) after the start-up fetch, scaled to
an hour. The task refresh runs every 60 s in that window instead of every 300 s, so the
traffic figures are an upper bound (goal: under 1 MB/h, and at most 2 requests per poll).

    .venv/bin/python bench/sync_bench.py [--items 1000] [--latency-ms 20] [--idle-seconds 60]
"""

from __future__ import annotations

import argparse
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
# A file keyring (tests only) so that the idle run can restore the session like a real tray.
os.environ["PYTHON_KEYRING_BACKEND"] = "tests.core.filekeyring.FileKeyring"
os.environ["TIMETRAY_TEST_KEYRING"] = str(
    Path(tempfile.gettempdir()) / f"tt-bench-{os.getpid()}.json"
)

from app.config import Settings
from app.core.wiring import build_core

EMAIL, PASSWORD = "emp1@example.com", "Employee1234!"
TASK = "60000000-0000-4000-8000-000000000002"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def bodies(n: int) -> list[dict[str, str]]:
    start = datetime(2024, 1, 1, tzinfo=UTC)
    out = []
    for i in range(n):
        s = start + timedelta(minutes=2 * i)
        out.append(
            {
                "task_id": TASK,
                "started_at": s.isoformat().replace("+00:00", "Z"),
                "ended_at": (s + timedelta(minutes=1)).isoformat().replace("+00:00", "Z"),
                "notes": f"bench {i}",
            }
        )
    return out


# The server's control endpoints need this secret (tests/backend/control.py).
CONTROL = {"X-Timetray-Control": secrets.token_urlsafe(32)}


def reset(url: str, latency_ms: float = 0.0) -> None:
    httpx.post(url + "/_test/reset", timeout=30, headers=CONTROL).raise_for_status()
    if latency_ms:
        httpx.post(
            url + "/_test/faults", json={"latency_ms": latency_ms}, timeout=30, headers=CONTROL
        ).raise_for_status()


def bare_loop(url: str, items: list[dict[str, str]], latency_ms: float = 0.0) -> float:
    reset(url, latency_ms)
    with httpx.Client(base_url=url + "/api/v1", timeout=30) as h:
        token = h.post("/auth/login", json={"email": EMAIL, "password": PASSWORD}).json()[
            "access_token"
        ]
        headers = {"Authorization": f"Bearer {token}"}
        t0 = time.perf_counter()
        for body in items:
            h.post("/time-logs/manual", json=body, headers=headers).raise_for_status()
        return len(items) / (time.perf_counter() - t0)


def core_drain(url: str, items: list[dict[str, str]], latency_ms: float = 0.0) -> float:
    reset(url, latency_ms)
    with tempfile.TemporaryDirectory() as tmp:
        core = build_core(Settings(server_url=url), Path(tmp), role="cli")
        core.open(poll=False)
        try:
            assert core.login(url, EMAIL, PASSWORD).result(60).status == "done"
            store = core.store
            for body in items:
                store.enqueue("manual", dict(body, at=body["started_at"]))
            t0 = time.perf_counter()
            result = core.sync_now().result(600)
            elapsed = time.perf_counter() - t0
            assert result.status == "done", result.message
            assert store.counts().get("pending", 0) == 0
        finally:
            core.shutdown()
    return len(items) / elapsed


POLL = "/api/v1/time-logs/active-timer"
LOGS = "/api/v1/time-logs/me"


def fetched(url: str) -> bool:
    stats = httpx.get(url + "/_test/stats", headers=CONTROL).json()
    return bool(stats["requests"].get(LOGS))


def idle(url: str, seconds: float, history: int) -> dict[str, float]:
    """An idle signed-in tray for a user with ``history`` logs, after its start-up fetch."""
    reset(url)
    httpx.post(
        url + "/_test/seed-logs",
        json={"email": EMAIL, "count": history},
        timeout=60,
        headers=CONTROL,
    ).raise_for_status()
    settings = Settings(server_url=url, poll_interval_seconds=15, tasks_refresh_seconds=60)
    with tempfile.TemporaryDirectory() as tmp:
        core = build_core(settings, Path(tmp), role="tray")
        core.open(poll=False)
        assert core.login(url, EMAIL, PASSWORD).result(60).status == "done"
        core.shutdown()
        core = build_core(settings, Path(tmp), role="tray")
        core.open(poll=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not fetched(url):
            time.sleep(0.05)  # the start-up: session, first poll, tasks and the logs copy
        time.sleep(2.0)
        before = httpx.get(url + "/_test/stats", headers=CONTROL).json()
        c0 = time.process_time()
        time.sleep(seconds)
        cpu = time.process_time() - c0
        after = httpx.get(url + "/_test/stats", headers=CONTROL).json()
        core.shutdown()

    def delta(kind: str, path: str | None = None) -> int:
        a, b = after.get(kind, {}), before.get(kind, {})
        if path is not None:
            return int(a.get(path, 0) - b.get(path, 0))
        return int(sum(a.values()) - sum(b.values()))

    scale = 3600.0 / seconds
    return {
        "cpu": cpu * scale,
        "polls": delta("requests", POLL),
        "requests_h": delta("requests") * scale,
        "bytes_h": delta("bytes") * scale,
        "polls_h": delta("requests", POLL) * scale,
        "log_fetches": delta("requests", LOGS),
    }


def requests_per_hour(url: str) -> dict[str, float]:
    """Requests per hour one tray sends in each state: quiet (signed in, neither checked in nor
    timing) and working (checked in, timer running). One poll and one task refresh are
    measured at the server and scaled by the interval the core picks in that state."""
    from app.core.polling import poll_interval

    reset(url)
    out: dict[str, float] = {}
    settings = Settings(server_url=url, poll_interval_seconds=15)
    with tempfile.TemporaryDirectory() as tmp:
        core = build_core(settings, Path(tmp), role="cli")
        core.open(poll=False)
        try:
            assert core.login(url, EMAIL, PASSWORD).result(60).status == "done"
            for state in ("quiet", "working"):
                if state == "working":
                    assert core.check_in().result(60).ok
                    assert core.start(TASK).result(60).ok
                core.sync_now().result(60)

                def count() -> int:
                    stats = httpx.get(url + "/_test/stats", headers=CONTROL).json()
                    return int(sum(stats["requests"].values()))

                n0 = count()
                core.worker.submit(core.poller.poll).result(60)
                per_poll = count() - n0
                n0 = count()
                core.worker.submit(core.poller.tasks).result(60)
                per_refresh = count() - n0
                interval = poll_interval(core.snapshot(), settings.poll_interval_seconds)
                out[state] = per_poll * 3600 / interval + (
                    per_refresh * 3600 / settings.tasks_refresh_seconds
                )
        finally:
            core.shutdown()
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--items", type=int, default=1000)
    ap.add_argument(
        "--idle-seconds",
        type=float,
        default=60.0,
        help="idle polling window; shorter than a few poll intervals says little",
    )
    ap.add_argument("--latency-ms", type=float, default=20.0, help="added to every answer")
    ap.add_argument("--history", type=int, default=3000, help="logs of the idle user")
    args = ap.parse_args()
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "tests.backend", "--port", str(port)],
        cwd=Path(__file__).resolve().parents[1],
        env={**os.environ, "TIMETRAY_CONTROL_SECRET": CONTROL["X-Timetray-Control"]},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                if httpx.get(url + "/health").status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        items = bodies(args.items)
        for latency in (0.0, args.latency_ms):
            # Alternate the two runs and keep the best of each, so that neither pays for the
            # server's warm-up or for the other's leftovers.
            bare = core = 0.0
            for _ in range(2):
                core = max(core, core_drain(url, items, latency))
                bare = max(bare, bare_loop(url, items, latency))
            label = f"+{latency:.0f} ms per answer" if latency else "server as it is"
            print(f"{label}:")
            print(f"  bare httpx loop:   {bare:8.1f} items/s")
            print(f"  core outbox drain: {core:8.1f} items/s")
            print(f"  ratio:             {core / bare:8.2f} (goal >= 0.8)")
        f = idle(url, args.idle_seconds, args.history)
        per_poll = f["requests_h"] / f["polls_h"] if f["polls_h"] else float("nan")
        print(f"idle tray, {args.history} logs on the server (after the start-up fetch):")
        print(
            f"  CPU:      {f['cpu']:8.2f} s per hour "
            f"({f['polls']:.0f} polls in {args.idle_seconds:.0f} s, 15 s interval)"
        )
        print(f"  traffic:  {f['bytes_h'] / 1e6:8.3f} MB per hour (goal < 1 MB/h)")
        print(
            f"  requests: {f['requests_h']:8.0f} per hour, {per_poll:.2f} per poll "
            f"(goal <= 2; {f['log_fetches']:.0f} fetches of /time-logs/me)"
        )
        for state, rate in requests_per_hour(url).items():
            print(f"requests per hour, {state:8s} {rate:8.0f} per client")
    finally:
        server.terminate()
        server.wait(10)


if __name__ == "__main__":
    main()
