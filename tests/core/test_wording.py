"""Counts and durations read as a person would write them, in the core, the CLI and the tray
alike: "1 entry", "Synced 1 item.", "5:00 h" (not "1 entries", "item(s)", "300 min")."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from app.core import wording
from app.core.service import CoreService
from app.ui import text
from tests.core.proxy import Proxy

SPEC = "60000000-0000-4000-8000-000000000002"
DAY = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def test_counts_take_their_plural_form() -> None:
    assert [wording.entries(n) for n in (0, 1, 2)] == ["0 entries", "1 entry", "2 entries"]
    assert [wording.items(n) for n in (0, 1, 3)] == ["0 items", "1 item", "3 items"]


def test_durations_from_an_hour_on_read_as_hours_and_minutes() -> None:
    assert wording.minutes(300) == "5:00 h"
    assert wording.minutes(65) == "1:05 h"
    assert wording.minutes(59) == "59 min"
    assert wording.duration(3599) == "59 min"  # whole minutes, rounded down like the server
    # The tray says it the same way (one helper, not a copy).
    assert text.human_duration(5 * 3600) == "5:00 h" and text.entries(1) == "1 entry"


def test_sync_now_and_the_stop_message_count_in_words(core: CoreService, proxy: Proxy) -> None:
    assert core.sync_now().result(30).message == "Synced 0 items."
    proxy.down()
    queued = core.log_manual(SPEC, DAY, DAY + timedelta(hours=5), None).result(30)
    assert queued.status == "queued"
    proxy.up()
    assert core.sync_now().result(30).message == "Synced 1 item."
    assert core.check_in("office").result(30).status == "done"
    assert core.start(SPEC).result(30).status == "done"
    stopped = core.stop().result(30)
    assert stopped.message.startswith("Timer stopped: 0 min logged on Review API spec")
