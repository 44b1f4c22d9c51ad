"""Where the refresh token lives: the OS keyring, shared by every Timetray process of the user.

The server revokes the whole session when a rotated refresh token is presented twice, and the
tray and the CLI may run at the same time. So the keyring entry is the one source of truth: it is
re-read right before every refresh (another process may have rotated it), refreshes are
serialised across processes with a lock file, and a new token is written here before the new
access token is used. Only when no real keyring exists does the token stay in memory, for this
run only, and :attr:`TokenStore.warning` says so in plain words.
"""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import filelock
import keyring
import keyring.errors
from keyring.backend import KeyringBackend
from keyring.backends import chainer, fail, null

from app.api import redaction

logger = logging.getLogger(__name__)

SERVICE = "timetray"
NO_KEYRING_WARNING = (
    "No system keyring is available: you will need to sign in again next time Timetray starts."
)
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


def _is_os_keyring(backend: KeyringBackend) -> bool:
    """True for a real OS keyring. The fail/null backends store nothing, and keyrings.alt keeps
    secrets in files (the token must never land in a file)."""
    if isinstance(backend, fail.Keyring | null.Keyring):
        return False
    if type(backend).__module__.startswith("keyrings.alt"):
        return False
    if isinstance(backend, chainer.ChainerBackend):
        chained = list(backend.backends)
        return bool(chained) and all(_is_os_keyring(b) for b in chained)
    return True


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
    (None: only this process is coordinated).
    """

    def __init__(
        self,
        server_url: str,
        email: str | None = None,
        lock_path: Path | None = None,
        *,
        keyring_backend: KeyringBackend | None = None,
        lock_timeout: float = 30.0,
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
        self.persistent = _is_os_keyring(self._backend())
        self.warning: str | None = None if self.persistent else NO_KEYRING_WARNING
        if not self.persistent:
            _warn_once("No usable system keyring; the sign-in is kept in memory for this run")

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

    def _backend(self) -> KeyringBackend:
        if self._explicit_backend is not None:
            return self._explicit_backend
        try:
            backend: KeyringBackend = keyring.get_keyring()
        except Exception as exc:  # e.g. a PYTHON_KEYRING_BACKEND naming a missing class
            return _unusable_backend(exc)
        return backend

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
