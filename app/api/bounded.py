"""One HTTP exchange whose answer is capped in size and in total time.

httpx reads a body whole into memory, and its read timeout applies to each read: a server (or
anything in between) that sends a byte every few seconds, or an endless body, holds the app's
one worker thread, and everything queued behind it, for as long as it likes. So the body is
streamed here: refused once it passes :data:`MAX_RESPONSE_BYTES` (or declares more in its
``Content-Length``), and abandoned once the exchange has run :data:`REQUEST_DEADLINE_S`.

Sizing the cap: the largest answer of this API is ``GET /time-logs/me``, the user's whole
history, at about 500 bytes per log (measured against the contract server: 3,000 logs are
1.5 MB). 8 MiB holds about 16,000 logs, ten years of five logs a working day, and is still
nothing for the memory of a desktop process. Every other answer is a few kB.

Sizing the deadline: a request is given 5 s to connect and 10 s per read; 30 s in total lets
a slow but honest link deliver the biggest answer, and bounds the worst case at about 40 s
(the deadline is checked between reads, so one last read may take its full timeout). What
this does not bound is a server trickling its *headers*; h11 caps them at 16 kB.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx

MAX_RESPONSE_BYTES = 8 * 1024 * 1024
REQUEST_DEADLINE_S = 30.0

# The body is re-wrapped already decoded: these headers describe the wire form, not it.
_WIRE_HEADERS = {"content-encoding", "content-length", "transfer-encoding"}


@dataclass(frozen=True)
class ReadLimits:
    """How much and how long an answer may take. ``clock`` is monotonic seconds (tests
    inject one, so a deadline never waits on the wall clock)."""

    max_bytes: int = MAX_RESPONSE_BYTES
    deadline_s: float = REQUEST_DEADLINE_S
    clock: Callable[[], float] = field(default=time.monotonic)


class BodyTooLarge(Exception):
    """The answer passed ``max_bytes`` (or announced that it would)."""

    def __init__(self, status: int, limit: int) -> None:
        super().__init__(f"response over {limit} bytes")
        self.status = status
        self.limit = limit


class DeadlinePassed(Exception):
    """The exchange ran past ``deadline_s`` while the body was still arriving."""

    def __init__(self, deadline_s: float) -> None:
        super().__init__(f"no complete answer within {deadline_s:g} s")
        self.deadline_s = deadline_s


def exchange(client: httpx.Client, request: httpx.Request, limits: ReadLimits) -> httpx.Response:
    """Send ``request`` and return the response with its body read within ``limits``.

    Transport errors propagate as httpx raises them; the connection is always released.
    """
    start = limits.clock()
    response = client.send(request, stream=True)
    try:
        status = response.status_code
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limits.max_bytes:
            raise BodyTooLarge(status, limits.max_bytes)
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > limits.max_bytes:
                raise BodyTooLarge(status, limits.max_bytes)
            chunks.append(chunk)
            if limits.clock() - start > limits.deadline_s:
                raise DeadlinePassed(limits.deadline_s)
    finally:
        response.close()
    return httpx.Response(
        status,
        headers=[
            (k, v) for k, v in response.headers.multi_items() if k.lower() not in _WIRE_HEADERS
        ],
        content=b"".join(chunks),
        request=request,
        extensions={
            k: v for k, v in response.extensions.items() if k in ("http_version", "reason_phrase")
        },
    )
