"""Has the network come back? The operating system's word when a front end passes it on, else a
TCP probe to the server.

While the server cannot be reached the poll loop backs off (up to two minutes), so to notice
the network's return sooner each tick opened a TCP connection to the server. A tray has a
better source: Qt's ``QNetworkInformation`` says when the machine's network comes and goes. While
it answers, the core never probes: the tray's report of "reachable" polls at once, and "down"
leaves the backing-off poll loop as the only traffic. The probe stays where nothing reports
(Qt without a network backend: offscreen, CI, some desktops; the CLI never ticks).

Worker thread only, like the poll loop that asks it.
"""

from __future__ import annotations

import logging
import socket
from collections.abc import Callable
from urllib.parse import urlsplit

logger = logging.getLogger(__name__)

PROBE_TIMEOUT = 1.0


def tcp_probe(url: str) -> bool:
    """A cheap TCP connect to the server named by ``url``."""
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        with socket.create_connection((parts.hostname or "", port), timeout=PROBE_TIMEOUT):
            return True
    except OSError:
        return False


class Reachability:
    """Owns the last word from the OS about the network (``None``: no word, probe instead)."""

    def __init__(
        self, server_url: Callable[[], str | None], probe: Callable[[str], bool] = tcp_probe
    ) -> None:
        self._server_url = server_url
        self._probe = probe
        self._reported: bool | None = None

    @property
    def reported(self) -> bool | None:
        return self._reported

    def report(self, reachable: bool | None) -> bool:
        """Record the OS's word; True when it says the network came back after being down."""
        before, self._reported = self._reported, reachable
        if reachable != before:
            logger.info("the system reports the network %s", _word(reachable))
        return reachable is True and before is False

    def came_back(self) -> bool:
        """Asked every tick while the server is unreachable: is it worth polling now?

        Never probes while the OS reports: its "reachable" already polled at once.
        """
        if self._reported is not None:
            return False
        url = self._server_url()
        return bool(url) and self._probe(url or "")


def _word(reachable: bool | None) -> str:
    return {True: "reachable", False: "down", None: "unknown (probing the server instead)"}[
        reachable
    ]
