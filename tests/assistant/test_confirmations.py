"""Approvals are single use and short lived, on an injected clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.assistant.confirmations import TTL_SECONDS, ConfirmationError, Confirmations


class Clock:
    def __init__(self) -> None:
        self.at = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.at


def test_taken_once_within_two_minutes() -> None:
    clock = Clock()
    box: Confirmations[str] = Confirmations(clock)
    item = box.add("check in")
    assert item.expires_at == clock.at + timedelta(seconds=TTL_SECONDS) and TTL_SECONDS == 120
    clock.at += timedelta(seconds=119)
    assert box.take(item.id) == "check in"
    with pytest.raises(ConfirmationError, match="already used"):
        box.take(item.id)


def test_expired_declined_and_unknown_are_refused_with_the_reason() -> None:
    clock = Clock()
    box: Confirmations[str] = Confirmations(clock)
    late, declined = box.add("late"), box.add("declined")
    box.drop(declined.id, "was declined by the person")
    clock.at += timedelta(seconds=120)
    with pytest.raises(ConfirmationError, match="expired"):
        box.take(late.id)
    with pytest.raises(ConfirmationError, match="declined"):
        box.take(declined.id)
    with pytest.raises(ConfirmationError, match="unknown"):
        box.take("nope")
    assert box.add("a").id != box.add("b").id
