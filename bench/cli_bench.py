"""How long a CLI command takes, as a ratio to ``python -c "import httpx"`` in the same run.

Three cases, each the median wall time of ``--runs`` processes, signed in against the contract
test server (through a small TCP proxy that can be taken down):

* ``status --json``, nothing to do (goal: <= 2.0 x import httpx);
* ``log`` while the server is down, so the entry is queued (goal: <= 2.0 x);
* ``log`` online, sent and confirmed.

Both sides run with byte-code caching on (in a private cache folder), as an installed
``timetray`` does; a checkout run with PYTHONDONTWRITEBYTECODE compiles every module each time.
``--tree DIR`` measures another checkout (e.g. main, for a before/after in the same run).

    .venv/bin/python bench/cli_bench.py [--runs 9] [--tree /work/main]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.backend import start_in_thread  # noqa: E402
from tests.core.proxy import Proxy  # noqa: E402

EMAIL, PASSWORD = "emp1@example.com", "Employee1234!"


def timed(cmd: list[str], env: dict[str, str], cwd: Path, stdin: str | None = None) -> float:
    start = time.perf_counter()
    done = subprocess.run(cmd, env=env, cwd=cwd, input=stdin, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(cmd[3:])} failed ({done.returncode}): {done.stderr.strip()}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--tree", type=Path, default=ROOT, help="checkout to measure")
    args = parser.parse_args()
    tree = args.tree.resolve()
    python = sys.executable
    backend = start_in_thread()
    proxy = Proxy(int(backend.url.rsplit(":", 1)[1]))
    proxy.up()
    with tempfile.TemporaryDirectory(prefix="tt-cli-bench-") as tmp:
        env = dict(os.environ)
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env.update(
            PYTHONPYCACHEPREFIX=str(Path(tmp) / "pycache"),
            PYTHON_KEYRING_BACKEND="tests.core.filekeyring.FileKeyring",
            TIMETRAY_TEST_KEYRING=str(Path(tmp) / "keyring.json"),
            TIMETRAY_DATA_DIR=str(Path(tmp) / "data"),
            TIMETRAY_SERVER=proxy.url,
            PYTHONPATH=str(tree),
        )
        timetray = [python, "-m", "tests.app_launcher"]
        timed([*timetray, "login", "--email", EMAIL, "--password-stdin"], env, tree, PASSWORD)
        timed([*timetray, "checkin"], env, tree)
        day = datetime.now().astimezone().replace(hour=6, minute=0, second=0, microsecond=0)
        slots = iter(range(10_000))

        def log_cmd() -> list[str]:
            start = day - timedelta(days=1, minutes=next(slots))
            span = [
                "--from",
                start.isoformat(),
                "--to",
                (start + timedelta(seconds=30)).isoformat(),
            ]
            return [*timetray, "log", "Review", *span]

        httpx_cmd = [python, "-c", "import httpx"]
        status_cmd = [*timetray, "--json", "status"]
        # Interleaved, so that a machine busy with something else slows both sides alike.
        base: list[float] = []
        status: list[float] = []
        online: list[float] = []
        queued: list[float] = []
        for cmd in (httpx_cmd, status_cmd, log_cmd()):
            timed(cmd, env, tree)  # warm the byte-code cache and the OS file cache
        for _ in range(args.runs):
            base.append(timed(httpx_cmd, env, tree))
            status.append(timed(status_cmd, env, tree))
            online.append(timed(log_cmd(), env, tree))
        proxy.down()
        for _ in range(args.runs):
            base.append(timed(httpx_cmd, env, tree))
            queued.append(timed(log_cmd(), env, tree))
        proxy.up()
        timed([*timetray, "sync"], env, tree)
    median = statistics.median
    print(f"tree: {tree}   runs per case: {args.runs} (medians)")
    print(f"python -c 'import httpx'   {median(base):6.3f} s")
    for name, times, goal in (
        ("status --json", status, 2.0),
        ("log (queued, offline)", queued, 2.0),
        ("log (online)", online, None),
    ):
        value = median(times)
        base_value = median(base)
        target = f"(goal <= {goal:.1f})" if goal else ""
        print(f"{name:26s} {value:6.3f} s  {value / base_value:4.2f} x import httpx  {target}")


if __name__ == "__main__":
    main()
