"""Running the server in a background thread, and the handle tests use to steer it.

The handle talks to the control endpoints over HTTP, so the same class also steers a server in
another process (``BackendHandle.connect(url)``), e.g. for crash tests and benches.
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from datetime import datetime
from types import TracebackType
from typing import Any

import httpx
import uvicorn

from tests.backend.app import create_app
from tests.backend.control import CONTROL_HEADER
from tests.backend.state import BackendState

logger = logging.getLogger(__name__)


class BackendHandle:
    """A running contract server: its URL and its control switches."""

    def __init__(
        self,
        url: str,
        *,
        server: uvicorn.Server | None = None,
        thread: threading.Thread | None = None,
        state: BackendState | None = None,
        control_secret: str,
    ) -> None:
        self.url = url.rstrip("/")
        self.api_url = self.url + "/api/v1"
        self.state = state
        self.control_secret = control_secret
        self._server = server
        self._thread = thread
        self._control = httpx.Client(
            base_url=self.url, timeout=10.0, headers={CONTROL_HEADER: control_secret}
        )

    @property
    def control_headers(self) -> dict[str, str]:
        """For a client of one's own that calls the control endpoints."""
        return {CONTROL_HEADER: self.control_secret}

    @classmethod
    def connect(cls, url: str, control_secret: str) -> BackendHandle:
        """A handle on a server started elsewhere (``python -m tests.backend``)."""
        return cls(url, control_secret=control_secret)

    # --- control ------------------------------------------------------------------------------

    def _post(self, path: str, body: dict[str, Any] | None = None) -> Any:
        response = self._control.post(path, json=body)
        response.raise_for_status()
        return response.json()

    def reset(self) -> None:
        """Demo data again; faults cleared, token TTL and clock restored, counters zeroed."""
        self._post("/_test/reset")

    def set_faults(
        self,
        *,
        latency_ms: float | None = None,
        fail_next: dict[str, Any] | None = None,
        drop_after_commit: dict[str, Any] | None = None,
        bad_body: dict[str, Any] | None = None,
        blackhole: str | bool | None = None,
    ) -> dict[str, Any]:
        """Change the given switches only, e.g. ``fail_next={"count": 2, "status": 503}`` or
        ``bad_body={"kind": "trickle", "path_prefix": "/tasks"}``. ``blackhole``: a path
        prefix (or True: every API path) whose requests are read and never answered; False
        turns it off."""
        body: dict[str, Any] = {}
        if blackhole is True:
            body["blackhole"] = "/"
        elif blackhole is False:
            body["blackhole_off"] = True
        elif blackhole is not None:
            body["blackhole"] = blackhole
        if latency_ms is not None:
            body["latency_ms"] = latency_ms
        if fail_next is not None:
            body["fail_next"] = fail_next
        if drop_after_commit is not None:
            body["drop_after_commit"] = drop_after_commit
        if bad_body is not None:
            body["bad_body"] = bad_body
        result: dict[str, Any] = self._post("/_test/faults", body)
        return result

    def clear_faults(self) -> None:
        self._post("/_test/faults/clear")

    def auto_checkout(self, email: str) -> None:
        self._post("/_test/auto-checkout", {"email": email})

    def set_task_status(self, task_id: str, status: str) -> None:
        self._post(f"/_test/tasks/{task_id}/status", {"status": status})

    def set_token_ttl(self, seconds: float) -> None:
        self._post("/_test/token-ttl", {"seconds": seconds})

    def expire_tokens(self) -> None:
        self._post("/_test/expire-tokens")

    def advance_clock(self, seconds: float) -> None:
        """Move the server's clock forward (timer durations, shift ends, token expiry)."""
        self._post("/_test/clock", {"advance_seconds": seconds})

    def set_clock(self, now: datetime) -> None:
        """Make the server's clock read ``now`` (it keeps running from there)."""
        self._post("/_test/clock", {"now": now.isoformat()})

    def seed_logs(self, email: str, count: int) -> None:
        """Give ``email`` a history of ``count`` old logs (all before yesterday)."""
        self._post("/_test/seed-logs", {"email": email, "count": count})

    def stats(self) -> dict[str, Any]:
        response = self._control.get("/_test/stats")
        response.raise_for_status()
        result: dict[str, Any] = response.json()
        return result

    @property
    def requests(self) -> dict[str, int]:
        """Requests seen per path since the last reset, e.g. ``{"/api/v1/auth/login": 1}``."""
        counts: dict[str, int] = self.stats()["requests"]
        return counts

    @property
    def refreshes(self) -> int:
        """Successful refresh-token rotations since the last reset."""
        count: int = self.stats()["refreshes"]
        return count

    # --- lifetime -----------------------------------------------------------------------------

    def stop(self) -> None:
        self._control.close()
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
            if self._thread.is_alive():
                logger.warning("contract server thread did not stop within 10 s")

    def __enter__(self) -> BackendHandle:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def make_config(app: Any, host: str, port: int, log_level: str) -> uvicorn.Config:
    # date_header off: the fault layer sends a Date from the server's adjustable clock.
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level=log_level,
        lifespan="off",
        date_header=False,
        proxy_headers=False,
        http="h11",
        ws="none",
        timeout_graceful_shutdown=2,
    )


def start_in_thread(
    port: int = 0, host: str = "127.0.0.1", *, log_level: str = "warning"
) -> BackendHandle:
    """Serve the demo data from a daemon thread; returns once ``/health`` answers. The control
    secret is random; the returned handle carries it."""
    state = BackendState()
    # proto must be IPPROTO_TCP: asyncio only sets TCP_NODELAY on sockets that say so, and
    # without it every response waits ~40 ms for a delayed ACK (headers and body are 2 writes).
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    bound_port = sock.getsockname()[1]
    server = uvicorn.Server(make_config(create_app(state), host, bound_port, log_level))
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name="contract-server", daemon=True
    )
    thread.start()
    url = f"http://{host}:{bound_port}"
    _wait_healthy(url, thread)
    return BackendHandle(
        url, server=server, thread=thread, state=state, control_secret=state.control_secret
    )


def _wait_healthy(url: str, thread: threading.Thread, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not thread.is_alive():
            raise RuntimeError("contract server thread exited during start-up")
        try:
            if httpx.get(url + "/health", timeout=1.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.02)
    raise RuntimeError(f"contract server at {url} did not answer /health within {timeout} s")
