"""While the server cannot be reached: the OS's word on the network (from the tray's
QNetworkInformation) replaces the TCP probe, and its "reachable" polls at once; without a word
the tick probes, as before. The clock is injected, the probe is a stand-in that counts."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from app.config import Settings
from app.core.service import CoreService
from app.core.snapshot import Snapshot
from app.core.wiring import build_core
from tests.core.clocks import ManualClock
from tests.core.conftest import EMAIL, PASSWORD
from tests.core.proxy import Proxy


class Probe:
    def __init__(self) -> None:
        self.asked: list[str] = []
        self.answer = False

    def __call__(self, url: str) -> bool:
        self.asked.append(url)
        return self.answer


class Online:
    """Set when a snapshot says the server was reached again (the condition tests wait for)."""

    def __init__(self, core: CoreService) -> None:
        self.event = threading.Event()
        core.subscribe(self._seen, lambda n: None)

    def _seen(self, snap: Snapshot) -> None:
        if snap.sync.online:
            self.event.set()

    def clear(self) -> None:
        self.event.clear()

    def wait(self) -> bool:
        return self.event.wait(30)


@pytest.fixture
def probe() -> Probe:
    return Probe()


@pytest.fixture
def core(proxy: Proxy, tmp_path: Path, probe: Probe) -> Iterator[CoreService]:
    clock = ManualClock(datetime.now(UTC))
    c = build_core(Settings(server_url=proxy.url), tmp_path / "data", clock=clock, probe=probe)
    c.open(poll=False)
    assert c.login(proxy.url, EMAIL, PASSWORD).result(30).status == "done"
    yield c
    c.shutdown()


def on_worker(core: CoreService, fn: object) -> None:
    core.worker.submit(fn).result(30)  # type: ignore[arg-type]


def go_offline(core: CoreService, proxy: Proxy) -> None:
    proxy.down()
    on_worker(core, core.poller.poll)
    assert not core.snapshot().sync.online


def test_without_a_word_from_the_os_the_tick_probes_and_polls_when_it_answers(
    core: CoreService, proxy: Proxy, probe: Probe
) -> None:
    go_offline(core, proxy)
    on_worker(core, core.poller.tick)
    assert probe.asked == [proxy.url]
    assert not core.snapshot().sync.online

    online = Online(core)
    proxy.up()
    probe.answer = True
    on_worker(core, core.poller.tick)
    assert online.wait(), "the probe answered but the core did not poll"


def test_while_the_os_reports_the_core_never_probes_and_polls_when_the_network_is_back(
    core: CoreService, proxy: Proxy, probe: Probe
) -> None:
    go_offline(core, proxy)
    on_worker(core, lambda: core.poller.network_changed(False))
    proxy.up()
    for _ in range(3):
        on_worker(core, core.poller.tick)
    assert probe.asked == []
    assert not core.snapshot().sync.online  # no probe, so nothing noticed the way back yet

    online = Online(core)
    core.network_changed(True)  # through the facade, as the tray calls it
    assert online.wait(), "the OS said reachable but the core did not poll"
    assert probe.asked == []


def test_when_the_os_loses_its_word_the_probe_comes_back(
    core: CoreService, proxy: Proxy, probe: Probe
) -> None:
    go_offline(core, proxy)
    on_worker(core, lambda: core.poller.network_changed(False))
    on_worker(core, core.poller.tick)
    assert probe.asked == []
    on_worker(core, lambda: core.poller.network_changed(None))
    on_worker(core, core.poller.tick)
    assert probe.asked == [proxy.url]
