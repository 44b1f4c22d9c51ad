"""The refresh token lives in the OS keyring (or, without one, in memory with a plain warning)."""

from __future__ import annotations

import threading
from pathlib import Path

import keyring
import pytest
from keyring.backends import null

from app.api.tokens import NO_KEYRING_WARNING, SERVICE, LockTimeout, TokenStore
from tests.api.conftest import MemoryKeyring

URL = "https://hr.example.com"


def test_saved_under_service_timetray_keyed_by_server_and_email(
    memory_keyring: MemoryKeyring,
) -> None:
    store = TokenStore(URL + "/api/v1/", "Emp1@Example.com")
    assert store.persistent and store.warning is None
    store.save("refresh-1")
    assert memory_keyring.secrets[(SERVICE, f"{URL}|emp1@example.com")] == "refresh-1"
    assert store.load() == "refresh-1"


def test_load_always_reads_the_keyring_so_another_process_rotation_is_seen(
    memory_keyring: MemoryKeyring,
) -> None:
    mine = TokenStore(URL, "emp1@example.com")
    other_process = TokenStore(URL, "emp1@example.com")
    mine.save("refresh-1")
    other_process.save("refresh-2")
    assert mine.load() == "refresh-2"


def test_clear_only_if_unchanged(memory_keyring: MemoryKeyring) -> None:
    store = TokenStore(URL, "emp1@example.com")
    store.save("refresh-2")
    store.clear(only_if="refresh-1")  # someone already replaced the token we used
    assert store.load() == "refresh-2"
    store.clear(only_if="refresh-2")
    assert store.load() is None
    store.clear()  # clearing twice is harmless


def test_without_keyring_the_token_stays_in_memory_and_the_user_is_told() -> None:
    # tests/conftest.py selects the null backend process-wide: "no keyring".
    assert isinstance(keyring.get_keyring(), null.Keyring)
    store = TokenStore(URL, "emp1@example.com")
    assert not store.persistent
    assert store.warning == NO_KEYRING_WARNING
    store.save("refresh-1")
    assert store.load() == "refresh-1"
    # A second process (a new store) cannot see it: that is the documented limitation.
    assert TokenStore(URL, "emp1@example.com").load() is None


def test_keyring_that_refuses_to_store_falls_back_to_memory(memory_keyring: MemoryKeyring) -> None:
    memory_keyring.fail_set = True
    store = TokenStore(URL, "emp1@example.com")
    assert store.persistent
    store.save("refresh-1")
    assert not store.persistent and store.warning is not None
    assert "sign in again" in store.warning
    assert store.load() == "refresh-1"
    assert memory_keyring.secrets == {}


def test_explicit_backend_and_last_email(memory_keyring: MemoryKeyring) -> None:
    private = MemoryKeyring()
    store = TokenStore(URL, "emp2@example.com", keyring_backend=private)
    store.save("refresh-x")
    store.remember_email()
    assert (SERVICE, f"{URL}|emp2@example.com") in private.secrets
    assert memory_keyring.secrets == {}
    assert TokenStore(URL, keyring_backend=private).last_email() == "emp2@example.com"


def test_switching_email_switches_the_entry(memory_keyring: MemoryKeyring) -> None:
    store = TokenStore(URL, "emp1@example.com")
    store.save("token-emp1")
    store.email = "emp2@example.com"
    assert store.load() is None
    with pytest.raises(ValueError):
        TokenStore(URL).save("x")


def test_refresh_lock_is_exclusive_across_stores_sharing_a_lock_file(tmp_path: Path) -> None:
    lock = tmp_path / "locks" / "refresh.lock"
    first = TokenStore(URL, "emp1@example.com", lock)
    second = TokenStore(URL, "emp1@example.com", lock, lock_timeout=0.2)
    holding = threading.Event()
    release = threading.Event()

    def hold() -> None:
        with first.exclusive():
            holding.set()
            release.wait(60)  # a bound for a hang: the finally below releases it

    thread = threading.Thread(target=hold)
    thread.start()
    try:
        assert holding.wait(5)
        with pytest.raises(LockTimeout), second.exclusive():
            pass
    finally:
        release.set()
        thread.join()
    with second.exclusive():  # free again once the holder is done
        pass


def test_a_keyring_setting_that_cannot_load_means_memory_only_not_a_crash(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "no_such_module.Keyring")
    monkeypatch.setattr(keyring.core, "_keyring_backend", None)
    store = TokenStore("https://hr.example.com", "emp1@example.com")
    assert not store.persistent
    assert store.warning == NO_KEYRING_WARNING
    store.save("eyJ.refresh.token")
    assert store.load() == "eyJ.refresh.token"


def test_opted_in_file_keeps_the_sign_in_for_the_next_process(tmp_path: Path) -> None:
    """Over ssh or in a container there is no keyring: `login --insecure-storage` keeps the
    sign-in in a file only the user can read, and the next command finds it."""
    token_file = tmp_path / "data" / "sign-in-token.json"
    login = TokenStore(URL, "emp1@example.com", token_file=token_file, use_token_file=True)
    assert login.persistent and login.warning is None and login.in_file == token_file
    login.save("refresh-1")
    assert token_file.stat().st_mode & 0o777 == 0o600
    assert token_file.parent.stat().st_mode & 0o777 == 0o700
    next_command = TokenStore(URL, "emp1@example.com", token_file=token_file)
    assert next_command.load() == "refresh-1"
    next_command.clear()
    assert not token_file.exists()  # the last sign-in gone: back to the keyring-only path
    assert TokenStore(URL, "emp1@example.com", token_file=token_file).in_file is None


def test_without_the_opt_in_no_file_is_written(tmp_path: Path) -> None:
    token_file = tmp_path / "sign-in-token.json"
    store = TokenStore(URL, "emp1@example.com", token_file=token_file)
    store.save("refresh-1")
    assert not store.persistent and not token_file.exists()
    forbidden = TokenStore(URL, "emp1@example.com", token_file=None, use_token_file=True)
    assert forbidden.in_file is None and not forbidden.persistent  # policy said no


def test_keyrings_alt_beside_a_real_keyring_does_not_disable_it(
    memory_keyring: MemoryKeyring,
) -> None:
    from keyring.backends import chainer

    class PlaintextKeyring(MemoryKeyring):
        """Stands for keyrings.alt's file backend, which keyring chains after the real one."""

        __module__ = "keyrings.alt.file"

    plaintext = PlaintextKeyring()
    chain = chainer.ChainerBackend()
    chain_backends = [memory_keyring, plaintext]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(chainer.ChainerBackend, "backends", property(lambda _self: chain_backends))
        store = TokenStore(URL, "emp1@example.com", keyring_backend=chain)
        assert store.persistent and store.warning is None
        store.save("refresh-1")
    assert memory_keyring.secrets[(SERVICE, f"{URL}|emp1@example.com")] == "refresh-1"
    assert plaintext.secrets == {}
