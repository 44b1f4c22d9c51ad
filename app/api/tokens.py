"""Where the refresh token lives: the OS keyring, shared by every Timetray process of the user.

The server revokes the whole session when a rotated refresh token is presented twice, and the
tray and the CLI may run at the same time. So the keyring entry is the one source of truth: it is
re-read right before every refresh (another process may have rotated it), refreshes are
serialised across processes with a lock file, and a new token is written here before the new
access token is used. Only when no real keyring exists does the token stay in memory, for this
run only, and :attr:`TokenStore.warning` says so in plain words, unless the person opted in
(``timetray login --insecure-storage``, as gh does) to a file only they can read.
"""

from __future__ import annotations

import contextlib
import functools
import json
import logging
import os
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Protocol

import filelock
import keyring
import keyring.errors
from keyring.backend import KeyringBackend
from keyring.backends import chainer, fail, null

from app.api import redaction

logger = logging.getLogger(__name__)

SERVICE = "timetray"
NO_KEYRING_WARNING = (
    "No system keyring is available: you will need to sign in again next time Timetray starts "
    "(run a Secret Service such as gnome-keyring, or sign in with "
    "`timetray login --insecure-storage` to keep it in a file only you can read)."
)
TOKEN_FILE_NAME = "sign-in-token.json"
KEYRING_FAILED_WARNING = (
    "The system keyring refused to store your sign-in: you will need to sign in again next "
    "time Timetray starts."
)
_LAST_EMAIL_KEY = "#last-email"  # cannot collide with an e-mail address (no "@")


class LockTimeout(Exception):
    """Another Timetray process held the refresh lock for too long."""


def normalize_server_url(url: str) -> str:
    """One spelling per server, so the keyring key is stable: no trailing slash, no ``/api/v1``."""
    url = url.strip().rstrip("/")
    if url.endswith("/api/v1"):
        url = url[: -len("/api/v1")].rstrip("/")
    return url


class SecretBackend(Protocol):
    """What the token store needs of a keyring: keyring's own backends and :class:`TokenFile`."""

    def get_password(self, service: str, username: str) -> str | None: ...
    def set_password(self, service: str, username: str, password: str) -> None: ...
    def delete_password(self, service: str, username: str) -> None: ...


def _storing_backend(backend: KeyringBackend) -> KeyringBackend:
    """The backend that will really hold the token. A chainer stores in its first backend, so
    that one is judged and used alone: with keyrings.alt installed beside a working Secret
    Service the chain also holds plaintext files, which must neither disable the real keyring
    nor ever receive the token."""
    if isinstance(backend, chainer.ChainerBackend):
        chained = list(backend.backends)
        if not chained:
            empty: KeyringBackend = fail.Keyring()  # type: ignore[no-untyped-call]
            return empty
        return _storing_backend(chained[0])
    return backend


def _is_os_keyring(backend: KeyringBackend) -> bool:
    """True for a real OS keyring. The fail/null backends store nothing, and keyrings.alt keeps
    secrets in files the person never chose."""
    if isinstance(backend, fail.Keyring | null.Keyring):
        return False
    return not type(backend).__module__.startswith("keyrings.alt")


class TokenFile:
    """The sign-in kept in a file, for hosts with no OS keyring, only when the person asked for
    it (``timetray login --insecure-storage``) and machine policy allows it.

    The file is created 0600 in a 0700 folder and replaced atomically; it is deleted when its
    last entry is, so a later sign-in goes back to the keyring, the only silent path."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def exists(self) -> bool:
        return self.path.exists()

    def _read(self) -> dict[str, str]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            logger.warning("The sign-in file %s cannot be read: %s", self.path, type(exc).__name__)
            return {}
        return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}

    def _write(self, entries: dict[str, str]) -> None:
        if not entries:
            with contextlib.suppress(FileNotFoundError):
                self.path.unlink()
            return
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".sign-in-", dir=self.path.parent)  # mode 0600
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(entries, handle)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise

    def get_password(self, service: str, username: str) -> str | None:
        return self._read().get(f"{service}|{username}")

    def set_password(self, service: str, username: str, password: str) -> None:
        entries = self._read()
        entries[f"{service}|{username}"] = password
        self._write(entries)

    def delete_password(self, service: str, username: str) -> None:
        entries = self._read()
        if entries.pop(f"{service}|{username}", None) is None:
            raise keyring.errors.PasswordDeleteError("not stored")
        self._write(entries)


def _unusable_backend(exc: Exception) -> KeyringBackend:
    """A keyring that cannot even be chosen counts as none: tokens stay in memory."""
    from keyring.backends import fail

    _warn_once(f"The system keyring could not be loaded ({type(exc).__name__}: {exc})")
    backend: KeyringBackend = fail.Keyring()  # type: ignore[no-untyped-call]
    return backend


@functools.cache
def _warn_once(message: str) -> None:
    """Every client of the process shares the one keyring: one warning is enough."""
    logger.warning("%s", message)


class TokenStore:
    """The refresh token of one ``(server, email)`` pair, plus the cross-process refresh lock.

    ``keyring_backend`` overrides the process-wide keyring (tests, or a caller that picked one);
    ``lock_path`` is a file in the app's data dir that serialises refreshes between processes
    (None: only this process is coordinated). ``token_file`` is where an opted-in file store
    lives (None: machine policy forbids it): it is used when ``use_token_file`` (the person
    asked for it now) or when it already exists (they asked for it at an earlier sign-in).
    """

    def __init__(
        self,
        server_url: str,
        email: str | None = None,
        lock_path: Path | None = None,
        *,
        keyring_backend: KeyringBackend | None = None,
        lock_timeout: float = 30.0,
        token_file: Path | None = None,
        use_token_file: bool = False,
    ) -> None:
        self.server_url = normalize_server_url(server_url)
        self._email = email.strip().lower() if email else None
        self._explicit_backend = keyring_backend
        self._memory: str | None = None
        self._thread_lock = threading.RLock()
        self._lock_timeout = lock_timeout
        self._file_lock: filelock.BaseFileLock | None = None
        if lock_path is not None:
            lock_path.parent.mkdir(parents=True, exist_ok=True)
            self._file_lock = filelock.FileLock(str(lock_path), timeout=lock_timeout)
        self._file = (
            TokenFile(token_file)
            if token_file is not None and (use_token_file or token_file.exists())
            else None
        )
        self.persistent = self._file is not None or _is_os_keyring(self._keyring())
        self.warning: str | None = None if self.persistent else NO_KEYRING_WARNING
        if not self.persistent:
            _warn_once("No usable system keyring; the sign-in is kept in memory for this run")

    @property
    def in_file(self) -> Path | None:
        """The file holding the sign-in when the person opted in to one, to tell them so."""
        return self._file.path if self._file is not None else None

    # -- identity ---------------------------------------------------------------------------

    @property
    def email(self) -> str | None:
        return self._email

    @email.setter
    def email(self, value: str | None) -> None:
        new = value.strip().lower() if value else None
        if new != self._email:
            self._memory = None  # a memory copy belongs to the previous account
        self._email = new

    @property
    def username(self) -> str:
        """The keyring user name: ``"<server_url>|<email>"``."""
        if not self._email:
            raise ValueError("TokenStore has no e-mail yet")
        return f"{self.server_url}|{self._email}"

    def _backend(self) -> SecretBackend:
        return self._file if self._file is not None else self._keyring()

    def _keyring(self) -> KeyringBackend:
        if self._explicit_backend is not None:
            return _storing_backend(self._explicit_backend)
        try:
            backend: KeyringBackend = keyring.get_keyring()
        except Exception as exc:  # e.g. a PYTHON_KEYRING_BACKEND naming a missing class
            return _unusable_backend(exc)
        return _storing_backend(backend)

    def _fall_back_to_memory(self, warning: str) -> None:
        if self.persistent:
            logger.warning("The keyring failed; keeping the sign-in in memory for this run")
        self.persistent = False
        self.warning = warning

    # -- the refresh token ------------------------------------------------------------------

    def load(self) -> str | None:
        """The current refresh token, read fresh from the keyring (never from a cache when the
        keyring works: another process may have rotated it)."""
        if not self._email:
            return None
        if not self.persistent:
            return self._memory
        try:
            token: str | None = self._backend().get_password(SERVICE, self.username)
        except keyring.errors.KeyringError as exc:
            # Presenting a possibly stale copy could revoke the session, so report "none".
            logger.warning("Could not read the sign-in from the keyring: %s", type(exc).__name__)
            return None
        redaction.hold(token)  # whatever its shape, it never reaches the log
        return token

    def save(self, token: str) -> None:
        """Store a (rotated) refresh token; on a keyring failure keep it in memory and say so."""
        username = self.username
        redaction.hold(token)
        if self.persistent:
            try:
                self._backend().set_password(SERVICE, username, token)
                return
            except keyring.errors.KeyringError as exc:
                logger.warning("Could not save the sign-in to the keyring: %s", type(exc).__name__)
                self._fall_back_to_memory(KEYRING_FAILED_WARNING)
        self._memory = token

    def clear(self, only_if: str | None = None) -> None:
        """Forget the refresh token. With ``only_if``, only when it is still that token (another
        process may have stored a newer, valid one meanwhile)."""
        if not self._email:
            return
        if only_if is not None and self.load() not in (only_if, None):
            logger.info("Not clearing the sign-in: another process replaced it")
            return
        self._memory = None
        if not self.persistent:
            return
        try:
            self._backend().delete_password(SERVICE, self.username)
        except keyring.errors.PasswordDeleteError:
            pass  # nothing stored
        except keyring.errors.KeyringError as exc:
            logger.warning("Could not remove the sign-in from the keyring: %s", type(exc).__name__)
        if self._file is not None and only_if is None:
            # Signing out of a file-kept sign-in: its last-e-mail note goes too, so the file is
            # deleted once empty and the next sign-in goes back to the keyring by default.
            with contextlib.suppress(keyring.errors.KeyringError):
                self._file.delete_password(SERVICE, f"{self.server_url}|{_LAST_EMAIL_KEY}")

    # -- the last account used on this server (not a secret) -------------------------------

    def remember_email(self) -> None:
        """Note this store's e-mail as the last one signed in on this server (best effort)."""
        if not self._email or not self.persistent:
            return
        try:
            self._backend().set_password(
                SERVICE, f"{self.server_url}|{_LAST_EMAIL_KEY}", self._email
            )
        except keyring.errors.KeyringError as exc:
            logger.info("Could not remember the last e-mail: %s", type(exc).__name__)

    def last_email(self) -> str | None:
        """The e-mail last signed in on this server by any Timetray process, if known."""
        if not self.persistent:
            return self._email if self._memory else None
        try:
            value: str | None = self._backend().get_password(
                SERVICE, f"{self.server_url}|{_LAST_EMAIL_KEY}"
            )
        except keyring.errors.KeyringError:
            return None
        return value

    # -- coordination -----------------------------------------------------------------------

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        """Hold the refresh lock: one refresh at a time in this process and across processes."""
        with self._thread_lock:
            if self._file_lock is None:
                yield
                return
            try:
                self._file_lock.acquire(timeout=self._lock_timeout)
            except filelock.Timeout as exc:
                raise LockTimeout("another Timetray process is renewing the sign-in") from exc
            try:
                yield
            finally:
                self._file_lock.release()
