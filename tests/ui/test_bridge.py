"""The bridge: worker-thread callbacks land on the GUI thread, newest snapshot wins."""

from __future__ import annotations

import threading
from concurrent.futures import Future

import pytest
from pytestqt.qtbot import QtBot

from app.core.facade import CommandResult
from app.core.snapshot import Notice, Snapshot
from app.ui.bridge import Bridge
from app.ui.qt import QApplication
from tests.ui.fake_core import FakeCore


def gui_thread() -> object:
    app = QApplication.instance()
    assert app is not None
    return app.thread()


def test_snapshots_from_a_worker_thread_arrive_on_the_gui_thread_coalesced(qtbot: QtBot) -> None:
    core = FakeCore()
    bridge = Bridge(core)
    bridge.attach()
    seen: list[tuple[int, bool]] = []
    bridge.snapshot_changed.connect(
        lambda snap: seen.append(
            (snap.revision, threading.current_thread() is threading.main_thread())
        )
    )

    def worker() -> None:
        for revision in range(1, 51):
            for on_snap, _ in core._subs:
                on_snap(Snapshot(revision=revision))

    thread = threading.Thread(target=worker)
    thread.start()
    thread.join()
    qtbot.waitUntil(lambda: bool(seen) and seen[-1][0] == 50, timeout=2000)
    assert all(on_gui for _, on_gui in seen)
    assert len(seen) < 50  # coalesced: the GUI drew the newest, not every intermediate one
    bridge.close()


def test_notices_are_not_coalesced(qtbot: QtBot) -> None:
    core = FakeCore()
    bridge = Bridge(core)
    bridge.attach()
    got: list[str] = []
    bridge.notice.connect(lambda n: got.append(n.title))
    thread = threading.Thread(
        target=lambda: [core.emit_notice(Notice("error", f"n{i}", "")) for i in range(5)]
    )
    thread.start()
    thread.join()
    qtbot.waitUntil(lambda: len(got) == 5, timeout=2000)
    assert got == ["n0", "n1", "n2", "n3", "n4"]
    bridge.close()


def test_a_pending_future_is_delivered_later_without_waiting(qtbot: QtBot) -> None:
    bridge = Bridge(FakeCore())
    fut: Future[CommandResult] = Future()
    results: list[tuple[str, bool]] = []
    bridge.command(
        "pause",
        fut,
        lambda r: results.append((r.status, threading.current_thread() is threading.main_thread())),
    )
    QApplication.sendPostedEvents()  # whatever the bridge queued has run
    assert results == []  # nothing waited on it
    threading.Thread(target=lambda: fut.set_result(CommandResult("queued"))).start()
    qtbot.waitUntil(lambda: results == [("queued", True)], timeout=2000)
    bridge.close()


@pytest.mark.expect_logged_error(r"command stop raised", logger="app.ui.bridge")
def test_an_exception_in_the_core_becomes_a_failed_result(qtbot: QtBot) -> None:
    bridge = Bridge(FakeCore())
    fut: Future[CommandResult] = Future()
    fut.set_exception(OSError("disk full"))
    done: list[CommandResult] = []
    with qtbot.waitSignal(bridge.command_done, timeout=2000) as blocker:
        bridge.command("stop", fut, done.append)
    assert blocker.args[0] == "stop"
    assert done[0].status == "failed" and done[0].message == "disk full"
    bridge.close()


def test_background_reads_run_off_the_gui_thread(qtbot: QtBot) -> None:
    bridge = Bridge(FakeCore())
    where: list[bool] = []

    def read() -> list[int]:
        where.append(threading.current_thread() is threading.main_thread())
        return [1, 2]

    got: list[object] = []
    bridge.in_background(read, got.append)
    qtbot.waitUntil(lambda: got == [[1, 2]], timeout=2000)
    assert where == [False]
    bridge.close()
