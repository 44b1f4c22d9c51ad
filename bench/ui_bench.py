"""Tray benchmark: Timetray against a bare PySide6 tray app.

Prints (goals in brackets):
  * cold start to icon shown, median of N runs, and the ratio to a bare QApplication +
    QSystemTrayIcon                                                              [<= 1.3]
  * resident memory (RSS) after one minute of Timetray (signed in, a timer running, in a data
    folder it has opened before), of the bare app, and of the
    dependency floor: the bare app plus what Timetray must load anyway (httpx with a TLS
    context, APScheduler running, keyring with its Secret Service back end, sqlite3), with
    what each of those parts adds in turn; the ratio Timetray / floor                 [<= 1.1]
  * CPU over 60 s with a running timer, in % of one core                         [< 1 %]

Runs on a private Xvfb with a trayer tray host when those exist (the icon really docks), else
on Qt's offscreen platform. Timetray talks to the contract test server, started here.
No child can reach a D-Bus session, so keyring loads its back ends as on a desktop (the Secret
Service one included) and finds none usable: nothing is read from or written to a real keyring.

    .venv/bin/python bench/ui_bench.py [--runs 5] [--seconds 60]
"""

from __future__ import annotations

import argparse
import gc
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TICK = os.sysconf("SC_CLK_TCK")


# ------------------------------------------------------------------------------ children ----


def bare_tray() -> tuple[Any, Any]:
    """A QApplication and a shown QSystemTrayIcon with a plain green icon: the baseline."""
    from PySide6.QtGui import QColor, QIcon, QPixmap
    from PySide6.QtWidgets import QApplication, QSystemTrayIcon

    app = QApplication(sys.argv[:1])
    app.setQuitOnLastWindowClosed(False)
    pixmap = QPixmap(22, 22)
    pixmap.fill(QColor("green"))
    tray = QSystemTrayIcon(QIcon(pixmap))
    tray.show()
    return app, tray


def child_bare(exit_when_shown: bool) -> int:
    from PySide6.QtCore import QTimer

    app, _tray = bare_tray()

    def shown() -> None:
        print("shown", flush=True)
        if exit_when_shown:
            os._exit(0)

    QTimer.singleShot(0, shown)
    return app.exec()


def own_rss_kb() -> int:
    return proc_rss_kb(os.getpid())


def floor_parts(keep: list[Any]) -> Iterator[str]:
    """The libraries Timetray cannot do without, set up as it sets them up; yields each part's
    name once it is loaded and working (the parent reads the RSS after each)."""
    import ssl

    import httpx
    import truststore

    keep.append(httpx.Client(verify=truststore.SSLContext(ssl.PROTOCOL_TLS_CLIENT)))
    yield "httpx + TLS context"

    from apscheduler.executors.pool import ThreadPoolExecutor
    from apscheduler.schedulers.background import BackgroundScheduler

    scheduler = BackgroundScheduler(executors={"default": ThreadPoolExecutor(max_workers=1)})
    scheduler.start()
    scheduler.add_job(lambda: None, "interval", seconds=5)
    scheduler.add_job(lambda: None, "date")  # the pool's thread exists once a job ran
    keep.append(scheduler)
    yield "APScheduler running"

    import keyring
    import keyring.backends.SecretService

    keep.append(keyring.get_keyring())
    keep.append(keyring.backends.SecretService.Keyring())  # type: ignore[no-untyped-call]
    yield "keyring + Secret Service"

    import sqlite3

    folder = tempfile.mkdtemp(prefix="ui-bench-floor-")
    conn = sqlite3.connect(os.path.join(folder, "floor.sqlite3"), check_same_thread=False)
    conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT)")
    conn.execute("INSERT INTO t (body) VALUES ('x')")
    conn.commit()
    keep.append(conn)
    shutil.rmtree(folder, ignore_errors=True)
    yield "sqlite3"


def child_floor() -> int:
    """The bare tray, then the dependency floor part by part, printing the RSS after each."""
    from PySide6.QtCore import QTimer

    app, _tray = bare_tray()
    keep: list[Any] = []

    def load() -> None:
        print(f"part bare tray {own_rss_kb()}", flush=True)
        for name in floor_parts(keep):
            time.sleep(0.3)  # let a started thread settle before reading its cost
            gc.collect()
            print(f"part {name} {own_rss_kb()}", flush=True)
        print("shown", flush=True)

    QTimer.singleShot(0, load)
    return app.exec()


def child_timetray(server: str, data_dir: str, exit_when_shown: bool, run_timer: bool) -> int:
    sys.path.insert(0, str(ROOT))
    # Only what run_tray itself imports before the icon: the controller (and with it the
    # core) loads after the first paint, and importing it here would bill that to the start.
    from app.ui import tray_app
    from app.ui.qt import QTimer

    def shown() -> None:
        print("shown", flush=True)
        if exit_when_shown:
            os._exit(0)
        if run_timer:
            # the controller exists once the event loop has run the rest of the start-up
            QTimer.singleShot(200, lambda: start_timer(tray_app_state()))

    def tray_app_state() -> Any:
        from app.ui import controller as controller_module

        for obj in gc.get_objects():
            if isinstance(obj, controller_module.TrayController):
                return obj
        raise RuntimeError("no controller")

    def start_timer(ctl: Any) -> None:
        core = ctl.core
        bridge = ctl.bridge

        def running(result: Any) -> None:
            print(f"running {result.status}", flush=True)

        bridge.command(
            "login",
            core.login(server, "emp1@example.com", "Employee1234!"),
            lambda r: bridge.command(
                "check_in",
                core.check_in("office"),
                lambda r2: bridge.command(
                    "start", core.start("60000000-0000-4000-8000-000000000003"), running
                ),
            ),
        )

    tray_app.icon_shown = shown
    run_tray = tray_app.run_tray

    options = SimpleNamespace(
        server=server, data_dir=data_dir, verbose=False, demo=False, smoke_test=False
    )
    return run_tray(options)


# ------------------------------------------------------------------------------ parent ------


def proc_rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def proc_cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def spawn(args: list[str], env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, __file__, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
        cwd=ROOT,
    )


def wait_line(
    proc: subprocess.Popen[str], prefix: str, timeout: float = 60, seen: list[str] | None = None
) -> float:
    """Read the child's lines until one starts with ``prefix``; the others go to ``seen``."""
    deadline = time.monotonic() + timeout
    assert proc.stdout is not None
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            raise RuntimeError(f"child exited before {prefix!r}")
        if line.startswith(prefix):
            return time.perf_counter()
        if seen is not None:
            seen.append(line.rstrip("\n"))
    raise TimeoutError(prefix)


def floor_report(lines: list[str]) -> str:
    """ "part NAME KB" lines (cumulative RSS) as "NAME +x.x MiB" steps."""
    steps, last = [], None
    for line in lines:
        if not line.startswith("part "):
            continue
        name, kb = line[5:].rsplit(" ", 1)
        if last is not None:
            steps.append(f"{name} +{(int(kb) - last) / 1024:.1f}")
        last = int(kb)
    return ", ".join(steps)


def cold_start(kind: str, env: dict[str, str], server: str) -> float:
    data = tempfile.mkdtemp(prefix="ui-bench-")
    try:
        args = ["--child", kind, "--exit"]
        if kind == "timetray":
            args += ["--server", server, "--data-dir", data]
        start = time.perf_counter()
        proc = spawn(args, env)
        shown = wait_line(proc, "shown")
        proc.wait(timeout=30)
        return shown - start
    finally:
        shutil.rmtree(data, ignore_errors=True)


def start_display() -> tuple[dict[str, str], list[subprocess.Popen[Any]], str]:
    env = dict(os.environ)
    env.pop("PYTHON_KEYRING_BACKEND", None)
    env.pop("DBUS_SESSION_BUS_ADDRESS", None)
    procs: list[subprocess.Popen[Any]] = []
    if shutil.which("Xvfb") and shutil.which("trayer"):
        display = ":93"
        procs.append(
            subprocess.Popen(
                ["Xvfb", display, "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
        time.sleep(1.0)
        env["DISPLAY"] = display
        env.pop("QT_QPA_PLATFORM", None)
        procs.append(
            subprocess.Popen(
                [
                    "trayer",
                    "--edge",
                    "top",
                    "--align",
                    "right",
                    "--SetDockType",
                    "true",
                    "--expand",
                    "false",
                    "--widthtype",
                    "request",
                    "--height",
                    "40",
                ],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
        time.sleep(1.0)
        return env, procs, f"Xvfb {display} + trayer (XEmbed tray)"
    env["QT_QPA_PLATFORM"] = "offscreen"
    return env, procs, "offscreen (no tray: Timetray waits 10 s, then shows its window)"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--child", choices=("bare", "floor", "timetray"))
    parser.add_argument("--exit", action="store_true")
    parser.add_argument("--run-timer", action="store_true")
    parser.add_argument("--server")
    parser.add_argument("--data-dir")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=60.0)
    args = parser.parse_args()
    if args.child == "bare":
        return child_bare(args.exit)
    if args.child == "floor":
        return child_floor()
    if args.child == "timetray":
        return child_timetray(args.server, args.data_dir, args.exit, args.run_timer)

    sys.path.insert(0, str(ROOT))
    from tests.backend import start_in_thread

    backend = start_in_thread(port=0)
    env, procs, where = start_display()
    print(f"platform: {where}; {os.cpu_count()} CPUs; Python {sys.version.split()[0]}")
    try:
        # warm the OS file cache once so "cold" means a fresh process, not a cold disk
        cold_start("bare", env, backend.url)
        cold_start("timetray", env, backend.url)
        bare_times, app_times = [], []
        for _ in range(args.runs):
            bare_times.append(cold_start("bare", env, backend.url))
            backend.reset()
            app_times.append(cold_start("timetray", env, backend.url))
        bare_start = statistics.median(bare_times)
        app_start = statistics.median(app_times)
        print(
            f"cold start to icon shown: timetray {app_start * 1000:.0f} ms, "
            f"bare {bare_start * 1000:.0f} ms, ratio {app_start / bare_start:.2f} (goal <= 1.3)"
        )

        backend.reset()
        data = tempfile.mkdtemp(prefix="ui-bench-")
        # A data folder Timetray has opened before, as on every start but the very first: the
        # first creates the store's tables through sqlite-utils (about 2.5 MiB that later starts
        # never load), which is not what a tray that runs all day costs.
        from offline_queue import Store

        Store.open(data).close()
        bare = spawn(["--child", "bare"], env)
        floor = spawn(["--child", "floor"], env)
        app = spawn(
            ["--child", "timetray", "--run-timer", "--server", backend.url, "--data-dir", data],
            env,
        )
        wait_line(bare, "shown")
        floor_lines: list[str] = []
        wait_line(floor, "shown", seen=floor_lines)
        wait_line(app, "shown")
        wait_line(app, "running")
        time.sleep(2.0)  # let the first poll after the start settle
        cpu0 = proc_cpu_seconds(app.pid)
        t0 = time.monotonic()
        time.sleep(args.seconds)
        cpu1 = proc_cpu_seconds(app.pid)
        elapsed = time.monotonic() - t0
        app_rss = proc_rss_kb(app.pid)
        bare_rss = proc_rss_kb(bare.pid)
        floor_rss = proc_rss_kb(floor.pid)
        for proc in (app, bare, floor):
            proc.terminate()
            proc.wait(timeout=10)
        shutil.rmtree(data, ignore_errors=True)
        print(
            f"RSS after {args.seconds:.0f} s: timetray {app_rss / 1024:.1f} MiB, "
            f"bare {bare_rss / 1024:.1f} MiB, ratio {app_rss / bare_rss:.2f} (goal <= 1.3)"
        )
        print(
            f"  dependency floor {floor_rss / 1024:.1f} MiB (bare tray, then in turn, MiB: "
            f"{floor_report(floor_lines)}); timetray / floor {app_rss / floor_rss:.2f} "
            "(goal <= 1.1)"
        )
        cpu = (cpu1 - cpu0) / elapsed * 100
        print(
            f"CPU with a running timer over {elapsed:.0f} s: {cpu:.2f} % of one core (goal < 1 %)"
        )
    finally:
        for proc in reversed(procs):
            proc.terminate()
            proc.wait(timeout=10)
        backend.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
