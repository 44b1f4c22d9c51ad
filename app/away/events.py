"""The vocabulary shared by every signal back end and the decider.

Back ends differ per OS, but all of them say the same few things: the person went idle (and
since when), came back, locked or unlocked the screen, the machine is about to sleep or woke
up. Keeping that a plain value lets the decider stay pure and the core stay ignorant of D-Bus,
Win32 and Cocoa.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol

log = logging.getLogger(__name__)


class AwayKind(StrEnum):
    IDLE = "idle"  # no input for the threshold; ``since`` is the last input
    ACTIVE = "active"  # input again after IDLE
    LOCK = "lock"
    UNLOCK = "unlock"
    SLEEP = "sleep"  # about to sleep (the app may still act)
    WAKE = "wake"  # woke up; ``since`` is when the sleep began if known


@dataclass(frozen=True)
class AwayEvent:
    kind: AwayKind
    at: datetime  # when it was observed (UTC)
    since: datetime | None = None  # when the state really began, if earlier than ``at``
    source: str = ""  # which back end saw it, for the log


Listener = Callable[[AwayEvent], None]


@dataclass(frozen=True)
class Unavailable:
    """Why a signal cannot be had here: shown in Settings and logged, never papered over."""

    signal: str  # "idle", "lock", "sleep"
    reason: str

    def __str__(self) -> str:
        return f"{self.signal} detection unavailable: {self.reason}"


class BackendUnavailable(Exception):
    """A back end cannot run on this machine; the message is the reason a person reads."""


class Watcher(Protocol):
    """A signal source running on its own thread until :meth:`stop`."""

    name: str

    def start(self, listener: Listener) -> None: ...

    def stop(self) -> None: ...


class ThreadedWatcher:
    """The common thread plumbing: run ``_run`` on a daemon thread, stop via an event.

    A listener that raises must not kill the watcher: the exception is logged and watching
    goes on, because a missed lock is worse than a noisy log line.
    """

    name = "watcher"

    def __init__(self) -> None:
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._listener: Listener | None = None

    def start(self, listener: Listener) -> None:
        if self._thread is not None:
            raise RuntimeError(f"{self.name} already started")
        self._listener = listener
        self._thread = threading.Thread(target=self._guarded, name=f"away-{self.name}", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stopping.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout)

    @property
    def stopping(self) -> bool:
        return self._stopping.is_set()

    def emit(self, event: AwayEvent) -> None:
        if self._listener is None:
            return
        try:
            self._listener(event)
        except Exception:
            log.exception("away listener failed on %s from %s", event.kind, self.name)

    def _guarded(self) -> None:
        try:
            self._run()
        except Exception:
            log.exception("%s stopped on an error", self.name)

    def _run(self) -> None:
        raise NotImplementedError
