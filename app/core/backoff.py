"""Capped exponential backoff with jitter.

Jitter keeps a fleet of trays that lost the same server from coming back in lock step; the cap
keeps a long outage from turning into an hour between attempts.
"""

from __future__ import annotations

import random


class Backoff:
    def __init__(
        self,
        base: float = 2.0,
        cap: float = 300.0,
        *,
        rng: random.Random | None = None,
    ) -> None:
        self.base = base
        self.cap = cap
        self.failures = 0
        self._rng = rng or random.Random()

    def reset(self) -> None:
        self.failures = 0

    def next_delay(self, retry_after: float | None = None) -> float:
        """Seconds to wait after one more failure; never less than the server's Retry-After."""
        self.failures += 1
        ceiling = min(self.cap, self.base * (2 ** (self.failures - 1)))
        delay = float(ceiling * self._rng.uniform(0.5, 1.0))
        if retry_after is not None and retry_after > 0:
            delay = max(delay, min(retry_after, 3600.0))
        return delay


def jittered(interval: float, fraction: float = 0.2, rng: random.Random | None = None) -> float:
    """``interval`` moved at random by up to +-``fraction`` of itself."""
    r = rng or random
    return interval * (1.0 + r.uniform(-fraction, fraction))
