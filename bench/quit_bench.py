"""Quit benchmark: from SIGTERM to the end of the ``timetray`` process, with nothing in flight.

The tray runs on Qt's offscreen platform with a server address nothing answers on (so no
request is in flight), in a private data folder and with no keyring. Each run waits until the
core is up (the log says so), sends SIGTERM (the same sequence as Quit without the warning)
and times until the process has ended. Prints the median and the slowest run, and the part
the log puts before "exiting" (UI teardown and the core's shutdown).

    .venv/bin/python bench/quit_bench.py [--runs 7]            [goal: median well under 0.5 s]
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def env_for(tmp: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        QT_QPA_PLATFORM="offscreen",
        HOME=str(tmp / "home"),
        XDG_CONFIG_HOME=str(tmp / "config"),
        XDG_DATA_HOME=str(tmp / "data"),
        XDG_STATE_HOME=str(tmp / "state"),
        XDG_CACHE_HOME=str(tmp / "cache"),
        TIMETRAY_DATA_DIR=str(tmp / "timetray"),
        PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring",
    )
    env.pop("TIMETRAY_SERVER", None)
    return env


def log_text(tmp: Path) -> str:
    return "".join(p.read_text(errors="replace") for p in tmp.rglob("*.log"))


def stamp(line: str) -> float:
    return datetime.strptime(line[:23], "%Y-%m-%d %H:%M:%S,%f").timestamp()


def one_run() -> tuple[float, float]:
    """(SIGTERM to process end, SIGTERM to the log's "exiting"), in seconds."""
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        cmd = [sys.executable, "-m", "tests.app_launcher", "--server", "http://127.0.0.1:9"]
        proc = subprocess.Popen(
            cmd, cwd=ROOT, env=env_for(tmp), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        try:
            deadline = time.monotonic() + 60
            while "core" not in log_text(tmp) or "icon shown" not in log_text(tmp):
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError("the tray did not start")
                time.sleep(0.1)
            time.sleep(1.0)  # let the first poll (refused at once) settle
            sent_at = time.time()
            began = time.perf_counter()
            proc.send_signal(signal.SIGTERM)
            proc.wait(30)
            total = time.perf_counter() - began
        finally:
            if proc.poll() is None:
                proc.kill()
        exiting = [line for line in log_text(tmp).splitlines() if " exiting with " in line]
        inside = stamp(exiting[-1]) - sent_at if exiting else float("nan")
        return total, inside


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    runs = [one_run() for _ in range(args.runs)]
    totals = [r[0] for r in runs]
    insides = [r[1] for r in runs]
    print(
        f"SIGTERM to process end: median {statistics.median(totals) * 1000:.0f} ms, "
        f"slowest {max(totals) * 1000:.0f} ms over {len(runs)} runs "
        f"(to the log's 'exiting': median {statistics.median(insides) * 1000:.0f} ms)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
