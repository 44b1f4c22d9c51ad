"""Fixtures for the API client tests: an in-memory OS keyring and token helpers."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import keyring
import keyring.errors
import pytest
from keyring.backend import KeyringBackend

from app.api import ApiClient, TokenStore


class MemoryKeyring(KeyringBackend):
    """A stand-in for the OS keyring: a dict, shared by every TokenStore in the test."""

    priority = 1

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.secrets: dict[tuple[str, str], str] = {}
        self.fail_set = False
        self.writes = 0

    def get_password(self, service: str, username: str) -> str | None:
        return self.secrets.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        if self.fail_set:
            raise keyring.errors.PasswordSetError("locked")
        self.writes += 1
        self.secrets[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if (service, username) not in self.secrets:
            raise keyring.errors.PasswordDeleteError("not found")
        del self.secrets[(service, username)]


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    """Installs a fresh in-memory keyring as the process-wide backend for one test."""
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    try:
        yield backend
    finally:
        keyring.set_keyring(previous)


def make_jwt(exp: float | None = None, **claims: object) -> str:
    """An unsigned JWT-shaped token (the client never checks signatures)."""

    def part(obj: object) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()

    payload: dict[str, object] = dict(claims)
    if exp is not None:
        payload["exp"] = exp
    return f"{part({'alg': 'HS256', 'typ': 'JWT'})}.{part(payload)}.c2lnbmF0dXJl"


def jwt_in(seconds: float, **claims: object) -> str:
    return make_jwt(time.time() + seconds, **claims)


EMP1 = ("emp1@example.com", "Employee1234!")
EMP2 = ("emp2@example.com", "Employee1234!")


@pytest.fixture
def make_api(
    server: Any, memory_keyring: MemoryKeyring, tmp_path: Path
) -> Iterator[Callable[..., ApiClient]]:
    """Builds clients of the contract server that share one keyring and one refresh lock file,
    like the tray and the CLI running side by side on one machine."""
    made: list[ApiClient] = []

    def make(email: str | None = None, **kw: Any) -> ApiClient:
        store = TokenStore(server.url, email, tmp_path / "refresh.lock")
        client = ApiClient(server.url, store, **kw)
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()


@pytest.fixture
def api(make_api: Callable[..., ApiClient]) -> ApiClient:
    """emp1, signed in."""
    client = make_api()
    client.login(*EMP1)
    return client
