"""The signed-in session of :class:`app.api.client.ApiClient`: sign in, renew, sign out.

Kept apart from the endpoints so that the token rules live in one place, and apart from the
transport because renewal is policy, not plumbing. It is safe to share between threads: the
only shared mutable state is the session, and renewing it is single-flight.

Session rules (contract §1.2, DESIGN rule 7):

* The access token lives in this object only. It is renewed when it expires within
  ``min(30 s, half its lifetime)`` (lifetime from the JWT ``exp``, on the server's clock) and
  after a 401, then the request is sent once more.
* A refresh holds an in-process lock and the token store's cross-process lock; a caller that saw
  a 401 with token T and finds a different token once it holds the lock just uses that one.
* The refresh token is re-read from the keyring right before refreshing (another process may
  have rotated it) and the new one is saved before the new access token is used.
* A refresh whose outcome is unknown (timeout, dropped connection) raises ``Unreachable`` and
  changes nothing. Trade-off: if the server did rotate, the token we keep is now "used", and the
  next refresh presenting it makes the server revoke the session (401 -> sign in again). That is
  the same end state as throwing the token away now, but when the request never got processed
  (the usual case for a timeout on a slow link) keeping it saves the user a sign-in. What we
  never do is resend it automatically in the same call.
* A refresh refused with 401 means "sign in again": the access token and the stored refresh
  token are dropped (the latter only if no other process replaced it meanwhile), nothing else.
* A login and a refresh are never retried here.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx

from app.api import errors, jwtclaims, redaction
from app.api.models import ModelError, TokenPair, User
from app.api.tokens import LockTimeout, TokenStore
from app.api.transport import Transport, parse_json

logger = logging.getLogger(__name__)

REFRESH_MARGIN_SECONDS = 30.0


@dataclass(frozen=True, eq=False)
class Access:
    token: str
    expires_at: datetime | None  # server clock
    margin: float  # renew when fewer seconds than this remain

    def __repr__(self) -> str:
        return f"Access(<redacted>, expires_at={self.expires_at!r})"


class AuthSession:
    """The access token and the stored refresh token of one account on one server."""

    def __init__(self, transport: Transport, store: TokenStore) -> None:
        self._transport = transport
        self._store = store
        self._refresh_lock = threading.Lock()
        self._access: Access | None = None
        self._active = False

    @property
    def active(self) -> bool:
        """True while a session is held (an access token, or a stored refresh token after
        ``login``/``restore``) and no request has proved it dead."""
        return self._active

    # -- sign in and out ---------------------------------------------------------------------

    def login(self, email: str, password: str) -> User | None:
        """Sign in; the user the server sent along, if it sent a complete one."""
        response = self._transport.send(
            "POST", "/auth/login", json={"email": email.strip(), "password": password}
        )
        if not response.is_success:
            raise self._transport.error(response, login=True)
        data = parse_json(response)
        try:
            pair = TokenPair.from_json(data)
        except ModelError:
            raise errors.BadResponse(response.status_code, "no tokens") from None
        try:
            user: User | None = User.from_json(data.get("user"))
        except ModelError:
            user = None  # the caller fetches it from /users/me
        with self._refresh_lock:
            self._store.email = email
            self._store.save(pair.refresh_token)
            self._set_access(pair.access_token)
            self._active = True
        self._store.remember_email()
        logger.info("Signed in to %s", self._transport.host)
        return user

    def restore(self, email: str | None = None) -> bool:
        """Resume the session kept in the keyring, without any network call."""
        email = email or self._store.last_email()
        if not email:
            return False
        with self._refresh_lock:
            self._store.email = email
            if self._store.load() is None:
                self._active = False
                return False
            self._access = None
            self._active = True
        return True

    def logout(self) -> bool:
        """Revoke the refresh token on the server (best effort) and forget the session here;
        whether the server confirmed."""
        confirmed = False
        if self._active:
            try:
                access = self._access_token()
                refresh_token = self._store.load()
                body = {"refresh_token": refresh_token} if refresh_token else None
                response = self._transport.send(
                    "POST", "/auth/logout", json=body, token=access.token
                )
                confirmed = response.is_success
                if not confirmed:
                    logger.warning(
                        "Sign-out was refused by the server (HTTP %s)", response.status_code
                    )
            except errors.ApiError as exc:
                logger.warning(
                    "Could not tell the server about the sign-out: %s", type(exc).__name__
                )
        with self._refresh_lock:
            self._access = None
            self._active = False
            self._store.clear()
        return confirmed

    # -- authenticated calls -----------------------------------------------------------------

    def call(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: dict[str, str] | None = None,
    ) -> Any:
        """An authenticated call: renew and resend once on a 401 (or the 403 of a missing
        header), which is safe because the server checks credentials before doing anything."""
        send = self._transport.send
        access = self._access_token()
        response = send(method, path, json=json, params=params, token=access.token)
        if self._is_auth_failure(response):
            access = self._refresh(seen=access)
            response = send(method, path, json=json, params=params, token=access.token)
            if self._is_auth_failure(response):
                raise self._sign_in_needed()
        if not response.is_success:
            raise self._transport.error(response)
        return parse_json(response)

    def _is_auth_failure(self, response: httpx.Response) -> bool:
        if response.status_code not in (401, 403):
            return False
        mapped = errors.from_response(response, now=self._transport.server_now())
        return isinstance(mapped, errors.SignInNeeded)

    # -- renewal -----------------------------------------------------------------------------

    def _set_access(self, token: str) -> Access:
        redaction.hold(token)
        expires_at = jwtclaims.expiry(token)
        margin = REFRESH_MARGIN_SECONDS
        if expires_at is not None:
            lifetime = (expires_at - self._transport.server_now()).total_seconds()
            margin = max(0.0, min(REFRESH_MARGIN_SECONDS, lifetime / 2))
        access = Access(token, expires_at, margin)
        self._access = access
        return access

    def _expiring(self, access: Access) -> bool:
        if access.expires_at is None:
            return False
        return (access.expires_at - self._transport.server_now()).total_seconds() < access.margin

    def _sign_in_needed(self, message: str | None = None) -> errors.SignInNeeded:
        self._access = None
        self._active = False
        return errors.SignInNeeded(message)

    def _access_token(self) -> Access:
        """A usable access token: the current one, renewed first when it is about to expire."""
        access = self._access
        if access is None:
            if not self._active:
                raise errors.SignInNeeded("You are not signed in.")
            return self._refresh(seen=None)
        if not self._expiring(access):
            return access
        try:
            return self._refresh(seen=access)
        except (errors.Unreachable, errors.ServerError, errors.RateLimited):
            # Renewal failed for now; a token that has not yet expired still works.
            if access.expires_at is not None and access.expires_at > self._transport.server_now():
                logger.info("Token renewal failed; using the current token until it expires")
                return access
            raise

    def _refresh(self, seen: Access | None) -> Access:
        """Single-flight renewal. ``seen`` is the access the caller found wanting; compared by
        identity, because two tokens minted in the same second can be byte-identical."""
        with self._refresh_lock:
            current = self._access
            if current is not None and current is not seen and not self._expiring(current):
                return current  # another thread renewed it while we waited
            try:
                with self._store.exclusive():
                    return self._refresh_locked()
            except LockTimeout:
                raise errors.Unreachable(
                    False,
                    "Another Timetray window is renewing your sign-in; try again in a moment.",
                ) from None

    def _refresh_locked(self) -> Access:
        refresh_token = self._store.load()
        if refresh_token is None:
            raise self._sign_in_needed()
        logger.info("Renewing the access token")
        # Unreachable propagates untouched: the token may or may not have rotated (see module doc).
        response = self._transport.send(
            "POST", "/auth/refresh", json={"refresh_token": refresh_token}
        )
        if response.status_code in (401, 422):
            logger.warning("The server refused the sign-in renewal; a new sign-in is needed")
            self._store.clear(only_if=refresh_token)
            raise self._sign_in_needed()
        if not response.is_success:
            raise self._transport.error(response)
        try:
            pair = TokenPair.from_json(parse_json(response))
        except ModelError:
            raise errors.BadResponse(response.status_code, "no tokens") from None
        self._store.save(pair.refresh_token)  # before the new access token is used
        access = self._set_access(pair.access_token)
        self._active = True
        return access
