"""A blocking handle on the MCP SDK's own client, talking to one ``timetray mcp`` process.

The client's event loop runs on its own thread, so a module-scoped fixture can keep one
server process for several tests and each test calls tools as plain functions.
"""

from __future__ import annotations

import asyncio
import sys
import threading
from collections.abc import Coroutine
from pathlib import Path
from typing import Any, TypeVar

from mcp.client import Client
from mcp.client.stdio import StdioServerParameters
from mcp.types import CallToolResult, ElicitRequestParams, ElicitResult, TextContent

T = TypeVar("T")
ROOT = Path(__file__).resolve().parents[2]
CALL_SECONDS = 90.0


class McpProcess:
    """``elicit``: None = the host has no elicitation; else "accept", "decline" or "no"."""

    def __init__(
        self,
        env: dict[str, str],
        *,
        elicit: str | None = None,
        module: str = "tests.assistant.launcher",
    ) -> None:
        self.elicit = elicit
        self.asked: list[str] = []
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        params = StdioServerParameters(
            command=sys.executable, args=["-m", module, "mcp"], env=env, cwd=str(ROOT)
        )
        kwargs: dict[str, Any] = {"mode": "legacy", "elicitation_callback": self._answer}
        if elicit is None:
            kwargs = {}  # the SDK's default: no elicitation, newest protocol
        self.client = Client(params, **kwargs)
        self._ready = threading.Event()
        self._stop: asyncio.Event | None = None
        # The client's task group must be entered and left by one task: this one.
        self._life = asyncio.run_coroutine_threadsafe(self._hold(), self._loop)
        if not self._ready.wait(CALL_SECONDS):
            raise TimeoutError("timetray mcp did not start")
        if self._life.done():
            self._life.result()  # the start failed: say why

    async def _hold(self) -> None:
        self._stop = asyncio.Event()
        try:
            async with self.client:
                self._ready.set()
                await self._stop.wait()
        finally:
            self._ready.set()

    async def _answer(self, context: Any, params: ElicitRequestParams) -> ElicitResult:
        self.asked.append(params.message)
        if self.elicit == "accept":
            return ElicitResult(action="accept", content={"approve": True})
        if self.elicit == "no":
            return ElicitResult(action="accept", content={"approve": False})
        return ElicitResult(action="decline")

    def _run(self, coro: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(CALL_SECONDS)

    def tools(self) -> list[str]:
        return [t.name for t in self._run(self.client.list_tools()).tools]

    def call(self, name: str, **args: Any) -> CallToolResult:
        return self._run(self.client.call_tool(name, args))

    def read(self, uri: str) -> str:
        result = self._run(self.client.read_resource(uri))
        return "".join(getattr(c, "text", "") for c in result.contents)

    def close(self) -> None:
        try:
            assert self._stop is not None
            self._loop.call_soon_threadsafe(self._stop.set)
            self._life.result(CALL_SECONDS)
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)
            self._loop.close()


def text(result: CallToolResult) -> str:
    return "\n".join(c.text for c in result.content if isinstance(c, TextContent))


def data(result: CallToolResult) -> dict[str, Any]:
    assert isinstance(result.structured_content, dict), text(result)
    return result.structured_content
