"""One instance per user and data dir; a second launch makes the first show itself."""

from __future__ import annotations

import uuid

from pytestqt.qtbot import QtBot

from app.ui.single_instance import InstanceServer, notify_running, server_name


def test_second_launch_reaches_the_first(qtbot: QtBot) -> None:
    name = server_name(f"/tmp/test-{uuid.uuid4()}")
    assert not notify_running(name, timeout_ms=200)  # nobody there yet
    shown: list[bool] = []
    server = InstanceServer(name, lambda: shown.append(True))
    assert server.listen()
    try:
        assert notify_running(name)
        qtbot.waitUntil(lambda: shown == [True], timeout=3000)
    finally:
        server.close()


def test_names_differ_per_data_dir() -> None:
    assert server_name("/a") != server_name("/b")
    assert server_name("/a") == server_name("/a")
