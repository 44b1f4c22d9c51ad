"""The core never signs in over plain http to another computer, whatever the caller asks."""

from __future__ import annotations

from pathlib import Path

from app.config import Settings
from app.core.service import Core


def test_login_over_plain_http_elsewhere_fails_with_the_reason(tmp_path: Path) -> None:
    core = Core(Settings(), tmp_path / "data", role="cli")
    core.open(poll=False)
    try:
        result = core.login("http://hr.example.com", "emp1@example.com", "x").result(30)
        assert result.status == "failed"
        assert "plain http:// would send your password" in (result.message or "")
        assert not core.snapshot().signed_in
    finally:
        core.shutdown()
