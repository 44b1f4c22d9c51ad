"""The two small read-only views the Tracker folds into every snapshot without owning them.

Sign-in belongs to :class:`app.core.session.Session` and connection health to
:class:`app.core.health.SyncHealth`; the Tracker only reads these frozen values (through a
callable it is given), so there is exactly one writer of each.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class AccountStatus:
    """Who is signed in, as the tray shows it."""

    signed_in: bool = False
    user_name: str | None = None
    email: str | None = None
    server_url: str | None = None


@dataclass(frozen=True)
class Connection:
    """How the last exchanges with the server went."""

    online: bool = False
    last_error: str | None = None
    last_success_at: datetime | None = None
    next_retry_at: datetime | None = None
