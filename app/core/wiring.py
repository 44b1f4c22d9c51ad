"""``build_core``: the one place that makes the core's parts and tells each what it may use.

Ownership (see docs/architecture.md): the Store holds what must survive; the Tracker what the
server said and what waits to reach it; the Session the sign-in; SyncHealth reachability and
backoff; the Listeners the subscribed callbacks. Each part gets a small :class:`CoreContext`
(store, clock, worker, publish, notify, enqueue) plus the few owners it reads, never the core.
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from app.away.signals import AwaySignals
from app.config import Settings
from app.core import account
from app.core.auto import AutoPauser
from app.core.away import AwayKeeper
from app.core.clock import Clock, ShiftDetector, as_clock
from app.core.context import CoreContext
from app.core.drain import Drainer
from app.core.effects import LocalEffects
from app.core.health import SyncHealth
from app.core.logbook import Logbook
from app.core.polling import Poller
from app.core.publisher import Listeners, Publisher
from app.core.reachability import Reachability, tcp_probe
from app.core.reminders import Reminders
from app.core.server_wait import ServerWait
from app.core.service import TICK_SECONDS, CoreParts, CoreService
from app.core.session import Session
from app.core.syncer import Syncer
from app.core.tracker import Tracker
from app.core.waiters import Waiters
from app.core.worker import Worker
from offline_queue import OutboxItem, Store


def build_core(
    settings: Settings,
    data_dir: Path,
    *,
    clock: Clock | Callable[[], datetime] | None = None,
    role: str = "tray",
    inline: bool = False,
    probe: Callable[[str], bool] = tcp_probe,
    away_signals: Callable[[Callable[[], datetime], float], AwaySignals] | None = None,
) -> CoreService:
    """Open the store in ``data_dir`` and wire a core around it; :meth:`CoreService.open`
    starts it. ``role`` is "tray" or "cli" (a CLI command waits for a tray's drain);
    ``probe`` asks whether a server URL answers while the OS gives no word on the network.
    ``away_signals(wall, idle_threshold_seconds)`` makes the idle, lock and sleep watchers; only
    the tray passes it (a CLI run watches nothing, tests pass fakes). ``inline``: no scheduler
    thread; the jobs run on the caller's thread when it waits for them (a CLI command, see
    :mod:`app.core.worker`)."""
    data_dir = Path(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    the_clock = as_clock(clock)
    store = Store.open(data_dir, clock=the_clock.now, retention_days=settings.retention_days)
    worker = Worker(inline=inline)
    listeners = Listeners()
    health = SyncHealth(settings.poll_interval_seconds)
    session = Session(
        store,
        the_clock,
        listeners.notify,
        configured_server=settings.server_url,
        ca_bundle=settings.ca_bundle,
        data_dir=data_dir,
        allow_insecure_http=settings.allow_insecure_http,
        allow_token_file=settings.allow_token_file,
    )
    keeper: AwayKeeper | None = None  # made below; the Tracker reads it while publishing
    tracker = Tracker(
        auto_resume=settings.auto_resume,
        account=session.status,
        connection=health.status,
        away=lambda: keeper.view() if keeper is not None else (None, ()),
    )
    publisher = Publisher(store, tracker, listeners, session.accepts, the_clock.now)

    def enqueue(kind: str, payload: dict[str, Any]) -> OutboxItem:
        server, email = session.account()
        return store.enqueue(kind, account.stamp(payload, server, email))

    ctx = CoreContext(
        store=store,
        clock=the_clock,
        worker=worker,
        publish=publisher.publish,
        notify=listeners.notify,
        enqueue=enqueue,
    )
    server_wait = ServerWait(store, the_clock)
    logbook = Logbook(store, the_clock, tracker, lambda: session.api, session.account)
    syncer = Syncer(
        store,
        the_clock,
        tracker,
        health,
        api=lambda: session.api,
        accepts=session.accepts,
        owner=f"timetray@{socket.gethostname()}",
        server_wait=server_wait,
        fetch_logs=logbook.fetch,
    )
    effects = LocalEffects(store, tracker, the_clock.now, auto_resume=settings.auto_resume)
    auto = AutoPauser(ctx, tracker, publisher.reload)
    waiters = Waiters()
    drainer = Drainer(
        ctx,
        syncer,
        effects,
        waiters,
        session,
        health,
        auto,
        data_dir=data_dir,
        patient=role == "cli",
        on_change=lambda: logbook.update_today(fetch=False),
    )
    poller = Poller(
        ctx,
        syncer,
        session,
        health,
        drainer,
        auto,
        logbook,
        Reminders(settings.long_timer_hours, settings.idle_reminder_minutes),
        ShiftDetector(the_clock, tick_seconds=TICK_SECONDS),
        tracker.snapshot,
        server_wait,
        reachability=Reachability(session.server_url, probe),
        poll_interval=float(settings.poll_interval_seconds),
        tasks_interval=float(settings.tasks_refresh_seconds),
    )

    def kick() -> None:
        drainer.schedule_apply()
        drainer.schedule()

    keeper = AwayKeeper(
        ctx,
        tracker.snapshot,
        lambda: tracker.server_timer.id if tracker.server_timer is not None else None,
        waiters,
        kick=kick,
        hurry=lambda: worker.later(poller.quicken),
        away_minutes=settings.away_minutes,
        away_action="pause" if settings.away_action == "pause" else "ask",
    )
    listeners.subscribe(keeper.on_snapshot, lambda _notice: None)
    signals = None
    if away_signals is not None and settings.away_minutes > 0:
        signals = away_signals(the_clock.now, settings.away_minutes * 60.0)
        keeper.unavailable = tuple(str(u) for u in signals.unavailable)
    return CoreService(
        CoreParts(
            ctx=ctx,
            tracker=tracker,
            session=session,
            syncer=syncer,
            drainer=drainer,
            poller=poller,
            logbook=logbook,
            waiters=waiters,
            listeners=listeners,
            publisher=publisher,
            notes_limit=settings.notes_max_length,
            away=keeper,
            signals=signals,
        )
    )
