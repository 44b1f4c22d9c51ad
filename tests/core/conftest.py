from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from app.config import Settings
from app.core.service import CoreService
from app.core.wiring import build_core
from tests.backend import BackendHandle
from tests.core.proxy import Proxy

EMAIL, PASSWORD = "emp1@example.com", "Employee1234!"


@pytest.fixture
def proxy(server: BackendHandle) -> Iterator[Proxy]:
    p = Proxy(urlsplit(server.url).port or 80)
    yield p
    p.down()


@pytest.fixture
def core(proxy: Proxy, tmp_path: Path) -> Iterator[CoreService]:
    c = build_core(Settings(server_url=proxy.url), tmp_path / "data", role="cli")
    c.notices = []  # type: ignore[attr-defined]
    c.subscribe(lambda s: None, c.notices.append)  # type: ignore[attr-defined]
    c.open(poll=False)
    assert c.login(proxy.url, EMAIL, PASSWORD).result(30).status == "done"
    yield c
    c.shutdown()
