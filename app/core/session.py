"""Signing in and out, and restoring the session of the last run.

The server and e-mail of the last sign-in are kept in the store's cache (never the password or
a token: the refresh token lives in the OS keyring, see :mod:`app.api.tokens`). Sign-in and
sign-out run on the worker thread like every other network exchange.
"""

from __future__ import annotations

import contextlib
import logging
from typing import TYPE_CHECKING, Any

from app.api import ApiClient, TokenStore, errors
from app.core.facade import CommandResult
from app.core.snapshot import Notice

if TYPE_CHECKING:
    from app.core.service import Core

logger = logging.getLogger(__name__)

SESSION_KEY = "session"
AUTH_LOCK = "auth.lock"


class Session:
    def __init__(self, core: Core) -> None:
        self.core = core
        self._sign_in_noticed = False

    def info(self) -> dict[str, Any]:
        cached = self.core._store().cache_get(SESSION_KEY)
        return dict(cached.value) if cached is not None and isinstance(cached.value, dict) else {}

    def server_url(self) -> str | None:
        return self.core.settings.server_url or self.info().get("server_url")

    def make_api(self, server_url: str, email: str | None) -> ApiClient:
        tokens = TokenStore(server_url, email, lock_path=self.core.data_dir / AUTH_LOCK)
        # The core's clock, so the measured server offset follows a wall-clock jump.
        return ApiClient(
            server_url,
            token_store=tokens,
            ca_bundle=self.core.settings.ca_bundle,
            allow_insecure_http=self.core.settings.allow_insecure_http,
            clock=self.core._now,
        )

    def restore(self) -> None:
        core = self.core
        info = self.info()
        server = self.server_url()
        email = info.get("email")
        core.tracker.set_session(
            signed_in=False, email=email, server_url=server, user_name=info.get("user_name")
        )
        if not server:
            return
        try:
            api = self.make_api(server, email)
        except ValueError as exc:
            logger.warning("cannot create the API client: %s", exc)
            return
        assert core.syncer is not None
        core.syncer.api = api
        if (
            not info.get("server_url") or info.get("server_url") == api.server_url
        ) and api.restore_session(email):
            core.tracker.set_session(
                signed_in=True,
                email=api.email,
                server_url=api.server_url,
                user_name=info.get("user_name"),
            )

    def lost(self) -> None:
        """The session ended under us: say so once, and keep everything queued."""
        core = self.core
        core.tracker.set_session(signed_in=False)
        if not self._sign_in_noticed:
            self._sign_in_noticed = True
            pending = core._store().counts().get("pending", 0)
            kept = f" Your {pending} unsent item(s) are kept." if pending else ""
            if self.info().get("email"):
                title, text = "Sign in again", "Your session has ended; please sign in again."
            else:  # a first start: nothing ended, there is simply no account yet
                title, text = "Sign in", "Sign in to your company's server to start tracking."
            core._emit_notice(Notice("sign_in_needed", title, text + kept, "sign_in"))

    def login(self, server_url: str, email: str, password: str) -> CommandResult:
        """Worker job: sign in, then poll, refresh tasks and send this account's queue."""
        core = self.core
        assert core.syncer is not None
        try:
            api = self.make_api(server_url, email)
        except ValueError as exc:
            return CommandResult("failed", str(exc))
        try:
            user = api.login(email, password)
        except errors.Rejected as exc:
            api.close()
            return CommandResult("rejected", exc.user_message, http_status=exc.status)
        except errors.RateLimited as exc:
            api.close()
            return CommandResult("rejected", exc.user_message, http_status=429)
        except errors.ApiError as exc:
            api.close()
            return CommandResult("failed", exc.user_message)
        old = core.syncer.api
        core.syncer.api = api
        if old is not None:
            old.close()
        core._store().cache_put(
            SESSION_KEY,
            {"server_url": api.server_url, "email": api.email, "user_name": user.full_name},
        )
        self._sign_in_noticed = False
        core.tracker.set_session(
            signed_in=True, user_name=user.full_name, email=api.email, server_url=api.server_url
        )
        core.tracker.set_sync(online=True, last_success_at=core._now(), last_error=None)
        warning = api.token_store.warning
        with contextlib.suppress(errors.ApiError):
            core.syncer.poll()
            core.syncer.refresh_tasks()
        core.jobs.run_drain(poll_after=False)
        if core._polling:  # the poll loop stops while signed out: start it again
            core.jobs.schedule("poll", core.settings.poll_interval_seconds)
        core._publish()
        message = f"Signed in as {user.full_name}"
        if warning:
            message += f". {warning}"
        return CommandResult("done", message, data={"user": user.full_name, "email": api.email})

    def logout(self) -> CommandResult:
        core = self.core
        assert core.syncer is not None
        api = core.syncer.api
        if api is not None:
            api.logout()
        core._store().cache_put(SESSION_KEY, {**self.info(), "signed_out": True})
        core.tracker.set_session(signed_in=False)
        core._refresh_view()
        return CommandResult("done", "Signed out")
