"""What the log redaction takes out, and what it leaves alone."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from app.api import redaction
from app.api.redaction import redact
from tests.api.conftest import make_jwt


@pytest.fixture(autouse=True)
def no_held_tokens() -> Iterator[None]:
    redaction.forget_all()
    yield
    redaction.forget_all()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"refresh_token": "a b\\"c", "x": 1}', '{"refresh_token": "<redacted>", "x": 1}'),
        ("{'access_token': 'opaque-1'}", "{'access_token': '<redacted>'}"),
        ("refresh_token=opaque-1&grant=x", "refresh_token=<redacted>&grant=x"),
        ("Password: s3cret!", "Password: <redacted>"),
        ("authorization: Bearer opaque.value", "authorization: Bearer <redacted>"),
    ],
)
def test_secret_fields_are_redacted_whatever_the_token_looks_like(text: str, expected: str) -> None:
    assert redact(text) == expected


def test_jwts_and_held_tokens_are_redacted_and_ordinary_text_is_kept() -> None:
    token = make_jwt(exp=1)
    redaction.hold("opaque-refresh-0123456789")
    redaction.hold("short")  # too short to be a token: never redacted
    text = f"a {token} b opaque-refresh-0123456789 c short; timer started on Payroll"
    assert redact(text) == "a <redacted> b <redacted> c short; timer started on Payroll"
