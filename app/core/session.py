"""Signing in and out, and restoring the session of the last run.

:class:`Session` is the one owner of sign-in state: the API client of the current account,
whether its session is alive, the names shown for it, and whether the user was already told that
it ended. Everybody else reads it (:meth:`Session.api`, :meth:`Session.status`,
:meth:`Session.accepts`). The server and e-mail of the last sign-in are kept in the store's cache
(never the password or a token: the refresh token lives in the OS keyring, see
:mod:`app.api.tokens`). Sign-in and sign-out run on the worker thread like every other network
exchange.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from app.api import ApiClient, TokenStore, errors
from app.api.tokens import TOKEN_FILE_NAME
from app.core import account, wording
from app.core.clock import Clock
from app.core.facade import CommandResult
from app.core.snapshot import Notice
from app.core.status import AccountStatus
from offline_queue import OutboxItem, Store

logger = logging.getLogger(__name__)

SESSION_KEY = "session"
AUTH_LOCK = "auth.lock"


class Session:
    def __init__(
        self,
        store: Store,
        clock: Clock,
        notify: Callable[[Notice], None],
        *,
        configured_server: str | None,
        ca_bundle: str | None,
        data_dir: Path,
        allow_insecure_http: bool = False,
        allow_token_file: bool = True,
    ) -> None:
        self._store = store
        # A CLI command's network budget (total, per request); see set_deadline.
        self._deadline: tuple[float | None, float | None] = (None, None)
        self._clock = clock
        self._notify = notify
        self._configured_server = configured_server
        self._ca_bundle = ca_bundle
        self._allow_insecure_http = allow_insecure_http
        self._data_dir = data_dir
        # The opted-in sign-in file (app.api.tokens.TokenFile); None where policy forbids it.
        self._token_file = data_dir / TOKEN_FILE_NAME if allow_token_file else None
        self._want_token_file = False
        self._api: ApiClient | None = None
        self._status = AccountStatus()
        self._end_told = False

    # ---- reading ---------------------------------------------------------------------------
    @property
    def api(self) -> ApiClient | None:
        """The client of the account in use (it may be signed out: see :meth:`status`)."""
        return self._api

    def status(self) -> AccountStatus:
        return self._status

    def account(self) -> tuple[str | None, str | None]:
        """(server, e-mail) that new commands are recorded under."""
        api = self._api
        return (api.server_url, api.email) if api is not None else (None, None)

    def accepts(self) -> Callable[[OutboxItem], bool]:
        """Items of the account in use (and its server) only; others wait for theirs."""
        server, email = self.account()
        return lambda item: account.belongs(item.payload, server, email)

    def info(self) -> dict[str, Any]:
        cached = self._store.cache_get(SESSION_KEY)
        return dict(cached.value) if cached is not None and isinstance(cached.value, dict) else {}

    def server_url(self) -> str | None:
        return self._configured_server or self.info().get("server_url")

    @property
    def token_file_allowed(self) -> bool:
        return self._token_file is not None

    # ---- changing --------------------------------------------------------------------------
    def set_deadline(self, total: float | None, per_request: float | None = None) -> None:
        """A CLI command's network budget, from now, for this client and any made later (see
        :meth:`app.api.ApiClient.set_deadline`); the tray sets none."""
        self._deadline = (total, per_request)
        if self._api is not None:
            self._api.set_deadline(total, per_request)

    def keep_sign_in_in_file(self) -> bool:
        """The person asked (``timetray login --insecure-storage``) that the next sign-in be
        kept in a file only they can read, for a host with no keyring. False: policy forbids
        it, and the sign-in goes to the keyring or stays in memory as usual."""
        self._want_token_file = self._token_file is not None
        return self._want_token_file

    def _make_api(self, server_url: str, email: str | None, *, sign_in: bool = False) -> ApiClient:
        tokens = TokenStore(
            server_url,
            email,
            lock_path=self._data_dir / AUTH_LOCK,
            token_file=self._token_file,
            use_token_file=sign_in and self._want_token_file,
        )
        # The core's clock, so the measured server offset follows a wall-clock jump.
        api = ApiClient(
            server_url,
            token_store=tokens,
            ca_bundle=self._ca_bundle,
            allow_insecure_http=self._allow_insecure_http,
            clock=self._clock.now,
        )
        api.set_deadline(*self._deadline)
        return api

    def restore(self) -> None:
        info = self.info()
        server = self.server_url()
        email = info.get("email")
        user_name = info.get("user_name")
        self._status = AccountStatus(
            signed_in=False, user_name=user_name, email=email, server_url=server
        )
        if not server:
            return
        try:
            api = self._make_api(server, email)
        except ValueError as exc:
            logger.warning("cannot create the API client: %s", exc)
            return
        self._api = api
        if (
            not info.get("server_url") or info.get("server_url") == api.server_url
        ) and api.restore_session(email):
            self._status = AccountStatus(
                signed_in=True,
                user_name=user_name,
                email=api.email or email,
                server_url=api.server_url or server,
            )

    def lost(self) -> None:
        """The session ended under us: say so once, and keep everything queued. After a
        sign-out on purpose (this run or an earlier one) nothing ended: the loops still running
        simply meet no session, and the menu's "Sign in…" says all there is to say."""
        self._signed_out()
        if self._end_told or self.info().get("signed_out"):
            return
        self._end_told = True
        pending = self._store.counts().get("pending", 0)
        verb = "is" if pending == 1 else "are"
        kept = f" Your {wording.plural(pending, 'unsent item')} {verb} kept." if pending else ""
        if self.info().get("email"):
            title, text = "Sign in again", "Your session has ended; please sign in again."
        else:  # a first start: nothing ended, there is simply no account yet
            title, text = "Sign in", "Sign in to your company's server to start tracking."
        self._notify(Notice("sign_in_needed", title, text + kept, "sign_in"))

    def sign_in(self, server_url: str, email: str, password: str) -> CommandResult:
        """Worker job: the exchange with the server only; the caller polls and drains after."""
        try:
            api = self._make_api(server_url, email, sign_in=True)
        except ValueError as exc:
            return CommandResult("failed", str(exc))
        try:
            user = api.login(email, password)
        except errors.Rejected as exc:
            api.close()
            return CommandResult("rejected", exc.user_message, http_status=exc.status)
        except errors.RateLimited as exc:
            api.close()
            return CommandResult(
                "rejected",
                exc.user_message,
                http_status=429,
                data={"retry_after": exc.retry_after},
            )
        except errors.ApiError as exc:
            api.close()
            return CommandResult("failed", exc.user_message)
        old, self._api = self._api, api
        if old is not None:
            old.close()
        self._store.cache_put(
            SESSION_KEY,
            {"server_url": api.server_url, "email": api.email, "user_name": user.full_name},
        )
        self._end_told = False
        self._status = AccountStatus(
            signed_in=True,
            user_name=user.full_name,
            email=api.email or self._status.email,
            server_url=api.server_url or self._status.server_url,
        )
        message = f"Signed in as {user.full_name}"
        tokens = api.token_store
        if tokens.in_file is not None:
            message += f". Your sign-in is kept in {tokens.in_file}, readable only by you"
        elif tokens.warning:
            message += f". {tokens.warning}"
        kept = "file" if tokens.in_file else ("keyring" if tokens.persistent else "memory")
        data = {"user": user.full_name, "email": api.email, "sign_in_kept": kept}
        if tokens.in_file is not None:
            data["token_file"] = str(tokens.in_file)
        return CommandResult("done", message, data=data)

    def sign_out(self) -> CommandResult:
        if self._api is not None:
            self._api.logout()
        self._store.cache_put(SESSION_KEY, {**self.info(), "signed_out": True})
        self._signed_out()
        return CommandResult("done", "Signed out")

    def close(self) -> None:
        if self._api is not None:
            self._api.close()

    def _signed_out(self) -> None:
        self._status = replace(self._status, signed_in=False, user_name=None)
