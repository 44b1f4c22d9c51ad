"""Timestamps on the wire: both server spellings parse, nothing naive is ever sent."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from app.api import jwtclaims
from app.api.timeutil import describe_wait, parse_datetime, parse_http_date, to_wire
from tests.api.conftest import make_jwt


def test_z_and_offset_forms_parse_to_the_same_aware_utc_instant() -> None:
    z = parse_datetime("2026-11-22T07:55:50.600417Z")
    plus = parse_datetime("2026-11-22T07:55:50.600417+00:00")
    assert z == plus
    assert z is not None and z.tzinfo is UTC
    assert z == datetime(2026, 11, 22, 7, 55, 50, 600417, tzinfo=UTC)


def test_whole_second_and_other_offsets_and_naive_times() -> None:
    assert parse_datetime("2026-11-20T10:00:00Z") == datetime(2026, 11, 20, 10, tzinfo=UTC)
    assert parse_datetime("2026-11-20T15:00:00+05:00") == datetime(2026, 11, 20, 10, tzinfo=UTC)
    # The server takes a naive time as UTC, and so do we.
    assert parse_datetime("2026-11-20T10:00:00") == datetime(2026, 11, 20, 10, tzinfo=UTC)
    assert parse_datetime(None) is None


def test_garbage_timestamp_is_an_error_not_a_silent_none() -> None:
    with pytest.raises(ValueError):
        parse_datetime("yesterday")


def test_sending_uses_utc_with_z_and_refuses_naive() -> None:
    ist = timezone(timedelta(hours=5, minutes=30))
    assert to_wire(datetime(2026, 11, 20, 15, 30, tzinfo=ist)) == "2026-11-20T10:00:00Z"
    with pytest.raises(ValueError, match="timezone-aware"):
        to_wire(datetime(2026, 11, 20, 10, 0))


def test_http_date_parses_to_utc() -> None:
    assert parse_http_date("Sun, 22 Nov 2026 07:55:50 GMT") == datetime(
        2026, 11, 22, 7, 55, 50, tzinfo=UTC
    )
    assert parse_http_date("not a date") is None
    assert parse_http_date(None) is None


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (1, "1 second"),
        (0.2, "1 second"),
        (45, "45 seconds"),
        (61, "2 minutes"),
        (900, "15 minutes"),
        (7200, "2 hours"),
    ],
)
def test_waits_are_described_rounding_up(seconds: float, text: str) -> None:
    assert describe_wait(seconds) == text


def test_jwt_expiry_read_from_payload() -> None:
    assert jwtclaims.expiry(make_jwt(1_800_000_000, sub="x")) == datetime.fromtimestamp(
        1_800_000_000, UTC
    )
    assert jwtclaims.expiry(make_jwt(None, sub="x")) is None
    assert jwtclaims.expiry("opaque-token") is None
    assert jwtclaims.expiry("a.!!!.c") is None
