"""One instance per user and data dir; a second launch makes the first show itself."""

from __future__ import annotations

import os
import uuid

import pytest
from pytestqt.qtbot import QtBot

from app.ui.single_instance import InstanceServer, notify_running, server_name, socket_path


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


def test_the_quick_check_looks_where_qt_puts_the_socket(qtbot: QtBot) -> None:
    # notify_running skips QtNetwork when this file is absent: it must be Qt's real path.
    name = server_name(f"/tmp/test-{uuid.uuid4()}")
    server = InstanceServer(name, lambda: None)
    assert server.listen()
    try:
        expected = socket_path(name)
        if expected is None:
            pytest.skip("the quick check is for Linux only")
        assert server.server.fullServerName() == expected
        assert os.path.exists(expected)
    finally:
        server.close()
    assert not notify_running(name, timeout_ms=200)
