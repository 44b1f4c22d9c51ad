"""The MCP server: Timetray's time tools for an AI assistant, over the same core as the tray.

Reads answer at once from the core (fresh from the server when it can be reached, else the
last known state, said so). Writes never act on the assistant's word alone: each is prepared,
shown to the person as one line, and runs only once the person approves it, through MCP
elicitation when the host offers it, otherwise through ``confirm(confirmation_id)``, a call
the host shows the person before it is made. What runs goes through the core's outbox, so it
works offline and reaches the server exactly once.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from concurrent.futures import Future
from datetime import date, datetime
from typing import Any, TypeVar

from mcp.server.elicitation import AcceptedElicitation
from mcp.server.mcpserver import Context, MCPServer
from mcp.types import CallToolResult, TextContent, ToolAnnotations
from mcp_types.version import is_version_at_least
from pydantic import BaseModel, Field

from app import __version__
from app.assistant import actions, views
from app.assistant.actions import Prepared, Refused
from app.assistant.confirmations import ConfirmationError, Confirmations
from app.assistant.texts import DESCRIPTIONS, INSTRUCTIONS
from app.core.facade import CommandResult, CoreFacade
from app.core.snapshot import TaskView

logger = logging.getLogger(__name__)

T = TypeVar("T")
WAIT_SECONDS = 60.0  # a command is saved before the wait: a timeout only means "will sync"
FRESH_SECONDS = 15.0
INPUT_REQUIRED_VERSION = "2026-07-28"  # from here on, elicitation needs the retry protocol
READ = ToolAnnotations(read_only_hint=True, open_world_hint=False)
WRITE = ToolAnnotations(read_only_hint=False, destructive_hint=False, open_world_hint=False)


class Approval(BaseModel):
    approve: bool = Field(default=True, description="Let Timetray make this change now")


def answer(obj: dict[str, Any], text: str, *, error: bool = False) -> CallToolResult:
    return CallToolResult(content=[TextContent(text=text)], structured_content=obj, is_error=error)


def refusal(message: str, **extra: Any) -> CallToolResult:
    return answer({"done": False, "error": message, **extra}, message, error=True)


class Assistant:
    """The tools' bodies, over one CoreFacade; ``access`` is "full" or "read"."""

    def __init__(
        self,
        core: CoreFacade,
        now: Callable[[], datetime],
        access: str,
        confirm_clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.core = core
        self.now = now
        self.access = access
        self.confirmations: Confirmations[Prepared] = Confirmations(confirm_clock or now)

    # ---- plumbing --------------------------------------------------------------------------
    async def wait(self, fut: Future[T], timeout: float = WAIT_SECONDS) -> T:
        return await asyncio.wait_for(asyncio.wrap_future(fut), timeout)

    async def fresh(self) -> None:
        """Bring the state up to date first (the tray may have changed it); quick offline."""
        try:
            await self.wait(self.core.sync_now(), FRESH_SECONDS)
        except TimeoutError:
            logger.info("no fresh state within %s s; answering from the last known", FRESH_SECONDS)

    async def task(self, text: str) -> TaskView:
        snap = self.core.snapshot()
        found = actions.find_task(snap.tasks, text)
        if found is None and snap.signed_in:
            await self.wait(self.core.refresh_tasks(), FRESH_SECONDS)
            found = actions.find_task(self.core.snapshot().tasks, text)
        if found is None:
            raise Refused(f"No task of yours matches {text!r}; list_my_tasks shows them.")
        return found

    # ---- reads -----------------------------------------------------------------------------
    async def get_active_timer(self) -> CallToolResult:
        await self.fresh()
        return answer(*views.active_timer(self.core.snapshot(), self.now()))

    async def list_my_tasks(self, query: str | None = None) -> CallToolResult:
        if self.core.snapshot().signed_in:
            await self.wait(self.core.refresh_tasks(), FRESH_SECONDS)
        return answer(*views.tasks(self.core.snapshot(), query))

    async def get_attendance(self) -> CallToolResult:
        await self.fresh()
        return answer(*views.attendance(self.core.snapshot()))

    async def get_sync_status(self) -> CallToolResult:
        await self.fresh()
        return answer(*views.sync_status(self.core.snapshot(), self.core.outbox()))

    async def get_my_timesheet(self, period_start: str | None = None) -> CallToolResult:
        try:
            week_of = date.fromisoformat(period_start) if period_start else None
        except ValueError:
            return refusal(f"period_start must be a date like 2026-11-23, not {period_start!r}.")
        await self.fresh()
        now = self.now()
        tz = now.astimezone().tzinfo
        assert tz is not None
        week_of = week_of or now.astimezone(tz).date()
        since, until = views.week_span(week_of, tz)
        view = await self.wait(self.core.logs(since))
        logs = [e for e in view.entries if e.started_at < until]
        snap = self.core.snapshot()
        entries = views.week_entries(logs, snap)
        return answer(*views.timesheet(entries, week_of, tz, now, snap))

    # ---- writes ----------------------------------------------------------------------------
    async def write(
        self, ctx: Context | None, build: Callable[[], Awaitable[Prepared]]
    ) -> CallToolResult:
        if self.access != "full":
            return refusal(
                "Changes through an assistant are turned off on this computer (mcp_access = "
                f"{self.access!r}); only reading is allowed. The person can use the tray."
            )
        if not self.core.snapshot().signed_in:
            return refusal("Not signed in: sign in with the Timetray tray or `timetray login`.")
        try:
            await self.fresh()
            prepared = await build()
        except Refused as exc:
            return refusal(str(exc))
        pending = self.confirmations.add(prepared)
        if ctx is not None and can_elicit(ctx):
            outcome = await ctx.elicit(f"Timetray: {prepared.summary}?", Approval)
            if isinstance(outcome, AcceptedElicitation) and outcome.data.approve:
                return await self.run(self.confirmations.take(pending.id), "elicitation")
            self.confirmations.drop(pending.id, "was declined by the person")
            return answer(
                {"done": False, "declined": True, "summary": prepared.summary},
                f"The person did not approve: {prepared.summary}. Nothing was changed.",
            )
        obj = {
            "requires_confirmation": True,
            "confirmation_id": pending.id,
            "expires_at": views.iso(pending.expires_at),
            "summary": prepared.summary,
            "tool": prepared.tool,
            "payload": prepared.payload,
            "done": False,
        }
        text = (
            f"Not done yet: {prepared.summary}. Show this to the person; if they approve, call "
            f"confirm with confirmation_id {pending.id} (valid for 2 minutes, once)."
        )
        return answer(obj, text)

    async def confirm(self, confirmation_id: str) -> CallToolResult:
        try:
            prepared = self.confirmations.take(confirmation_id.strip())
        except ConfirmationError as exc:
            return refusal(str(exc), confirmation_id=confirmation_id)
        return await self.run(prepared, "confirm")

    async def run(self, prepared: Prepared, via: str) -> CallToolResult:
        try:
            result = await self.wait(prepared.run(self.core))
        except TimeoutError:
            result = CommandResult("queued", "Saved on this computer; it will sync.")
        return self.outcome(prepared, result, via)

    def outcome(self, prepared: Prepared, result: CommandResult, via: str) -> CallToolResult:
        obj: dict[str, Any] = {
            "done": result.ok,
            "status": result.status,
            "synced": result.status == "done",
            "summary": prepared.summary,
            "approved_via": via,
            "message": result.message,
            "server_status": result.http_status,
        }
        if result.status == "done":
            return answer(obj, f"Done: {prepared.summary}. {result.message}".strip())
        if result.status == "queued":
            obj["message"] = (
                "Saved on this computer; the server can't be reached now. It will be sent "
                "exactly once when it can (by this server or the tray)."
            )
            return answer(obj, f"Saved, not yet synced: {prepared.summary}. {obj['message']}")
        if result.status == "rejected" and result.item_id:
            # Refused while the assistant and the person are looking: told now, not parked
            # to pile up in the tray's Sync window (as the CLI does).
            self.core.discard_parked(result.item_id)
        message = result.message or result.status
        if result.status == "sign_in_needed":
            message = "Not signed in: sign in with the Timetray tray or `timetray login`."
        return answer(obj, f"Not done: {prepared.summary}. {message}", error=True)


def can_elicit(ctx: Context) -> bool:
    """Elicitation mid-call: the host said it can, and the protocol still allows it."""
    caps = ctx.client_capabilities
    version = ctx.protocol_version
    if caps is None or caps.elicitation is None or not ctx.session.can_send_request:
        return False
    return version is None or not is_version_at_least(version, INPUT_REQUIRED_VERSION)


def build_server(assistant: Assistant) -> MCPServer:
    server = MCPServer(
        name="timetray", title="Timetray", version=__version__, instructions=INSTRUCTIONS
    )
    a = assistant

    def read(fn: Callable[..., Any], name: str) -> None:
        server.add_tool(fn, name=name, description=DESCRIPTIONS[name], annotations=READ)

    def write(fn: Callable[..., Any], name: str) -> None:
        if a.access == "full":
            server.add_tool(fn, name=name, description=DESCRIPTIONS[name], annotations=WRITE)

    read(a.get_active_timer, "get_active_timer")
    read(a.get_my_timesheet, "get_my_timesheet")
    read(a.list_my_tasks, "list_my_tasks")
    read(a.get_attendance, "get_attendance")
    read(a.get_sync_status, "get_sync_status")

    async def start_timer(task: str, ctx: Context) -> CallToolResult:
        async def build() -> Prepared:
            return actions.prepare_start(a.core.snapshot(), await a.task(task))

        return await a.write(ctx, build)

    async def stop_timer(ctx: Context, notes: str | None = None) -> CallToolResult:
        return await a.write(
            ctx, _now(lambda: actions.prepare_stop(a.core.snapshot(), notes, a.now()))
        )

    async def pause_timer(ctx: Context) -> CallToolResult:
        return await a.write(ctx, _now(lambda: actions.prepare_pause(a.core.snapshot())))

    async def resume_timer(ctx: Context) -> CallToolResult:
        return await a.write(ctx, _now(lambda: actions.prepare_resume(a.core.snapshot())))

    async def log_time_entry(
        task: str,
        ctx: Context,
        started_at: str | None = None,
        ended_at: str | None = None,
        hours: float | None = None,
        log_date: str | None = None,
        notes: str | None = None,
    ) -> CallToolResult:
        async def build() -> Prepared:
            found = await a.task(task)
            now = a.now()
            if started_at and ended_at:
                start = actions.parse_time(started_at, "started_at", _local)
                end = actions.parse_time(ended_at, "ended_at", _local)
            elif hours is not None:
                try:
                    day = date.fromisoformat(log_date) if log_date else now.astimezone().date()
                except ValueError:
                    raise Refused(
                        f"log_date must be a date like 2026-11-23: {log_date!r}"
                    ) from None
                since = datetime.combine(day, datetime.min.time()).astimezone()
                logs = (await a.wait(a.core.logs(since))).entries
                start, end = actions.span_for_hours(hours, day, now, logs)
            else:
                raise Refused("Give started_at and ended_at, or hours (and log_date).")
            return actions.prepare_log(found, start, end, notes, now)

        return await a.write(ctx, build)

    async def check_in(ctx: Context, mode: str = "office") -> CallToolResult:
        return await a.write(ctx, _now(lambda: actions.prepare_check_in(a.core.snapshot(), mode)))

    async def check_out(
        ctx: Context, reason: str | None = None, note: str | None = None
    ) -> CallToolResult:
        return await a.write(
            ctx, _now(lambda: actions.prepare_check_out(a.core.snapshot(), reason, note))
        )

    async def start_break(
        ctx: Context, type: str = "dinner", note: str | None = None
    ) -> CallToolResult:
        return await a.write(
            ctx, _now(lambda: actions.prepare_break(a.core.snapshot(), type, note))
        )

    async def end_break(ctx: Context) -> CallToolResult:
        return await a.write(ctx, _now(lambda: actions.prepare_end_break(a.core.snapshot())))

    async def confirm(confirmation_id: str) -> CallToolResult:
        return await a.confirm(confirmation_id)

    for fn in (
        start_timer, stop_timer, pause_timer, resume_timer, log_time_entry, check_in,
        check_out, start_break, end_break, confirm,
    ):  # fmt: skip
        write(fn, fn.__name__)

    @server.resource(
        "timetray://timesheet/current-week",
        name="timesheet",
        title="This week's timesheet",
        description="The person's current week: days x tasks with totals, pending marked.",
        mime_type="text/plain",
    )
    async def week_resource() -> str:
        result = await a.get_my_timesheet()
        return "\n".join(c.text for c in result.content if isinstance(c, TextContent))

    return server


def _now(make: Callable[[], Prepared]) -> Callable[[], Awaitable[Prepared]]:
    async def build() -> Prepared:
        return make()

    return build


def _local(naive: datetime) -> datetime:
    return naive.astimezone()  # a time without a zone is the person's local time
