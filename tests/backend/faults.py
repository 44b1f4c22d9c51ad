"""Fault switches and the outermost ASGI layer that applies them.

The layer wraps the whole FastAPI app (outside Starlette's own error middleware), so it sees
uvicorn's real ``send`` and can drop a connection for real after a request has been committed.
Control endpoints (``/_test``) and ``/health`` are never delayed or failed.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from dataclasses import dataclass, field
from email.utils import format_datetime
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tests.backend.clock import ServerClock
from tests.backend.errors import RATE_LIMIT_MESSAGE, envelope

logger = logging.getLogger(__name__)

API_PREFIX = "/api/v1"

_FAIL_MESSAGES = {
    429: RATE_LIMIT_MESSAGE,
    500: "Internal server error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}

_SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"strict-origin-when-cross-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), payment=()"),
    (b"x-frame-options", b"DENY"),
]


def normalize_prefix(prefix: str | None) -> str:
    """``/time-logs/stop`` and ``/api/v1/time-logs/stop`` both mean the API path."""
    if not prefix:
        return API_PREFIX
    if not prefix.startswith("/"):
        prefix = "/" + prefix
    return prefix if prefix.startswith(API_PREFIX) else API_PREFIX + prefix


@dataclass
class FailNext:
    count: int
    status: int
    retry_after: float | None
    path_prefix: str


@dataclass
class DropAfterCommit:
    count: int
    path_prefix: str


@dataclass
class BadBody:
    """A 200 whose body is hostile: ``trickle`` sends ``size_bytes`` one byte every
    ``interval_ms`` (a slow loris answer), ``oversized`` sends ``size_bytes`` at once. The body
    is valid JSON (blanks, then ``[]``), so only a size cap or a deadline can refuse it."""

    count: int
    path_prefix: str
    kind: str  # "trickle" | "oversized"
    size_bytes: int
    interval_ms: float
    declare_length: bool


@dataclass
class FaultState:
    """What the next requests should suffer. Thread-safe; counts are consumed per request."""

    latency_ms: float = 0.0
    fail_next: FailNext | None = None
    drop_after_commit: DropAfterCommit | None = None
    bad_body: BadBody | None = None
    # A path prefix whose requests are read and never answered (the API prefix: everything),
    # as a server that accepts connections and hangs does; None: off.
    blackhole: str | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def clear(self) -> None:
        with self._lock:
            self.latency_ms = 0.0
            self.fail_next = None
            self.drop_after_commit = None
            self.bad_body = None
            self.blackhole = None

    def update(
        self,
        *,
        latency_ms: float | None = None,
        fail_next: FailNext | None = None,
        drop_after_commit: DropAfterCommit | None = None,
        bad_body: BadBody | None = None,
        blackhole: str | None = None,
    ) -> None:
        """Change only the switches given; the others keep their pending counts. ``blackhole``
        "" turns that switch off."""
        with self._lock:
            if latency_ms is not None:
                self.latency_ms = max(0.0, latency_ms)
            if fail_next is not None:
                self.fail_next = fail_next if fail_next.count > 0 else None
            if drop_after_commit is not None:
                self.drop_after_commit = drop_after_commit if drop_after_commit.count > 0 else None
            if bad_body is not None:
                self.bad_body = bad_body if bad_body.count > 0 else None
            if blackhole is not None:
                self.blackhole = blackhole or None

    def swallows(self, path: str) -> bool:
        """Whether a request for ``path`` is to be left unanswered (read on every poll, so
        clearing the switch lets the hung requests through)."""
        hole = self.blackhole
        return hole is not None and path.startswith(hole)

    def take_failure(self, path: str) -> FailNext | None:
        with self._lock:
            rule = self.fail_next
            if rule is None or not path.startswith(rule.path_prefix):
                return None
            rule.count -= 1
            if rule.count <= 0:
                self.fail_next = None
            return rule

    def take_drop(self, path: str) -> bool:
        with self._lock:
            rule = self.drop_after_commit
            if rule is None or not path.startswith(rule.path_prefix):
                return False
            rule.count -= 1
            if rule.count <= 0:
                self.drop_after_commit = None
            return True

    def take_bad_body(self, path: str) -> BadBody | None:
        with self._lock:
            rule = self.bad_body
            if rule is None or not path.startswith(rule.path_prefix):
                return None
            rule.count -= 1
            if rule.count <= 0:
                self.bad_body = None
            return rule

    def describe(self) -> dict[str, Any]:
        with self._lock:
            fail = self.fail_next
            drop = self.drop_after_commit
            bad = self.bad_body
            return {
                "latency_ms": self.latency_ms,
                "blackhole": self.blackhole,
                "fail_next": None
                if fail is None
                else {
                    "count": fail.count,
                    "status": fail.status,
                    "retry_after": fail.retry_after,
                    "path_prefix": fail.path_prefix,
                },
                "drop_after_commit": None
                if drop is None
                else {"count": drop.count, "path_prefix": drop.path_prefix},
                "bad_body": None
                if bad is None
                else {
                    "count": bad.count,
                    "path_prefix": bad.path_prefix,
                    "kind": bad.kind,
                    "size_bytes": bad.size_bytes,
                    "interval_ms": bad.interval_ms,
                    "declare_length": bad.declare_length,
                },
            }


class RequestStats:
    """How many requests each path has seen since the last reset, and how many response body
    bytes went out (control calls excluded)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._requests: dict[str, int] = {}
        self._bytes: dict[str, int] = {}
        self._refreshes = 0

    def count(self, path: str) -> None:
        with self._lock:
            self._requests[path] = self._requests.get(path, 0) + 1

    def count_bytes(self, path: str, size: int) -> None:
        with self._lock:
            self._bytes[path] = self._bytes.get(path, 0) + size

    def count_refresh(self) -> None:
        with self._lock:
            self._refreshes += 1

    def clear(self) -> None:
        with self._lock:
            self._requests.clear()
            self._bytes.clear()
            self._refreshes = 0

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {
                "requests": dict(self._requests),
                "bytes": dict(self._bytes),
                "refreshes": self._refreshes,
            }


async def _swallow(path: str, faults: FaultState, receive: Receive) -> None:
    """Read the request and answer nothing while the switch stays on (a reset between tests
    clears it). The request is never processed, even after the switch is off: a hung server
    did not do the work, and replaying, say, a token renewal nobody waits for would rotate
    the token."""
    more = True
    while more:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        more = bool(message.get("more_body"))
    while faults.swallows(path):
        await asyncio.sleep(0.05)


class _DropConnection(Exception):
    """Fallback when uvicorn's transport is not reachable: abort after the headers."""


class FaultMiddleware:
    """Counts requests, adds the headers every response carries, and injects faults."""

    def __init__(
        self, app: ASGIApp, faults: FaultState, stats: RequestStats, clock: ServerClock
    ) -> None:
        self.app = app
        self.faults = faults
        self.stats = stats
        self.clock = clock

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        if not path.startswith("/_test"):
            self.stats.count(path)
        decorated = self._decorate(path, send)
        if not path.startswith(API_PREFIX):
            await self.app(scope, receive, decorated)
            return
        if self.faults.swallows(path):
            logger.info("fault: swallowing %s (never answered)", path)
            await _swallow(path, self.faults, receive)
            # Whoever still waits once the switch is off gets a 503, never the work done.
            await self._send_failure(FailNext(1, 503, None, path), decorated)
            return
        latency = self.faults.latency_ms
        if latency > 0:
            await asyncio.sleep(latency / 1000)
        failure = self.faults.take_failure(path)
        if failure is not None:
            logger.info("fault: failing %s with %d", path, failure.status)
            await self._send_failure(failure, decorated)
            return
        bad_body = self.faults.take_bad_body(path)
        if bad_body is not None:
            logger.info("fault: sending a %s body for %s", bad_body.kind, path)
            await _send_bad_body(bad_body, decorated, send)
            return
        if self.faults.take_drop(path):
            logger.info("fault: dropping the connection after committing %s", path)
            await self._run_and_drop(scope, receive, send)
            return
        await self.app(scope, receive, decorated)

    def _decorate(self, path: str, send: Send) -> Send:
        """Security headers and a ``Date`` from the server's (adjustable) clock."""
        no_store = path in ("/", "/health") or path.startswith(API_PREFIX + "/auth/")
        counted = not path.startswith("/_test")

        async def wrapped(message: Message) -> None:
            if message["type"] == "http.response.body" and counted:
                self.stats.count_bytes(path, len(message.get("body", b"")))
            if message["type"] == "http.response.start":
                headers = [
                    (k, v)
                    for k, v in message.get("headers", [])
                    if k.lower() not in (b"date", b"cache-control")
                    or (k.lower() == b"cache-control" and not no_store)
                ]
                headers.append(
                    (b"date", format_datetime(self.clock.now(), usegmt=True).encode("latin-1"))
                )
                headers.extend(_SECURITY_HEADERS)
                if no_store:
                    headers.append((b"cache-control", b"no-store"))
                message = {**message, "headers": headers}
            await send(message)

        return wrapped

    async def _send_failure(self, failure: FailNext, send: Send) -> None:
        status = failure.status
        body = json.dumps(
            envelope(status, _FAIL_MESSAGES.get(status, "Injected failure")), separators=(",", ":")
        ).encode()
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
        ]
        retry_after = failure.retry_after
        if retry_after is None and status == 429:
            retry_after = 1
        if retry_after is not None:
            headers.append((b"retry-after", _format_retry_after(retry_after)))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    async def _run_and_drop(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Run the request to completion (its transaction commits), then close the socket
        without a single byte of the response."""

        async def swallow(message: Message) -> None:
            return None

        await self.app(scope, receive, swallow)
        cycle = getattr(send, "__self__", None)
        transport = getattr(cycle, "transport", None)
        if transport is not None and hasattr(transport, "abort"):
            # Mark the cycle as gone so uvicorn does not try to answer with a 500.
            cycle.disconnected = True  # type: ignore[union-attr]
            transport.abort()
            return
        # Unknown server: start a response that promises a body, then abort mid-way.
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-length", b"1024"), (b"content-type", b"application/json")],
            }
        )
        raise _DropConnection("connection dropped on purpose (drop_after_commit fault)")


async def _send_bad_body(rule: BadBody, send: Send, raw_send: Send) -> None:
    """Stream the hostile body; stop early once the client has hung up."""
    headers = [(b"content-type", b"application/json")]
    if rule.declare_length:
        headers.append((b"content-length", str(rule.size_bytes).encode()))
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    body = b" " * max(0, rule.size_bytes - 2) + b"[]"
    step = 1 if rule.kind == "trickle" else 65536
    cycle = getattr(raw_send, "__self__", None)
    for start in range(0, len(body), step):
        if getattr(cycle, "disconnected", False):
            return
        more = start + step < len(body)
        await send(
            {"type": "http.response.body", "body": body[start : start + step], "more_body": more}
        )
        if rule.kind == "trickle" and more:
            await asyncio.sleep(rule.interval_ms / 1000)


def _format_retry_after(value: float) -> bytes:
    return str(int(value) if float(value).is_integer() else value).encode()
