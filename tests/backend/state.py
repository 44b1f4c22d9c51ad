"""Everything one server instance holds: database, clock, token settings, faults, counters."""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from tests.backend.clock import ServerClock
from tests.backend.db import Database
from tests.backend.faults import FaultState, RequestStats
from tests.backend.seed import seed

DEFAULT_ACCESS_TTL_SECONDS = 900.0
REFRESH_TTL_SECONDS = 7 * 24 * 3600.0


@dataclass
class TokenPolicy:
    """Access-token lifetime and the "expire every token issued before now" cut-off.

    Access tokens are stateless JWTs whose claims carry no issue time, so the server remembers
    when it issued each one (in memory) to honour the cut-off. The contract's claims
    (sub/role/type/exp, whole-second exp) make two tokens for one user minted in the same second
    byte-identical; a re-mint after a cut-off would then revive the cut-off token. :meth:`mint`
    therefore pushes ``exp`` a second further until the token differs from every cut-off one,
    keeping the claim set exactly the real server's.
    """

    access_ttl_seconds: float = DEFAULT_ACCESS_TTL_SECONDS
    not_before: float | None = None
    _issued: dict[str, float] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def mint(self, encode: Callable[[int], str], issued_at: float) -> str:
        """Encode a token expiring ``access_ttl_seconds`` after ``issued_at`` (``encode`` maps
        ``exp`` to the token) and remember when it was issued."""
        with self._lock:
            exp = int(issued_at + self.access_ttl_seconds)
            token = encode(exp)
            while self._cut_off(token):
                exp += 1
                token = encode(exp)
            self._issued[token] = issued_at
            return token

    def _cut_off(self, token: str) -> bool:
        issued = self._issued.get(token)
        return self.not_before is not None and issued is not None and issued < self.not_before

    def revoked_by_cutoff(self, token: str) -> bool:
        with self._lock:
            cutoff = self.not_before
            issued = self._issued.get(token)
        if cutoff is None:
            return False
        return issued is None or issued < cutoff

    def reset(self) -> None:
        with self._lock:
            self.access_ttl_seconds = DEFAULT_ACCESS_TTL_SECONDS
            self.not_before = None


class BackendState:
    def __init__(self, control_secret: str | None = None) -> None:
        # Guards the /_test control endpoints (see control.py); random unless one is given.
        self.control_secret = control_secret or secrets.token_urlsafe(32)
        self.clock = ServerClock()
        self.db = Database()
        self.faults = FaultState()
        self.stats = RequestStats()
        self.tokens = TokenPolicy()
        self.jwt_secret = secrets.token_hex(32)
        self.reset()

    def reset(self) -> None:
        """Back to the demo data with no faults, the real clock and the default token TTL."""
        self.clock.set_offset(timedelta(0))
        self.faults.clear()
        self.stats.clear()
        self.tokens.reset()
        with self.db.transaction() as conn:
            self.db.clear(conn)
            seed(conn, self.clock.now())
