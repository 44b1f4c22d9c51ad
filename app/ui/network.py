"""Tells the core what the operating system knows about the network (``QNetworkInformation``).

With it the core polls the moment the network comes back and opens no TCP probe while the
network is down; without a Qt backend (offscreen, CI, a desktop without NetworkManager, glib or
connman) the core keeps probing the server while it cannot reach it. See
:mod:`app.core.reachability`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

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
