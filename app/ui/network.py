"""Tells the core what the operating system knows about the network (``QNetworkInformation``).

With it the core polls the moment the network comes back and opens no TCP probe while the
network is down; without a Qt backend (offscreen, CI, a desktop without NetworkManager, glib or
connman) the core keeps probing the server while it cannot reach it. See
:mod:`app.core.reachability`.

The backend loads the first time the server cannot be reached (:class:`NetworkWatcher`), not at
start: while the server answers the core needs no word about the network, and the backend
costs about 3 MiB of RSS (glib's, measured with ``bench/ui_bench.py``'s floor) that a tray on a
desk that never goes offline should not pay.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from app.core.snapshot import Snapshot
from app.ui.qt import QNetworkInformation, QObject

log = logging.getLogger(__name__)


def reachable(level: Any) -> bool | None:
    """Qt's reachability as the core's word: Local and Site count as up (the server may be on
    the company network), Unknown as no word at all."""
    levels = QNetworkInformation.Reachability
    if level == levels.Unknown:
        return None
    return bool(level != levels.Disconnected)


def load_source() -> Any | None:
    """The process's QNetworkInformation with a backend that reports reachability, or None."""
    feature = QNetworkInformation.Feature.Reachability
    if QNetworkInformation.loadBackendByFeatures(feature):
        info = QNetworkInformation.instance()
        if info is not None:
            log.info("network information: Qt backend %r", info.backendName())
            return info
    log.info(
        "network information: no Qt backend reports reachability (available: %s); "
        "probing the server while it cannot be reached",
        ", ".join(QNetworkInformation.availableBackends()) or "none",
    )
    return None


class NetworkWatch(QObject):
    """Forwards the current reachability and every change of it to ``report``.

    ``source`` is a QNetworkInformation (or a test's stand-in with the same ``reachability()``
    and ``reachabilityChanged``); None tells the core there is no word (it probes).
    """

    def __init__(
        self,
        source: Any | None,
        report: Callable[[bool | None], None],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._report = report
        if source is None:
            report(None)
            return
        source.reachabilityChanged.connect(self._changed)
        self._changed(source.reachability())

    def _changed(self, level: Any) -> None:
        self._report(reachable(level))


class NetworkWatcher(QObject):
    """Starts a :class:`NetworkWatch` on the first snapshot that says the server could not be
    reached while signed in; ``load`` finds the source (:func:`load_source`, or a test's)."""

    def __init__(
        self,
        snapshots: Any,
        report: Callable[[bool | None], None],
        load: Callable[[], Any | None] = load_source,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._snapshots = snapshots
        self._report = report
        self._load = load
        self.watch: NetworkWatch | None = None
        snapshots.connect(self.on_snapshot)

    def on_snapshot(self, snap: Snapshot) -> None:
        if self.watch is not None or not offline(snap):
            return
        self._snapshots.disconnect(self.on_snapshot)
        self.watch = NetworkWatch(self._load(), self._report, self)


def offline(snap: Snapshot) -> bool:
    """Signed in, and the last exchange with the server failed to reach it."""
    return snap.signed_in and not snap.sync.online and snap.sync.last_error is not None
