"""One instance per user and data dir; a second launch makes the first show itself, and no
other local user can stand in for the first."""

from __future__ import annotations

import os
import socket
import stat
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from app.ui.single_instance import InstanceServer, notify_running, server_name

unix_only = pytest.mark.skipif(sys.platform == "win32", reason="Unix socket files and owners")


@pytest.fixture
def runtime_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private ``$XDG_RUNTIME_DIR`` so the tests never touch the real user's."""
    folder = tmp_path / "run"
    folder.mkdir(mode=0o700)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(folder))
    return folder


@pytest.fixture
def data_dir(tmp_path: Path) -> str:
    folder = tmp_path / "data"
    folder.mkdir()
    return str(folder)


def test_second_launch_reaches_the_first(qtbot: QtBot, runtime_dir: Path, data_dir: str) -> None:
    name = server_name(data_dir)
    assert not notify_running(name, timeout_ms=200)  # nobody there yet
    shown: list[bool] = []
    server = InstanceServer(name, lambda: shown.append(True))
    assert server.listen()
    try:
        assert notify_running(name)
        qtbot.waitUntil(lambda: shown == [True], timeout=5000)
    finally:
        server.close()


def test_names_differ_per_data_dir(runtime_dir: Path) -> None:
    assert server_name("/a") != server_name("/b")
    assert server_name("/a") == server_name("/a")


def test_the_quick_check_looks_where_qt_puts_the_socket(
    qtbot: QtBot, runtime_dir: Path, data_dir: str
) -> None:
    # notify_running skips QtNetwork when this file is absent: it must be Qt's real path.
    name = server_name(data_dir)
    server = InstanceServer(name, lambda: None)
    assert server.listen()
    try:
        if sys.platform == "win32":
            pytest.skip("the socket file is for Unix only")
        assert server.server.fullServerName() == name
        assert stat.S_ISSOCK(os.lstat(name).st_mode)
    finally:
        server.close()
    assert not notify_running(name, timeout_ms=200)


# The scenario that crashed the tray (and pytest-qt, one run in three): a client is still
# connected when the last Python reference to the server goes away, and disconnects later.
CRASH_SCRIPT = textwrap.dedent(
    """
    import os, socket, sys
    from PySide6.QtCore import QCoreApplication, QEventLoop
    from PySide6.QtWidgets import QApplication
    from app.ui.single_instance import InstanceServer, server_name

    app = QApplication([])

    def spin(rounds=20):
        for _ in range(rounds):
            app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 5)
            QCoreApplication.sendPostedEvents(None, 0)

    def spin_until(done):
        for _ in range(2000):
            spin(1)
            if done():
                return
        sys.exit("timed out waiting for the show message")

    def launch(i):
        shown = []
        server = InstanceServer(server_name(f"{sys.argv[1]}/{i}"), lambda: shown.append(1))
        assert server.listen()
        client = socket.socket(socket.AF_UNIX)
        client.connect(server.name)
        client.sendall(b"show\\n")
        spin_until(lambda: shown == [1])
        if i % 2:
            server.close()
        return client  # the server's last reference dies here, the client lives on

    for i in range(int(sys.argv[2])):
        client = launch(i)
        client.close()
        spin()
    print("survived", flush=True)
    """
)


@unix_only
def test_a_client_outliving_the_server_does_not_crash(runtime_dir: Path, tmp_path: Path) -> None:
    env = {**os.environ, "XDG_RUNTIME_DIR": str(runtime_dir)}
    result = subprocess.run(
        [sys.executable, "-c", CRASH_SCRIPT, str(tmp_path), "10"],
        capture_output=True,
        text=True,
        env=env,
        cwd=Path(__file__).resolve().parents[2],
        timeout=60,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "survived" in result.stdout
    assert "deleted directly" not in result.stderr


def test_a_message_split_across_reads_still_counts(
    qtbot: QtBot, runtime_dir: Path, data_dir: str
) -> None:
    shown: list[bool] = []
    server = InstanceServer(server_name(data_dir), lambda: shown.append(True))
    assert server.listen()
    try:
        if sys.platform == "win32":
            pytest.skip("raw AF_UNIX client")
        with socket.socket(socket.AF_UNIX) as client:
            client.connect(server.name)
            client.sendall(b"sh")
            qtbot.waitUntil(lambda: _has_client(server), timeout=5000)
            client.sendall(b"ow\n")
            qtbot.waitUntil(lambda: shown == [True], timeout=5000)
    finally:
        server.close()


def _has_client(server: InstanceServer) -> bool:
    from app.ui.qt import QLocalSocket

    return bool(server.server.findChildren(QLocalSocket))


@unix_only
def test_the_socket_is_not_in_the_shared_temp_folder(
    runtime_dir: Path, data_dir: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert os.path.dirname(server_name(data_dir)) == str(runtime_dir)
    monkeypatch.delenv("XDG_RUNTIME_DIR")
    assert os.path.dirname(server_name(data_dir)) == data_dir


@unix_only
def test_a_runtime_folder_others_can_write_is_not_used(runtime_dir: Path, data_dir: str) -> None:
    runtime_dir.chmod(0o777)
    assert os.path.dirname(server_name(data_dir)) == data_dir


@unix_only
def test_a_data_dir_too_long_for_a_socket_uses_a_private_temp_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("XDG_RUNTIME_DIR", raising=False)
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    deep = tmp_path / ("d" * 120)
    name = server_name(str(deep))
    assert len(os.fsencode(name)) <= 100
    folder = Path(name).parent
    assert folder == tmp_path / f"timetray-{os.getuid()}"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700


@pytest.fixture
def squatter(runtime_dir: Path, data_dir: str) -> Iterator[socket.socket]:
    """Another local user's listening socket, planted where ours will be."""
    if sys.platform == "win32" or os.geteuid() != 0:
        pytest.skip("planting another user's socket needs root on Unix")
    listener = socket.socket(socket.AF_UNIX)
    listener.bind(server_name(data_dir))
    listener.listen(1)
    listener.setblocking(False)
    os.chown(server_name(data_dir), 54321, 54321)
    os.chmod(server_name(data_dir), 0o777)
    yield listener
    listener.close()


def test_another_users_socket_does_not_stop_the_tray(
    qtbot: QtBot, squatter: socket.socket, data_dir: str
) -> None:
    name = server_name(data_dir)
    assert not notify_running(name, timeout_ms=200)  # the real tray starts
    with pytest.raises(BlockingIOError):
        squatter.accept()  # and the squatter heard nothing
    shown: list[bool] = []
    server = InstanceServer(name, lambda: shown.append(True))
    assert server.listen()  # it takes its place back
    try:
        assert os.lstat(name).st_uid == os.getuid()
        assert notify_running(name)
        qtbot.waitUntil(lambda: shown == [True], timeout=5000)
    finally:
        server.close()


@unix_only
def test_a_socket_in_a_folder_others_can_write_is_not_trusted(
    qtbot: QtBot, runtime_dir: Path, data_dir: str
) -> None:
    name = server_name(data_dir)
    shown: list[bool] = []
    server = InstanceServer(name, lambda: shown.append(True))
    assert server.listen()
    try:
        runtime_dir.chmod(0o777)  # anyone could have replaced the socket now
        assert not notify_running(name, timeout_ms=200)
    finally:
        runtime_dir.chmod(0o700)
        server.close()
