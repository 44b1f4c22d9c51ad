"""The tray passes Qt's word on the network to the core: the state at start, every change, and
"no word" where Qt has no network backend (the core then probes the server itself)."""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from app.ui import network
from app.ui.network import NetworkWatch, NetworkWatcher, load_source
from app.ui.qt import QNetworkInformation, QObject, Signal
from tests.ui.fake_core import FakeCore

LEVEL = QNetworkInformation.Reachability


class Snapshots(QObject):
    """Stands in for the bridge's snapshot signal."""

    changed = Signal(object)


class FakeNetworkInformation(QObject):
    """What NetworkWatch uses of QNetworkInformation: the level now and its change signal."""

    reachabilityChanged = Signal(object)

    def __init__(self, level: Any) -> None:
        super().__init__()
        self.level = level

    def reachability(self) -> Any:
        return self.level

    def change(self, level: Any) -> None:
        self.level = level
        self.reachabilityChanged.emit(level)


def reports(core: FakeCore) -> list[bool | None]:
    return [args[0] for name, args in core.calls if name == "network_changed"]


def test_the_core_hears_the_state_at_start_and_every_change(qtbot: QtBot) -> None:
    core = FakeCore()
    source = FakeNetworkInformation(LEVEL.Online)
    watch = NetworkWatch(source, core.network_changed)
    assert reports(core) == [True]
    source.change(LEVEL.Disconnected)
    source.change(LEVEL.Site)  # the company network only: the server may well be there
    source.change(LEVEL.Unknown)
    source.change(LEVEL.Local)
    assert reports(core) == [True, False, True, None, True]
    del watch


def test_without_a_qt_backend_the_core_is_told_there_is_no_word(qtbot: QtBot) -> None:
    core = FakeCore()
    NetworkWatch(None, core.network_changed)
    assert reports(core) == [None]


def test_load_source_says_which_backend_or_that_there_is_none(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, qtbot: QtBot
) -> None:
    class NoBackend:
        Feature = QNetworkInformation.Feature

        @staticmethod
        def loadBackendByFeatures(feature: Any) -> bool:
            return False

        @staticmethod
        def availableBackends() -> list[str]:
            return []

    monkeypatch.setattr(network, "QNetworkInformation", NoBackend)
    with caplog.at_level(logging.INFO, logger="app.ui.network"):
        assert load_source() is None
    assert "no Qt backend reports reachability (available: none)" in caplog.text


def test_the_backend_loads_only_once_the_server_could_not_be_reached(qtbot: QtBot) -> None:
    core = FakeCore()
    snapshots = Snapshots()
    loads: list[FakeNetworkInformation] = []

    def load() -> FakeNetworkInformation:
        loads.append(FakeNetworkInformation(LEVEL.Disconnected))
        return loads[-1]

    watcher = NetworkWatcher(snapshots.changed, core.network_changed, load)
    online = core.snapshot()
    snapshots.changed.emit(online)
    snapshots.changed.emit(replace(online, sync=replace(online.sync, online=False)))  # starting
    assert loads == [] and reports(core) == []  # online, or not yet asked: no backend, no word

    offline = replace(online, sync=replace(online.sync, online=False, last_error="unreachable"))
    snapshots.changed.emit(offline)
    snapshots.changed.emit(offline)
    assert len(loads) == 1 and reports(core) == [False]
    loads[0].change(LEVEL.Online)
    assert reports(core) == [False, True]
    assert watcher.watch is not None
